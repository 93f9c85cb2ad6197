"""The reminder sweep: warnings, overdue notices, escalations, emails — each sent exactly once."""

import io
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from propsvc.models import Deadline, Notification
from propsvc.roles import Role
from propsvc.services import (
    deadline_meet,
    deadline_reassign,
    deadline_sweep,
    notification_send,
    staff_preference_set,
)
from propsvc.tasks import sweep_deadlines
from tests.factories import UnitFactory
from tests.propsvc.conftest import NOW, staff

NOTHING = {"warned": 0, "breached": 0, "escalated": 0, "emailed": 0}


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("text", flat=True))


def test_it_sends_a_warning_once(frozen, open_deadline, alice):
    deadline = open_deadline(due_in=timedelta(hours=24), responsible_user=alice)
    assert deadline_sweep(now=NOW + timedelta(hours=19, minutes=59)) == NOTHING
    assert deadline_sweep(now=NOW + timedelta(hours=20))["warned"] == 1
    assert deadline_sweep(now=NOW + timedelta(hours=20, minutes=1)) == NOTHING
    [text] = inbox(alice)
    assert deadline.title in text
    deadline.refresh_from_db()
    assert deadline.warned_at == NOW + timedelta(hours=20) and deadline.warn_token is not None
    assert Notification.objects.get(recipient=alice).link == deadline.link


def test_it_writes_the_due_time_in_shanghai_time(frozen, open_deadline, alice):
    open_deadline(due_in=timedelta(hours=24), responsible_user=alice)
    deadline_sweep(now=NOW + timedelta(hours=21))
    [text] = inbox(alice)
    assert "24" in text and "10:30" in text  # 24 November, 10:30 in Shanghai (02:30 UTC)
    assert "02:30" not in text


def test_it_sends_a_breach_notice_and_escalates_in_the_community(frozen, open_deadline, alice, sam, sue):
    deadline = open_deadline(
        due_in=timedelta(hours=24), responsible_user=alice, escalate_role=Role.CS_SUPERVISOR
    )
    counts = deadline_sweep(now=NOW + timedelta(hours=24))
    assert counts["breached"] == 1 and counts["escalated"] == 1 and counts["warned"] == 0
    [overdue] = inbox(alice)
    [escalation] = inbox(sam)
    assert deadline.title in overdue and deadline.title in escalation and overdue != escalation
    assert inbox(sue) == []  # supervisor of another community
    deadline.refresh_from_db()
    assert deadline.breached_at == NOW + timedelta(hours=24)
    assert deadline.warned_at == deadline.breached_at  # no late "due soon" after the overdue notice
    assert deadline_sweep(now=NOW + timedelta(hours=30)) == NOTHING
    assert Notification.objects.count() == 2


def test_it_sends_the_warning_then_the_breach(frozen, open_deadline, alice, sam):
    open_deadline(due_in=timedelta(hours=24), responsible_user=alice)
    assert deadline_sweep(now=NOW + timedelta(hours=20))["warned"] == 1
    assert deadline_sweep(now=NOW + timedelta(hours=24))["breached"] == 1
    assert len(inbox(alice)) == 2 and len(inbox(sam)) == 1


def test_it_does_not_escalate_to_the_responsible_person(frozen, open_deadline, sam):
    open_deadline(responsible_user=sam, escalate_role=Role.CS_SUPERVISOR)
    counts = deadline_sweep(now=NOW + timedelta(days=2))
    assert counts["breached"] == 1 and counts["escalated"] == 0
    assert len(inbox(sam)) == 1


def test_it_stops_reminding_once_met(frozen, open_deadline, alice, sam):
    deadline = open_deadline(responsible_user=alice)
    assert deadline_meet(case=deadline.case, by=alice) == 1
    assert deadline_sweep(now=NOW + timedelta(hours=20)) == NOTHING
    assert deadline_sweep(now=NOW + timedelta(hours=25)) == NOTHING
    assert Notification.objects.count() == 0


def test_it_stops_the_breach_once_met_after_the_warning(frozen, open_deadline, alice, sam):
    deadline = open_deadline(responsible_user=alice)
    deadline_sweep(now=NOW + timedelta(hours=20))
    deadline_meet(case=deadline.case, by=alice)
    assert deadline_sweep(now=NOW + timedelta(hours=25)) == NOTHING
    assert len(inbox(alice)) == 1 and inbox(sam) == []


def test_it_notifies_every_member_of_the_responsible_department(
    frozen, open_deadline, engineering, eric, ella, hank, helen, alice
):
    open_deadline(kind="reception.work_order", responsible_department=engineering, escalate_role="")
    assert deadline_sweep(now=NOW + timedelta(hours=20))["warned"] == 1
    assert [len(inbox(u)) for u in (eric, ella, hank)] == [1, 1, 1]
    assert inbox(helen) == [] and inbox(alice) == []


