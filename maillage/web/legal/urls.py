from django.urls import path

from maillage.web.legal import views

urlpatterns = [
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("registre-des-traitements/", views.processing_register, name="processing_register"),
    path(
        "registre-des-traitements/registre.docx",
        views.processing_register_download,
        name="processing_register_download",
    ),
]
