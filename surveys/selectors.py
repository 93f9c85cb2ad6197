"""Reads of owner visits and their monthly summaries, always through `visible_to(user)`."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from archives.selectors import community_list_with_occupancy
from propsvc.models import Community
from propsvc.selectors import deadline_list_for_case
from surveys.models import BoxSuggestion, Mode, Month, Topic, Visit, VisitSummary, quota_percent, visit_quota


@dataclass(frozen=True)
class VisitFilter:
    """What the list's filter form asks for (all optional)."""

    communities: list[int] | None = None  # None: every visible community
    month: date | None = None  # the first day of the month
    mode: str = ""
    staff_id: int | None = None


def visit_list(*, user, filters: VisitFilter) -> QuerySet[Visit]:
    """The list, joined for the page: one query for the page whatever its length."""
    qs = (
        Visit.objects.visible_to(user)
        .in_communities(filters.communities)
        .select_related("community", "unit__building", "owner", "visited_by")
    )
    if filters.month:
        qs = qs.filter(month=filters.month)
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    if filters.staff_id:
        qs = qs.filter(visited_by_id=filters.staff_id)
    return qs.order_by("-visited_at", "-pk")


def visit_rows_for_export(*, user, filters: VisitFilter):
    """The whole filtered list as tuples, streamed (STYLE.md 24)."""
    return (
        visit_list(user=user, filters=filters)
        .values_list(
            "pk",
            "community__name",
            "visited_at",
            "unit__building__number",
            "unit__entrance",
            "unit__room",
            "owner__name",
            "mode",
            "topics",
            "opinions",
            "signature",
            "appointment_made_at",
            "appointment_with",
            "visited_by__first_name",
            "visited_by__username",
        )
        .iterator(chunk_size=2000)
    )


def visit_get_for_user(*, user, pk: int) -> Visit:
    qs = Visit.objects.visible_to(user).select_related("community", "unit__building", "owner", "visited_by")
    return get_object_or_404(qs, pk=pk)


def visit_staff_choices(*, user, communities: list[int] | None) -> QuerySet:
    """The staff who recorded visits in these communities (the list's "visited by" filter)."""
    visits = Visit.objects.visible_to(user).in_communities(communities)
    return get_user_model().objects.filter(pk__in=visits.values("visited_by_id")).order_by("first_name", "pk")


# -- the monthly quota (R-VIS-1) -----------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaLine:
    community: object
    households: int
    occupied: int
    percent: int
    quota: int
    visits: int
    summary: VisitSummary | None

    @property
    def progress(self) -> int:
        """Visits as a percentage of the quota (100 when nothing is owed)."""
        return 100 if not self.quota else round(self.visits * 100 / self.quota)

    @property
    def remaining(self) -> int:
        return max(self.quota - self.visits, 0)

    @property
    def is_met(self) -> bool:
        return self.visits >= self.quota


def quota_for_month(*, user, communities: list[int] | None, month: Month) -> list[QuotaLine]:
    """R-VIS-1: each community's quota and the visits counted in the month — three queries whatever
    the number of communities: households and occupied households (archives), the visits grouped
    by community, the month's summaries. A month whose summary is open uses the register as it stood
    then (the summary keeps it); the running month, the register as it stands."""
    rows = community_list_with_occupancy(user=user, communities=communities)
    counted = dict(
        Visit.objects.visible_to(user)
        .in_communities(communities)
        .filter(month=month.first)
        .values("community_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("community_id", "n")
    )
    summaries = {
        s.community_id: s
        for s in VisitSummary.objects.visible_to(user).in_communities(communities).filter(month=month.first)
    }
    lines = []
    for community in rows:
        summary = summaries.get(community.pk)
        households, occupied = community.households, community.occupied
        if summary is not None:
            households, occupied = summary.households, summary.occupied
        lines.append(
            QuotaLine(
                community=community,
                households=households,
                occupied=occupied,
                percent=quota_percent(households),
                quota=summary.quota if summary else visit_quota(households=households, occupied=occupied),
                visits=counted.get(community.pk, 0),
                summary=summary,
            )
        )
    return lines


# -- the monthly summary (R-VIS-4) ------------------------------------------------------------------------


def summary_get_for_user(*, user, pk: int) -> VisitSummary:
    qs = VisitSummary.objects.visible_to(user).select_related("community", "prepared_by", "submitted_by")
    return get_object_or_404(qs, pk=pk)


def summary_parts(*, summary: VisitSummary) -> dict:
    """The summary page's lists, each in one query: the month's visits (with how many by mode and
    topic), the suggestions, the timeline and the ledger row."""
    visits = list(
        Visit.objects.filter(community_id=summary.community_id, month=summary.month)
        .select_related("unit__building", "owner", "visited_by")
        .order_by("visited_at", "pk")
    )
    suggestions = list(
        summary.suggestions.select_related(
            "visit__unit__building", "visit__owner", "visit__visited_by", "decided_by"
        ).order_by("visit__visited_at", "pk")
    )
    modes = Counter(v.mode for v in visits)
    topics = Counter(t for v in visits for t in v.topics)
    return {
        "visits": visits,
        "suggestions": suggestions,
        "pending": sum(1 for s in suggestions if not s.is_decided),
        "by_mode": [(label, modes[value]) for value, label in Mode.choices if modes[value]],
        "by_topic": [(label, topics[value]) for value, label in Topic.choices if topics[value]],
        "events": list(summary.events.select_related("actor")),
        "deadlines": list(deadline_list_for_case(case=summary)),
    }


# -- the suggestion box (R-COM-1) -------------------------------------------------------------------------


def box_community_get(*, code: str):
    """The public box: any community by its code (no login, so no scope), or 404."""
    return get_object_or_404(Community.objects.only("pk", "name", "code"), code=code)


def box_community_get_for_user(*, user, code: str):
    return get_object_or_404(Community.objects.visible_to(user), code=code)


def box_suggestion_list_for_inbox(
    *, user, communities: list[int], status: str = ""
) -> QuerySet[BoxSuggestion]:
    """The inbox: the notes of these (visible) communities, newest first, joined for the page."""
    qs = (
        BoxSuggestion.objects.visible_to(user)
        .in_communities(communities)
        .select_related("community", "answered_by")
    )
    if status == "unanswered":
        qs = qs.filter(status=BoxSuggestion.Status.NEW)
    elif status == "answered":
        qs = qs.exclude(status=BoxSuggestion.Status.NEW)
    return qs.order_by("-created_at", "-pk")


def box_suggestion_get_for_user(*, user, pk: int) -> BoxSuggestion:
    return get_object_or_404(BoxSuggestion.objects.visible_to(user), pk=pk)
