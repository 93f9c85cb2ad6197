"""Issue 11 item 8: two staff members performing the same step on one case at the same moment,
each on their own database connection. Exactly one succeeds, the other is refused with the app's
message, and the timeline holds one event. The services lock the case row (select_for_update) and
check its state again after the lock, so the second one sees the first one's work."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from archives.models import LookupRequest
from archives.services import ArchiveError, lookup_approve, lookup_request
from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintEvent
from complaints.services import ComplaintError
from propsvc.models import Notification
from propsvc.roles import Role
from reception import services as reception_services
from reception.models import ReceptionEvent, ReceptionRecord
from reception.services import ReceptionError
from tests.conftest import _member
from tests.reliability.conftest import race
from violations import services as violation_services
from violations.models import Violation, ViolationEvent
from violations.services import ViolationError

pytestmark = pytest.mark.django_db(transaction=True)

CJK = re.compile(r"[\u4e00-\u9fff]")


def outcome(results):
    ok = [value for kind, value in results if kind == "ok"]
    errors = [value for kind, value in results if kind == "error"]
    return ok, errors


def zh(msgid: str) -> str:
    with override("zh-hans"):
        return gettext(msgid)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- a complaint: triage -------------------------------------------------------------------------


def test_two_handlers_triaging_one_complaint_at_once_triage_it_once(register, pete, pat):
    complaint = register()

    def triage(by):
        return lambda: complaint_services.complaint_triage(
            complaint_id=complaint.pk, by=by, valid=True, plan="派工程部检修"
        )

    ok, errors = outcome(race(triage(pete), triage(pat)))

    assert len(ok) == 1
    assert len(errors) == 1 and isinstance(errors[0], ComplaintError)
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.PROCESSING
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="complaint.triaged_valid").count() == 1


def test_two_handlers_triaging_through_the_page_see_one_success_and_one_clear_refusal(register, pete, pat):
    complaint = register()
    url = f"/complaints/{complaint.pk}/triage/"
    clients = [client_for(pete), client_for(pat)]
    data = {"triage-valid": "valid", "triage-plan": "派工程部检修"}

    results = race(*(lambda c=c: c.post(url, data) for c in clients))

    responses = [value for kind, value in results if kind == "ok"]
    assert len(responses) == 2, results  # neither page crashed
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 400]
    refused = next(r for r in responses if r.status_code == 400).content.decode()
    assert zh("This complaint has already been triaged.") in refused
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="complaint.triaged_valid").count() == 1


# -- a violation: the rectification deadline ------------------------------------------------------


def test_two_handlers_setting_a_rectification_at_once_set_it_once(clock, pete, pat, unit_a, owner_a):
    stella = _member("stella", unit_a.community, Role.AREA_STEWARD)
    violation = violation_services.violation_register(
        by=stella, community=unit_a.community, unit=unit_a, owner=owner_a, category="sanitation",
        subtype="piling", description="楼道堆放纸箱", observed_at=timezone.now(),
    )  # fmt: skip
    due = timezone.localdate() + timezone.timedelta(days=3)

    def rectify(by):
        return lambda: violation_services.violation_set_rectification(
            violation_id=violation.pk, by=by, requirement="三日内清理楼道纸箱", due_date=due
        )

    ok, errors = outcome(race(rectify(pete), rectify(pat)))

    assert len(ok) == 1
    assert len(errors) == 1 and isinstance(errors[0], ViolationError)
    assert Violation.objects.get(pk=violation.pk).status == Violation.Status.RECTIFYING
    events = ViolationEvent.objects.filter(violation=violation, kind="violation.rectification_set")
    assert events.count() == 1
    assert violation.measures.filter(kind="rectification").count() == 1


def test_two_handlers_setting_a_rectification_through_the_page_get_a_clear_refusal(
    clock, pete, pat, unit_a, owner_a
):
    stella = _member("stella", unit_a.community, Role.AREA_STEWARD)
    violation = violation_services.violation_register(
        by=stella, community=unit_a.community, unit=unit_a, owner=owner_a, category="sanitation",
        subtype="piling", description="楼道堆放纸箱", observed_at=timezone.now(),
    )  # fmt: skip
    due = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    url = f"/violations/{violation.pk}/rectify/"
    clients = [client_for(pete), client_for(pat)]
    data = {"rectify-requirement": "三日内清理楼道纸箱", "rectify-due_date": due}

    results = race(*(lambda c=c: c.post(url, data, follow=True) for c in clients))

    responses = [value for kind, value in results if kind == "ok"]
    assert len(responses) == 2, results
    assert all(r.status_code in (200, 400) for r in responses)
    events = ViolationEvent.objects.filter(violation=violation, kind="violation.rectification_set")
    assert events.count() == 1
    pages = [r.content.decode() for r in responses]
    refused = [p for p in pages if "alert-danger" in p or "invalid-feedback" in p or "errorlist" in p]
    assert refused, "the second handler was not told"


# -- a reception record: handled on the spot -----------------------------------------------------


def test_two_receptionists_handling_one_record_at_once_handle_it_once(log, alice, community_a):
    rita = _member("rita", community_a, Role.RECEPTIONIST)
    record = log()

    def handle(by):
        return lambda: reception_services.record_handle(record_id=record.pk, by=by, note="已告知业主维修时间")

    ok, errors = outcome(race(handle(alice), handle(rita)))

    assert len(ok) == 1
    assert len(errors) == 1 and isinstance(errors[0], ReceptionError)
    assert ReceptionRecord.objects.get(pk=record.pk).status == ReceptionRecord.Status.CLOSED
    closing = ReceptionEvent.objects.filter(record=record, to_status=ReceptionRecord.Status.CLOSED)
    assert closing.count() == 1


def test_two_receptionists_handling_through_the_page_see_a_clear_refusal(log, alice, community_a):
    rita = _member("rita", community_a, Role.RECEPTIONIST)
    record = log()
    url = f"/reception/{record.pk}/handle/"
    clients = [client_for(alice), client_for(rita)]

    results = race(*(lambda c=c: c.post(url, {"note": "已告知业主维修时间"}) for c in clients))

    responses = [value for kind, value in results if kind == "ok"]
    assert sorted(r.status_code for r in responses) == [302, 400]
    refused = next(r for r in responses if r.status_code == 400).content.decode()
    assert "已办结" in refused and CJK.search(refused)
    closing = ReceptionEvent.objects.filter(record=record, to_status=ReceptionRecord.Status.CLOSED)
    assert closing.count() == 1


# -- an archive look-up: the manager's approval --------------------------------------------------


def test_two_managers_approving_one_look_up_at_once_approve_it_once(alice, mona, unit_a, community_a):
    nora = _member("nora", community_a, Role.CS_MANAGER)
    _member("dave", community_a, Role.ARCHIVIST)
    lookup = lookup_request(by=alice, unit_id=unit_a.pk, reason="业主委托办理车位登记，核对车辆信息")
    before = Notification.objects.count()

    def approve(by):
        return lambda: lookup_approve(request_id=lookup.pk, by=by, note="同意")

    ok, errors = outcome(race(approve(mona), approve(nora)))

    assert len(ok) == 1
    assert len(errors) == 1 and isinstance(errors[0], ArchiveError)
    lookup.refresh_from_db()
    assert lookup.status == LookupRequest.Status.APPROVED
    assert lookup.decided_by_id == ok[0].decided_by_id
    # one approval: the archivist and the requester are told once each
    assert Notification.objects.count() - before == 2


def test_two_managers_approving_through_the_page_see_a_clear_refusal(alice, mona, unit_a, community_a):
    nora = _member("nora", community_a, Role.CS_MANAGER)
    _member("dave", community_a, Role.ARCHIVIST)
    lookup = lookup_request(by=alice, unit_id=unit_a.pk, reason="业主委托办理车位登记，核对车辆信息")
    url = f"/archives/lookups/{lookup.pk}/approve/"
    clients = [client_for(mona), client_for(nora)]

    results = race(*(lambda c=c: c.post(url, {"note": "同意"}, follow=True) for c in clients))

    responses = [value for kind, value in results if kind == "ok"]
    assert len(responses) == 2 and all(r.status_code == 200 for r in responses)
    # (r.context is shared between threads by the test client's signal: read the pages themselves)
    pages = [r.content.decode() for r in responses]
    refusal = "不能变为"  # 该查阅申请当前为“已批准，待登记”，不能变为“已批准，待登记”。
    assert sorted(refusal in page for page in pages) == [False, True]
    assert all(zh("Approved.") in page for page in pages if refusal not in page)
    assert LookupRequest.objects.get(pk=lookup.pk).status == LookupRequest.Status.APPROVED
