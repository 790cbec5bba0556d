"""Development and demo settings: test settings plus debug and a local SQLite file."""

import os

os.environ.setdefault("MAILLAGE_SECRET_KEY", "dev-only-secret-key-not-for-production")

from config.settings import base  # noqa: E402
from config.settings.test import *  # noqa: E402,F403

# The demo logs in through the pages only: the real django-axes backend, not the test one.
AUTHENTICATION_BACKENDS = base.AUTHENTICATION_BACKENDS

DEBUG = True
MAILLAGE_DEMO_SETTINGS = True
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
EMAIL_BACKEND = os.environ.get(
    "MAILLAGE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
# The demo runs a real worker and scheduler beside runserver (`make demo`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEMPLATES[0]["OPTIONS"].pop("string_if_invalid", None)  # noqa: F405
MAILLAGE_GEOCODER = os.environ.get("MAILLAGE_GEOCODER", "none")
# The demo's published accounts log in without a second factor (README).
MAILLAGE_REQUIRE_2FA = os.environ.get("MAILLAGE_REQUIRE_2FA", "false").lower() in ("1", "true")

# The demo's legal pages name a fictitious operator (each deployment sets its own).
MAILLAGE_OPERATOR_NAME = os.environ.get("MAILLAGE_OPERATOR_NAME", "Caf de démonstration")
MAILLAGE_DPO_CONTACT = os.environ.get("MAILLAGE_DPO_CONTACT", "dpo@maillage.localhost")
