"""Actors and helpers for the deadline ledger tests.

sam   — customer service supervisor of community A (has an email address)
sue   — customer service supervisor of community B
eric, ella — engineering department staff of community A
hank  — head of engineering, community A
helen — head of cleaning, community A
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from propsvc.models import Department
from propsvc.roles import Role
from propsvc.services import deadline_open
from tests.factories import DepartmentFactory, MembershipFactory, UnitFactory, UserFactory

# A Monday morning at the front desk, Shanghai time.
NOW = datetime.datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def staff(username, community, role, *, email="", department=None):
    user = UserFactory(username=username, email=email)
    MembershipFactory(user=user, community=community, role=role, department=department)
    return user


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice_mail(alice):
    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    return alice


@pytest.fixture
def sam(community_a):
    return staff("sam", community_a, Role.CS_SUPERVISOR, email="sam@example.com")


@pytest.fixture
def sue(community_b):
    return staff("sue", community_b, Role.CS_SUPERVISOR, email="sue@example.com")


@pytest.fixture
def engineering(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)


@pytest.fixture
def cleaning(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.CLEANING)


@pytest.fixture
def eric(community_a, engineering):
    return staff("eric", community_a, Role.DEPARTMENT_STAFF, department=engineering)


@pytest.fixture
def ella(community_a, engineering):
    return staff("ella", community_a, Role.DEPARTMENT_STAFF, department=engineering)


@pytest.fixture
def hank(community_a, engineering):
    return staff("hank", community_a, Role.DEPARTMENT_HEAD, department=engineering)


@pytest.fixture
def helen(community_a, cleaning):
    return staff("helen", community_a, Role.DEPARTMENT_HEAD, department=cleaning)


@pytest.fixture
def open_deadline(community_a):
    """Open a deadline on a fresh unit of community A (the ledger is generic: any row is a case)."""

    def make(*, due_in=datetime.timedelta(hours=24), kind="reception.first_response", case=None, **kwargs):
        case = case or UnitFactory(building__community=community_a)
        kwargs.setdefault("escalate_role", Role.CS_SUPERVISOR)
        kwargs.setdefault("title", f"首次响应 · {case.pk}号房 报修")
        return deadline_open(
            case=case,
            community=kwargs.pop("community", community_a),
            kind=kind,
            link=f"/archives/units/{case.pk}/",
            due_at=timezone.now() + due_in,
            **kwargs,
        )

    return make
