"""Login-related pages: the lockout page and the second factor (set-up, verification, codes)."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from maillage.accounts import two_factor
from maillage.accounts.security import client_ip
from maillage.web.core.forms import OtpCodeForm


def lockout(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: French page saying when to retry and whom to call."""
    retry_at = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    return render(
        request,
        "registration/lockout.html",
        {
            "retry_at": retry_at,
            "minutes": int(settings.AXES_COOLOFF_TIME / datetime.timedelta(minutes=1)),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "support_contact": settings.MAILLAGE_SUPPORT_CONTACT,
        },
        status=429,
    )


def _next_url(request, default="web:my_space"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return redirect(default).url


@never_cache
def two_factor_verify(request):
    """After the password: the application code (or a recovery code)."""
    if not two_factor.has_device(request.user):
        return redirect("web:two_factor_setup")
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(
            request.user, form.cleaned_data["code"], client_ip(request) or ""
        )
        if device is not None:
            otp_login(request, device)
            if device.__class__.__name__ == "StaticDevice":
                left = two_factor.remaining_recovery_codes(request.user)
                messages.warning(
                    request,
                    f"Code de secours utilisé : il vous en reste {left}. Générez-en de nouveaux "
                    "dans « Sécurité du compte » si besoin.",
                )
            return redirect(_next_url(request))
        form.add_error("code", "Code incorrect ou expiré. Vérifiez l'heure de votre téléphone.")
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@never_cache
def two_factor_setup(request):
    """Scan the QR code (or type the secret), confirm with a first code, get recovery codes."""
    device = two_factor.pending_device(request.user)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_device(request.user, device, form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            return render(
                request,
                "web/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("code", "Code incorrect. Saisissez le code affiché à l'instant.")
    return render(
        request,
        "web/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "required": two_factor.is_required(request.user),
            "has_device": two_factor.has_device(request.user),
            "next": request.GET.get("next", ""),
        },
    )


@never_cache
def two_factor_status(request):
    return render(
        request,
        "web/two_factor_status.html",
        {
            "has_device": two_factor.has_device(request.user),
            "required": two_factor.is_required(request.user),
            "remaining": two_factor.remaining_recovery_codes(request.user),
        },
    )


@require_POST
@never_cache
def two_factor_recovery_codes(request):
    if not two_factor.has_device(request.user):
        return redirect("web:two_factor_setup")
    codes = two_factor.regenerate_recovery_codes(request.user)
    return render(
        request, "web/two_factor_codes.html", {"codes": codes, "next": redirect("web:my_space").url}
    )
