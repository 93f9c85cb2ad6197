"""State changes of the core: notifications."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from propsvc.errors import DomainError
from propsvc.models import Notification


class NotificationError(DomainError):
    pass


@transaction.atomic
def notification_send(*, recipients: Iterable, text: str, link: str = "") -> list[Notification]:
    """Put one message into each recipient's notification centre (deduplicated by user)."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, text=text[:500], link=link[:300]))
    return Notification.objects.bulk_create(rows)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotificationError("not found")  # the view turns this into a 404
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_purge(*, keep_days: int) -> int:
    """Delete read notifications older than keep_days; unread ones stay until read."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted
