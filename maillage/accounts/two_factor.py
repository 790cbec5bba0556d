"""Second factor: TOTP (an authenticator application) and single-use recovery codes (django-otp).

Required (MAILLAGE_REQUIRE_2FA) for anyone with access to the administration and for Caf admins;
anyone else may turn it on in "Mon espace". Once a device is confirmed, each login asks for a code.
"""

import segno
from django.conf import settings
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from maillage.accounts.enums import OrganisationKind, Role
from maillage.audit.models import AuditAction
from maillage.audit.services import record

RECOVERY_CODES = 10
DEVICE_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"


def is_required(user) -> bool:
    """The second factor is mandatory for this account (administration access, Caf admin)."""
    if not getattr(settings, "MAILLAGE_REQUIRE_2FA", True) or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.memberships.filter(
        role=Role.ADMIN, organisation__kind=OrganisationKind.CAF, organisation__is_active=True
    ).exists()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_verification(user) -> bool:
    """Logged in with a password but not yet with a code, although a code is expected."""
    if not user.is_authenticated or user.is_verified():
        return False
    return has_device(user) or is_required(user)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device of the set-up page (created once, kept across reloads)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base 32, by groups of 4, for applications without a camera."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="Code QR à scanner avec l'application d'authentification"
    )


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def confirm_device(user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the pending device with a first code; returns the new recovery codes (to show
    once), or None when the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    record(
        AuditAction.UPDATE,
        actor=user,
        obj=user,
        message="Vérification en deux étapes activée",
    )
    return codes


def regenerate_recovery_codes(user) -> list[str]:
    codes = _new_recovery_codes(user)
    record(AuditAction.UPDATE, actor=user, obj=user, message="Nouveaux codes de secours")
    return codes


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def verify(user, token: str, ip: str = ""):
    """The device matching `token` (an application code or a recovery code, which is then used
    up), or None; a wrong code goes to the audit trail. django-otp slows down repeated failures."""
    device = match_token(user, token.strip().replace(" ", "").lower())
    if device is None:
        record(
            AuditAction.LOGIN_FAILED,
            actor=user,
            obj=user,
            changes={"ip": ip} if ip else {},
            message="Code de vérification incorrect",
        )
    return device


def forget_devices(user) -> None:
    """Remove every second-factor device of `user` (lost phone; the demo's published accounts)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
