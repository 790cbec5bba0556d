from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "maillage.conventions"
    label = "conventions"
    verbose_name = "Conventions"
