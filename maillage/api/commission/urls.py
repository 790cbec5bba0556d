from django.urls import path

from maillage.api.commission import views

urlpatterns = [
    path("commission/offers/", views.OfferList.as_view(), name="commission-offers"),
    path(
        "commission/offers/<int:pk>/accept/",
        views.OfferAnswer.as_view(answer="accept"),
        name="commission-offer-accept",
    ),
    path(
        "commission/offers/<int:pk>/refuse/",
        views.OfferAnswer.as_view(answer="refuse"),
        name="commission-offer-refuse",
    ),
]
