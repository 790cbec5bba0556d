from django.urls import path

from maillage.web.guichet import imports, views

F = "guichet/mes-demandes/<str:number>/"
A = "guichet/file/<str:number>/"

urlpatterns = [
    path("guichet/", views.index, name="guichet_index"),
    path("guichet/inscription/", views.signup, name="guichet_signup"),
    path("guichet/invitation/<str:token>/", views.invitation, name="guichet_invitation"),
    path("guichet/mes-demandes/", views.family_home, name="guichet_family_home"),
    path(F, views.family_application, name="guichet_family_application"),
    path(F + "modifier/", views.family_edit, name="guichet_family_edit"),
    path(F + "pieces/", views.family_documents, name="guichet_family_documents"),
    path(F + "deposer/", views.family_submit, name="guichet_family_submit"),
    path(F + "accuse/", views.family_receipt, name="guichet_family_receipt"),
    path(F + "accuse.pdf", views.family_receipt_pdf, name="guichet_family_receipt_pdf"),
    path(F + "naissance/", views.family_birth, name="guichet_family_birth"),
    path(F + "interet/", views.family_interest, name="guichet_family_interest"),
    path(F + "retirer/", views.family_withdraw, name="guichet_family_withdraw"),
    path(F + "message/", views.family_message, name="guichet_family_message"),
    path("guichet/file/", views.queue_view, name="guichet_queue"),
    path("guichet/file/export.csv", views.queue_export, name="guichet_queue_export"),
    path(
        "guichet/file/export.xlsx",
        views.queue_export,
        {"fmt": "xlsx"},
        name="guichet_queue_export_xlsx",
    ),  # fmt: skip
    path(A, views.agent_application, name="guichet_agent_application"),
    path(A + "action/", views.agent_action, name="guichet_agent_action"),
    path(A + "fusionner/", views.agent_merge, name="guichet_agent_merge"),
    path(A + "pieces/<int:pk>/", views.agent_document, name="guichet_agent_document"),
    path("guichet/<slug:slug>/comment-ca-marche/", views.rules_page, name="guichet_rules"),
    path("guichet/<slug:slug>/nouvelle-demande/", views.family_new, name="guichet_family_new"),
    path("guichet/<slug:slug>/au-guichet/", views.counter_new, name="guichet_counter_new"),
    path("guichet/<slug:slug>/import/", imports.waiting_list_import, name="guichet_import"),
    path(
        "guichet/imports/<int:pk>/", imports.waiting_list_import_batch, name="guichet_import_batch"
    ),  # fmt: skip
    path(
        "guichet/imports/<int:pk>/etat/",
        imports.waiting_list_import_status,
        name="guichet_import_status",
    ),  # fmt: skip
]
