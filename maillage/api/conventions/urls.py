from django.urls import path

from maillage.api.conventions import views

urlpatterns = [
    path("conventions/", views.ConventionListView.as_view(), name="conventions"),
    path(
        "conventions/<slug:slug>/plan/", views.ConventionPlanView.as_view(), name="convention-plan"
    ),
]
