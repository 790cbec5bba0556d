"""Helpers to declare public, read-only, rate-limited API views."""

from django.contrib.auth.decorators import login_not_required
from rest_framework.permissions import AllowAny

from maillage.api.permissions import PublicRateThrottle


class PublicAPIMixin:
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))
