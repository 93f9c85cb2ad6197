"""Reads of reception records and work orders, always through `visible_to(user)`."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from propsvc.models import Deadline
from propsvc.roles import PERMISSIONS, Perm
from propsvc.tenancy import department_ids_of, memberships_of
from reception.models import ReceptionEvent, ReceptionRecord, WorkOrder


@dataclass(frozen=True)
class RecordFilter:
    """What the list's filter form asks for (all optional)."""

    communities: list[int] | None = None  # the header's current community (None: every visible)
    date_from: date | None = None
    date_to: date | None = None
    channel: str = ""
    kind: str = ""
    status: str = ""
    overdue: bool = False
    staff_id: int | None = None
    q: str = ""
    view: str = ""  # "today", "mine" (my pending), "overdue"


def _open_overdue(model, now: datetime):
    """Exists: an open deadline of this case whose due time has passed."""
    content_type = ContentType.objects.get_for_model(model)
    return Exists(
        Deadline.objects.filter(
            content_type=content_type,
            object_id=OuterRef("pk"),
            met_at__isnull=True,
            due_at__lt=now,
        )
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def record_list_for_desk(*, user, filters: RecordFilter) -> QuerySet[ReceptionRecord]:
    now = timezone.now()
    qs = (
        ReceptionRecord.objects.visible_to(user)
        .in_communities(filters.communities)
        .select_related("community", "unit__building", "owner", "received_by")
        .annotate(is_overdue=_open_overdue(ReceptionRecord, now))
    )
    today = timezone.localdate()
    if filters.view == "today":
        qs = qs.filter(
            received_at__gte=_day_start(today), received_at__lt=_day_start(today + timedelta(days=1))
        )
    elif filters.view == "mine":
        qs = qs.filter(received_by=user).exclude(status=ReceptionRecord.Status.CLOSED)
    elif filters.view == "overdue":
        qs = qs.filter(is_overdue=True)
    if filters.date_from:
        qs = qs.filter(received_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(received_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = qs.filter(is_overdue=True)
    if filters.staff_id:
        qs = qs.filter(received_by_id=filters.staff_id)
    if filters.q:
        text = filters.q.strip()
        match = (
            Q(subject__icontains=text)
            | Q(contact_name__icontains=text)
            | Q(owner__name__startswith=text)
            | Q(unit__room=text)
        )
        if text.upper().startswith("JD") and text[2:].isdigit():
            match |= Q(pk=int(text[2:]))
        qs = qs.filter(match)
    return qs.order_by("-received_at", "-pk")


def record_rows_for_export(*, user, filters: RecordFilter):
    """The whole filtered list as tuples, streamed (STYLE.md 24)."""
    qs = record_list_for_desk(user=user, filters=filters)
    return qs.values_list(
        "pk",
        "community__name",
        "received_at",
        "channel",
        "kind",
        "unit__building__number",
        "unit__entrance",
        "unit__room",
        "owner__name",
        "contact_name",
        "subject",
        "details",
        "request",
        "status",
        "outcome",
        "outcome_note",
        "promised_reply_at",
        "first_response_at",
        "closed_at",
        "received_by__first_name",
        "received_by__username",
        "is_overdue",
    ).iterator(chunk_size=2000)


def record_get_for_user(*, user, pk: int) -> ReceptionRecord:
    qs = ReceptionRecord.objects.select_related(
        "community", "unit__building", "owner", "received_by", "first_response_by"
    )
    return get_object_or_404(qs.visible_to(user), pk=pk)


def record_events(*, record: ReceptionRecord) -> QuerySet[ReceptionEvent]:
    return record.events.select_related("actor", "work_order").order_by("created_at", "pk")


def record_work_orders(*, record: ReceptionRecord) -> QuerySet[WorkOrder]:
    return record.work_orders.select_related("department", "signed_by", "result_by").order_by("pk")


def work_order_visible_to(user) -> QuerySet[WorkOrder]:
    """Desk roles see their communities' work orders; a department member sees their department's."""
    scoped = WorkOrder.objects.visible_to(user)
    if user.is_superuser:
        return scoped
    readers = PERMISSIONS[Perm.VIEW_RECORDS]
    memberships = memberships_of(user)
    if any(m.community_id is None and m.role in readers for m in memberships):
        return scoped  # quality, leadership, admin: every community
    desk_communities = {m.community_id for m in memberships if m.role in readers}
    return scoped.filter(Q(community_id__in=desk_communities) | Q(department_id__in=department_ids_of(user)))


def work_order_get_for_user(*, user, pk: int) -> WorkOrder:
    qs = work_order_visible_to(user).select_related(
        "community",
        "department",
        "record__unit__building",
        "record__owner",
        "signed_by",
        "result_by",
        "created_by",
        "responsible_person",
    )
    return get_object_or_404(qs, pk=pk)


def work_order_list_inbox(*, user, status: str = "", communities=None) -> QuerySet[WorkOrder]:
    """A department's inbox: its work orders, open ones first by deadline."""
    now = timezone.now()
    qs = (
        work_order_visible_to(user)
        .in_communities(communities)
        .select_related("community", "department", "record__unit__building", "signed_by")
        .annotate(is_overdue=_open_overdue(WorkOrder, now))
    )
    qs = qs.filter(status=status) if status else qs.exclude(status=WorkOrder.Status.DONE)
    return qs.order_by("due_at", "pk")


def staff_choices_for(*, user, communities=None):
    """Staff who logged records in the visible communities, for the list's staff filter."""
    from django.contrib.auth import get_user_model

    # EXISTS per staff member (index record_staff_community), not DISTINCT over every record of
    # the communities — tens of thousands in a large one (docs/PERFORMANCE.md).
    logged = ReceptionRecord.objects.visible_to(user).in_communities(communities)
    return (
        get_user_model()
        .objects.filter(Exists(logged.filter(received_by=OuterRef("pk"))))
        .order_by("username")
    )
