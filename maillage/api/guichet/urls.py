from django.urls import path

from maillage.api.guichet import views

urlpatterns = [
    path("guichet/applications/", views.ApplicationCreate.as_view(), name="guichet-applications"),
    path(
        "guichet/applications/<str:number>/",
        views.ApplicationDetail.as_view(),
        name="guichet-application",
    ),
]
