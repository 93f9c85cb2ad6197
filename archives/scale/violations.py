"""Violations (R-VIO-*): persuasion first; a deadline to put it right; re-inspection; for the few who
still refuse, a penalty signed by the CS center manager or the leadership, carried out and followed by
reaching out to the owner — then cut at now, like the complaints.

Retention (R-VIO-8) is respected: closed general violations are kept one year, so general cases are
drawn from the last 360 days and only major ones from the whole five years.
"""

from archives.scale import texts
from archives.scale.clock import DAY, HOUR, MINUTE, lognormal_seconds
from archives.scale.copy import NULL
from archives.scale.ledger import CaseRows, Ledger, Timeline
from archives.scale.world import Weighted, url_pattern
from propsvc.roles import Role
from violations.models import SUBTYPES as CATEGORY_SUBTYPES
from violations.models import FollowUp, Measure, Violation, ViolationEvent
from violations.services import KIND_FOLLOW_UP, KIND_NEXT_STEP, KIND_RECTIFICATION, KIND_SIGN

# subtype: weight, share with a unit (else a public place), P(threatens safety), P(caused loss)
# fmt: off
SUBTYPES = {
    "structure": (5, 1, 0.2, 0), "load_bearing": (2, 1, 0.9, 0.2), "shared_services": (3, 1, 0.1, 0.5),
    "floor_drain": (3, 1, 0, 0.3), "renovation_other": (9, 1, 0, 0), "fire_lane": (8, 0.1, 0.9, 0),
    "fire_equipment": (2, 0.3, 0.8, 0.5), "wiring": (5, 0.6, 0.9, 0), "burning": (1, 0, 0.8, 0),
    "no_extinguisher": (1, 1, 0.6, 0), "fire_other": (1, 0.5, 0.7, 0), "litter": (8, 0.5, 0, 0),
    "sanitary_damage": (2, 0.2, 0, 0.8), "piling": (10, 0.7, 0.2, 0), "throwing": (3, 0.6, 0.9, 0.1),
    "noise": (4, 1, 0, 0), "greenery": (2, 0.6, 0, 0.6), "sanitation_other": (1, 0.5, 0, 0),
    "parking": (16, 0.3, 0.1, 0), "hazardous": (1, 1, 1, 0), "gambling": (1, 0, 0, 0),
    "order_other": (4, 0.3, 0, 0), "fee_refusal": (5, 1, 0, 0), "endangering": (3, 1, 1, 0),
}
VIOLATION_COLUMNS = [
    "id", "created_at", "updated_at", "community_id", "unit_id", "owner_id", "location", "category",
    "subtype", "description", "observed_at", "registered_by_id", "caused_loss", "loss_note",
    "threatens_safety", "safety_note", "severity", "status", "reported_to_superiors_at", "closed_at",
    "closed_by_id", "close_note",
]
MEASURE_COLUMNS = [
    "id", "community_id", "violation_id", "kind", "status", "by_id", "at", "note", "reaction", "requirement",
    "due_at", "reinspected_at", "reinspected_by_id", "reinspection_note", "amount", "basis", "signed_by_id",
    "signed_at", "sign_note", "published_at", "published_where", "lawyer_letter_on", "filed_on", "court",
    "return_status",
]
FOLLOW_UP_COLUMNS = ["id", "community_id", "violation_id", "method", "at", "by_id", "attitude"]
# fmt: on
SUBTYPE = Weighted([(name, spec[0]) for name, spec in SUBTYPES.items()])
REACTION = Weighted([("stopped", 50), ("promised", 35), ("refused", 15)])
RECTIFIED_SHARE = 0.85
CATEGORY_OF = {sub: cat for cat, subs in CATEGORY_SUBTYPES.items() for sub in subs}
BASIS = "《业主管理规约》第十五条"
BOARD = "小区公告栏"


