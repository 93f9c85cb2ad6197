"""Entering a year's official schedule, and the reminder to enter next year's (propsvc/calendar.py)."""

import datetime
import threading
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction

from propsvc.calendar import calendar_remind, calendar_year_enter
from propsvc.models import AuditEntry, CalendarDay, CalendarReminder, CalendarYear, Notification
from propsvc.roles import Role
from propsvc.tasks import remind_calendar
from propsvc.workdays import CalendarError, add_working_days
from tests.propsvc.conftest import staff

SHANGHAI = ZoneInfo("Asia/Shanghai")

HOLIDAYS_2027 = [(date(2027, 1, 1), "元旦")] + [(date(2027, 2, d), "春节") for d in range(8, 13)]
WORKDAYS_2027 = [(date(2027, 2, 20), "春节调休")]


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def autumn():
    """A weekday in late November 2026, after next year's schedule is usually published."""
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def ada(db):
    """The system administrator (company level)."""
    return staff("ada", None, Role.ADMIN, email="ada@example.com")


@pytest.fixture
def abe(db):
    """A second system administrator."""
    return staff("abe", None, Role.ADMIN)


def enter_2027(by, **kwargs):
    kwargs.setdefault("holidays", HOLIDAYS_2027)
    kwargs.setdefault("workdays", WORKDAYS_2027)
    return calendar_year_enter(by=by, year=2027, note=kwargs.pop("note", "国办发明电〔2026〕X号"), **kwargs)


# -- entering -------------------------------------------------------------------------------------


def test_it_enters_a_new_year(autumn, ada):
    calendar_year = enter_2027(ada)
    assert (calendar_year.source, calendar_year.entered_by, calendar_year.note) == (
        "entered",
        ada,
        "国办发明电〔2026〕X号",
    )
    days = list(calendar_year.days.values_list("date", "kind", "name"))
    assert (date(2027, 1, 1), "holiday", "元旦") in days and (
        date(2027, 2, 20),
        "workday",
        "春节调休",
    ) in days
    assert len(days) == 7
    [entry] = AuditEntry.objects.filter(kind="calendar.entered")
    assert entry.actor == ada
    assert entry.data == {"year": 2027, "holidays": 6, "workdays": 1, "replaced": False}


def test_it_replaces_a_year_entered_before(autumn, ada):
    enter_2027(ada)
    enter_2027(ada, holidays=[(date(2027, 1, 1), "元旦")], workdays=[], note="更正")
    assert list(CalendarDay.objects.filter(calendar_year__year=2027).values_list("date", flat=True)) == [
        date(2027, 1, 1)
    ]
    assert CalendarYear.objects.get(year=2027).note == "更正"
    assert AuditEntry.objects.filter(kind="calendar.entered").first().data["replaced"] is True


def test_it_corrects_a_seeded_year(autumn, ada):
    holidays = [
        (d.date, d.name) for d in CalendarDay.objects.filter(calendar_year__year=2026, kind="holiday")
    ]
    # Say the company was told 10-08 is off too (and 10-10 no longer worked).
    calendar_year_enter(
        by=ada, year=2026, holidays=[*holidays, (date(2026, 10, 8), "国庆节")], workdays=[], note="更正"
    )
    calendar_year = CalendarYear.objects.get(year=2026)
    assert (calendar_year.source, calendar_year.entered_by) == ("entered", ada)
    assert calendar_year.days.filter(kind="workday").count() == 0
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)


@pytest.mark.parametrize(
    ("holidays", "workdays", "problem"),
    [
        ([(date(2027, 1, 2), "元旦")], [], "2027-01-02"),  # a Saturday: a day off anyway
        ([(date(2026, 12, 31), "元旦")], [], "2027"),  # not in the year
        (HOLIDAYS_2027, [(date(2027, 2, 19), "春节调休")], "2027-02-19"),  # a Friday cannot be "worked"
        (HOLIDAYS_2027, [(date(2027, 2, 8), "春节调休")], "2027-02-08"),  # entered twice (and a Monday)
        ([(date(2027, 1, 1), "元旦"), (date(2027, 1, 1), "元旦")], [], "2027-01-01"),  # twice
        ([(date(2027, 1, 1), "  ")], [], "2027-01-01"),  # no name
        ([], WORKDAYS_2027, None),  # no holiday at all
    ],
)
def test_it_refuses_a_wrong_schedule_and_writes_nothing(autumn, ada, holidays, workdays, problem):
    with pytest.raises(CalendarError, match=problem):
        enter_2027(ada, holidays=holidays, workdays=workdays)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEntry.objects.filter(kind="calendar.entered").exists()


def test_it_refuses_a_wrong_correction_and_keeps_the_year(autumn, ada):
    before = list(CalendarDay.objects.filter(calendar_year__year=2026).values_list("date", "kind", "name"))
    with pytest.raises(CalendarError):
        calendar_year_enter(by=ada, year=2026, holidays=[(date(2026, 10, 3), "国庆节")], workdays=[])
    after = list(CalendarDay.objects.filter(calendar_year__year=2026).values_list("date", "kind", "name"))
    assert after == before
    assert CalendarYear.objects.get(year=2026).source == "chinesecalendar"


