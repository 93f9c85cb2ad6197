"""complaints.services: registering a complaint, directly or from a desk record (R-CMP-1, R-CMP-2,
R-REC-3)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from complaints import services
from complaints.models import Complaint
from propsvc.models import Deadline
from propsvc.roles import Role
from reception import services as reception
from reception.models import ReceptionRecord
from tests.complaints.conftest import (
    MORNING,
    H,
    deadline,
    deadlines,
    events,
    fresh,
    inbox,
    refused,
    triage,
)

pytestmark = pytest.mark.usefixtures("clock")


# -- directly --------------------------------------------------------------------------------------


def test_it_registers_a_visit_with_the_apology_as_its_first_response(register, alice, eng_a):
    """DOMAIN R-CMP-2, R-REC-3: on a visit the apology is the first response, given there and then."""
    complaint = register()
    assert complaint.status == Complaint.Status.NEW
    assert complaint.received_by == alice and complaint.received_at == MORNING
    assert complaint.department == eng_a and complaint.apology_given
    assert complaint.first_response_at == MORNING and complaint.first_response_by == alice
    row = deadline(complaint, services.KIND_FIRST_RESPONSE)
    assert row.due_at == MORNING + 24 * H and row.met_at == MORNING
    assert row.responsible_user == alice and row.escalate_role == Role.PROPERTY_SUPERVISOR
    assert events(complaint) == ["complaint.registered", "complaint.first_response"]


@pytest.mark.parametrize("channel", ["visit", "phone"])
def test_it_refuses_a_live_complaint_without_the_apology(register, channel):
    """DOMAIN R-CMP-2: on a visit or a call the staff member apologises on receipt."""
    refused(lambda: register(channel=channel, apology_given=False))
    assert not Complaint.objects.exists() and not Deadline.objects.exists()


def test_it_leaves_the_first_response_of_a_letter_due_for_24_hours(register, pete):
    """DOMAIN R-REC-3: a letter is answered later; the 24-hour row stays open until then."""
    complaint = register(channel="letter", apology_given=False, received_at=MORNING - 3 * H)
    row = deadline(complaint, services.KIND_FIRST_RESPONSE)
    assert complaint.first_response_at is None
    assert row.due_at == MORNING + 21 * H and row.met_at is None
    refused(
        lambda: services.complaint_respond(
            complaint_id=complaint.pk, by=pete, note="已致电业主", apology_given=False
        ),
        complaint,
    )
    refused(
        lambda: services.complaint_respond(complaint_id=complaint.pk, by=pete, note=" ", apology_given=True),
        complaint,
    )
    services.complaint_respond(
        complaint_id=complaint.pk, by=pete, note="已致电业主致歉，明日上门检查", apology_given=True
    )
    complaint = fresh(complaint)
    assert complaint.first_response_by == pete and complaint.apology_given
    row.refresh_from_db()
    assert row.met_at == MORNING and not row.met_late
    refused(  # once only
        lambda: services.complaint_respond(
            complaint_id=complaint.pk, by=pete, note="再次", apology_given=True
        ),
        complaint,
    )


@pytest.mark.parametrize("actor", ["bob", "carol", "erin", "hank", "leo"])
def test_it_refuses_registration_to_who_may_not_register_here(request, register, actor):
    """Registering is the desk's (and quality's); department staff, leadership and another
    community's receptionist may not."""
    refused(lambda: register(by=request.getfixturevalue(actor)))
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("actor", ["alice", "pete", "mona", "sam", "quinn"])
def test_it_lets_the_desk_and_quality_register(request, register, actor):
    user = request.getfixturevalue(actor)
    assert register(by=user).received_by == user


def test_it_refuses_a_unit_or_department_of_another_community(register, unit_b, eng_b):
    refused(lambda: register(unit=unit_b, owner=None))
    refused(lambda: register(department=eng_b))
    assert not Complaint.objects.exists()


