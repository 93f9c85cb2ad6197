"""The owner archive page inside a window (R-ARC-1, R-ARC-3, R-ARC-6, R-REC-7): everything in it,
and writing into it — contact changes kept in the history, optional information only with the
owner's consent, consent withdrawn scrubs it, documents checked by content and kept for good.

The archivist (dave) writes inside his own window (approved by mona, registered by ada); alice
reads inside hers.
"""

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib import admin

from archives import services
from archives import urls as archive_urls
from archives.models import (
    AccessLog,
    ArchiveChange,
    ArchiveDocument,
    Building,
    Consent,
    ConsentGroup,
    EmergencyContact,
    FamilyMember,
    Owner,
    Ownership,
    Unit,
    Vehicle,
)
from tests.archives import support
from tests.archives.support import MOBILE, PDF, docx_bytes, open_window, png_bytes, shown, upload
from tests.factories import UserFactory

_fast_passwords = support._fast_passwords
_media = support._media
clock = support.clock
mona = support.mona
ada = support.ada
bea = support.bea
owner_a = support.owner_a

TODAY = datetime.date(2026, 11, 23)  # support.MORNING


def archive_url(unit) -> str:
    return f"/archives/units/{unit.pk}/archive/"


def step_url(unit, step: str) -> str:
    return f"/archives/units/{unit.pk}/archive/{step}/"


@pytest.fixture
def own_window(clock, dave, mona, ada, unit_a, owner_a):
    """dave's open look-up of unit_a's archive: the archivist writes only into what he sees."""
    return open_window(unit_a, dave, approver=mona, archivist=ada)


@pytest.fixture
def dave_client(client, dave, own_window):
    client.force_login(dave)
    return client


def consent(unit, owner, by, group: str, purpose: str = "业主同意登记，用于物业服务联系"):
    return services.consent_record(
        unit_id=unit.pk, by=by, owner_id=owner.pk, group=group, purpose=purpose, given_on=TODAY
    )


def add_row(unit, owner, by, group: str, **fields):
    return services.personal_row_add(
        unit_id=unit.pk, by=by, owner_id=owner.pk, group=group, reason="业主要求登记", **fields
    )


FAMILY = {"name": "李秀英", "relation": "妻子", "mobile": "13700001111"}
EMERGENCY = {"name": "王建军", "relation": "弟弟", "mobile": "13600002222"}
VEHICLE = {"plate": "苏E12345", "description": "白色大众", "parking_space": "B-108"}
GROUP_FIELDS = {"family": FAMILY, "emergency": EMERGENCY, "vehicles": VEHICLE}
STEP_OF = {"family": "family", "emergency": "emergency", "vehicles": "vehicle"}


def snapshot():
    """Everything a writing step may touch, and the files under MEDIA_ROOT."""
    from django.conf import settings

    media = Path(settings.MEDIA_ROOT)
    return {
        "owners": list(Owner.objects.order_by("pk").values()),
        "consents": list(Consent.objects.order_by("pk").values()),
        "family": list(FamilyMember.objects.order_by("pk").values()),
        "emergency": list(EmergencyContact.objects.order_by("pk").values()),
        "vehicles": list(Vehicle.objects.order_by("pk").values()),
        "documents": list(ArchiveDocument.objects.order_by("pk").values()),
        "changes": list(ArchiveChange.objects.order_by("pk").values()),
        "files": sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else [],
    }


@pytest.fixture
def filled(own_window, unit_a, owner_a, dave):
    """A full archive written through the services: contact, the three consents and their rows,
    a document in each part."""
    services.contact_change(
        unit_id=unit_a.pk,
        by=dave,
        owner_id=owner_a.pk,
        mobile=MOBILE,
        other_phone="0512-66668888",
        wechat="wjg_1101",
        reason="业主补充联系方式",
    )
    for group, fields in GROUP_FIELDS.items():
        consent(unit_a, owner_a, dave, group)
        add_row(unit_a, owner_a, dave, group, **fields)
    docs = {
        "basic": ("购房合同", upload("合同.pdf", PDF)),
        "renovation": ("装修申请表", upload("装修申请.docx", docx_bytes())),
        "other": ("门禁卡照片", upload("照片.png", png_bytes(), "image/png")),
    }
    return {
        part: services.document_add(unit_id=unit_a.pk, by=dave, part=part, title=title, upload=file)
        for part, (title, file) in docs.items()
    }


