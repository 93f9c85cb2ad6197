"""Every step from every status: allowed ones move the complaint as Complaint.NEXT says, the others
are refused with a ComplaintError and write nothing (STYLE.md 2, 3).

A general complaint about the lift: pete (property supervisor) handles it, hank (engineering head)
signs it off. Who may act is covered per step in test_triage, test_handling and test_callbacks.
"""

import pytest

from complaints import services
from complaints.models import Complaint
from tests.complaints.conftest import (
    MORNING,
    H,
    fresh,
    planned_callback,
    refused,
    resolve,
    triage,
    triage_invalid,
)

pytestmark = pytest.mark.usefixtures("clock")

S = Complaint.Status

# How to bring a fresh complaint to each status, through the services.
PATHS = {
    S.NEW: [],
    S.PROCESSING: ["triage"],
    S.PAUSED: ["triage", "pause"],
    S.UNSOLVABLE: ["triage", "unsolvable"],
    S.RESOLVED: ["triage", "result"],
    S.SIGNED_OFF: ["triage", "result", "sign_off"],
    S.ACCEPTED: ["triage", "result", "sign_off", "accept"],
    S.CLOSED: ["triage", "result", "sign_off", "accept", "callback_satisfied"],
}

# The steps that may be taken from each status, and where they lead (R-CMP-3 … R-CMP-8, R-CB-4).
ALLOWED = {
    S.NEW: {"triage": S.PROCESSING, "triage_invalid": S.CLOSED},
    S.PROCESSING: {
        "pause": S.PAUSED,
        "unsolvable": S.UNSOLVABLE,
        "result": S.RESOLVED,
        "work_order": S.PROCESSING,
    },
    S.PAUSED: {"resume": S.PROCESSING},
    S.UNSOLVABLE: {"take_up": S.PROCESSING, "reply_again": S.UNSOLVABLE},
    S.RESOLVED: {"sign_off": S.SIGNED_OFF, "send_back": S.PROCESSING},
    S.SIGNED_OFF: {"accept": S.ACCEPTED, "reject": S.PROCESSING},
    S.ACCEPTED: {"callback_satisfied": S.CLOSED, "callback_dissatisfied": S.PROCESSING},
    S.CLOSED: {},
}


@pytest.fixture
def steps(pete, hank, erin, eng_a):
    return {
        "triage": lambda c: triage(c, by=pete),
        "triage_invalid": lambda c: triage_invalid(c, by=pete),
        "pause": lambda c: services.complaint_pause(complaint_id=c.pk, by=pete, reason="业主出差"),
        "resume": lambda c: services.complaint_resume(complaint_id=c.pk, by=pete),
        "unsolvable": lambda c: services.complaint_mark_unsolvable(
            complaint_id=c.pk, by=pete, reason="需开发商维修", next_reply_at=MORNING + 72 * H
        ),
        "reply_again": lambda c: services.complaint_reply_again(
            complaint_id=c.pk, by=pete, note="开发商已排期", next_reply_at=MORNING + 96 * H
        ),
        "take_up": lambda c: services.complaint_take_up(complaint_id=c.pk, by=pete, note="材料已到"),
        "work_order": lambda c: services.complaint_issue_work_order(
            complaint_id=c.pk, by=pete, department=eng_a, task="检修电梯", due_at=MORNING + 8 * H
        ),
        "result": lambda c: resolve(c, by=pete),
        "sign_off": lambda c: services.complaint_sign_off(complaint_id=c.pk, by=hank),
        "send_back": lambda c: services.complaint_send_back(
            complaint_id=c.pk, by=hank, note="未更换配件", due_at=MORNING + 6 * H
        ),
        "accept": lambda c: services.complaint_owner_accepts(complaint_id=c.pk, by=pete),
        "reject": lambda c: services.complaint_owner_rejects(
            complaint_id=c.pk, by=pete, objection="不认可", new_plan="更换整块控制板", due_at=MORNING + 12 * H
        ),
        "callback_satisfied": lambda c: services.callback_record(
            callback_id=c.callbacks.latest("pk").pk,
            by=pete,
            called_at=MORNING,
            quality_rating="satisfied",
            effect_rating="satisfied",
            satisfaction="satisfied",
        ),
        "callback_dissatisfied": lambda c: services.callback_record(
            callback_id=c.callbacks.latest("pk").pk,
            by=pete,
            called_at=MORNING,
            quality_rating="dissatisfied",
            effect_rating="dissatisfied",
            satisfaction="dissatisfied",
            assignee=erin,
            fix_note="再修",
            next_callback_at=MORNING + 30 * H,
        ),
    }


STEPS = sorted({step for allowed in ALLOWED.values() for step in allowed})
# A call-back is planned only when the owner accepts, so before that there is none to record;
# one still planned on a reopened complaint is covered below, a recorded one from CLOSED here.
CASES = [
    (status, step)
    for status in S
    for step in STEPS
    if not (step.startswith("callback_") and status not in (S.ACCEPTED, S.CLOSED))
]


def test_it_declares_every_status_and_the_same_moves_as_the_model():
    assert set(PATHS) == set(ALLOWED) == set(S)
    for status, allowed in ALLOWED.items():
        assert {to for to in allowed.values() if to != status} == Complaint.NEXT[status]


@pytest.mark.parametrize(("status", "step"), CASES)
def test_it_takes_only_the_allowed_steps_from_each_status(register, steps, status, step):
    complaint = register()
    for earlier in PATHS[status]:
        steps[earlier](complaint)
    complaint = fresh(complaint)
    assert complaint.status == status
    if step in ALLOWED[status]:
        steps[step](complaint)
        assert fresh(complaint).status == ALLOWED[status][step]
    else:
        refused(lambda: steps[step](complaint), complaint)


def test_it_refuses_to_record_a_planned_call_back_on_a_reopened_complaint(register, steps, pete):
    complaint = register()
    for step in PATHS[S.ACCEPTED] + ["callback_dissatisfied"]:
        steps[step](complaint)
    complaint = fresh(complaint)
    assert complaint.status == S.PROCESSING and planned_callback(complaint)
    for step in ("callback_satisfied", "callback_dissatisfied"):
        refused(lambda s=step: steps[s](complaint), complaint)
