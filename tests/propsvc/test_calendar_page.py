"""The working-day calendar pages: /calendar/, /calendar/<year>/, /calendar/<year>/edit/."""

import datetime
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine

from propsvc.models import AuditEntry, CalendarDay, CalendarYear
from propsvc.roles import Role
from propsvc.workdays import add_working_days
from tests.propsvc.conftest import staff

SHANGHAI = ZoneInfo("Asia/Shanghai")

SCHEDULE_2027 = {
    "holidays": "2027-01-01 元旦\n\n2027-02-06~2027-02-12 春节\n2027-10-01至2027-10-07\t国庆节\n",
    "workdays": "2027-02-20 春节调休\n2027-10-09　国庆节调休",  # an ideographic space, as pasted
    "note": "国办发明电〔2026〕X号",
}


@pytest.fixture(autouse=True)
def autumn():
    """Late November 2026: next year's schedule is due."""
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def ada(db):
    """The system administrator (company level)."""
    return staff("ada", None, Role.ADMIN, email="ada@example.com")


@pytest.fixture
def ada_client(client, ada):
    client.force_login(ada)
    return client


def english(client, url, data=None):
    """Post or get in English, so the test reads the messages' msgids."""
    if data is None:
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


# -- the list -------------------------------------------------------------------------------------


def test_it_lists_the_years_and_flags_next_year(ada_client):
    body = ada_client.get("/calendar/").content.decode()
    assert 'href="/calendar/2026/"' in body and 'href="/calendar/2004/"' in body
    assert 'data-missing-year="2027"' in body
    assert 'href="/calendar/2027/edit/"' in body  # the administrator may enter it


def test_it_shows_the_list_to_staff_without_the_edit_buttons(client, alice):
    client.force_login(alice)
    body = client.get("/calendar/").content.decode()
    assert 'data-missing-year="2027"' in body
    assert "/edit/" not in body
    assert 'href="/calendar/"' not in body  # no nav link for those who cannot enter it


def test_it_links_the_calendar_in_the_nav_for_the_administrator(ada_client):
    assert 'href="/calendar/"' in ada_client.get("/notifications/").content.decode()


def test_it_no_longer_flags_a_year_once_entered(ada_client):
    ada_client.post("/calendar/2027/edit/", SCHEDULE_2027)
    assert 'data-missing-year="2027"' not in ada_client.get("/calendar/").content.decode()


@pytest.mark.parametrize("url", ["/calendar/", "/calendar/2026/", "/calendar/2027/edit/"])
def test_it_sends_an_anonymous_visitor_to_the_login(client, db, url):
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.parametrize("entered", [False, True])
def test_it_lists_in_constant_queries(ada_client, django_assert_num_queries, entered):
    if entered:
        ada_client.post("/calendar/2027/edit/", SCHEDULE_2027)
    # session, user, memberships, years with their counts, communities (header), unread count
    with django_assert_num_queries(6):
        assert ada_client.get("/calendar/").status_code == 200


def test_it_lists_the_newest_year_first(client, alice):
    client.force_login(alice)
    years = [y.year for y in client.get("/calendar/").context["years"]]
    assert years == list(range(2026, 2003, -1))


# -- one year --------------------------------------------------------------------------------------


def test_it_shows_a_year_with_its_holidays_and_adjusted_workdays(client, alice, django_assert_num_queries):
    client.force_login(alice)
    # session, user, the year, its days, memberships, communities (header), unread count
    with django_assert_num_queries(7):
        r = client.get("/calendar/2026/")
    body = r.content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday" title="国庆节"' in body
    assert 'data-date="2026-10-10" data-kind="workday" title="国庆节调休"' in body
    assert 'data-date="2026-10-08"\n' in body or 'data-date="2026-10-08"' in body
    assert 'data-date="2026-10-08" data-kind' not in body  # a plain working day
    assert body.count("data-date=") == 365


def test_it_has_no_page_for_a_year_not_entered(client, alice):
    client.force_login(alice)
    assert client.get("/calendar/2027/").status_code == 404


# -- entering a year --------------------------------------------------------------------------------


def test_it_lets_the_administrator_enter_next_year(ada_client, ada):
    r = ada_client.post("/calendar/2027/edit/", SCHEDULE_2027)
    assert r.status_code == 302 and r["Location"] == "/calendar/2027/"
    calendar_year = CalendarYear.objects.get(year=2027)
    assert (calendar_year.entered_by, calendar_year.note) == (ada, "国办发明电〔2026〕X号")
    holidays = list(calendar_year.days.filter(kind="holiday").values_list("date", flat=True))
    # A range keeps its weekdays only: 02-06 and 02-07 are a weekend, 10-02 and 10-03 too.
    assert holidays == [
        date(2027, 1, 1),
        *[date(2027, 2, d) for d in (8, 9, 10, 11, 12)],
        *[date(2027, 10, d) for d in (1, 4, 5, 6, 7)],
    ]
    assert list(calendar_year.days.filter(kind="workday").values_list("date", "name")) == [
        (date(2027, 2, 20), "春节调休"),
        (date(2027, 10, 9), "国庆节调休"),
    ]
    assert AuditEntry.objects.filter(kind="calendar.entered", actor=ada).count() == 1
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert "国庆节" in ada_client.get("/calendar/2027/").content.decode()


