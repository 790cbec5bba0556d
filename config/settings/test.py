"""Test settings: production settings with fast, local, deterministic choices."""

import os

os.environ.setdefault("MAILLAGE_SECRET_KEY", "test-only-secret-key-not-for-production")

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import MIDDLEWARE  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Plain HTTP (test client, live server, demo on 127.0.0.1): no redirect to HTTPS, no HSTS.
MAILLAGE_HTTPS = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Tasks run synchronously in tests; the one test of the real worker sets the database backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "MAILLAGE_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
# A file database (not SQLite's shared in-memory one, whose table locks fail at once instead of
# waiting): threads of the concurrency tests and the browser tests' live server wait their turn.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405 — a fresh checkout has no var/ yet
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}  # noqa: F405
# Static files come from the finders (no collectstatic before tests or in the demo).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILLAGE_GEOCODER = "recorded"
MAILLAGE_MAP_TILES_URL = ""


class InvalidTemplateVariable(str):
    """An unknown template variable fails the test instead of rendering as an empty string."""

    def __mod__(self, name):
        from django.template import TemplateSyntaxError

        raise TemplateSyntaxError(f"Variable de gabarit inconnue : {name!r}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"public": "10000/minute"}  # noqa: F405
MIDDLEWARE = list(MIDDLEWARE)
# The second factor is off unless a test turns it on (settings.MAILLAGE_REQUIRE_2FA = True).
MAILLAGE_REQUIRE_2FA = False
# The test client's login() has no request, which django-axes refuses (pages still go through it).
AUTHENTICATION_BACKENDS = [
    "maillage.accounts.backends.AxesBackendAllowingTestClient",
    "django.contrib.auth.backends.ModelBackend",
]
