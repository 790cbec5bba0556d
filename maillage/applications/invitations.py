"""A family registered at the counter claims her application with her account: the agent gives
her e-mail, the worker sends a single-use link that expires; after login or sign-up the family
confirms and the household (with its applications) is attached to her account.

Only the SHA-256 of the token is stored; the token exists only in the e-mail. The URL carries
nothing but the token."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from maillage.applications.models import Application, Invitation
from maillage.audit.models import AuditAction
from maillage.audit.services import record

INVALID = (
    "Ce lien d'invitation n'est pas valable. Vérifiez que vous avez copié l'adresse en entier, "
    "ou demandez au guichet unique de vous envoyer une nouvelle invitation."
)
USED = (
    "Ce lien d'invitation a déjà servi : la demande est rattachée à un compte. Connectez-vous "
    "avec ce compte pour la suivre, ou contactez le guichet unique."
)
EXPIRED = (
    "Ce lien d'invitation a expiré. Demandez au guichet unique de vous envoyer une nouvelle "
    "invitation."
)


class InvitationError(Exception):
    """The link cannot be used (French message; `status` for the page: 404 unknown link,
    410 used or expired, 403 wrong kind of account)."""

    def __init__(self, message: str, status: int = 410):
        super().__init__(message)
        self.status = status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validity_days() -> int:
    return int(getattr(settings, "MAILLAGE_GUICHET_INVITATION_DAYS", 14))


def invite_family(application: Application, email: str, *, actor, organisation) -> Invitation:
    """Prepare an invitation (in the caller's transaction); the worker sends it after commit."""
    invitation = Invitation.objects.create(
        application=application, email=email.strip().lower(), created_by=actor
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=application,
        message="Invitation de la famille à rattacher la demande à son compte",
    )
    from maillage.applications.tasks import send_invitation

    transaction.on_commit(lambda: send_invitation.enqueue(invitation.pk))
    return invitation


def deliver_invitation(invitation_id: int) -> bool:
    """Called by the worker: a fresh token (only its hash is kept), its expiry, the e-mail."""
    from django.core.mail import send_mail

    from maillage.applications.services import _signature

    invitation = Invitation.objects.select_related("application__territory").get(pk=invitation_id)
    if invitation.used_at is not None:
        return False
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    expires = now + datetime.timedelta(days=validity_days())
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=_hash(token), sent_at=now, expires_at=expires
    )
    application = invitation.application
    link = settings.MAILLAGE_SITE_URL + reverse("web:guichet_invitation", args=[token])
    send_mail(
        subject=f"[Maillage] Suivez en ligne votre demande {application.number}",
        message=(
            f"Bonjour,\n\nLe guichet unique petite enfance ({application.territory.name}) a "
            f"enregistré votre demande d'accueil n° {application.number}. Pour la suivre en "
            "ligne, ouvrez ce lien, puis connectez-vous ou créez votre compte :\n\n"
            f"{link}\n\nCe lien est personnel, ne sert qu'une fois et expire le "
            f"{timezone.localtime(expires):%d/%m/%Y}." + _signature()
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return True


def find_invitation(token: str) -> Invitation:
    """The invitation of a token, or InvitationError (unknown, used, expired)."""
    invitation = (
        Invitation.objects.select_related("application__territory", "application__household")
        .filter(token_hash=_hash(token or ""))
        .exclude(token_hash="")
        .first()
    )
    if invitation is None:
        raise InvitationError(INVALID, status=404)
    if invitation.used_at is not None:
        raise InvitationError(USED)
    if invitation.expires_at is None or invitation.expires_at <= timezone.now():
        raise InvitationError(EXPIRED)
    return invitation


def claim(token: str, user) -> Application:
    """Attach the invited application's household to the family account `user` (once)."""
    if not (user.is_authenticated and user.is_family):
        raise InvitationError(
            "Connectez-vous avec un compte famille (ou créez-en un) pour rattacher la demande.",
            status=403,
        )
    with transaction.atomic():
        invitation = find_invitation(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:  # a concurrent click won
            raise InvitationError(USED)
        application = invitation.application
        household = application.household
        if household.account_id not in (None, user.pk):
            raise InvitationError(USED)
        used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now(), used_by=user
        )
        if not used:
            raise InvitationError(USED)
        type(household).objects.filter(pk=household.pk).update(account=user)
        record(
            AuditAction.UPDATE,
            actor=user,
            obj=application,
            message="Demande rattachée au compte de la famille (invitation)",
        )
    return application
