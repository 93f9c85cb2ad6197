"""complaints.services: the leader's work order, the result, the sign-off and the owner's answer
(R-CMP-5 … R-CMP-8)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from complaints import services
from complaints.models import Callback, Complaint, ComplaintEvent
from propsvc.models import Deadline
from propsvc.roles import Role
from reception import services as reception
from reception.models import WorkOrder
from tests.complaints.conftest import (
    DAY,
    MORNING,
    SHANGHAI,
    H,
    deadline,
    deadlines,
    events,
    fresh,
    inbox,
    refused,
    resolve,
    to_signed_off,
    triage,
)

pytestmark = pytest.mark.usefixtures("clock")


# -- the leader's work order (R-CMP-5) -------------------------------------------------------------


@pytest.fixture
def serious(register, mona, leo, hank, erin):
    """A serious complaint triaged valid by the CS center manager: now the leader's to analyse."""
    complaint = register(severity="serious", subject="地下室排水泵故障导致积水")
    triage(complaint, by=mona)
    return complaint


def issue(complaint, *, by, **overrides):
    fields = {"department": None, "task": "检修并更换排水泵", "due_at": MORNING + 8 * H}
    fields.update(overrides)
    return services.complaint_issue_work_order(complaint_id=complaint.pk, by=by, **fields)


def test_it_lets_the_leader_issue_the_work_order_of_a_serious_complaint(serious, leo, hank, eng_a):
    """DOMAIN R-CMP-5: the measure, the responsible person and a deadline."""
    work_order = issue(serious, by=leo, department=eng_a, analysis="排水泵老化", responsible_person=hank)
    assert work_order.record is None
    assert work_order.case == serious and work_order.case_type == ContentType.objects.get_for_model(Complaint)
    assert work_order.case_number == serious.number and work_order.case_link == serious.get_absolute_url()
    assert work_order.department == eng_a and work_order.responsible_person == hank
    assert work_order.status == WorkOrder.Status.SENT and work_order.created_by == leo
    row = Deadline.objects.get(
        content_type=ContentType.objects.get_for_model(WorkOrder), object_id=work_order.pk
    )
    assert row.kind == "reception.work_order" and row.due_at == MORNING + 8 * H
    assert row.responsible_user == hank and row.escalate_role == Role.DEPARTMENT_HEAD
    complaint = fresh(serious)
    assert complaint.analysis == "排水泵老化" and complaint.assignee == hank
    assert deadline(complaint, services.KIND_LEADER).met_at == MORNING
    event = ComplaintEvent.objects.get(complaint=complaint, kind="complaint.work_order")
    assert event.actor == leo and event.data["work_order"] == work_order.pk
    assert any(work_order.number in t for t in inbox(hank))


def test_it_refuses_the_leaders_work_order_without_the_analysis(serious, leo, eng_a):
    refused(lambda: issue(serious, by=leo, department=eng_a), serious)
    refused(lambda: issue(serious, by=leo, department=eng_a, analysis="  "), serious)


def test_it_refuses_a_bad_work_order_and_writes_nothing(serious, leo, eng_a, eng_b, cody, clock):
    ok = {"by": leo, "analysis": "排水泵老化"}
    refused(lambda: issue(serious, **ok), serious)  # no department
    refused(lambda: issue(serious, **ok, department=eng_b), serious)  # another community's
    refused(lambda: issue(serious, **ok, department=eng_a, task=" "), serious)
    refused(lambda: issue(serious, **ok, department=eng_a, due_at=MORNING - H), serious)
    refused(
        lambda: issue(serious, **ok, department=eng_a, responsible_person=cody), serious
    )  # not engineering
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("actor", ["pete", "alice", "erin", "hank", "quinn", "sam"])
def test_it_refuses_the_work_order_of_a_serious_complaint_to_others(request, serious, eng_a, actor):
    user = request.getfixturevalue(actor)
    refused(lambda: issue(serious, by=user, department=eng_a, analysis="分析"), serious)


def test_it_lets_the_handler_pass_a_complaint_to_a_department(register, pete, leo, eng_a):
    """DOMAIN R-CMP-2: the handler may pass any valid complaint to the responsible department."""
    complaint = register()
    triage(complaint, by=pete)
    work_order = issue(complaint, by=pete, department=eng_a)
    assert work_order.follow_up_by == pete and fresh(complaint).analysis == ""


def test_it_refuses_a_work_order_unless_the_complaint_is_being_handled(register, leo, pete, eng_a):
    complaint = register(severity="serious")  # not triaged yet
    refused(lambda: issue(complaint, by=leo, department=eng_a, analysis="分析"), complaint)


