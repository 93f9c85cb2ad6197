"""Issue 11 item 8: a stale edit form (someone saved in between) is refused, not silently
overwritten. Each form that edits an existing record carries the version it was rendered with
(propsvc.concurrency: the record's updated_at, the calendar year's entered_at); the service compares
it after locking the row. Covered: a bulletin notice draft, a questionnaire, an owner's contact
details in the archive, a year of the working-day calendar."""

import datetime
import re

import pytest
from django.utils.html import escape
from django.utils.translation import gettext, override

from archives import services as archive_services
from archives.models import ArchiveChange, Owner
from propsvc.concurrency import STALE_MSGID, StaleEdit, ensure_fresh, version_of, version_part
from propsvc.models import CalendarYear
from propsvc.roles import Role
from surveys import notices, rounds
from surveys.models import Notice, QuestionnaireTemplate
from tests.conftest import _member

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


def stale_text() -> str:
    """The refusal as the page shows it (the default language, zh-hans)."""
    with override("zh-hans"):
        return escape(gettext(STALE_MSGID))


def token(html: str, name: str = "version") -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden {name} field on the page"
    return match.group(1)


# -- the helper ------------------------------------------------------------------------------------


def test_the_helper_refuses_an_old_version_and_accepts_the_current_or_none(clock, owner_a):
    rendered = version_of(owner_a)
    ensure_fresh(owner_a, version=rendered)
    ensure_fresh(owner_a, version="")  # not from a rendered form: not checked
    clock.shift(SECOND)
    owner_a.save()
    with pytest.raises(StaleEdit) as refused:
        ensure_fresh(owner_a, version=rendered)
    assert "刷新" in refused.value.message or "Reload" in refused.value.message
    assert version_part(f"{owner_a.pk}@x;99@y", 99) == "99@y"
    assert version_part(f"{owner_a.pk}@x", 12345) == "?"
    assert version_of(None) == "-"


# -- a bulletin notice draft -----------------------------------------------------------------------


def _draft(by, community):
    starts = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    return notices.notice_create(
        by=by, community=community, kind=Notice.Kind.WATER_CUT, title="水箱清洗停水通知",
        body="届时3栋、5栋停水，请提前储水。", starts_at=starts, ends_at=starts + datetime.timedelta(hours=8),
    )  # fmt: skip


def _notice_post(notice, **fields):
    data = {
        "kind": notice.kind, "title": notice.title, "body": notice.body,
        "starts_at": "2026-11-26T17:00", "ends_at": "2026-11-27T01:00", "signed_by": "",
    }  # fmt: skip
    data.update(fields)
    return data


def test_a_notice_draft_edited_by_someone_else_meanwhile_is_not_overwritten(client, clock, community_a):
    sam = _member("sam", community_a, Role.CS_SUPERVISOR)
    notice = _draft(sam, community_a)
    client.force_login(sam)
    url = f"/surveys/notices/{notice.pk}/edit/"
    rendered = token(client.get(url).content.decode())

    clock.shift(SECOND)  # a colleague saves the draft in between
    notices.notice_update(notice_id=notice.pk, by=sam, **{
        k: getattr(notice, k) for k in ("kind", "body", "starts_at", "ends_at", "signed_by")
    }, title="同事改过的标题")  # fmt: skip

    r = client.post(url, _notice_post(notice, title="我改的标题", version=rendered))
    assert r.status_code == 400
    assert stale_text() in r.content.decode()
    assert Notice.objects.get(pk=notice.pk).title == "同事改过的标题"

    fresh = token(client.get(url).content.decode())  # reloaded: the save goes through
    r = client.post(url, _notice_post(notice, title="我改的标题", version=fresh))
    assert r.status_code == 302
    assert Notice.objects.get(pk=notice.pk).title == "我改的标题"


# -- a questionnaire -------------------------------------------------------------------------------


