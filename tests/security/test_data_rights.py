"""Owners' data rights under PIPL (issue 11, item 6; R-ARC-3, R-ARC-5; archives.privacy, archives.retention).

mona — CS center manager of community A, who exercises the rights inside her own look-up window (approved
by nora, registered by ada); dave — archivist A (writes into the archive, exercises no rights);
alice — receptionist A, who logs a tenant's visit; mike — CS center manager of community B.
"""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from archives import services
from archives.models import (
    AccessLog,
    ArchiveChange,
    EmergencyContact,
    FamilyMember,
    Owner,
    Ownership,
    UnitEvent,
    Vehicle,
)
from archives.privacy import ANONYMISED, FORMER_OWNER
from archives.retention import former_owners_anonymise, former_owners_due
from complaints import services as complaint_services
from propsvc.models import AuditEntry, Department
from reception import services as reception_services
from surveys import services as survey_services
from surveys.models import BoxSuggestion
from tests.archives import support
from tests.archives.support import MOBILE, open_window, t
from tests.factories import DepartmentFactory, OwnershipFactory, UnitFactory

_fast_passwords = support._fast_passwords
_media = support._media
clock = support.clock
mona = support.mona
nora = support.nora
ada = support.ada
mike = support.mike
bea = support.bea
owner_a = support.owner_a

TODAY = datetime.date(2026, 11, 23)  # support.MORNING
TENANT_PHONE = "13700001111"


@pytest.fixture
def window(clock, mona, nora, ada, unit_a, owner_a):
    return open_window(unit_a, mona, approver=nora, archivist=ada)


@pytest.fixture
def mona_client(client, mona, window):
    client.force_login(mona)
    return client


def privacy_url(unit, owner) -> str:
    return f"/archives/units/{unit.pk}/owners/{owner.pk}/privacy/"


def anonymise_url(kind: str, pk: int) -> str:
    return f"/archives/privacy/contacts/{kind}/{pk}/anonymise/"


def _fill_archive(unit, owner, by):
    for group in ("family", "emergency", "vehicles"):
        services.consent_record(
            unit_id=unit.pk, by=by, owner_id=owner.pk, group=group, purpose="业主同意登记", given_on=TODAY
        )
    add = lambda group, **f: services.personal_row_add(  # noqa: E731
        unit_id=unit.pk, by=by, owner_id=owner.pk, group=group, reason="业主要求登记", **f
    )
    family = add("family", name="李秀英", relation="配偶", mobile="13911112222")
    emergency = add("emergency", name="王小明", relation="儿子", mobile="13933334444")
    vehicle = add("vehicles", plate="沪A12345", description="白色大众", parking_space="B2-018")
    return family, emergency, vehicle


def _tenant_record(by, unit):
    return reception_services.record_log(
        by=by, community=unit.community, unit=unit, contact_type="tenant", contact_name="赵租客",
        contact_phone=TENANT_PHONE, consent_given=True, consent_purpose="回复报修进度", kind="repair",
        subject="厨房水管漏水",
    )  # fmt: skip


