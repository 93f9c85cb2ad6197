"""The Celery app. The beat schedule lives here, in code (no database scheduler)."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

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
    # The deadline ledger (DESIGN.md): reminders, overdue notices, escalations.
    # A short period, never long countdowns (STYLE 17); a missed run is made up by the next one.
    "sweep-deadlines": {
        "task": "propsvc.tasks.sweep_deadlines",
        "schedule": float(settings.PROPSVC_SWEEP_SECONDS),
    },
    # The email copies of notifications (the scan's and every other), a batch each run.
    "send-notification-emails": {
        "task": "propsvc.tasks.send_emails",
        "schedule": float(settings.PROPSVC_SWEEP_SECONDS),
    },
    # R-CMP-9: last month's complaint statistics, stored and announced at 08:00 on the 1st.
    "build-monthly-complaint-reports": {
        "task": "complaints.tasks.build_monthly_reports",
        "schedule": crontab(day_of_month=1, hour=8, minute=0),
    },
    # R-VIO-7: last month's charges to collect, to finance (daily, so a missed month end is made up).
    "build-violation-charge-lists": {
        "task": "violations.tasks.build_charge_lists",
        "schedule": crontab(hour=6, minute=10),
    },
    # R-VIO-8: closed violations are kept one year (general) or five (major), then removed.
    "purge-expired-violations": {
        "task": "violations.tasks.purge_expired_violations",
        "schedule": crontab(hour=2, minute=40),
    },
    # R-VIS-4: last month's owner-visit summary per community, due by the 5th (daily: a missed 1st
    # is made up; a summary already opened is left as it is).
    "open-visit-summaries": {
        "task": "surveys.tasks.open_visit_summaries",
        "schedule": crontab(hour=0, minute=30),
    },
    # R-COM-2: every community has an open fee-account deadline (the accounts are published at
    # least every three months); daily, so a new community gets its first one the next night.
    "open-fee-account-deadlines": {
        "task": "surveys.tasks.open_fee_account_deadlines",
        "schedule": crontab(hour=0, minute=40),
    },
    # R-SUR-1: a survey round's collection closes when its 15 working days are over (at 24:00);
    # the online links stop working at once, so the round is closed soon after.
    "close-survey-rounds": {
        "task": "surveys.tasks.close_survey_rounds",
        "schedule": crontab(minute="*/15"),
    },
    # R-ARC-4: archive look-up windows close when their time is up.
    "close-expired-archive-lookups": {
        "task": "archives.tasks.close_expired_lookups",
        "schedule": 60.0,
    },
    # R-ARC-5: former owners' personal fields, PROPSVC_FORMER_OWNER_ANONYMISE_YEARS after their last
    # ownership ended (a batch a night; a rerun changes nothing more).
    "anonymise-former-owners": {
        "task": "archives.tasks.anonymise_former_owners",
        "schedule": crontab(hour=2, minute=50),
    },
    # The working-day calendar: from 1 November, remind the administrators to enter next year's
    # official holiday schedule (propsvc.calendar.calendar_remind says how often).
    "remind-calendar": {
        "task": "propsvc.tasks.remind_calendar",
        "schedule": crontab(hour=9, minute=0),
    },
    # Background Excel exports (issue 10): queued jobs whose hand-over to the broker failed are
    # handed over again, files are removed 24 hours after they were written.
    "sweep-exports": {
        "task": "propsvc.tasks.sweep_exports",
        "schedule": 60.0,
    },
    # Escalations held back for supervisors who chose the hourly digest.
    "send-escalation-digests": {
        "task": "propsvc.tasks.send_digests",
        "schedule": crontab(minute=5),
    },
}
