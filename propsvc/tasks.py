from celery import shared_task


@shared_task
def purge_notifications() -> int:
    from django.conf import settings

    from propsvc.services import notification_purge

    return notification_purge(keep_days=settings.PROPSVC_NOTIFICATION_KEEP_DAYS)


@shared_task
def sweep_deadlines() -> dict:
    """Beat, every PROPSVC_SWEEP_SECONDS: reminders, overdue notices, escalations (one scan tick)."""
    from propsvc.services import deadline_scan

    return deadline_scan()


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