def test_it_waits_for_the_work_orders_result_before_the_complaints(serious, leo, mona, erin, eng_a):
    """DOMAIN R-REC-4, R-CMP-6: the department records its result; then the complaint's is reported."""
    work_order = issue(serious, by=leo, department=eng_a, analysis="排水泵老化")
    refused(lambda: resolve(serious, by=mona), serious)
    reception.work_order_sign(work_order_id=work_order.pk, by=erin)
    refused(lambda: resolve(serious, by=mona), serious)  # signed for, but no result yet
    reception.work_order_report(work_order_id=work_order.pk, by=erin, result="已更换排水泵")
    assert any(work_order.number in t for t in inbox(mona))  # the follow-up is the handler's
    resolve(serious, by=mona)
    complaint = fresh(serious)
    assert complaint.status == Complaint.Status.RESOLVED and complaint.result_by == mona


# -- the result and the sign-off (R-CMP-6) -----------------------------------------------------------


@pytest.fixture
def processing(register, pete):
    complaint = register()
    triage(complaint, by=pete)
    return complaint


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("pete", True),  # the handler
        ("mona", True),
        ("erin", True),  # the responsible department solved it
        ("hank", True),
        ("alice", False),
        ("sam", False),
        ("cody", False),  # another department
        ("hugo", False),  # engineering of another community
        ("leo", False),
        ("quinn", False),
    ],
)
def test_it_lets_the_solver_report_the_result(request, processing, actor, allowed):
    user = request.getfixturevalue(actor)
    if allowed:
        resolve(processing, by=user)
        assert fresh(processing).result_by == user
    else:
        refused(lambda: resolve(processing, by=user), processing)


def test_it_lets_the_person_responsible_for_the_work_order_report_the_result(
    processing, pete, cody, cleaning_a
):
    """The responsible person named on the work order becomes the complaint's assignee (R-CMP-5)."""
    refused(lambda: resolve(processing, by=cody), processing)  # head of another department
    work_order = issue(
        processing, by=pete, department=cleaning_a, task="清理电梯井积水", responsible_person=cody
    )
    assert fresh(processing).assignee == cody
    reception.work_order_sign(work_order_id=work_order.pk, by=cody)
    reception.work_order_report(work_order_id=work_order.pk, by=cody, result="积水已清理")
    resolve(processing, by=cody)
    assert fresh(processing).result_by == cody


def test_it_asks_the_department_head_to_sign_off_the_result(processing, pete, hank, erin, eng_a):
    resolve(processing, by=pete)
    complaint = fresh(processing)
    assert complaint.status == Complaint.Status.RESOLVED and complaint.result_at == MORNING
    row = deadline(complaint, services.KIND_SIGN_OFF)
    assert row.due_at == MORNING + 24 * H and row.responsible_department == eng_a
    assert any(complaint.number in t for t in inbox(hank))
    assert not any(complaint.number in t for t in inbox(erin))  # heads only


def test_it_refuses_an_empty_result(processing, pete):
    refused(
        lambda: services.complaint_report_result(complaint_id=processing.pk, by=pete, result=" "), processing
    )


def test_it_lets_only_a_head_of_the_responsible_department_sign_off(
    processing, pete, mona, erin, hank, cody, hugo
):
    """DOMAIN R-CMP-6."""
    resolve(processing, by=pete)
    for user in (erin, cody, hugo, pete, mona):  # staff, another department, another community, handlers
        refused(lambda u=user: services.complaint_sign_off(complaint_id=processing.pk, by=u), processing)
    services.complaint_sign_off(complaint_id=processing.pk, by=hank, note="已现场核实")
    complaint = fresh(processing)
    assert complaint.status == Complaint.Status.SIGNED_OFF
    assert (complaint.signed_off_by, complaint.signed_off_at) == (hank, MORNING)
    assert deadline(complaint, services.KIND_SIGN_OFF).met_at == MORNING
    row = deadline(complaint, services.KIND_OWNER_ANSWER)
    assert row.responsible_user == pete and row.due_at == MORNING + 24 * H
    assert events(complaint)[-1] == "complaint.signed_off"


def test_it_lets_the_head_send_a_result_back_to_be_redone(processing, pete, hank, erin):
    resolve(processing, by=pete)
    refused(  # only the head
        lambda: services.complaint_send_back(
            complaint_id=processing.pk, by=erin, note="未更换配件", due_at=MORNING + 6 * H
        ),
        processing,
    )
    for note, due_at in ((" ", MORNING + 6 * H), ("未更换配件", MORNING - H)):
        refused(
            lambda n=note, d=due_at: services.complaint_send_back(
                complaint_id=processing.pk, by=hank, note=n, due_at=d
            ),
            processing,
        )
    services.complaint_send_back(
        complaint_id=processing.pk, by=hank, note="未更换配件", due_at=MORNING + 6 * H
    )
    complaint = fresh(processing)
    assert complaint.status == Complaint.Status.PROCESSING
    assert complaint.result == "" and complaint.result_by is None  # the round's result is superseded
    assert deadline(complaint, services.KIND_SIGN_OFF).met_at == MORNING
    assert deadline(complaint, services.KIND_PLAN).due_at == MORNING + 6 * H
    assert events(complaint)[-1] == "complaint.sent_back"
    refused(  # nothing awaits sign-off now
        lambda: services.complaint_send_back(
            complaint_id=processing.pk, by=hank, note="再退回", due_at=MORNING + 6 * H
        ),
        complaint,
    )


