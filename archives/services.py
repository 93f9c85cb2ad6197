"""State changes of the register. Each runs in one transaction and writes the unit's timeline."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from archives.models import Owner, Ownership, Unit, UnitEvent
from propsvc.errors import DomainError
from propsvc.roles import Perm
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