def test_it_refuses_bad_facts(register):
    refused(lambda: register(unit=None, owner=None, contact_name=" "))  # who complains?
    refused(lambda: register(subject=" "))
    refused(lambda: register(category="weather"))
    refused(lambda: register(severity="apocalyptic"))
    refused(lambda: register(department=None))
    refused(lambda: register(received_at=MORNING + H))  # not in the future
    assert not Complaint.objects.exists()


def test_it_accepts_a_complainant_without_a_unit(register):
    complaint = register(unit=None, owner=None, contact_name="李先生", contact_phone="13900001111")
    assert complaint.who == "李先生" and complaint.place == ""


def test_it_reports_a_major_complaint_at_once_to_the_center_manager_and_leadership(
    register, alice, mona, leo, pete, mike
):
    """DOMAIN R-CMP-1 一报告, R-REC-6: told on registration, before anyone has triaged it."""
    complaint = register(severity="major", subject="地下车库多户车辆被淹")
    assert complaint.status == Complaint.Status.NEW
    assert complaint.major_reported_at == MORNING
    for user in (mona, leo):
        [text] = inbox(user)
        assert complaint.number in text and "地下车库多户车辆被淹" in text
    assert inbox(mike) == []  # the manager of another community
    assert inbox(pete) == [] and inbox(alice) == []
    assert "complaint.major_reported" in events(complaint)


@pytest.mark.parametrize("severity", ["general", "serious"])
def test_it_reports_nothing_on_registration_below_major(register, mona, leo, severity):
    complaint = register(severity=severity)
    assert complaint.major_reported_at is None
    assert inbox(mona) == [] and inbox(leo) == []
    assert "complaint.major_reported" not in events(complaint)


def test_it_sends_a_complaint_about_the_company_to_the_quality_department(
    register, quality_dept, quinn, eng_a
):
    """DOMAIN R-CMP-5: complaints about the company as a whole go to the quality department."""
    complaint = register(category="company", department=eng_a)  # the chosen department is overridden
    assert complaint.department == quality_dept
    [text] = inbox(quinn)
    assert complaint.number in text
    assert "complaint.to_quality" in events(complaint)
    assert services.handler_roles(complaint) == {Role.QUALITY}
    assert deadline(complaint, services.KIND_FIRST_RESPONSE).escalate_role == Role.QUALITY


def test_it_refuses_a_complaint_about_the_company_without_a_quality_department(register, quinn):
    refused(lambda: register(category="company"))
    assert not Complaint.objects.exists()


# -- from a reception record -----------------------------------------------------------------------


@pytest.fixture
def complaint_record(log):
    """A letter of kind complaint at the desk: its 24-hour first response is still due."""
    return log(kind="complaint", channel="letter", subject="楼上装修噪音", received_at=MORNING - 2 * H)


def test_it_takes_a_complaint_record_over_with_the_same_first_response_row(complaint_record, alice, eng_a):
    """DOMAIN R-CMP-2: the record closes with outcome "complaint"; its 24-hour deadline moves over."""
    row = Deadline.objects.get(object_id=complaint_record.pk, kind="reception.first_response")
    complaint = services.complaint_open_from_record(
        record_id=complaint_record.pk, by=alice, category="neighbours", severity="general", department=eng_a
    )
    complaint_record.refresh_from_db()
    assert complaint_record.status == ReceptionRecord.Status.CLOSED
    assert complaint_record.outcome == ReceptionRecord.Outcome.COMPLAINT
    assert complaint_record.handover_number == complaint.number
    assert complaint.record == complaint_record
    assert (complaint.subject, complaint.received_at, complaint.unit) == (
        "楼上装修噪音",
        MORNING - 2 * H,
        complaint_record.unit,
    )
    row.refresh_from_db()  # one obligation, one row: now the complaint's
    assert row.kind == services.KIND_FIRST_RESPONSE
    assert row.content_type == ContentType.objects.get_for_model(Complaint) and row.object_id == complaint.pk
    assert row.due_at == MORNING + 22 * H and row.met_at is None
    assert list(deadlines(complaint)) == [row]
    assert events(complaint) == ["complaint.from_record"]


