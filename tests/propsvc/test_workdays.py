"""Working-day arithmetic on the official calendar (DOMAIN.md "Time", R-TIME-1; propsvc/workdays.py).

The expected dates are counted by hand on the 2026 schedule (国办发明电〔2025〕7号):
National Day 10-01 (Thu) … 10-07 (Wed) off, 09-20 (Sun) and 10-10 (Sat) worked;
Spring Festival 02-15 (Sun) … 02-23 (Mon) off, 02-14 (Sat) and 02-28 (Sat) worked.
"""

import datetime
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from propsvc.calendar import calendar_year_enter
from propsvc.errors import DomainError
from propsvc.models import CalendarDay, CalendarYear
from propsvc.roles import Role
from propsvc.workdays import (
    CalendarMissing,
    add_working_days,
    is_working_day,
    working_days_between,
    working_deadline,
)
from tests.propsvc.conftest import staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def ada(db):
    """The system administrator (company level)."""
    return staff("ada", None, Role.ADMIN, email="ada@example.com")


# -- the seeded calendar ---------------------------------------------------------------------------


def test_it_seeded_2004_to_2026_from_the_chinesecalendar_package(db):
    seeded = CalendarYear.objects.filter(source=CalendarYear.Source.CHINESECALENDAR, entered_by__isnull=True)
    assert sorted(seeded.values_list("year", flat=True)) == list(range(2004, 2027))
    assert not CalendarYear.objects.filter(year__in=[2003, 2027]).exists()


def test_it_seeded_the_known_2026_rows(db):
    rows = {d.date: d for d in CalendarDay.objects.filter(calendar_year__year=2026)}
    assert (rows[date(2026, 10, 1)].kind, rows[date(2026, 10, 1)].name) == ("holiday", "国庆节")
    assert rows[date(2026, 10, 7)].kind == "holiday"
    assert (rows[date(2026, 10, 10)].kind, rows[date(2026, 10, 10)].name) == ("workday", "国庆节调休")
    assert rows[date(2026, 9, 20)].kind == "workday"
    assert (rows[date(2026, 2, 16)].kind, rows[date(2026, 2, 16)].name) == ("holiday", "春节")
    assert rows[date(2026, 2, 14)].kind == "workday"
    assert (rows[date(2026, 4, 6)].kind, rows[date(2026, 4, 6)].name) == ("holiday", "清明节")
    # Plain days and holidays on a weekend are not stored: they follow the weekly rule.
    assert date(2026, 10, 3) not in rows  # Saturday of the National Day week
    assert date(2026, 10, 8) not in rows  # the Thursday after: a plain working day
    assert len([d for d in rows.values() if d.kind == "holiday"]) == 19
    assert len([d for d in rows.values() if d.kind == "workday"]) == 6


# -- one day --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 3), False),  # a Saturday in the holiday
        (date(2026, 10, 8), True),  # back at work on Thursday
        (date(2026, 10, 10), True),  # adjusted workday, a Saturday
        (date(2026, 10, 11), False),  # a plain Sunday
        (date(2026, 11, 23), True),  # a plain Monday
    ],
)
def test_it_tells_a_working_day(db, day, working):
    assert is_working_day(day) is working


def test_it_refuses_a_day_of_an_unknown_year(db):
    with pytest.raises(CalendarMissing) as exc:
        is_working_day(date(2003, 12, 31))
    assert exc.value.year == 2003


# -- periods of working days ------------------------------------------------------------------------


def test_it_counts_15_working_days_across_the_national_day_holiday(db):
    # From Monday 09-28: 09-29, 09-30 (2); 10-01 … 10-07 off; 10-08, 10-09, 10-10 Sat worked (5);
    # 10-12 … 10-16 (10); 10-19 … 10-23 (15).
    assert add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)


def test_it_counts_the_adjusted_saturday_as_a_working_day(db):
    # From 09-30: 10-08, 10-09 and then the Saturday 10-10, which is worked.
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)  # Sunday 10-11 is off


def test_it_counts_15_working_days_across_the_spring_festival(db):
    # From Thursday 02-12: 02-13 (1), Saturday 02-14 worked (2); 02-15 … 02-23 off; 02-24 … 02-27 (6),
    # Saturday 02-28 worked (7); 03-02 … 03-06 (12); 03-09, 03-10, 03-11 (15).
    assert add_working_days(date(2026, 2, 12), 15) == date(2026, 3, 11)


