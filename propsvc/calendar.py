"""State changes of the working-day calendar: entering a year's schedule, reminding to enter it.

Reads and the working-day arithmetic are in propsvc/workdays.py. (propsvc/services.py, past 500
lines, keeps the notifications and the ledger; the calendar is a concern of its own. Imports are
absolute, so this module never hides the standard library's `calendar`.)
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from propsvc.concurrency import ensure_fresh
from propsvc.models import CalendarDay, CalendarReminder, CalendarYear, Membership
from propsvc.roles import Perm, Role
from propsvc.services import audit_write, notification_send
from propsvc.workdays import CalendarError

logger = logging.getLogger(__name__)

FIRST_YEAR = 2004  # the first year of the seeded calendar
NAME_MAX = 50  # CalendarDay.name

Entry = tuple[date, str]


@dataclass(frozen=True)
class ScheduleProblem:
    """One thing wrong with an entered schedule; `index` is the entry's place in its list
    (None: the list as a whole), so the form can name the line it came from."""

    kind: str  # CalendarDay.Kind
    index: int | None
    message: str


def calendar_year_enterable(year: int, *, today: date | None = None) -> bool:
    """A year's schedule may be entered from the first seeded year up to next year: the State
    Council publishes next year's schedule in the autumn, never further ahead."""
    today = today or timezone.localdate()
    return FIRST_YEAR <= year <= today.year + 1


def schedule_problems(*, year: int, holidays: list[Entry], workdays: list[Entry]) -> list[ScheduleProblem]:
    """Every problem of a schedule for `year`, in entry order (empty: it may be entered).

    A holiday is a weekday off (a holiday on a weekend is off anyway and needs no entry); an
    adjusted workday is a Saturday or Sunday that is worked; each date once, every date in
    the year, each with a name; at least one holiday (every official schedule has some).
    """
    problems: list[ScheduleProblem] = []
    if not holidays:
        problems.append(
            ScheduleProblem(
                CalendarDay.Kind.HOLIDAY,
                None,
                _("Enter the public holidays: every official schedule has some."),
            )
        )
    seen: set[date] = set()
    for kind, entries in ((CalendarDay.Kind.HOLIDAY, holidays), (CalendarDay.Kind.WORKDAY, workdays)):
        for index, (day, name) in enumerate(entries):
            message = _entry_problem(year, kind, day, name.strip(), seen)
            seen.add(day)
            if message:
                problems.append(ScheduleProblem(kind, index, message))
    return problems


def _entry_problem(year: int, kind: str, day: date, name: str, seen: set[date]) -> str | None:
    values = {"date": f"{day:%Y-%m-%d}", "year": year, "weekday": WEEKDAYS[day.weekday()]}
    if day.year != year:
        return _("%(date)s is not in %(year)d.") % values
    if day in seen:
        return _("%(date)s is entered twice.") % values
    if kind == CalendarDay.Kind.HOLIDAY and day.weekday() >= 5:
        return (
            _("%(date)s is a %(weekday)s: a holiday on a weekend is a day off anyway and needs no entry.")
            % values
        )
    if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
        return (
            _("%(date)s is a %(weekday)s: only a Saturday or Sunday that is worked is an adjusted workday.")
            % values
        )
    if not name:
        return _("%(date)s has no name: write it after the date, e.g. “2027-01-01 元旦”.") % values
    if len(name) > NAME_MAX:
        return _("The name of %(date)s is longer than %(max)d characters.") % {**values, "max": NAME_MAX}
    return None


