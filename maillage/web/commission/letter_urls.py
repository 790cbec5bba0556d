"""Letters, detailed explanations (R. 311-3-1-2 CRPA), public statistics of the commission."""

from django.urls import path

from maillage.web.commission import letter_views as views

F = "guichet/mes-demandes/<str:number>/courrier/"

urlpatterns = [
    path(F, views.family_letter, name="guichet_family_letter"),
    path(F + "courrier.pdf", views.family_letter_pdf, name="guichet_family_letter_pdf"),
    path(F + "explication/", views.family_explanation, name="guichet_family_explanation"),
    path(
        F + "explication.pdf",
        views.family_explanation_pdf,
        name="guichet_family_explanation_pdf",
    ),
    path(
        "commission/seances/<slug:slug>/courriers/<str:number>/",
        views.agent_letter,
        name="commission_agent_letter",
    ),
    path(
        "commission/seances/<slug:slug>/courriers/<str:number>/courrier.pdf",
        views.agent_letter_pdf,
        name="commission_agent_letter_pdf",
    ),
    path(
        "commission/<slug:slug>/statistiques/",
        views.public_statistics,
        name="commission_public_statistics",
    ),
]
