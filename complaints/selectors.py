"""Reads of complaints and call-backs, always through `complaint_visible_to(user)`."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Callback, Complaint, ComplaintEvent, Severity
from complaints.services import handler_roles
from propsvc.models import Deadline
from propsvc.roles import DEPARTMENT_ROLES, PERMISSIONS, Perm, Role
from propsvc.selectors import attach_staff
from propsvc.tenancy import ALL, community_scope, department_ids_of, memberships_of
from reception.models import ReceptionEvent, WorkOrder

# Roles that read every complaint of their communities; department staff and heads read only
# those of their own department (the department's queue) and those they are assigned to fix.
_READERS = PERMISSIONS[Perm.VIEW_COMPLAINTS] - DEPARTMENT_ROLES


def complaint_visible_to(user) -> QuerySet[Complaint]:
    scoped = Complaint.objects.visible_to(user)
    if user.is_superuser:
        return scoped
    memberships = memberships_of(user)
    if any(m.community_id is None and m.role in _READERS for m in memberships):
        return scoped  # quality, leadership, admin: every community
    communities = {m.community_id for m in memberships if m.role in _READERS}
    scope = community_scope(user)
    if scope is not ALL and communities >= scope:
        return scoped  # a reader in every community they belong to: no OR (it defeats the indexes)
    departments = {m.department_id for m in memberships if m.role in DEPARTMENT_ROLES}
    return scoped.filter(
        Q(community_id__in=communities) | Q(department_id__in=departments) | Q(assignee=user)
    )


@dataclass(frozen=True)
class ComplaintFilter:
    """What the list's filter form asks for (all optional)."""

    communities: list[int] | None = None  # the header's current community (None: every visible)
    month: date | None = None  # the first day of the month received
    status: str = ""
    category: str = ""
    severity: str = ""
    validity: str = ""
    channel: str = ""
    department_kind: str = ""
    overdue: bool = False
    q: str = ""
    view: str = ""  # a queue: see QUEUES
    # Drill-downs from the monthly statistics (complaints.reports)
    reopened: bool = False
    paused: bool = False
    open_at: date | None = None  # open at the end of this month
    overdue_at: date | None = None  # overdue at the end of this month


QUEUES = {
    "triage": _("To triage"),
    "mine": _("Mine to handle"),
    "sign_off": _("Awaiting my sign-off"),
    "department": _("My department's"),
    "important": _("Serious and major"),
    "overdue": _("Overdue"),
}


def _overdue(now: datetime):
    """Exists: an open, running deadline of this complaint whose due time has passed."""
    return Exists(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint),
            object_id=OuterRef("pk"),
            met_at__isnull=True,
            paused_at__isnull=True,
            due_at__lt=now,
        )
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _handled_by_my_roles(memberships) -> Q:
    """R-CMP-5: the complaints my roles handle (nothing when I handle none)."""
    roles = {m.role for m in memberships}
    mine = Q(pk__in=[])
    if Role.CS_MANAGER in roles:
        mine |= ~Q(category="company")
    elif Role.PROPERTY_SUPERVISOR in roles:
        mine |= Q(severity=Severity.GENERAL) & ~Q(category="company")
    if Role.QUALITY in roles:
        mine |= Q(category="company")
    return mine


def _queue(qs, *, user, view: str):
    memberships = memberships_of(user)
    if view == "triage":
        return qs.filter(_handled_by_my_roles(memberships), status=Complaint.Status.NEW)
    if view == "mine":
        # What my roles handle (R-CMP-5), still open, or where I am the responsible person.
        mine = _handled_by_my_roles(memberships) | Q(assignee=user) | Q(triaged_by=user)
        return qs.filter(mine).exclude(status=Complaint.Status.CLOSED)
    if view == "sign_off":
        heads_of = {m.department_id for m in memberships if m.role == Role.DEPARTMENT_HEAD}
        return qs.filter(status=Complaint.Status.RESOLVED, department_id__in=heads_of)
    if view == "department":
        return qs.filter(department_id__in=department_ids_of(user)).exclude(status=Complaint.Status.CLOSED)
    if view == "important":
        return qs.filter(severity__in=[Severity.SERIOUS, Severity.MAJOR]).exclude(
            status=Complaint.Status.CLOSED
        )
    if view == "overdue":
        return qs.filter(is_overdue=True)
    return qs