# -- what the page shows inside a window --------------------------------------------------------------


def test_it_shows_the_whole_archive_inside_the_requesters_window(
    client, filled, alice, mona, dave, unit_a, owner_a
):
    open_window(unit_a, alice, approver=mona, archivist=dave)
    client.force_login(alice)
    r = client.get(archive_url(unit_a))
    assert r.status_code == 200 and r.templates[0].name == "archives/archive.html"
    body = r.content.decode()
    card = body.split("<strong>王建国</strong>", 1)[1].split("</dl>", 1)[0]  # the owner's own card
    assert f'full-phone">{MOBILE} · 0512-66668888 · {shown("WeChat")} wjg_1101' in card
    for text in (*FAMILY.values(), *EMERGENCY.values(), *VEHICLE.values()):
        assert text in card, text
    for group in ConsentGroup.FAMILY, ConsentGroup.EMERGENCY, ConsentGroup.VEHICLES:
        assert f"{shown(str(group.label))}：业主同意登记，用于物业服务联系（2026-11-23" in card
    assert dave.get_full_name() in card  # who recorded the consents
    parts = {value: [d.title for d in documents] for value, _label, documents in r.context["parts"]}
    assert parts == {"basic": ["购房合同"], "renovation": ["装修申请表"], "other": ["门禁卡照片"]}
    for doc in filled.values():
        assert doc.get_absolute_url() in body
    for label in ("Contact details changed", "Family member added", "Consent recorded", "Document added"):
        assert shown(label) in body
    assert "业主补充联系方式" in body and "业主要求登记" in body
    assert not r.context["may_edit"] and r.context["steps"] == []  # alice reads, she does not write


def test_it_offers_the_writing_steps_to_the_archivist(dave_client, unit_a):
    r = dave_client.get(archive_url(unit_a))
    assert r.context["may_edit"]
    names = [item["step"].name for item in r.context["steps"]]
    assert names == ["contact", "consent", "withdraw", "family", "emergency", "vehicle", "remove", "document"]
    assert f'action="{step_url(unit_a, "contact")}"' in r.content.decode()


# -- contact changes (R-ARC-3) ------------------------------------------------------------------------


def test_it_changes_the_contact_and_keeps_the_old_number_in_the_history(dave_client, dave, unit_a, owner_a):
    r = dave_client.post(
        step_url(unit_a, "contact"),
        {
            "contact-owner_id": owner_a.pk,
            "contact-mobile": "139 0000 1111",
            "contact-other_phone": "",
            "contact-wechat": "wjg_new",
            "contact-reason": "业主换号",
        },
    )
    assert r.status_code == 302 and r["Location"] == archive_url(unit_a)
    owner_a.refresh_from_db()
    assert (owner_a.mobile, owner_a.mobile_tail, owner_a.wechat) == ("13900001111", "1111", "wjg_new")
    change = ArchiveChange.objects.get(kind="contact.changed")
    assert (change.by, change.reason, change.owner, change.unit) == (dave, "业主换号", owner_a, unit_a)
    assert change.before == {"mobile": MOBILE, "other_phone": "", "wechat": ""}
    assert change.after == {"mobile": "13900001111", "other_phone": "", "wechat": "wjg_new"}
    body = dave_client.get(archive_url(unit_a)).content.decode()
    assert MOBILE in body and "13900001111" in body and "业主换号" in body  # old one in the history


@pytest.mark.parametrize(
    "data",
    [
        {"contact-mobile": "12345", "contact-reason": "业主换号"},  # not a mainland mobile
        {"contact-mobile": "13900001111", "contact-reason": ""},  # no reason
        {"contact-mobile": MOBILE, "contact-reason": "没有变化"},  # nothing changed
    ],
    ids=["bad-mobile", "no-reason", "unchanged"],
)
def test_it_refuses_a_bad_contact_change_and_writes_nothing(dave_client, unit_a, owner_a, data):
    before = snapshot()
    r = dave_client.post(step_url(unit_a, "contact"), {"contact-owner_id": owner_a.pk, **data})
    assert r.status_code == 400
    assert snapshot() == before


# -- optional information needs the owner's consent (R-REC-7) ------------------------------------------


