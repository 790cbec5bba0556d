"""Pages, one sub-package per user journey. Each area keeps its own urls module."""

from django.urls import include, path

from maillage.web.core import security, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sante/", views.health, name="health"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mon-espace/", views.my_space, name="my_space"),
    path("mon-espace/mes-donnees/", views.my_data, name="my_data"),
    path("mon-espace/organisation/", views.switch_organisation_view, name="switch_organisation"),
    path("mon-espace/journal/", views.audit_trail, name="audit_trail"),
    path("connexion/verification/", security.two_factor_verify, name="two_factor_verify"),
    path("mon-espace/securite/", security.two_factor_status, name="two_factor"),
    path("mon-espace/securite/activer/", security.two_factor_setup, name="two_factor_setup"),
    path(
        "mon-espace/securite/codes-de-secours/",
        security.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("territoires/<slug:slug>/", views.territory_group, name="territory_group"),
    path("communes/<str:insee>/", views.commune, name="commune"),
    path("communes/<str:insee>/espace/", views.commune_workspace, name="commune_workspace"),
    path("", include("maillage.web.directory.urls")),
    path("", include("maillage.web.guichet.urls")),
    path("", include("maillage.web.commission.urls")),
    path("", include("maillage.web.observatory.urls")),
    path("", include("maillage.web.conventions.urls")),
    path("", include("maillage.web.legal.urls")),
]
