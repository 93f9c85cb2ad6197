"""A valid complaint from its result to its close (R-CMP-6, R-CMP-7, R-CB-*): sign-off, the owner's
answer, the call-back after the category's delay (PROPSVC_CALLBACK_DELAY), tried again the next day
when the owner cannot be reached (unreachable after three attempts), and — for an owner who is not
satisfied — a reopened second round with its fix and a second call-back.
"""

from django.conf import settings

from archives.scale import texts
from archives.scale.clock import DAY, HOUR, MINUTE, lognormal_seconds
from archives.scale.copy import NULL
from archives.scale.world import Weighted
from complaints.models import Callback
from complaints.services import CALLBACK_TRIES, KIND_CALLBACK, KIND_PLAN
from propsvc.roles import Role

SATISFACTION = Weighted([("satisfied", 70), ("basic", 22), ("dissatisfied", 8)])
UNREACHABLE_SHARE = 0.04  # three failed attempts, then closed
ONE_MISS_SHARE = 0.07  # one failed attempt, reached the next day
LATE_SHARE = 0.05  # called back a day or more after the planned time (as many again a little after it)
# fmt: off
CALLBACK_COLUMNS = [
    "id", "created_at", "updated_at", "community_id", "complaint_id", "status", "planned_at",
    "assigned_to_id", "attempts", "done_at", "done_by_id", "quality_rating", "effect_rating", "satisfaction",
    "shortcomings", "suggestions",
]
# fmt: on