def _row_data(owner, group: str) -> dict:
    step = STEP_OF[group]
    data = {f"{step}-{k}": v for k, v in GROUP_FIELDS[group].items()}
    return {f"{step}-owner_id": owner.pk, f"{step}-reason": "业主要求登记", **data}


@pytest.mark.parametrize("group", ["family", "emergency", "vehicles"])
def test_it_refuses_optional_information_without_the_owners_consent(dave_client, unit_a, owner_a, group):
    before = snapshot()
    r = dave_client.post(step_url(unit_a, STEP_OF[group]), _row_data(owner_a, group))
    assert r.status_code == 400
    assert (
        shown(
            "Record the owner's consent to “%(group)s” first (R-REC-7): this information is voluntary.",
            group=ConsentGroup(group).label,
        )
        in r.content.decode()
    )
    assert snapshot() == before


@pytest.mark.parametrize("group", ["family", "emergency", "vehicles"])
def test_it_takes_optional_information_once_the_consent_is_recorded(
    dave_client, dave, unit_a, owner_a, group
):
    r = dave_client.post(
        step_url(unit_a, "consent"),
        {
            "consent-owner_id": owner_a.pk,
            "consent-group": group,
            "consent-purpose": "业主同意登记，用于紧急联系",
            "consent-given_on": "2026-11-20",
        },
    )
    assert r.status_code == 302
    recorded = Consent.objects.get(owner=owner_a, group=group)
    assert (recorded.purpose, recorded.given_on, recorded.recorded_by, recorded.withdrawn_on) == (
        "业主同意登记，用于紧急联系",
        datetime.date(2026, 11, 20),
        dave,
        None,
    )
    assert dave_client.post(step_url(unit_a, STEP_OF[group]), _row_data(owner_a, group)).status_code == 302
    model = {"family": FamilyMember, "emergency": EmergencyContact, "vehicles": Vehicle}[group]
    row = model.objects.get(owner=owner_a)
    assert {k: getattr(row, k) for k in GROUP_FIELDS[group]} == GROUP_FIELDS[group]
    change = ArchiveChange.objects.get(kind=f"{STEP_OF[group]}.added")
    assert (change.by, change.reason, change.after) == (dave, "业主要求登记", GROUP_FIELDS[group])


def test_it_refuses_a_consent_dated_in_the_future(dave_client, unit_a, owner_a):
    before = snapshot()
    r = dave_client.post(
        step_url(unit_a, "consent"),
        {
            "consent-owner_id": owner_a.pk,
            "consent-group": "family",
            "consent-purpose": "业主同意",
            "consent-given_on": "2026-11-24",
        },
    )
    assert r.status_code == 400
    assert snapshot() == before


def test_it_removes_an_entry_and_keeps_what_it_was_in_the_history(dave_client, dave, unit_a, owner_a):
    consent(unit_a, owner_a, dave, "family")
    member = add_row(unit_a, owner_a, dave, "family", **FAMILY)
    r = dave_client.post(
        step_url(unit_a, "remove"),
        {
            "remove-group": "family",
            "remove-row_id": member.pk,
            "remove-reason": "已搬离",
        },
    )
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.removed_at is not None
    change = ArchiveChange.objects.get(kind="family.removed")
    assert (change.by, change.reason, change.before) == (dave, "已搬离", FAMILY)
    r = dave_client.get(archive_url(unit_a))
    assert r.context["ownerships"][0][1]["family"] == []


