"""When and where each case happens, decided before any row is written.

Ids follow the time received (as they would in a live system: rows are inserted as they come), so
the cases of each kind are drawn first and sorted. A complaint that came in at the front desk
shares its time with its reception record; both ids are known before either row is written (the
complaint names its record, the record names its complaint, TS…).
"""

from array import array
from dataclasses import dataclass

PLACE_BITS = 20
CASE_BITS = 28


@dataclass
class Plan:
    complaint_t: array  # received at, by complaint id - 1
    complaint_place: array  # index into world.places
    complaint_record: array  # its reception record id, or 0 (registered directly)
    record_t: array
    record_place: array
    record_complaint: array  # the complaint it became, or 0


def _draw(world, rng, n: int, shape: str) -> list[int]:
    """n (time, place) pairs packed into ints, sorted by time."""
    clock = world.clock
    cum = clock.cumulative(shape)
    keys = []
    for _ in range(n):
        place = world.pick(rng)
        keys.append((clock.moment(rng, cum, since=place.since) << PLACE_BITS) | place.index)
    keys.sort()
    return keys


def make(world, rng, sizes) -> Plan:
    place_mask = (1 << PLACE_BITS) - 1
    case_mask = (1 << CASE_BITS) - 1
    complaints = _draw(world, rng, sizes.complaints, "complaint")
    complaint_t = array("q", (k >> PLACE_BITS for k in complaints))
    complaint_place = array("i", (k & place_mask for k in complaints))
    from_desk = rng.sample(range(sizes.complaints), sizes.records_as_complaints)
    records = [(k << CASE_BITS) for k in _draw(world, rng, sizes.records - len(from_desk), "record")]
    records += [(complaints[i] << CASE_BITS) | (i + 1) for i in from_desk]
    records.sort()
    record_t = array("q", (k >> (CASE_BITS + PLACE_BITS) for k in records))
    record_place = array("i", ((k >> CASE_BITS) & place_mask for k in records))
    record_complaint = array("i", (k & case_mask for k in records))
    complaint_record = array("i", bytes(4 * sizes.complaints))
    for record_index, complaint_id in enumerate(record_complaint):
        if complaint_id:
            complaint_record[complaint_id - 1] = record_index + 1
    return Plan(complaint_t, complaint_place, complaint_record, record_t, record_place, record_complaint)
