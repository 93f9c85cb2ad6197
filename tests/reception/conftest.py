"""Reception actors: erin (engineering staff, A), hank (engineering head, A), sam (CS supervisor, A),
mona (CS center manager, A), leo (company leadership)."""

import datetime

import pytest
from django.utils import timezone

from propsvc.models import Department
from propsvc.roles import Role
from reception import services
from tests.conftest import _member
from tests.factories import DepartmentFactory, OwnershipFactory


@pytest.fixture
def eng_a(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)


@pytest.fixture
def eng_b(community_b):
    return DepartmentFactory(community=community_b, kind=Department.Kind.ENGINEERING)


@pytest.fixture
def erin(community_a, eng_a):
    return _member("erin", community_a, Role.DEPARTMENT_STAFF, department=eng_a)


@pytest.fixture
def hank(community_a, eng_a):
    return _member("hank", community_a, Role.DEPARTMENT_HEAD, department=eng_a)


@pytest.fixture
def sam(community_a):
    return _member("sam", community_a, Role.CS_SUPERVISOR)


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


@pytest.fixture
def leo(db):
    return _member("leo", None, Role.LEADERSHIP)


@pytest.fixture
def owner_a(unit_a):
    return OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile="13812345678").owner


def later(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


@pytest.fixture
def log(alice, community_a, unit_a, owner_a):
    """Log a record the way the desk does (through the service)."""

    def _log(**overrides):
        fields = {
            "by": alice,
            "community": community_a,
            "unit": unit_a,
            "owner": owner_a,
            "kind": "repair",
            "channel": "visit",
            "subject": "厨房水管漏水",
        }
        fields.update(overrides)
        return services.record_log(**fields)

    return _log


@pytest.fixture
def open_record(log):
    return log()


@pytest.fixture
def transferred(open_record, alice, eng_a):
    services.record_transfer(
        record_id=open_record.pk, by=alice, department=eng_a, task="上门检修厨房水管", due_at=later(8)
    )
    open_record.refresh_from_db()
    return open_record
