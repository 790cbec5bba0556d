"""Security headers that Django does not set itself."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the browser features the site never uses are switched off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "MAILLAGE_PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
