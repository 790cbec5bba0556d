"""Logins, failed logins and logouts go to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from maillage.accounts.security import record_failed_login
from maillage.audit.models import AuditAction
from maillage.audit.services import record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record(AuditAction.LOGIN, actor=user, obj=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    record_failed_login(request, credentials)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.LOGOUT, actor=user, obj=user)
