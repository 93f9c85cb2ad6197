from django.urls import path

from violations import views

app_name = "violations"

urlpatterns = [
    path("", views.violation_list, name="list"),
    path("new/", views.violation_new, name="new"),
    path("new/units/", views.unit_lookup, name="unit-lookup"),
    path("export/", views.violation_export, name="export"),
    path("charges/", views.charges, name="charges"),
    path("charges/<int:pk>/", views.charge_download, name="charge-download"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.statistics_export, name="statistics-export"),
    path("<int:pk>/", views.violation_detail, name="detail"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("<int:pk>/notices/", views.notice_issue, name="notice-issue"),
    path("<int:pk>/notices/<int:notice_pk>/", views.notice_print, name="notice"),
    # One POST view per step of the detail page (views.ACTIONS): /violations/<pk>/persuade/ …
    *(
        path(f"<int:pk>/{name}/", views.action_view(action), name=name)
        for name, action in views.ACTIONS.items()
    ),
]
