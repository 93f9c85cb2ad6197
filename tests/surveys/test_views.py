"""The visit pages (STYLE.md 20–23): the list with its filters and Excel export, the visit form and
its unit lookup, one visit, the month's quota, the monthly summary with a decision per suggestion.
Each covers the happy path, the wrong method, anonymous users, users without the permission or of
another community, an invalid form and an illegal state.

Messages are compared in the language the response was rendered in (the lead is translating the
msgids), so the tests hold before and after.
"""

import io
import re

import pytest
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from propsvc.models import Deadline
from propsvc.roles import COMPANY_ROLES, Perm, Role
from surveys import services
from surveys.models import Month, Suggestion, Visit, VisitSummary
from tests.factories import MembershipFactory, UnitFactory, UserFactory
from tests.surveys.conftest import DAY, MORNING, H, at, home_visit, households, visit

NUMBER = re.compile(r"/surveys/\d+/\">(ZF\d{6})</a>")
FORMAT = "%Y-%m-%dT%H:%M"


def _numbers(r) -> set[str]:
    return set(NUMBER.findall(r.content.decode()))


def _says(r, msgid: str, params: dict | None = None) -> bool:
    """The message is on the page, in the language the page was rendered in."""
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        text = translation.gettext(msgid)
    if params:
        text = text % params
    return escape(text) in r.content.decode()


def _login_redirect(r) -> bool:
    return r.status_code == 302 and r["Location"].startswith("/login/")


def _local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime(FORMAT)


# -- the role matrix -------------------------------------------------------------------------------------

EXPECTED = {
    Perm.RECORD_VISIT: {Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR},
    Perm.VIEW_VISITS: {
        Role.CS_SUPERVISOR,
        Role.CS_MANAGER,
        Role.PROPERTY_SUPERVISOR,
        Role.QUALITY,
        Role.LEADERSHIP,
    },
    Perm.PREPARE_VISIT_SUMMARY: {Role.CS_SUPERVISOR, Role.CS_MANAGER},
    Perm.REVIEW_VISIT_SUMMARY: {Role.CS_MANAGER},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(EXPECTED))
def test_it_grants_the_visit_permissions_to_exactly_these_roles(db, community_a, role, perm):
    user = UserFactory()
    department = None
    if role in (Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD):
        from tests.factories import DepartmentFactory

        department = DepartmentFactory(community=community_a, kind="engineering")
    community = None if role in COMPANY_ROLES else community_a
    MembershipFactory(user=user, community=community, role=role, department=department)
    assert user.has_perm(perm, community_a) is (role in EXPECTED[perm])


# -- the list --------------------------------------------------------------------------------------------


@pytest.fixture
def listed(clock, sam, pete, unit_a, owner_a, unit_a2, cora, unit_b):
    """Four visits of community A that differ in month, mode and staff, and one of community B."""
    home = home_visit(sam, unit_a, at(20, 15), opinions="希望增设快递柜")
    phone = visit(pete, unit_a2, mode="phone", visited_at=at(21, 19))
    october = visit(sam, unit_a, visited_at=at(15, 10, month=10))
    office = visit(sam, UnitFactory(building=unit_a.building, room="0101"), visited_at=at(22, 9))
    other = visit(cora, unit_b)
    return {k: v.number for k, v in locals().items() if isinstance(v, Visit)}


def test_it_lists_the_visits_of_the_user_s_communities(client, listed, sam):
    client.force_login(sam)
    r = client.get("/surveys/")
    assert r.status_code == 200
    assert _numbers(r) == {listed[k] for k in ("home", "phone", "october", "office")}
    assert "3栋2单元1101室" in r.content.decode() and "王建国" in r.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("month=2026-11", {"home", "phone", "office"}),
        ("month=2026-10", {"october"}),
        ("mode=home", {"home"}),
        ("mode=phone&month=2026-11", {"phone"}),
    ],
)
def test_it_filters_the_list(client, listed, sam, query, expected):
    client.force_login(sam)
    assert _numbers(client.get(f"/surveys/?{query}")) == {listed[k] for k in expected}


def test_it_filters_by_the_staff_who_visited(client, listed, sam, pete):
    client.force_login(sam)
    r = client.get(f"/surveys/?staff={pete.pk}")
    assert _numbers(r) == {listed["phone"]}
    assert {u.username for u in r.context["form"].fields["staff"].queryset} == {"sam", "pete"}  # not cora


def test_it_lets_the_company_level_quality_department_see_every_community(client, listed, quinn):
    client.force_login(quinn)
    assert _numbers(client.get("/surveys/")) == set(listed.values())
    r = client.get("/surveys/?community=" + str(Visit.objects.get(unit__community__code="chy").community_id))
    assert _numbers(r) == {listed["other"]}


