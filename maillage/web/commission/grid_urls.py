"""Points grid, reserves, emergency admissions (agents) and the public rules page."""

from django.urls import path

from maillage.web.commission import grid_views as views

T = "commission/<slug:territory>/"
G = T + "grilles/<int:version>/"

urlpatterns = [
    path(T + "comment-sont-attribuees-les-places/", views.rules_page, name="commission_rules"),
    path(T + "grilles/", views.grid_list, name="commission_grids"),
    path(G, views.grid_detail, name="commission_grid"),
    path(G + "adopter/", views.grid_adopt, name="commission_grid_adopt"),
    path(G + "supprimer/", views.grid_delete, name="commission_grid_delete"),
    path(G + "simulation/", views.grid_simulation, name="commission_grid_simulation"),
    path(
        G + "simulation/etat/",
        views.grid_simulation_status,
        name="commission_grid_simulation_status",
    ),
    path(T + "reserves/", views.reserve_list, name="commission_reserves"),
    path(T + "reserves/<int:pk>/", views.reserve_edit, name="commission_reserve"),
    path(T + "urgences/", views.emergency_list, name="commission_emergencies"),
]