def test_a_questionnaire_edited_by_someone_else_meanwhile_is_not_overwritten(client, clock, quinn):
    template = rounds.questionnaire_template_create(by=quinn, name="简版问卷", lines=["保洁"])
    client.force_login(quinn)
    url = f"/surveys/rounds/templates/{template.pk}/"
    rendered = token(client.get(url).content.decode())

    clock.shift(SECOND)
    rounds.questionnaire_template_update(
        by=quinn, template_id=template.pk, name="简版问卷", lines=["保洁", "绿化"],
        is_default=False, is_active=True,
    )  # fmt: skip

    data = {"name": "简版问卷", "items": "保洁\n秩序维护", "is_active": "on", "version": rendered}
    r = client.post(url, data)
    assert r.status_code == 400 and stale_text() in r.content.decode()
    assert QuestionnaireTemplate.objects.get(pk=template.pk).item_labels == ["保洁", "绿化"]

    data["version"] = token(client.get(url).content.decode())
    assert client.post(url, data).status_code == 302
    assert QuestionnaireTemplate.objects.get(pk=template.pk).item_labels == ["保洁", "秩序维护"]


# -- an owner's contact details in the archive -----------------------------------------------------


def test_a_contact_changed_by_someone_else_meanwhile_is_not_overwritten(client, clock, mona, unit_a, owner_a):
    community = unit_a.community
    dave = _member("dave", community, Role.ARCHIVIST)
    ada = _member("ada", community, Role.ARCHIVIST)
    for user, registrar in ((dave, ada), (ada, dave)):
        lookup = archive_services.lookup_request(
            by=user, unit_id=unit_a.pk, reason="业主委托核对联系方式信息"
        )
        archive_services.lookup_approve(request_id=lookup.pk, by=mona)
        archive_services.lookup_register(request_id=lookup.pk, by=registrar)
    client.force_login(dave)
    url = f"/archives/units/{unit_a.pk}/archive/"
    rendered = token(client.get(url).content.decode(), "contact-version")

    clock.shift(SECOND)  # ada changes the number in between
    archive_services.contact_change(
        unit_id=unit_a.pk, by=ada, owner_id=owner_a.pk, mobile="13911112222", other_phone="", wechat="",
        reason="业主来电换号",
    )  # fmt: skip

    data = {
        "contact-owner_id": owner_a.pk, "contact-mobile": "13733334444", "contact-other_phone": "",
        "contact-wechat": "", "contact-reason": "业主换号", "contact-version": rendered,
    }  # fmt: skip
    r = client.post(f"{url}contact/", data)
    assert r.status_code == 400 and stale_text() in r.content.decode()
    assert Owner.objects.get(pk=owner_a.pk).mobile == "13911112222"
    assert ArchiveChange.objects.filter(kind="contact.changed").count() == 1

    data["contact-version"] = token(client.get(url).content.decode(), "contact-version")
    assert client.post(f"{url}contact/", data).status_code == 302
    assert Owner.objects.get(pk=owner_a.pk).mobile == "13733334444"


# -- a year of the working-day calendar ------------------------------------------------------------

SCHEDULE = {"holidays": "2027-01-01 元旦\n2027-10-01~2027-10-07 国庆节", "workdays": "2027-10-09 国庆节调休"}


def test_a_calendar_year_entered_by_someone_else_meanwhile_is_not_overwritten(client, clock):
    from propsvc.calendar import calendar_year_enter
    from propsvc.forms import CalendarYearForm

    ada = _member("ada", None, Role.ADMIN)
    eve = _member("eve", None, Role.ADMIN)
    client.force_login(ada)
    url = "/calendar/2027/edit/"
    rendered = token(client.get(url).content.decode())
    assert rendered == "-"  # not entered yet

    clock.shift(SECOND)
    form = CalendarYearForm({**SCHEDULE, "note": "同事先录入"}, year=2027)
    assert form.is_valid(), form.errors
    calendar_year_enter(by=eve, year=2027, **form.cleaned_data)

    r = client.post(url, {**SCHEDULE, "holidays": "2027-01-01 元旦", "version": rendered}, follow=True)
    assert stale_text() in r.content.decode()
    assert CalendarYear.objects.get(year=2027).note == "同事先录入"
    assert CalendarYear.objects.get(year=2027).days.count() == 1 + 5 + 1  # 10-02/03 are a weekend

    fresh = token(client.get(url).content.decode())
    r = client.post(url, {**SCHEDULE, "note": "更正", "version": fresh})
    assert r.status_code == 302
    assert CalendarYear.objects.get(year=2027).note == "更正"