def test_it_sends_to_the_member_who_took_it_after_reassign(frozen, open_deadline, engineering, eric, ella):
    deadline = open_deadline(
        kind="reception.work_order", responsible_department=engineering, escalate_role=""
    )
    deadline_reassign(case=deadline.case, kind="reception.work_order", responsible_user=eric)
    deadline_sweep(now=NOW + timedelta(hours=20))
    assert len(inbox(eric)) == 1 and inbox(ella) == []


def test_it_escalates_to_the_head_of_that_department_only(
    frozen, open_deadline, engineering, eric, hank, helen
):
    deadline = open_deadline(
        kind="reception.work_order", responsible_department=engineering, escalate_role=Role.DEPARTMENT_HEAD
    )
    deadline_reassign(case=deadline.case, kind="reception.work_order", responsible_user=eric)
    counts = deadline_sweep(now=NOW + timedelta(hours=24))
    assert counts["escalated"] == 1
    assert len(inbox(eric)) == 1 and len(inbox(hank)) == 1 and inbox(helen) == []
    assert "eric" in inbox(hank)[0] or eric.first_name in inbox(hank)[0]


def test_it_escalates_to_the_head_of_the_responsible_users_department(
    frozen, open_deadline, eric, hank, helen
):
    open_deadline(responsible_user=eric, escalate_role=Role.DEPARTMENT_HEAD)
    assert deadline_sweep(now=NOW + timedelta(hours=24))["escalated"] == 1
    assert len(inbox(hank)) == 1 and inbox(helen) == []


def test_it_escalates_to_company_level_roles(frozen, open_deadline, alice, quinn):
    open_deadline(responsible_user=alice, escalate_role=Role.QUALITY)
    assert deadline_sweep(now=NOW + timedelta(hours=24))["escalated"] == 1
    assert len(inbox(quinn)) == 1


def test_it_makes_up_for_a_scan_missed_for_hours(frozen, open_deadline, alice, sam):
    overdue_1 = open_deadline(due_in=timedelta(hours=1), responsible_user=alice)
    overdue_2 = open_deadline(due_in=timedelta(hours=2), responsible_user=alice)
    due_soon = open_deadline(
        due_in=timedelta(hours=4), responsible_user=alice, warn_before=timedelta(hours=2)
    )
    not_yet = open_deadline(due_in=timedelta(hours=24), responsible_user=alice)
    frozen.shift(timedelta(hours=3))  # the broker was down: no scan ran for 3 hours
    counts = deadline_sweep()
    # sam, who has an email address, is escalated to twice
    assert counts == {"warned": 1, "breached": 2, "escalated": 2, "emailed": 2}
    texts = inbox(alice)
    assert len(texts) == 3
    assert sum(overdue_1.title in t for t in texts) == 1 and sum(overdue_2.title in t for t in texts) == 1
    assert sum(due_soon.title in t for t in texts) == 1 and not any(not_yet.title in t for t in texts)
    frozen.shift(timedelta(minutes=1))
    assert deadline_sweep() == NOTHING


def test_it_mails_reminders_once(frozen, open_deadline, alice_mail, sam, bob):
    open_deadline(responsible_user=alice_mail)
    counts = deadline_sweep(now=NOW + timedelta(hours=24))
    assert counts["emailed"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "sam@example.com"]
    assert all(m.subject.startswith("[") and "\n" not in m.subject for m in mail.outbox)
    assert "/archives/units/" in mail.outbox[0].body
    assert not Notification.objects.filter(email_pending=True).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2
    assert deadline_sweep(now=NOW + timedelta(hours=25)) == NOTHING
    assert len(mail.outbox) == 2


def test_it_keeps_a_failed_email_pending_for_the_next_sweep(frozen, open_deadline, alice_mail, caplog):
    open_deadline(responsible_user=alice_mail, escalate_role="")
    with mock.patch("propsvc.services.send_mail", side_effect=ConnectionRefusedError("smtp down")):
        assert deadline_sweep(now=NOW + timedelta(hours=20))["emailed"] == 0
    assert mail.outbox == []
    notification = Notification.objects.get(recipient=alice_mail)
    assert notification.email_pending and notification.emailed_at is None
    assert "stays queued" in caplog.text
    assert deadline_sweep(now=NOW + timedelta(hours=20, minutes=1))["emailed"] == 1
    assert len(mail.outbox) == 1
    assert deadline_sweep(now=NOW + timedelta(hours=20, minutes=2))["emailed"] == 0


def test_it_queues_an_email_only_for_recipients_with_an_address(alice_mail, bob):
    notification_send(recipients=[alice_mail, bob], text="工作单已签收", link="/", email=True)
    assert dict(Notification.objects.values_list("recipient__username", "email_pending")) == {
        "alice": True,
        "bob": False,
    }
    notification_send(recipients=[alice_mail], text="无需邮件")
    assert deadline_sweep()["emailed"] == 1
    [message] = mail.outbox
    assert "工作单已签收" in message.subject


