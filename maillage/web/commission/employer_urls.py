"""The employer that reserves places for which a parent works (family, agent)."""

from django.urls import path

from maillage.web.commission import employer_views as views

urlpatterns = [
    path(
        "guichet/mes-demandes/<str:number>/employeur/",
        views.family_employer,
        name="guichet_family_employer",
    ),
    path(
        "guichet/file/<str:number>/employeur/",
        views.agent_employer,
        name="guichet_agent_employer",
    ),
]
