"""The bulletin-board notice pages (R-COM-2; STYLE.md 20–23): the list with its filters, one notice,
the draft form, publish and withdraw, the A4 print page and the fee accounts. Each covers the happy
path, the wrong method, anonymous users, users without the permission or of another community (404),
an invalid form and an illegal state.

Messages are compared in the language the response was rendered in (the lead is translating the
msgids), so the tests hold before and after.

Actors: alice — receptionist A (reads); bob — no role; carol — receptionist B; sam — CS supervisor A;
mona — CS center manager A; cora — CS supervisor B; quinn — quality (company level).
"""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape

from propsvc.models import AuditEntry, Deadline
from surveys import notices
from surveys.models import KIND_FEE_ACCOUNT, Notice
from tests.surveys.conftest import DAY, MORNING, SHANGHAI, H, at

MIN = datetime.timedelta(minutes=1)
FORMAT = "%Y-%m-%dT%H:%M"
NUMBER = re.compile(r"/surveys/notices/\d+/\">(GG\d{6})</a>")
Kind, Status = Notice.Kind, Notice.Status


def _numbers(r) -> set[str]:
    return set(NUMBER.findall(r.content.decode()))


def _text(r, msgid: str, params: dict | None = None) -> str:
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        text = translation.gettext(msgid)
    return text % params if params else text


def _says(r, msgid: str, params: dict | None = None) -> bool:
    """The message is on the page, in the language the page was rendered in."""
    return escape(_text(r, msgid, params)) in r.content.decode()


def _login_redirect(r) -> bool:
    return r.status_code == 302 and r["Location"].startswith("/login/")


def _local(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime(FORMAT)


def cut(by, community, *, starts_at, kind=Kind.WATER_CUT, title="水箱清洗停水通知"):
    return notices.notice_create(
        by=by, community=community, kind=kind, title=title, body="届时3栋、5栋停水，请提前储水。",
        starts_at=starts_at, ends_at=starts_at + 8 * H,
    )  # fmt: skip


def published(by, community, **fields):
    notice = cut(by, community, **fields)
    return notices.notice_publish(notice_id=notice.pk, by=by)


def _form(**fields) -> dict:
    data = {
        "kind": Kind.WATER_CUT, "title": "水箱清洗停水通知", "body": "届时3栋、5栋停水，请提前储水。",
        "starts_at": _local(MORNING + 2 * DAY), "ends_at": _local(MORNING + 2 * DAY + 8 * H), "signed_by": "",
    }  # fmt: skip
    data.update(fields)
    return data


@pytest.fixture
def draft_a(clock, sam, community_a):
    return cut(sam, community_a, starts_at=MORNING + 2 * DAY)


@pytest.fixture
def survey_result(community_a, sam):
    """A survey result as the round's publication writes it (published, from the round's service)."""
    return Notice.objects.create(
        community=community_a, kind=Kind.SURVEY_RESULT, title="2026年下半年满意度调查结果公示",
        body="本次调查回收率85%，总体满意率92%。", status=Status.PUBLISHED, signed_by="阳光花园客户服务中心",
        created_by=sam, published_at=MORNING - DAY, published_by=sam,
    )  # fmt: skip


# -- the list --------------------------------------------------------------------------------------------


@pytest.fixture
def listed(clock, sam, community_a, cora, community_b, survey_result):
    """Notices of community A that differ in kind, status and month, and one of community B."""
    water = published(sam, community_a, starts_at=MORNING + 2 * DAY)
    power = cut(sam, community_a, kind=Kind.POWER_CUT, starts_at=MORNING + 3 * DAY, title="停电通知")
    clock.move_to(at(20, 10, month=10))
    october = published(sam, community_a, starts_at=at(25, 9, month=10))
    clock.move_to(MORNING)
    other = published(cora, community_b, starts_at=MORNING + 2 * DAY)
    result = survey_result
    return {k: v.number for k, v in locals().items() if isinstance(v, Notice)}


def test_it_lists_the_notices_of_the_user_s_communities(client, listed, alice):
    client.force_login(alice)  # a receptionist reads them
    r = client.get("/surveys/notices/")
    assert r.status_code == 200
    assert _numbers(r) == {listed[k] for k in ("water", "power", "october", "result")}
    assert "notice-new" not in r.content.decode() and "/surveys/notices/new/" not in r.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=power_cut", {"power"}),
        ("status=draft", {"power"}),
        ("status=published&kind=water_cut", {"water", "october"}),
        ("month=2026-10", {"october"}),
        ("month=2026-11", {"water", "power", "result"}),
        ("kind=survey_result", {"result"}),
    ],
)
def test_it_filters_the_list(client, listed, sam, query, expected):
    client.force_login(sam)
    assert _numbers(client.get(f"/surveys/notices/?{query}")) == {listed[k] for k in expected}


