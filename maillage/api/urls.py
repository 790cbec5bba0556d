"""JSON API, version 1. One sub-package per domain; the OpenAPI schema is at /api/v1/schema/."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

app_name = "api"

urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file: no inline script (CSP).
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("", include("maillage.api.territories.urls")),
    path("", include("maillage.api.directory.urls")),
    path("", include("maillage.api.observatory.urls")),
    path("", include("maillage.api.conventions.urls")),
    path("", include("maillage.api.commission.urls")),
    path("", include("maillage.api.guichet.urls")),
]
