from django.urls import path

from maillage.web.observatory import imports, views

urlpatterns = [
    path("observatoire/", views.index, name="observatory_index"),
    path("observatoire/donnees/importer/", imports.figure_import, name="observatory_import"),
    path(
        "observatoire/donnees/importer/<int:pk>/",
        imports.figure_import_batch,
        name="observatory_import_batch",
    ),
    path(
        "observatoire/donnees/importer/<int:pk>/etat/",
        imports.figure_import_status,
        name="observatory_import_status",
    ),
    path("observatoire/communes/<str:insee>/", views.commune_sheet, name="observatory_commune"),
    path("observatoire/<slug:slug>/", views.dashboard, name="observatory_dashboard"),
    path("observatoire/<slug:slug>/cartes/", views.maps, name="observatory_maps"),
    path("observatoire/<slug:slug>/carte.geojson", views.map_data, name="observatory_map_data"),
    path(
        "observatoire/<slug:slug>/diagnostic/",
        views.diagnostic_page,
        name="observatory_diagnostic",
    ),
    path(
        "observatoire/<slug:slug>/diagnostic/commentaires/<str:section>/",
        views.comment_update,
        name="observatory_comment",
    ),
    path(
        "observatoire/<slug:slug>/diagnostic/generer/",
        views.generate,
        name="observatory_generate",
    ),
    path(
        "observatoire/<slug:slug>/diagnostic/<int:number>/",
        views.edition_detail,
        name="observatory_edition",
    ),
    path(
        "observatoire/<slug:slug>/diagnostic/<int:number>/etat/",
        views.edition_status,
        name="observatory_edition_status",
    ),
    path(
        "observatoire/<slug:slug>/diagnostic/<int:number>/pdf/",
        views.edition_pdf,
        name="observatory_edition_pdf",
    ),
]
