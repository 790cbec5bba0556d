from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "maillage.audit"
    label = "audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        # the admin modules are loaded by now (django.contrib.admin comes first in
        # INSTALLED_APPS): every ModelAdmin gets the audit of its changes
        from django.contrib import admin

        from maillage.audit.admin_mixins import audit_every_model_admin

        audit_every_model_admin(admin.site)
