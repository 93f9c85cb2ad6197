from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django's own words that its zh_Hans catalogue does not translate yet; listed here so makemessages
# puts them in ours (the project's catalogue is read first).
DJANGO_WORDS = (
    gettext_noop("- Select an option -"),  # the empty choice of a select (Django 6.1)
)


class PropsvcConfig(AppConfig):
    name = "propsvc"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from propsvc import audit  # noqa: F401 — registers the audit trail's background export
        from propsvc.middleware import session_activity_start
        from propsvc.rolesync import sync_role_groups

        # Later apps add permissions to the matrix; re-mirror it after every migrate.
        post_migrate.connect(sync_role_groups, dispatch_uid="propsvc.sync_role_groups")
        # The idle clock starts at login (propsvc.middleware.IdleTimeoutMiddleware).
        user_logged_in.connect(session_activity_start, dispatch_uid="propsvc.session_activity_start")
