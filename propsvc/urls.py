from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from archives import views as archive_views
from propsvc import audit_views, export_views, views
from propsvc.forms import AdminLoginForm, LoginForm
from surveys import round_views as survey_round_views
from surveys import views as survey_views

urlpatterns = [
    path("", archive_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/preferences/", views.notification_preferences, name="notification-preferences"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("community/switch/", views.community_switch, name="community-switch"),
    # Background Excel exports (issue 10): only the user who asked sees a job (others get a 404).
    path("exports/", export_views.export_list, name="exports"),
    path("exports/<int:pk>/", export_views.export_detail, name="export-detail"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export-progress"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export-download"),
    # The audit trail for managers (issue 11): read only, scoped by propsvc.view_audit_trail.
    path("audit/", audit_views.audit_list, name="audit"),
    path("audit/export/", audit_views.audit_export, name="audit-export"),
    path("calendar/", views.calendar_list, name="calendar"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar-year"),
    path("calendar/<int:year>/edit/", views.calendar_edit, name="calendar-edit"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("archives/", include("archives.urls")),
    path("reception/", include("reception.urls")),
    path("complaints/", include("complaints.urls")),
    path("violations/", include("violations.urls")),
    path("surveys/", include("surveys.urls")),
    # The public suggestion box (R-COM-1): short, for the QR code on the notice board.
    path("s/<slug:code>/", survey_views.box, name="suggestion-box"),
    path("s/<slug:code>/thanks/", survey_views.box_thanks, name="suggestion-box-thanks"),
    # A unit's satisfaction questionnaire online (R-SUR-1): the link and QR code on its paper form.
    path("q/<str:token>/", survey_round_views.questionnaire_online, name="questionnaire-online"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = settings.PROPSVC_COMPANY_NAME
admin.site.login_form = AdminLoginForm  # the same lockout as /login/

# The database out of reach answers templates/503.html (503, Retry-After); other errors 500.html.
handler500 = "propsvc.views.server_error"
