"""complaints.services: every transition, who may make it, and the deadlines it writes.

Actors (this module): alice — receptionist A; pete — property supervisor A; mona — CS center
manager A; hank — engineering head A; erin — engineering staff A; cody — cleaning head A;
leo — company leadership; quinn — quality (company level).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from complaints import selectors, services
from complaints.models import Callback, Complaint, ComplaintEvent
from complaints.services import ComplaintError
from propsvc.models import Deadline, Department, Notification
from propsvc.roles import Role
from propsvc.services import deadline_sweep
from reception import services as reception
from reception.models import ReceptionRecord, WorkOrder
from tests.conftest import _member
from tests.factories import DepartmentFactory, OwnershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def eng(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)


@pytest.fixture
def cleaning(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.CLEANING)


@pytest.fixture
def quality_dept(db):
    return DepartmentFactory(community=None, kind=Department.Kind.QUALITY)


@pytest.fixture
def pete(community_a):
    return _member("pete", community_a, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


@pytest.fixture
def hank(community_a, eng):
    return _member("hank", community_a, Role.DEPARTMENT_HEAD, department=eng)


@pytest.fixture
def erin(community_a, eng):
    return _member("erin", community_a, Role.DEPARTMENT_STAFF, department=eng)


@pytest.fixture
def cody(community_a, cleaning):
    return _member("cody", community_a, Role.DEPARTMENT_HEAD, department=cleaning)


@pytest.fixture
def leo(db):
    return _member("leo", None, Role.LEADERSHIP)


@pytest.fixture
def owner(unit_a):
    return OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile="13812345678").owner


@pytest.fixture
def register(alice, community_a, unit_a, owner, eng, pete, mona, hank, erin, leo):
    def _register(**overrides):
        fields = {
            "by": alice,
            "community": community_a,
            "unit": unit_a,
            "owner": owner,
            "channel": "visit",
            "subject": "电梯频繁故障",
            "details": "本周第三次停运",
            "request": "尽快修好",
            "category": "facilities",
            "severity": "general",
            "department": eng,
            "apology_given": True,
        }
        fields.update(overrides)
        return services.complaint_register(**fields)

    return _register


def _deadline(complaint, kind) -> Deadline:
    content_type = ContentType.objects.get_for_model(Complaint)
    return Deadline.objects.get(content_type=content_type, object_id=complaint.pk, kind=kind)


def _events(complaint) -> list[str]:
    return list(ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))


def _refused(action, complaint, message=None):
    """The action raises ComplaintError and writes nothing."""
    before = (_events(complaint), Complaint.objects.get(pk=complaint.pk).status)
    with pytest.raises(ComplaintError) as exc:
        action()
    assert (_events(complaint), Complaint.objects.get(pk=complaint.pk).status) == before
    if message:
        assert message in str(exc.value)


def _to_signed_off(complaint, *, handler, head):
    services.complaint_triage(complaint_id=complaint.pk, by=handler, valid=True)
    services.complaint_report_result(complaint_id=complaint.pk, by=handler, result="已修复")
    services.complaint_sign_off(complaint_id=complaint.pk, by=head)


def _accepted(register, pete, hank, **overrides) -> Complaint:
    complaint = register(**overrides)
    _to_signed_off(complaint, handler=pete, head=hank)
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    return Complaint.objects.get(pk=complaint.pk)


# -- registering ---------------------------------------------------------------------------------


def test_it_records_the_apology_as_the_first_response_on_a_visit(register):
    """DOMAIN R-CMP-2, R-REC-3."""
    complaint = register()
    assert complaint.apology_given and complaint.first_response_at == MORNING
    first = _deadline(complaint, services.KIND_FIRST_RESPONSE)
    assert first.due_at == MORNING + 24 * H and first.met_at == MORNING


def test_it_refuses_a_call_without_the_apology(register):
    with pytest.raises(ComplaintError, match=r"致歉|Apologise"):
        register(channel="phone", apology_given=False)
    assert not Complaint.objects.exists()


def test_it_leaves_a_letters_first_response_due(register, pete):
    complaint = register(channel="letter", apology_given=False)
    assert complaint.first_response_at is None
    assert _deadline(complaint, services.KIND_FIRST_RESPONSE).met_at is None
    services.complaint_respond(
        complaint_id=complaint.pk, by=pete, note="已电话致歉并说明处理安排", apology_given=True
    )
    assert _deadline(complaint, services.KIND_FIRST_RESPONSE).met_at == MORNING


def test_it_notifies_the_manager_and_leadership_at_once_of_a_major_complaint(register, mona, leo, pete):
    """DOMAIN R-CMP-1 一报告, R-CMP-5."""
    complaint = register(severity="major", subject="群体性停车纠纷")
    assert Notification.objects.filter(recipient=mona, text__contains=complaint.number).exists()
    assert Notification.objects.filter(recipient=leo, text__contains=complaint.number).exists()
    assert not Notification.objects.filter(recipient=pete).exists()
    assert "complaint.major_reported" in _events(complaint)
    assert complaint.major_reported_at == MORNING


def test_it_sends_a_complaint_about_the_company_to_quality(register, quality_dept, quinn):
    """DOMAIN R-CMP-5."""
    complaint = register(category="company")
    assert complaint.department == quality_dept
    assert Notification.objects.filter(recipient=quinn, text__contains=complaint.number).exists()
    assert services.handler_roles(complaint) == {Role.QUALITY}


def test_it_takes_a_desk_record_over_with_its_first_response_deadline(
    alice, community_a, unit_a, owner, eng, pete
):
    record = reception.record_log(
        by=alice, community=community_a, unit=unit_a, owner=owner, kind="complaint", channel="letter",
        subject="楼上噪音",
    )  # fmt: skip
    row = Deadline.objects.get(object_id=record.pk, kind="reception.first_response")
    complaint = services.complaint_open_from_record(
        record_id=record.pk, by=alice, category="neighbours", severity="general", department=eng
    )
    record.refresh_from_db()
    assert record.status == ReceptionRecord.Status.CLOSED and record.outcome == "complaint"
    assert record.handover_number == complaint.number
    row.refresh_from_db()  # the same ledger row, now the complaint's
    assert (row.kind, row.object_id, row.met_at) == (services.KIND_FIRST_RESPONSE, complaint.pk, None)
    assert row.due_at == record.received_at + 24 * H


def test_it_refuses_to_take_over_a_record_of_another_kind(alice, community_a, unit_a, owner, eng):
    record = reception.record_log(by=alice, community=community_a, unit=unit_a, kind="repair", subject="漏水")
    with pytest.raises(ComplaintError):
        services.complaint_open_from_record(
            record_id=record.pk, by=alice, category="facilities", severity="general"
        )
    assert not Complaint.objects.exists()
    record.refresh_from_db()
    assert record.status == ReceptionRecord.Status.OPEN


# -- triage and who may act ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "severity", "allowed"),
    [
        ("alice", "general", False),  # a receptionist logs, she does not triage
        ("erin", "general", False),
        ("hank", "general", False),
        ("pete", "general", True),  # R-CMP-5: general ones are the property supervisor's
        ("mona", "general", True),
        ("pete", "serious", False),  # important ones are the CS center manager's
        ("mona", "serious", True),
        ("pete", "major", False),
        ("mona", "major", True),
        ("leo", "general", False),
        ("carol", "general", False),  # another community
    ],
)
def test_it_lets_only_the_handler_of_the_severity_triage(request, register, carol, actor, severity, allowed):
    complaint = register(severity=severity)
    user = request.getfixturevalue(actor)

    def triage():
        return services.complaint_triage(complaint_id=complaint.pk, by=user, valid=True)

    if allowed:
        triage()
        assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.PROCESSING
    else:
        _refused(triage, complaint)


def test_it_lets_only_quality_handle_a_complaint_about_the_company(register, quality_dept, quinn, mona):
    complaint = register(category="company")
    _refused(lambda: services.complaint_triage(complaint_id=complaint.pk, by=mona, valid=True), complaint)
    services.complaint_triage(complaint_id=complaint.pk, by=quinn, valid=True)


def test_it_refuses_an_invalid_triage_without_explanation_or_basis(register, pete):
    """DOMAIN R-CMP-3."""
    complaint = register()
    _refused(lambda: services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=False), complaint)
    _refused(
        lambda: services.complaint_triage(
            complaint_id=complaint.pk, by=pete, valid=False, explanation="按规定"
        ),
        complaint,
    )
    services.complaint_triage(
        complaint_id=complaint.pk,
        by=pete,
        valid=False,
        explanation="装修时间符合规定",
        basis="《装修管理规定》第八条",
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.validity == "invalid"
    assert not Deadline.objects.filter(object_id=complaint.pk, met_at__isnull=True).exists()


def test_it_refuses_a_second_triage(register, pete):
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    _refused(lambda: services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True), complaint)


# -- the 48 hours --------------------------------------------------------------------------------


def test_it_gives_a_general_valid_complaint_48_hours_from_receipt_and_escalates_the_breach(
    register, pete, hank, erin, _morning
):
    """DOMAIN R-CMP-4."""
    complaint = register(received_at=MORNING - 2 * H)
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    row = _deadline(complaint, services.KIND_RESOLVE)
    assert row.due_at == MORNING - 2 * H + 48 * H
    assert row.responsible_user == pete and row.escalate_role == Role.PROPERTY_SUPERVISOR
    _morning.move_to(row.due_at + datetime.timedelta(minutes=1))
    counts = deadline_sweep()
    assert counts["breached"] >= 1
    assert Notification.objects.filter(recipient=pete, text__contains="48").exists()
    assert deadline_sweep()["breached"] == 0  # once


def test_it_meets_the_48_hours_when_the_result_is_reported(register, pete):
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    services.complaint_report_result(complaint_id=complaint.pk, by=pete, result="已修复")
    row = _deadline(complaint, services.KIND_RESOLVE)
    assert row.met_at == MORNING and not row.met_late


def test_it_does_not_count_paused_time_against_the_48_hours(register, pete, _morning):
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    services.complaint_pause(complaint_id=complaint.pk, by=pete, reason="业主出差")
    _morning.move_to(MORNING + 60 * H)  # past the 48 hours, but paused
    assert deadline_sweep()["breached"] == 0
    services.complaint_resume(complaint_id=complaint.pk, by=pete)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.PROCESSING
    assert complaint.paused_seconds == 60 * 3600
    assert _deadline(complaint, services.KIND_RESOLVE).due_at == MORNING + 48 * H + 60 * H
    clock = [e for e in _events(complaint) if "paus" in e or "resum" in e]
    assert clock == ["complaint.paused", "complaint.resumed"]


def test_it_refuses_a_pause_without_a_reason_and_a_resume_when_running(register, pete):
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    _refused(lambda: services.complaint_pause(complaint_id=complaint.pk, by=pete, reason=" "), complaint)
    _refused(lambda: services.complaint_resume(complaint_id=complaint.pk, by=pete), complaint)


# -- escalation and work orders --------------------------------------------------------------------


def test_it_reports_a_serious_complaint_to_the_leader_who_issues_a_work_order(register, mona, leo, hank, eng):
    """DOMAIN R-CMP-5."""
    complaint = register(severity="serious")
    services.complaint_triage(complaint_id=complaint.pk, by=mona, valid=True)
    assert "complaint.reported_to_leader" in _events(complaint)
    assert Notification.objects.filter(recipient=leo, text__contains=complaint.number).exists()
    leader_row = _deadline(complaint, services.KIND_LEADER)
    assert leader_row.escalate_role == Role.LEADERSHIP
    with pytest.raises(ComplaintError):  # the leader writes the analysis
        services.complaint_issue_work_order(
            complaint_id=complaint.pk, by=leo, department=eng, task="检修排水泵", due_at=MORNING + 8 * H
        )
    work_order = services.complaint_issue_work_order(
        complaint_id=complaint.pk, by=leo, analysis="排水泵故障", department=eng, task="检修排水泵",
        due_at=MORNING + 8 * H, responsible_person=hank,
    )  # fmt: skip
    assert work_order.record is None and work_order.case_id == complaint.pk
    assert work_order.responsible_person == hank and work_order.case_number == complaint.number
    ledger = Deadline.objects.get(object_id=work_order.pk, kind="reception.work_order")
    assert ledger.due_at == MORNING + 8 * H and ledger.responsible_user == hank
    leader_row.refresh_from_db()
    assert leader_row.met_at == MORNING
    complaint.refresh_from_db()
    assert complaint.assignee == hank and complaint.analysis == "排水泵故障"


def test_it_waits_for_the_work_orders_result_before_the_complaints(register, mona, leo, hank, erin, eng):
    complaint = register(severity="serious")
    services.complaint_triage(complaint_id=complaint.pk, by=mona, valid=True)
    work_order = services.complaint_issue_work_order(
        complaint_id=complaint.pk,
        by=leo,
        analysis="分析",
        department=eng,
        task="检修",
        due_at=MORNING + 8 * H,
    )
    _refused(
        lambda: services.complaint_report_result(complaint_id=complaint.pk, by=mona, result="好了"), complaint
    )
    reception.work_order_sign(work_order_id=work_order.pk, by=erin)
    reception.work_order_report(work_order_id=work_order.pk, by=erin, result="更换排水泵")
    assert Notification.objects.filter(recipient=mona, text__contains=work_order.number).exists()
    services.complaint_report_result(complaint_id=complaint.pk, by=mona, result="排水泵已更换")
    assert WorkOrder.objects.get(pk=work_order.pk).status == WorkOrder.Status.DONE


# -- result, sign-off and the owner's answer -----------------------------------------------------------


def test_it_lets_only_a_head_of_the_responsible_department_sign_off(register, pete, hank, erin, cody, mona):
    """DOMAIN R-CMP-6."""
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    services.complaint_report_result(complaint_id=complaint.pk, by=erin, result="已修复")  # the solver
    for user in (erin, cody, mona, pete):  # staff, another department's head, managers
        _refused(lambda user=user: services.complaint_sign_off(complaint_id=complaint.pk, by=user), complaint)
    services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.SIGNED_OFF and complaint.signed_off_by == hank


def test_it_loops_reject_and_replan_twice_then_accepts(register, pete, hank):
    """DOMAIN R-CMP-7: each round on the timeline; acceptance plans the call-back."""
    complaint = register()
    _to_signed_off(complaint, handler=pete, head=hank)
    for round_ in (2, 3):
        services.complaint_owner_rejects(
            complaint_id=complaint.pk, by=pete, objection=f"第{round_ - 1}次方案不认可",
            new_plan=f"方案{round_}", due_at=MORNING + 12 * H,
        )  # fmt: skip
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.PROCESSING and complaint.plan_round == round_
        assert complaint.result == "" and complaint.signed_off_at is None  # superseded by the new round
        services.complaint_report_result(complaint_id=complaint.pk, by=pete, result=f"按方案{round_}处理")
        services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACCEPTED
    rejected = ComplaintEvent.objects.filter(complaint=complaint, kind="complaint.owner_rejected")
    assert [e.data["round"] for e in rejected] == [2, 3]
    callback = Callback.objects.get(complaint=complaint)
    assert services.within_call_hours(callback.planned_at)
    assert callback.planned_at == MORNING + datetime.timedelta(days=3)  # facilities: 3 days (R-CB-2)
    assert callback.assigned_to == pete


def test_it_records_a_complaint_that_cannot_be_solved_with_its_next_reply(register, pete, _morning):
    """DOMAIN R-CMP-8."""
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    _refused(
        lambda: services.complaint_mark_unsolvable(
            complaint_id=complaint.pk, by=pete, reason="需开发商维修", next_reply_at=MORNING - H
        ),
        complaint,
    )
    services.complaint_mark_unsolvable(
        complaint_id=complaint.pk, by=pete, reason="需开发商维修", next_reply_at=MORNING + 72 * H
    )
    row = _deadline(complaint, services.KIND_NEXT_REPLY)
    assert row.due_at == MORNING + 72 * H
    services.complaint_reply_again(
        complaint_id=complaint.pk, by=pete, note="开发商已排期", next_reply_at=MORNING + 96 * H
    )
    rows = Deadline.objects.filter(object_id=complaint.pk, kind=services.KIND_NEXT_REPLY).order_by("due_at")
    assert [r.met_at is not None for r in rows] == [True, False]
    services.complaint_take_up(complaint_id=complaint.pk, by=pete, note="材料已到")
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.PROCESSING


# -- call-backs ----------------------------------------------------------------------------------


def test_it_closes_the_complaint_when_the_owner_is_satisfied(register, pete, hank):
    complaint = _accepted(register, pete, hank)
    callback = complaint.callbacks.get()
    services.callback_record(
        callback_id=callback.pk, by=pete, called_at=MORNING, quality_rating="satisfied",
        effect_rating="basic", satisfaction="basic",
    )  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert not Deadline.objects.filter(object_id=complaint.pk, met_at__isnull=True).exists()


def test_it_reopens_a_complaint_the_owner_is_not_satisfied_with(register, pete, hank, erin):
    """DOMAIN R-CB-4."""
    complaint = _accepted(register, pete, hank)
    callback = complaint.callbacks.get()
    fields = {"callback_id": callback.pk, "by": pete, "called_at": MORNING, "quality_rating": "basic",
              "effect_rating": "dissatisfied", "satisfaction": "dissatisfied"}  # fmt: skip
    _refused(lambda: services.callback_record(**fields), complaint)  # who, what and when are required
    nxt = MORNING + 48 * H
    services.callback_record(**fields, assignee=erin, fix_note="更换水泵减震垫", next_callback_at=nxt)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.PROCESSING
    assert complaint.reopen_count == 1 and complaint.assignee == erin
    planned = Callback.objects.get(complaint=complaint, status=Callback.Status.PLANNED)
    assert planned.planned_at == nxt
    assert Notification.objects.filter(recipient=erin, text__contains=complaint.number).exists()
    # back through result and sign-off; the planned call-back is kept, not doubled
    services.complaint_report_result(complaint_id=complaint.pk, by=erin, result="已加装减震垫")
    services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    assert Callback.objects.filter(complaint=complaint, status=Callback.Status.PLANNED).count() == 1


def test_it_refuses_a_call_back_at_half_past_ten_at_night(register, pete, hank, _morning):
    """DOMAIN R-CB-6."""
    complaint = _accepted(register, pete, hank)
    callback = complaint.callbacks.get()
    late = datetime.datetime(2026, 11, 23, 22, 30, tzinfo=SHANGHAI)
    _refused(
        lambda: services.callback_reschedule(callback_id=callback.pk, by=pete, planned_at=late),
        complaint,
        "22:00",
    )
    _morning.move_to(late + H)
    _refused(
        lambda: services.callback_record(
            callback_id=callback.pk,
            by=pete,
            called_at=late,
            quality_rating="satisfied",
            effect_rating="satisfied",
            satisfaction="satisfied",
        ),
        complaint,
        "22:00",
    )


def test_it_moves_an_automatic_call_back_out_of_the_night(register, pete, hank, _morning):
    _morning.move_to(datetime.datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI))
    complaint = _accepted(register, pete, hank)
    planned = complaint.callbacks.get().planned_at.astimezone(SHANGHAI)
    assert (planned.date(), planned.hour) == (datetime.date(2026, 11, 27), 9)


def test_it_tries_an_unreachable_owner_the_next_day_and_gives_up_after_three(register, pete, hank, _morning):
    complaint = _accepted(register, pete, hank)
    callback = complaint.callbacks.get()
    for attempt in (1, 2):
        services.callback_unreachable(callback_id=callback.pk, by=pete, attempted_at=MORNING)
        callback.refresh_from_db()
        assert callback.attempts == attempt and callback.status == Callback.Status.PLANNED
        assert callback.planned_at == MORNING + 24 * H  # the next day, same time
        assert _deadline(complaint, services.KIND_CALLBACK).due_at == callback.planned_at
    services.callback_unreachable(callback_id=callback.pk, by=pete, attempted_at=MORNING)
    callback.refresh_from_db()
    complaint.refresh_from_db()
    assert callback.status == Callback.Status.UNREACHABLE
    assert complaint.status == Complaint.Status.CLOSED


def test_it_lets_only_the_cs_center_manager_call_back_on_a_major_complaint(register, pete, hank, mona):
    """DOMAIN R-CB-1."""
    complaint = register(severity="major")
    _to_signed_off(complaint, handler=mona, head=hank)
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=mona)
    callback = Callback.objects.get(complaint=complaint)
    assert callback.assigned_to == mona
    fields = {"callback_id": callback.pk, "called_at": MORNING, "quality_rating": "satisfied",
              "effect_rating": "satisfied", "satisfaction": "satisfied"}  # fmt: skip
    _refused(lambda: services.callback_record(by=pete, **fields), complaint, "客服中心经理")
    services.callback_record(by=mona, **fields)


# -- five clears ----------------------------------------------------------------------------------


def _ticks(complaint):
    complaint = Complaint.objects.get(pk=complaint.pk)
    work_orders = selectors.complaint_work_orders(complaint=complaint)
    events = selectors.complaint_timeline(complaint=complaint, work_orders=work_orders)
    return [
        c["done"] for c in selectors.five_clears(complaint=complaint, events=events, work_orders=work_orders)
    ]


def test_it_ticks_the_five_clears_from_the_data(register, pete, hank, mona, eng):
    """DOMAIN R-CMP-1."""
    complaint = register(details="", request="")
    assert _ticks(complaint) == [False, False, False, False, False, None]
    complaint = register()
    assert _ticks(complaint) == [True, True, False, False, False, None]
    _to_signed_off(complaint, handler=pete, head=hank)
    assert _ticks(complaint) == [True, True, True, False, True, None]
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    assert _ticks(complaint) == [True, True, True, True, True, None]
    major = register(severity="major")
    assert _ticks(major)[-1] is True
    services.complaint_triage(complaint_id=major.pk, by=mona, valid=True)
    services.complaint_issue_work_order(
        complaint_id=major.pk, by=mona, analysis="分析", department=eng, task="检修", due_at=MORNING + 5 * H
    )
    assert _ticks(major)[2] is False  # a work order without its result: not followed to the end
