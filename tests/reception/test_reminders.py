"""A record nobody answers: a warning, then a breach and an escalation — once each (R-REC-3)."""

from propsvc.models import Notification
from propsvc.services import deadline_sweep
from tests.reception.conftest import later


def texts(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("text", flat=True))


def test_an_unanswered_record_warns_then_breaches_and_escalates_once_each(
    log, alice, sam, client, time_machine
):
    record = log(channel="letter", subject="来信反映绿化带积水")
    time_machine.move_to(later(19))
    deadline_sweep()
    assert texts(alice) == []  # not yet: the warning comes 4 hours before the 24-hour limit
    time_machine.move_to(later(1.5))  # 20.5 h after receipt
    deadline_sweep()
    deadline_sweep()
    assert len(texts(alice)) == 1 and "来信反映绿化带积水" in texts(alice)[0]
    time_machine.move_to(later(4))  # 24.5 h
    deadline_sweep()
    deadline_sweep()
    assert len(texts(alice)) == 2
    assert len(texts(sam)) == 1 and "来信反映绿化带积水" in texts(sam)[0]
    client.force_login(sam)
    assert "来信反映绿化带积水" in client.get("/notifications/").content.decode()
    assert record.pk


def test_an_answered_record_sends_no_reminder(log, alice, sam, time_machine):
    log(outcome="handled", outcome_note="已当面答复")
    time_machine.move_to(later(30))
    deadline_sweep()
    assert texts(alice) == [] and texts(sam) == []


def test_my_to_do_lists_open_deadlines_soonest_first(client, alice, log):
    log(subject="第一件")
    log(
        subject="第二件",
        outcome="pending",
        outcome_note="待查",
        promised_reply_at=later(2),
        reply_method="phone",
    )
    client.force_login(alice)
    todo = list(client.get("/").context["todo"])
    assert "第二件" in todo[0].title  # reply due in 2 h comes before the 24 h first response
    assert "第一件" in todo[1].title
