"""Security headers, HTTPS settings, API rate limits behind proxies, bounded pages, local Swagger UI."""

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView

from maillage.api.pagination import MAX_LIMIT
from tests.territories.factories import CommuneFactory, EpciFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "maillage" / "templates"

MAIN_PAGES = [
    "/",
    "/connexion/",
    "/communes/06033/",
    "/territoires/bassin-de-vie-carros/",
    "/api/v1/docs/",
]


def _directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"directive {name} absente de {policy!r}")


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_send_the_security_headers(client, bassin, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = _directive(policy, "script-src")
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert _directive(policy, "style-src") == ["'self'"]
    assert _directive(policy, "object-src") == ["'none'"]
    assert _directive(policy, "frame-ancestors") == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_logged_in_pages_send_the_policy_too(client, bruno):
    client.force_login(bruno)
    response = client.get("/mon-espace/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        handlers = [name for name in attrs if name.startswith("on")]
        if handlers:
            self.inline.append(f"<{tag} {handlers}>")
        if tag == "script" and "src" not in attrs and "nonce" not in attrs:
            if attrs.get("type") != "application/json":
                self.inline.append("<script> en ligne")


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy forbids inline scripts: code goes to static/js/ (or carries the nonce)."""
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        if "/documents/" in str(path) or "/report/" in str(path):
            continue  # rendered to PDF by the server, never served to a browser
        parser = _Scripts()
        parser.feed(re.sub(r"{%.*?%}|{{.*?}}", " ", path.read_text()))
        if parser.inline:
            offenders[str(path.relative_to(TEMPLATES))] = parser.inline
    assert offenders == {}


def _production_settings(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAILLAGE_", "DJANGO_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        MAILLAGE_SECRET_KEY="k" * 60,
        **env,
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ['SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER']} | "
        "{'NUM_PROXIES': s.REST_FRAMEWORK['NUM_PROXIES'], "
        "'CACHE': s.CACHES['default']['BACKEND']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_defaults_to_https_and_trusts_no_proxy():
    values = _production_settings()
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["NUM_PROXIES"] == 0
    assert values["CACHE"] == "django.core.cache.backends.db.DatabaseCache"


def test_trusted_proxies_and_plain_http_come_from_the_environment():
    values = _production_settings(MAILLAGE_TRUSTED_PROXIES="1", MAILLAGE_HTTPS="false")
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["NUM_PROXIES"] == 1
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


def test_check_deploy_with_production_settings_prints_no_warning(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAILLAGE_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        MAILLAGE_SECRET_KEY="Zq8-" + "x7Hf_2pLk9Wm3Rt5Yb1Nc4Vd6Sg0Ja" * 2,
        MAILLAGE_ALLOWED_HOSTS="maillage.exemple.fr",
        MAILLAGE_TRUSTED_PROXIES="1",
        MAILLAGE_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "maillage.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _throttle(settings, rate="3/minute", proxies=0):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": rate},
        "NUM_PROXIES": proxies,
    }


def test_rotating_x_forwarded_for_does_not_reset_the_throttle(client, bassin, settings):
    _throttle(settings)
    codes = [
        client.get("/api/v1/communes/06033/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_behind_one_proxy_the_address_it_appends_counts(client, bassin, settings):
    _throttle(settings, proxies=1)
    url = "/api/v1/communes/06033/"
    codes = [
        client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.7").status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    # Another client behind the same proxy has its own budget.
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_limit_is_bounded_on_list_endpoints(client, db):
    epci = EpciFactory(siren="200000001")
    for i in range(MAX_LIMIT + 5):
        CommuneFactory(insee_code=f"07{i:03d}", name=f"Commune {i:03d}", epci=epci)
    data = client.get("/api/v1/communes/", {"epci": "200000001", "limit": 100000}).json()
    assert data["count"] == MAX_LIMIT + 5
    assert len(data["results"]) == MAX_LIMIT


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield getattr(pattern.callback, "cls", None)


def test_every_paginated_api_view_bounds_its_limit():
    classes = [
        c for c in _views(get_resolver().url_patterns) if c and issubclass(c, GenericAPIView)
    ]
    assert classes
    for view in classes:
        paginator = view.pagination_class
        if paginator is not None:
            assert 0 < (getattr(paginator, "max_limit", None) or 0) <= MAX_LIMIT, view


def test_api_documentation_uses_only_local_assets(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    content = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', content)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in urls
    assert "<script>" not in content and "<style" not in content
    for url in urls:
        if url.startswith("/static/"):
            asset = client.get(url)
            assert asset.status_code == 200, url
            asset.close()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert re.findall(r"https?://", script.content.decode()) == []
