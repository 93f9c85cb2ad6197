"""Complaints (R-CMP-*): each one's whole course is drawn first — receipt, first response, triage,
the leader's work order for important ones, a pause, the result, sign-off, the owner's answer, the
call-backs (archives.scale.callbacks) — then cut at now: what happened before now is written, the
status is the step reached, and the ledger rows are those the services would have opened and met.
Cases of the last weeks are therefore still open, and the long tails of the durations leave a few
deadlines overdue.

The ledger gets every row the services open but two: the department head's sign-off and putting the
solution to the owner (24 hours each) are written only for the complaints standing at that step
now. Written for every complaint they would add about 1.7 million rows at the large size (the brief
asks for about 5 million in all); no statistic reads them.
"""

from archives.scale import texts
from archives.scale.callbacks import CallbackWriter
from archives.scale.clock import DAY, HOUR, MINUTE, lognormal_seconds
from archives.scale.copy import NULL
from archives.scale.ledger import CaseRows, Ledger, Timeline
from archives.scale.world import Weighted, mobile, person_name, url_pattern
from complaints.models import CATEGORY_DEPARTMENT, Complaint, ComplaintEvent, ComplaintPause
from complaints.services import (
    KIND_FIRST_RESPONSE,
    KIND_LEADER,
    KIND_OWNER_ANSWER,
    KIND_RESOLVE,
    KIND_SIGN_OFF,
)
from propsvc.roles import Role
from reception.models import ReceptionEvent, WorkOrder
from reception.services import KIND_WORK_ORDER

CATEGORY = Weighted([("facilities", 30), ("cleaning", 15), ("security", 14), ("service", 10), ("fees", 9),
                     ("renovation", 8), ("neighbours", 11), ("company", 3)])  # fmt: skip
SEVERITY = Weighted([("general", 88), ("serious", 10), ("major", 2)])
CHANNEL_DESK = Weighted([("phone", 45), ("visit", 35), ("online", 15), ("letter", 5)])
CHANNEL_DIRECT = Weighted([("patrol", 35), ("online", 20), ("letter", 15), ("phone", 15), ("visit", 15)])
LIVE = {"visit", "phone"}
INVALID_SHARE = 0.09
PAUSE_SHARE = 0.03
STUCK_SHARE = 0.015  # a general complaint that drags on far past its 48 hours
PAUSE_REASON = "等待业主配合"

# fmt: off
COMPLAINT_COLUMNS = [
    "id", "created_at", "updated_at", "community_id", "record_id", "unit_id", "owner_id", "contact_name",
    "contact_phone", "channel", "subject", "details", "request", "received_at", "received_by_id",
    "apology_given", "category", "severity", "department_id", "status", "validity", "triaged_at",
    "triaged_by_id", "invalid_explanation", "invalid_basis", "first_response_at", "first_response_by_id",
    "first_response_note", "assignee_id", "reported_to_leader_at", "major_reported_at", "analysis", "plan",
    "plan_round", "result", "result_by_id", "result_at", "signed_off_by_id", "signed_off_at", "owner_told_at",
    "accepted_at", "unsolvable_reason", "next_reply_at", "paused_reason", "paused_seconds", "reopen_count",
    "closed_at",
]
WORK_ORDER_COLUMNS = [
    "id", "created_at", "updated_at", "community_id", "record_id", "case_type_id", "case_id", "case_number",
    "case_link", "place", "department_id", "task", "responsible_person_id", "follow_up_by_id", "due_at",
    "status", "created_by_id", "signed_by_id", "signed_at", "result", "result_by_id", "result_at",
]
PAUSE_COLUMNS = ["id", "community_id", "complaint_id", "reason", "started_at", "started_by_id", "ended_at",
                 "ended_by_id"]
# fmt: on


def _opt(value) -> str:
    return NULL if value is None else str(value)


class Course:
    """One complaint: who and what (fixed at receipt), and what it became (filled in as its course
    is written). `steps` are its (time, status) transitions."""

    def __init__(self, cid, place, rows, category, severity, department, head, handler, fixers, escalate):
        self.cid, self.place, self.rows = cid, place, rows
        self.number = self.subject = self.where = self.title_tail = ""
        self.received = 0
        self.category, self.severity, self.department = category, severity, department
        self.head, self.handler, self.fixers, self.escalate = head, handler, fixers, escalate
        self.steps: list[tuple[int, str]] = []
        self.triaged = self.result = self.signed = self.accepted = self.paused = self.closed = None
        self.assignee = None
        self.analysis = ""
        self.pause_seconds = 0
        self.reopened = False


