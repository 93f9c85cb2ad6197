from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = _("Surveys and owner visits")

    def ready(self):
        # Registers this app's background exports with the core (propsvc.export_jobs).
        from surveys import exports  # noqa: F401
