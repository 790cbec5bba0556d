from django.urls import path

from maillage.web.conventions import views

P = "conventions/<slug:slug>/"

urlpatterns = [
    path("conventions/", views.convention_list, name="conventions"),
    # Before P: "nouvelle" is not a convention's slug.
    path("conventions/nouvelle/", views.convention_create, name="convention_create"),
    path(P, views.convention_detail, name="convention_detail"),
    path(P + "etat/", views.convention_transition, name="convention_transition"),
    path(P + "suivante/", views.convention_prepare_next, name="convention_prepare_next"),
    path(P + "plan/", views.action_plan, name="convention_plan"),
    path(P + "plan/axes/ajouter/", views.plan_axis_add, name="convention_plan_axis_add"),
    path(P + "plan/actions/ajouter/", views.plan_action_add, name="convention_plan_action_add"),
    path(P + "actions/<str:code>/", views.action_detail, name="convention_action"),
    path(P + "actions/<str:code>/modifier/", views.action_edit, name="convention_action_edit"),
    path(
        P + "actions/<str:code>/avancement/",
        views.action_progress,
        name="convention_action_progress",
    ),
    path(
        P + "indicateurs/<int:pk>/mesures/",
        views.measurement_add,
        name="convention_measurement_add",
    ),
    path(P + "gouvernance/", views.governance, name="convention_governance"),
    path(P + "calendrier.ics", views.calendar_ics, name="convention_ics"),
    path(P + "evaluation/", views.evaluation, name="convention_evaluation"),
    path(P + "evaluation/rapports/<int:pk>/", views.report_detail, name="convention_report"),
    path(
        P + "evaluation/rapports/<int:pk>/adopter/",
        views.report_adopt,
        name="convention_report_adopt",
    ),
    path(
        P + "evaluation/rapports/<int:pk>/rapport.<str:fmt>",
        views.report_download,
        name="convention_report_download",
    ),
    path(P + "financements/", views.funding, name="convention_funding"),
    path(P + "financements/moyens/", views.means_add, name="convention_means_add"),
    path(P + "financements/cooperation/", views.cooperation_add, name="convention_cooperation_add"),
    path(P + "avenants/", views.amendments, name="convention_amendments"),
    path(
        P + "avenants/<int:number>/differences.<str:fmt>",
        views.amendment_diff,
        name="convention_amendment_diff",
    ),
    path(P + "convention.<str:fmt>", views.convention_download, name="convention_download"),
    path(P + "documents/<int:pk>/", views.document_status, name="convention_document_status"),
    path(P + "documents/<int:pk>/fichier/", views.document_file, name="convention_document_file"),
]