def _sheet(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


# -- 1. export ------------------------------------------------------------------------------------


def test_it_exports_everything_held_about_the_owner_in_one_workbook(mona_client, mona, unit_a, owner_a):
    _fill_archive(unit_a, owner_a, mona)
    services.contact_change(
        unit_id=unit_a.pk, by=mona, owner_id=owner_a.pk, mobile="13800009999", other_phone="",
        wechat="=HYPERLINK(\"x\")", reason="业主换号",
    )  # fmt: skip
    reception_services.record_log(
        by=mona, community=unit_a.community, unit=unit_a, owner=owner_a, kind="repair", subject="门锁坏了"
    )
    response = mona_client.get(privacy_url(unit_a, owner_a) + "export/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    titles = [t("Owner"), t("Units and ownership"), t("Family members"), t("Emergency contacts"),
              t("Vehicles"), t("Consents"), t("Change history"), t("Cases")]  # fmt: skip
    assert book.sheetnames == titles
    identity = dict(row[:2] for row in _sheet(book, t("Owner"))[1:])
    assert identity[t("Owner name")] == "王建国" and identity[t("Mobile phone")] == "13800009999"
    # A text Excel would run is written as text, not as a formula.
    assert identity[t("WeChat ID")] == '=HYPERLINK("x")'
    assert book[t("Owner")]["B5"].data_type == "s"
    assert _sheet(book, t("Units and ownership"))[1][0] == unit_a.label
    assert _sheet(book, t("Family members"))[1][:3] == ["李秀英", "配偶", "13911112222"]
    assert _sheet(book, t("Vehicles"))[1][0] == "沪A12345"
    assert len(_sheet(book, t("Consents"))) == 4
    history = _sheet(book, t("Change history"))
    assert any(MOBILE in (row[4] or "") and "13800009999" in (row[5] or "") for row in history)
    cases = _sheet(book, t("Cases"))
    assert [row[4] for row in cases[1:]] == ["门锁坏了"]


def test_the_export_is_logged_and_audited_with_counts_only(mona_client, mona, unit_a, owner_a, window):
    _fill_archive(unit_a, owner_a, mona)
    response = mona_client.get(privacy_url(unit_a, owner_a) + "export/")
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(kind="privacy.exported")
    assert entry.actor == mona and entry.community == unit_a.community
    assert entry.data["owner_id"] == owner_a.pk and entry.data["request_id"] == window.pk
    assert entry.data["family"] == 1 and entry.data["vehicles"] == 1 and entry.data["units"] == 1
    text = json.dumps(entry.data, ensure_ascii=False)
    assert "王建国" not in text and MOBILE not in text and "李秀英" not in text
    assert AccessLog.objects.filter(user=mona, what=AccessLog.What.EXPORT, request=window).count() == 1


def test_only_the_cs_center_manager_with_an_open_window_exports(client, clock, dave, mona, nora, ada, unit_a,
                                                                owner_a):  # fmt: skip
    url = privacy_url(unit_a, owner_a) + "export/"
    # The archivist writes into the archive but does not exercise the owners' data rights.
    open_window(unit_a, dave, approver=mona, archivist=ada)
    client.force_login(dave)
    assert client.get(url).status_code == 403
    # The manager without a window of her own is sent to ask for a look-up (R-ARC-4).
    client.force_login(mona)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/archives/units/{unit_a.pk}/archive/"
    assert not AuditEntry.objects.filter(kind="privacy.exported").exists()


def test_another_communitys_manager_gets_404(client, window, mike, unit_a, owner_a):
    client.force_login(mike)
    assert client.get(privacy_url(unit_a, owner_a)).status_code == 404
    assert client.get(privacy_url(unit_a, owner_a) + "export/").status_code == 404


def test_the_export_runs_a_fixed_number_of_queries(mona_client, mona, unit_a, owner_a,
                                                   django_assert_max_num_queries):  # fmt: skip
    _fill_archive(unit_a, owner_a, mona)
    url = privacy_url(unit_a, owner_a) + "export/"
    with django_assert_max_num_queries(30) as few:
        b"".join(mona_client.get(url).streaming_content)
    for _ in range(5):
        reception_services.record_log(
            by=mona, community=unit_a.community, unit=unit_a, owner=owner_a, kind="repair", subject="报修"
        )
        _tenant = services.personal_row_add(
            unit_id=unit_a.pk, by=mona, owner_id=owner_a.pk, group="family", reason="登记",
            name="家人", relation="子女", mobile="",
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(mona_client.get(url).streaming_content)


# -- 2. correction kept in history (R-ARC-3) ------------------------------------------------------


def test_the_personal_data_page_links_to_the_correction_and_the_history(
    mona_client, unit_a, owner_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = mona_client.get(privacy_url(unit_a, owner_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/archives/units/{unit_a.pk}/archive/#steps" in page
    assert f"/archives/units/{unit_a.pk}/archive/#history" in page
    assert f"/archives/units/{unit_a.pk}/owners/{owner_a.pk}/privacy/export/" in page
    archive = mona_client.get(f"/archives/units/{unit_a.pk}/archive/").content.decode()
    assert privacy_url(unit_a, owner_a) in archive and 'id="history"' in archive


def test_a_correction_keeps_the_old_value_in_the_history(mona_client, mona, unit_a, owner_a):
    response = mona_client.post(
        f"/archives/units/{unit_a.pk}/archive/contact/",
        {"contact-owner_id": owner_a.pk, "contact-mobile": "13800009999", "contact-other_phone": "",
         "contact-wechat": "", "contact-reason": "业主来电更正手机号"},
    )  # fmt: skip
    assert response.status_code == 302
    owner_a.refresh_from_db()
    assert owner_a.mobile == "13800009999"
    change = ArchiveChange.objects.get(owner=owner_a, kind="contact.changed")
    assert change.before["mobile"] == MOBILE and change.after["mobile"] == "13800009999" and change.by == mona


# -- 3. non-owner contacts ------------------------------------------------------------------------


def test_it_anonymises_a_tenant_at_the_desk_and_keeps_the_record(client, clock, alice, mona, unit_a):
    record = _tenant_record(alice, unit_a)
    client.force_login(mona)
    found = client.get("/archives/privacy/contacts/", {"q": TENANT_PHONE})
    assert found.status_code == 200 and anonymise_url("reception", record.pk) in found.content.decode()
    confirm = client.get(anonymise_url("reception", record.pk))
    assert confirm.status_code == 200 and "赵租客" in confirm.content.decode()
    assert client.post(anonymise_url("reception", record.pk)).status_code == 302
    record.refresh_from_db()
    assert (record.contact_name, record.contact_phone) == (ANONYMISED, "")
    assert record.subject == "厨房水管漏水" and record.events.exists()
    entry = AuditEntry.objects.get(kind="privacy.anonymised")
    assert entry.actor == mona and entry.data == {"what": "reception", "id": record.pk, "complaint_ids": []}
    again = client.get("/archives/privacy/contacts/", {"q": TENANT_PHONE}).content.decode()
    assert anonymise_url("reception", record.pk) not in again


def test_the_complaint_taken_over_from_the_record_follows(clock, alice, mona, unit_a):
    record = reception_services.record_log(
        by=alice, community=unit_a.community, unit=unit_a, contact_type="other", contact_name="钱访客",
        contact_phone=TENANT_PHONE, consent_given=True, consent_purpose="回复投诉处理结果",
        kind="complaint", subject="楼下噪音",
    )  # fmt: skip
    complaint = complaint_services.complaint_open_from_record(
        record_id=record.pk, by=mona, category="neighbours", severity="general", apology_given=True,
        department=DepartmentFactory(community=unit_a.community, kind=Department.Kind.ENGINEERING),
    )  # fmt: skip
    from archives.privacy import contact_anonymise

    with pytest.raises(services.ArchiveError):
        contact_anonymise(kind="complaint", pk=complaint.pk, by=mona)
    result = contact_anonymise(kind="reception", pk=record.pk, by=mona)
    complaint.refresh_from_db()
    assert result["complaint_ids"] == [complaint.pk]
    assert (complaint.contact_name, complaint.contact_phone) == (ANONYMISED, "")
    assert complaint.subject == "楼下噪音"


def test_it_refuses_in_chinese_when_already_anonymised(client, clock, alice, mona, unit_a):
    record = _tenant_record(alice, unit_a)
    client.force_login(mona)
    client.post(anonymise_url("reception", record.pk))
    response = client.post(anonymise_url("reception", record.pk), follow=True)
    assert support.shown("This person's data has already been anonymised; nothing was changed.") in (
        response.content.decode()
    )
    assert AuditEntry.objects.filter(kind="privacy.anonymised").count() == 1


def test_it_leaves_an_owners_record_and_bad_input_unchanged(client, clock, alice, mona, unit_a, owner_a):
    own = reception_services.record_log(
        by=alice, community=unit_a.community, unit=unit_a, owner=owner_a, kind="repair", subject="报修",
        contact_phone=MOBILE,
    )  # fmt: skip
    client.force_login(mona)
    client.post(anonymise_url("reception", own.pk))
    own.refresh_from_db()
    assert own.contact_phone == MOBILE
    assert client.post(anonymise_url("nonsense", own.pk)).status_code == 404
    assert client.post(anonymise_url("reception", own.pk + 999)).status_code == 404
    assert not AuditEntry.objects.filter(kind="privacy.anonymised").exists()


def test_only_the_manager_anonymises(client, clock, alice, unit_a):
    record = _tenant_record(alice, unit_a)
    client.force_login(alice)
    assert client.get("/archives/privacy/contacts/").status_code == 403
    assert client.post(anonymise_url("reception", record.pk)).status_code == 403
    record.refresh_from_db()
    assert record.contact_name == "赵租客"


def test_the_search_runs_a_fixed_number_of_queries(client, clock, alice, mona, unit_a,
                                                   django_assert_max_num_queries):  # fmt: skip
    _tenant_record(alice, unit_a)
    client.force_login(mona)
    with django_assert_max_num_queries(12) as few:
        client.get("/archives/privacy/contacts/", {"q": TENANT_PHONE})
    for _ in range(5):
        _tenant_record(alice, unit_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/archives/privacy/contacts/", {"q": TENANT_PHONE})
    assert page.content.decode().count("/anonymise/") == 6


def test_it_anonymises_a_suggestion_box_contact(clock, mona, community_a):
    note = survey_services.box_suggestion_post(
        community_id=community_a.pk, text="电梯太慢", contact=TENANT_PHONE, contact_consent=True,
        address="203.0.113.7",
    )  # fmt: skip
    from archives.privacy import contact_anonymise, contact_search

    assert [c.pk for c in contact_search(user=mona, text=TENANT_PHONE) if c.kind == "box"] == [note.pk]
    contact_anonymise(kind="box", pk=note.pk, by=mona)
    note = BoxSuggestion.objects.get(pk=note.pk)
    assert note.contact == ANONYMISED and note.text == "电梯太慢"


def test_it_anonymises_a_removed_family_member_and_its_history(mona_client, mona, unit_a, owner_a):
    family, emergency, _vehicle = _fill_archive(unit_a, owner_a, mona)
    services.personal_row_remove(
        unit_id=unit_a.pk, by=mona, group="family", row_id=family.pk, reason="已搬离"
    )
    page = mona_client.get(privacy_url(unit_a, owner_a)).content.decode()
    assert anonymise_url("family", family.pk) in page
    # Still in the archive: refused, nothing changed.
    mona_client.post(anonymise_url("emergency", emergency.pk))
    assert EmergencyContact.objects.get(pk=emergency.pk).name == "王小明"
    assert mona_client.post(anonymise_url("family", family.pk)).status_code == 302
    family.refresh_from_db()
    assert (family.name, family.mobile, family.relation) == (ANONYMISED, "", "配偶")
    history = ArchiveChange.objects.filter(owner=owner_a, kind__startswith="family.")
    assert "李秀英" not in json.dumps([[c.before, c.after] for c in history], ensure_ascii=False)
    assert history.filter(kind="family.anonymised", by=mona).exists()
    assert history.filter(kind="family.removed").exists()  # the history keeps that it happened


def test_a_removed_family_member_needs_a_window(client, clock, mona, nora, ada, unit_a, owner_a):
    lookup = open_window(unit_a, mona, approver=nora, archivist=ada)
    family, _e, _v = _fill_archive(unit_a, owner_a, mona)
    services.personal_row_remove(unit_id=unit_a.pk, by=mona, group="family", row_id=family.pk, reason="搬离")
    services.lookup_close(request_id=lookup.pk, by=mona)
    client.force_login(mona)
    assert client.get(anonymise_url("family", family.pk)).status_code == 403
    client.post(anonymise_url("family", family.pk))
    assert FamilyMember.objects.get(pk=family.pk).name == "李秀英"


# -- 4. former owners (R-ARC-5) -------------------------------------------------------------------


def _former_owner(unit, *, ended: datetime.date, name="孙旧主", mobile="13566667777"):
    ownership = OwnershipFactory(
        unit=unit, owner__name=name, owner__mobile=mobile, owner__wechat="sun_wx",
        start_date=datetime.date(2015, 1, 1), end_date=ended, end_reason="出售",
    )  # fmt: skip
    owner = ownership.owner
    for model, fields in (
        (FamilyMember, {"name": "孙家人", "relation": "配偶", "mobile": "13512341234"}),
        (EmergencyContact, {"name": "孙紧急", "relation": "兄弟", "mobile": "13543214321"}),
        (Vehicle, {"plate": "沪B99999", "description": "黑色", "parking_space": "A-01"}),
    ):
        model.objects.create(community_id=unit.community_id, owner=owner, **fields)
    return owner


THREE_YEARS_AGO = datetime.date(2023, 11, 23)


def test_it_anonymises_an_owner_whose_ownership_ended_more_than_3_years_ago(clock, alice, unit_a):
    owner = _former_owner(unit_a, ended=THREE_YEARS_AGO - datetime.timedelta(days=1))
    record = reception_services.record_log(
        by=alice, community=unit_a.community, unit=unit_a, owner=owner, contact_phone="13566667777",
        kind="repair", subject="旧案：漏水",
    )  # fmt: skip
    result = former_owners_anonymise()
    assert result == {"owners": 1, "ids": [owner.pk]}
    owner.refresh_from_db()
    assert (owner.name, owner.mobile, owner.mobile_tail, owner.wechat) == (FORMER_OWNER, "", "", "")
    assert owner.anonymised_at is not None and owner.masked_mobile == "—"
    assert set(FamilyMember.objects.filter(owner=owner).values_list("name", "mobile")) == {(ANONYMISED, "")}
    assert set(EmergencyContact.objects.filter(owner=owner).values_list("name", "mobile")) == {
        (ANONYMISED, "")
    }
    assert set(Vehicle.objects.filter(owner=owner).values_list("plate", flat=True)) == {ANONYMISED}
    assert not Vehicle.objects.filter(owner=owner, removed_at__isnull=True).exists()
    # The ownership, the unit's archive and the case stay (R-ARC-5).
    assert Ownership.objects.get(owner=owner).end_date == THREE_YEARS_AGO - datetime.timedelta(days=1)
    record.refresh_from_db()
    assert record.subject == "旧案：漏水" and record.contact_phone == "" and record.owner_id == owner.pk
    assert UnitEvent.objects.filter(unit=unit_a, kind="unit.former_owner_anonymised").count() == 1
    entry = AuditEntry.objects.get(kind="retention.anonymised")
    assert entry.actor is None and entry.community == unit_a.community
    assert entry.data["owners"] == 1 and entry.data["family"] == 1 and entry.data["vehicles"] == 1
    assert entry.data["owner_ids"] == [owner.pk] and entry.data["years"] == 3
    assert "孙旧主" not in json.dumps(entry.data, ensure_ascii=False)


def test_it_leaves_an_owner_whose_ownership_ended_less_than_3_years_ago(clock, unit_a):
    owner = _former_owner(unit_a, ended=THREE_YEARS_AGO + datetime.timedelta(days=1))
    assert former_owners_anonymise() == {"owners": 0, "ids": []}
    assert Owner.objects.get(pk=owner.pk).name == "孙旧主"
    assert not AuditEntry.objects.filter(kind="retention.anonymised").exists()


def test_it_leaves_a_former_owner_who_still_owns_another_unit(clock, unit_a, community_a):
    owner = _former_owner(unit_a, ended=datetime.date(2019, 1, 1))
    Ownership.objects.create(
        community=community_a, unit=UnitFactory(building=unit_a.building, room="1902"), owner=owner,
        start_date=datetime.date(2018, 1, 1),
    )  # fmt: skip
    assert former_owners_anonymise()["owners"] == 0
    assert Owner.objects.get(pk=owner.pk).mobile == "13566667777"


def test_running_twice_changes_nothing_more(clock, unit_a):
    owner = _former_owner(unit_a, ended=datetime.date(2020, 1, 1))
    former_owners_anonymise()
    before = Owner.objects.get(pk=owner.pk).updated_at
    assert former_owners_anonymise() == {"owners": 0, "ids": []}
    assert Owner.objects.get(pk=owner.pk).updated_at == before
    assert AuditEntry.objects.filter(kind="retention.anonymised").count() == 1
    assert UnitEvent.objects.filter(kind="unit.former_owner_anonymised").count() == 1


def test_the_years_are_a_setting_and_the_batch_is_limited(clock, settings, unit_a, community_a):
    settings.PROPSVC_FORMER_OWNER_ANONYMISE_YEARS = 5
    _former_owner(unit_a, ended=datetime.date(2022, 1, 1))
    assert former_owners_due().count() == 0
    settings.PROPSVC_FORMER_OWNER_ANONYMISE_YEARS = 3
    unit2 = UnitFactory(building=unit_a.building, room="1903")
    _former_owner(unit2, ended=datetime.date(2020, 1, 1), name="周旧主", mobile="13566668888")
    assert former_owners_anonymise(batch=1)["owners"] == 1
    assert former_owners_anonymise(batch=1)["owners"] == 1
    assert former_owners_anonymise(batch=1)["owners"] == 0


def test_the_unit_archive_shows_the_anonymised_former_owner(clock, client, mona, nora, ada, unit_a, owner_a):
    _former_owner(unit_a, ended=datetime.date(2020, 1, 1))
    former_owners_anonymise()
    client.force_login(mona)
    register = client.get(f"/archives/units/{unit_a.pk}/").content.decode()
    assert FORMER_OWNER in register and "孙旧主" not in register
    open_window(unit_a, mona, approver=nora, archivist=ada)
    archive = client.get(f"/archives/units/{unit_a.pk}/archive/").content.decode()
    assert FORMER_OWNER in archive and "13566667777" not in archive and "沪B99999" not in archive


def test_the_command_and_the_beat_task_run_it(clock, unit_a):
    from archives.tasks import anonymise_former_owners
    from propsvc.celery import app

    owner = _former_owner(unit_a, ended=datetime.date(2020, 1, 1))
    out = io.StringIO()
    call_command("anonymise_former_owners", "--dry-run", stdout=out)
    assert "would anonymise 1" in out.getvalue() and Owner.objects.get(pk=owner.pk).anonymised_at is None
    assert anonymise_former_owners.run() == {"owners": 1, "ids": [owner.pk]}
    entry = app.conf.beat_schedule["anonymise-former-owners"]
    assert entry["task"] == "archives.tasks.anonymise_former_owners"