def test_it_prefills_the_form_with_the_year_entered(ada_client):
    body = ada_client.get("/calendar/2026/edit/").content.decode()
    assert "2026-10-01 国庆节" in body and "2026-10-10 国庆节调休" in body
    assert "autofocus" in body


def test_it_corrects_a_seeded_year_from_the_page(ada_client, ada):
    lines = ada_client.get("/calendar/2026/edit/").context["form"].initial
    r = ada_client.post("/calendar/2026/edit/", {**lines, "workdays": "", "note": "更正"})
    assert r.status_code == 302
    assert CalendarYear.objects.get(year=2026).entered_by == ada
    assert not CalendarDay.objects.filter(calendar_year__year=2026, kind="workday").exists()


@pytest.mark.parametrize("user", ["alice", "quinn", "bob"])
def test_it_lets_no_one_else_enter(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get("/calendar/2027/edit/").status_code == 403
    assert client.post("/calendar/2027/edit/", SCHEDULE_2027).status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (
            "holidays",
            "2027-01-01 元旦\n2027-13-01 元旦",
            "Line 2 “2027-13-01 元旦”: 2027-13-01 is not a date.",
        ),
        ("holidays", "2027-01-01 元旦\n元旦 2027-01-01", "Line 2 “元旦 2027-01-01”: write the date as"),
        (
            "holidays",
            "2027-01-01 元旦\n2027-01-02 元旦",
            "Line 2 “2027-01-02 元旦”: 2027-01-02 is a Saturday",
        ),
        ("holidays", "2026-12-31 元旦", "Line 1 “2026-12-31 元旦”: 2026-12-31 is not in 2027."),
        ("holidays", "2027-01-01", "Line 1 “2027-01-01”: 2027-01-01 has no name"),
        (
            "holidays",
            "2027-01-01 元旦\n\n2027-01-01 元旦",
            "Line 3 “2027-01-01 元旦”: 2027-01-01 is entered twice.",
        ),
        (
            "holidays",
            "2027-02-12~2027-02-06 春节",
            "Line 1 “2027-02-12~2027-02-06 春节”: the range ends before",
        ),
        ("holidays", "", "Enter the public holidays"),
        ("workdays", "2027-02-19 春节调休", "Line 1 “2027-02-19 春节调休”: 2027-02-19 is a Friday"),
        ("workdays", "2027-02-06~2027-02-07 调休", "write each adjusted workday on its own line."),
        (
            "workdays",
            "2027-02-20 春节调休\n2027-02-10 春节",
            "Line 2 “2027-02-10 春节”: 2027-02-10 is entered twice.",
        ),
    ],
)
def test_it_reports_a_bad_line_with_its_number_and_writes_nothing(ada_client, field, text, expected):
    data = {**SCHEDULE_2027, field: text}
    if field == "workdays":
        data["holidays"] = "2027-02-08~2027-02-12 春节"
    r = english(ada_client, "/calendar/2027/edit/", data)
    assert r.status_code == 200
    assert expected in r.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "Nothing was saved" in r.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEntry.objects.filter(kind="calendar.entered").exists()


def test_it_reports_every_bad_line_at_once(ada_client):
    data = {
        "holidays": "2027-01-02 元旦\n2027-01-01 元旦\n2027-1-32 元旦\n2027-01-03 元旦",
        "workdays": "2027-02-19 春节调休\n2027-02-20 春节调休",
        "note": "",
    }
    form = english(ada_client, "/calendar/2027/edit/", data).context["form"]
    assert [e.split("”")[0] for e in form.errors["holidays"]] == [
        "Line 1 “2027-01-02 元旦",  # a Saturday
        "Line 3 “2027-1-32 元旦",  # not a date
        "Line 4 “2027-01-03 元旦",  # a Sunday
    ]
    assert [e.split("”")[0] for e in form.errors["workdays"]] == ["Line 1 “2027-02-19 春节调休"]


def test_it_keeps_the_year_when_a_correction_is_wrong(ada_client):
    before = CalendarDay.objects.filter(calendar_year__year=2026).count()
    r = ada_client.post("/calendar/2026/edit/", {"holidays": "2026-10-03 国庆节", "workdays": "", "note": ""})
    assert r.status_code == 200
    assert CalendarDay.objects.filter(calendar_year__year=2026).count() == before
    assert CalendarYear.objects.get(year=2026).source == "chinesecalendar"


@pytest.mark.parametrize("year", [2003, 2028])
def test_it_has_no_edit_page_for_a_year_that_cannot_be_entered(ada_client, year):
    assert ada_client.get(f"/calendar/{year}/edit/").status_code == 404


@pytest.mark.parametrize("method", ["put", "delete"])
def test_it_refuses_other_methods(ada_client, method):
    assert getattr(ada_client, method)("/calendar/2027/edit/").status_code == 405
    assert getattr(ada_client, method)("/calendar/").status_code == 405
