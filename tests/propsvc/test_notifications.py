import datetime

import pytest
import time_machine
from django.utils import timezone

from propsvc.models import Notification
from propsvc.services import notification_purge, notification_send
from propsvc.tasks import purge_notifications
from tests.factories import NotificationFactory


def test_it_shows_the_unread_count_in_the_header(client, alice):
    notification_send(recipients=[alice, alice], text="工作单已签收", link="/")
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert 'data-unread="1"' in body


def test_it_marks_one_read_and_follows_its_link(client, alice, unit_a):
    [n] = notification_send(recipients=[alice], text="请查看", link=unit_a.get_absolute_url())
    client.force_login(alice)
    r = client.post(f"/notifications/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == unit_a.get_absolute_url()
    n.refresh_from_db()
    assert n.read_at is not None


def test_it_refuses_to_open_someone_elses_notification(client, alice, carol):
    [n] = notification_send(recipients=[carol], text="仅限carol")
    client.force_login(alice)
    assert client.post(f"/notifications/{n.pk}/open/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_it_marks_all_read(client, alice):
    notification_send(recipients=[alice], text="一")
    notification_send(recipients=[alice], text="二")
    client.force_login(alice)
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_it_lists_only_unread_when_asked(client, alice):
    NotificationFactory(recipient=alice, text="已读的", read_at=timezone.now())
    NotificationFactory(recipient=alice, text="未读的")
    client.force_login(alice)
    body = client.get("/notifications/?unread=1").content.decode()
    assert "未读的" in body and "已读的" not in body


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_in_constant_queries(client, alice, django_assert_num_queries, n):
    NotificationFactory.create_batch(n, recipient=alice)
    client.force_login(alice)
    # session, user, count, page, memberships, communities (header), unread count
    with django_assert_num_queries(7):
        client.get("/notifications/")


def test_it_refreshes_the_bell_fragment(client, alice):
    notification_send(recipients=[alice], text="新的")
    client.force_login(alice)
    body = client.get("/notifications/bell/").content.decode()
    assert "<html" not in body and 'data-unread="1"' in body


def test_it_purges_read_notifications_after_the_keep_period(alice, settings):
    settings.PROPSVC_NOTIFICATION_KEEP_DAYS = 30
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)):
        old_read = NotificationFactory(recipient=alice, read_at=timezone.now())
        old_unread = NotificationFactory(recipient=alice)
    fresh = NotificationFactory(recipient=alice, read_at=timezone.now())
    assert purge_notifications() == 1
    assert not Notification.objects.filter(pk=old_read.pk).exists()
    assert Notification.objects.filter(pk__in=[old_unread.pk, fresh.pk]).count() == 2
    assert notification_purge(keep_days=30) == 0