# -- the owner's answer (R-CMP-7) --------------------------------------------------------------------


def reject(complaint, *, by, round_, due_at=None):
    return services.complaint_owner_rejects(
        complaint_id=complaint.pk,
        by=by,
        objection=f"不接受第{round_}轮方案",
        new_plan=f"第{round_ + 1}轮方案",
        due_at=due_at or MORNING + 12 * H,
    )


def test_it_loops_reject_and_replan_twice_then_the_owner_accepts(register, pete, hank):
    """DOMAIN R-CMP-7: a new plan after each rejection, each round on the timeline; acceptance plans
    the call-back (R-CB-1, R-CB-2) within the calling hours (R-CB-6)."""
    complaint = register()
    to_signed_off(complaint, handler=pete, head=hank)
    assert fresh(complaint).plan_round == 1
    for round_ in (1, 2):
        reject(complaint, by=pete, round_=round_)
        complaint = fresh(complaint)
        assert complaint.status == Complaint.Status.PROCESSING
        assert complaint.plan_round == round_ + 1 and complaint.plan == f"第{round_ + 1}轮方案"
        assert complaint.result == "" and complaint.signed_off_by is None
        assert deadlines(complaint, services.KIND_PLAN).filter(met_at__isnull=True).count() == 1
        resolve(complaint, by=pete)
        services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
    rejected = ComplaintEvent.objects.filter(complaint=complaint, kind="complaint.owner_rejected")
    assert [(e.data["round"], e.data["objection"]) for e in rejected] == [
        (2, "不接受第1轮方案"),
        (3, "不接受第2轮方案"),
    ]
    assert events(complaint).count("complaint.result") == 3
    assert events(complaint).count("complaint.signed_off") == 3
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete, note="业主认可")
    complaint = fresh(complaint)
    assert complaint.status == Complaint.Status.ACCEPTED and complaint.accepted_at == MORNING
    accepted = ComplaintEvent.objects.get(complaint=complaint, kind="complaint.owner_accepted")
    assert accepted.data["round"] == 3
    assert not deadlines(complaint, services.KIND_PLAN).filter(met_at__isnull=True).exists()
    answers = deadlines(complaint, services.KIND_OWNER_ANSWER)
    assert answers.count() == 3 and not answers.filter(met_at__isnull=True).exists()  # one per round
    callback = Callback.objects.get(complaint=complaint)
    assert callback.status == Callback.Status.PLANNED and callback.assigned_to == pete
    assert callback.planned_at == MORNING + 3 * DAY  # facilities: three days (R-CB-2)
    assert services.within_call_hours(callback.planned_at)
    assert deadline(complaint, services.KIND_CALLBACK).due_at == callback.planned_at
    assert events(complaint)[-1] == "callback.planned"


@pytest.mark.parametrize(
    ("accepted_at", "category", "planned"),
    [
        ((10, 0), "service", (24, 10, 0)),  # one day later, at the same time
        ((23, 0), "facilities", (27, 9, 0)),  # 23:00 three days later → 09:00 the day after
        ((6, 30), "facilities", (26, 9, 0)),  # 06:30 three days later → 09:00 that day
        ((22, 0), "cleaning", (25, 22, 0)),  # 22:00 itself is still allowed
        ((8, 0), "neighbours", (30, 8, 0)),
    ],
)
def test_it_plans_the_call_back_within_the_calling_hours(
    register, pete, hank, clock, accepted_at, category, planned
):
    """DOMAIN R-CB-2, R-CB-6."""
    complaint = register(category=category)
    to_signed_off(complaint, handler=pete, head=hank)
    clock.move_to(MORNING.replace(hour=accepted_at[0], minute=accepted_at[1]))
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    when = Callback.objects.get(complaint=complaint).planned_at.astimezone(SHANGHAI)
    assert (when.day, when.hour, when.minute) == planned


