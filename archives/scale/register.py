"""The register (R-ARC-2): buildings, units, owners and their ownerships, by COPY.

Each community gets one style of building (low-rise 洋房, mid-rise or towers — the big estates are
towers), numbered 1栋, 2栋 …; rooms are floor + door (1101 is floor 11, door 01). Most units have one
owner; some an owner with a second unit in the same community, a co-owner, or a former owner whose
ownership ended with a sale (二手房过户). Owners' names and phones are invented.
"""

from archives.models import Building, Owner, Ownership, Unit
from archives.scale.clock import DAY
from archives.scale.copy import NULL
from archives.scale.world import World, mobile, person_name

# floors, entrances, doors per floor and entrance
STYLES = {
    "low": ((6, 9), (2, 4), (2, 2)),
    "mid": ((11, 18), (2, 3), (2, 2)),
    "tower": ((18, 33), (1, 2), (2, 4)),
}
LAYOUTS = [  # floor areas of the doors of one building (m²)
    ("89.32", "128.56"),
    ("105.70", "143.18"),
    ("76.45", "98.60", "98.60", "76.45"),
    ("118.20", "136.75"),
    ("65.80", "89.10", "89.10", "65.80"),
    ("143.50", "168.30"),
]
USES = ["occupied"] * 70 + ["rented"] * 15 + ["vacant"] * 10 + ["renovating"] * 5
MULTI_UNIT_SHARE = 0.05  # units whose owner owns another unit of the same community


def load(world: World, loader, rng, *, owners_wanted: int) -> dict[str, int]:
    clock = world.clock
    buildings = loader.sink(
        Building, ["id", "created_at", "updated_at", "community_id", "number", "sort_key"]
    )
    units = loader.sink(
        Unit,
        [
            "id",
            "created_at",
            "updated_at",
            "community_id",
            "building_id",
            "entrance",
            "floor",
            "room",
            "area",
            "handover_date",
            "use",
        ],
    )
    owners = loader.sink(
        Owner,
        [
            "id",
            "created_at",
            "updated_at",
            "community_id",
            "name",
            "mobile",
            "mobile_tail",
            "wechat",
            "other_phone",
        ],
    )
    ownerships = loader.sink(
        Ownership,
        [
            "id",
            "created_at",
            "updated_at",
            "community_id",
            "unit_id",
            "owner_id",
            "start_date",
            "end_date",
            "end_reason",
        ],
    )
    used_mobiles: set[str] = set()
    total_units = sum(p.units for p in world.places)
    owner_budget = _owner_budget(world, total_units, owners_wanted)
    for place, budget in zip(world.places, owner_budget, strict=True):
        # Rows were imported when the community came under management (the roster import).
        created = clock.ts(place.since * DAY + 10 * 3_600 + rng.randrange(3_600))
        handover = _handover_day(rng, place, clock)
        place.first_unit = units.written + 1
        unit_handover = _write_units(world, rng, place, buildings, units, created, handover)
        _write_owners(world, rng, place, owners, ownerships, created, unit_handover, budget, used_mobiles)
        loader.tick()
    return {"buildings": buildings.written, "units": units.written, "owners": owners.written}


