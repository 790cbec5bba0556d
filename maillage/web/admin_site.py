"""The administration site: reached through the site's login (lockout, slow-down, second factor),
and, when MAILLAGE_REQUIRE_2FA is on, only after the second factor has been verified."""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode

from maillage.accounts import two_factor


class MaillageAdminSite(admin.AdminSite):
    site_header = "Maillage — administration"
    site_title = "Maillage"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not two_factor.is_required(request.user) or request.user.is_verified()

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        """One login page for the whole site: the administration's own form is not offered."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect(f"{reverse('web:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