def test_it_renders_the_results_partial_for_htmx(client, listed, sam):
    client.force_login(sam)
    r = client.get("/surveys/?mode=home", HTTP_HX_REQUEST="true")
    assert _numbers(r) == {listed["home"]} and "<html" not in r.content.decode()


def test_it_paginates_the_list(client, clock, sam, community_a):
    for i, unit in enumerate(households(community_a, 30)):
        visit(sam, unit, visited_at=MORNING - i * H / 4)
    client.force_login(sam)
    assert len(_numbers(client.get("/surveys/"))) == 25
    assert len(_numbers(client.get("/surveys/?page=2"))) == 5


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_in_constant_queries(client, clock, sam, community_a, django_assert_num_queries, n):
    for i, unit in enumerate(households(community_a, n)):
        visit(sam, unit, visited_at=MORNING - i * H, opinions="意见")
    client.force_login(sam)
    # session, user, memberships, the header's communities, the staff filter's choices, count, the page
    # joined (community, unit, building, owner, staff), unread notifications
    with django_assert_num_queries(8):
        r = client.get("/surveys/?month=2026-11")
    assert len(_numbers(r)) == n


def test_it_refuses_the_list_to_anonymous_and_unauthorised_users(client, listed, bob, alice):
    assert _login_redirect(client.get("/surveys/"))
    client.force_login(bob)
    assert client.get("/surveys/").status_code == 403
    client.force_login(alice)  # a receptionist: call-backs are the complaints' business, not visits
    assert client.get("/surveys/").status_code == 403


def test_it_refuses_a_post_to_the_list(client, sam):
    client.force_login(sam)
    assert client.post("/surveys/").status_code == 405


# -- the Excel export ------------------------------------------------------------------------------------


def _workbook(r):
    assert r.status_code == 200
    return load_workbook(io.BytesIO(b"".join(r.streaming_content)))


def test_it_exports_the_filtered_list(client, listed, sam):
    client.force_login(sam)
    rows = list(_workbook(client.get("/surveys/export/?mode=home")).active.iter_rows(values_only=True))
    assert len(rows) == 2
    number, community, _at, unit, owner, _mode, _topics, opinions, *_rest = rows[1]
    assert (number, community, unit, owner, opinions) == (
        listed["home"],
        "阳光花园",
        "3栋2单元1101室",
        "王建国",
        "希望增设快递柜",
    )


@pytest.mark.parametrize("n", [1, 5])
def test_it_exports_in_constant_queries(client, clock, sam, community_a, django_assert_num_queries, n):
    for i, unit in enumerate(households(community_a, n)):
        visit(sam, unit, visited_at=MORNING - i * H)
    client.force_login(sam)
    # session, user, memberships, the header's communities, the count (inline or a background job),
    # the audit entry, the rows
    with django_assert_num_queries(7):
        rows = list(_workbook(client.get("/surveys/export/")).active.iter_rows(values_only=True))
    assert len(rows) == n + 1


def test_it_writes_a_formula_as_text(client, clock, sam, unit_a):
    visit(sam, unit_a, opinions='=HYPERLINK("x")')
    client.force_login(sam)
    rows = list(_workbook(client.get("/surveys/export/")).active.iter_rows(values_only=True))
    assert rows[1][7] == '=HYPERLINK("x")'


def test_it_refuses_the_export_without_the_permission(client, bob):
    assert _login_redirect(client.get("/surveys/export/"))
    client.force_login(bob)
    assert client.get("/surveys/export/").status_code == 403


# -- the visit form --------------------------------------------------------------------------------------


