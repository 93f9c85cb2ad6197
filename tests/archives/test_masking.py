"""Phone numbers outside a window (DESIGN.md "Privacy"): everywhere the register's data is shown —
the unit page, the searches, reception records, complaints, violations, their Excel files and the
notifications — a phone is 138****5678, never the 11 digits. Only the archive page inside the
requester's own open window shows the full number.

The cases are built through reception.services, complaints.services and violations.services.
"""

import io

import pytest
from django.core import mail
from openpyxl import load_workbook

from complaints import services as complaints
from propsvc.models import Department, Notification
from propsvc.roles import Role
from propsvc.services import notification_email_pending
from reception import services as reception
from tests.archives import support
from tests.archives.support import MASKED, MINUTE, MOBILE, MORNING, open_window
from tests.conftest import _member
from tests.factories import DepartmentFactory
from violations import services as violations

_fast_passwords = support._fast_passwords
_media = support._media
clock = support.clock
mona = support.mona
ada = support.ada
leo = support.leo
owner_a = support.owner_a

TENANT = "13987654321"  # a tenant's phone, given at the desk with consent (R-REC-7)
TENANT_MASKED = "139****4321"


def page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return r.content.decode()


def masked(body: str, *, phone_shown: bool = True) -> None:
    """The full number is nowhere; where a phone is shown it is the masked one."""
    assert MOBILE not in body and TENANT not in body
    if phone_shown:
        assert MASKED in body


def workbook_text(response) -> str:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


@pytest.fixture
def stella(community_a):
    return _member("stella", community_a, Role.AREA_STEWARD)


@pytest.fixture
def eng_a(community_a):
    return DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)


@pytest.fixture
def record(clock, alice, community_a, unit_a, owner_a):
    """A major matter logged at the desk for the owner (the center head and leadership are told)."""
    return reception.record_log(
        by=alice,
        community=community_a,
        unit=unit_a,
        owner=owner_a,
        kind="repair",
        channel="visit",
        subject="楼道漏水严重",
        is_major=True,
    )


@pytest.fixture
def tenant_record(clock, alice, community_a, unit_a):
    return reception.record_log(
        by=alice,
        community=community_a,
        unit=unit_a,
        kind="consultation",
        channel="phone",
        subject="咨询停车办理",
        contact_type="tenant",
        contact_name="刘租户",
        contact_phone=TENANT,
        consent_given=True,
        consent_purpose="回复咨询结果",
    )


@pytest.fixture
def complaint(clock, alice, mona, leo, community_a, unit_a, owner_a, eng_a):
    """A major complaint: reported at once to the CS center manager and the leadership (一报告)."""
    return complaints.complaint_register(
        by=alice,
        community=community_a,
        unit=unit_a,
        owner=owner_a,
        category="facilities",
        severity="major",
        subject="电梯困人",
        department=eng_a,
        apology_given=True,
    )


@pytest.fixture
def tenant_complaint(clock, alice, community_a, unit_a, eng_a):
    return complaints.complaint_register(
        by=alice,
        community=community_a,
        unit=unit_a,
        category="facilities",
        severity="general",
        subject="楼道灯不亮",
        department=eng_a,
        contact_name="刘租户",
        contact_phone=TENANT,
        apology_given=True,
    )


@pytest.fixture
def violation(clock, stella, mona, leo, community_a, unit_a, owner_a):
    """A major violation (a threat to public safety), reported to the superiors at once."""
    return violations.violation_register(
        by=stella,
        community=community_a,
        unit=unit_a,
        owner=owner_a,
        category="fire",
        subtype="fire_lane",
        description="电动车停放在消防通道",
        observed_at=MORNING - 30 * MINUTE,
        threatens_safety=True,
        safety_note="消防车无法通行",
    )


# -- the register ---------------------------------------------------------------------------------


def test_it_masks_the_phone_on_the_unit_page(client, alice, unit_a, owner_a):
    client.force_login(alice)
    masked(page(client, f"/archives/units/{unit_a.pk}/"))


