"""Reads for the core pages: notifications, the deadline ledger, staff preferences, the audit trail."""

import datetime
import ipaddress

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from propsvc.models import AuditEntry, Deadline, Notification, StaffPreference
from propsvc.roles import Perm, Role, permissions_of
from propsvc.tenancy import department_ids_of, memberships_of, roles_of

# Roles that are escalated to and may therefore choose to get escalations as an hourly digest.
ESCALATION_ROLES = frozenset(
    {
        Role.PROPERTY_SUPERVISOR,
        Role.CS_SUPERVISOR,
        Role.CS_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.LEADERSHIP,
        Role.QUALITY,
    }
)


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list_for_user(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def staff_may_choose_digest(*, user) -> bool:
    return bool(roles_of(user) & ESCALATION_ROLES)


def staff_escalation_digest(*, user) -> bool | None:
    """The user's escalation preference, or None when they receive no escalations (no choice to show)."""
    if not staff_may_choose_digest(user=user):
        return None
    return StaffPreference.objects.filter(user=user, escalation_digest=True).exists()


def deadline_list_open_for_user(*, user) -> QuerySet[Deadline]:
    """My to-do: open deadlines I am responsible for, or that my department owns and nobody took yet.

    Soonest first, only in communities the user may see.
    """
    mine = Q(responsible_user=user)
    department_ids = department_ids_of(user)
    if department_ids:
        mine |= Q(responsible_user__isnull=True, responsible_department_id__in=department_ids)
    return (
        Deadline.objects.visible_to(user)
        .filter(mine, met_at__isnull=True)
        .select_related("community", "responsible_department")
        .order_by("due_at", "pk")
    )


def deadline_list_for_case(*, case) -> QuerySet[Deadline]:
    """Every deadline of one case (open and met), by due time, for its detail page."""
    content_type = ContentType.objects.get_for_model(case)
    return (
        Deadline.objects.filter(content_type=content_type, object_id=case.pk)
        .select_related("responsible_user", "responsible_department__community", "met_by")
        .order_by("due_at", "pk")
    )


def attach_staff(objects, *fields: str) -> None:
    """Load the staff members that `objects` name in the foreign keys `fields` with one query and
    set them on the objects, instead of one LEFT JOIN to auth_user each.

    A detail page's row can name six or more staff members (received by, triaged by, signed off
    by …); joining them all makes PostgreSQL's planner weigh a 14-table join, tens of
    milliseconds of planning for a one-row answer (docs/PERFORMANCE.md).
    """
    from django.contrib.auth import get_user_model

    objects = [o for o in objects if o is not None]
    ids = {getattr(o, f"{f}_id") for o in objects for f in fields} - {None}
    users = get_user_model().objects.in_bulk(ids) if ids else {}
    for obj in objects:
        for field in fields:
            pk = getattr(obj, f"{field}_id")
            if pk is not None:
                setattr(obj, field, users[pk])


# -- the audit trail (/audit/, issue 11) -----------------------------------------------------------------


def audit_reads_company(user) -> bool:
    """Whether the user reads the whole audit trail, company-level entries included: a superuser, or
    propsvc.view_audit_trail held through a company-level role (leadership, administrator). A CS
    center manager holds it in their communities only."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        m.community_id is None and Perm.VIEW_AUDIT_TRAIL in permissions_of(m.role)
        for m in memberships_of(user)
    )


def audit_entry_list(
    *,
    user,
    communities: list[int] | None,
    company_level: bool,
    kind: str = "",
    staff_ids: list[int] | None = None,
    date_from=None,
    date_to=None,
    address: str = "",
) -> QuerySet:
    """The audit trail for its page and its Excel file, newest first, joined (who, community).

    `communities` are the communities whose entries are read (None: every one the user sees);
    `company_level` adds the entries without a community. The caller resolves both from where the
    user holds propsvc.view_audit_trail; visible_to still bounds them.
    """
    qs = AuditEntry.objects.visible_to(user).select_related("actor", "community").order_by("-at", "-pk")
    if communities is not None:
        scope = Q(community__in=communities)
        if company_level:
            scope |= Q(community__isnull=True)
        qs = qs.filter(scope)
    elif not company_level:
        qs = qs.filter(community__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    if staff_ids is not None:
        qs = qs.filter(actor__in=staff_ids)
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone))
    if date_to:
        end = date_to + datetime.timedelta(days=1)
        qs = qs.filter(at__lt=datetime.datetime.combine(end, datetime.time.min, tzinfo=zone))
    if address:
        qs = qs.filter(address=address) if _is_ip(address) else qs.filter(address__startswith=address)
    return qs


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
