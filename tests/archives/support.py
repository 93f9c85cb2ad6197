"""Actors, a frozen clock and builders shared by the confidential-archive tests (R-ARC-4).

Test modules take the fixtures by name (`mona = support.mona`), as tests/complaints/conftest.py does
with the reception actors, so the archive tests need no conftest of their own.

From tests/conftest.py: alice — receptionist A; bob — no role; carol — receptionist B;
dave — archivist A; quinn — quality department (company level); unit_a, unit_b.
Here: mona — CS center manager A; nora — a second CS center manager A; ada — a second archivist A;
mike — CS center manager B; bea — archivist B; leo — company leadership; owner_a — the owner of
unit_a (王建国, 13812345678); owner_b — the owner of unit_b.
"""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from django.utils.translation import gettext

from archives import services
from archives.models import LookupRequest
from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import OwnershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning at the service center, Shanghai time.
MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
MINUTE = datetime.timedelta(minutes=1)

MOBILE = "13812345678"  # owner_a's phone: never shown whole outside the requester's window
MASKED = "138****5678"
MOBILE_B = "13955556666"


def t(msgid: str, **values) -> str:
    """A message as the page shows it in the active language (the lead translates the new ones)."""
    text = gettext(msgid)
    return text % values if values else text


def shown(msgid: str, **values) -> str:
    """The same message HTML-escaped, as it appears in a rendered page."""
    return escape(t(msgid, **values))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Every actor gets a password through UserFactory; the default hasher makes setup crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Archive documents are written under a temporary MEDIA_ROOT.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock():
    """Time stands still at MORNING until a test moves it (clock.move_to)."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


# -- actors --------------------------------------------------------------------------------------


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


@pytest.fixture
def nora(community_a):
    return _member("nora", community_a, Role.CS_MANAGER)


@pytest.fixture
def ada(community_a):
    return _member("ada", community_a, Role.ARCHIVIST)


@pytest.fixture
def mike(community_b):
    return _member("mike", community_b, Role.CS_MANAGER)


@pytest.fixture
def bea(community_b):
    return _member("bea", community_b, Role.ARCHIVIST)


@pytest.fixture
def leo(db):
    return _member("leo", None, Role.LEADERSHIP)


@pytest.fixture
def owner_a(unit_a):
    return OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile=MOBILE).owner


@pytest.fixture
def owner_b(unit_b):
    return OwnershipFactory(unit=unit_b, owner__name="陈美玲", owner__mobile=MOBILE_B).owner


# -- look-ups through the services -----------------------------------------------------------------


def ask(unit, by, *, reason="业主委托办理车位登记，核对车辆信息", minutes=None) -> LookupRequest:
    return services.lookup_request(by=by, unit_id=unit.pk, reason=reason, minutes=minutes)


def approved(unit, by, *, approver, reason="业主委托办理车位登记，核对车辆信息") -> LookupRequest:
    lookup = ask(unit, by, reason=reason)
    return services.lookup_approve(request_id=lookup.pk, by=approver, note="同意")


def open_window(unit, by, *, approver, archivist, minutes=None) -> LookupRequest:
    """Requested by `by`, approved by the CS center manager, registered by the archivist (R-ARC-4)."""
    lookup = ask(unit, by, minutes=minutes)
    services.lookup_approve(request_id=lookup.pk, by=approver)
    return services.lookup_register(request_id=lookup.pk, by=archivist)


def fresh(lookup: LookupRequest) -> LookupRequest:
    return LookupRequest.objects.get(pk=lookup.pk)


# -- uploads, as the browser sends them (the declared type follows the name) -----------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document: the content types part and word/document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>装修申请</w:t></w:r></w:p></w:body>'
            "</w:document>",
        )
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
