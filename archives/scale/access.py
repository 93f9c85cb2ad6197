"""Archive look-ups (R-ARC-4) and the access log: a staff member asks, the CS center manager approves
(or rejects), the archivist registers it and the window opens for the requester, whose every view
inside it is one AccessLog row. About five views per window; exactly `n` log rows in all.
"""

from archives.models import AccessLog, LookupRequest
from archives.scale import texts
from archives.scale.clock import MINUTE, OFFICE_CUM, lognormal_seconds
from archives.scale.copy import NULL
from archives.scale.world import Weighted

MINUTES = Weighted([(30, 10), (60, 20), (120, 50), (240, 15), (480, 5)])
REJECTED_SHARE = 0.05
LOOKUP_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "community_id",
    "unit_id",
    "requested_by_id",
    "reason",
    "minutes",
    "status",
    "decided_by_id",
    "decided_at",
    "decision_note",
    "registered_by_id",
    "opens_at",
    "expires_at",
    "closed_at",
    "close_reason",
]


def load(world, loader, rng, n: int) -> None:
    if n <= 0:
        return
    clock, now = world.clock, world.clock.now
    lookups = loader.sink(LookupRequest, LOOKUP_COLUMNS)
    log = loader.sink(
        AccessLog,
        ["id", "at", "user_id", "community_id", "unit_id", "request_id", "what", "document_id", "address"],
    )
    cum = clock.cumulative("lookup")
    drawn = []
    for _ in range(max(1, round(n / 4.5))):
        place = world.pick(rng)
        drawn.append((clock.moment(rng, cum, OFFICE_CUM, since=place.since), place.index))
    drawn.sort()
    # the whole course of each look-up first, so the n views can be shared among the open windows
    courses = []
    for asked, place_index in drawn:
        place = world.places[place_index]
        requester = rng.choice([*place.desk, *place.stewards, place.supervisor, place.cs, place.archivist])
        decided = asked + lognormal_seconds(rng, 0.5, 0.8, low=2 * MINUTE, high=6 * 3_600)
        rejected = rng.random() < REJECTED_SHARE
        opens = decided + lognormal_seconds(rng, 0.25, 0.8, low=MINUTE, high=4 * 3_600)
        minutes = MINUTES.pick(rng)
        expires = opens + minutes * MINUTE
        ended_early = rng.random() < 0.3
        ends = opens + int(minutes * MINUTE * rng.uniform(0.2, 0.9)) if ended_early else expires
        courses.append(
            (asked, place, requester, decided, rejected, opens, minutes, expires, ended_early, ends)
        )
    viewing = [i for i, course in enumerate(courses) if not course[4] and course[5] <= now]
    views = [0] * len(courses)
    for i in viewing:
        views[i] = 1
    for _ in range(n - len(viewing) if viewing else 0):
        views[rng.choice(viewing)] += 1
    if len(viewing) > n:  # fewer views than windows: the earliest windows keep one each
        for i in viewing[n:]:
            views[i] = 0
    for i, (asked, place, requester, decided, rejected, opens, minutes, expires, early, ends) in enumerate(
        courses
    ):
        lid = lookups.next_id()
        ts = clock.ts
        if decided > now:
            status, row = "pending", (NULL, NULL, "", NULL, NULL, NULL, NULL, "")
            updated = asked
        elif rejected:
            status, updated = "rejected", decided
            row = (place.manager, ts(decided), "查阅理由不充分，请补充说明", NULL, NULL, NULL, NULL, "")
        elif opens > now:
            status, updated = "approved", decided
            row = (place.manager, ts(decided), "", NULL, NULL, NULL, NULL, "")
        elif ends > now:
            status, updated = "open", opens
            row = (place.manager, ts(decided), "", place.archivist, ts(opens), ts(expires), NULL, "")
        else:
            status, updated = "closed", ends
            reason = "by_requester" if early else "expired"
            row = (place.manager, ts(decided), "", place.archivist, ts(opens), ts(expires), ts(ends), reason)
        unit = place.unit(rng)
        lookups.add(
            "\t".join(
                (
                    str(lid),
                    ts(asked),
                    ts(updated),
                    str(place.pk),
                    str(unit),
                    str(requester),
                    rng.choice(texts.LOOKUP_REASONS),
                    str(minutes),
                    status,
                    *map(str, row),
                )
            )
            + "\n"
        )
        if i & 127 == 0:
            loader.tick()
        if views[i]:
            last = min(ends, now)
            address = f"10.8.{place.index % 250}.{rng.randrange(10, 60)}"
            moments = sorted(opens + rng.randrange(max(1, last - opens)) for _ in range(views[i]))
            for t in moments:
                log.add(
                    f"{log.next_id()}\t{ts(t)}\t{requester}\t{place.pk}\t{unit}\t{lid}\tpage\t{NULL}\t{address}\n"
                )
