"""The complaint pages: list, detail, every step posted through the browser's forms, call-backs.

Actors (this module): alice — receptionist A; pete — property supervisor A; mona — CS center
manager A; hank — engineering head A; erin — engineering staff A; carol — receptionist B.
"""

import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from complaints import services
from complaints.models import Callback, Complaint, ComplaintEvent
from propsvc.models import Department
from propsvc.roles import Role
from reception import services as reception
from tests.conftest import _member
from tests.factories import DepartmentFactory, OwnershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def eng(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)


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
def owner(unit_a):
    return OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile="13812345678").owner


@pytest.fixture
def register(alice, community_a, unit_a, owner, eng, pete, mona, hank):
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


def _post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


# -- list ---------------------------------------------------------------------------------------


def test_it_sends_anonymous_users_to_login(client):
    r = client.get("/complaints/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_it_refuses_the_list_to_staff_without_a_role(client, bob):
    client.force_login(bob)
    assert client.get("/complaints/").status_code == 403


def test_it_lists_only_the_users_community(client, register, carol, community_b):
    complaint = register()
    client.force_login(carol)
    r = client.get("/complaints/")
    assert r.status_code == 200
    assert complaint.number not in r.content.decode()


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_in_constant_queries(client, register, pete):
    client.force_login(pete)
    register()
    one = _count_queries(client, "/complaints/")
    for _ in range(4):
        register()
    five = _count_queries(client, "/complaints/")
    # session, user, memberships, communities, count, page (joined), filter choices
    assert one == five
    assert five <= 10


def test_it_filters_by_queue_status_and_search(client, register, pete):
    general = register(subject="楼道垃圾未清运", category="cleaning")
    register(subject="车库积水", severity="serious")
    client.force_login(pete)
    page = client.get("/complaints/?view=triage&category=cleaning").content.decode()
    assert general.number in page and "车库积水" not in page
    page = client.get("/complaints/?q=车库").content.decode()
    assert "车库积水" in page and "楼道垃圾未清运" not in page


def test_it_exports_the_filtered_list_to_excel(client, register, pete):
    register(subject="楼道垃圾未清运", category="cleaning")
    register(subject="车库积水")
    client.force_login(pete)
    r = client.get("/complaints/export/?category=cleaning")
    assert r.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + one complaint
    assert "楼道垃圾未清运" in rows[1]


# -- detail -------------------------------------------------------------------------------------


def test_it_hides_another_communitys_complaint(client, register, carol):
    complaint = register()
    client.force_login(carol)
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 404
    r = client.post(f"/complaints/{complaint.pk}/triage/", {"triage-valid": "valid"})
    assert r.status_code in (403, 404)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.NEW


def test_it_shows_the_detail_in_constant_queries(client, register, mona, hank, eng):
    """However many work orders, events and pauses, the detail page runs the same queries."""

    def serious_with(orders: int) -> Complaint:
        complaint = register(severity="serious")
        services.complaint_triage(complaint_id=complaint.pk, by=mona, valid=True)
        for hours in range(orders):
            services.complaint_issue_work_order(
                complaint_id=complaint.pk, by=mona, department=eng, task="检修",
                due_at=datetime.datetime.now(tz=SHANGHAI) + datetime.timedelta(hours=5 + hours),
                responsible_person=hank,
            )  # fmt: skip
        for _ in range(orders - 1):
            services.complaint_pause(complaint_id=complaint.pk, by=mona, reason="业主出差")
            services.complaint_resume(complaint_id=complaint.pk, by=mona)
        return complaint

    small, large = serious_with(1), serious_with(4)
    client.force_login(mona)
    assert _count_queries(client, f"/complaints/{small.pk}/") == _count_queries(
        client, f"/complaints/{large.pk}/"
    )
    assert _count_queries(client, f"/complaints/{large.pk}/") <= 25


def test_it_ticks_the_five_clears_from_the_data(client, register, pete):
    complaint = register(details="", request="")
    client.force_login(pete)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert page.count("bi-check-circle-fill") == 0
    complaint = register()  # details and request recorded
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert page.count("bi-check-circle-fill") == 2  # listen clearly, ask clearly


def test_it_requires_post_for_a_step(client, register, pete):
    complaint = register()
    client.force_login(pete)
    assert client.get(f"/complaints/{complaint.pk}/triage/").status_code == 405


def test_it_refuses_an_invalid_triage_without_explanation_and_keeps_the_data(client, register, pete):
    complaint = register()
    r = _post(client, pete, f"/complaints/{complaint.pk}/triage/", {"triage-valid": "invalid"})
    assert r.status_code == 400
    assert "请写明向业主所作的解释" in r.content.decode() or "explanation" in r.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.NEW
    assert not ComplaintEvent.objects.filter(
        complaint=complaint, kind__startswith="complaint.triaged"
    ).exists()


def test_it_refuses_a_step_to_a_role_without_the_permission(client, register, alice):
    complaint = register()
    r = _post(client, alice, f"/complaints/{complaint.pk}/triage/", {"triage-valid": "valid"})
    assert r.status_code == 403


def test_it_shows_the_services_refusal_as_a_message(client, register, pete):
    serious = register(severity="serious")
    r = _post(client, pete, f"/complaints/{serious.pk}/triage/", {"triage-valid": "valid"})
    assert r.status_code == 400  # a serious complaint is the CS center manager's (R-CMP-5)
    serious.refresh_from_db()
    assert serious.status == Complaint.Status.NEW


# -- the whole journey through the pages -----------------------------------------------------------


def _local(dt):
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_it_takes_a_desk_complaint_through_to_a_reopening_call_back(
    client, alice, pete, hank, erin, eng, community_a, unit_a, owner
):
    """Done when: desk → complaint → triage → work order → result → sign-off → rejection → new plan →
    result → sign-off → acceptance → dissatisfied call-back reopens it (R-CMP-2…7, R-CB-3, R-CB-4)."""
    with time_machine.travel(MORNING, tick=False):
        record = reception.record_log(
            by=alice, community=community_a, unit=unit_a, owner=owner, kind="complaint", channel="visit",
            subject="楼上漏水到我家", details="卫生间天花板滴水", request="尽快维修",
        )  # fmt: skip
        client.force_login(alice)
        page = client.get(f"/reception/{record.pk}/").content.decode()
        assert f"/complaints/from-record/{record.pk}/" in page
        r = client.post(
            f"/complaints/from-record/{record.pk}/",
            {"category": "facilities", "severity": "general", "department": eng.pk, "apology_given": "on"},
        )
        complaint = Complaint.objects.get(record=record)
        assert r.status_code == 302 and r["Location"] == f"/complaints/{complaint.pk}/"
        due = _local(datetime.datetime.now(tz=SHANGHAI) + datetime.timedelta(hours=6))
        steps = [
            (pete, "triage", {"triage-valid": "valid", "triage-plan": "派工程部上门检修"}),
            (pete, "work-order", {"work-order-department": eng.pk, "work-order-task": "检修楼上管道",
                                  "work-order-responsible_person": erin.pk, "work-order-due_at": due}),
        ]  # fmt: skip
        for user, step, data in steps:
            r = _post(client, user, f"/complaints/{complaint.pk}/{step}/", data)
            assert r.status_code == 302, (step, r.content.decode()[:2000])
        work_order = services.WorkOrder.objects.get(case_id=complaint.pk)
        client.force_login(erin)
        assert client.post(f"/reception/work-orders/{work_order.pk}/sign/").status_code == 302
        r = client.post(f"/reception/work-orders/{work_order.pk}/report/", {"result": "更换了楼上漏水管段"})
        assert r.status_code == 302
        steps = [
            (erin, "result", {"result-result": "已更换漏水管段"}),
            (erin, "sign-off", {"sign-off-note": ""}),  # staff may not sign off
        ]
        r = _post(client, erin, f"/complaints/{complaint.pk}/result/", steps[0][2])
        assert r.status_code == 302
        assert _post(client, erin, f"/complaints/{complaint.pk}/sign-off/", {}).status_code == 403
        assert _post(client, hank, f"/complaints/{complaint.pk}/sign-off/", {}).status_code == 302
        r = _post(
            client, pete, f"/complaints/{complaint.pk}/reject/",
            {"reject-objection": "天花板还有水渍", "reject-new_plan": "重新做防水并修补天花板",
             "reject-due_at": due},
        )  # fmt: skip
        assert r.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == Complaint.Status.PROCESSING and complaint.plan_round == 2
        assert (
            _post(
                client, erin, f"/complaints/{complaint.pk}/result/", {"result-result": "防水重做"}
            ).status_code
            == 302
        )
        assert _post(client, hank, f"/complaints/{complaint.pk}/sign-off/", {}).status_code == 302
        assert (
            _post(
                client, pete, f"/complaints/{complaint.pk}/accept/", {"accept-note": "业主认可"}
            ).status_code
            == 302
        )
        callback = Callback.objects.get(complaint=complaint, status=Callback.Status.PLANNED)
    with time_machine.travel(callback.planned_at, tick=False):
        nxt = _local(callback.planned_at + datetime.timedelta(days=2))
        r = _post(
            client, pete, f"/complaints/{complaint.pk}/callback/",
            {"callback-called_at": _local(callback.planned_at), "callback-quality_rating": "basic",
             "callback-effect_rating": "dissatisfied", "callback-satisfaction": "dissatisfied",
             "callback-shortcomings": "仍有异味", "callback-assignee": erin.pk,
             "callback-fix_note": "再次检查管道", "callback-next_callback_at": nxt},
        )  # fmt: skip
        assert r.status_code == 302, r.content.decode()[:3000]
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.PROCESSING
    assert complaint.reopen_count == 1 and complaint.assignee == erin
    assert Callback.objects.filter(complaint=complaint, status=Callback.Status.PLANNED).count() == 1
    kinds = list(complaint.events.values_list("kind", flat=True))
    for kind in (
        "complaint.from_record", "complaint.triaged_valid", "complaint.work_order", "complaint.result",
        "complaint.signed_off", "complaint.owner_rejected", "complaint.owner_accepted", "callback.done",
        "complaint.reopened",
    ):  # fmt: skip
        assert kind in kinds
    client.force_login(pete)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "GD" in page and complaint.number in page


def test_it_refuses_a_call_back_recorded_at_half_past_ten_at_night(client, register, pete, hank):
    """DOMAIN R-CB-6: no call after 22:00."""
    with time_machine.travel(MORNING, tick=False):
        complaint = register()
        services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
        services.complaint_report_result(complaint_id=complaint.pk, by=pete, result="修好了")
        services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
        services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    late = datetime.datetime(2026, 11, 27, 22, 30, tzinfo=SHANGHAI)
    with time_machine.travel(late + datetime.timedelta(minutes=5), tick=False):
        r = _post(
            client, pete, f"/complaints/{complaint.pk}/callback/",
            {"callback-called_at": _local(late), "callback-quality_rating": "satisfied",
             "callback-effect_rating": "satisfied", "callback-satisfaction": "satisfied"},
        )  # fmt: skip
    assert r.status_code == 400
    assert "22:00" in r.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACCEPTED


def test_it_lists_the_planned_call_backs(client, register, pete, hank):
    complaint = register()
    services.complaint_triage(complaint_id=complaint.pk, by=pete, valid=True)
    services.complaint_report_result(complaint_id=complaint.pk, by=pete, result="修好了")
    services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    client.force_login(pete)
    page = client.get("/complaints/callbacks/?mine=1").content.decode()
    assert complaint.number in page


def test_it_registers_a_complaint_directly(client, pete, community_a, unit_a, owner, eng, mona, hank):
    client.force_login(pete)
    assert client.get("/complaints/new/").status_code == 200
    r = client.post(
        "/complaints/new/",
        {"unit": unit_a.pk, "channel": "phone", "subject": "夜间施工噪音", "category": "renovation",
         "severity": "general", "received_at": _local(datetime.datetime.now(tz=SHANGHAI)),
         "apology_given": "on"},
    )  # fmt: skip
    complaint = Complaint.objects.get(subject="夜间施工噪音")
    assert r.status_code == 302
    assert complaint.department == eng  # chosen from the category
    assert complaint.first_response_at is not None  # the apology on the phone is the first response


def test_it_refuses_a_call_without_an_apology(client, pete, community_a, unit_a, owner, eng):
    client.force_login(pete)
    r = client.post(
        "/complaints/new/",
        {"unit": unit_a.pk, "channel": "phone", "subject": "夜间施工噪音", "category": "renovation",
         "severity": "general", "received_at": _local(datetime.datetime.now(tz=SHANGHAI))},
    )  # fmt: skip
    assert r.status_code == 200
    assert not Complaint.objects.exists()


def test_it_refuses_a_step_the_state_does_not_allow(client, register, hank):
    complaint = register()  # awaiting triage: nothing to sign off yet
    r = _post(client, hank, f"/complaints/{complaint.pk}/sign-off/", {})
    assert r.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.NEW and complaint.signed_off_at is None


def test_it_offers_the_follow_up_after_logging_a_complaint_at_the_desk(
    client, alice, community_a, unit_a, owner
):
    client.force_login(alice)
    r = client.post(
        "/reception/new/",
        {"community": community_a.pk, "unit": unit_a.pk, "contact_type": "owner", "channel": "visit",
         "kind": "complaint", "subject": "楼上噪音",
         "received_at": _local(datetime.datetime.now(tz=SHANGHAI)),
         "outcome": ""},
    )  # fmt: skip
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "/complaints/from-record/" in page


def test_it_does_not_follow_up_a_record_of_another_kind(client, alice, community_a, unit_a, owner):
    record = reception.record_log(
        by=alice, community=community_a, unit=unit_a, owner=owner, kind="repair", subject="水管漏水"
    )
    client.force_login(alice)
    r = client.post(
        f"/complaints/from-record/{record.pk}/", {"category": "facilities", "severity": "general"}
    )
    assert r.status_code == 302 and r["Location"] == f"/reception/{record.pk}/"
    assert not Complaint.objects.exists()


def test_it_hides_another_communitys_record_from_the_follow_up(
    client, carol, alice, community_a, unit_a, owner
):
    record = reception.record_log(
        by=alice, community=community_a, unit=unit_a, owner=owner, kind="complaint", subject="噪音"
    )
    client.force_login(carol)
    assert client.get(f"/complaints/from-record/{record.pk}/").status_code == 404