def _data(household, **overrides):
    data = {
        "unit": household.pk if household else "",
        "mode": "home",
        "visited_at": _local(MORNING - H),
        "appointment_made_at": _local(MORNING - DAY),
        "appointment_with": "业主本人，电话预约",
        "topics": ["security", "repair_skill"],
        "opinions": "希望增加夜间巡逻",
        "signature": "signed",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_shows_the_visit_form(client, clock, sam):
    client.force_login(sam)
    r = client.get("/surveys/new/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="desk-form"' in html and 'id="unit-query"' in html and "js/desk.js" in html
    assert r.context["form"].initial["visited_at"] == _local(MORNING)


def test_it_records_a_visit_from_the_form(client, clock, sam, unit_a, owner_a):
    client.force_login(sam)
    r = client.post("/surveys/new/", _data(unit_a))
    assert r.status_code == 302 and r["Location"] == "/surveys/new/"
    recorded = Visit.objects.get()
    assert (recorded.unit, recorded.owner, recorded.mode, recorded.visited_by) == (
        unit_a,
        owner_a,
        "home",
        sam,
    )
    assert recorded.topics == ["security", "repair_skill"]
    r = client.get(r["Location"])
    assert _says(
        r, "Visit %(number)s recorded: %(unit)s.", {"number": recorded.number, "unit": "3栋2单元1101室"}
    )


def test_it_records_a_phone_visit_without_appointment_or_signature(client, clock, sam, unit_a):
    client.force_login(sam)
    data = _data(unit_a, mode="phone", appointment_made_at="", appointment_with="", signature=None)
    assert client.post("/surveys/new/", data).status_code == 302
    assert Visit.objects.get().signature == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit": ""}, "unit"),
        ({"topics": []}, "topics"),
        ({"mode": "callback"}, "mode"),
        ({"appointment_made_at": ""}, "appointment_made_at"),
        ({"appointment_with": ""}, "appointment_with"),
        ({"signature": ""}, "signature"),
        ({"visited_at": ""}, "visited_at"),
    ],
)
def test_it_shows_what_is_missing(client, clock, sam, unit_a, overrides, field):
    client.force_login(sam)
    r = client.post("/surveys/new/", _data(unit_a, **overrides))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert field in errors
    assert all(escape(e) in r.content.decode() for e in errors[field])
    assert not Visit.objects.exists()


def test_it_refuses_a_second_visit_with_the_reason(client, clock, sam, unit_a):
    first = visit(sam, unit_a, visited_at=at(2, 10))
    client.force_login(sam)
    r = client.post("/surveys/new/", _data(unit_a))
    assert r.status_code == 400
    assert first.number in r.content.decode() and "3栋2单元1101室" in r.content.decode()
    assert Visit.objects.count() == 1


def test_it_refuses_a_call_back_with_the_reason(client, clock, sam, unit_a):
    client.force_login(sam)
    r = client.post("/surveys/new/", _data(unit_a, mode="phone", signature=None, is_callback="on"))
    assert r.status_code == 400
    assert _says(
        r, "A call-back is not an owner visit: record it on its complaint (回访). It does not count towards "
        "the monthly visit quota.",
    )  # fmt: skip
    assert not Visit.objects.exists()


def test_it_refuses_a_home_visit_at_night_with_the_reason(client, clock, sam, unit_a):
    client.force_login(sam)
    r = client.post("/surveys/new/", _data(unit_a, visited_at=_local(at(22, 22, 30))))
    assert r.status_code == 400
    assert _says(
        r, "No home visit at %(time)s: home visits are made from 08:00 until 22:00, never at night. Choose a "
        "time in between.", {"time": "22:30"},
    )  # fmt: skip


def test_it_refuses_a_household_of_another_community(client, clock, sam, unit_b):
    client.force_login(sam)
    r = client.post("/surveys/new/", _data(unit_b))
    assert r.status_code == 400 and "unit" in r.context["form"].errors
    assert not Visit.objects.exists()


def test_it_refuses_the_form_without_the_permission(client, bob, alice, quinn):
    assert _login_redirect(client.get("/surveys/new/"))
    for user in (bob, alice, quinn):  # quality reads visits; it does not make them
        client.force_login(user)
        assert client.get("/surveys/new/").status_code == 403


def test_it_refuses_a_put_to_the_form(client, sam):
    client.force_login(sam)
    assert client.put("/surveys/new/").status_code == 405


def test_it_looks_up_units_of_the_user_s_communities_only(client, clock, sam, unit_a, unit_b, owner_a):
    client.force_login(sam)
    r = client.get("/surveys/new/units/?unit_query=1101")
    assert r.status_code == 200
    assert f'data-unit-id="{unit_a.pk}"' in r.content.decode()
    assert f'data-unit-id="{unit_b.pk}"' not in r.content.decode()
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/surveys/new/units/?unit_query=1101").status_code == 403


# -- one visit -------------------------------------------------------------------------------------------


