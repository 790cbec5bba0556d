"""`flush` erases the whole database, audit tables included: it lifts their append-only guard
(see maillage.audit.guard) for its own transaction. Django's test runner uses it between
transactional tests."""

from django.core.management.commands import flush

from maillage.audit.guard import guard_lifted


class Command(flush.Command):
    def handle(self, **options):
        with guard_lifted(options["database"]):
            return super().handle(**options)
