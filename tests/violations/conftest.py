"""Violation actors, a frozen clock, photos and builders that go through the services (STYLE.md 21, 23).

From tests/conftest.py: alice — receptionist A; bob — no role; carol — receptionist B;
dave — archivist A; quinn — quality department (company level); unit_a, unit_b.
Here: stella — area steward A; pete — property supervisor A; mona — CS center manager A;
leo — company leadership (the property company manager, R-VIO-6); fiona — finance (company level);
sam — CS supervisor A; erin — engineering staff A; pia — property supervisor B; mike — CS center
manager B; owner_a — the owner of unit_a.
"""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from propsvc.models import Department
from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import DepartmentFactory, OwnershipFactory
from violations import services

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
    # Every actor gets a password through UserFactory; the default hasher makes setup crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Photos and charge lists are written under a temporary MEDIA_ROOT.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock():
    """Time stands still at MORNING until a test moves it (clock.move_to)."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


# -- actors --------------------------------------------------------------------------------------


@pytest.fixture
def stella(community_a):
    return _member("stella", community_a, Role.AREA_STEWARD)


@pytest.fixture
def pete(community_a):
    return _member("pete", community_a, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


@pytest.fixture
def sam(community_a):
    return _member("sam", community_a, Role.CS_SUPERVISOR)


@pytest.fixture
def leo(db):
    return _member("leo", None, Role.LEADERSHIP)


@pytest.fixture
def fiona(db):
    return _member("fiona", None, Role.FINANCE)


@pytest.fixture
def service_dept_a(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.CUSTOMER_SERVICE)


@pytest.fixture
def erin(community_a):
    department = DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)
    return _member("erin", community_a, Role.DEPARTMENT_STAFF, department=department)


@pytest.fixture
def pia(community_b):
    return _member("pia", community_b, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def mike(community_b):
    return _member("mike", community_b, Role.CS_MANAGER)


@pytest.fixture
def owner_a(unit_a):
    return OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile="13812345678").owner


# -- photos --------------------------------------------------------------------------------------


def image_bytes(fmt: str = "JPEG", size=(64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def photo(name: str = "现场.jpg", fmt: str = "JPEG", content: bytes | None = None) -> SimpleUploadedFile:
    """An upload as the browser sends it (the declared type is whatever the name suggests)."""
    data = image_bytes(fmt) if content is None else content
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


# -- builders: state through the services ------------------------------------------------------------


def register(by, community, *, unit=None, owner=None, **fields):
    """A violation as a steward registers it; general unless the facts say otherwise."""
    fields.setdefault("category", "fire")
    fields.setdefault("subtype", "fire_lane")
    fields.setdefault("description", "电动车停放在消防通道")
    fields.setdefault("observed_at", MORNING - H)
    if unit is None and "location" not in fields:
        fields["location"] = "3栋东侧消防通道"
    return services.violation_register(by=by, community=community, unit=unit, owner=owner, **fields)


def persuade(violation, by, *, reaction="refused", at_=None):
    return services.violation_persuade(
        violation_id=violation.pk,
        by=by,
        at=at_ or MORNING - H / 2,
        reaction=reaction,
        note="劝导业主停止违章",
    )


@pytest.fixture
def general_case(clock, stella, unit_a, owner_a):
    """A general violation at unit_a, registered by the steward at MORNING."""
    return register(
        stella, unit_a.community, unit=unit_a, owner=owner_a,
        category="sanitation", subtype="piling", description="楼道堆放纸箱",
    )  # fmt: skip


@pytest.fixture
def fire_lane(clock, stella, unit_a, owner_a, mona, leo):
    """The issue's case: a blocked fire lane (a threat to public safety, so major), with a loss noted,
    at unit_a's owner; mona and leo are the superiors told at once."""
    return register(
        stella, unit_a.community, unit=unit_a, owner=owner_a, location="3栋东侧消防通道",
        threatens_safety=True, safety_note="消防车无法通行",
        caused_loss=True, loss_note="挡住车库门，邻居车辆刮伤",
    )  # fmt: skip
