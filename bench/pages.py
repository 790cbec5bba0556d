"""Each page of the load scenario alone, on a running production stack (`make serve` or the
stack of bench/load.sh): N sequential GETs per page, wall-clock median / p95 and the CPU time
the web workers spent per request (read from /proc before and after each page).

    .venv/bin/python bench/pages.py [--port 8765] [--requests 50] [--only annuaire,plan]

Logs in as the demo agent for the agent pages (as bench/load/locustfile.py does). Sequential
requests: this measures the server time of one page, not the behaviour under load (that is
bench/load.sh). Stdlib only. See docs/benchmarks.md « Pages une à une ».
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

PASSWORD = "demo-maillage-2026"
AGENT = "agent@maillage.example"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pages(convention: str | None) -> list[tuple[str, str, bool]]:
    """(name, path, needs login) — the GETs of the load scenario."""
    out = [
        ("/annuaire/?commune=Carros&radius_km=15", "/annuaire/?commune=Carros&radius_km=15", False),
        ("/annuaire/?commune=06510&radius_km=15", "/annuaire/?commune=06510&radius_km=15", False),
        ("/annuaire/?commune=Gilette&radius_km=5", "/annuaire/?commune=Gilette&radius_km=5", False),
        ("/annuaire/", "/annuaire/", False),
        ("/", "/", False),
        ("/simulateur/", "/simulateur/", False),
        ("/communes/<insee>/espace/", "/communes/06033/espace/", True),
        ("/mon-espace/", "/mon-espace/", True),
    ]
    if convention:
        out += [
            ("/conventions/<c>/plan/", f"/conventions/{convention}/plan/", True),
            ("/conventions/<c>/", f"/conventions/{convention}/", True),
        ]
    return out


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def web_workers(port: int) -> list[int]:
    """The gunicorn processes bound to `port` (master and workers)."""
    masters = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "gunicorn" in cmd and f":{port}" in cmd:
            masters.append(int(proc.name))
    pids = list(masters)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid in masters:
                pids.append(int(proc.name))
    return sorted(set(pids))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += _ticks(pid)
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--only", default="", help="comma-separated substrings of page names")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str) -> bytes:
        with opener.open(base + path, timeout=60) as response:
            return response.read()

    token = CSRF.search(get("/connexion/").decode()).group(1)
    login = urllib.parse.urlencode(
        {"username": AGENT, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        base + "/connexion/", data=login, headers={"Referer": base + "/connexion/"}
    )
    opener.open(request, timeout=60).read()
    slugs = [
        s
        for s in re.findall(r'href="/conventions/([a-z0-9-]+)/"', get("/conventions/").decode())
        if s != "nouvelle"
    ]
    workers = web_workers(args.port)
    print(f"load average before: {os.getloadavg()}; {len(workers)} gunicorn processes")
    print(f"{'page':48} {'bytes':>7} {'median':>7} {'p95':>7} {'max':>7} {'CPU/req':>8}")
    wanted = [w for w in args.only.split(",") if w]
    for name, path, _login in pages(slugs[0] if slugs else None):
        if wanted and not any(w in path for w in wanted):
            continue
        body = get(path)  # warm: templates, caches of the worker that answers
        for _ in range(3):
            get(path)
        times = []
        cpu_before = cpu_seconds(workers)
        for _ in range(args.requests):
            start = time.perf_counter()
            get(path)
            times.append((time.perf_counter() - start) * 1000)
        cpu = (cpu_seconds(workers) - cpu_before) / args.requests * 1000
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"{name:48} {len(body):7d} {statistics.median(times):6.0f}ms {p95:6.0f}ms "
            f"{times[-1]:6.0f}ms {cpu:6.1f}ms"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