def complaint_list(*, user, filters: ComplaintFilter) -> QuerySet[Complaint]:
    """The complaint list, joined for the page: one query for the page whatever its length."""
    now = timezone.now()
    qs = (
        complaint_visible_to(user)
        .in_communities(filters.communities)
        .select_related("community", "unit__building", "owner", "department", "assignee")
        .annotate(is_overdue=_overdue(now))
    )
    qs = _queue(qs, user=user, view=filters.view)
    if filters.month:
        start = _day_start(filters.month)
        qs = qs.filter(received_at__gte=start, received_at__lt=_day_start(_next_month(filters.month)))
    for field in ("status", "category", "severity", "validity", "channel"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    if filters.department_kind:
        qs = qs.filter(department__kind=filters.department_kind)
    if filters.overdue:
        qs = qs.filter(is_overdue=True)
    qs = _drill(qs, filters)
    if filters.q:
        text = filters.q.strip()
        match = (
            Q(subject__icontains=text)
            | Q(contact_name__icontains=text)
            | Q(owner__name__startswith=text)
            | Q(unit__room=text)
        )
        if text.upper().startswith("TS") and text[2:].isdigit():
            match |= Q(pk=int(text[2:]))
        qs = qs.filter(match)
    return qs.order_by("-received_at", "-pk")


def _drill(qs, filters: ComplaintFilter):
    from complaints import reports

    if filters.reopened:
        qs = qs.filter(reopen_count__gt=0)
    if filters.paused:
        qs = qs.filter(Q(paused_seconds__gt=0) | Q(status=Complaint.Status.PAUSED))
    if filters.open_at:
        qs = reports.open_at(qs, reports.Month.of(filters.open_at))
    if filters.overdue_at:
        qs = reports.overdue_at(qs, reports.Month.of(filters.overdue_at))
    return qs


def complaint_rows_for_export(*, user, filters: ComplaintFilter):
    """The whole filtered list as tuples, streamed (STYLE.md 24)."""
    return (
        complaint_list(user=user, filters=filters)
        .values_list(
            "pk",
            "community__name",
            "received_at",
            "channel",
            "unit__building__number",
            "unit__entrance",
            "unit__room",
            "owner__name",
            "contact_name",
            "subject",
            "category",
            "severity",
            "department__kind",
            "validity",
            "status",
            "first_response_at",
            "result_at",
            "signed_off_at",
            "accepted_at",
            "closed_at",
            "plan_round",
            "reopen_count",
            "paused_seconds",
            "is_overdue",
        )
        .iterator(chunk_size=2000)
    )


def complaint_get_for_user(*, user, pk: int) -> Complaint:
    qs = complaint_visible_to(user).select_related(
        "community", "unit__building", "owner", "department__community", "record"
    )
    complaint = get_object_or_404(qs, pk=pk)
    staff = ("received_by", "triaged_by", "first_response_by", "assignee", "result_by", "signed_off_by")
    attach_staff([complaint], *staff)
    return complaint


def complaint_work_orders(*, complaint: Complaint) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(case_type=ContentType.objects.get_for_model(Complaint), case_id=complaint.pk)
        .select_related("department", "responsible_person", "signed_by", "result_by")
        .order_by("pk")
    )


def complaint_timeline(*, complaint: Complaint, work_orders: list[WorkOrder]) -> list:
    """The complaint's events and its work orders' steps, in time order (two queries)."""
    events = list(complaint.events.select_related("actor").order_by("created_at", "pk"))
    if work_orders:
        steps = (
            ReceptionEvent.objects.filter(work_order__in=work_orders)
            .exclude(kind="work_order.sent")  # the complaint's own "work order issued" says it
            .select_related("actor", "work_order")
        )
        events += list(steps)
    return sorted(events, key=lambda e: (e.created_at, isinstance(e, ReceptionEvent), e.pk))


def complaint_callbacks(*, complaint: Complaint) -> list[Callback]:
    return list(complaint.callbacks.select_related("assigned_to", "done_by").order_by("planned_at", "pk"))


def five_clears(*, complaint: Complaint, events, work_orders) -> list[dict]:
    """R-CMP-1 五清楚一报告, each tick read from the data (never a checkbox).

    听清楚 the complaint is written down with its details; 问清楚 what the owner asks is recorded
    and the complainant identified; 跟清楚 every work order has its result and the complaint its
    result; 复清楚 the owner was answered (first response, and the solution or the explanation);
    记清楚 the result is signed off; 一报告 a major complaint was reported at once (others: n/a).
    """
    kinds = {e.kind for e in events if isinstance(e, ComplaintEvent)}
    orders_done = all(w.status == WorkOrder.Status.DONE for w in work_orders)
    answered = bool(complaint.first_response_at) and bool(
        complaint.owner_told_at or complaint.validity == "invalid" or complaint.unsolvable_reason
    )
    return [
        {
            "name": _("Listen clearly"),
            "done": bool(complaint.subject and complaint.details),
            "how": _("The complaint and its details are written down."),
        },
        {
            "name": _("Ask clearly"),
            "done": bool(complaint.request) and bool(complaint.unit_id or complaint.contact_phone),
            "how": _("What the owner asks is recorded and the complainant can be reached."),
        },
        {
            "name": _("Follow clearly"),
            "done": (bool(complaint.result_at) and orders_done) or complaint.validity == "invalid",
            "how": _("Every work order has its result and the complaint's result is reported."),
        },
        {
            "name": _("Reply clearly"),
            "done": answered,
            "how": _("The owner had a first response and was told the solution or the explanation."),
        },
        {
            "name": _("Record clearly"),
            "done": bool(complaint.signed_off_at) or complaint.validity == "invalid",
            "how": _("The result is recorded and signed off by the department head."),
        },
        {
            "name": _("Report"),
            "done": None if complaint.severity != Severity.MAJOR else "complaint.major_reported" in kinds,
            "how": _("A major complaint is reported at once to the center manager and leadership."),
        },
    ]


def handler_role_labels(complaint: Complaint) -> str:
    return "、".join(str(Role(r).label) for r in sorted(handler_roles(complaint)))


def callback_list_done(*, user, communities=None, start, end) -> QuerySet[Callback]:
    """Call-backs done between start and end — the statistics' drill-down of "call-backs done"."""
    return (
        Callback.objects.filter(status=Callback.Status.DONE, done_at__gte=start, done_at__lt=end)
        .filter(complaint__in=complaint_visible_to(user).in_communities(communities))
        .select_related("complaint__unit__building", "complaint__owner", "community", "assigned_to")
        .order_by("done_at", "pk")
    )


def callback_list_due(*, user, communities=None, mine: bool = False) -> QuerySet[Callback]:
    """Planned call-backs, soonest first, of the complaints the user may see."""
    qs = (
        Callback.objects.due()
        .filter(complaint__in=complaint_visible_to(user).in_communities(communities))
        .select_related("complaint__unit__building", "complaint__owner", "community", "assigned_to")
        .order_by("planned_at", "pk")
    )
    return qs.filter(assigned_to=user) if mine else qs
