"""WSGI entry point (gunicorn). Production settings by default; a missing or invalid setting
stops the start with one French line, not a traceback."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    print(f"Maillage ne peut pas démarrer : {exc}", file=sys.stderr, flush=True)
    sys.exit(2)
