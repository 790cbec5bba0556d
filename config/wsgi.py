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

# The PDF renderer (decision letters, receipts, the diagnostic) takes about a second to import:
# each gunicorn worker pays it at start rather than on a family's first click on her letter.
import logging  # noqa: E402

logging.getLogger("weasyprint").setLevel(logging.WARNING)
import weasyprint  # noqa: E402, F401
