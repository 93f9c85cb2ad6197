from django.urls import path

from reception import views

app_name = "reception"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.desk, name="desk"),
    path("units/", views.unit_lookup, name="unit-lookup"),
    path("export/", views.record_export, name="export"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/respond/", views.record_respond, name="respond"),
    path("<int:pk>/handle/", views.record_handle, name="handle"),
    path("<int:pk>/pending/", views.record_pending, name="pending"),
    path("<int:pk>/transfer/", views.record_transfer, name="transfer"),
    path("<int:pk>/out-of-remit/", views.record_out_of_remit, name="out-of-remit"),
    path("<int:pk>/reply/", views.record_reply, name="reply"),
    path("work-orders/", views.work_order_list, name="work-orders"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work-order"),
    path("work-orders/<int:pk>/sign/", views.work_order_sign, name="work-order-sign"),
    path("work-orders/<int:pk>/report/", views.work_order_report, name="work-order-report"),
]
