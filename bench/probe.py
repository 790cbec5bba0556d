"""The site's responsiveness while a benchmark runs heavy work (shared by the benches).

`serve()` starts gunicorn on the production settings the bench chose; `Pinger` requests public
pages in a loop and keeps (url, seconds, status); `summary()` prints them."""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


class Pinger(threading.Thread):
    """Requests the home page and the login page in a loop; keeps (url, seconds, status)."""

    def __init__(self, base: str, urls=("/", "/connexion/")):
        super().__init__(daemon=True)
        self.base = base
        self.urls = list(urls)
        self.samples: list[tuple[str, float, int]] = []
        self.stop = threading.Event()

    def run(self):
        urls = self.urls
        i = 0
        while not self.stop.is_set():
            url = urls[i % len(urls)]
            i += 1
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.base + url, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            self.samples.append((url, time.perf_counter() - started, status))
            self.stop.wait(0.1)


def summary(samples) -> str:
    if not samples:
        return "aucune requête"
    times = sorted(s[1] for s in samples)
    errors = sum(1 for s in samples if s[2] != 200)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return (
        f"{len(samples)} requêtes, médiane {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms, "
        f"{sum(1 for t in times if t >= 1)} ≥ 1 s, {errors} en erreur"
    )


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"le serveur ne répond pas sur {url}")


def serve(port: int) -> subprocess.Popen:
    """gunicorn (2 workers, as in production here) on 127.0.0.1:`port`, warmed up."""
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=os.environ,
    )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/connexion/")
    for _ in range(3):  # warm up both gunicorn processes (imports, first queries)
        for url in ("/", "/connexion/"):
            wait_for(f"http://127.0.0.1:{port}{url}")
    return server
