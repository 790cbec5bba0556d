from django.apps import AppConfig


class CommissionConfig(AppConfig):
    name = "maillage.commission"
    label = "commission"
    verbose_name = "Commission d'attribution"
