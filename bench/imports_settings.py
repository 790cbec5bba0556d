"""Settings of bench/imports.py: production settings, static files served from the finders
(no collectstatic: the benchmark measures the pages, not the static pipeline)."""

from config.settings.production import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
