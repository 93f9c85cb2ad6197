"""Owner-visit actors, a frozen clock and builders that go through the services (STYLE.md 21, 23).

From tests/conftest.py: alice — receptionist A; bob — no role; carol — receptionist B; quinn — quality
department (company level, the company complaint center); unit_a, unit_b (3栋2单元1101室 in A and B).
Here: sam — CS supervisor A (visits, prepares the summary); mona — CS center manager A (the service
center head); pete — property supervisor A; cora — CS supervisor B; mike — CS center manager B;
leo — company leadership; owner_a — the owner of unit_a.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from archives.models import Unit
from propsvc.roles import Role
from surveys import services
from tests.conftest import _member
from tests.factories import BuildingFactory, OwnershipFactory, UnitFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning at the service center, Shanghai time.
MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def at(day: int, hour: int, minute: int = 0, *, month: int = 11, year: int = 2026) -> datetime.datetime:
    """A moment, Shanghai time (November 2026 unless told)."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    """Time stands still at MORNING until a test moves it (clock.move_to)."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


# -- actors ----------------------------------------------------------------------------------------


@pytest.fixture
def sam(community_a):
    return _member("sam", community_a, Role.CS_SUPERVISOR)


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


@pytest.fixture
def pete(community_a):
    return _member("pete", community_a, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def cora(community_b):
    return _member("cora", community_b, Role.CS_SUPERVISOR)


@pytest.fixture
def mike(community_b):
    return _member("mike", community_b, Role.CS_MANAGER)


@pytest.fixture
def leo(db):
    return _member("leo", None, Role.LEADERSHIP)


@pytest.fixture
def owner_a(unit_a):
    return OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile="13812345678").owner


# -- builders: state through the services ----------------------------------------------------------------


def visit(by, unit, **fields):
    """A visit at the service center an hour before MORNING, the household signed."""
    fields.setdefault("mode", "office")
    fields.setdefault("topics", ["cleaning"])
    fields.setdefault("signature", "signed")
    fields.setdefault("visited_at", MORNING - H)
    return services.visit_record(by=by, unit=unit, **fields)


def home_visit(by, unit, when, **fields):
    """A home visit at `when`, by an appointment made the day before with the owner."""
    fields.setdefault("appointment_made_at", when - DAY)
    fields.setdefault("appointment_with", "业主本人，电话预约")
    return visit(by, unit, mode="home", visited_at=when, **fields)


def households(community, total: int, *, lived_in: int | None = None, rented: int = 0) -> list[Unit]:
    """`total` units in one building of the community (bulk): the first `lived_in` owner-occupied
    (all when not told), the next `rented` rented, the rest vacant."""
    lived_in = total if lived_in is None else lived_in
    building = BuildingFactory(community=community, number="9")
    uses = [Unit.Use.OCCUPIED] * lived_in + [Unit.Use.RENTED] * rented
    uses += [Unit.Use.VACANT] * (total - len(uses))
    return Unit.objects.bulk_create(
        Unit(
            community=community, building=building, entrance=1 + i // 1000, floor=1 + (i % 1000) // 10,
            room=f"{1 + (i % 1000) // 10}{i % 10:02d}", area=Decimal("90.00"), use=use,
        )
        for i, use in enumerate(uses)
    )  # fmt: skip


@pytest.fixture
def unit_a2(unit_a):
    """Another household of community A (3栋2单元1202室), owned by 李秀英."""
    unit = UnitFactory(building=unit_a.building, entrance=2, floor=12, room="1202")
    OwnershipFactory(unit=unit, owner__name="李秀英", owner__mobile="13900001111")
    return unit
