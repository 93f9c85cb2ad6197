from celery import shared_task


@shared_task
def purge_notifications() -> int:
    from django.conf import settings

    from propsvc.services import notification_purge

    return notification_purge(keep_days=settings.PROPSVC_NOTIFICATION_KEEP_DAYS)
