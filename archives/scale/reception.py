"""Reception records (R-REC-*): every contact at the desk, its outcome, work orders and the replies.

Visits and calls get their outcome at the counter (the first response, R-REC-3); letters, online
messages, patrol findings and suggestion-box notes get a first response first, within hours (a few
late). Repairs mostly go to a department as a work order (R-REC-4), whose result is reported back to
the owner. Records of kind complaint were followed up as complaints (archives.scale.complaints
wrote those complaints and left what their records share).
"""

from archives.scale import texts
from archives.scale.clock import DAY, HOUR, MINUTE, lognormal_seconds
from archives.scale.copy import NULL
from archives.scale.ledger import CaseRows, Ledger, Timeline
from archives.scale.world import Weighted, mobile, person_name, url_pattern
from propsvc.roles import Role
from reception.models import ReceptionEvent, ReceptionRecord
from reception.services import KIND_FIRST_RESPONSE, KIND_REPLY, KIND_WORK_ORDER

CHANNEL = Weighted([("phone", 42), ("visit", 30), ("online", 16), ("letter", 2), ("patrol", 7),
                    ("suggestion_box", 3)])  # fmt: skip
KIND = Weighted([("repair", 42), ("consultation", 30), ("suggestion", 8), ("praise", 5), ("other", 15)])
OUTCOMES = {
    "repair": Weighted([("transferred", 55), ("handled", 25), ("pending", 15), ("out_of_remit", 5)]),
    "consultation": Weighted([("handled", 80), ("pending", 15), ("out_of_remit", 5)]),
    "suggestion": Weighted([("pending", 50), ("handled", 50)]),
    "praise": Weighted([("handled", 100)]),
    "other": Weighted([("handled", 60), ("pending", 25), ("out_of_remit", 15)]),
}
LIVE = {"visit", "phone"}
CONSENT_PURPOSE = "用于联系反映事项的处理结果"
# fmt: off
RECORD_COLUMNS = [
    "id", "created_at", "updated_at", "community_id", "unit_id", "owner_id", "contact_type", "contact_name",
    "contact_phone", "consent_given", "consent_purpose", "channel", "kind", "subject", "details", "request",
    "received_at", "received_by_id", "is_major", "status", "outcome", "outcome_note", "promised_reply_at",
    "reply_method", "first_response_at", "first_response_by_id", "first_response_method",
    "first_response_note", "owner_reply_at", "owner_reply_note", "closed_at", "handover_number",
    "handover_link",
]
# fmt: on


class Rec:
    """One record's fields as its course leaves them (None: not happened by now)."""

    def __init__(self, rid, t0, place, channel, kind, subject, received_by):
        self.rid, self.t0, self.place, self.channel, self.kind = rid, t0, place, channel, kind
        self.subject, self.received_by = subject, received_by
        self.unit = self.owner = None
        self.contact = ("owner", "", "")
        self.details = self.request = self.outcome = self.note = self.method = ""
        self.fr_method = self.fr_note = self.reply_note = ""
        self.handover = ("", "")
        self.is_major = False
        self.status, self.updated = "open", t0
        self.promised = self.fr = self.reply = self.closed = None


