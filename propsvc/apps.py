from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PropsvcConfig(AppConfig):
    name = "propsvc"
    verbose_name = _("Organisation")

    def ready(self):
        from propsvc.rolesync import sync_role_groups

        # Later apps add permissions to the matrix; re-mirror it after every migrate.
        post_migrate.connect(sync_role_groups, dispatch_uid="propsvc.sync_role_groups")
