"""Reads for the core pages: notifications, the deadline ledger, staff preferences."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from propsvc.models import Deadline, Notification, StaffPreference
from propsvc.roles import Role
from propsvc.tenancy import department_ids_of, roles_of

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
