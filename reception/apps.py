from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reception"
    verbose_name = _("Reception")

    def ready(self):
        # Registers this app's background exports with the core (propsvc.export_jobs).
        from reception import exports  # noqa: F401
