"""Reminders of a convention's meetings and deadlines: computed once, printed by the command,
e-mailed by the daily scheduled task to the admins and agents of the parties."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from maillage.accounts.enums import Role
from maillage.accounts.models import Membership
from maillage.conventions.enums import ConventionStatus
from maillage.conventions.models import Convention, SentReminder
from maillage.conventions.schedule import upcoming


@dataclass(frozen=True)
class Reminder:
    date: datetime.date
    convention: Convention
    label: str
    is_deadline: bool = False

    @property
    def key(self) -> str:
        return f"{self.date.isoformat()}:{self.label}"[:255]


def due_reminders(
    on: datetime.date, days: int = 30, convention_slug: str | None = None
) -> list[Reminder]:
    conventions = Convention.objects.filter(
        status__in=[ConventionStatus.SIGNED, ConventionStatus.ACTIVE]
    ).select_related("territory")
    if convention_slug:
        conventions = conventions.filter(slug=convention_slug)
    last = on + datetime.timedelta(days=days)
    found: list[Reminder] = []
    for item in conventions:
        for when_date, label in [
            (
                item.notice_deadline,
                f"dernier jour pour dénoncer la convention (préavis de {item.notice_months} "
                f"mois) ou préparer sa reconduction ({item.get_renewal_display().lower()})",
            ),
            (item.end_date, "fin de la convention"),
        ]:
            if on <= when_date <= last:
                found.append(Reminder(when_date, item, label, is_deadline=True))
        for event in upcoming(item.calendar(), on, days):
            found.append(Reminder(event.date, item, event.label))
    return sorted(found, key=lambda r: (r.date, r.convention.title, r.label))


def send_due_reminders(on: datetime.date | None = None, days: int = 30) -> int:
    """E-mail each due reminder once to the admins and agents of the convention's parties."""
    on = on or datetime.date.today()
    sent = 0
    for reminder in due_reminders(on, days):
        try:
            with transaction.atomic():
                SentReminder.objects.create(convention=reminder.convention, key=reminder.key)
        except IntegrityError:
            continue  # already sent
        recipients = sorted(
            set(
                Membership.objects.filter(
                    organisation__convention_parties__convention=reminder.convention,
                    role__in=[Role.ADMIN, Role.AGENT],
                    user__is_active=True,
                ).values_list("user__email", flat=True)
            )
        )
        if not recipients:
            continue
        delay = (reminder.date - on).days
        when = "aujourd'hui" if delay == 0 else f"dans {delay} jour{'s' if delay > 1 else ''}"
        send_mail(
            subject=f"[Maillage] {reminder.convention.title} : {reminder.label} ({when})",
            message=(
                f"Bonjour,\n\nRappel pour la convention « {reminder.convention.title} » : "
                f"{reminder.label}, le {reminder.date:%d/%m/%Y} ({when}).\n\n"
                "Le calendrier complet est sur la page de la convention dans Maillage.\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
        sent += 1
    return sent
