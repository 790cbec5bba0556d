"""Test settings: production settings with fast, local, deterministic choices."""

import os

os.environ.setdefault("MAILLAGE_SECRET_KEY", "test-only-secret-key-not-for-production")

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import MIDDLEWARE  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILLAGE_GEOCODER = "recorded"
MAILLAGE_MAP_TILES_URL = ""
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = "INVALID_TEMPLATE_VARIABLE(%s)"  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"public": "10000/minute"}  # noqa: F405
MIDDLEWARE = list(MIDDLEWARE)
