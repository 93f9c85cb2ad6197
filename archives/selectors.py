"""Reads of the register, all scoped with visible_to(user)."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from archives.models import (
    AccessLog,
    ArchiveChange,
    ArchiveDocument,
    ArchivePart,
    Building,
    Consent,
    EmergencyContact,
    FamilyMember,
    LookupRequest,
    Owner,
    Ownership,
    Unit,
    UnitEvent,
    Vehicle,
)
from propsvc.models import Community
from propsvc.roles import Role
from propsvc.tenancy import memberships_of

SEARCH_LIMIT = 20


def community_list_with_occupancy(*, user, communities=None) -> QuerySet[Community]:
    """Communities with households (every unit) and occupied households, derived from units."""
    return (
        Community.objects.visible_to(user)
        .in_communities(communities)
        .annotate(
            households=Count("units"),
            occupied=Count("units", filter=Q(units__use__in=Unit.LIVED_IN)),
            vacant=Count("units", filter=Q(units__use=Unit.Use.VACANT)),
            renovating=Count("units", filter=Q(units__use=Unit.Use.RENOVATING)),
        )
        .order_by("name")
    )


def community_get_for_user(*, user, pk: int) -> Community:
    return get_object_or_404(community_list_with_occupancy(user=user), pk=pk)


def building_list_for_community(*, community: Community) -> QuerySet[Building]:
    return community.buildings.annotate(
        households=Count("units"),
        occupied=Count("units", filter=Q(units__use__in=Unit.LIVED_IN)),
        entrances=Count("units__entrance", distinct=True),
        floors=Count("units__floor", distinct=True),
    ).order_by("sort_key")


def building_get_for_user(*, user, pk: int) -> Building:
    return get_object_or_404(Building.objects.visible_to(user).select_related("community"), pk=pk)


def _current_ownerships() -> Prefetch:
    return Prefetch(
        "ownerships",
        queryset=Ownership.objects.current().select_related("owner").order_by("pk"),
        to_attr="current_ownerships",
    )


def unit_list_for_building(*, building: Building) -> QuerySet[Unit]:
    return (
        building.units.select_related("building")
        .prefetch_related(_current_ownerships())
        .order_by("-floor", "entrance", "room")
    )


def unit_get_for_user(*, user, pk: int) -> Unit:
    qs = Unit.objects.visible_to(user).select_related("building", "community")
    return get_object_or_404(qs, pk=pk)


def ownership_list_for_unit(*, unit: Unit) -> QuerySet[Ownership]:
    """Current owners first, then past owners, newest first."""
    return unit.ownerships.select_related("owner").order_by(
        F("end_date").desc(nulls_first=True), "-start_date", "-pk"
    )


def unit_event_list(*, unit: Unit) -> QuerySet[UnitEvent]:
    return unit.events.select_related("actor").order_by("-created_at", "-pk")[:50]


# -- Search -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitQuery:
    """What the typed text means: a room address, a phone tail, or an owner name."""

    building: str | None = None
    entrance: int | None = None
    room: str | None = None
    phone_tail: str | None = None
    name: str | None = None


# 3栋2单元1101室 · 3-2-1101 · 3-1101 · 3栋1101 · 3号楼1101 · A座1101
_ADDRESS = re.compile(
    r"^(?P<building>[0-9A-Za-z]+)\s*(?:栋|幢|座|号楼|-|－|—|\s)\s*"
    r"(?:(?P<entrance>\d+)\s*(?:单元|-|－|—|\s)\s*)?"
    r"(?P<room>\d{3,5})\s*室?$"
)
_ROOM = re.compile(r"^(?P<room>\d{3,5})\s*室?$")
_DIGITS = re.compile(r"^\d{4}$")


def parse_unit_query(text: str) -> UnitQuery | None:
    text = (text or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a query
    if not text:
        return None
    if match := _ADDRESS.match(text):
        entrance = match["entrance"]
        return UnitQuery(
            building=match["building"].upper(),
            entrance=int(entrance) if entrance else None,
            room=match["room"],
        )
    if match := _ROOM.match(text):
        # Four digits may be a room (1101) or the tail of a phone number: search both.
        tail = text if _DIGITS.match(text) else None
        return UnitQuery(room=match["room"], phone_tail=tail)
    if text.isdigit():
        return UnitQuery(phone_tail=text[-4:]) if len(text) >= 4 else None
    return UnitQuery(name=text)


def unit_search(*, user, text: str, communities=None, limit: int = SEARCH_LIMIT) -> list[Unit]:
    """Units matching a room ("1101", "3-1101", "3栋1101"), an owner name or a phone tail.

    Two queries whatever the result size: the units, then their current owners.
    """
    query = parse_unit_query(text)
    if query is None:
        return []
    units = Unit.objects.visible_to(user).in_communities(communities)
    condition = Q()
    if query.room:
        address = Q(room=query.room)
        if query.building:
            address &= Q(building__number__iexact=query.building)
        if query.entrance:
            address &= Q(entrance=query.entrance)
        condition |= address
    owner_match = None
    if query.phone_tail:
        owner_match = Q(owner__mobile_tail=query.phone_tail)
    if query.name:
        owner_match = Q(owner__name__startswith=query.name)
    if owner_match is not None:
        current_owner = Ownership.objects.filter(owner_match, unit=OuterRef("pk"), end_date__isnull=True)
        condition |= Exists(current_owner)
    return list(
        units.filter(condition)
        .select_related("building", "community")
        .prefetch_related(_current_ownerships())
        .order_by("community__name", "building__sort_key", "entrance", "room")[:limit]
    )


def owner_find_in_community(*, community: Community, name: str, mobile: str) -> Owner | None:
    return Owner.objects.filter(community=community, name=name, mobile=mobile).first()


# -- The confidential archive (R-ARC-4) --------------------------------------------------------------


def lookup_window_for(*, user, unit) -> LookupRequest | None:
    """The user's open look-up of this unit's archive, or None: only its requester, only until it
    expires (whether or not the closing job has run yet)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        LookupRequest.objects.filter(
            unit_id=unit.pk,
            requested_by=user,
            status=LookupRequest.Status.OPEN,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def archive_contents(*, unit) -> dict:
    """Everything in a unit's archive, for the page shown inside a window: owners (current and
    former, R-ARC-3), their consents and personal groups, the documents by part and the history."""

    ownerships = list(
        unit.ownerships.select_related("owner").order_by(
            F("end_date").desc(nulls_first=True), "-start_date", "-pk"
        )
    )
    owner_ids = [o.owner_id for o in ownerships]
    live = {"removed_at__isnull": True}
    by_owner = {pk: {"consents": [], "family": [], "emergency": [], "vehicles": []} for pk in owner_ids}
    for consent in Consent.objects.filter(owner_id__in=owner_ids, withdrawn_on__isnull=True).select_related(
        "recorded_by"
    ):
        by_owner[consent.owner_id]["consents"].append(consent)
    for key, model in (("family", FamilyMember), ("emergency", EmergencyContact), ("vehicles", Vehicle)):
        for row in model.objects.filter(owner_id__in=owner_ids, **live).order_by("pk"):
            by_owner[row.owner_id][key].append(row)
    documents = list(ArchiveDocument.objects.filter(unit=unit).select_related("uploaded_by"))
    parts = [
        (value, label, [d for d in documents if d.part == value]) for value, label in ArchivePart.choices
    ]
    changes = list(
        ArchiveChange.objects.filter(Q(unit=unit) | Q(owner_id__in=owner_ids))
        .select_related("by", "owner")
        .order_by("-at", "-pk")[:200]
    )
    return {
        "ownerships": [(o, by_owner[o.owner_id]) for o in ownerships],
        "parts": parts,
        "changes": changes,
        "events": list(unit.events.select_related("actor").order_by("-created_at", "-pk")[:100]),
    }


def lookup_list_for_user(*, user, view: str, communities=None):
    """The look-up lists: mine, to approve (CS center manager), to register (archivist), open now."""
    qs = (
        LookupRequest.objects.visible_to(user)
        .in_communities(communities)
        .select_related("unit__building", "community", "requested_by", "decided_by", "registered_by")
    )
    roles_in = lambda role: [m.community_id for m in memberships_of(user) if m.role == role]  # noqa: E731
    if view == "approve":
        return qs.filter(status=LookupRequest.Status.PENDING, community_id__in=roles_in(Role.CS_MANAGER))
    if view == "register":
        return qs.filter(status=LookupRequest.Status.APPROVED, community_id__in=roles_in(Role.ARCHIVIST))
    if view == "open":
        return qs.filter(status=LookupRequest.Status.OPEN, expires_at__gt=timezone.now())
    if view == "all" and (user.is_superuser or roles_in(Role.CS_MANAGER) or roles_in(Role.ARCHIVIST)):
        managed = roles_in(Role.CS_MANAGER) + roles_in(Role.ARCHIVIST)
        return qs if user.is_superuser else qs.filter(community_id__in=managed)
    return qs.filter(requested_by=user)


def access_log_list(*, user, communities=None, staff=None, date_from=None, date_to=None, unit_text: str = ""):
    """The access log for managers, newest first, already joined."""
    qs = (
        AccessLog.objects.visible_to(user)
        .in_communities(communities)
        .select_related("user", "unit__building", "community", "request", "document")
        .order_by("-at", "-pk")
    )
    if staff is not None:
        qs = qs.filter(user=staff)
    if date_from:
        qs = qs.filter(
            at__gte=datetime.datetime.combine(
                date_from, datetime.time.min, tzinfo=timezone.get_current_timezone()
            )
        )
    if date_to:
        end = date_to + datetime.timedelta(days=1)
        qs = qs.filter(
            at__lt=datetime.datetime.combine(end, datetime.time.min, tzinfo=timezone.get_current_timezone())
        )
    if unit_text:
        query = parse_unit_query(unit_text)
        if query and query.room:
            qs = qs.filter(unit__room=query.room)
            if query.building:
                qs = qs.filter(unit__building__number=query.building)
    return qs


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
