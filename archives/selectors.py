"""Reads of the register, all scoped with visible_to(user)."""

import re
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from archives.models import Building, Owner, Ownership, Unit, UnitEvent
from propsvc.models import Community

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
    text = (text or "").strip()
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