class RecordWriter:
    def __init__(self, world, loader, labels, rng, work_orders):
        self.world, self.labels, self.rng = world, labels, rng
        self.clock, self.now = world.clock, world.clock.now
        self.rows = loader.sink(ReceptionRecord, RECORD_COLUMNS)
        self.work_orders = work_orders  # the WorkOrder sink the complaints used too
        self.events = Timeline(loader, ReceptionEvent, ["record_id", "work_order_id"], world.clock)
        self.ledger = Ledger(world, loader)
        self.ct = world.content_types["reception.receptionrecord"]
        self.ct_order = world.content_types["reception.workorder"]
        self.url, self.order_url = url_pattern("reception:detail"), url_pattern("reception:work-order")
        self.complaint_url = url_pattern("complaints:detail")
        self.used_mobiles: set[str] = set()

    def ts(self, t) -> str:
        return NULL if t is None or t > self.now else self.clock.ts(t)

    def write_all(self, plan, desk_records: dict) -> None:
        places, tick = self.world.places, self.rows.loader.tick
        for k in range(len(plan.record_t)):
            if k & 127 == 0:
                tick()
            shared = desk_records.pop(k + 1, None)
            if shared is not None:
                self.from_complaint(k + 1, shared)
            else:
                self.one(k + 1, plan.record_t[k], places[plan.record_place[k]])

    def _row(self, r: Rec) -> None:
        ts = self.ts
        contact_type, name, phone = r.contact
        consent = contact_type != "owner"
        fr_by = str(r.received_by) if r.fr is not None and r.fr <= self.now else NULL
        # fmt: off
        self.rows.add("\t".join((
            str(r.rid), ts(r.t0), ts(r.updated), str(r.place.pk), NULL if r.unit is None else str(r.unit),
            NULL if r.owner is None else str(r.owner), contact_type, name, phone, "t" if consent else "f",
            CONSENT_PURPOSE if consent else "", r.channel, r.kind, r.subject, r.details, r.request, ts(r.t0),
            str(r.received_by), "t" if r.is_major else "f", r.status, r.outcome, r.note, ts(r.promised),
            r.method, ts(r.fr), fr_by, r.fr_method, r.fr_note, ts(r.reply), r.reply_note,
            ts(r.closed) if r.status == "closed" else NULL, *r.handover,
        )) + "\n")
        # fmt: on

    def from_complaint(self, rid, shared) -> None:
        """A desk record of kind complaint, closed when it was followed up as the complaint (R-CMP-2)."""
        t0, t_reg, place_index, unit, owner, name, phone, channel, subject, details, request, by, cid = shared
        r = Rec(rid, t0, self.world.places[place_index], channel, "complaint", subject, by)
        r.unit, r.owner, r.details, r.request = unit, owner, details, request
        r.contact = ("owner", "", "") if unit is not None else ("other", name, phone)
        number = f"TS{cid:06d}"
        r.outcome, r.note = "complaint", self.labels.to_complaint % {"number": number}
        r.status, r.updated, r.closed = "closed", t_reg, t_reg
        r.handover = (number, self.complaint_url.format(cid))
        self._row(r)
        head = f"{r.place.pk}\t{rid}\t{NULL}"
        self.events.add(t0, head, "record.logged", by, "", "open")
        self.events.add(t_reg, head, "record.to_complaint", by, "open", "closed", r.note)

    def one(self, rid: int, t0: int, place) -> None:
        rng, now, labels, world, office = self.rng, self.now, self.labels, self.world, self.clock.office
        channel = CHANNEL.pick(rng)
        if channel == "patrol":
            kind = "repair" if rng.random() < 0.8 else "other"
        elif channel == "suggestion_box":
            kind = "suggestion" if rng.random() < 0.7 else rng.choice(["praise", "other"])
        else:
            kind = KIND.pick(rng)
        subject, dept_kind = rng.choice(texts.RECORD_SUBJECTS[kind])
        dept_kind = dept_kind or "engineering"
        r = Rec(
            rid,
            t0,
            place,
            channel,
            kind,
            subject,
            rng.choice(place.stewards if channel == "patrol" else place.desk),
        )
        by = r.received_by
        draw = rng.random()
        if draw < 0.97:
            r.unit = place.unit(rng)
            r.owner, where = world.unit_owner[r.unit], world.unit_label[r.unit]
            if draw >= 0.93:
                r.contact = ("tenant", person_name(rng), mobile(rng, self.used_mobiles))
        else:
            r.contact = ("other", person_name(rng), mobile(rng, self.used_mobiles))
            where = r.contact[1]
        r.request = rng.choice(texts.RECORD_REQUESTS[kind])
        r.details = f"{where}：{subject}" if rng.random() < 0.4 else ""
        r.is_major = rng.random() < 0.0005
        live = channel in LIVE
        if live:
            decided = fr = t0 + rng.randrange(MINUTE, 15 * MINUTE)
            r.fr_method = "in_person" if channel == "visit" else "phone"
        else:
            fr = office(t0 + lognormal_seconds(rng, 3, 1.1, low=10 * MINUTE, high=4 * DAY), rng)
            decided = fr + rng.randrange(0, 30 * MINUTE)
            r.fr_method = rng.choice(["phone", "wechat", "sms"])
        tail = f" · {where} {labels.record_kind[kind]}：{subject}"
        rows = CaseRows(self.ledger, self.events, community=place.pk, ct=self.ct, oid=rid,
                        case=f"{rid}\t{NULL}", title_tail=tail, link=self.url.format(rid),
                        received=t0)  # fmt: skip
        rows.event(t0, "record.logged", by, "", "open")
        if r.is_major:
            rows.event(t0, "record.major_reported", by)
        fr_note = rng.choice(texts.FIRST_RESPONSE_NOTES)
        if not live:
            rows.event(fr, "record.first_response", by, note=fr_note, data=f'{{"method": "{r.fr_method}"}}')
        outcome = OUTCOMES[kind].pick(rng)
        steps = [(fr, "open")]
        if outcome in ("handled", "out_of_remit"):
            note = rng.choice(texts.HANDLED_NOTES if outcome == "handled" else texts.OUT_OF_REMIT_NOTES)
            rows.event(decided, f"record.{outcome}", by, "open", "closed", note)
            steps.append((decided, "closed"))
            closed = decided
        else:
            r.method = (
                rng.choice(["phone", "wechat", "sms"])
                if not live
                else r.fr_method.replace("in_person", "phone")
            )
            if outcome == "pending":
                note = rng.choice(texts.PENDING_NOTES)
                promised = decided + rng.choice([DAY, DAY, 2 * DAY, 3 * DAY])
                if rng.random() < 0.1:
                    reply = promised + lognormal_seconds(rng, 6, 1.0, low=30 * MINUTE, high=5 * DAY)
                else:
                    reply = office(decided + int((promised - decided) * rng.uniform(0.2, 1.0)), rng)
                rows.event(decided, "record.pending", by, "open", "pending", note)
            else:
                note = ""
                promised, reply = self._work_order(r, rows, decided, dept_kind)
                rows.event(decided, "record.transferred", by, "open", "transferred", subject)
            closed = reply
            reply_note = rng.choice(texts.REPLY_NOTES)
            rows.event(
                reply, "record.owner_told", by, outcome, "closed", reply_note, f'{{"method": "{r.method}"}}'
            )
            rows.deadline(KIND_REPLY, labels.reply, decided, promised, user=by, role=Role.CS_SUPERVISOR,
                          met=reply, met_by=by)  # fmt: skip
            steps += [(decided, outcome), (reply, "closed")]
            if reply <= now:
                r.reply, r.reply_note = reply, reply_note
            if decided <= now:
                r.promised = promised
        if live:
            fr_note = note or labels.transferred % {"department": labels.department[dept_kind]}
            rows.event(fr, "record.first_response", by, note=fr_note, data=f'{{"method": "{r.fr_method}"}}')
        rows.deadline(KIND_FIRST_RESPONSE, labels.first_response, t0, t0 + DAY, user=by,
                      role=Role.CS_SUPERVISOR, met=fr, met_by=by)  # fmt: skip
        for t, status in steps:
            if t <= now:
                r.status, r.updated = status, t
        if decided > now:
            r.method = ""
        else:
            r.outcome, r.note = outcome, note
        if fr <= now:
            r.fr, r.fr_note = fr, fr_note
        else:
            r.fr_method = ""
        r.closed = closed
        self._row(r)

    def _work_order(self, r: Rec, rows: CaseRows, issued: int, dept_kind: str) -> tuple[int, int]:
        """R-REC-4: the work order to a department; returns (promised reply, reply to the owner)."""
        rng, now, clock, office, place = self.rng, self.now, self.clock, self.clock.office, r.place
        due = issued + rng.choice([8 * HOUR, DAY, DAY, 2 * DAY])
        promised = due + rng.choice([2 * HOUR, 4 * HOUR])
        signer = rng.choice(place.dept_staff[dept_kind]) if rng.random() < 0.8 else place.heads[dept_kind]
        signed = office(issued + lognormal_seconds(rng, 0.7, 0.8, low=2 * MINUTE, high=DAY), rng)
        done = office(signed + lognormal_seconds(rng, 3, 1.0, low=10 * MINUTE, high=6 * DAY), rng)
        reply = office(done + lognormal_seconds(rng, 1, 0.8, low=5 * MINUTE, high=3 * DAY), rng)
        if issued > now:
            return promised, reply
        wid = self.work_orders.next_id()
        department = place.departments[dept_kind]
        status = "done" if done <= now else "signed" if signed <= now else "sent"
        result = rng.choice(texts.WORK_ORDER_RESULTS) if done <= now else ""
        ts, by = self.ts, r.received_by
        updated = max(t for t in (issued, signed, done) if t <= now)
        self.work_orders.add(
            f"{wid}\t{clock.ts(issued)}\t{ts(updated)}\t{place.pk}\t{r.rid}\t{NULL}\t{NULL}\t\t\t\t{department}\t"
            f"{r.subject}\t{NULL}\t{by}\t{clock.ts(due)}\t{status}\t{by}\t"
            f"{signer if signed <= now else NULL}\t{ts(signed)}\t{result}\t"
            f"{signer if done <= now else NULL}\t{ts(done)}\n"
        )
        order = CaseRows(self.ledger, self.events, community=place.pk, ct=self.ct_order, oid=wid,
                         case=f"{r.rid}\t{wid}", title_tail=rows.title_tail, link=self.order_url.format(wid),
                         received=r.t0)  # fmt: skip
        order.event(issued, "work_order.sent", by, note=f"{place.name} · {self.labels.department[dept_kind]}")
        order.event(signed, "work_order.signed", signer, "sent", "signed")
        order.event(done, "work_order.done", signer, "signed", "done", result)
        order.deadline(KIND_WORK_ORDER, self.labels.work_order, issued, due, suffix=f" GD{wid:06d}",
                       user=signer if signed <= now else None, dept=department, role=Role.DEPARTMENT_HEAD,
                       met=done, met_by=signer)  # fmt: skip
        return promised, reply
