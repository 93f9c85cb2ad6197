"""Reads of violations, always through `Violation.objects.visible_to(user)`."""

from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from propsvc.models import Deadline
from violations.models import Category, ChargeList, Notice, Photo, Violation
from violations.services import KIND_RECTIFICATION, Month


@dataclass(frozen=True)
class ViolationFilter:
    """What the list's filter form asks for (all optional)."""

    communities: list[int] | None = None  # None: every visible community
    month: date | None = None  # the first day of the month seen
    status: str = ""
    category: str = ""
    severity: str = ""
    overdue: bool = False  # the rectification deadline passed without a successful re-inspection
    q: str = ""


def _overdue_rectification(now):
    """Exists: the rectification deadline passed and no re-inspection met it, or the re-inspection
    found it not rectified (and nothing followed yet)."""
    late = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Violation),
        object_id=OuterRef("pk"),
        kind=KIND_RECTIFICATION,
        met_at__isnull=True,
        due_at__lt=now,
    )
    return Exists(late) | Q(status=Violation.Status.NOT_RECTIFIED)


def violation_list(*, user, filters: ViolationFilter) -> QuerySet[Violation]:
    """The list, joined for the page: one query for the page whatever its length."""
    qs = (
        Violation.objects.visible_to(user)
        .in_communities(filters.communities)
        .select_related("community", "unit__building", "owner", "registered_by")
        .annotate(is_overdue=_overdue_rectification(timezone.now()))
    )
    if filters.month:
        period = Month.of(filters.month)
        qs = qs.filter(observed_at__gte=period.start, observed_at__lt=period.end)
    for field in ("status", "category", "severity"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    if filters.overdue:
        qs = qs.filter(is_overdue=True)
    if filters.q:
        qs = qs.filter(_search(filters.q.strip()))
    return qs.order_by("-observed_at", "-pk")


def _search(text: str) -> Q:
    """WZ000123 or 123 (the number), a room (1101), an owner's name, or words of the place or of
    what was seen."""
    upper = text.upper()
    match = Q(location__icontains=text) | Q(description__icontains=text) | Q(owner__name__startswith=text)
    digits = upper.removeprefix("WZ")
    if digits.isdigit():
        match |= Q(pk=int(digits)) | Q(unit__room=digits)
    return match


def violation_rows_for_export(*, user, filters: ViolationFilter):
    """The whole filtered list as tuples, streamed (STYLE.md 24)."""
    return (
        violation_list(user=user, filters=filters)
        .values_list(
            "pk",
            "community__name",
            "observed_at",
            "unit__building__number",
            "unit__entrance",
            "unit__room",
            "location",
            "owner__name",
            "category",
            "subtype",
            "description",
            "severity",
            "status",
            "registered_by__first_name",
            "registered_by__username",
            "closed_at",
            "is_overdue",
        )
        .iterator(chunk_size=2000)
    )


def violation_get_for_user(*, user, pk: int) -> Violation:
    qs = Violation.objects.visible_to(user).select_related(
        "community", "unit__building", "owner", "registered_by", "closed_by"
    )
    return get_object_or_404(qs, pk=pk)


def violation_detail_parts(*, violation: Violation) -> dict:
    """The detail page's lists, each in one query."""
    measures = list(
        violation.measures.select_related("by", "signed_by", "reinspected_by").prefetch_related(
            Prefetch("notices", queryset=Notice.objects.order_by("issued_at"))
        )
    )
    return {
        "measures": measures,
        "photos": list(violation.photos.all()),
        "notices": list(violation.notices.select_related("issued_by", "measure")),
        "follow_ups": list(violation.follow_ups.select_related("by")),
        "events": list(violation.events.select_related("actor")),
    }


def photo_get_for_user(*, user, violation_pk: int, pk: int) -> Photo:
    return get_object_or_404(Photo.objects.visible_to(user), violation_id=violation_pk, pk=pk)


def notice_get_for_user(*, user, violation_pk: int, pk: int) -> Notice:
    qs = Notice.objects.visible_to(user).select_related(
        "violation__community", "violation__unit__building", "violation__owner", "measure", "issued_by"
    )
    return get_object_or_404(qs, violation_id=violation_pk, pk=pk)


def charge_list_for_user(*, user, communities: list[int] | None, month: date | None) -> QuerySet[ChargeList]:
    qs = ChargeList.objects.visible_to(user).select_related("community")
    if communities is not None:
        qs = qs.filter(community_id__in=communities)
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("-month", "community__name")


def counts_by_category_and_month(*, user, communities: list[int] | None, year: int) -> dict:
    """Violations seen in each month of a year, per category (one grouped query), for managers."""
    start, end = Month.of(date(year, 1, 1)).start, Month.of(date(year + 1, 1, 1)).start
    rows = (
        Violation.objects.visible_to(user)
        .in_communities(communities)
        .filter(observed_at__gte=start, observed_at__lt=end)
        .annotate(month=ExtractMonth("observed_at"))
        .values("category", "month")
        .annotate(n=Count("pk"), major=Count("pk", filter=Q(severity="major")))
        .order_by()
    )
    table = {c: [0] * 12 for c in Category.values}
    majors = [0] * 12
    for row in rows:
        table[row["category"]][row["month"] - 1] += row["n"]
        majors[row["month"] - 1] += row["major"]
    lines = [
        {"category": c, "label": Category(c).label, "months": table[c], "total": sum(table[c])}
        for c in Category.values
    ]
    totals = [sum(line["months"][i] for line in lines) for i in range(12)]
    return {"year": year, "lines": lines, "totals": totals, "total": sum(totals), "majors": majors}
