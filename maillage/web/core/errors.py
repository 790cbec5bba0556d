"""French error pages that need the request (the others are plain templates: 400.html, 500.html)."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a French page instead of Django's English one (the reason is logged by
    Django, never shown)."""
    return render(request, "403_csrf.html", status=403)
