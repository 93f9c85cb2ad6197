from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_new, name="new"),
    path("export/", views.complaint_export, name="export"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("statistics/", views.monthly_report, name="report"),
    path("statistics/export/", views.monthly_report_export, name="report-export"),
    path("statistics/callbacks/", views.callback_report, name="callback-report"),
    path("statistics/files/", views.report_archive, name="report-archive"),
    path("statistics/files/<int:pk>/", views.report_download, name="report-download"),
    path("from-record/<int:record_pk>/", views.complaint_from_record, name="from-record"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    # One POST view per step of the detail page (views.ACTIONS): /complaints/<pk>/triage/ …
    *(
        path(f"<int:pk>/{name}/", views.action_view(action), name=name)
        for name, action in views.ACTIONS.items()
    ),
]