def test_it_ends_the_period_at_24_00_shanghai_of_the_last_day(db):
    deadline = working_deadline(at(2026, 9, 28, 16, 30), 15)
    assert deadline == at(2026, 10, 24, 0, 0)  # 24:00 of Friday 10-23
    assert deadline.utcoffset() == datetime.timedelta(hours=8)


def test_it_does_not_count_the_day_of_the_event(db):
    # R-TIME-1: an event on Monday, however late, starts the count on Tuesday.
    assert add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    assert working_deadline(at(2026, 11, 23, 23, 50), 1) == at(2026, 11, 25, 0, 0)
    # An event on a Saturday: Sunday is off, Monday is the first working day.
    assert add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)


def test_it_takes_the_event_day_in_shanghai_time(db):
    # 16:30 UTC on Sunday 11-22 is 00:30 on Monday 11-23 in Shanghai: the count starts on Tuesday.
    event = datetime.datetime(2026, 11, 22, 16, 30, tzinfo=datetime.UTC)
    assert working_deadline(event, 1) == at(2026, 11, 25, 0, 0)


def test_it_refuses_a_naive_moment_and_an_empty_period(db):
    with pytest.raises(ValueError):
        working_deadline(datetime.datetime(2026, 11, 23, 10, 0), 1)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 23), 0)


def test_it_counts_the_working_days_between_two_days(db):
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 23)) == 15
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert working_days_between(date(2026, 10, 23), date(2026, 10, 23)) == 0
    assert working_days_between(date(2026, 10, 23), date(2026, 9, 28)) == -15


# -- a year with no schedule --------------------------------------------------------------------------


def test_it_refuses_a_period_that_reaches_a_year_with_no_schedule(db):
    with pytest.raises(CalendarMissing) as exc:
        add_working_days(date(2026, 12, 20), 15)
    assert exc.value.year == 2027
    assert isinstance(exc.value, DomainError)
    with translation.override("en"):
        assert str(CalendarMissing(2027)) == (
            "The working-day calendar for 2027 has not been entered yet; "
            "ask the system administrator to enter the official holiday schedule."
        )
    with pytest.raises(CalendarMissing, match="2027"):
        working_deadline(at(2026, 12, 20, 9, 0), 15)
    with pytest.raises(CalendarMissing, match="2027"):
        working_days_between(date(2026, 12, 1), date(2027, 1, 5))


def test_it_computes_a_period_that_ends_before_the_unknown_year(db):
    # The read covers 2027 too, but the count never reaches it: no error, no guess.
    assert add_working_days(date(2026, 12, 29), 2) == date(2026, 12, 31)


def test_it_computes_into_2027_once_its_schedule_is_entered(ada):
    with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):
        calendar_year_enter(
            by=ada,
            year=2027,
            holidays=[(date(2027, 1, 1), "元旦")] + [(date(2027, 2, d), "春节") for d in range(8, 13)],
            workdays=[(date(2027, 2, 20), "春节调休")],
            note="测试用安排",
        )
    # From Sunday 12-20: 12-21 … 12-25 (5), 12-28 … 12-31 (9); 01-01 off; 01-04 … 01-08 (14); 01-11 (15).
    assert add_working_days(date(2026, 12, 20), 15) == date(2027, 1, 11)
    assert is_working_day(date(2027, 2, 20)) is True  # the adjusted Saturday
    assert is_working_day(date(2027, 2, 8)) is False
    # After Friday 02-05: the weekend, 02-08 … 02-12 off, the weekend again; Monday 02-15 is the day.
    assert working_deadline(at(2027, 2, 5, 15, 0), 1) == at(2027, 2, 16, 0, 0)


# -- query budget -------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [date(2026, 3, 2), date(2025, 12, 1)])
@pytest.mark.parametrize("n", [1, 60])
def test_it_reads_the_calendar_in_one_query(db, django_assert_num_queries, start, n):
    with django_assert_num_queries(1):  # the years of the span with their days (one LEFT JOIN)
        add_working_days(start, n)
