from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "maillage.observatory"
    label = "observatory"
    verbose_name = "Observatoire"

    def ready(self):
        from maillage.applications.changes import QUEUE_TOPIC
        from maillage.core import derived

        # the worker recomputes the stored demand after each change of the queue
        derived.refresh_after(QUEUE_TOPIC, "maillage.observatory.tasks.refresh_demand")
