"""Reads for the catalogue (业户档案目录, DOMAIN R-ARC-2): one line per unit, filed by building,
entrance, floor and room, with the current owners' names, the address, the handover date and the
floor area.

This is a selectors module (STYLE.md: selectors read); it sits beside `archives/selectors.py` only
so that the catalogue's reads stay in one place. Everything here is scoped with
`Unit.objects.visible_to(user)`.

Privacy (DESIGN.md "Privacy"): the catalogue is the one page every holder of
`archives.view_register` sees, so the rows carry **no phone number at all** — not even masked —
and the search takes a room or the start of an owner's name, never a phone tail (a tail search
would let the page confirm whose number ends in what).

The address is the community's name followed by the unit as staff write it:
阳光花园3栋2单元1101室 (GLOSSARY "room / unit"). The community's street address is printed once in
the catalogue's heading, not on every line.
"""

from dataclasses import dataclass

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.shortcuts import get_object_or_404

from archives.models import Building, Ownership, Unit

OWNER_SEPARATOR = "、"
EXPORT_CHUNK = 2000

# The columns of a catalogue row, in the order of the printed catalogue (the view and the Excel
# file both read these names).
ROW_FIELDS = (
    "pk",
    "community_id",
    "community__name",
    "building_id",
    "building__number",
    "entrance",
    "floor",
    "room",
    "owner_names",
    "address",
    "handover_date",
    "area",
)


@dataclass(frozen=True)
class CatalogueFilter:
    """What the catalogue's filter form asks for (all optional)."""

    communities: list[int] | None = None  # None: every visible community
    building: int | None = None
    entrance: int | None = None
    q: str = ""  # the start of a room number or of a current owner's name


class _NamesInOrder(StringAgg):
    """STRING_AGG(name, '、' ORDER BY ownership id): co-owners in the order they were registered.

    PostgreSQL (and SQLite ≥ 3.44) take the ORDER BY inside the aggregate. Older SQLite cannot; its
    GROUP_CONCAT then joins the rows in the order it reads them, which is the (unit, end_date)
    index order, i.e. by id as well — good enough for the development database.
    """

    def as_sqlite(self, compiler, connection, **extra_context):
        if self.order_by is not None and not connection.features.supports_aggregate_order_by_clause:
            clone = self.copy()
            clone.order_by = None
            return super(_NamesInOrder, clone).as_sqlite(compiler, connection, **extra_context)
        return super().as_sqlite(compiler, connection, **extra_context)


def _current_owner_names() -> Subquery:
    """The unit's current owners (ownership not ended), joined with 、, as one correlated subquery:
    the page and the export stay one query whatever their length."""
    current = (
        Ownership.objects.filter(unit=OuterRef("pk"), end_date__isnull=True)
        .order_by()  # no Meta ordering: it would end up in the GROUP BY
        .values("unit")
        .annotate(names=_NamesInOrder("owner__name", delimiter=Value(OWNER_SEPARATOR), order_by="pk"))
        .values("names")
    )
    return Subquery(current, output_field=CharField())


def _address() -> Concat:
    """阳光花园3栋2单元1101室 — the community's name and the unit's label (Unit.label), in SQL so the
    page and the Excel file show the same text."""
    return Concat(
        "community__name",
        "building__number",
        Value("栋"),
        Cast("entrance", CharField()),
        Value("单元"),
        "room",
        Value("室"),
        output_field=CharField(),
    )


def _current_owner_name_starts(text: str) -> Exists:
    """A current owner's name starts with the text (a former owner is not in the catalogue)."""
    return Exists(
        Ownership.objects.filter(unit=OuterRef("pk"), end_date__isnull=True, owner__name__startswith=text)
    )


def catalogue_rows(*, user, filters: CatalogueFilter) -> QuerySet:
    """The catalogue's rows (named tuples with ROW_FIELDS), filed by building, entrance, floor and
    room (R-ARC-2); one query per page or export whatever its length."""
    qs = Unit.objects.visible_to(user).in_communities(filters.communities)
    if filters.building:
        qs = qs.filter(building_id=filters.building)
    if filters.entrance:
        qs = qs.filter(entrance=filters.entrance)
    text = (filters.q or "").strip()
    if text:
        match = _current_owner_name_starts(text)
        if text.isdigit():
            match = Q(room__startswith=text) | match
        qs = qs.filter(match)
    return (
        qs.annotate(owner_names=_current_owner_names(), address=_address())
        .order_by("community__name", "building__sort_key", "entrance", "floor", "room", "pk")
        .values_list(*ROW_FIELDS, named=True)
    )


def catalogue_rows_for_export(*, user, filters: CatalogueFilter):
    """The whole filtered catalogue, streamed (STYLE.md 24): a large community has 10,000 units."""
    return catalogue_rows(user=user, filters=filters).iterator(chunk_size=EXPORT_CHUNK)


def catalogue_for_building(*, user, building_id: int) -> tuple[Building, list]:
    """One building and every one of its units, for the printed catalogue of that building (all of
    it on one page, however many units: the print view is not paginated). 404 outside the user's
    communities."""
    building = get_object_or_404(
        Building.objects.visible_to(user).select_related("community"), pk=building_id
    )
    rows = list(catalogue_rows(user=user, filters=CatalogueFilter(building=building.pk)))
    return building, rows


def catalogue_building_choices(*, user, communities: list[int] | None) -> list[tuple[int, str]]:
    """The buildings the filter offers: those of the chosen communities, in filing order. The
    community's name is added when there is more than one, so two 3栋 can be told apart."""
    buildings = list(
        Building.objects.visible_to(user)
        .in_communities(communities)
        .order_by("community__name", "sort_key")
        .values_list("pk", "community_id", "community__name", "number")
    )
    several = len({community_id for _pk, community_id, _name, _number in buildings}) > 1
    return [(pk, f"{name} {number}栋" if several else f"{number}栋") for pk, _cid, name, number in buildings]
