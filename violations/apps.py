from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViolationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "violations"
    verbose_name = _("Violations")

    def ready(self):
        # Registers this app's background exports with the core (propsvc.export_jobs).
        from violations import exports  # noqa: F401
