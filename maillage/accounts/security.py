"""Login protection: client address, per-address slow-down, failed-login audit, password rules.

django-axes locks an (account, address) pair after AXES_FAILURE_LIMIT failures; this module adds
what axes does not do: a per-address slow-down that never locks (a town hall shares one address),
the audit of failures, and the 12-character rule for professionals.
"""

import ipaddress
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from maillage.accounts.enums import UserKind
from maillage.audit.models import AuditAction
from maillage.audit.services import record


def client_ip(request) -> str | None:
    """The client's address: X-Forwarded-For is trusted for MAILLAGE_TRUSTED_PROXIES proxies only
    (the same rule as the API's NUM_PROXIES), otherwise the address of the connection. None when
    there is no valid address (e.g. a request built by a test or a command)."""
    proxies = getattr(settings, "MAILLAGE_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies > 0 and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            candidate = addresses[-min(proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def login_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: e-mail addresses are case-insensitive, so are the lockouts."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else username


def is_professional(user) -> bool:
    """Agents, elected members, partners and anyone with access to the administration."""
    return bool(user.is_staff or getattr(user, "kind", UserKind.PROFESSIONAL) != UserKind.FAMILY)


class LoginSlowdown:
    """Per client address: after MAILLAGE_LOGIN_IP_FREE_FAILURES failed logins, each new attempt
    must wait a delay that doubles with every failure (MAILLAGE_LOGIN_IP_BASE_DELAY seconds, at
    most MAILLAGE_LOGIN_IP_MAX_DELAY). Never a lock: after the delay the next attempt is checked.
    The counter lives in the shared cache and is forgotten MAILLAGE_LOGIN_IP_WINDOW seconds after
    the last failure. `now` is injectable so that tests never sleep."""

    def __init__(self, now: Callable[[], float] = time.time):
        self.now = now

    @staticmethod
    def _key(ip: str) -> str:
        return f"login-slowdown:{ip}"

    @staticmethod
    def delay_after(failures: int) -> float:
        free = settings.MAILLAGE_LOGIN_IP_FREE_FAILURES
        if failures < free:
            return 0.0
        delay = settings.MAILLAGE_LOGIN_IP_BASE_DELAY * 2 ** min(failures - free, 30)
        return float(min(delay, settings.MAILLAGE_LOGIN_IP_MAX_DELAY))

    def failed(self, ip: str) -> None:
        state = cache.get(self._key(ip)) or {"failures": 0}
        state = {"failures": state["failures"] + 1, "last": self.now()}
        cache.set(self._key(ip), state, timeout=settings.MAILLAGE_LOGIN_IP_WINDOW)

    def wait_seconds(self, ip: str) -> int:
        """Seconds before the next attempt from `ip` is examined (0: now)."""
        state = cache.get(self._key(ip))
        if not state:
            return 0
        remaining = state["last"] + self.delay_after(state["failures"]) - self.now()
        return max(0, math.ceil(remaining))


slowdown = LoginSlowdown()


def check_login_allowed(request) -> None:
    """Raise a French ValidationError when the client's address must wait before trying again."""
    if request is None:
        return
    wait = slowdown.wait_seconds(client_ip(request) or "inconnue")
    if wait:
        raise ValidationError(
            f"Trop de tentatives de connexion depuis votre réseau : patientez {wait} seconde"
            f"{'s' if wait > 1 else ''} avant de réessayer. Votre compte n'est pas bloqué.",
            code="slow_down",
        )


def record_failed_login(request, credentials) -> None:
    """A failed login goes to the audit trail (the account when it exists, and the address) and
    counts for the per-address slow-down. The e-mail typed is not stored: it may be a typo of
    someone else's address."""
    from maillage.accounts.models import User

    ip = (client_ip(request) if request is not None else None) or "inconnue"
    slowdown.failed(ip)
    username = login_username(request, credentials)
    user = User.objects.filter(email__iexact=username).first() if username else None
    locked = bool(getattr(request, "axes_locked_out", False))
    record(
        AuditAction.LOGIN_FAILED,
        obj=user,
        actor_label="visiteur non authentifié",
        changes={"ip": ip},
        message=(
            "Échec de connexion"
            + (" (compte verrouillé)" if locked else "")
            + ("" if user is not None else " : aucun compte à cette adresse")
        ),
    )


class ProfessionalMinimumLengthValidator:
    """Professionals (and accounts without a known kind) need MAILLAGE_PROFESSIONAL_PASSWORD_LENGTH
    characters (12); families keep Django's minimum (MinimumLengthValidator, 8)."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password, user=None):
        if user is not None and not is_professional(user):
            return
        if len(password) < self.min_length:
            raise ValidationError(
                f"Ce mot de passe est trop court : un compte professionnel demande au moins "
                f"{self.min_length} caractères.",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return (
            f"Pour un compte professionnel, le mot de passe compte au moins "
            f"{self.min_length} caractères."
        )