def test_it_lets_the_company_level_quality_department_see_every_community(client, listed, quinn, community_b):
    client.force_login(quinn)
    assert _numbers(client.get("/surveys/notices/")) == set(listed.values())
    assert _numbers(client.get(f"/surveys/notices/?community={community_b.pk}")) == {listed["other"]}


def test_it_renders_the_results_partial_for_htmx(client, listed, sam):
    client.force_login(sam)
    r = client.get("/surveys/notices/?kind=power_cut", HTTP_HX_REQUEST="true")
    assert _numbers(r) == {listed["power"]} and "<html" not in r.content.decode()


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_in_constant_queries(client, clock, sam, community_a, n, django_assert_max_num_queries):
    for i in range(n):
        published(sam, community_a, starts_at=MORNING + (2 + i) * DAY)
    client.force_login(sam)
    # session, user, sam's memberships, the header's communities, the count, the bell's unread
    # count, the page (joined: community, writer, publisher)
    with django_assert_max_num_queries(7):
        r = client.get("/surveys/notices/")
    assert len(_numbers(r)) == n


def test_it_paginates_the_list(client, clock, sam, community_a):
    for i in range(27):
        cut(sam, community_a, starts_at=MORNING + (2 + i) * DAY)
    client.force_login(sam)
    assert len(_numbers(client.get("/surveys/notices/"))) == 25
    assert len(_numbers(client.get("/surveys/notices/?page=2"))) == 2


def test_the_list_wants_a_login_and_a_staff_role(client, bob):
    assert _login_redirect(client.get("/surveys/notices/"))
    client.force_login(bob)
    assert client.get("/surveys/notices/").status_code == 403


def test_the_list_takes_only_get(client, sam):
    client.force_login(sam)
    assert client.post("/surveys/notices/").status_code == 405


# -- one notice ------------------------------------------------------------------------------------------


