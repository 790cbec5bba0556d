"""Agents' pages of the commission sessions (`commission/seances/…`, no personal values)."""

from django.urls import path

from maillage.web.commission import session_views as views

S = "commission/seances/<slug:session>/"

urlpatterns = [
    path("commission/seances/", views.session_list, name="commission_sessions"),
    path("commission/seances/nouvelle/", views.session_create, name="commission_session_create"),
    path(S, views.session_detail, name="commission_session"),
    path(S + "places/", views.session_places, name="commission_session_places"),
    path(
        S + "places-gestionnaire/",
        views.session_manager_places,
        name="commission_session_manager_places",
    ),  # fmt: skip
    path(S + "arreter/", views.session_freeze, name="commission_session_freeze"),
    path(S + "calcul/", views.session_run, name="commission_session_run"),
    path(S + "calcul/etat/", views.session_run_status, name="commission_session_run_status"),
    path(S + "proposition/", views.session_proposal, name="commission_session_proposal"),
    path(
        S + "decisions/<int:pk>/", views.session_decision, name="commission_session_decision"
    ),  # fmt: skip
    path(S + "valider/", views.session_validate, name="commission_session_validate"),
]
