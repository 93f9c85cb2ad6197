"""A round's statistics (问卷结果统计表), its Excel file, the publication and the quality copy
(R-SUR-2 … R-SUR-7). Included under /surveys/rounds/ in the "surveys" namespace."""

from django.urls import path

from surveys import report_views

urlpatterns = [
    path("<int:pk>/statistics/", report_views.round_statistics, name="round-statistics"),
    path("<int:pk>/statistics/export/", report_views.round_statistics_export, name="round-statistics-export"),
    path("<int:pk>/statistics/print/", report_views.round_statistics_print, name="round-statistics-print"),
    path("<int:pk>/statistics/finish/", report_views.round_finish, name="round-finish"),
    path("<int:pk>/publish/", report_views.round_publish, name="round-publish"),
    path("<int:pk>/publication/", report_views.round_publication_notice, name="round-publication-notice"),
    path("<int:pk>/quality-copy/", report_views.round_quality_copy, name="round-quality-copy"),
]