class CallbackWriter:
    def __init__(self, complaints, loader):
        self.c = complaints  # the ComplaintWriter: rng, clock, labels
        self.rows = loader.sink(Callback, CALLBACK_COLUMNS)
        self.delay = {k: int(v.total_seconds()) for k, v in settings.PROPSVC_CALLBACK_DELAY.items()}

    def _call_time(self, t: int) -> int:
        """A moment within 08:00–22:00 (R-CB-6), at or after t."""
        t = self.c.clock.in_call_hours(t)
        return t - t % DAY + 22 * HOUR if t % DAY > 22 * HOUR else t

    def course(self, k, result_at: int, result_by: int, text: str) -> list[tuple[int, int, int]]:
        """Writes the rounds from the first result on; returns (result, signed off, accepted) per round."""
        cw, rng = self.c, self.c.rng
        now, ev, labels, office = cw.now, k.rows.event, cw.labels, cw.clock.office
        rounds = []
        res, by = result_at, result_by
        created = planned = 0
        for round_no in (1, 2):
            signed = office(res + lognormal_seconds(rng, 3, 0.8, low=10 * MINUTE, high=3 * DAY), rng)
            accepted = office(signed + lognormal_seconds(rng, 5, 0.9, low=10 * MINUTE, high=3 * DAY), rng)
            if round_no == 2:  # the fix is done before the second call-back
                accepted = min(accepted, planned - 10 * MINUTE)
                signed = min(signed, accepted - 5 * MINUTE)
            rounds.append((res, signed, accepted))
            k.steps += [(res, "resolved"), (signed, "signed_off"), (accepted, "accepted")]
            ev(res, "complaint.result", by, "processing", "resolved", text)
            ev(signed, "complaint.signed_off", k.head, "resolved", "signed_off")
            ev(
                accepted,
                "complaint.owner_accepted",
                k.handler,
                "signed_off",
                "accepted",
                "",
                f'{{"round": {round_no}}}',
            )
            if res <= now:
                k.result = (res, text, by)
            if signed <= now:
                k.signed = signed
            if accepted <= now:
                k.accepted = accepted
            if round_no == 1:
                if accepted > now:
                    return rounds  # no call-back planned yet
                created = accepted
                planned = cw.clock.in_call_hours(accepted + self.delay.get(k.category, self.delay["default"]))
                ev(created, "callback.planned", k.handler, note=cw.clock.ts(planned)[:16])
            end, reopen = self._call(k, created, planned, round_no)
            if not reopen:
                k.steps.append((end, "closed"))
                k.closed = end
                return rounds
            # R-CB-4: not satisfied — reopened, someone assigned to fix it, the next call-back fixed.
            fixer = rng.choice(k.fixers)
            k.steps.append((end, "processing"))
            ev(end, "complaint.reopened", k.handler, "accepted", "processing", rng.choice(texts.FIX_NOTES),
               f'{{"assignee": {fixer}, "reopen_count": 1}}')  # fmt: skip
            k.reopened, k.assignee = True, fixer
            k.result = k.signed = None  # superseded by the new round (complaints.services)
            created, planned = end, self._call_time(end + 3 * DAY)
            fixed = office(end + lognormal_seconds(rng, 30, 0.6, low=2 * HOUR, high=2 * DAY), rng)
            res, by, text = (
                min(planned - 8 * HOUR, fixed),
                fixer,
                rng.choice(texts.COMPLAINT_RESULTS[k.category]),
            )
            k.rows.deadline(KIND_PLAN, labels.fix, end, planned, user=fixer, dept=k.department,
                            role=k.escalate, met=res, met_by=fixer)  # fmt: skip
            ev(end, "callback.planned", k.handler, note=cw.clock.ts(planned)[:16])
        return rounds

    def _first_try(self, created: int, planned: int) -> int:
        """Mostly called in the hours before the planned time (on time); some a little after it, a few
        days late."""
        rng, clock = self.c.rng, self.c.clock
        r = rng.random()
        if r < LATE_SHARE:
            return clock.in_call_hours(planned + rng.randrange(1, 4) * DAY) + rng.randrange(0, HOUR)
        if r < 2 * LATE_SHARE:
            return planned + rng.randrange(5 * MINUTE, 90 * MINUTE)
        first = max(created + HOUR, planned - rng.randrange(0, 3 * HOUR))
        if first % DAY < 8 * HOUR:  # not before 08:00: the start of that morning's calls
            first = min(planned, first - first % DAY + 8 * HOUR + rng.randrange(0, 30 * MINUTE))
        return first

    def _call(self, k, created: int, planned: int, round_no: int) -> tuple[int, bool]:
        """One call-back row and its ledger row; returns when it ended and whether the complaint reopens."""
        cw, rng, now, labels, clock = self.c, self.c.rng, self.c.now, self.c.labels, self.c.clock
        ev = k.rows.event
        caller = k.place.manager if k.severity == "major" else k.place.supervisor
        tries = [self._call_time(self._first_try(created, planned))]
        r = rng.random()
        misses = (
            0
            if round_no == 2
            else CALLBACK_TRIES
            if r < UNREACHABLE_SHARE
            else int(r < UNREACHABLE_SHARE + ONE_MISS_SHARE)
        )
        retries = []  # the planned time after each miss but the last of three
        for _ in range(min(misses, CALLBACK_TRIES - 1)):
            retries.append(clock.in_call_hours(tries[-1] + DAY))
            tries.append(self._call_time(max(tries[-1] + HOUR, retries[-1] - rng.randrange(0, 45 * MINUTE))))
        end = tries[-1]
        unreachable = misses >= CALLBACK_TRIES
        satisfaction = SATISFACTION.pick(rng) if round_no == 1 else rng.choice(["satisfied"] * 4 + ["basic"])
        attempts, current, opened = 0, planned, None
        for i, t in enumerate(tries if unreachable else tries[:-1]):
            if t > now:
                break
            attempts += 1
            if i < len(retries):
                current, opened = retries[i], t
                when = clock.ts(current)[:16]
                note = labels.attempt % {"n": attempts, "max": CALLBACK_TRIES, "when": when, "note": ""}
                ev(t, "callback.unreachable_attempt", caller, note=note.strip())
        done = end <= now
        status = ("unreachable" if unreachable else "done") if done else "planned"
        ratings, shortcomings, suggestions = ("", "", ""), "", ""
        if done and not unreachable:
            ratings = (
                *(satisfaction if rng.random() < 0.8 else SATISFACTION.pick(rng) for _ in range(2)),
                satisfaction,
            )
            if satisfaction != "satisfied" and rng.random() < 0.5:
                shortcomings = rng.choice(texts.CALLBACK_SHORTCOMINGS)
                suggestions = rng.choice(texts.CALLBACK_SUGGESTIONS)
        ts = cw.ts
        updated = max(t for t in (created, opened, end if done else None) if t is not None)
        self.rows.add(
            f"{self.rows.next_id()}\t{ts(created)}\t{ts(updated)}\t{k.place.pk}\t{k.cid}\t{status}\t"
            f"{clock.ts(current)}\t{caller}\t{attempts}\t{ts(end) if done else NULL}\t"
            f"{caller if done else NULL}\t{ratings[0]}\t{ratings[1]}\t{ratings[2]}\t{shortcomings}\t"
            f"{suggestions}\n"
        )
        k.rows.deadline(KIND_CALLBACK, labels.callback, created, current, user=caller, role=Role.CS_MANAGER,
                        met=end if done else None, met_by=caller, opened=opened)  # fmt: skip
        if unreachable:
            ev(end, "callback.unreachable", caller)
            ev(end, "complaint.closed", caller, "accepted", "closed", labels.unreachable)
            return end, False
        pairs = zip(labels.rating_fields, ratings, strict=True)
        summary = " · ".join(f"{name}：{labels.rating[value]}" for name, value in pairs if value)
        ev(end, "callback.done", caller, note=summary, data=f'{{"satisfaction": "{satisfaction}"}}')
        reopen = done and satisfaction == "dissatisfied"
        if not reopen:
            ev(end, "complaint.closed", caller, "accepted", "closed", labels.satisfied)
        return end, reopen
