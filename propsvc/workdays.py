"""The working-day calendar: reads and arithmetic (DOMAIN.md "Time", R-TIME-1).

A working day is Monday–Friday unless it is a public holiday (法定节假日), and a Saturday or Sunday
that is an adjusted workday (调休上班日). Only those exceptions are stored (CalendarDay); a year is
known only when it has a CalendarYear row. A computation that reaches an unknown year raises
CalendarMissing naming the year — it never falls back to weekends only.

Each computation reads the years it may need in one query. Nothing is cached between
computations: gunicorn and Celery run in separate processes, and a year entered (or corrected) in
one of them must count in all at once; a computation reads a few dozen rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from propsvc.errors import DomainError
from propsvc.models import CalendarDay, CalendarYear


class CalendarError(DomainError):
    """The working-day calendar refused an entry, or cannot answer."""


class CalendarMissing(CalendarError):
    """A computation reached a year whose official schedule has not been entered."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _(
                "The working-day calendar for %(year)d has not been entered yet; "
                "ask the system administrator to enter the official holiday schedule."
            )
            % {"year": year}
        )


@dataclass
class _Calendar:
    """The schedules of a span of years, read in one query."""

    first_year: int
    last_year: int
    known: set[int] = field(default_factory=set)
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)

    @classmethod
    def load(cls, first_year: int, last_year: int) -> "_Calendar":
        calendar = cls(first_year, last_year)
        # One query: every known year of the span with its days (a LEFT JOIN, so a year entered
        # with no exception at all still counts as known).
        rows = CalendarYear.objects.filter(year__range=(first_year, last_year)).values_list(
            "year", "days__date", "days__kind"
        )
        for year, day, kind in rows:
            calendar.known.add(year)
            if kind == CalendarDay.Kind.HOLIDAY:
                calendar.holidays.add(day)
            elif kind == CalendarDay.Kind.WORKDAY:
                calendar.workdays.add(day)
        return calendar

    def covers(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.known:
            raise CalendarMissing(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def _horizon(start: date, n: int) -> date:
    # Far enough for n working days anywhere in the official calendar (at most nine days off in a
    # row, about 250 working days a year), so one read covers the whole count.
    return start + timedelta(days=2 * n + 21)


def _calendar_for(first: date, last: date) -> _Calendar:
    return _Calendar.load(first.year, last.year)


def is_working_day(day: date) -> bool:
    """Whether staff work on that day by the official calendar (one query)."""
    return _calendar_for(day, day).is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The last day of a period of n working days after `start` (R-TIME-1).

    The day of the event is not counted: counting starts the day after `start`, and only
    working days count. The period ends at 24:00 of the returned day (working_deadline).
    """
    if isinstance(start, datetime):
        raise TypeError("add_working_days takes a date; use working_deadline for a moment in time")
    if n < 1:
        raise ValueError("a period of working days has at least one day")
    calendar = _calendar_for(start, _horizon(start, n))
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if not calendar.covers(day):  # never in practice: the horizon is generous
            calendar = _calendar_for(day, _horizon(day, n - counted))
        if calendar.is_working_day(day):
            counted += 1
    return day


def working_deadline(event_at: datetime, n: int) -> datetime:
    """The moment n working days after an event run out: 24:00 (Asia/Shanghai) of the last day.

    That is 00:00 of the following day, returned as an aware datetime for the deadline ledger.
    The event's day is its Shanghai calendar day (R-TIME-2), whatever the clock time.
    """
    if timezone.is_naive(event_at):
        raise ValueError("event_at must be timezone-aware")
    zone = ZoneInfo(settings.TIME_ZONE)
    last = add_working_days(event_at.astimezone(zone).date(), n)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)


def working_days_between(a: date, b: date) -> int:
    """How many working days lie after `a`, up to and including `b` (R-TIME-1 counting).

    So working_days_between(d, add_working_days(d, n)) == n. Negative when b is before a;
    0 when they are the same day.
    """
    if b < a:
        return -working_days_between(b, a)
    calendar = _calendar_for(a, b)
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


# -- reads for the calendar pages ---------------------------------------------------------------


def calendar_year_list() -> QuerySet[CalendarYear]:
    """Every known year, newest first, with its numbers of holidays and adjusted workdays."""
    qs = CalendarYear.objects.select_related("entered_by").annotate(
        n_holidays=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
        n_workdays=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)),
    )
    return qs.order_by("-year")  # Meta.ordering does not apply to an aggregating query


def calendar_years_missing(*, today: date | None = None, known: set[int]) -> list[int]:
    """This year and next year when their schedules are not entered (next year from 1 November)."""
    today = today or timezone.localdate()
    wanted = [today.year]
    if (today.month, today.day) >= (11, 1):
        wanted.append(today.year + 1)
    return [year for year in wanted if year not in known]


def calendar_year_get(*, year: int) -> CalendarYear:
    return get_object_or_404(CalendarYear.objects.select_related("entered_by"), year=year)


def calendar_year_known(*, year: int) -> CalendarYear | None:
    return CalendarYear.objects.select_related("entered_by").filter(year=year).first()


def calendar_year_lines(*, year: int) -> dict[str, str]:
    """A year's entries as the edit form's lines ("2027-01-01 元旦"), holidays and workdays apart."""
    lines: dict[str, list[str]] = {CalendarDay.Kind.HOLIDAY: [], CalendarDay.Kind.WORKDAY: []}
    days = CalendarDay.objects.filter(calendar_year__year=year).order_by("date")
    for day in days.values_list("date", "kind", "name"):
        lines[day[1]].append(f"{day[0]:%Y-%m-%d} {day[2]}")
    return {
        "holidays": "\n".join(lines[CalendarDay.Kind.HOLIDAY]),
        "workdays": "\n".join(lines[CalendarDay.Kind.WORKDAY]),
    }


@dataclass(frozen=True)
class GridDay:
    date: date
    in_month: bool
    kind: str = ""  # CalendarDay.Kind, or "" for a plain day
    name: str = ""

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def is_working(self) -> bool:
        if self.kind:
            return self.kind == CalendarDay.Kind.WORKDAY
        return not self.is_weekend


@dataclass(frozen=True)
class GridMonth:
    month: date  # the first of the month
    weeks: list[list[GridDay]]


def calendar_year_grid(*, calendar_year: CalendarYear) -> tuple[list[GridMonth], list[CalendarDay]]:
    """The year page: twelve month grids (weeks from Monday) with each exception marked, and the
    exceptions themselves in date order (one query)."""
    days = list(calendar_year.days.order_by("date"))
    by_date = {d.date: d for d in days}
    months = []
    for month in range(1, 13):
        first = date(calendar_year.year, month, 1)
        day = first - timedelta(days=first.weekday())  # the Monday on or before the 1st
        weeks = []
        while day.month == month or day < first:
            week = []
            for _i in range(7):
                entry = by_date.get(day)
                week.append(
                    GridDay(
                        date=day,
                        in_month=day.month == month,
                        kind=entry.kind if entry else "",
                        name=entry.name if entry else "",
                    )
                )
                day += timedelta(days=1)
            weeks.append(week)
        months.append(GridMonth(month=first, weeks=weeks))
    return months, days
