from django.urls import include, path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("new/units/", views.unit_lookup, name="unit-lookup"),
    path("export/", views.visit_export, name="export"),
    path("quota/", views.quota, name="quota"),
    path("summaries/<int:pk>/", views.summary_detail, name="summary"),
    path("summaries/<int:pk>/prepare/", views.summary_prepare, name="summary-prepare"),
    path("summaries/<int:pk>/submit/", views.summary_submit, name="summary-submit"),
    path(
        "summaries/<int:pk>/suggestions/<int:suggestion_pk>/decide/",
        views.suggestion_decide,
        name="suggestion-decide",
    ),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/<int:pk>/answer/", views.suggestion_answer, name="suggestion-answer"),
    path("suggestions/<int:pk>/no-answer/", views.suggestion_no_answer, name="suggestion-no-answer"),
    path("box/<slug:code>/poster/", views.box_poster, name="box-poster"),
    path("rounds/", include("surveys.urls_rounds")),
    path("rounds/", include("surveys.urls_report")),
    path("notices/", include("surveys.urls_notices")),
    path("<int:pk>/", views.visit_detail, name="detail"),
]
