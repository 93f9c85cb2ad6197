"""The Celery app. The beat schedule lives here, in code (no database scheduler)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propsvc.settings")

app = Celery("propsvc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Housekeeping: read notifications older than PROPSVC_NOTIFICATION_KEEP_DAYS.
    "purge-read-notifications": {
        "task": "propsvc.tasks.purge_notifications",
        "schedule": crontab(hour=3, minute=17),
    },
}
