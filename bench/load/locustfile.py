"""Load test of the production stack (`make serve` on PostgreSQL with the demo loaded).

Mixed users, each waiting 1–3 s between pages: families on the public directory, the simulator
and the observatory; agents logged in on their commune workspace and the convention pages.
Run by bench/load.sh, which starts the stack and writes the figures; see docs/benchmarks.md.
"""

import random
import re

from locust import HttpUser, between, task
from page_times import LOGIN_POST

COMMUNES = ["Carros", "Le Broc", "Gattières", "La Gaude", "Saint-Jeannet", "Gilette", "06510"]
INSEE = ["06033", "06064", "06066", "06065", "06025", "06122"]
TERRITORY = "bassin-de-vie-carros"
PASSWORD = "demo-maillage-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Family(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    @task(4)
    def directory_search(self):
        commune = random.choice(COMMUNES)
        radius = random.choice([5, 10, 15])
        self.client.get(
            f"/annuaire/?commune={commune}&radius_km={radius}", name="/annuaire/?commune=…"
        )

    @task(2)
    def structure_page(self):
        self.client.get("/annuaire/", name="/annuaire/")

    @task(2)
    def simulator(self):
        page = self.client.get("/simulateur/", name="/simulateur/")
        token = CSRF.search(page.text)
        data = {
            "care": "eaje",
            "monthly_resources": str(random.randint(1200, 6000)),
            "children": str(random.randint(1, 3)),
            "aeeh_children": "0",
            "hours_per_month": "120",
        }
        if token:
            data["csrfmiddlewaretoken"] = token.group(1)
        self.client.post(
            "/simulateur/", data=data, name="/simulateur/ (calcul)",
            headers={"Referer": self.host + "/simulateur/"},
        )  # fmt: skip

    @task(2)
    def observatory(self):
        self.client.get(f"/observatoire/{TERRITORY}/", name="/observatoire/<territoire>/")

    @task(1)
    def commune_sheet(self):
        self.client.get(
            f"/observatoire/communes/{random.choice(INSEE)}/",
            name="/observatoire/communes/<insee>/",
        )

    @task(1)
    def home(self):
        self.client.get("/", name="/")


class Agent(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        page = self.client.get("/connexion/", name="/connexion/")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/connexion/",
            data={
                "username": "agent@maillage.example",
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": self.host + "/connexion/"},
            name=LOGIN_POST,
        )
        conventions = self.client.get("/conventions/", name="/conventions/")
        # the list also links « Nouvelle convention » (/conventions/nouvelle/): not a convention
        slugs = [
            slug
            for slug in re.findall(r'href="/conventions/([a-z0-9-]+)/"', conventions.text)
            if slug != "nouvelle"
        ]
        self.convention = slugs[0] if slugs else None

    @task(3)
    def commune_workspace(self):
        # The demo agent acts for Carros after logging in.
        self.client.get("/communes/06033/espace/", name="/communes/<insee>/espace/")

    @task(3)
    def plan(self):
        if self.convention:
            self.client.get(f"/conventions/{self.convention}/plan/", name="/conventions/<c>/plan/")

    @task(2)
    def convention(self):
        if self.convention:
            self.client.get(f"/conventions/{self.convention}/", name="/conventions/<c>/")

    @task(1)
    def my_space(self):
        self.client.get("/mon-espace/", name="/mon-espace/")