def test_it_refuses_a_year_too_far_ahead(autumn, ada):
    with pytest.raises(CalendarError, match="2028"):
        calendar_year_enter(by=ada, year=2028, holidays=[(date(2028, 1, 3), "元旦")], workdays=[])
    assert not CalendarYear.objects.filter(year=2028).exists()


def test_it_lets_only_the_administrator_enter(autumn, alice, quinn):
    for user in (alice, quinn):
        with pytest.raises(CalendarError):
            enter_2027(user)
    assert not CalendarYear.objects.filter(year=2027).exists()


# -- the reminder -----------------------------------------------------------------------------------


def test_it_reminds_the_administrators_once_from_1_november(ada, abe, alice):
    with time_machine.travel(at(2026, 11, 1, 9, 0), tick=False):
        assert calendar_remind() == {"rounds": 1, "notified": 2}
        assert calendar_remind() == {"rounds": 0, "notified": 0}  # a rerun, or a second worker
        assert remind_calendar() == {"rounds": 0, "notified": 0}
    [note] = Notification.objects.filter(recipient=ada)
    assert "2027" in note.text and "2026-12-31" in note.text  # the year and the day it is due
    assert note.link == "/calendar/2027/edit/"
    assert note.email_pending is True  # ada has an email address
    assert Notification.objects.filter(recipient=abe).count() == 1
    assert not Notification.objects.filter(recipient=alice).exists()
    assert CalendarReminder.objects.get().recipients == 2


def test_it_does_not_remind_before_1_november(ada):
    with time_machine.travel(at(2026, 10, 31, 9, 0), tick=False):
        assert calendar_remind() == {"rounds": 0, "notified": 0}
    assert not Notification.objects.exists()


def test_it_reminds_again_each_week_until_entered(ada):
    for day, sent in [(1, 1), (2, 0), (7, 0), (8, 1), (9, 0), (15, 1)]:
        with time_machine.travel(at(2026, 11, day, 9, 0), tick=False):
            assert calendar_remind()["rounds"] == sent, day
    assert Notification.objects.filter(recipient=ada).count() == 3
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        enter_2027(ada)
    with time_machine.travel(at(2026, 11, 22, 9, 0), tick=False):
        assert calendar_remind()["rounds"] == 0  # entered: no more reminders
    assert Notification.objects.filter(recipient=ada).count() == 3


def test_it_does_not_remind_when_next_year_is_entered(ada):
    with time_machine.travel(at(2026, 10, 20, 9, 0), tick=False):
        enter_2027(ada)
    with time_machine.travel(at(2026, 11, 1, 9, 0), tick=False):
        assert calendar_remind() == {"rounds": 0, "notified": 0}
    assert not Notification.objects.exists()


def test_it_reminds_daily_once_a_year_has_begun_without_its_schedule(ada):
    for day in (4, 5):
        with time_machine.travel(at(2027, 1, day, 9, 0), tick=False):
            assert calendar_remind() == {"rounds": 1, "notified": 1}
            assert calendar_remind()["rounds"] == 0
    notes = Notification.objects.filter(recipient=ada)
    assert notes.count() == 2 and all("2027" in n.text and n.link == "/calendar/2027/edit/" for n in notes)


def test_it_keeps_the_round_for_when_an_administrator_is_appointed(db):
    with time_machine.travel(at(2026, 11, 1, 9, 0), tick=False):
        assert calendar_remind() == {"rounds": 0, "notified": 0}  # nobody to tell: nothing claimed
        ada = staff("ada", None, Role.ADMIN)
        assert calendar_remind() == {"rounds": 1, "notified": 1}
    assert Notification.objects.filter(recipient=ada).count() == 1


def test_it_sends_nothing_for_a_round_already_claimed(ada):
    CalendarReminder.objects.create(year=2027, round_start=date(2026, 11, 1), recipients=1)
    with time_machine.travel(at(2026, 11, 3, 9, 0), tick=False):
        assert calendar_remind() == {"rounds": 0, "notified": 0}
    assert not Notification.objects.exists()


@pytest.mark.postgres
def test_it_sends_a_round_once_when_two_workers_race(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two workers cannot race there")
    # An earlier transactional test may have flushed the seeded years; this one needs 2026 known.
    CalendarYear.objects.get_or_create(year=2026, defaults={"source": "chinesecalendar"})
    ada = staff("ada", None, Role.ADMIN)
    start = threading.Barrier(2)
    results, errors = [], []

    def remind():
        try:
            start.wait(timeout=10)
            results.append(calendar_remind(today=date(2026, 11, 1)))
        except Exception as exc:  # surfaced below, in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=remind) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(r["rounds"] for r in results) == [0, 1]  # the second worker found the round claimed
    assert Notification.objects.filter(recipient=ada).count() == 1


def test_it_keeps_the_weekly_rule_in_the_database(db):
    calendar_year = CalendarYear.objects.get(year=2026)
    for kind, day in [("holiday", date(2026, 11, 21)), ("workday", date(2026, 11, 23))]:  # Sat, Mon
        with pytest.raises(IntegrityError), transaction.atomic():
            CalendarDay.objects.create(calendar_year=calendar_year, date=day, kind=kind, name="错误")
