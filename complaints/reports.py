"""Monthly complaint and call-back statistics (DOMAIN R-CMP-9, R-CB-5), aggregated in SQL.

Every figure is read with a fixed number of queries whatever the number of complaints: counts
are conditional aggregates, breakdowns are GROUP BY queries, on-time rates come from the deadline
ledger (propsvc.Deadline: the same rows that sent the reminders). Months are calendar months in
Asia/Shanghai: a complaint received on the 30th at 23:30 Shanghai time counts in that month.

`scope` is always a queryset already narrowed to what the user may see
(complaints.selectors.complaint_visible_to(user).in_communities(...)).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Callback, Category, Complaint, Rating, Severity, Validity
from complaints.services import KIND_CALLBACK, KIND_FIRST_RESPONSE, KIND_RESOLVE
from propsvc.models import Community, Deadline, Department
from reception.models import Channel

BREAKDOWNS = ("category", "department__kind", "severity", "validity", "channel")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def current(cls) -> "Month":
        return cls.of(timezone.localdate())

    def _aware(self, year: int, month: int) -> datetime:
        return datetime.combine(date(year, month, 1), time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def start(self) -> datetime:
        return self._aware(self.year, self.month)

    @property
    def end(self) -> datetime:
        """The first moment of the next month (exclusive)."""
        return self.plus(1).start

    def plus(self, months: int) -> "Month":
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def previous(self) -> "Month":
        return self.plus(-1)

    @property
    def last_year(self) -> "Month":
        return Month(self.year - 1, self.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def received_in(scope: QuerySet[Complaint], month: Month) -> QuerySet[Complaint]:
    return scope.filter(received_at__gte=month.start, received_at__lt=month.end)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ledger(scope: QuerySet[Complaint], kind: str) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint),
        object_id__in=Subquery(scope.values("pk")),
        kind=kind,
    )


def _callbacks_of(scope: QuerySet[Complaint], communities: list[int] | None) -> QuerySet[Callback]:
    """The call-backs of the scope's complaints. Given the communities the statistics count (the
    views always give them: a reader of statistics reads every complaint of the community), they
    are read by the call-back's own community column (index callback_community_planned/_done)
    instead of IN over every complaint of the communities."""
    if communities is not None:
        return Callback.objects.filter(community__in=communities)
    return Callback.objects.filter(complaint__in=Subquery(scope.values("pk")))


def _callback_ledger(scope: QuerySet[Complaint], communities: list[int] | None) -> QuerySet[Deadline]:
    content_type = ContentType.objects.get_for_model(Complaint)
    rows = Deadline.objects.filter(content_type=content_type, kind=KIND_CALLBACK)
    if communities is not None:  # index deadline_report (community, kind, due_at)
        return rows.filter(community__in=communities)
    return rows.filter(object_id__in=Subquery(scope.values("pk")))


def on_time(rows: QuerySet[Deadline], *, now: datetime) -> dict:
    """Of the ledger rows already decided (met, or past due unmet), how many were met in time.

    One query. Rows still open and not yet due are neither on time nor late.
    """
    late_unmet = Q(met_at__isnull=True, paused_at__isnull=True, due_at__lt=now)  # a paused clock is not late
    figures = rows.aggregate(
        decided=Count("pk", filter=Q(met_at__isnull=False) | late_unmet),
        on_time=Count("pk", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))),
    )
    figures["late"] = figures["decided"] - figures["on_time"]
    figures["rate"] = _rate(figures["on_time"], figures["decided"])
    return figures


def complaint_figures(
    *, scope: QuerySet[Complaint], month: Month, now: datetime | None = None, breakdowns: bool = True
) -> dict:
    """The figures of one month (R-CMP-9) — fifteen queries whatever the number of complaints, nine
    without the breakdowns (the months the report only compares with need the key figures alone)."""
    now = now or timezone.now()
    received = received_in(scope, month)
    figures = received.aggregate(
        total=Count("pk"),
        valid=Count("pk", filter=Q(validity="valid")),
        invalid=Count("pk", filter=Q(validity="invalid")),
        untriaged=Count("pk", filter=Q(validity="")),
        closed=Count("pk", filter=Q(status=Complaint.Status.CLOSED)),
        reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        paused=Count("pk", filter=Q(paused_seconds__gt=0) | Q(status=Complaint.Status.PAUSED)),
        paused_seconds=Sum("paused_seconds", default=0),
        # the time to resolve (time_to_resolve): its count and mean in the same pass
        resolved_n=Count("pk", filter=RESOLVED),
        mean_duration=Avg(DURATION, filter=RESOLVED),
    )
    if breakdowns:
        for field in BREAKDOWNS:
            rows = received.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n")
            figures[f"by_{field.replace('__kind', '')}"] = dict(rows)
        by_community = received.order_by().values("community", "community__name").annotate(n=Count("pk"))
        by_community = by_community.values_list("community", "community__name", "n")
        figures["by_community"] = {pk: n for pk, _name, n in by_community}
        figures["community_names"] = {pk: name for pk, name, _n in by_community}
    # R-CMP-4: valid complaints resolved within 48 hours (invalid ones have no such row, and a
    # row opened before an invalid triage is not counted either).
    figures["resolve"] = on_time(_ledger(received.filter(validity="valid"), KIND_RESOLVE), now=now)
    # R-REC-3: every complaint's first response within 24 hours.
    figures["first_response"] = on_time(_ledger(received, KIND_FIRST_RESPONSE), now=now)
    figures |= open_at_month_end(scope=scope, month=month)
    figures |= time_to_resolve(received, n=figures.pop("resolved_n"), mean=figures.pop("mean_duration"))
    return figures


# R-CMP-9's time to resolve: from receipt to the reported result, of the valid complaints that have one.
RESOLVED = Q(validity="valid", result_at__isnull=False)
DURATION = ExpressionWrapper(F("result_at") - F("received_at"), output_field=DurationField())


def time_to_resolve(received: QuerySet[Complaint], *, n: int, mean) -> dict:
    """Mean and median hours from receipt to the reported result, of the valid complaints that have
    one (clock time; the paused hours are reported beside it). The count and the mean come from the
    month's aggregate (complaint_figures); the median is one query more, the middle row(s) of the
    ordered durations — portable SQL, no Python loop over rows."""
    if not n:
        return {"resolved_n": 0, "mean_hours": None, "median_hours": None}
    done = received.filter(RESOLVED).annotate(duration=DURATION)
    ordered = done.order_by("duration", "pk").values_list("duration", flat=True)
    middle = list(ordered[(n - 1) // 2 : n // 2 + 1])
    median = sum(middle, start=middle[0] * 0) / len(middle)
    return {
        "resolved_n": n,
        "mean_hours": round(mean.total_seconds() / 3600, 1),
        "median_hours": round(median.total_seconds() / 3600, 1),
    }


def open_at(scope: QuerySet[Complaint], month: Month) -> QuerySet[Complaint]:
    """Complaints received by the end of the month and not closed by then."""
    end = month.end
    return scope.filter(received_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))


def _overdue_at_end(month: Month) -> Q:
    """Has a ledger row due before the month's end and not met by then."""
    end = month.end
    rows = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), object_id=OuterRef("pk"), due_at__lt=end
    ).filter(Q(met_at__isnull=True) | Q(met_at__gte=end))
    # EXISTS per open complaint (an index probe on deadline_case), not IN over every ledger row
    # due before the month's end — millions at the large size (docs/PERFORMANCE.md).
    return Q(Exists(rows))