def test_it_shows_one_visit(client, clock, sam, unit_a, owner_a):
    recorded = home_visit(sam, unit_a, MORNING - H, opinions="希望增设快递柜")
    client.force_login(sam)
    r = client.get(f"/surveys/{recorded.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert recorded.number in html and "希望增设快递柜" in html and "业主本人，电话预约" in html
    assert "138****5678" in html and "13812345678" not in html  # the register's masked phone


def test_it_hides_another_community_s_visit(client, clock, sam, cora, mike, unit_a):
    recorded = visit(sam, unit_a)
    for user in (cora, mike):
        client.force_login(user)
        assert client.get(f"/surveys/{recorded.pk}/").status_code == 404


def test_it_refuses_one_visit_without_the_permission(client, clock, sam, unit_a, bob):
    recorded = visit(sam, unit_a)
    assert _login_redirect(client.get(f"/surveys/{recorded.pk}/"))
    client.force_login(bob)
    assert client.get(f"/surveys/{recorded.pk}/").status_code == 403


# -- the month's quota -----------------------------------------------------------------------------------


def test_it_shows_the_quota_and_progress(client, clock, sam, community_a, community_b):
    units = households(community_a, 301, lived_in=250)  # 5% of 250 = 12.5 → 13
    visit(sam, units[0])
    client.force_login(sam)
    r = client.get("/surveys/quota/")
    assert r.status_code == 200
    (line,) = r.context["lines"]
    assert (line.community, line.households, line.occupied, line.quota, line.visits) == (
        community_a,
        301,
        250,
        13,
        1,
    )
    assert "1/13" in r.content.decode()


def test_it_shows_another_month_and_its_summary(client, clock, sam, community_a):
    households(community_a, 10)
    clock.move_to(at(1, 1, month=12))
    summary, _ = services.visit_summary_open(community_id=community_a.pk, month=Month.current().previous)
    client.force_login(sam)
    r = client.get("/surveys/quota/?month=2026-11")
    assert r.context["month"] == Month.current().previous
    assert summary.get_absolute_url() in r.content.decode()


def test_it_refuses_the_quota_page_without_the_permission(client, bob):
    assert _login_redirect(client.get("/surveys/quota/"))
    client.force_login(bob)
    assert client.get("/surveys/quota/").status_code == 403


# -- the monthly summary ---------------------------------------------------------------------------------


@pytest.fixture
def summary(clock, sam, mona, unit_a, unit_a2, owner_a):
    visit(sam, unit_a, visited_at=at(3, 10), opinions="希望增设快递柜")
    visit(sam, unit_a2, visited_at=at(9, 10), opinions="儿童滑梯破损")
    clock.move_to(at(1, 0, 30, month=12))
    opened, _ = services.visit_summary_open(community_id=unit_a.community_id, month=Month.current().previous)
    return opened


def _prepared(summary, sam):
    return services.visit_summary_prepare(
        summary_id=summary.pk, by=sam, overview="本月业户主要关注设施维修。"
    )


def test_it_refuses_a_summary_rewritten_by_someone_else_meanwhile(client, clock, summary, sam, community_a):
    """Issue 11 item 8: the prepare form carries the time the summary was last prepared."""
    client.force_login(sam)
    html = client.get(f"/surveys/summaries/{summary.pk}/").content.decode()
    version = re.search(r'name="version" value="([^"]*)"', html).group(1)
    clock.shift(H)
    other = UserFactory(username="sue")
    MembershipFactory(user=other, community=community_a, role=Role.CS_SUPERVISOR)
    services.visit_summary_prepare(summary_id=summary.pk, by=other, overview="同事写的总结")
    r = client.post(
        f"/surveys/summaries/{summary.pk}/prepare/", {"overview": "我的总结", "version": version}, follow=True
    )
    assert "该记录已被他人修改" in r.content.decode()
    summary.refresh_from_db()
    assert summary.overview == "同事写的总结" and summary.prepared_by == other
    html = r.content.decode()  # the page shown again carries the new version: the rewrite goes through
    version = re.search(r'name="version" value="([^"]*)"', html).group(1)
    client.post(f"/surveys/summaries/{summary.pk}/prepare/", {"overview": "我的总结", "version": version})
    summary.refresh_from_db()
    assert summary.overview == "我的总结"


def test_it_shows_the_summary_to_the_supervisor_with_the_prepare_form(client, summary, sam):
    client.force_login(sam)
    r = client.get(f"/surveys/summaries/{summary.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "希望增设快递柜" in html and "儿童滑梯破损" in html
    assert r.context["may_prepare"] and not r.context["may_review"]
    assert f"/surveys/summaries/{summary.pk}/prepare/" in html and "/decide/" not in html


def test_it_shows_the_decisions_to_the_cs_manager(client, summary, sam, mona):
    _prepared(summary, sam)
    client.force_login(mona)
    r = client.get(f"/surveys/summaries/{summary.pk}/")
    assert r.context["may_review"] and r.context["pending"] == 2
    assert r.content.decode().count("/decide/") == 2


def test_it_prepares_the_summary_from_the_page(client, summary, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/summaries/{summary.pk}/prepare/", {"overview": "关注设施维修"})
    assert r.status_code == 302 and r["Location"] == summary.get_absolute_url()
    summary.refresh_from_db()
    assert (summary.status, summary.overview) == ("prepared", "关注设施维修")


def test_it_says_what_is_missing_when_preparing(client, summary, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/summaries/{summary.pk}/prepare/", {"overview": ""}, follow=True)
    assert r.status_code == 200
    summary.refresh_from_db()
    assert summary.status == "draft"


def test_it_records_a_decision_from_the_page(client, summary, sam, mona):
    suggestion = summary.suggestions.first()
    client.force_login(mona)
    url = f"/surveys/summaries/{summary.pk}/suggestions/{suggestion.pk}/decide/"
    r = client.post(url, {"decision": "passed", "note": "超出中心权限"})
    assert r.status_code == 302
    suggestion.refresh_from_db()
    assert (suggestion.decision, suggestion.note, suggestion.decided_by) == ("passed", "超出中心权限", mona)


def test_it_lets_only_the_cs_manager_post_a_decision(client, summary, sam, pete, mike, quinn, mona):
    suggestion = summary.suggestions.first()
    url = f"/surveys/summaries/{summary.pk}/suggestions/{suggestion.pk}/decide/"
    for user in (sam, pete, quinn):  # no such permission anywhere
        client.force_login(user)
        assert client.post(url, {"decision": "adopted"}).status_code == 403
    client.force_login(mike)  # the CS center manager of another community: not even visible
    assert client.post(url, {"decision": "adopted"}).status_code == 404
    assert _login_redirect(client.__class__().post(url, {"decision": "adopted"}))
    client.force_login(mona)
    assert client.get(url).status_code == 405
    suggestion.refresh_from_db()
    assert suggestion.decision == Suggestion.Decision.PENDING


def test_it_refuses_an_invalid_decision_with_a_message(client, summary, mona):
    suggestion = summary.suggestions.first()
    client.force_login(mona)
    url = f"/surveys/summaries/{summary.pk}/suggestions/{suggestion.pk}/decide/"
    r = client.post(url, {"decision": "pending"}, follow=True)
    assert r.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.decision == "pending"


def test_it_submits_the_summary_and_meets_the_deadline(client, summary, sam, mona):
    _prepared(summary, sam)
    for suggestion in summary.suggestions.all():
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=suggestion.pk, by=mona, decision="adopted"
        )
    client.force_login(mona)
    r = client.post(f"/surveys/summaries/{summary.pk}/submit/", follow=True)
    assert r.status_code == 200
    assert _says(r, "The summary was submitted.")
    summary.refresh_from_db()
    assert summary.status == VisitSummary.Status.SUBMITTED
    assert Deadline.objects.get(kind=services.KIND_SUMMARY).met_by == mona
    assert "/decide/" not in r.content.decode() and "/prepare/" not in r.content.decode()


def test_it_refuses_to_submit_with_pending_suggestions_and_says_why(client, summary, sam, mona):
    _prepared(summary, sam)
    client.force_login(mona)
    r = client.post(f"/surveys/summaries/{summary.pk}/submit/", follow=True)
    with translation.override(r.headers["Content-Language"]):
        message = translation.ngettext(
            "%(n)d suggestion still awaits your decision: adopt it or pass it to the company complaint "
            "center.",
            "%(n)d suggestions still await your decision: adopt each or pass it to the company complaint "
            "center.",
            2,
        ) % {"n": 2}
    assert escape(message) in r.content.decode()
    summary.refresh_from_db()
    assert summary.status == "prepared"


def test_it_hides_another_community_s_summary(client, summary, cora, mike):
    for user in (cora, mike):
        client.force_login(user)
        assert client.get(f"/surveys/summaries/{summary.pk}/").status_code == 404
        assert client.post(f"/surveys/summaries/{summary.pk}/submit/").status_code in (403, 404)


def test_it_refuses_the_summary_without_the_permission(client, summary, bob, alice):
    url = f"/surveys/summaries/{summary.pk}/"
    assert _login_redirect(client.get(url))
    for user in (bob, alice):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url + "prepare/", {"overview": "x"}).status_code == 403


def test_it_shows_the_summary_in_constant_queries(client, summary, sam, mona, django_assert_max_num_queries):
    _prepared(summary, sam)
    client.force_login(mona)
    client.get(f"/surveys/summaries/{summary.pk}/")  # warms the content-type cache of the deadlines
    # session, user, memberships, the summary, visits, suggestions, events, deadlines, the header's
    # communities, unread notifications
    with django_assert_max_num_queries(10):
        assert client.get(f"/surveys/summaries/{summary.pk}/").status_code == 200
