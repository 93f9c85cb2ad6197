"""complaints.services.complaint_triage: valid or invalid, and who may decide (R-CMP-3, R-CMP-4, R-CMP-5)."""

import pytest

from complaints import services
from complaints.models import Complaint
from propsvc.roles import Role
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
    triage_invalid,
)

pytestmark = pytest.mark.usefixtures("clock")

# DOMAIN R-CMP-5: general complaints are the property supervisor's (or the CS center manager's
# above them); serious and major ones the CS center manager's; those about the company quality's.
HANDLERS = {
    ("facilities", "general"): {"pete", "mona"},
    ("facilities", "serious"): {"mona"},
    ("facilities", "major"): {"mona"},
    ("company", "general"): {"quinn"},
    ("company", "major"): {"quinn"},
}
EVERYONE = [
    "alice",
    "bob",
    "carol",
    "erin",
    "hank",
    "sam",
    "mona",
    "leo",
    "quinn",
    "pete",
    "pia",
    "mike",
    "cody",
]


@pytest.mark.parametrize(("category", "severity"), list(HANDLERS))
@pytest.mark.parametrize("actor", EVERYONE)
def test_it_lets_only_the_handler_of_the_complaint_triage_it(
    request, register, quality_dept, category, severity, actor
):
    complaint = register(category=category, severity=severity)
    user = request.getfixturevalue(actor)
    if actor in HANDLERS[category, severity]:
        triage(complaint, by=user)
        complaint = fresh(complaint)
        assert complaint.status == Complaint.Status.PROCESSING and complaint.triaged_by == user
    else:
        refused(lambda: triage(complaint, by=user), complaint)
        refused(lambda: triage_invalid(complaint, by=user), complaint)


def test_it_names_the_handlers_in_the_refusal(register, pete):
    complaint = register(severity="serious")
    error = refused(lambda: triage(complaint, by=pete), complaint)
    assert complaint.number in str(error) and str(Role.CS_MANAGER.label) in str(error)


@pytest.mark.parametrize(
    ("explanation", "basis"),
    [("", ""), ("装修时间符合规定", ""), ("", "《装修管理规定》第八条"), ("  ", "  ")],
)
def test_it_refuses_an_invalid_triage_without_the_explanation_and_its_basis(
    register, pete, explanation, basis
):
    """DOMAIN R-CMP-3: an invalid complaint is explained with the law or rule that applies."""
    complaint = register()
    refused(
        lambda: services.complaint_triage(
            complaint_id=complaint.pk, by=pete, valid=False, explanation=explanation, basis=basis
        ),
        complaint,
    )
    assert fresh(complaint).status == Complaint.Status.NEW


def test_it_closes_an_invalid_complaint_with_the_explanation_recorded(register, pete):
    """DOMAIN R-CMP-3."""
    complaint = register(channel="letter", apology_given=False)
    triage_invalid(complaint, by=pete)
    complaint = fresh(complaint)
    assert complaint.status == Complaint.Status.CLOSED and complaint.closed_at == MORNING
    assert complaint.validity == "invalid" and complaint.triaged_by == pete
    assert complaint.invalid_explanation == "装修施工时间在规定时段内，已向业主说明"
    assert complaint.invalid_basis == "《装修管理规定》第八条"
    # the explanation is the owner's first response, and nothing is left due
    assert complaint.first_response_note == complaint.invalid_explanation
    assert not deadlines(complaint).filter(met_at__isnull=True).exists()
    assert events(complaint)[-2:] == ["complaint.triaged_invalid", "complaint.first_response"]


def test_it_opens_48_hours_from_receipt_for_a_general_valid_complaint(register, pete, eng_a, leo):
    """DOMAIN R-CMP-4: counted from receipt, not from triage."""
    complaint = register(received_at=MORNING - 5 * H)
    triage(complaint, by=pete)
    complaint = fresh(complaint)
    assert complaint.status == Complaint.Status.PROCESSING and complaint.validity == "valid"
    assert complaint.plan == "派工程部检修" and complaint.triaged_at == MORNING
    row = deadline(complaint, services.KIND_RESOLVE)
    assert row.due_at == MORNING - 5 * H + 48 * H
    assert row.warn_at == row.due_at - 8 * H
    assert row.responsible_user == pete and row.responsible_department == eng_a
    assert row.escalate_role == Role.PROPERTY_SUPERVISOR and row.met_at is None
    assert events(complaint)[-1] == "complaint.triaged_valid"
    assert not deadlines(complaint, services.KIND_LEADER).exists()
    assert inbox(leo) == []


def test_it_lets_quality_triage_a_complaint_about_the_company_with_its_own_48_hours(
    register, quality_dept, quinn
):
    complaint = register(category="company")
    triage(complaint, by=quinn)
    row = deadline(complaint, services.KIND_RESOLVE)
    assert row.responsible_user == quinn and row.escalate_role == Role.QUALITY
    assert row.responsible_department == quality_dept


@pytest.mark.parametrize("severity", ["serious", "major"])
def test_it_reports_an_important_valid_complaint_to_the_leader(register, mona, leo, severity):
    """DOMAIN R-CMP-5: the leader in charge has it analysed and issues a work order."""
    complaint = register(severity=severity)
    before = len(inbox(leo))  # a major one was already reported on registration
    triage(complaint, by=mona)
    complaint = fresh(complaint)
    assert complaint.reported_to_leader_at == MORNING
    assert "complaint.reported_to_leader" in events(complaint)
    [text] = inbox(leo)[before:]
    assert complaint.number in text
    row = deadline(complaint, services.KIND_LEADER)
    assert row.due_at == MORNING + 24 * H and row.escalate_role == Role.LEADERSHIP
    assert row.responsible_user == mona
    assert not deadlines(complaint, services.KIND_RESOLVE).exists()  # the leader sets the deadline


def test_it_refuses_a_second_triage(register, pete):
    complaint = register()
    triage(complaint, by=pete)
    refused(lambda: triage(complaint, by=pete), complaint)
    refused(lambda: triage_invalid(complaint, by=pete), complaint)


def test_it_refuses_to_triage_a_closed_complaint(register, pete):
    complaint = register()
    triage_invalid(complaint, by=pete)
    refused(lambda: triage(complaint, by=pete), complaint)
    refused(lambda: triage_invalid(complaint, by=pete), complaint)