def test_it_refuses_the_owners_answer_out_of_turn_or_incomplete(processing, pete, hank, alice):
    refused(lambda: services.complaint_owner_accepts(complaint_id=processing.pk, by=pete), processing)
    refused(lambda: reject(processing, by=pete, round_=1), processing)
    resolve(processing, by=pete)
    services.complaint_sign_off(complaint_id=processing.pk, by=hank)
    refused(lambda: services.complaint_owner_accepts(complaint_id=processing.pk, by=alice), processing)
    refused(lambda: reject(processing, by=alice, round_=1), processing)
    refused(lambda: reject(processing, by=pete, round_=1, due_at=MORNING - H), processing)
    for objection, new_plan in ((" ", "新方案"), ("不认可", " ")):
        refused(
            lambda o=objection, p=new_plan: services.complaint_owner_rejects(
                complaint_id=processing.pk, by=pete, objection=o, new_plan=p, due_at=MORNING + H
            ),
            processing,
        )


# -- cannot be solved yet (R-CMP-8) ------------------------------------------------------------------


def test_it_fixes_the_next_reply_of_a_complaint_that_cannot_be_solved_yet(processing, pete, alice):
    """DOMAIN R-CMP-8."""
    for reason, next_reply_at in ((" ", MORNING + 72 * H), ("需开发商维修", MORNING - H)):
        refused(
            lambda r=reason, n=next_reply_at: services.complaint_mark_unsolvable(
                complaint_id=processing.pk, by=pete, reason=r, next_reply_at=n
            ),
            processing,
        )
    refused(
        lambda: services.complaint_mark_unsolvable(
            complaint_id=processing.pk, by=alice, reason="需开发商维修", next_reply_at=MORNING + 72 * H
        ),
        processing,
    )
    services.complaint_mark_unsolvable(
        complaint_id=processing.pk, by=pete, reason="需开发商维修", next_reply_at=MORNING + 72 * H
    )
    complaint = fresh(processing)
    assert complaint.status == Complaint.Status.UNSOLVABLE and complaint.next_reply_at == MORNING + 72 * H
    assert deadline(complaint, services.KIND_NEXT_REPLY).due_at == MORNING + 72 * H
    services.complaint_reply_again(
        complaint_id=complaint.pk, by=pete, note="开发商已排期", next_reply_at=MORNING + 96 * H
    )
    rows = deadlines(complaint, services.KIND_NEXT_REPLY)
    assert [(r.due_at, r.met_at) for r in rows] == [(MORNING + 72 * H, MORNING), (MORNING + 96 * H, None)]
    services.complaint_take_up(complaint_id=complaint.pk, by=pete, note="材料已到")
    complaint = fresh(complaint)
    assert complaint.status == Complaint.Status.PROCESSING and complaint.next_reply_at is None
    assert not deadlines(complaint, services.KIND_NEXT_REPLY).filter(met_at__isnull=True).exists()


# -- who handles which complaint (R-CMP-5) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "severity", "handler", "other"),
    [
        ("facilities", "serious", "mona", "pete"),  # important ones are the CS center manager's
        ("facilities", "major", "mona", "pete"),
        ("facilities", "general", "pete", "quinn"),
        ("company", "general", "quinn", "mona"),  # about the company itself: quality only
        ("company", "serious", "quinn", "mona"),
    ],
)
def test_it_lets_only_the_complaints_handler_take_each_handling_step(
    request, register, quality_dept, eng_a, erin, category, severity, handler, other
):
    complaint = register(category=category, severity=severity)
    handler, other = request.getfixturevalue(handler), request.getfixturevalue(other)
    refused(lambda: triage(complaint, by=other), complaint)
    triage(complaint, by=handler)
    steps = {
        "pause": lambda by: services.complaint_pause(complaint_id=complaint.pk, by=by, reason="业主出差"),
        "unsolvable": lambda by: services.complaint_mark_unsolvable(
            complaint_id=complaint.pk, by=by, reason="需开发商维修", next_reply_at=MORNING + 72 * H
        ),
        "work_order": lambda by: issue(complaint, by=by, department=eng_a),
        "result": lambda by: resolve(complaint, by=by),
    }
    for name, step in steps.items():
        refused(lambda s=step: s(other), complaint)
        if name == "pause":
            step(handler)
            refused(lambda: services.complaint_resume(complaint_id=complaint.pk, by=other), complaint)
            services.complaint_resume(complaint_id=complaint.pk, by=handler)
        elif name == "unsolvable":
            step(handler)
            refused(
                lambda: services.complaint_take_up(complaint_id=complaint.pk, by=other, note="可以修了"),
                complaint,
            )
            services.complaint_take_up(complaint_id=complaint.pk, by=handler, note="可以修了")
        elif name == "work_order":
            work_order = step(handler)
            reception.work_order_sign(work_order_id=work_order.pk, by=erin)
            reception.work_order_report(work_order_id=work_order.pk, by=erin, result="已修")
        else:
            step(handler)
    assert fresh(complaint).status == Complaint.Status.RESOLVED