def test_it_removes_the_information_and_scrubs_the_history_when_consent_is_withdrawn(
    dave_client, dave, unit_a, owner_a
):
    consent(unit_a, owner_a, dave, "family")
    consent(unit_a, owner_a, dave, "vehicles")
    gone_before = add_row(
        unit_a, owner_a, dave, "family", name="王小明", relation="儿子", mobile="13500003333"
    )
    services.personal_row_remove(
        unit_id=unit_a.pk, by=dave, group="family", row_id=gone_before.pk, reason="已搬离"
    )
    add_row(unit_a, owner_a, dave, "family", **FAMILY)
    add_row(unit_a, owner_a, dave, "vehicles", **VEHICLE)
    r = dave_client.post(
        step_url(unit_a, "withdraw"),
        {
            "withdraw-owner_id": owner_a.pk,
            "withdraw-group": "family",
            "withdraw-reason": "业主撤回同意",
        },
    )
    assert r.status_code == 302
    # every family row of the owner is emptied, including the one removed earlier
    assert list(FamilyMember.objects.values_list("name", "relation", "mobile")) == [("", "", "")] * 2
    assert not FamilyMember.objects.filter(removed_at__isnull=True).exists()
    family_history = ArchiveChange.objects.filter(kind__startswith="family.")
    assert family_history.count() == 3 and all(c.before == c.after == {} for c in family_history)
    assert Consent.objects.get(group="family").withdrawn_on == TODAY
    withdrawn = ArchiveChange.objects.get(kind="consent.withdrawn")
    assert (withdrawn.by, withdrawn.reason, withdrawn.after) == (
        dave,
        "业主撤回同意",
        {"group": "family", "removed": 1},
    )
    body = dave_client.get(archive_url(unit_a)).content.decode()
    for value in (*FAMILY.values(), "王小明", "13500003333"):
        assert value not in body, value
    assert "苏E12345" in body  # the vehicles rest on their own consent
    assert Vehicle.objects.get().removed_at is None
    # once withdrawn, family members need a new consent
    refused = dave_client.post(step_url(unit_a, "family"), _row_data(owner_a, "family"))
    assert refused.status_code == 400


def test_it_refuses_to_withdraw_a_consent_never_given(dave_client, unit_a, owner_a):
    before = snapshot()
    r = dave_client.post(
        step_url(unit_a, "withdraw"),
        {
            "withdraw-owner_id": owner_a.pk,
            "withdraw-group": "family",
            "withdraw-reason": "业主撤回同意",
        },
    )
    assert r.status_code == 400 and shown("There is no consent to withdraw.") in r.content.decode()
    assert snapshot() == before


# -- writing needs a window and the permission ------------------------------------------------------------


def step_data(owner) -> dict[str, dict]:
    """A valid-looking POST for every step."""
    return {
        "contact": {"contact-owner_id": owner.pk, "contact-mobile": "13900001111", "contact-reason": "换号"},
        "consent": {
            "consent-owner_id": owner.pk,
            "consent-group": "family",
            "consent-purpose": "同意",
            "consent-given_on": "2026-11-20",
        },
        "withdraw": {"withdraw-owner_id": owner.pk, "withdraw-group": "family", "withdraw-reason": "撤回"},
        "family": _row_data(owner, "family"),
        "emergency": _row_data(owner, "emergency"),
        "vehicle": _row_data(owner, "vehicles"),
        "remove": {"remove-group": "family", "remove-row_id": "1", "remove-reason": "已搬离"},
        "document": {
            "document-part": "basic",
            "document-title": "购房合同",
            "document-upload": upload("合同.pdf", PDF),
        },
    }


STEPS = ["contact", "consent", "withdraw", "family", "emergency", "vehicle", "remove", "document"]


@pytest.mark.parametrize("step", STEPS)
def test_it_refuses_every_step_without_a_window(client, clock, dave, unit_a, owner_a, step):
    client.force_login(dave)
    before = snapshot()
    r = client.post(step_url(unit_a, step), step_data(owner_a)[step], follow=True)
    assert r.redirect_chain == [(archive_url(unit_a), 302)]
    assert shown("Open a look-up of this archive first: its contents are confidential.") in r.content.decode()
    assert snapshot() == before
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("step", ["contact", "family", "document"])
def test_it_refuses_every_step_once_the_window_has_expired(
    dave_client, clock, own_window, unit_a, owner_a, step
):
    clock.move_to(own_window.expires_at)
    before = snapshot()
    r = dave_client.post(step_url(unit_a, step), step_data(owner_a)[step])
    assert r.status_code == 302 and r["Location"] == archive_url(unit_a)
    assert snapshot() == before


@pytest.mark.parametrize("step", STEPS)
def test_it_refuses_every_step_to_staff_who_may_not_write_into_archives(
    client, clock, alice, mona, dave, unit_a, owner_a, step
):
    open_window(unit_a, alice, approver=mona, archivist=dave)  # alice may read, not write
    client.force_login(alice)
    before = snapshot()
    assert client.post(step_url(unit_a, step), step_data(owner_a)[step]).status_code == 403
    assert snapshot() == before


def test_it_hides_the_archive_from_an_archivist_of_another_community(client, bea, unit_a, owner_a):
    client.force_login(bea)
    before = snapshot()
    assert client.post(step_url(unit_a, "contact"), step_data(owner_a)["contact"]).status_code == 404
    assert snapshot() == before


