"""Shared by every violation service: the domain error, who may act (R-VIO-5, R-VIO-6), the ledger
kinds, photos checked by content, and the small helpers of each transition."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils.translation import gettext as _

from propsvc.errors import DomainError
from propsvc.models import Membership
from propsvc.roles import PENALTY_SIGNERS, Perm, Role
from propsvc.tenancy import roles_of
from propsvc.uploads import image_type
from violations.models import (
    Measure,
    Photo,
    Violation,
    ViolationEvent,
)

KIND_RECTIFICATION = "violations.rectification"
KIND_NEXT_STEP = "violations.next_step"
KIND_SIGN = "violations.sign_penalty"
KIND_FOLLOW_UP = "violations.follow_up"

GENERAL_KEPT = relativedelta(years=1)  # R-VIO-8
MAJOR_KEPT = relativedelta(years=5)  # R-VIO-8


Status = Violation.Status
Kind = Measure.Kind


class ViolationError(DomainError):
    pass


# -- helpers ------------------------------------------------------------------------------------


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _event(violation, *, kind, by, from_status="", to_status="", note="", **data):
    ViolationEvent.objects.create(
        community_id=violation.community_id,
        violation=violation,
        kind=kind,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


def _lock(violation_id: int) -> Violation:
    return (
        Violation.objects.select_for_update(of=("self",))
        .select_related("community", "unit__building", "owner")
        .get(pk=violation_id)
    )


def _cannot_become(violation: Violation, new: str) -> ViolationError:
    return ViolationError(
        _("This violation is “%(status)s”; it cannot become “%(new)s”.")
        % {"status": violation.get_status_display(), "new": Status(new).label}
    )


def _move(violation: Violation, new: str, *, kind: str, by, note: str = "", **data) -> None:
    if not violation.can_become(new):
        raise _cannot_become(violation, new)
    old = violation.status
    violation.status = new
    _event(violation, kind=kind, by=by, from_status=old, to_status=new, note=note, **data)


def _required(value, message: str) -> str:
    if not (value or "").strip():
        raise ViolationError(message)
    return value.strip()


def _case(violation: Violation) -> str:
    """How a notification names the case: WZ000123 3栋2单元1101室：堵塞消防通道."""
    return f"{violation.number} {violation.place}：{violation.get_subtype_display()}"


def _title(violation: Violation, what: str) -> str:
    return f"{what} · {_case(violation)}"[:200]


def _holders(roles, community_id: int) -> list:
    memberships = Membership.objects.filter(role__in=roles, user__is_active=True).filter(
        Q(community_id=community_id) | Q(community__isnull=True, role__in=[Role.LEADERSHIP])
    )
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def handler_roles(violation: Violation) -> set[str]:
    """R-VIO-5: who handles it on site — the property supervisor for a general one, with the CS
    center manager and the leadership above; the superiors alone close a major one."""
    return {Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.LEADERSHIP}


def closer_roles(violation: Violation) -> set[str]:
    if violation.is_major:
        return {Role.CS_MANAGER, Role.LEADERSHIP}
    return handler_roles(violation)


def _has(user, perm: str, violation: Violation, roles: set[str]) -> bool:
    if user.is_superuser:
        return True
    if not user.has_perm(perm, violation):
        return False
    return bool(roles_of(user, community_id=violation.community_id) & roles)


def may_handle(violation: Violation, user) -> bool:
    return _has(user, Perm.HANDLE_VIOLATION, violation, handler_roles(violation))


def may_close(violation: Violation, user) -> bool:
    return _has(user, Perm.HANDLE_VIOLATION, violation, closer_roles(violation))


def may_reinspect(violation: Violation, user) -> bool:
    return user.is_superuser or user.has_perm(Perm.REINSPECT_VIOLATION, violation)


def may_sign(violation: Violation, user) -> bool:
    """R-VIO-6: only the property company manager or the CS center manager decides a penalty."""
    return _has(user, Perm.SIGN_PENALTY, violation, set(PENALTY_SIGNERS))


def may_persuade(violation: Violation, user) -> bool:
    return user.is_superuser or user.has_perm(Perm.PERSUADE_OWNER, violation)


def may_follow_up(violation: Violation, user) -> bool:
    return user.is_superuser or user.has_perm(Perm.FOLLOW_UP_OWNER, violation)


def _ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise ViolationError(message)


def _ensure_handler(violation: Violation, by) -> None:
    _ensure(
        may_handle(violation, by),
        _("Only the property supervisor, the CS center manager or the company leadership may handle "
          "violation %(number)s.") % {"number": violation.number},
    )  # fmt: skip


def _pending(violation: Violation, kind=None) -> Measure | None:
    qs = violation.measures.filter(status__in=[Measure.Status.RUNNING, Measure.Status.PROPOSED])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_for_update().first()


def _escalate_role(violation: Violation, responsible=None) -> str:
    """Who hears of a missed deadline: the property supervisor for a general case, the CS center
    manager for a major one — or when the property supervisor is the one responsible (an escalation
    to oneself reaches nobody)."""
    if violation.is_major:
        return Role.CS_MANAGER
    if responsible is not None and Role.PROPERTY_SUPERVISOR in roles_of(
        responsible, community_id=violation.community_id
    ):
        return Role.CS_MANAGER
    return Role.PROPERTY_SUPERVISOR


def _end_of_day(day: date) -> datetime:
    """R-TIME-1: a period ends at 24:00 of its last day (Asia/Shanghai)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=_tz())


# -- photos ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    content_type: str
    extension: str
    original_name: str


def photo_check(upload) -> CheckedPhoto:
    """An upload is a photo only if its content is a JPEG, PNG or WebP image that Pillow can read,
    within PROPSVC_VIOLATION_PHOTO_MAX_BYTES. The file's name and declared type are not trusted."""
    name = (getattr(upload, "name", "") or "")[:200]
    limit = settings.PROPSVC_VIOLATION_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise ViolationError(
            _("“%(name)s” is larger than %(mb)d MB; take a smaller photo or lower the resolution.")
            % {"name": name, "mb": limit // (1024 * 1024)}
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ViolationError(
            _("“%(name)s” is larger than %(mb)d MB; take a smaller photo or lower the resolution.")
            % {"name": name, "mb": limit // (1024 * 1024)}
        )
    kind = image_type(content)
    if kind is None:
        raise ViolationError(
            _("“%(name)s” is not a photo: only JPEG, PNG or WebP images can be attached.") % {"name": name}
        )
    content_type, extension = kind
    return CheckedPhoto(content, content_type, extension, name)


def _save_photos(violation: Violation, photos, by) -> int:
    """Check every photo before storing any (a refused one leaves nothing behind). A database error
    after the files are written would leave an unreferenced file with a random name: harmless."""
    existing = violation.photos.count()
    checked = [p if isinstance(p, CheckedPhoto) else photo_check(p) for p in photos]
    if existing + len(checked) > settings.PROPSVC_VIOLATION_PHOTOS_MAX:
        raise ViolationError(
            _("A violation can have at most %(n)d photos.") % {"n": settings.PROPSVC_VIOLATION_PHOTOS_MAX}
        )
    for photo in checked:
        row = Photo(
            community_id=violation.community_id,
            violation=violation,
            content_type=photo.content_type,
            size=len(photo.content),
            original_name=photo.original_name,
            uploaded_by=by,
        )
        row.file.save(f"{secrets.token_hex(16)}.{photo.extension}", ContentFile(photo.content), save=False)
        row.save()
    return len(checked)
