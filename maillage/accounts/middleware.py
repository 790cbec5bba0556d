"""Account middlewares.

- CurrentOrganisationMiddleware sets `request.current_organisation` and
  `request.current_membership`: a professional may belong to several organisations; the one they
  act for is kept in the session (switched on "Mon espace"). Without a choice, the first
  membership is used.
- IdleTimeoutMiddleware logs idle professionals out.
- TwoFactorMiddleware keeps a person who owes a second-factor code on the verification page.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode

from maillage.accounts.security import is_professional

SESSION_KEY = "current_organisation_id"


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.current_organisation = None
        request.current_membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_family:
            memberships = list(user.active_memberships())
            chosen = request.session.get(SESSION_KEY)
            membership = next((m for m in memberships if m.organisation_id == chosen), None)
            if membership is None and memberships:
                membership = memberships[0]
                request.session[SESSION_KEY] = membership.organisation_id
            if membership is not None:
                request.current_membership = membership
                request.current_organisation = membership.organisation
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Professionals are logged out after MAILLAGE_IDLE_TIMEOUT_MINUTES without a request; the
    login page then says why. Families are not concerned (no personal records of others)."""

    SESSION_KEY = "last_activity"
    # The session is written at most once a minute, not at every request.
    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_professional(user):
            now = time.time()
            last = request.session.get(self.SESSION_KEY)
            minutes = settings.MAILLAGE_IDLE_TIMEOUT_MINUTES
            if last is not None and now - last > minutes * 60:
                logout(request)
                request.current_organisation = None
                request.current_membership = None
                messages.info(
                    request,
                    f"Votre session a expiré après {minutes} minutes sans activité : "
                    "reconnectez-vous.",
                )
            elif last is None or now - last > self.RESOLUTION:
                request.session[self.SESSION_KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """A logged-in person who has a second factor, or must have one, reaches nothing but the
    verification (or set-up) page until they have typed a code."""

    ALWAYS_ALLOWED = ("web:two_factor_verify", "web:two_factor_setup", "web:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from maillage.accounts import two_factor  # django-otp models: import once apps are ready

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(user, "is_verified"):
            return self.get_response(request)
        allowed = [reverse(name) for name in self.ALWAYS_ALLOWED]
        path = request.path
        if (
            path in allowed
            or path.startswith(settings.STATIC_URL)
            or not two_factor.needs_verification(user)
        ):
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Vérification en deux étapes requise : connectez-vous sur le site."},
                status=403,
            )
        target = "web:two_factor_verify" if two_factor.has_device(user) else "web:two_factor_setup"
        return HttpResponseRedirect(
            f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
        )