def test_it_meets_the_moved_row_when_a_visit_record_is_taken_over_with_the_apology(log, alice, eng_a):
    record = log(kind="complaint", channel="visit", subject="保安态度差")
    row = Deadline.objects.get(object_id=record.pk, kind="reception.first_response")
    complaint = services.complaint_open_from_record(
        record_id=record.pk, by=alice, category="security", severity="general", department=eng_a,
        apology_given=True, response_note="当面致歉，承诺今日内答复",
    )  # fmt: skip
    row.refresh_from_db()
    assert (row.kind, row.object_id, row.met_at) == (services.KIND_FIRST_RESPONSE, complaint.pk, MORNING)
    assert fresh(complaint).first_response_note == "当面致歉，承诺今日内答复"


def test_it_refuses_a_live_record_without_the_apology(log, alice, eng_a):
    record = log(kind="complaint", channel="phone", subject="保安态度差")
    refused(
        lambda: services.complaint_open_from_record(
            record_id=record.pk, by=alice, category="security", severity="general", department=eng_a
        )
    )
    record.refresh_from_db()
    assert record.status == ReceptionRecord.Status.OPEN and record.outcome == ""
    assert Deadline.objects.get(object_id=record.pk).kind == "reception.first_response"


@pytest.mark.parametrize("kind", ["repair", "consultation", "suggestion"])
def test_it_refuses_a_record_of_another_kind(log, alice, eng_a, kind):
    record = log(kind=kind, channel="letter")
    refused(
        lambda: services.complaint_open_from_record(
            record_id=record.pk, by=alice, category="facilities", severity="general", department=eng_a
        )
    )
    record.refresh_from_db()
    assert record.status == ReceptionRecord.Status.OPEN
    assert not Complaint.objects.exists()


def test_it_refuses_a_record_already_followed_up_or_closed(complaint_record, log, alice, eng_a):
    def take_over(record):
        return services.complaint_open_from_record(
            record_id=record.pk, by=alice, category="neighbours", severity="general", department=eng_a
        )

    take_over(complaint_record)
    refused(lambda: take_over(complaint_record))
    handled = log(kind="complaint", channel="letter", outcome="handled", outcome_note="已当场解释")
    refused(lambda: take_over(handled))
    assert Complaint.objects.count() == 1


def test_it_takes_over_a_record_with_a_pending_reply(complaint_record, alice, eng_a):
    reception.record_set_pending(
        record_id=complaint_record.pk, by=alice, note="需核实", promised_reply_at=MORNING + 5 * H,
        reply_method="phone",
    )  # fmt: skip
    complaint = services.complaint_open_from_record(
        record_id=complaint_record.pk, by=alice, category="neighbours", severity="general", department=eng_a
    )
    assert complaint.first_response_at == MORNING  # the desk's response counts
    assert deadline(complaint, services.KIND_FIRST_RESPONSE).met_at == MORNING
    reply = Deadline.objects.get(object_id=complaint_record.pk, kind="reception.reply")
    assert reply.met_at == MORNING  # the promise is now the complaint's to keep


def test_it_refuses_a_record_to_another_communitys_staff(complaint_record, carol, eng_a):
    refused(
        lambda: services.complaint_open_from_record(
            record_id=complaint_record.pk,
            by=carol,
            category="neighbours",
            severity="general",
            department=eng_a,
        )
    )


def test_it_reports_a_major_complaint_taken_over_from_a_record(
    complaint_record, alice, eng_a, mona, leo, pete
):
    complaint = services.complaint_open_from_record(
        record_id=complaint_record.pk, by=alice, category="neighbours", severity="major", department=eng_a
    )
    assert any(complaint.number in t for t in inbox(mona)) and any(complaint.number in t for t in inbox(leo))
    triage(complaint, by=mona)
    assert fresh(complaint).status == Complaint.Status.PROCESSING