def test_it_shows_a_notice_with_its_actions(client, draft_a, sam):
    client.force_login(sam)
    r = client.get(f"/surveys/notices/{draft_a.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "水箱清洗停水通知" in html and f"/surveys/notices/{draft_a.pk}/publish/" in html
    assert f"/surveys/notices/{draft_a.pk}/edit/" in html


def test_it_shows_a_notice_without_actions_to_a_reader(client, draft_a, alice):
    client.force_login(alice)
    r = client.get(f"/surveys/notices/{draft_a.pk}/")
    assert r.status_code == 200 and "/publish/" not in r.content.decode()


def test_it_hides_another_community_s_notice(client, draft_a, carol, cora):
    client.force_login(carol)  # a reader of B
    for path in ("", "print/"):
        assert client.get(f"/surveys/notices/{draft_a.pk}/{path}").status_code == 404
    client.force_login(cora)  # a publisher of B
    for path in ("", "print/", "edit/"):
        assert client.get(f"/surveys/notices/{draft_a.pk}/{path}").status_code == 404
    assert client.post(f"/surveys/notices/{draft_a.pk}/edit/", _form(title="改")).status_code == 404
    assert Notice.objects.get(pk=draft_a.pk).title == "水箱清洗停水通知"


def test_it_shows_a_survey_result_without_edit_or_withdraw(client, clock, survey_result, sam):
    client.force_login(sam)
    r = client.get(f"/surveys/notices/{survey_result.pk}/")
    assert r.status_code == 200 and "本次调查回收率85%" in r.content.decode()
    assert "/withdraw/" not in r.content.decode() and "/edit/" not in r.content.decode()


# -- the draft form ----------------------------------------------------------------------------------------


def test_it_offers_the_form_signed_by_the_service_center_without_the_survey_result_kind(client, clock, sam):
    client.force_login(sam)
    r = client.get("/surveys/notices/new/")
    assert r.status_code == 200
    kinds = [value for value, _label in r.context["form"].fields["kind"].choices]
    assert Kind.SURVEY_RESULT not in kinds and Kind.WATER_CUT in kinds and Kind.FEE_ACCOUNT in kinds
    with translation.override(settings.LANGUAGE_CODE):  # printed for the owners: the site's language
        expected = translation.gettext("%(community)s customer service center") % {"community": "阳光花园"}
    assert r.context["form"].initial["signed_by"] == expected


def test_it_saves_a_draft_and_shows_it(client, clock, sam, community_a):
    client.force_login(sam)
    r = client.post("/surveys/notices/new/", _form(community=community_a.pk))
    notice = Notice.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/surveys/notices/{notice.pk}/"
    assert (notice.status, notice.kind, notice.starts_at, notice.community) == (
        Status.DRAFT, Kind.WATER_CUT, MORNING + 2 * DAY, community_a,
    )  # fmt: skip
    assert notice.published_at is None


@pytest.mark.parametrize(
    ("fields", "field", "msgid"),
    [
        ({"ends_at": _local(MORNING + DAY)}, "ends_at", "The cut must end after it starts."),
        ({"starts_at": _local(MORNING - H)}, "starts_at", None),
        ({"starts_at": ""}, "starts_at", "Give the time the cut starts."),
        ({"kind": Kind.UNPLANNED_CUT, "starts_at": _local(MORNING + H)}, "starts_at", None),
        ({"kind": Kind.FEE_ACCOUNT, "period_from": "2026-10-01", "period_to": "2026-09-30"}, "period_to",
         "The accounts period must end on or after its first day."),
        ({"kind": Kind.FEE_ACCOUNT, "period_from": "2026-10-01", "period_to": "2026-11-24"}, "period_to",
         None),
        ({"kind": Kind.FEE_ACCOUNT}, "period_from", "Give the first day the accounts cover."),
        ({"kind": Kind.SURVEY_RESULT}, "kind", None),
        ({"title": ""}, "title", None),
    ],
)  # fmt: skip
def test_it_refuses_an_invalid_draft_and_writes_nothing(
    client, clock, sam, community_a, fields, field, msgid
):
    client.force_login(sam)
    r = client.post("/surveys/notices/new/", _form(community=community_a.pk, **fields))
    assert r.status_code == 400
    assert field in r.context["form"].errors
    if msgid:
        assert _says(r, msgid)
    assert not Notice.objects.exists() and not AuditEntry.objects.exists()


def test_it_refuses_a_draft_for_a_community_the_user_may_not_publish_for(client, clock, sam, community_b):
    client.force_login(sam)
    r = client.post("/surveys/notices/new/", _form(community=community_b.pk))
    assert r.status_code == 400 and "community" in r.context["form"].errors
    assert not Notice.objects.exists()


def test_the_form_wants_the_publish_permission(client, alice, bob):
    assert _login_redirect(client.get("/surveys/notices/new/"))
    for user in (alice, bob):
        client.force_login(user)
        assert client.get("/surveys/notices/new/").status_code == 403


def test_the_form_takes_get_and_post_only(client, sam):
    client.force_login(sam)
    assert client.put("/surveys/notices/new/").status_code == 405


def test_it_edits_a_draft(client, draft_a, pete):
    client.force_login(pete)
    r = client.get(f"/surveys/notices/{draft_a.pk}/edit/")
    assert r.status_code == 200 and r.context["form"].initial["starts_at"] == _local(MORNING + 2 * DAY)
    assert "community" not in r.context["form"].fields
    r = client.post(f"/surveys/notices/{draft_a.pk}/edit/", _form(title="改期后的停水通知"))
    assert r.status_code == 302
    assert Notice.objects.get(pk=draft_a.pk).title == "改期后的停水通知"


def test_it_leaves_the_draft_unchanged_on_an_invalid_edit(client, draft_a, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/notices/{draft_a.pk}/edit/", _form(ends_at=_local(MORNING + DAY), title="改"))
    assert r.status_code == 400
    assert Notice.objects.get(pk=draft_a.pk).title == "水箱清洗停水通知"


def test_it_does_not_edit_a_published_notice(client, draft_a, sam):
    notices.notice_publish(notice_id=draft_a.pk, by=sam)
    client.force_login(sam)
    r = client.post(f"/surveys/notices/{draft_a.pk}/edit/", _form(title="改"), follow=True)
    assert _says(r, "Only a draft written here can be changed.")
    assert Notice.objects.get(pk=draft_a.pk).title == "水箱清洗停水通知"


# -- publish and withdraw --------------------------------------------------------------------------------


def test_it_publishes_a_draft_at_the_server_s_time(client, draft_a, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/notices/{draft_a.pk}/publish/", {"published_at": "2020-01-01T00:00"})
    assert r.status_code == 302 and r["Location"] == f"/surveys/notices/{draft_a.pk}/"
    notice = Notice.objects.get(pk=draft_a.pk)
    assert (notice.status, notice.published_at, notice.published_by) == (Status.PUBLISHED, MORNING, sam)


def test_it_refuses_a_planned_cut_less_than_24_hours_ahead_with_the_reason(client, clock, sam, community_a):
    notice = cut(sam, community_a, starts_at=MORNING + DAY - MIN)
    client.force_login(sam)
    r = client.post(f"/surveys/notices/{notice.pk}/publish/", follow=True)
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        reason = notices.cut_notice_refusal(notice=notice, now=MORNING)
    assert escape(reason) in r.content.decode()
    assert Notice.objects.get(pk=notice.pk).status == Status.DRAFT


def test_it_accepts_a_planned_cut_exactly_24_hours_ahead(client, clock, sam, community_a):
    notice = cut(sam, community_a, starts_at=MORNING + DAY)
    client.force_login(sam)
    client.post(f"/surveys/notices/{notice.pk}/publish/")
    assert Notice.objects.get(pk=notice.pk).published_at == MORNING


def test_publishing_wants_the_permission_and_the_community(client, draft_a, alice, cora):
    client.force_login(alice)
    assert client.post(f"/surveys/notices/{draft_a.pk}/publish/").status_code == 403
    client.force_login(cora)
    assert client.post(f"/surveys/notices/{draft_a.pk}/publish/").status_code == 404
    assert Notice.objects.get(pk=draft_a.pk).status == Status.DRAFT


def test_publishing_takes_only_post(client, draft_a, sam):
    client.force_login(sam)
    assert client.get(f"/surveys/notices/{draft_a.pk}/publish/").status_code == 405
    assert _login_redirect(client.logout() or client.post(f"/surveys/notices/{draft_a.pk}/publish/"))


def test_it_publishes_the_fee_accounts_and_opens_the_next_deadline(client, clock, sam, mona, community_a):
    client.force_login(sam)
    data = _form(
        kind=Kind.FEE_ACCOUNT, title="第三季度收支公示", period_from="2026-07-01", period_to="2026-09-30"
    )
    client.post("/surveys/notices/new/", {**data, "community": community_a.pk})
    notice = Notice.objects.get()
    assert (notice.period_from, notice.starts_at) == (datetime.date(2026, 7, 1), None)
    client.post(f"/surveys/notices/{notice.pk}/publish/")
    row = Deadline.objects.get(kind=KIND_FEE_ACCOUNT)
    assert row.due_at == datetime.datetime(2027, 2, 24, tzinfo=SHANGHAI) and row.responsible_user == mona


def test_it_withdraws_a_published_notice_with_a_reason(client, draft_a, sam):
    notices.notice_publish(notice_id=draft_a.pk, by=sam)
    client.force_login(sam)
    r = client.post(f"/surveys/notices/{draft_a.pk}/withdraw/", {"reason": "施工改期"})
    assert r.status_code == 302
    notice = Notice.objects.get(pk=draft_a.pk)
    assert (notice.status, notice.withdrawn_reason, notice.withdrawn_at) == (
        Status.WITHDRAWN,
        "施工改期",
        MORNING,
    )
    assert "施工改期" in client.get(f"/surveys/notices/{draft_a.pk}/").content.decode()


def test_it_refuses_a_withdrawal_without_a_reason_or_of_a_draft(client, draft_a, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/notices/{draft_a.pk}/withdraw/", {"reason": "改期"}, follow=True)
    assert Notice.objects.get(pk=draft_a.pk).status == Status.DRAFT  # a draft is not withdrawn
    notices.notice_publish(notice_id=draft_a.pk, by=sam)
    r = client.post(f"/surveys/notices/{draft_a.pk}/withdraw/", {"reason": ""}, follow=True)
    assert r.status_code == 200
    assert Notice.objects.get(pk=draft_a.pk).status == Status.PUBLISHED


def test_withdrawing_wants_the_community(client, draft_a, sam, cora):
    notices.notice_publish(notice_id=draft_a.pk, by=sam)
    client.force_login(cora)
    assert client.post(f"/surveys/notices/{draft_a.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert Notice.objects.get(pk=draft_a.pk).status == Status.PUBLISHED


# -- the A4 print page -----------------------------------------------------------------------------------


def test_it_prints_a_draft_marked_as_not_yet_published(client, draft_a, alice):
    client.force_login(alice)
    r = client.get(f"/surveys/notices/{draft_a.pk}/print/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="notice-sheet"' in html and "data-draft" in html
    assert _says(r, "DRAFT — not yet published") and _says(r, "Publication date: not yet published")
    assert "水箱清洗停水通知" in html and "2026年11月25日 10:00" in html and "2026年11月25日 18:00" in html
    assert "d-print-none" in html  # the navigation and the buttons are not printed


def test_it_prints_a_published_notice_with_its_heading_signature_and_date(client, draft_a, sam):
    notices.notice_publish(notice_id=draft_a.pk, by=sam)
    client.force_login(sam)
    r = client.get(f"/surveys/notices/{draft_a.pk}/print/")
    html = r.content.decode()
    assert "data-draft" not in html
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        heading = str(notices.HEADINGS[Kind.WATER_CUT])
    signed = Notice.objects.get(pk=draft_a.pk).signed_by
    assert f"<h1>{escape(heading)}</h1>" in html
    assert escape(signed) in html and "2026年11月23日" in html
    assert f"GG{draft_a.pk:06d}" in html


def test_it_prints_the_accounts_period_of_a_fee_account_notice(client, clock, sam, community_a):
    notice = notices.notice_create(
        by=sam, community=community_a, kind=Kind.FEE_ACCOUNT, title="第三季度收支公示", body="收入……支出……",
        period_from=datetime.date(2026, 7, 1), period_to=datetime.date(2026, 9, 30),
    )  # fmt: skip
    client.force_login(sam)
    html = client.get(f"/surveys/notices/{notice.pk}/print/").content.decode()
    assert "2026年7月1日" in html and "2026年9月30日" in html


def test_it_prints_a_survey_result(client, clock, survey_result, alice):
    client.force_login(alice)
    r = client.get(f"/surveys/notices/{survey_result.pk}/print/")
    html = r.content.decode()
    assert r.status_code == 200 and "2026年下半年满意度调查结果公示" in html and "本次调查回收率85%" in html
    assert "2026年11月22日" in html and "data-draft" not in html


def test_the_print_page_wants_a_login(client, draft_a):
    assert _login_redirect(client.get(f"/surveys/notices/{draft_a.pk}/print/"))


# -- the fee accounts (R-COM-2) --------------------------------------------------------------------------


def test_it_shows_each_community_s_last_publication_and_next_due_date(client, clock, sam, quinn, community_b):
    notices.fee_account_deadlines_open()
    notice = notices.notice_create(
        by=sam, community=sam.memberships.get().community, kind=Kind.FEE_ACCOUNT, title="收支公示", body="……",
        period_from=datetime.date(2026, 7, 1), period_to=datetime.date(2026, 9, 30),
    )  # fmt: skip
    notices.notice_publish(notice_id=notice.pk, by=sam)
    client.force_login(quinn)
    r = client.get("/surveys/notices/fee-accounts/")
    html = r.content.decode()
    assert r.status_code == 200 and "阳光花园" in html and "翠湖苑" in html
    assert f"/surveys/notices/{notice.pk}/" in html and "2027-02-23 24:00" in html
    assert "data-overdue" not in html
    clock.move_to(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI))
    client.force_login(quinn)  # the session of November has expired
    assert client.get("/surveys/notices/fee-accounts/").content.decode().count("data-overdue") == 2


def test_the_fee_accounts_show_only_the_user_s_communities(client, clock, sam, community_b):
    client.force_login(sam)
    html = client.get("/surveys/notices/fee-accounts/").content.decode()
    assert "阳光花园" in html and "翠湖苑" not in html


def test_the_fee_accounts_want_a_staff_role(client, bob):
    client.force_login(bob)
    assert client.get("/surveys/notices/fee-accounts/").status_code == 403