def _owner_budget(world: World, total_units: int, wanted: int) -> list[int]:
    """Owners per community, in proportion to its units, adding up to `wanted`."""
    shares = [max(1, wanted * p.units // total_units) for p in world.places]
    shares[-1] = max(1, shares[-1] + wanted - sum(shares))
    return shares


def _handover_day(rng, place, clock) -> int:
    """Day (relative to the window) the community's first units were handed over (收楼)."""
    if place.since:
        return place.since  # a new estate: managed from its handover
    return -rng.randrange(365, 9 * 365)


def _write_units(world, rng, place, buildings, units, created, handover) -> list[int]:
    clock = world.clock
    style = "tower" if place.units >= 2_500 else rng.choice(["low", "mid", "mid", "tower"])
    (f_lo, f_hi), (e_lo, e_hi), (d_lo, d_hi) = STYLES[style]
    left, number, handover_days = place.units, 0, []
    while left > 0:
        number += 1
        building_id = buildings.next_id()
        buildings.add(f"{building_id}\t{created}\t{created}\t{place.pk}\t{number}\t{str(number).zfill(10)}\n")
        floors, entrances = rng.randint(f_lo, f_hi), rng.randint(e_lo, e_hi)
        doors = rng.choice([d for d in (2, 4) if d_lo <= d <= d_hi] or [d_lo])
        layout = rng.choice([lay for lay in LAYOUTS if len(lay) == doors] or LAYOUTS[:1])
        # later buildings of an estate are handed over later (a second phase)
        building_day = handover + (number // 6) * rng.randrange(60, 240)
        for entrance in range(1, entrances + 1):
            for floor in range(1, floors + 1):
                for door in range(1, doors + 1):
                    if left == 0:
                        break
                    left -= 1
                    unit_id = units.next_id()
                    room = f"{floor}{door:02d}"
                    day = min(building_day + rng.randrange(0, 120), clock.days - 1)
                    units.add(
                        f"{unit_id}\t{created}\t{created}\t{place.pk}\t{building_id}\t{entrance}\t{floor}\t"
                        f"{room}\t{layout[(door - 1) % len(layout)]}\t{clock.date(day * DAY)}\t"
                        f"{rng.choice(USES)}\n"
                    )
                    world.unit_label.append(f"{number}栋{entrance}单元{room}室")
                    world.unit_owner.append(0)
                    handover_days.append(day)
    return handover_days


def _write_owners(world, rng, place, owners, ownerships, created, unit_days, budget, used_mobiles) -> None:
    """Owners of one community: one per unit, fewer where an owner holds two units, more where a unit
    has a co-owner or changed hands — `budget` owners in all."""
    clock = world.clock
    n = place.units
    primaries = max(1, min(budget, round(n * (1 - MULTI_UNIT_SHARE))))
    extra = budget - primaries  # co-owners and former owners
    community_owners: list[int] = []

    def new_owner() -> int:
        owner_id = owners.next_id()
        phone = mobile(rng, used_mobiles)
        name = person_name(rng)
        wechat = f"wx{rng.randrange(10**7, 10**9)}" if rng.random() < 0.6 else ""
        owners.add(
            f"{owner_id}\t{created}\t{created}\t{place.pk}\t{name}\t{phone}\t{phone[-4:]}\t{wechat}\t\n"
        )
        world.owner_name.append(name)
        community_owners.append(owner_id)
        return owner_id

    def ownership(unit_id, owner_id, start, end=None, reason="") -> None:
        ownerships.add(
            f"{ownerships.next_id()}\t{created}\t{created}\t{place.pk}\t{unit_id}\t{owner_id}\t"
            f"{clock.date(start * DAY)}\t{NULL if end is None else clock.date(end * DAY)}\t{reason}\n"
        )

    order = list(range(n))
    rng.shuffle(order)
    multi = set(order[primaries:])  # owned by an owner of another unit here
    changed = set(order[: int(extra * 0.3)])  # sold on: the first owner is a former owner
    co_owned = set(order[int(extra * 0.3) : extra])
    deferred = []
    for offset in range(n):
        unit_id = place.first_unit + offset
        start = unit_days[offset]
        if offset in changed and start < clock.days - 400:
            sold = min(clock.days - 30, start + rng.randrange(400, 2_500))
            ownership(unit_id, new_owner(), start, sold, "二手房过户")
            start = sold
        elif offset in changed:
            co_owned.add(offset)
        if offset in multi:
            deferred.append((unit_id, start, offset in co_owned))
            continue
        owner = new_owner()
        ownership(unit_id, owner, start)
        world.unit_owner[unit_id] = owner
        if offset in co_owned:
            ownership(unit_id, new_owner(), start)
    primary_owners = community_owners[:]
    for unit_id, start, co in deferred:
        owner = rng.choice(primary_owners)
        ownership(unit_id, owner, start)
        world.unit_owner[unit_id] = owner
        if co:
            ownership(unit_id, new_owner(), start)
