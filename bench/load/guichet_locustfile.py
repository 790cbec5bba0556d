"""Load test of the guichet unique: families applying and following their applications on the
production stack (`make serve` on PostgreSQL with the demo loaded and bench family accounts made
by bench/load/families.py). Run by `BENCH_SCENARIO=guichet bash bench/load.sh`; see
docs/benchmarks.md.

Each simulated family (one account per user, 1–3 s between pages) logs in, then: opens its space
and the status page of its applications, starts an application (the form, then a draft saved with
two ranked wishes), submits it and reads the receipt; now and then reads the public rules page.
"""

import datetime
import itertools
import random
import re

from locust import HttpUser, between, task
from page_times import LOGIN_POST

TERRITORY = "bassin-de-vie-carros"
PASSWORD = "demo-maillage-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NUMBER = re.compile(r"/guichet/mes-demandes/([A-Z]+-\d{4}-\d{5})/")
ACCOUNTS = itertools.count(1)


def options(html: str, name: str) -> list[str]:
    """The non-empty option values of the select named `name`."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    return (
        [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v] if select else []
    )


class GuichetFamily(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.email = f"famille.banc{next(ACCOUNTS):03d}@exemple.invalid"
        page = self.client.get("/connexion/", name="/connexion/")
        self.client.post(
            "/connexion/",
            data={"username": self.email, "password": PASSWORD,
                  "csrfmiddlewaretoken": CSRF.search(page.text).group(1)},
            headers={"Referer": self.host + "/connexion/"}, name=LOGIN_POST,
        )  # fmt: skip
        self.numbers = []

    def _csrf_post(self, url, data, name, page_url):
        return self.client.post(url, data=data, name=name,
                                headers={"Referer": self.host + page_url})  # fmt: skip

    @task(3)
    def my_applications(self):
        page = self.client.get("/guichet/mes-demandes/", name="/guichet/mes-demandes/")
        self.numbers = sorted(set(NUMBER.findall(page.text))) or self.numbers

    @task(4)
    def follow(self):
        if not self.numbers:
            return self.apply()
        number = random.choice(self.numbers)
        self.client.get(f"/guichet/mes-demandes/{number}/", name="/guichet/mes-demandes/<n>/")

    @task(1)
    def receipt(self):
        if self.numbers:
            number = random.choice(self.numbers)
            self.client.get(f"/guichet/mes-demandes/{number}/accuse/",
                            name="/guichet/mes-demandes/<n>/accuse/")  # fmt: skip

    @task(1)
    def rules(self):
        self.client.get(f"/guichet/{TERRITORY}/comment-ca-marche/",
                        name="/guichet/<t>/comment-ca-marche/")  # fmt: skip

    @task(2)
    def apply(self):
        if len(self.numbers) >= 3:  # a family applies for a few children, not hundreds
            return self.follow()
        url = f"/guichet/{TERRITORY}/nouvelle-demande/"
        form = self.client.get(url, name="/guichet/<t>/nouvelle-demande/")
        token = CSRF.search(form.text)
        communes, wishes = options(form.text, "foyer-commune"), options(form.text, "demande-wish_1")
        if not (token and communes and wishes):
            return
        today = datetime.date.today()
        first, second = random.sample(wishes, 2) if len(wishes) > 1 else (wishes[0], "")
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "foyer-parent_first_name": "Camille", "foyer-parent_last_name": "Banc",
            "foyer-phone": "0600000000", "foyer-commune": random.choice(communes),
            "foyer-parents_working": "2", "foyer-other_children": "0",
            "demande-first_name": random.choice(["Léa", "Noé", "Inès", "Lucas"]),
            "demande-last_name": "Banc", "demande-born": "1",
            "demande-birth_date": (today - datetime.timedelta(days=random.randint(30, 300))).isoformat(),
            "demande-desired_start": (today + datetime.timedelta(days=random.randint(60, 300))).isoformat(),
            "demande-days_per_week": str(random.randint(2, 5)),
            "demande-wish_1": first, "demande-wish_2": second,
        }  # fmt: skip
        saved = self._csrf_post(url, data, "/guichet/<t>/nouvelle-demande/ (envoi)", url)
        found = NUMBER.search(saved.url or "")
        if not found:
            return
        number = found.group(1)
        pieces = f"/guichet/mes-demandes/{number}/pieces/"
        token = CSRF.search(saved.text)
        if token:
            self._csrf_post(f"/guichet/mes-demandes/{number}/deposer/",
                            {"csrfmiddlewaretoken": token.group(1)},
                            "/guichet/mes-demandes/<n>/deposer/", pieces)  # fmt: skip
        self.numbers.append(number)