@pytest.mark.parametrize("q", ["1101", "5678", "王建国", "3-2-1101"])
def test_it_masks_the_phone_in_the_register_search(client, alice, unit_a, owner_a, q):
    client.force_login(alice)
    masked(page(client, f"/archives/search/?q={q}"))


@pytest.mark.parametrize(
    "url", ["/reception/units/?unit_query=1101", "/violations/new/units/?unit_query=5678"]
)
def test_it_masks_the_phone_in_the_desk_unit_lookups(client, alice, unit_a, owner_a, url):
    client.force_login(alice)
    masked(page(client, url))


def test_it_masks_the_phone_on_the_change_of_owner_page(client, dave, unit_a, owner_a):
    client.force_login(dave)
    masked(page(client, f"/archives/units/{unit_a.pk}/transfer/"))


# -- reception records ----------------------------------------------------------------------------


def test_it_masks_the_phones_of_reception_records(client, alice, record, tenant_record):
    client.force_login(alice)
    masked(page(client, f"/reception/{record.pk}/"))
    tenant = page(client, f"/reception/{tenant_record.pk}/")
    masked(tenant, phone_shown=False)
    assert TENANT_MASKED in tenant
    masked(page(client, "/reception/"), phone_shown=False)
    text = workbook_text(client.get("/reception/export/"))
    assert "楼道漏水严重" in text and "咨询停车办理" in text  # both records are in the file…
    masked(text, phone_shown=False)  # …and no full phone


# -- complaints -----------------------------------------------------------------------------------


def test_it_masks_the_phones_of_complaints(client, alice, complaint, tenant_complaint):
    client.force_login(alice)
    masked(page(client, f"/complaints/{complaint.pk}/"))
    tenant = page(client, f"/complaints/{tenant_complaint.pk}/")
    masked(tenant, phone_shown=False)
    assert TENANT_MASKED in tenant
    masked(page(client, "/complaints/"), phone_shown=False)
    text = workbook_text(client.get("/complaints/export/"))
    assert "电梯困人" in text and "楼道灯不亮" in text
    masked(text, phone_shown=False)


# -- violations -----------------------------------------------------------------------------------


def test_it_masks_the_phone_of_violations(client, alice, violation):
    client.force_login(alice)
    masked(page(client, f"/violations/{violation.pk}/"))
    masked(page(client, "/violations/"), phone_shown=False)
    text = workbook_text(client.get("/violations/export/"))
    assert violation.number in text
    masked(text, phone_shown=False)


# -- notifications --------------------------------------------------------------------------------


def test_it_keeps_full_numbers_out_of_notifications_and_their_emails(
    client, mona, leo, record, complaint, violation
):
    for user in (mona, leo):
        user.email = f"{user.username}@example.com"
        user.save()
    Notification.objects.update(email_pending=True)  # the email copies of the reports made at once
    texts = list(Notification.objects.values_list("text", flat=True))
    assert len(texts) >= 6  # the major record, complaint and violation, each to mona and leo
    assert not [text for text in texts if MOBILE in text or "5678" in text]
    notification_email_pending()
    assert len(mail.outbox) >= 6
    assert not [m for m in mail.outbox if MOBILE in m.body or MOBILE in m.subject]
    client.force_login(mona)
    masked(page(client, "/notifications/"), phone_shown=False)


# -- the archive page: full number only in the requester's own window --------------------------------


def test_it_shows_the_full_number_only_inside_the_requesters_window(
    client, clock, alice, dave, mona, unit_a, owner_a
):
    client.force_login(alice)
    masked(page(client, f"/archives/units/{unit_a.pk}/archive/"), phone_shown=False)
    open_window(unit_a, alice, approver=mona, archivist=dave)
    assert MOBILE in page(client, f"/archives/units/{unit_a.pk}/archive/")
    masked(page(client, f"/archives/units/{unit_a.pk}/"))  # the register stays the register
    for other in (dave, mona):  # who registered and who approved alice's window
        client.force_login(other)
        masked(page(client, f"/archives/units/{unit_a.pk}/archive/"), phone_shown=False)
