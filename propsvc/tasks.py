from celery import shared_task


@shared_task
def purge_notifications() -> int:
    from django.conf import settings

    from propsvc.services import notification_purge

    return notification_purge(keep_days=settings.PROPSVC_NOTIFICATION_KEEP_DAYS)


@shared_task
def sweep_deadlines() -> dict:
    """Beat, every PROPSVC_SWEEP_SECONDS: reminders, overdue notices, escalations (one scan tick).

    A tick claims at most SWEEP_BATCH rows of each kind; when it claimed a full batch there may be
    more, so it runs again at once (a broker that cannot take it leaves them to the next beat)."""
    import logging

    from propsvc.services import SWEEP_BATCH, deadline_scan

    counts = deadline_scan()
    if max(counts["warned"], counts["breached"]) >= SWEEP_BATCH:
        try:
            sweep_deadlines.apply_async(retry=False)
        except Exception:
            logging.getLogger(__name__).warning("could not queue the next scan tick; beat will run it")
    return counts


@shared_task
def send_emails() -> int:
    """Beat, every PROPSVC_SWEEP_SECONDS too: the email copies the notifications queued (a batch;
    the rest go with the next run). Apart from the scan so a slow mail server never delays it."""
    from propsvc.services import notification_email_pending

    return notification_email_pending()


@shared_task
def send_digests() -> dict:
    """Beat, hourly: one message per supervisor listing the escalations held back for the digest."""
    from propsvc.services import digest_send

    return digest_send()


@shared_task
def remind_calendar() -> dict:
    """Beat, daily at 09:00: from 1 November, remind the administrators to enter next year's
    official holiday schedule (weekly until entered; daily once the year has begun without it)."""
    from propsvc.calendar import calendar_remind

    return calendar_remind()


# A large export takes minutes, not seconds: its own time limits, above the project's 300 s.
@shared_task(time_limit=3600, soft_time_limit=3540)
def run_export(*, job_id: int) -> str:
    """Write one background export (propsvc.export_jobs); claims the job first, so a duplicate
    delivery writes nothing."""
    from propsvc.export_jobs import export_job_run

    return export_job_run(job_id=job_id)


@shared_task
def sweep_exports() -> dict:
    """Beat, every minute: hand over queued exports again, fail interrupted ones, remove files after
    24 hours."""
    from propsvc.export_jobs import export_sweep

    return export_sweep()