@pytest.mark.parametrize("n", [1, 5])
def test_it_sweeps_in_constant_queries(
    frozen, open_deadline, alice_mail, sam, engineering, eric, hank, django_assert_max_num_queries, n
):
    sid = staff("sid", sam.memberships.get().community, Role.CS_SUPERVISOR)  # no email, takes the digest
    staff_preference_set(user=sid, escalation_digest=True)
    for _ in range(n):
        open_deadline(due_in=timedelta(hours=1), responsible_user=alice_mail)  # breached: alice + sam, sid
        open_deadline(responsible_department=engineering, escalate_role=Role.DEPARTMENT_HEAD)  # warned
    open_deadline(due_in=timedelta(hours=1), responsible_user=eric, escalate_role=Role.DEPARTMENT_HEAD)
    # savepoint; warnings: candidates, claim; breaches: candidates, claim; read back the claimed rows
    # with their users and departments; memberships of everyone to notify (with preferences);
    # insert notifications; insert digest items; release.
    # emails: savepoint, lock the pending batch with recipients, mark it claimed, release.
    with django_assert_max_num_queries(14) as queries:
        counts = deadline_sweep(now=NOW + timedelta(hours=20))
    assert len(queries) == 14  # the same at 1 and 5 rows
    assert counts == {"warned": n, "breached": n + 1, "escalated": 2 * n + 1, "emailed": 2 * n}
    assert len(mail.outbox) == 2 * n
    assert sid.digest_items.count() == n


def test_it_is_run_by_the_task_and_the_command(frozen, open_deadline, alice):
    open_deadline(due_in=timedelta(hours=1), responsible_user=alice, escalate_role="")
    frozen.shift(timedelta(minutes=55))
    assert sweep_deadlines() == {"warned": 1, "breached": 0, "escalated": 0}
    frozen.shift(timedelta(minutes=10))
    out = io.StringIO()
    call_command("sweep_deadlines", "--digests", stdout=out)
    assert "breached=1" in out.getvalue() and "digest_items=0" in out.getvalue()


@pytest.mark.postgres
def test_it_sends_each_reminder_once_when_two_scans_race(transactional_db, community_a, alice, sam):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two scans cannot race there")
    from propsvc.services import deadline_open

    # Real time, not NOW: deadline_open reads the clock (threads share no frozen time here), and a
    # deadline already past when it is opened gets its reminder time at the due time.
    due_at = timezone.now() + timedelta(hours=24)
    for _ in range(20):
        unit = UnitFactory(building__community=community_a)
        deadline_open(
            case=unit,
            community=community_a,
            kind="reception.reply",
            title=f"回复业主 {unit.pk}",
            link="/",
            due_at=due_at,
            responsible_user=alice,
            warn_before=timedelta(hours=4),
        )
    start = threading.Barrier(2)
    results, errors = [], []

    def scan():
        try:
            start.wait(timeout=10)
            results.append(deadline_sweep(now=due_at - timedelta(hours=1)))  # the same frozen moment
        except Exception as exc:  # surfaced below, in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(r["warned"] for r in results) == 20  # each row claimed by exactly one scan
    assert Notification.objects.filter(recipient=alice).count() == 20
    assert Deadline.objects.filter(warned_at__isnull=True).count() == 0
    assert Deadline.objects.values("warn_token").distinct().count() == 1


def test_the_email_task_sends_what_the_scan_task_queued(frozen, open_deadline, alice):
    """Beat runs the scan and the emails as two tasks: the scan queues, the email task sends."""
    from celery import current_app

    from propsvc.tasks import send_emails

    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    open_deadline(due_in=timedelta(hours=1), responsible_user=alice, escalate_role="")
    frozen.shift(timedelta(minutes=55))
    assert sweep_deadlines()["warned"] == 1
    assert mail.outbox == []  # the scan itself sends nothing
    assert send_emails() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert send_emails() == 0  # sent once
    assert current_app.conf.beat_schedule["send-notification-emails"]["task"] == "propsvc.tasks.send_emails"


def test_a_full_batch_runs_the_scan_again_at_once(frozen, open_deadline, alice):
    """A tick claims at most SWEEP_BATCH rows of each kind, so it stays short; with a full batch
    the task queues the next tick at once, and a broker that refuses it is no error."""
    for _ in range(3):
        open_deadline(due_in=timedelta(hours=1), responsible_user=alice, escalate_role="")
    frozen.shift(timedelta(minutes=55))
    with (
        mock.patch("propsvc.services.SWEEP_BATCH", 2),
        mock.patch.object(sweep_deadlines, "apply_async") as again,
    ):
        assert sweep_deadlines()["warned"] == 2
        assert again.call_count == 1
        assert sweep_deadlines()["warned"] == 1  # the rest, and no further run
        assert again.call_count == 1
        again.side_effect = OSError("broker down")
        open_deadline(due_in=timedelta(minutes=30), responsible_user=alice, escalate_role="")
        open_deadline(due_in=timedelta(minutes=30), responsible_user=alice, escalate_role="")
        assert sweep_deadlines()["warned"] == 2  # queued nothing, raised nothing
