"""`maillage api_token --user EMAIL [--organisation SLUG]`: create an API key; prints ONLY the key."""

from django.core.management.base import CommandError

from maillage.accounts.models import ApiToken, Membership, User
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.commands import MaillageCommand


class Command(MaillageCommand):
    help = (
        "Crée une clé d'API pour une personne et l'organisation pour laquelle elle agit "
        "(par défaut sa première organisation). N'affiche que la clé."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="adresse électronique de la personne")
        parser.add_argument("--organisation", help="identifiant (slug) de l'organisation")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None or not user.is_active:
            raise CommandError("Aucun compte actif n'a cette adresse électronique.")
        memberships = user.active_memberships()
        if options.get("organisation"):
            membership = memberships.filter(organisation__slug=options["organisation"]).first()
            if membership is None:
                raise CommandError(
                    f"Cette personne n'est pas membre de l'organisation « {options['organisation']} »."
                )
        else:
            membership: Membership | None = memberships.order_by("created_at", "pk").first()
            if membership is None:
                raise CommandError("Cette personne n'est membre d'aucune organisation.")
        token, key = ApiToken.issue(user, membership.organisation)
        record(
            AuditAction.CREATE,
            actor=None,
            organisation=membership.organisation,
            obj=token,
            message=f"Clé d'API créée pour {user.email}",
        )
        self.stdout.write(key)
