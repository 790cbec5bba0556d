from django.urls import path

from maillage.api.territories import views

urlpatterns = [
    path("communes/", views.CommuneList.as_view(), name="commune-list"),
    path("communes/<str:insee>/", views.CommuneDetail.as_view(), name="commune-detail"),
]
