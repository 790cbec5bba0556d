from django.urls import path

from maillage.api.observatory import views

urlpatterns = [
    path("observatory/coverage/", views.CoverageView.as_view(), name="observatory-coverage"),
]
