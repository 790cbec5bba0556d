from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class PublicRateThrottle(AnonRateThrottle):
    """Rate limit of the public, read-only endpoints (setting MAILLAGE_PUBLIC_API_RATE).

    The counters live in the shared cache (database or Redis), so every web process counts the
    same calls; the client address honours NUM_PROXIES (MAILLAGE_TRUSTED_PROXIES), so a forged
    X-Forwarded-For header does not open a new counter.
    """

    scope = "public"

    def get_rate(self):
        # Read when the throttle is built, not when the class is imported.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
