"""The complaint's clocks in the ledger and the sweep (R-REC-3, R-CMP-4, R-CMP-5, pauses)."""

import datetime

import pytest

from complaints import services
from complaints.models import Complaint, ComplaintPause
from propsvc.services import deadline_sweep
from tests.complaints.conftest import (
    MORNING,
    H,
    deadline,
    events,
    fresh,
    inbox,
    refused,
    resolve,
    triage,
)

NOTHING = {"warned": 0, "breached": 0, "escalated": 0, "emailed": 0}
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def processing(register, pete, pat, pia):
    """A general complaint received at 10:00, triaged valid by pete: due 10:00 two days later."""
    complaint = register()
    triage(complaint, by=pete)
    return complaint


def test_it_warns_8_hours_before_the_48_hours_run_out(processing, pete, pat):
    """DOMAIN R-CMP-4."""
    assert deadline_sweep(now=MORNING + 40 * H - MINUTE) == NOTHING
    assert deadline_sweep(now=MORNING + 40 * H)["warned"] == 1
    [text] = inbox(pete)
    assert processing.number in text
    assert inbox(pat) == []


def test_it_escalates_a_breach_of_the_48_hours_to_the_other_property_supervisors(processing, pete, pat, pia):
    """DOMAIN R-CMP-4: past received_at + 48 h the handler is told it is overdue, and the property
    supervisors of the community (not of another one) are escalated to — once."""
    assert deadline_sweep(now=MORNING + 48 * H - MINUTE)["breached"] == 0
    counts = deadline_sweep(now=MORNING + 48 * H)
    assert counts["breached"] == 1 and counts["escalated"] == 1
    row = deadline(processing, services.KIND_RESOLVE)
    assert row.breached_at == MORNING + 48 * H
    overdue = inbox(pete)[-1]
    [escalation] = inbox(pat)
    assert processing.number in overdue and processing.number in escalation and overdue != escalation
    assert inbox(pia) == []
    assert deadline_sweep(now=MORNING + 60 * H) == NOTHING


def test_it_escalates_to_the_property_supervisors_when_the_manager_handles_a_general_complaint(
    register, mona, pete, pat
):
    complaint = register()
    triage(complaint, by=mona)
    assert deadline_sweep(now=MORNING + 48 * H)["escalated"] == 2
    assert any(complaint.number in t for t in inbox(mona))
    assert len(inbox(pete)) == len(inbox(pat)) == 1


def test_it_meets_the_48_hours_with_the_result_in_time_or_late(register, processing, pete, clock):
    resolve(processing, by=pete)
    row = deadline(processing, services.KIND_RESOLVE)
    assert row.met_at == MORNING and not row.met_late
    late = register()
    triage(late, by=pete)
    clock.move_to(MORNING + 50 * H)
    resolve(late, by=pete)
    row = deadline(late, services.KIND_RESOLVE)
    assert row.met_late  # counted late in the statistics (R-CMP-9)
    deadline_sweep(now=MORNING + 50 * H)
    row.refresh_from_db()
    assert row.breached_at is None  # a met row is never reminded, even when met late


def test_it_stops_the_48_hour_clock_while_paused_and_moves_it_on_by_the_paused_time(processing, pete, clock):
    clock.move_to(MORNING + 10 * H)
    services.complaint_pause(complaint_id=processing.pk, by=pete, reason="业主出差，周末返回")
    row = deadline(processing, services.KIND_RESOLVE)
    assert row.paused_at == MORNING + 10 * H
    assert fresh(processing).status == Complaint.Status.PAUSED
    # well past both the warning and the due time: the sweep ignores the paused row
    assert deadline_sweep(now=MORNING + 70 * H) == NOTHING
    clock.move_to(MORNING + 70 * H)
    services.complaint_resume(complaint_id=processing.pk, by=pete)
    row.refresh_from_db()
    assert row.paused_at is None
    assert row.due_at == MORNING + 48 * H + 60 * H  # paused 60 hours
    assert row.warn_at == row.due_at - 8 * H
    complaint = fresh(processing)
    assert complaint.status == Complaint.Status.PROCESSING and complaint.paused_seconds == 60 * 3600
    pause = ComplaintPause.objects.get(complaint=complaint)
    assert (pause.started_at, pause.ended_at, pause.ended_by) == (MORNING + 10 * H, MORNING + 70 * H, pete)
    assert events(complaint)[-2:] == ["complaint.paused", "complaint.resumed"]
    assert deadline_sweep(now=MORNING + 70 * H) == NOTHING
    assert deadline_sweep(now=row.due_at)["breached"] == 1


def test_it_adds_up_two_pauses(processing, pete, clock):
    for start, end in ((2, 5), (20, 30)):
        clock.move_to(MORNING + start * H)
        services.complaint_pause(complaint_id=processing.pk, by=pete, reason="等待配件")
        clock.move_to(MORNING + end * H)
        services.complaint_resume(complaint_id=processing.pk, by=pete)
    assert deadline(processing, services.KIND_RESOLVE).due_at == MORNING + (48 + 3 + 10) * H
    assert fresh(processing).paused_seconds == 13 * 3600


def test_it_refuses_pausing_and_resuming_out_of_turn(register, processing, pete, alice, erin):
    refused(lambda: services.complaint_pause(complaint_id=processing.pk, by=pete, reason=" "), processing)
    refused(lambda: services.complaint_resume(complaint_id=processing.pk, by=pete), processing)  # running
    for user in (alice, erin):
        refused(
            lambda u=user: services.complaint_pause(complaint_id=processing.pk, by=u, reason="x"), processing
        )
    services.complaint_pause(complaint_id=processing.pk, by=pete, reason="业主出差")
    refused(lambda: services.complaint_pause(complaint_id=processing.pk, by=pete, reason="再停"), processing)
    refused(lambda: services.complaint_resume(complaint_id=processing.pk, by=alice), processing)
    new = register()
    refused(lambda: services.complaint_pause(complaint_id=new.pk, by=pete, reason="业主出差"), new)


def test_it_escalates_an_overdue_first_response_to_a_letter(register, alice, pete, pat):
    """DOMAIN R-REC-3: 24 hours from receipt."""
    complaint = register(channel="letter", apology_given=False)
    counts = deadline_sweep(now=MORNING + 24 * H)
    assert counts["breached"] == 1 and counts["escalated"] == 2  # pete and pat
    assert any(complaint.number in t for t in inbox(alice))


def test_it_escalates_an_overdue_leaders_work_order_to_leadership(register, mona, leo):
    """DOMAIN R-CMP-5: the leader's analysis and work order are due 24 hours after the report."""
    complaint = register(severity="serious")
    triage(complaint, by=mona)
    told = len(inbox(leo))
    counts = deadline_sweep(now=MORNING + 24 * H)
    assert counts["breached"] == 1 and counts["escalated"] == 1
    assert any(complaint.number in t for t in inbox(mona))
    assert len(inbox(leo)) == told + 1
    assert deadline(complaint, services.KIND_LEADER).breached_at == MORNING + 24 * H