def overdue_at(scope: QuerySet[Complaint], month: Month) -> QuerySet[Complaint]:
    return open_at(scope, month).filter(_overdue_at_end(month))


def open_at_month_end(*, scope: QuerySet[Complaint], month: Month) -> dict:
    """Open at the end of the month, and of those the overdue ones. One query."""
    return open_at(scope, month).aggregate(
        open_at_end=Count("pk"), overdue_at_end=Count("pk", filter=_overdue_at_end(month))
    )


RATED_FIELDS = ("quality_rating", "effect_rating", "satisfaction")


def callback_statistics(
    *,
    scope: QuerySet[Complaint],
    month: Month,
    now: datetime | None = None,
    communities: list[int] | None = None,
) -> tuple[dict, list]:
    """R-CB-5: the month's call-backs — due, done, done on time, the three ratings, the
    dissatisfied and what became of them — for the whole scope and one row per community.

    Four queries whatever the number of communities: those due (grouped by community), those
    recorded (grouped, every count at once), the communities' names, the ledger's on-time figures.
    The total is the sum of the communities' rows, so the two can never disagree."""
    now = now or timezone.now()
    callbacks = _callbacks_of(scope, communities)
    due = dict(
        callbacks.filter(planned_at__gte=month.start, planned_at__lt=month.end)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    counts = {
        "done": Count("pk", filter=Q(status=Callback.Status.DONE)),
        "unreachable": Count("pk", filter=Q(status=Callback.Status.UNREACHABLE)),
        # what became of the dissatisfied: closed since, or still being worked on
        "dissatisfied_closed": Count(
            "pk", filter=Q(satisfaction=Rating.DISSATISFIED, complaint__status=Complaint.Status.CLOSED)
        ),
        **{
            f"{field}_{rating}": Count("pk", filter=Q(**{field: rating}))
            for field in RATED_FIELDS
            for rating in Rating.values
        },
    }
    done_rows = (
        callbacks.filter(done_at__gte=month.start, done_at__lt=month.end)
        .order_by()
        .values("community")
        .annotate(**counts)
    )
    done = {row["community"]: row for row in done_rows}
    names = dict(Community.objects.filter(pk__in=due.keys() | done.keys()).values_list("pk", "name"))
    total = {"due": sum(due.values())} | {key: sum(row[key] for row in done.values()) for key in counts}
    total["dissatisfied"] = total["satisfaction_dissatisfied"]
    total["dissatisfied_open"] = total["dissatisfied"] - total["dissatisfied_closed"]
    pleased = total["satisfaction_satisfied"] + total["satisfaction_basic"]
    total["satisfaction_rate"] = _rate(pleased, total["done"])
    ledger = _callback_ledger(scope, communities).filter(due_at__gte=month.start, due_at__lt=month.end)
    total["on_time"] = on_time(ledger, now=now)
    rows = []
    for pk in sorted(names, key=lambda pk: names[pk]):
        counted = done.get(pk, {})
        row = {
            "done": counted.get("done", 0),
            "unreachable": counted.get("unreachable", 0),
            "satisfied": counted.get("satisfaction_satisfied", 0),
            "basic": counted.get("satisfaction_basic", 0),
            "dissatisfied": counted.get("satisfaction_dissatisfied", 0),
            "dissatisfied_closed": counted.get("dissatisfied_closed", 0),
        }
        row |= {"community": pk, "name": names[pk], "due": due.get(pk, 0)}
        row["satisfaction_rate"] = _rate(row["satisfied"] + row["basic"], row["done"])
        row["dissatisfied_open"] = row["dissatisfied"] - row["dissatisfied_closed"]
        rows.append(row)
    return total, rows


def callback_key_figures(
    *, scope: QuerySet[Complaint], month: Month, communities: list[int] | None = None
) -> dict:
    """What the report compares with the previous month and last year (KEY_FIGURES): the call-backs
    recorded as done in the month and their satisfaction rate (R-CB-5). One query."""
    figures = (
        _callbacks_of(scope, communities)
        .filter(done_at__gte=month.start, done_at__lt=month.end)
        .aggregate(
            done=Count("pk", filter=Q(status=Callback.Status.DONE)),
            pleased=Count("pk", filter=Q(satisfaction__in=[Rating.SATISFIED, Rating.BASIC])),
        )
    )
    return {"done": figures["done"], "satisfaction_rate": _rate(figures["pleased"], figures["done"])}


def callback_figures(
    *,
    scope: QuerySet[Complaint],
    month: Month,
    now: datetime | None = None,
    communities: list[int] | None = None,
) -> dict:
    """The month's call-back figures for the whole scope (callback_statistics). Four queries."""
    return callback_statistics(scope=scope, month=month, now=now, communities=communities)[0]


def pareto(counts: dict[str, int], *, cut: float = 80.0) -> list[dict]:
    """Categories by count, descending, with the cumulative share; those up to and including the
    one that reaches `cut` percent are the main issues to improve (主要改进事项)."""
    total = sum(counts.values())
    rows, running, reached = [], 0, False
    for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += n
        share = round(100 * running / total, 1) if total else 0.0
        rows.append({"key": key, "count": n, "cumulative": share, "main": not reached and n > 0})
        reached = reached or share >= cut
    return rows


def trend(*, scope: QuerySet[Complaint], month: Month, months: int = 12) -> list[tuple[Month, int]]:
    """Complaints received per month for the `months` months ending with `month` — one query."""
    first = month.plus(-(months - 1))
    boundaries = [first.plus(i) for i in range(months)]
    counts = scope.filter(received_at__gte=first.start, received_at__lt=month.end).aggregate(
        **{
            _alias(m): Count("pk", filter=Q(received_at__gte=m.start, received_at__lt=m.end))
            for m in boundaries
        }
    )
    return [(m, counts[_alias(m)]) for m in boundaries]


def _alias(month: Month) -> str:
    return f"m{month.year}_{month.month:02d}"


def _change(current, before):
    if current is None or before is None:
        return None
    return round(current - before, 1)


KEY_FIGURES = [
    # (label key for the template, how to read it from complaint_figures / callback_figures)
    ("total", lambda c, cb: c["total"]),
    ("valid", lambda c, cb: c["valid"]),
    ("invalid", lambda c, cb: c["invalid"]),
    ("resolve_rate", lambda c, cb: c["resolve"]["rate"]),
    ("first_response_rate", lambda c, cb: c["first_response"]["rate"]),
    ("open_at_end", lambda c, cb: c["open_at_end"]),
    ("overdue_at_end", lambda c, cb: c["overdue_at_end"]),
    ("median_hours", lambda c, cb: c["median_hours"]),
    ("mean_hours", lambda c, cb: c["mean_hours"]),
    ("paused", lambda c, cb: c["paused"]),
    ("reopened", lambda c, cb: c["reopened"]),
    ("callbacks_done", lambda c, cb: cb["done"]),
    ("satisfaction_rate", lambda c, cb: cb["satisfaction_rate"]),
]


def monthly_report(
    *,
    scope: QuerySet[Complaint],
    month: Month,
    now: datetime | None = None,
    communities: list[int] | None = None,
) -> dict:
    """Everything the monthly page and its Excel file show, in a fixed number of queries:
    the month, the previous month and the same month last year with the change, the 12-month
    trend, the Pareto of categories and the call-back figures."""
    now = now or timezone.now()
    periods = {"current": month, "previous": month.previous, "last_year": month.last_year}
    # Breakdowns only for the month itself: the other two periods are compared by key figures.
    complaints = {
        key: complaint_figures(scope=scope, month=m, now=now, breakdowns=key == "current")
        for key, m in periods.items()
    }
    current_callbacks, callback_rows = callback_statistics(
        scope=scope, month=month, now=now, communities=communities
    )
    callbacks = {
        "current": current_callbacks,
        **{
            key: callback_key_figures(scope=scope, month=m, communities=communities)
            for key, m in periods.items()
            if key != "current"
        },
    }
    rows = []
    for key, read in KEY_FIGURES:
        values = {period: read(complaints[period], callbacks[period]) for period in periods}
        rows.append(
            {
                "key": key,
                **values,
                "vs_previous": _change(values["current"], values["previous"]),
                "vs_last_year": _change(values["current"], values["last_year"]),
            }
        )
    for row in rows:
        row["label"], row["percent"] = key_label(row["key"])
    trend_rows = trend(scope=scope, month=month)
    pareto_rows = [
        {**row, "label": str(dict(Category.choices).get(row["key"], row["key"]))}
        for row in pareto(complaints["current"]["by_category"])
    ]
    return {
        "month": month,
        "periods": periods,
        "breakdowns": breakdowns(complaints["current"]),
        "figures": complaints["current"],
        "callbacks": callbacks["current"],
        "key_rows": rows,
        "callbacks_by_community": callback_rows,
        "trend": trend_rows,
        "pareto": pareto_rows,
        "chart": {  # what the page's charts draw (json_script)
            "trend": {
                "label": _("Complaints received"),
                "labels": [str(m) for m, _n in trend_rows],
                "values": [n for _m, n in trend_rows],
            },
            "pareto": {
                "count_label": _("Complaints"),
                "cumulative_label": _("Cumulative %"),
                "labels": [row["label"] for row in pareto_rows],
                "counts": [row["count"] for row in pareto_rows],
                "cumulative": [row["cumulative"] for row in pareto_rows],
                "main": [row["main"] for row in pareto_rows],
            },
        },
    }


def key_label(key: str) -> tuple[str, bool]:
    """The label of a key figure, and whether it is a percentage."""
    labels = {
        "total": (_("Complaints received"), False),
        "valid": (_("Valid complaints"), False),
        "invalid": (_("Invalid complaints"), False),
        "resolve_rate": (_("Resolved within 48 hours (on-time rate, %)"), True),
        "first_response_rate": (_("First response within 24 hours (on-time rate, %)"), True),
        "open_at_end": (_("Open at month end"), False),
        "overdue_at_end": (_("Overdue at month end"), False),
        "median_hours": (_("Median time to resolve (hours)"), True),
        "mean_hours": (_("Mean time to resolve (hours)"), True),
        "paused": (_("Complaints with the clock paused"), False),
        "reopened": (_("Reopened after a call-back"), False),
        "callbacks_done": (_("Call-backs done"), False),
        "satisfaction_rate": (_("Call-back satisfaction (satisfied or basically satisfied, %)"), True),
    }
    return labels[key]


def breakdowns(figures: dict) -> list[dict]:
    """The month's counts by category, department, severity, validity and channel, labelled, with
    each row's share and the list filter that drills down to the complaints it counts."""
    tables = [
        ("category", "category", _("Complaints by category"), dict(Category.choices)),
        (
            "department",
            "department",
            _("Complaints by responsible department"),
            dict(Department.Kind.choices),
        ),
        ("severity", "severity", _("Complaints by severity"), dict(Severity.choices)),
        (
            "validity",
            "validity",
            _("Complaints by validity"),
            {**dict(Validity.choices), "": _("Not triaged")},
        ),
        ("channel", "channel", _("Complaints by channel"), dict(Channel.choices)),
    ]
    names_of_communities = figures.get("community_names", {})
    tables.append(("community", "community", _("Complaints by community"), names_of_communities))
    total = figures["total"]
    out = []
    for field, param, title, names in tables:
        counts = figures[f"by_{field}"]
        rows = [
            {
                "key": key,
                "label": str(names.get(key, key)),
                "count": n,
                "share": _rate(n, total),
                "param": param if key else "",
            }
            for key, n in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        ]
        out.append({"field": field, "title": title, "rows": rows})
    return out


def callback_figures_by_community(
    *,
    scope: QuerySet[Complaint],
    month: Month,
    now: datetime | None = None,
    communities: list[int] | None = None,
) -> list:
    """R-CB-5 per community: the month's call-backs, one row per community (callback_statistics)."""
    return callback_statistics(scope=scope, month=month, now=now, communities=communities)[1]
