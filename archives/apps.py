from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("Owner archives")

    def ready(self):
        # Registers this app's background exports with the core (propsvc.export_jobs).
        from archives import exports  # noqa: F401
