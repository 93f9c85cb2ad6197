"""Bulletin-board notices (R-COM-2), under /surveys/notices/ in the "surveys" namespace."""

from django.urls import path

from surveys import notice_views as views

urlpatterns = [
    path("", views.notice_list, name="notices"),
    path("new/", views.notice_new, name="notice-new"),
    path("fee-accounts/", views.fee_accounts, name="fee-accounts"),
    path("<int:pk>/", views.notice_detail, name="notice"),
    path("<int:pk>/edit/", views.notice_edit, name="notice-edit"),
    path("<int:pk>/publish/", views.notice_publish, name="notice-publish"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="notice-withdraw"),
    path("<int:pk>/print/", views.notice_print, name="notice-print"),
]
