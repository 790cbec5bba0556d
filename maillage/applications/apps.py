from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "maillage.applications"
    label = "applications"
    verbose_name = "Guichet unique"
