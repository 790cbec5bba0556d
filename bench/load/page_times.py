"""Response times of the pages during a locust run, written to bench/out/pages.json at the end
(read by bench/load.sh). Every request counts but the login POST: its password hashing (PBKDF2,
deliberately slow) is not a page; locust reports it on its own line. Imported by each
locustfile of this directory (locust puts the locustfile's directory on the path)."""

import json
from pathlib import Path

from locust import events

LOGIN_POST = "/connexion/ (envoi)"
PAGE_TIMES: list[float] = []
PAGE_FAILURES = [0]


@events.request.add_listener
def _page_time(name, response_time, exception=None, **_kwargs):
    if name == LOGIN_POST:
        return
    PAGE_TIMES.append(response_time)
    if exception is not None:
        PAGE_FAILURES[0] += 1


@events.quitting.add_listener
def _write_page_times(**_kwargs):
    times = sorted(PAGE_TIMES)

    def percentile(p: float) -> float:
        return round(times[min(len(times) - 1, int(p / 100 * len(times)))]) if times else 0

    out = Path(__file__).resolve().parent.parent / "out" / "pages.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "requests": len(times),
                "failures": PAGE_FAILURES[0],
                "p50": percentile(50),
                "p95": percentile(95),
                "p99": percentile(99),
            }
        )
    )
