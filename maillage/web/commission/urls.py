"""Commission pages: one urls module per area (grids and public rules, sessions, offers,
letters and statistics)."""

from django.urls import include, path

urlpatterns = [
    path("", include("maillage.web.commission.grid_urls")),
    path("", include("maillage.web.commission.session_urls")),
    path("", include("maillage.web.commission.offer_urls")),
    path("", include("maillage.web.commission.letter_urls")),
    path("", include("maillage.web.commission.employer_urls")),
]