@transaction.atomic
def calendar_year_enter(
    *, by, year: int, holidays: list[Entry], workdays: list[Entry], note: str = "", version: str = ""
) -> CalendarYear:
    """Enter (or correct) one year's official holiday schedule; only the calendar's keepers may.

    The year's exceptions are replaced as a whole: its public holidays that fall on weekdays and
    its adjusted workdays (weekends worked). A seeded year corrected this way becomes "entered".
    From this commit on, every working-day computation in every process reads the new schedule.
    One audit entry records the year and the counts.
    """
    if not by.has_perm(Perm.MANAGE_CALENDAR):
        raise CalendarError(_("Only the system administrator may enter the working-day calendar."))
    if not calendar_year_enterable(year):
        raise CalendarError(
            _("The schedule of %(year)d cannot be entered: only years from %(first)d to next year can.")
            % {"year": year, "first": FIRST_YEAR}
        )
    problems = schedule_problems(year=year, holidays=holidays, workdays=workdays)
    if problems:
        raise CalendarError(pgettext("list separator", "; ").join(p.message for p in problems))
    # the edit form's token (propsvc.concurrency): a schedule entered by someone else since is refused
    current = CalendarYear.objects.select_for_update().filter(year=year).first()
    ensure_fresh(current, version=version, field="entered_at", error=CalendarError)
    calendar_year, created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"entered_by": by}
    )
    calendar_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(calendar_year=calendar_year, date=day, kind=kind, name=name.strip())
            for kind, entries in ((CalendarDay.Kind.HOLIDAY, holidays), (CalendarDay.Kind.WORKDAY, workdays))
            for day, name in entries
        ]
    )
    calendar_year.source = CalendarYear.Source.ENTERED
    calendar_year.entered_by = by
    calendar_year.entered_at = timezone.now()
    calendar_year.note = note.strip()[:300]
    calendar_year.save()
    audit_write(
        kind="calendar.entered",
        actor=by,
        year=year,
        holidays=len(holidays),
        workdays=len(workdays),
        replaced=not created,
    )
    return calendar_year


# -- the reminder to enter next year's schedule --------------------------------------------------

REMIND_FROM = (11, 1)  # month, day: the State Council usually publishes next year's schedule by then
REMIND_EVERY = timedelta(days=7)


def _reminder_rounds(today: date, known: set[int]) -> list[tuple[int, date]]:
    """(year, round start) pairs due today.

    Next year, from 1 November: one round a week (1 Nov, 8 Nov, …) until it is entered. This
    year, if it is still missing (every working-day deadline fails): one round a day.
    """
    rounds = []
    if today.year not in known:
        rounds.append((today.year, today))
    start = date(today.year, *REMIND_FROM)
    if today >= start and today.year + 1 not in known:
        weeks = (today - start) // REMIND_EVERY
        rounds.append((today.year + 1, start + weeks * REMIND_EVERY))
    return rounds


def _reminder_text(year: int, today: date) -> str:
    if year <= today.year:
        return _(
            "The official holiday schedule for %(year)d has not been entered: working-day deadlines "
            "cannot be computed until it is. Enter it now."
        ) % {"year": year}
    return _(
        "Enter the official holiday schedule for %(year)d by %(due)s: working-day deadlines that "
        "reach into %(year)d cannot be computed until it is entered."
    ) % {"year": year, "due": f"{date(year - 1, 12, 31):%Y-%m-%d}"}


def calendar_remind(*, today: date | None = None) -> dict[str, int]:
    """Remind the system administrators to enter next year's schedule (daily by beat, 09:00).

    From 1 November, while next year has no CalendarYear, every administrator (Role.ADMIN) gets
    a notification (and an email) with a link to the year's edit page and the date it is due
    (31 December), once a week; if a year has begun without its schedule, once a day. Each round
    is claimed by inserting its CalendarReminder marker in the transaction that writes the
    notifications, so a rerun or a second worker sends nothing twice. With no administrator
    nothing is claimed (the round goes out once one is appointed) and a warning is logged.
    """
    today = today or timezone.localdate()
    years = {today.year, today.year + 1}
    known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    rounds = _reminder_rounds(today, known)
    counts = {"rounds": 0, "notified": 0}
    if not rounds:
        return counts
    admins = [
        m.user
        for m in Membership.objects.filter(role=Role.ADMIN, user__is_active=True).select_related("user")
    ]
    if not admins:
        logger.warning(
            "the working-day calendar of %s is missing and there is no administrator to tell", rounds
        )
        return counts
    with translation.override(settings.LANGUAGE_CODE):
        for year, round_start in rounds:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        CalendarReminder.objects.create(
                            year=year, round_start=round_start, recipients=len(admins)
                        )
                except IntegrityError:
                    continue  # this round was sent already (a rerun, or another worker)
                sent = notification_send(
                    recipients=admins,
                    text=_reminder_text(year, today),
                    link=reverse("calendar-edit", args=[year]),
                    email=True,
                )
            counts["rounds"] += 1
            counts["notified"] += len(sent)
    return counts