class ViolationWriter:
    def __init__(self, world, loader, labels, rng):
        self.world, self.labels, self.rng = world, labels, rng
        self.clock, self.now = world.clock, world.clock.now
        self.rows = loader.sink(Violation, VIOLATION_COLUMNS)
        self.measures = loader.sink(Measure, MEASURE_COLUMNS)
        self.follow_ups = loader.sink(FollowUp, FOLLOW_UP_COLUMNS)
        self.events = Timeline(loader, ViolationEvent, ["violation_id"], world.clock)
        self.ledger = Ledger(world, loader)
        self.ct = world.content_types["violations.violation"]
        self.url = url_pattern("violations:detail")

    def ts(self, t) -> str:
        return NULL if t is None or t > self.now else self.clock.ts(t)

    def write_all(self, n: int) -> None:
        rng, world, clock = self.rng, self.world, self.clock
        cum = clock.cumulative("violation")
        drawn = []
        for _ in range(n):
            place = world.pick(rng)
            subtype = SUBTYPE.pick(rng)
            _, unit_share, p_safety, p_loss = SUBTYPES[subtype]
            safety, loss = rng.random() < p_safety, rng.random() < p_loss
            since = place.since if (safety or loss) else max(place.since, clock.days - 360)
            t0 = clock.moment(rng, cum, since=since)
            drawn.append((t0, place.index, subtype, safety, loss, rng.random() < unit_share))
        drawn.sort()
        for k, (t0, place_index, subtype, safety, loss, with_unit) in enumerate(drawn):
            self.one(t0, world.places[place_index], subtype, safety, loss, with_unit)
            if k & 127 == 0:
                self.rows.loader.tick()

    def one(self, t0, place, subtype, safety, loss, with_unit) -> None:
        rng, now, world, office = self.rng, self.now, self.world, self.clock.office
        vid = self.rows.next_id()
        major = safety or loss
        handler = place.manager if major else place.supervisor
        registered_by = rng.choice(place.stewards) if rng.random() < 0.7 else rng.choice(place.desk)
        unit = owner = None
        location = ""
        if with_unit:
            unit = place.unit(rng)
            owner, where = world.unit_owner[unit], world.unit_label[unit]
        else:
            location = where = rng.choice(texts.PUBLIC_PLACES)
        rows = CaseRows(self.ledger, self.events, community=place.pk, ct=self.ct, oid=vid, case=str(vid),
                        title_tail=f" · WZ{vid:06d} {where}：{self.labels.subtype[subtype]}",
                        link=self.url.format(vid), received=t0)  # fmt: skip
        created = min(now, t0 + rng.randrange(5 * MINUTE, 2 * HOUR))
        steps = [(created, "open")]
        rows.event(created, "violation.registered", registered_by, "", "open")
        if major:
            rows.event(created, "violation.reported_to_superiors", registered_by)
        persuaded = created + rng.randrange(0, 30 * MINUTE)
        reaction = REACTION.pick(rng)
        self._measure(place.pk, vid, "persuasion", "done", registered_by, persuaded,
                      note=rng.choice(texts.PERSUASION_NOTES), reaction=reaction)  # fmt: skip
        rows.event(persuaded, "violation.persuaded", registered_by, data=f'{{"reaction": "{reaction}"}}')
        if reaction == "stopped":  # R-VIO-1: persuaded, put right, closed
            closed = office(persuaded + lognormal_seconds(rng, 4, 0.8, low=10 * MINUTE, high=3 * DAY), rng)
            closed_by, close_note = handler, texts.CLOSE_NOTES[0]
            rows.event(closed, "violation.closed", closed_by, "open", "closed", close_note)
        else:
            closed, closed_by, close_note = self._rectify(rows, vid, place, handler, persuaded, steps, loss)
        steps.append((closed, "closed"))
        status, updated = "open", created
        for t, s in steps:
            if t <= now:
                status, updated = s, t
        done = status == "closed"
        ts = self.ts
        # fmt: off
        self.rows.add("\t".join((
            str(vid), ts(created), ts(updated), str(place.pk), NULL if unit is None else str(unit),
            NULL if owner is None else str(owner), location, CATEGORY_OF[subtype], subtype,
            texts.VIOLATION_DESCRIPTIONS[subtype], self.clock.ts(t0), str(registered_by),
            "t" if loss else "f", rng.choice(texts.LOSS_NOTES) if loss else "", "t" if safety else "f",
            rng.choice(texts.SAFETY_NOTES) if safety else "", "major" if major else "general", status,
            ts(created) if major else NULL, ts(closed) if done else NULL, str(closed_by) if done else NULL,
            close_note if done else "",
        )) + "\n")
        # fmt: on

    def _rectify(self, rows, vid, place, handler, after, steps, loss) -> tuple[int, int, str]:
        """Rectification by a deadline, re-inspection, and what follows when it is not put right;
        returns when and by whom the case was closed, and how it ended."""
        rng, office = self.rng, self.clock.office
        set_at = office(after + lognormal_seconds(rng, 3, 0.8, low=10 * MINUTE, high=2 * DAY), rng)
        checked, rectified, inspector = self._deadline(
            rows, vid, place, handler, set_at, "open", steps, RECTIFIED_SHARE
        )
        if rectified:
            return checked, inspector, texts.CLOSE_NOTES[1]
        steps.append((checked, "not_rectified"))
        decided = office(checked + lognormal_seconds(rng, 20, 0.8, low=HOUR, high=5 * DAY), rng)
        rows.deadline(KIND_NEXT_STEP, self.labels.next_step, checked, checked + 3 * DAY, user=handler,
                      role=Role.CS_MANAGER, met=decided, met_by=handler)  # fmt: skip
        if rng.random() < 0.6:  # a new deadline
            checked, _, inspector = self._deadline(
                rows, vid, place, handler, decided, "not_rectified", steps, 1.0
            )
            return checked, inspector, texts.CLOSE_NOTES[1]
        closed, by = self._penalty(rows, vid, place, handler, decided, steps, loss)
        return closed, by, texts.CLOSE_NOTES[2]

    def _deadline(
        self, rows, vid, place, handler, set_at, before, steps, p_rectified
    ) -> tuple[int, bool, int]:
        rng, now, clock = self.rng, self.now, self.clock
        due = clock.end_of_day(set_at + rng.choice([3, 5, 7, 10, 15]) * DAY)
        checked = clock.office(max(set_at + HOUR, due - rng.randrange(3 * HOUR, 2 * DAY)), rng)
        if rng.random() < 0.1:
            checked = clock.office(due + lognormal_seconds(rng, 20, 0.8, low=HOUR, high=5 * DAY), rng)
        inspector = (
            place.manager if handler == place.manager else rng.choice([*place.stewards, place.supervisor])
        )
        rectified = rng.random() < p_rectified
        requirement = rng.choice(texts.RECTIFY_REQUIREMENTS)
        note = rng.choice(texts.REINSPECTION_NOTES if rectified else texts.NOT_RECTIFIED_NOTES)
        seen = checked <= now
        status = ("rectified" if rectified else "not_rectified") if seen else "running"
        self._measure(place.pk, vid, "rectification", status, handler, set_at, requirement=requirement,
                      due=due, inspected=(checked, inspector, note) if seen else None)  # fmt: skip
        steps.append((set_at, "rectifying"))
        rows.event(set_at, "violation.rectification_set", handler, before, "rectifying", requirement,
                   f'{{"due": "{clock.date(due - 1)}"}}')  # fmt: skip
        if rectified:
            rows.event(checked, "violation.rectified", inspector, "rectifying", "closed", note)
        else:
            rows.event(checked, "violation.not_rectified", inspector, "rectifying", "not_rectified", note)
        rows.deadline(KIND_RECTIFICATION, self.labels.reinspect, set_at, due, user=handler,
                      role=Role.CS_MANAGER, met=checked, met_by=inspector)  # fmt: skip
        return checked, rectified, inspector

    def _penalty(self, rows, vid, place, handler, proposed, steps, loss) -> tuple[int, int]:
        """R-VIO-6: proposed, signed by a superior, carried out, the owner reached out to; then closed."""
        rng, now, clock, labels, office = self.rng, self.now, self.clock, self.labels, self.clock.office
        kind = "compensation" if loss else "criticism"
        amount = rng.choice([300, 500, 800, 1_000, 2_000, 5_000]) if loss else None
        signer = place.manager if rng.random() < 0.8 else rng.choice(self.world.company.leaders)
        signed = office(proposed + lognormal_seconds(rng, 18, 0.8, low=HOUR, high=4 * DAY), rng)
        published = signed + DAY if kind == "criticism" else None
        followed = office(signed + lognormal_seconds(rng, 48, 0.6, low=2 * HOUR, high=7 * DAY), rng)
        closed = office(
            max(followed, published or 0) + lognormal_seconds(rng, 24, 0.6, low=HOUR, high=5 * DAY), rng
        )
        steps += [(proposed, "penalty_proposed"), (signed, "penalty_effective")]
        rows.event(proposed, "violation.penalty_proposed", handler, "not_rectified", "penalty_proposed",
                   BASIS, f'{{"penalty": "{kind}", "amount": "{amount or ""}"}}')  # fmt: skip
        rows.event(signed, "violation.penalty_signed", signer, "penalty_proposed", "penalty_effective",
                   data=f'{{"penalty": "{kind}"}}')  # fmt: skip
        if proposed <= now:
            shown = published is not None and published <= now
            # fmt: off
            self.measures.add("\t".join((
                str(self.measures.next_id()), str(place.pk), str(vid), kind,
                "effective" if signed <= now else "proposed", str(handler), clock.ts(proposed), "", "", "",
                NULL, NULL, NULL, "", NULL if amount is None else f"{amount}.00", BASIS,
                str(signer) if signed <= now else NULL, self.ts(signed), "",
                clock.date(published) if shown else NULL, BOARD if shown else "", NULL, NULL, "",
                "not_rectified",
            )) + "\n")
            # fmt: on
        rows.deadline(KIND_SIGN, labels.sign_penalty, proposed, proposed + 3 * DAY, role=Role.CS_MANAGER,
                      met=signed, met_by=signer)  # fmt: skip
        rows.deadline(KIND_FOLLOW_UP, labels.follow_up, signed, signed + 7 * DAY,
                      dept=place.departments["customer_service"], role=Role.CS_MANAGER, met=followed,
                      met_by=place.cs)  # fmt: skip
        if published:
            rows.event(published, "violation.criticism_published", handler, note=BOARD)
        if followed <= now:
            attitude = rng.choice(texts.FOLLOW_UP_ATTITUDES)
            method = rng.choice(["visit", "phone"])
            self.follow_ups.add(f"{self.follow_ups.next_id()}\t{place.pk}\t{vid}\t{method}\t{clock.ts(followed)}\t"
                                f"{place.cs}\t{attitude}\n")  # fmt: skip
            rows.event(followed, "violation.followed_up", place.cs, note=attitude)
        rows.event(closed, "violation.closed", place.manager, "penalty_effective", "closed")
        return closed, place.manager

    def _measure(self, c, vid, kind, status, by, at, *, note="", reaction="", requirement="", due=None,
                 inspected=None) -> None:  # fmt: skip
        if at > self.now:
            return
        ts = self.clock.ts
        checked, inspector, finding = inspected or (None, None, "")
        # fmt: off
        self.measures.add("\t".join((
            str(self.measures.next_id()), str(c), str(vid), kind, status, str(by), ts(at), note, reaction,
            requirement, NULL if due is None else ts(due), NULL if checked is None else ts(checked),
            NULL if inspector is None else str(inspector), finding, NULL, "", NULL, NULL, "", NULL, "", NULL,
            NULL, "", "",
        )) + "\n")
        # fmt: on
