from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "maillage.audit"
    label = "audit"
    verbose_name = "Journal d'audit"
