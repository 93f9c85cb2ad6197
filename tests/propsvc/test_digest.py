"""Escalation digest: held-back escalations, the hourly digest, and the preference view."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail

from propsvc.models import DigestItem, Notification, StaffPreference
from propsvc.services import deadline_sweep, digest_send, staff_preference_set
from propsvc.tasks import send_digests
from tests.propsvc.conftest import NOW


@pytest.fixture
def sam_digest(sam):
    staff_preference_set(user=sam, escalation_digest=True)
    return sam


def test_it_holds_escalations_back_and_sends_one_digest(frozen, open_deadline, alice, sam_digest):
    deadlines = [open_deadline(due_in=timedelta(hours=h), responsible_user=alice) for h in (1, 2, 3)]
    counts = deadline_sweep(now=NOW + timedelta(hours=4))
    assert counts["breached"] == 3 and counts["escalated"] == 3
    assert not Notification.objects.filter(recipient=sam_digest).exists()  # nothing one by one
    assert sam_digest.digest_items.filter(sent_at__isnull=True).count() == 3
    assert Notification.objects.filter(recipient=alice).count() == 3  # the responsible person still hears

    result = digest_send(now=NOW + timedelta(hours=5))
    assert result == {"recipients": 1, "items": 3, "emailed": 1}
    [digest] = Notification.objects.filter(recipient=sam_digest)
    assert "3" in digest.text and all(d.title in digest.text for d in deadlines)
    assert digest.link == "/notifications/"
    [message] = mail.outbox
    assert message.to == ["sam@example.com"] and deadlines[0].title in message.body

    assert digest_send(now=NOW + timedelta(hours=6)) == {"recipients": 0, "items": 0, "emailed": 0}
    assert Notification.objects.filter(recipient=sam_digest).count() == 1


def test_it_lists_ten_titles_then_the_total(frozen, sam_digest):
    DigestItem.objects.bulk_create(
        [DigestItem(recipient=sam_digest, text=f"升级{i:02d}", link="/") for i in range(12)]
    )
    send_digests()
    [digest] = Notification.objects.filter(recipient=sam_digest)
    assert "升级09" in digest.text and "升级10" not in digest.text
    assert "12" in digest.text
    assert len(digest.text) <= 500


def test_it_sends_each_recipient_their_own_digest(frozen, sam_digest, hank):
    staff_preference_set(user=hank, escalation_digest=True)
    DigestItem.objects.create(recipient=sam_digest, text="甲", link="/")
    DigestItem.objects.create(recipient=hank, text="乙", link="/")
    assert digest_send()["recipients"] == 2
    assert Notification.objects.get(recipient=sam_digest).text.count("乙") == 0


def test_it_refuses_the_preference_to_staff_without_escalations(alice):
    from propsvc.services import NotificationError

    with pytest.raises(NotificationError):
        staff_preference_set(user=alice, escalation_digest=True)


# -- the preference view (POST /notifications/preferences/) -----------------------------------


def test_it_saves_the_preference(client, sam):
    client.force_login(sam)
    r = client.post("/notifications/preferences/", {"escalation_digest": "1"})
    assert r.status_code == 302 and r["Location"] == "/notifications/"
    assert StaffPreference.objects.get(user=sam).escalation_digest is True
    assert [m.level_tag for m in get_messages(r.wsgi_request)] == ["success"]
    client.post("/notifications/preferences/", {"escalation_digest": "0"})
    assert StaffPreference.objects.get(user=sam).escalation_digest is False


def test_it_shows_the_choice_on_the_notifications_page(client, sam_digest):
    client.force_login(sam_digest)
    body = client.get("/notifications/").content.decode()
    assert 'action="/notifications/preferences/"' in body
    assert 'value="1" id="escalation-digest" checked' in body


def test_it_hides_the_choice_from_staff_without_escalations(client, alice):
    client.force_login(alice)
    assert 'action="/notifications/preferences/"' not in client.get("/notifications/").content.decode()


def test_it_redirects_an_anonymous_user_to_login(client, db):
    r = client.post("/notifications/preferences/", {"escalation_digest": "1"})
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_it_refuses_get(client, sam):
    client.force_login(sam)
    assert client.get("/notifications/preferences/").status_code == 405


def test_it_refuses_a_receptionist(client, alice):
    client.force_login(alice)
    r = client.post("/notifications/preferences/", {"escalation_digest": "1"})
    assert r.status_code == 403
    assert not StaffPreference.objects.exists()


def test_it_refuses_an_invalid_choice(client, sam):
    client.force_login(sam)
    r = client.post("/notifications/preferences/", {"escalation_digest": "hourly"})
    assert r.status_code == 302
    assert [m.level_tag for m in get_messages(r.wsgi_request)] == ["danger"]
    assert not StaffPreference.objects.exists()