def test_it_refuses_an_unknown_step_and_takes_steps_by_post_only(dave_client, unit_a, owner_a):
    assert dave_client.post(step_url(unit_a, "delete"), {}).status_code == 403
    assert dave_client.get(step_url(unit_a, "contact")).status_code == 405


# -- a change of owner keeps the former owner's archive (R-ARC-3) -------------------------------------------


def test_it_keeps_the_former_owners_archive_after_a_change_of_owner(
    client, clock, own_window, alice, mona, dave, unit_a, owner_a
):
    consent(unit_a, owner_a, dave, "family")
    add_row(unit_a, owner_a, dave, "family", **FAMILY)
    services.contact_change(
        unit_id=unit_a.pk,
        by=dave,
        owner_id=owner_a.pk,
        mobile=MOBILE,
        other_phone="",
        wechat="wjg_1101",
        reason="业主补充微信",
    )
    services.ownership_transfer(
        unit_id=unit_a.pk,
        by=dave,
        owners=[{"name": "赵敏", "mobile": "13700007777"}],
        start_date=datetime.date(2026, 11, 1),
        reason="二手房买卖",
    )
    open_window(unit_a, alice, approver=mona, archivist=dave)
    client.force_login(alice)
    r = client.get(archive_url(unit_a))
    (current, _), (former, data) = r.context["ownerships"]
    assert (current.owner.name, current.is_current) == ("赵敏", True)
    assert (former.owner, former.is_current, former.end_date) == (owner_a, False, datetime.date(2026, 11, 1))
    assert [f.name for f in data["family"]] == ["李秀英"]
    assert [c.group for c in data["consents"]] == ["family"]
    body = r.content.decode()
    former_card = body.split("<strong>王建国</strong>", 1)[1].split("</dl>", 1)[0]
    assert shown("Former owner") in former_card and f'full-phone">{MOBILE}' in former_card
    for text in (MOBILE, "wjg_1101", "李秀英", "13700001111"):
        assert text in former_card, text
    assert "13700007777" in body and shown("Current owner") in body
    assert Owner.objects.filter(pk=owner_a.pk, mobile=MOBILE).exists()


# -- documents (R-ARC-1): checked by content, random names, kept for good ------------------------------------

STORED = re.compile(r"^archives/(?P<community>\d+)/(?P<stem>[0-9a-f]{32})\.(?P<ext>\w+)$")


