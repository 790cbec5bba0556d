from django.urls import path

from maillage.web.directory import views

urlpatterns = [
    path("annuaire/", views.search_view, name="directory_search"),
    path("annuaire/structures/<int:pk>/", views.structure_detail, name="directory_structure"),
    path(
        "annuaire/assistants-maternels/<int:pk>/",
        views.childminder_detail,
        name="directory_childminder",
    ),
    path(
        "annuaire/assistants-maternels/<int:pk>/disponibilite/",
        views.declare_availability,
        name="directory_declare_availability",
    ),
    path(
        "annuaire/assistants-maternels/<int:pk>/donnees/",
        views.childminder_data,
        name="directory_childminder_data",
    ),
    path(
        "annuaire/assistants-maternels/<int:pk>/donnees/export/",
        views.childminder_export,
        name="directory_childminder_export",
    ),
    path(
        "annuaire/assistants-maternels/<int:pk>/modifier/",
        views.childminder_edit,
        name="directory_childminder_edit",
    ),
    path(
        "annuaire/assistants-maternels/<int:pk>/effacer/",
        views.childminder_erase,
        name="directory_childminder_erase",
    ),
    path("annuaire/donnees-ouvertes/", views.open_data_view, name="directory_open_data"),
    path(
        "annuaire/export/<slug:dataset>.<str:fmt>",
        views.export_view,
        name="directory_export",
    ),
    path("annuaire/import/", views.import_view, name="directory_import"),
    path("annuaire/import/<int:pk>/", views.import_preview, name="directory_import_preview"),
    path("annuaire/import/<int:pk>/etat/", views.import_status, name="directory_import_status"),
    path("simulateur/", views.simulator_view, name="directory_simulator"),
]
