from django.urls import path

from maillage.web.commission import offer_views as views

F = "guichet/mes-demandes/<str:number>/proposition/"
S = "commission/seances/<slug:session>/"

urlpatterns = [
    path(F + "accepter/", views.family_offer_accept, name="commission_family_offer_accept"),
    path(F + "refuser/", views.family_offer_refuse, name="commission_family_offer_refuse"),
    path(S + "propositions/", views.session_offers, name="commission_session_offers"),
    path(
        S + "propositions/<int:pk>/action/",
        views.offer_action,
        name="commission_offer_action",
    ),
    path(S + "publier/", views.session_publish, name="commission_session_publish"),
]
