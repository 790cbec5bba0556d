from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WebConfig(AppConfig):
    name = "maillage.web"
    label = "web"
    verbose_name = "Pages"


class MaillageAdminConfig(admin_apps.AdminConfig):
    """`django.contrib.admin` with Maillage's site (maillage.web.admin_site)."""

    default = False
    default_site = "maillage.web.admin_site.MaillageAdminSite"