@pytest.mark.parametrize(
    ("name", "content", "content_type", "ext"),
    [
        ("购房合同扫描件.pdf", PDF, "application/pdf", "pdf"),
        ("门禁卡照片.png", None, "image/png", "png"),
        (
            "装修申请.docx",
            None,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
    ],
    ids=["pdf", "png", "docx"],
)
def test_it_keeps_a_document_under_a_random_name(
    dave_client, settings, dave, unit_a, name, content, content_type, ext
):
    content = content or (png_bytes() if ext == "png" else docx_bytes())
    r = dave_client.post(
        step_url(unit_a, "document"),
        {
            "document-part": "renovation",
            "document-title": "装修资料",
            "document-upload": upload(name, content),
        },
    )
    assert r.status_code == 302
    doc = ArchiveDocument.objects.get()
    assert (doc.unit, doc.part, doc.title, doc.uploaded_by) == (unit_a, "renovation", "装修资料", dave)
    assert (doc.content_type, doc.size, doc.original_name) == (content_type, len(content), name)
    match = STORED.match(doc.file.name)
    assert match and match["community"] == str(unit_a.community_id) and match["ext"] == ext
    assert name.rsplit(".", 1)[0] not in doc.file.name
    stored = Path(settings.MEDIA_ROOT) / doc.file.name
    assert stored.read_bytes() == content
    assert [p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == [stored.name]
    change = ArchiveChange.objects.get(kind="document.added")
    assert (change.unit, change.by, change.after) == (
        unit_a,
        dave,
        {"part": "renovation", "title": "装修资料"},
    )
    download = dave_client.get(doc.get_absolute_url())
    assert b"".join(download.streaming_content) == content and download["Content-Type"] == content_type


def _zip_without_content_types() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("合同.pdf", b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"),
        ("照片.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("申请.docx", None),
        ("说明.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
    ],
    ids=["html-as-pdf", "svg-as-png", "zip-as-docx", "program"],
)
def test_it_refuses_a_file_that_is_not_what_its_name_says(dave_client, unit_a, name, content):
    before = snapshot()
    r = dave_client.post(
        step_url(unit_a, "document"),
        {
            "document-part": "basic",
            "document-title": "合同",
            "document-upload": upload(name, content or _zip_without_content_types()),
        },
    )
    assert r.status_code == 400
    assert shown("“%(name)s” is not a PDF, an image or an Office document; it was not kept.", name=name) in (
        r.content.decode()
    )
    assert snapshot() == before


def test_it_refuses_a_document_over_the_size_limit(dave_client, settings, unit_a):
    settings.PROPSVC_ARCHIVE_DOCUMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))
    before = snapshot()
    r = dave_client.post(
        step_url(unit_a, "document"),
        {
            "document-part": "basic",
            "document-title": "合同",
            "document-upload": upload("合同.pdf", big),
        },
    )
    assert r.status_code == 400
    assert shown("“%(name)s” is larger than %(mb)d MB.", name="合同.pdf", mb=1) in r.content.decode()
    assert snapshot() == before
    just = PDF + b"0" * (1024 * 1024 - len(PDF))
    ok = dave_client.post(
        step_url(unit_a, "document"),
        {
            "document-part": "basic",
            "document-title": "合同",
            "document-upload": upload("合同.pdf", just),
        },
    )
    assert ok.status_code == 302 and ArchiveDocument.objects.get().size == 1024 * 1024


def test_it_refuses_a_document_without_a_title_or_a_part(dave_client, unit_a):
    before = snapshot()
    for data in (
        {"document-part": "basic", "document-title": ""},
        {"document-part": "x", "document-title": "合同"},
    ):
        r = dave_client.post(
            step_url(unit_a, "document"), {**data, "document-upload": upload("合同.pdf", PDF)}
        )
        assert r.status_code == 400
    assert snapshot() == before


def test_it_offers_no_way_to_delete_a_document(dave_client, filled, unit_a):
    doc = filled["basic"]
    assert dave_client.post(doc.get_absolute_url()).status_code == 405
    assert dave_client.delete(doc.get_absolute_url()).status_code == 405
    routes = [(str(p.pattern), p.name or "") for p in archive_urls.urlpatterns]
    assert not [r for r in routes if "delete" in r[0] + r[1]]  # no route of the app deletes anything
    assert dave_client.post(step_url(unit_a, "delete"), {"delete-row_id": doc.pk}).status_code == 403
    assert ArchiveDocument not in admin.site._registry or not admin.site._registry[
        ArchiveDocument
    ].has_delete_permission(None)
    assert ArchiveDocument.objects.count() == 3


@pytest.mark.parametrize("model", [Building, Unit, Owner, Ownership])
def test_it_offers_no_delete_for_the_register_in_the_admin(client, unit_a, owner_a, model):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[model]
    assert not model_admin.has_delete_permission(None)
    obj = model.objects.first()
    client.force_login(root)
    r = client.post(f"/admin/archives/{model._meta.model_name}/{obj.pk}/delete/", {"post": "yes"})
    assert r.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


# -- queries -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5])
def test_it_shows_the_archive_in_constant_queries(
    dave_client, dave, unit_a, owner_a, django_assert_num_queries, n
):
    consent(unit_a, owner_a, dave, "family")
    for i in range(n):
        add_row(unit_a, owner_a, dave, "family", name=f"家属{i}", relation="子女", mobile=f"1350000{i:04d}")
        services.document_add(
            unit_id=unit_a.pk,
            by=dave,
            part=("basic", "renovation", "other")[i % 3],
            title=f"资料{i}",
            upload=upload(f"资料{i}.pdf", PDF),
        )
    # session, user, memberships; the unit; the window; the log entry, its audit entry; the current
    # owners for each writing form that names one (6); the archive: ownerships, consents, family,
    # emergency contacts, vehicles, documents, changes, unit events; communities (header), unread
    # notifications
    with django_assert_num_queries(23):
        r = dave_client.get(archive_url(unit_a))
    assert len(r.context["ownerships"][0][1]["family"]) == n
    assert sum(len(documents) for _v, _l, documents in r.context["parts"]) == n