class ComplaintWriter:
    def __init__(self, world, loader, labels, rng):
        self.world, self.labels, self.rng = world, labels, rng
        self.clock, self.now = world.clock, world.clock.now
        self.rows = loader.sink(Complaint, COMPLAINT_COLUMNS)
        self.pauses = loader.sink(ComplaintPause, PAUSE_COLUMNS)
        self.work_orders = loader.sink(WorkOrder, WORK_ORDER_COLUMNS)
        self.events = Timeline(loader, ComplaintEvent, ["complaint_id"], world.clock)
        self.order_events = Timeline(loader, ReceptionEvent, ["record_id", "work_order_id"], world.clock)
        self.ledger = Ledger(world, loader)
        self.callbacks = CallbackWriter(self, loader)
        self.ct, self.ct_order = (
            world.content_types["complaints.complaint"],
            world.content_types["reception.workorder"],
        )
        self.url, self.order_url = url_pattern("complaints:detail"), url_pattern("reception:work-order")
        self.used_mobiles: set[str] = set()
        self.desk_records: dict[int, tuple] = {}  # record id -> what its reception record shares

    def ts(self, t) -> str:
        return NULL if t is None or t > self.now else self.clock.ts(t)

    def write_all(self, plan) -> None:
        places, tick = self.world.places, self.rows.loader.tick
        for k in range(len(plan.complaint_t)):
            self.one(k + 1, plan.complaint_t[k], places[plan.complaint_place[k]], plan.complaint_record[k])
            if k & 127 == 0:
                tick()

    def _course(self, cid, t0, place, where, number) -> Course:
        rng, company = self.rng, self.world.company
        category, severity = CATEGORY.pick(rng), SEVERITY.pick(rng)
        if category == "company":  # R-CMP-5: the quality department's
            department, head, handler = company.quality_dept, company.quality_head, company.quality[0]
            fixers, escalate = [company.quality_head], Role.QUALITY
        else:
            kind = CATEGORY_DEPARTMENT[category]
            department, head, fixers = place.departments[kind], place.heads[kind], place.dept_staff[kind]
            important = severity != "general"
            handler = place.manager if important or rng.random() < 0.15 else place.supervisor
            escalate = Role.CS_MANAGER if important else Role.PROPERTY_SUPERVISOR
        subject = rng.choice(texts.COMPLAINT_SUBJECTS[category])
        title_tail = f" · {number} {where}：{subject}"
        rows = CaseRows(self.ledger, self.events, community=place.pk, ct=self.ct, oid=cid, case=str(cid),
                        title_tail=title_tail, link=self.url.format(cid), received=t0)  # fmt: skip
        k = Course(cid, place, rows, category, severity, department, head, handler, fixers, escalate)
        k.subject, k.where, k.number, k.title_tail, k.received = subject, where, number, title_tail, t0
        return k

    def one(self, cid: int, t0: int, place, rid: int) -> None:
        rng, world, labels, now, office = self.rng, self.world, self.labels, self.now, self.clock.office
        channel = CHANNEL_DESK.pick(rng) if rid else CHANNEL_DIRECT.pick(rng)
        live = channel in LIVE
        received_by = place.supervisor if channel == "patrol" else rng.choice(place.desk)
        unit = owner = None
        contact_name = contact_phone = ""
        if rng.random() < 0.95:
            unit = place.unit(rng)
            owner, where = world.unit_owner[unit], world.unit_label[unit]
        else:
            contact_name, contact_phone = person_name(rng), mobile(rng, self.used_mobiles)
            where = contact_name
        k = self._course(cid, t0, place, where, f"TS{cid:06d}")
        details = f"{where}反映：{k.subject}。" if rng.random() < 0.6 else ""
        request = rng.choice(texts.COMPLAINT_REQUESTS)
        # -- receipt, first response, triage ---------------------------------------------------------
        t_reg = min(now, t0 + (rng.randrange(MINUTE, 30 * MINUTE) if rid else rng.randrange(0, 5 * MINUTE)))
        fr = (
            t_reg
            if live
            else office(t_reg + lognormal_seconds(rng, 3, 1.1, low=10 * MINUTE, high=4 * DAY), rng)
        )
        tt = office(max(t_reg + lognormal_seconds(rng, 1.2, 0.9, low=5 * MINUTE, high=3 * DAY), fr), rng)
        valid = rng.random() >= INVALID_SHARE
        k.steps.append((t_reg, "new"))
        ev = k.rows.event
        if rid:
            ev(t_reg, "complaint.from_record", received_by, "", "new", f"JD{rid:06d}", f'{{"record": {rid}}}')
            self.desk_records[rid] = (t0, t_reg, place.index, unit, owner, contact_name, contact_phone,
                                      channel, k.subject, details, request, received_by, cid)  # fmt: skip
        else:
            ev(t_reg, "complaint.registered", received_by, "", "new")
        if k.severity == "major":
            ev(t_reg, "complaint.major_reported", received_by)
        if k.category == "company":
            ev(t_reg, "complaint.to_quality", received_by)
        fr_note = labels.apologised if live else rng.choice(texts.FIRST_RESPONSE_NOTES)
        ev(fr, "complaint.first_response", received_by, note=fr_note)
        # the first-response row: the desk record's own (moved over to the complaint), or the complaint's
        k.rows.deadline(KIND_FIRST_RESPONSE, labels.first_response, t0 if rid else t_reg, t0 + DAY,
                        user=received_by, role=Role.CS_SUPERVISOR if rid else k.escalate, met=fr,
                        met_by=received_by)  # fmt: skip
        invalid = ("", "")
        if valid:
            k.steps.append((tt, "processing"))
            ev(tt, "complaint.triaged_valid", k.handler, "new", "processing")
            self._valid(k, t0, tt)
        else:
            invalid = rng.choice(texts.INVALID_EXPLANATIONS)
            k.steps.append((tt, "closed"))
            k.closed = tt
            ev(tt, "complaint.triaged_invalid", k.handler, "new", "closed", f"{invalid[0]}\\n{invalid[1]}")
        self._write(k, t0, t_reg, fr, tt, valid, invalid, rid, unit, owner, contact_name, contact_phone,
                    channel, details, request, received_by, live, fr_note)  # fmt: skip

    def _write(self, k, t0, t_reg, fr, tt, valid, invalid, rid, unit, owner, contact_name, contact_phone,
               channel, details, request, received_by, live, fr_note) -> None:  # fmt: skip
        now, ts = self.now, self.ts
        status, updated = "new", t_reg
        for t, s in k.steps:
            if t <= now:
                status, updated = s, t
        triaged = tt <= now
        responded = fr <= now
        important = k.severity != "general"
        result = k.result
        # fmt: off
        self.rows.add("\t".join((
            str(k.cid), ts(t_reg), ts(updated), str(k.place.pk), str(rid) if rid else NULL, _opt(unit),
            _opt(owner), contact_name, contact_phone, channel, k.subject, details, request, ts(t0),
            str(received_by), "t" if live or responded else "f", k.category, k.severity, str(k.department),
            status, ("valid" if valid else "invalid") if triaged else "", ts(tt),
            str(k.handler) if triaged else NULL, *(invalid if triaged else ("", "")), ts(fr),
            str(received_by) if responded else NULL, fr_note if responded else "", _opt(k.assignee),
            ts(tt) if important and valid else NULL, ts(t_reg) if k.severity == "major" else NULL, k.analysis,
            "", "1", result[1] if result else "", str(result[2]) if result else NULL,
            ts(result[0]) if result else NULL, str(k.head) if k.signed else NULL, ts(k.signed),
            ts(k.accepted), ts(k.accepted), "", NULL, PAUSE_REASON if status == "paused" else "",
            str(k.pause_seconds), "1" if k.reopened else "0", ts(k.closed) if status == "closed" else NULL,
        )) + "\n")
        # fmt: on

    def _valid(self, k: Course, t0: int, tt: int) -> None:
        """A valid complaint from triage to its last call-back."""
        rng, now, labels, office = self.rng, self.now, self.labels, self.clock.office
        if k.severity != "general":
            # R-CMP-5: reported to the leader in charge, who analyses it and issues the work order.
            leader = rng.choice(self.world.company.leaders)
            k.rows.event(tt, "complaint.reported_to_leader", k.handler)
            issued = office(tt + lognormal_seconds(rng, 5, 0.8, low=20 * MINUTE, high=3 * DAY), rng)
            k.rows.deadline(KIND_LEADER, labels.leader, tt, tt + DAY, user=k.handler, role=Role.LEADERSHIP,
                            met=issued, met_by=leader)  # fmt: skip
            done = self._work_order(k, issued, leader)
            result_at = office(done + lognormal_seconds(rng, 1, 0.6, low=5 * MINUTE, high=DAY), rng)
            result_by = k.handler
        else:
            # R-CMP-4: resolved within 48 hours of receipt; a few wait on the owner (paused).
            took = lognormal_seconds(rng, 18, 0.9, low=30 * MINUTE, high=20 * DAY)
            if rng.random() < STUCK_SHARE:
                took *= 5
            result_at = office(max(tt + 10 * MINUTE, t0 + took), rng)
            due, paused_at = t0 + 2 * DAY, None
            if rng.random() < PAUSE_SHARE:
                start = office(tt + lognormal_seconds(rng, 2, 0.8, low=10 * MINUTE, high=DAY), rng)
                length = lognormal_seconds(rng, 20, 0.8, low=HOUR, high=10 * DAY)
                result_at = max(result_at, start + HOUR) + length
                ended = start + length
                self._pause(k, start, ended)
                if ended <= now:
                    due += length
                elif start <= now:
                    paused_at = start
            result_by = k.handler if rng.random() < 0.7 else rng.choice(k.fixers)
            k.rows.deadline(KIND_RESOLVE, labels.resolve, tt, due, user=k.handler, dept=k.department,
                            role=k.escalate, met=result_at, met_by=result_by, paused=paused_at)  # fmt: skip
        text = rng.choice(texts.COMPLAINT_RESULTS[k.category])
        rounds = self.callbacks.course(k, result_at, result_by, text)
        # Only the step the complaint stands at now has its sign-off or owner-answer row (see above).
        for res, signed, accepted in rounds:
            if res <= now < signed:
                k.rows.deadline(
                    KIND_SIGN_OFF, labels.sign_off, res, res + DAY, dept=k.department, role=k.escalate
                )
            elif signed <= now < accepted:
                k.rows.deadline(KIND_OWNER_ANSWER, labels.owner_answer, signed, signed + DAY, user=k.handler,
                                role=k.escalate)  # fmt: skip

    def _pause(self, k: Course, start: int, ended: int) -> None:
        if start > self.now:
            return
        k.steps.append((start, "paused"))
        k.rows.event(start, "complaint.paused", k.handler, "processing", "paused", PAUSE_REASON)
        over = ended <= self.now
        self.pauses.add(f"{self.pauses.next_id()}\t{k.place.pk}\t{k.cid}\t{PAUSE_REASON}\t{self.clock.ts(start)}\t"
                        f"{k.handler}\t{self.ts(ended)}\t{k.handler if over else NULL}\n")  # fmt: skip
        if over:
            k.steps.append((ended, "processing"))
            note = f"暂停{round((ended - start) / HOUR, 1)}小时，期限相应顺延。"
            k.rows.event(ended, "complaint.resumed", k.handler, "paused", "processing", note,
                         f'{{"seconds": {ended - start}}}')  # fmt: skip
            k.pause_seconds = ended - start
        else:
            k.paused = start

    def _work_order(self, k: Course, issued: int, leader: int) -> int:
        """The leader's internal coordination work order (R-CMP-5, R-REC-4); returns when it was done."""
        rng, now, clock, office = self.rng, self.now, self.clock, self.clock.office
        person = rng.choice(k.fixers)
        due = issued + rng.choice([DAY, 2 * DAY, 3 * DAY])
        signed = office(issued + lognormal_seconds(rng, 1, 0.8, low=5 * MINUTE, high=DAY), rng)
        done = office(signed + lognormal_seconds(rng, 20, 0.8, low=HOUR, high=8 * DAY), rng)
        if issued > now:
            return done
        k.analysis, k.assignee = rng.choice(texts.ANALYSES), person
        wid = self.work_orders.next_id()
        status = "done" if done <= now else "signed" if signed <= now else "sent"
        task = f"{k.analysis}，请按期处理完毕"
        result = rng.choice(texts.WORK_ORDER_RESULTS) if done <= now else ""
        updated = max(t for t in (issued, signed, done) if t <= now)
        c, ts = k.place.pk, self.ts
        self.work_orders.add(
            f"{wid}\t{clock.ts(issued)}\t{ts(updated)}\t{c}\t{NULL}\t{self.ct}\t{k.cid}\t{k.number}\t"
            f"{self.url.format(k.cid)}\t{k.where}\t{k.department}\t{task}\t{person}\t{k.handler}\t{clock.ts(due)}\t"
            f"{status}\t{leader}\t{person if signed <= now else NULL}\t{ts(signed)}\t{result}\t"
            f"{person if done <= now else NULL}\t{ts(done)}\n"
        )
        number = f"GD{wid:06d}"
        kind = next((kind for kind, pk in k.place.departments.items() if pk == k.department), "quality")
        dept_name = self.labels.department[kind]
        order = CaseRows(self.ledger, self.order_events, community=c, ct=self.ct_order, oid=wid,
                         case=f"{NULL}\t{wid}", title_tail=k.title_tail, link=self.order_url.format(wid),
                         received=k.received)  # fmt: skip
        order.event(issued, "work_order.sent", leader, note=f"{k.place.name} · {dept_name}")
        order.event(signed, "work_order.signed", person, "sent", "signed")
        order.event(done, "work_order.done", person, "signed", "done", result)
        k.rows.event(issued, "complaint.work_order", leader, note=f"{number} {dept_name}：{task}",
                     data=f'{{"work_order": {wid}}}')  # fmt: skip
        order.deadline(KIND_WORK_ORDER, self.labels.work_order, issued, due, suffix=f" {number}", user=person,
                       dept=k.department, role=Role.DEPARTMENT_HEAD, met=done, met_by=person)  # fmt: skip
        return done
