"""Complaint actors, a frozen clock and builders that go through the services (STYLE.md 21, 23).

From tests/conftest.py: alice — receptionist A; bob — no role; carol — receptionist B;
quinn — quality department (company level).
From tests/reception/conftest.py: erin — engineering staff A; hank — engineering head A;
sam — CS supervisor A; mona — CS center manager A; leo — company leadership; owner_a.
Here: pete — property supervisor A; pat — a second property supervisor A; pia — property
supervisor B; mike — CS center manager B; cody — cleaning head A; hugo — engineering head B;
quality_dept — the company's quality department.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from complaints import services
from complaints.models import Callback, Complaint, ComplaintEvent, ComplaintPause
from complaints.services import ComplaintError
from propsvc.models import Deadline, Department, Notification
from propsvc.roles import Role
from reception.models import WorkOrder
from tests.conftest import _member
from tests.factories import DepartmentFactory
from tests.reception import conftest as reception_actors

# The reception actors, shared by name (only the root conftest may declare pytest_plugins).
eng_a = reception_actors.eng_a
eng_b = reception_actors.eng_b
erin = reception_actors.erin
hank = reception_actors.hank
sam = reception_actors.sam
mona = reception_actors.mona
leo = reception_actors.leo
owner_a = reception_actors.owner_a
log = reception_actors.log

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning at the service center, Shanghai time.
MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in November 2026, Shanghai time."""
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Every actor gets a password through UserFactory; the default hasher makes setup crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    """Time stands still at MORNING until a test moves it (clock.move_to)."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


# -- actors --------------------------------------------------------------------------------------


@pytest.fixture
def pete(community_a):
    return _member("pete", community_a, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def pat(community_a):
    return _member("pat", community_a, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def pia(community_b):
    return _member("pia", community_b, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def mike(community_b):
    return _member("mike", community_b, Role.CS_MANAGER)


@pytest.fixture
def cleaning_a(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.CLEANING)


@pytest.fixture
def cody(community_a, cleaning_a):
    return _member("cody", community_a, Role.DEPARTMENT_HEAD, department=cleaning_a)


@pytest.fixture
def hugo(community_b, eng_b):
    return _member("hugo", community_b, Role.DEPARTMENT_HEAD, department=eng_b)


@pytest.fixture
def quality_dept(db):
    return DepartmentFactory(community=None, kind=Department.Kind.QUALITY)


# -- building state through the services ---------------------------------------------------------


@pytest.fixture
def register(clock, alice, community_a, unit_a, owner_a, eng_a):
    """Register a complaint the way the desk does: a visit, with the apology, about the lift."""

    def _register(**overrides) -> Complaint:
        fields = {
            "by": alice,
            "community": community_a,
            "unit": unit_a,
            "owner": owner_a,
            "channel": "visit",
            "subject": "电梯频繁故障",
            "details": "本周第三次停运",
            "request": "尽快修好",
            "category": "facilities",
            "severity": "general",
            "department": eng_a,
            "apology_given": True,
        }
        fields.update(overrides)
        return services.complaint_register(**fields)

    return _register


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def triage(complaint: Complaint, *, by) -> Complaint:
    return services.complaint_triage(complaint_id=complaint.pk, by=by, valid=True, plan="派工程部检修")


def triage_invalid(complaint: Complaint, *, by) -> Complaint:
    return services.complaint_triage(
        complaint_id=complaint.pk,
        by=by,
        valid=False,
        explanation="装修施工时间在规定时段内，已向业主说明",
        basis="《装修管理规定》第八条",
    )


def resolve(complaint: Complaint, *, by) -> Complaint:
    return services.complaint_report_result(complaint_id=complaint.pk, by=by, result="已更换电梯控制板")


def to_signed_off(complaint: Complaint, *, handler, head) -> Complaint:
    triage(complaint, by=handler)
    resolve(complaint, by=handler)
    return services.complaint_sign_off(complaint_id=complaint.pk, by=head)


def to_accepted(complaint: Complaint, *, handler, head) -> Complaint:
    to_signed_off(complaint, handler=handler, head=head)
    return services.complaint_owner_accepts(complaint_id=complaint.pk, by=handler)


def planned_callback(complaint: Complaint) -> Callback:
    return Callback.objects.get(complaint=complaint, status=Callback.Status.PLANNED)


# -- reading what was written ----------------------------------------------------------------------


def events(complaint: Complaint) -> list[str]:
    return list(ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))


def deadlines(complaint: Complaint, kind: str | None = None):
    content_type = ContentType.objects.get_for_model(Complaint)
    qs = Deadline.objects.filter(content_type=content_type, object_id=complaint.pk).order_by("pk")
    return qs.filter(kind=kind) if kind else qs


def deadline(complaint: Complaint, kind: str) -> Deadline:
    return deadlines(complaint, kind).get()


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("text", flat=True))


def _snapshot(complaint: Complaint | None):
    complaint_rows = Complaint.objects.filter(pk=complaint.pk) if complaint else Complaint.objects.all()
    return {
        "complaints": list(complaint_rows.order_by("pk").values()),
        "events": list(ComplaintEvent.objects.order_by("pk").values_list("pk", "kind")),
        "deadlines": list(
            Deadline.objects.order_by("pk").values_list(
                "pk", "kind", "object_id", "due_at", "warn_at", "met_at", "paused_at", "responsible_user"
            )
        ),
        "notifications": Notification.objects.count(),
        "callbacks": list(Callback.objects.order_by("pk").values()),
        "pauses": list(ComplaintPause.objects.order_by("pk").values()),
        "work_orders": list(WorkOrder.objects.order_by("pk").values_list("pk", "status")),
    }


def refused(action, complaint: Complaint | None = None, match: str | None = None) -> ComplaintError:
    """The action raises ComplaintError and writes nothing: the complaint row, its timeline, the
    ledger, notifications, call-backs, pauses and work orders are exactly as before."""
    before = _snapshot(complaint)
    with pytest.raises(ComplaintError, match=match) as exc:
        action()
    assert _snapshot(complaint) == before
    return exc.value
