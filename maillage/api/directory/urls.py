from django.urls import path

from maillage.api.directory import views

urlpatterns = [
    path("structures/", views.StructureList.as_view(), name="structure-list"),
    path("structures/<int:pk>/", views.StructureDetail.as_view(), name="structure-detail"),
    path("childminders/", views.ChildminderList.as_view(), name="childminder-list"),
    path("simulators/psu/", views.PsuSimulator.as_view(), name="simulator-psu"),
    path("simulators/cmg/", views.CmgSimulator.as_view(), name="simulator-cmg"),
]
