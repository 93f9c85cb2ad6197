"""State changes of the register. Each runs in one transaction and writes the unit's timeline."""

import datetime
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import (
    AccessLog,
    ArchiveChange,
    ArchiveDocument,
    ArchivePart,
    Consent,
    ConsentGroup,
    EmergencyContact,
    FamilyMember,
    LookupRequest,
    Owner,
    Ownership,
    Unit,
    UnitEvent,
    Vehicle,
)
from propsvc.concurrency import ensure_fresh, version_part
from propsvc.errors import DomainError
from propsvc.models import Membership
from propsvc.roles import Perm, Role
from propsvc.services import audit_write, notification_send
from propsvc.uploads import document_type
from propsvc.validators import normalize_mobile


class ArchiveError(DomainError):
    pass


def _require(user, perm: str, unit: Unit) -> None:
    if not user.has_perm(perm, unit):
        raise ArchiveError(_("Your role does not allow this action in this community."))


@transaction.atomic
def unit_change_use(*, unit_id: int, by, use: str, note: str = "") -> Unit:
    """Record the use of the unit (自住/出租/空置/装修中, R-ARC-6); occupancy counts follow from it."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require(by, Perm.CHANGE_UNIT, unit)
    if use not in Unit.Use.values:
        raise ArchiveError(_("Choose one of the listed uses of the unit."))
    if use == unit.use:
        raise ArchiveError(_("The unit already has this use; nothing was changed."))
    old = unit.use
    unit.use = use
    unit.save(update_fields=["use", "updated_at"])
    UnitEvent.objects.create(
        community_id=unit.community_id,
        unit=unit,
        kind="unit.use_changed",
        actor=by,
        note=note,
        data={"from": old, "to": use},
    )
    return unit


@transaction.atomic
def ownership_transfer(
    *, unit_id: int, by, owners: list[dict], start_date: datetime.date, reason: str
) -> list[Ownership]:
    """Change of owner (过户, R-ARC-3): the open ownerships end on start_date and are kept;
    the new owners' ownerships start that day. A unit with no owner yet gets its first owners.
    """
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require(by, Perm.TRANSFER_OWNERSHIP, unit)
    if not owners:
        raise ArchiveError(_("Enter at least one new owner."))
    if not reason.strip():
        raise ArchiveError(_("Enter the reason for the change of owner."))
    current = list(unit.ownerships.current().select_related("owner"))
    latest_start = max((o.start_date for o in current), default=None)
    if latest_start and start_date < latest_start:
        raise ArchiveError(
            _("The change date cannot be earlier than %(date)s, when the current owner took over.")
            % {"date": latest_start.isoformat()}
        )
    for ownership in current:
        ownership.end_date = start_date
        ownership.end_reason = reason
        ownership.save(update_fields=["end_date", "end_reason", "updated_at"])
    created = []
    for data in owners:
        mobile = normalize_mobile(data["mobile"])
        owner = Owner.objects.filter(community_id=unit.community_id, name=data["name"], mobile=mobile).first()
        if owner is None:
            owner = Owner(
                community_id=unit.community_id,
                name=data["name"],
                mobile=mobile,
                wechat=data.get("wechat", ""),
            )
            owner.full_clean()
            owner.save()
        created.append(
            Ownership.objects.create(
                community_id=unit.community_id, unit=unit, owner=owner, start_date=start_date
            )
        )
    UnitEvent.objects.create(
        community_id=unit.community_id,
        unit=unit,
        kind="unit.owner_changed" if current else "unit.owner_registered",
        actor=by,
        note=reason,
        data={
            "from": [o.owner.name for o in current],
            "to": [o.owner.name for o in created],
            "date": start_date.isoformat(),
        },
    )
    return created


# -- Confidential look-ups (R-ARC-4) ----------------------------------------------------------------


def _lock_request(request_id: int) -> LookupRequest:
    return (
        LookupRequest.objects.select_for_update(of=("self",))
        .select_related("unit__building", "community", "requested_by")
        .get(pk=request_id)
    )


def _move_request(lookup: LookupRequest, new: str) -> None:
    if not lookup.can_become(new):
        raise ArchiveError(
            _("This look-up is “%(status)s”; it cannot become “%(new)s”.")
            % {"status": lookup.get_status_display(), "new": LookupRequest.Status(new).label}
        )
    lookup.status = new


def _holders(role: str, community_id: int) -> list:
    memberships = Membership.objects.filter(role=role, community_id=community_id, user__is_active=True)
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def _lookup_title(lookup: LookupRequest) -> str:
    return f"{lookup.number} {lookup.unit.label}"


@transaction.atomic
def lookup_request(*, by, unit_id: int, reason: str, minutes: int | None = None) -> LookupRequest:
    """A staff member asks to look at one unit's archive: why and for how long (R-ARC-4). The
    community's CS center managers are asked to approve it."""
    unit = Unit.objects.select_related("building", "community").get(pk=unit_id)
    _require(by, Perm.REQUEST_LOOKUP, unit)
    reason = (reason or "").strip()
    if not reason:
        raise ArchiveError(_("Write why you need to look at the archive."))
    minutes = settings.PROPSVC_ARCHIVE_WINDOW_MINUTES if minutes is None else minutes
    if not 1 <= minutes <= settings.PROPSVC_ARCHIVE_WINDOW_MAX_MINUTES:
        raise ArchiveError(
            _("A look-up lasts at most %(hours)d hours.")
            % {"hours": settings.PROPSVC_ARCHIVE_WINDOW_MAX_MINUTES // 60}
        )
    # An open window whose time is up is over, whether or not the closing job has run yet.
    waiting = LookupRequest.objects.filter(unit=unit, requested_by=by).filter(
        Q(status__in=[LookupRequest.Status.PENDING, LookupRequest.Status.APPROVED])
        | Q(status=LookupRequest.Status.OPEN, expires_at__gt=timezone.now())
    )
    if waiting.exists():
        raise ArchiveError(_("You already have a look-up of this archive in progress."))
    lookup = LookupRequest.objects.create(
        community_id=unit.community_id, unit=unit, requested_by=by, reason=reason, minutes=minutes
    )
    notification_send(
        recipients=[u for u in _holders(Role.CS_MANAGER, unit.community_id) if u.pk != by.pk],
        text=_("Look-up to approve: %(title)s, asked by %(who)s")
        % {"title": _lookup_title(lookup), "who": _person(by)},
        link=reverse("archives:lookups") + "?view=approve",
    )
    return lookup


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def lookup_approve(*, request_id: int, by, note: str = "") -> LookupRequest:
    """R-ARC-4: the CS center manager approves; the archivists are asked to register it."""
    lookup = _lock_request(request_id)
    _require(by, Perm.APPROVE_LOOKUP, lookup.unit)
    if lookup.requested_by_id == by.pk:
        raise ArchiveError(_("You cannot approve your own look-up; another manager must approve it."))
    _move_request(lookup, LookupRequest.Status.APPROVED)
    lookup.decided_by, lookup.decided_at, lookup.decision_note = by, timezone.now(), (note or "").strip()
    lookup.save()
    audit_write(
        kind="archives.lookup_approved", actor=by, community_id=lookup.community_id,
        lookup=lookup.pk, unit=lookup.unit_id, requested_by=lookup.requested_by_id, minutes=lookup.minutes,
    )  # fmt: skip
    notification_send(
        recipients=_holders(Role.ARCHIVIST, lookup.community_id),
        text=_("Approved look-up to register: %(title)s") % {"title": _lookup_title(lookup)},
        link=reverse("archives:lookups") + "?view=register",
    )
    notification_send(
        recipients=[lookup.requested_by],
        text=_("Your look-up %(title)s was approved; the archivist will register it.")
        % {"title": _lookup_title(lookup)},
        link=reverse("archives:lookups"),
    )
    return lookup


@transaction.atomic
def lookup_reject(*, request_id: int, by, note: str) -> LookupRequest:
    lookup = _lock_request(request_id)
    _require(by, Perm.APPROVE_LOOKUP, lookup.unit)
    note = (note or "").strip()
    if not note:
        raise ArchiveError(_("Write why the look-up is rejected."))
    _move_request(lookup, LookupRequest.Status.REJECTED)
    lookup.decided_by, lookup.decided_at, lookup.decision_note = by, timezone.now(), note
    lookup.save()
    audit_write(
        kind="archives.lookup_rejected", actor=by, community_id=lookup.community_id,
        lookup=lookup.pk, unit=lookup.unit_id, requested_by=lookup.requested_by_id,
    )  # fmt: skip
    notification_send(
        recipients=[lookup.requested_by],
        text=_("Your look-up %(title)s was rejected: %(note)s")
        % {"title": _lookup_title(lookup), "note": note},
        link=reverse("archives:lookups"),
    )
    return lookup


@transaction.atomic
def lookup_register(*, request_id: int, by) -> LookupRequest:
    """R-ARC-4: the archivist registers the approved look-up (who, what, why, when are on the request)
    and the window opens for the requester alone, for the minutes asked."""
    lookup = _lock_request(request_id)
    _require(by, Perm.REGISTER_LOOKUP, lookup.unit)
    _move_request(lookup, LookupRequest.Status.OPEN)
    now = timezone.now()
    lookup.registered_by, lookup.opens_at = by, now
    lookup.expires_at = now + timedelta(minutes=lookup.minutes)
    lookup.save()
    audit_write(
        kind="archives.lookup_registered", actor=by, community_id=lookup.community_id,
        lookup=lookup.pk, unit=lookup.unit_id, requested_by=lookup.requested_by_id, minutes=lookup.minutes,
    )  # fmt: skip
    local = timezone.localtime(lookup.expires_at)
    notification_send(
        recipients=[lookup.requested_by],
        text=_("Your look-up %(title)s is open until %(time)s.")
        % {"title": _lookup_title(lookup), "time": f"{local:%H:%M}"},
        link=reverse("archives:archive", args=[lookup.unit_id]),
    )
    return lookup


@transaction.atomic
def lookup_close(*, request_id: int, by) -> LookupRequest:
    """The requester ends the look-up early (or withdraws one not yet open)."""
    lookup = _lock_request(request_id)
    if lookup.requested_by_id != by.pk:
        raise ArchiveError(_("Only the person who asked for the look-up can end it."))
    was_open = lookup.status == LookupRequest.Status.OPEN
    _move_request(lookup, LookupRequest.Status.CLOSED)
    lookup.closed_at, lookup.close_reason = timezone.now(), "by_requester" if was_open else "withdrawn"
    lookup.save()
    return lookup


def lookup_close_expired(*, now: datetime.datetime | None = None) -> int:
    """Beat, every minute: close the windows whose time is up (reads also check the time, so a late
    run never lets anyone in)."""
    now = now or timezone.now()
    return LookupRequest.objects.filter(status=LookupRequest.Status.OPEN, expires_at__lte=now).update(
        status=LookupRequest.Status.CLOSED, closed_at=now, close_reason="expired", updated_at=now
    )


def access_log_write(
    *, lookup: LookupRequest, user, what: str, address: str | None, document=None
) -> AccessLog:
    """One read inside a window, appended to the access log (R-ARC-4) and to the audit trail."""
    entry = AccessLog.objects.create(
        user=user,
        community_id=lookup.community_id,
        unit_id=lookup.unit_id,
        request=lookup,
        what=what,
        document=document,
        address=address,
    )
    audit_write(
        kind="archives.accessed", actor=user, community_id=lookup.community_id, address=address,
        lookup=lookup.pk, unit=lookup.unit_id, what=what, document=document.pk if document else None,
    )  # fmt: skip
    return entry


# -- Writing into the archive (R-ARC-1, R-ARC-3, R-ARC-6, R-REC-7) -------------------------------------


def _require_window(by, unit: Unit) -> LookupRequest:
    """Writing into an archive needs the permission and an open window on it (one sees what one
    changes)."""
    from archives.selectors import lookup_window_for

    _require(by, Perm.EDIT_ARCHIVE, unit)
    window = lookup_window_for(user=by, unit=unit)
    if window is None:
        raise ArchiveError(_("Open a look-up of this archive first: its contents are confidential."))
    return window


def _owner_of(unit: Unit, owner_id: int) -> Owner:
    owner = Owner.objects.filter(pk=owner_id, community_id=unit.community_id, ownerships__unit=unit).first()
    if owner is None:
        raise ArchiveError(_("This person is not an owner of the unit."))
    return owner


def _change(*, unit, owner, kind: str, reason: str, by, before=None, after=None) -> ArchiveChange:
    reason = (reason or "").strip()
    if not reason:
        raise ArchiveError(_("Write why the archive is changed."))
    return ArchiveChange.objects.create(
        community_id=unit.community_id, unit=unit, owner=owner, kind=kind, reason=reason[:200],
        before=before or {}, after=after or {}, by=by,
    )  # fmt: skip


def _consent(owner: Owner, group: str) -> Consent | None:
    return owner.consents.filter(group=group, withdrawn_on__isnull=True).first()


def _ensure_consent(owner: Owner, group: str) -> None:
    if _consent(owner, group) is None:
        raise ArchiveError(
            _("Record the owner's consent to “%(group)s” first (R-REC-7): this information is voluntary.")
            % {"group": ConsentGroup(group).label}
        )


@transaction.atomic
def consent_record(
    *, unit_id: int, by, owner_id: int, group: str, purpose: str, given_on: datetime.date
) -> Consent:
    """R-REC-7: the owner was told the purpose and agreed; the consent is kept with its date and who
    recorded it. A new consent for a group replaces the previous one (which stays, withdrawn)."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require_window(by, unit)
    owner = _owner_of(unit, owner_id)
    if group not in ConsentGroup.values:
        raise ArchiveError(_("Choose the information the consent is for."))
    purpose = (purpose or "").strip()
    if not purpose:
        raise ArchiveError(_("Write the purpose the owner was told."))
    if given_on > timezone.localdate():
        raise ArchiveError(_("The consent date cannot be in the future."))
    owner.consents.filter(group=group, withdrawn_on__isnull=True).update(withdrawn_on=timezone.localdate())
    consent = Consent.objects.create(
        community_id=unit.community_id,
        owner=owner,
        group=group,
        purpose=purpose,
        given_on=given_on,
        recorded_by=by,
    )
    _change(unit=unit, owner=owner, kind="consent.recorded", reason=purpose, by=by,
            after={"group": group, "purpose": purpose, "given_on": given_on.isoformat()})  # fmt: skip
    return consent


GROUP_ROWS = {
    ConsentGroup.FAMILY: (FamilyMember, "family"),
    ConsentGroup.EMERGENCY: (EmergencyContact, "emergency"),
    ConsentGroup.VEHICLES: (Vehicle, "vehicle"),
}


@transaction.atomic
def consent_withdraw(*, unit_id: int, by, owner_id: int, group: str, reason: str) -> int:
    """The owner withdraws consent to an optional group: its information is removed (kept only as
    'removed' in the history, without the values)."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require_window(by, unit)
    owner = _owner_of(unit, owner_id)
    if group not in GROUP_ROWS:
        raise ArchiveError(_("Only consent to optional information can be withdrawn."))
    if _consent(owner, group) is None:
        raise ArchiveError(_("There is no consent to withdraw."))
    model, _prefix = GROUP_ROWS[group]
    now = timezone.now()
    live = model.objects.filter(owner=owner, removed_at__isnull=True)
    count = live.count()
    blank = (
        {"name": "", "relation": "", "mobile": ""}
        if model is not Vehicle
        else {"plate": "", "description": "", "parking_space": ""}
    )
    live.update(removed_at=now)
    # Entries removed earlier still hold their values: the owner takes those back too.
    model.objects.filter(owner=owner).update(**blank)
    owner.consents.filter(group=group, withdrawn_on__isnull=True).update(withdrawn_on=timezone.localdate())
    # The history keeps that entries were added and removed, not the values the owner took back.
    ArchiveChange.objects.filter(owner=owner, kind__startswith=f"{_prefix}.").update(before={}, after={})
    _change(
        unit=unit,
        owner=owner,
        kind="consent.withdrawn",
        reason=reason,
        by=by,
        after={"group": group, "removed": count},
    )
    return count


@transaction.atomic
def contact_change(
    *,
    unit_id: int,
    by,
    owner_id: int,
    mobile: str,
    other_phone: str,
    wechat: str,
    reason: str,
    version: str = "",
) -> Owner:
    """R-ARC-3: a new phone or contact is written into the archive; the old one is kept in the history.
    `version` is the form's token (propsvc.concurrency): a contact changed since it was shown is refused."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require_window(by, unit)
    owner = _owner_of(unit, owner_id)
    owner = Owner.objects.select_for_update().get(pk=owner.pk)
    ensure_fresh(owner, version=version_part(version, owner.pk), error=ArchiveError)
    before = {"mobile": owner.mobile, "other_phone": owner.other_phone, "wechat": owner.wechat}
    owner.mobile, owner.other_phone, owner.wechat = (
        normalize_mobile(mobile),
        (other_phone or "").strip(),
        (wechat or "").strip(),
    )
    try:
        owner.full_clean(exclude=["community"])
    except ValidationError as exc:
        raise ArchiveError(" ".join(m for messages in exc.message_dict.values() for m in messages)) from exc
    after = {"mobile": owner.mobile, "other_phone": owner.other_phone, "wechat": owner.wechat}
    if after == before:
        raise ArchiveError(_("Nothing was changed."))
    owner.save()
    _change(unit=unit, owner=owner, kind="contact.changed", reason=reason, by=by, before=before, after=after)
    return owner


@transaction.atomic
def personal_row_add(*, unit_id: int, by, owner_id: int, group: str, reason: str, **fields):
    """Add a family member, an emergency contact or a vehicle — only with the owner's consent (R-REC-7)."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require_window(by, unit)
    owner = _owner_of(unit, owner_id)
    if group not in GROUP_ROWS:
        raise ArchiveError(_("Choose the information to add."))
    _ensure_consent(owner, group)
    model, prefix = GROUP_ROWS[group]
    row = model(community_id=unit.community_id, owner=owner, **fields)
    if getattr(row, "mobile", ""):
        row.mobile = normalize_mobile(row.mobile)
    try:
        row.full_clean(exclude=["community", "owner"])
    except ValidationError as exc:
        raise ArchiveError(" ".join(m for messages in exc.message_dict.values() for m in messages)) from exc
    row.save()
    _change(unit=unit, owner=owner, kind=f"{prefix}.added", reason=reason, by=by, after=fields)
    return row


@transaction.atomic
def personal_row_remove(*, unit_id: int, by, group: str, row_id: int, reason: str) -> None:
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require_window(by, unit)
    if group not in GROUP_ROWS:
        raise ArchiveError(_("Choose the information to remove."))
    model, prefix = GROUP_ROWS[group]
    row = model.objects.filter(pk=row_id, owner__ownerships__unit=unit, removed_at__isnull=True).first()
    if row is None:
        raise ArchiveError(_("This entry is not in the unit's archive."))
    before = {
        f: getattr(row, f)
        for f in ("name", "relation", "mobile", "plate", "description", "parking_space")
        if hasattr(row, f)
    }
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at"])
    _change(unit=unit, owner=row.owner, kind=f"{prefix}.removed", reason=reason, by=by, before=before)


@transaction.atomic
def document_add(*, unit_id: int, by, part: str, title: str, upload) -> ArchiveDocument:
    """A document in one part of the archive (R-ARC-1): PDF, image or Office file as its content
    says, within PROPSVC_ARCHIVE_DOCUMENT_MAX_BYTES, stored under a random name. Kept for good."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    _require_window(by, unit)
    if part not in ArchivePart.values:
        raise ArchiveError(_("Choose the part of the archive."))
    title = (title or "").strip()
    if not title:
        raise ArchiveError(_("Give the document a title."))
    name = (getattr(upload, "name", "") or "")[:200]
    limit = settings.PROPSVC_ARCHIVE_DOCUMENT_MAX_BYTES
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ArchiveError(
            _("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": limit // (1024 * 1024)}
        )
    kind = document_type(content, name=name)
    if kind is None:
        raise ArchiveError(
            _("“%(name)s” is not a PDF, an image or an Office document; it was not kept.") % {"name": name}
        )
    content_type, extension = kind
    document = ArchiveDocument(
        community_id=unit.community_id, unit=unit, part=part, title=title, content_type=content_type,
        size=len(content), original_name=name, uploaded_by=by,
    )  # fmt: skip
    document.file.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(content), save=False)
    document.save()
    _change(
        unit=unit,
        owner=None,
        kind="document.added",
        reason=title,
        by=by,
        after={"part": part, "title": title},
    )
    return document
