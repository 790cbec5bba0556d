"""Production settings: the documented default for the web server, the worker, the scheduler
and every command run in production (`DJANGO_SETTINGS_MODULE=config.settings.production`).
Everything deployment-specific comes from the environment (docs/environment.md)."""

from config.settings.base import *  # noqa: F403
