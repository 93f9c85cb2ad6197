"""The rows every case writes besides itself: ledger deadlines (propsvc.Deadline) and timeline events.

A deadline row is written as the services leave it at `now`: due and reminder times as
deadline_open computes them (propsvc.services.deadline_warn_at, the per-kind warning of
PROPSVC_DEADLINE_WARN_BEFORE), met when the obligation was fulfilled before now, and with the
reminder and overdue notices stamped when the minute sweep would have sent them (so the first scan
after the seed sends nothing that was already sent).
"""

from django.conf import settings

from archives.scale.clock import DAY
from archives.scale.copy import NULL
from propsvc.models import Deadline
from propsvc.services import DEFAULT_WARN_BEFORE

# fmt: off
DEADLINE_COLUMNS = [
    "id", "created_at", "updated_at", "community_id", "content_type_id", "object_id", "kind", "title", "link",
    "due_at", "warn_at", "responsible_user_id", "responsible_department_id", "escalate_role", "warned_at",
    "warn_token", "breached_at", "breach_token", "paused_at", "met_at", "met_by_id",
]
# fmt: on


class Ledger:
    def __init__(self, world, loader):
        self.sink = loader.sink(Deadline, DEADLINE_COLUMNS)
        self.ts = world.clock.ts
        self.now = world.clock.now
        self.warn_before = {
            kind: int(delta.total_seconds()) for kind, delta in settings.PROPSVC_DEADLINE_WARN_BEFORE.items()
        }
        self.default_warn = int(DEFAULT_WARN_BEFORE.total_seconds())

    def warn_at(self, kind: str, due: int, opened: int) -> int:
        """propsvc.services.deadline_warn_at, in seconds."""
        before = self.warn_before.get(kind)
        if before is None:
            left = due - opened
            before = self.default_warn if left >= DAY else max(left // 6, 0)
        return min(due, max(due - before, opened))

    def add(self, head: str, kind: str, title: str, link: str, created: int, due: int, user=None, dept=None,
            role="", met=None, met_by=None, paused=None, opened=None) -> None:  # fmt: skip
        """One row, created at `created` (nothing when that lies after now). `head` is the row's
        "community \\t content type \\t case id"; `opened` is when its reminder time was last computed
        (a call-back rescheduled); `met` after now counts as not met."""
        now = self.now
        if created > now:
            return
        warn = self.warn_at(kind, due, created if opened is None else opened)
        if met is not None and met > now:
            met = met_by = None
        ts = self.ts
        created_s, due_s, warn_s = ts(created), ts(due), ts(warn)
        met_s = NULL if met is None else ts(met)
        # The sweep sends the reminder at warn_at and the overdue notice at due_at unless the row is
        # met (or paused) by then; updated_at is the row's last change.
        updated, updated_s = created, created_s
        warned_s = breached_s = paused_s = NULL
        if opened is not None and opened > updated:
            updated, updated_s = opened, ts(opened)
        if paused is None:
            if warn <= now and (met is None or met > warn):
                warned_s = warn_s
                if warn > updated:
                    updated, updated_s = warn, warn_s
            if due <= now and (met is None or met > due):
                breached_s = due_s
                if due > updated:
                    updated, updated_s = due, due_s
        else:
            paused_s = ts(paused)
            if paused > updated:
                updated, updated_s = paused, paused_s
        if met is not None and met > updated:
            updated_s = met_s
        user_s = NULL if user is None else user
        dept_s = NULL if dept is None else dept
        self.sink.add(
            f"{self.sink.next_id()}\t{created_s}\t{updated_s}\t{head}\t{kind}\t{title[:200]}\t{link}\t{due_s}\t"
            f"{warn_s}\t{user_s}\t{dept_s}\t{role}\t{warned_s}\t{NULL}\t{breached_s}\t{NULL}\t{paused_s}\t{met_s}\t"
            f"{NULL if met_by is None else met_by}\n"
        )


class Timeline:
    """Event rows of one timeline table (ComplaintEvent, ReceptionEvent, ViolationEvent)."""

    def __init__(self, loader, model, case_columns: list[str], clock):
        names = ["id", "community_id", *case_columns, "kind", "actor_id", "from_status", "to_status", "note"]
        self.sink = loader.sink(model, [*names, "data", "created_at"])
        self.ts, self.now = clock.ts, clock.now

    def add(self, t: int, head: str, kind: str, actor, old="", new="", note="", data="{}") -> None:
        """`head` is "community \\t case column(s)"; nothing is written for a moment after now."""
        if t <= self.now:
            actor_s = NULL if actor is None else actor
            self.sink.add(
                f"{self.sink.next_id()}\t{head}\t{kind}\t{actor_s}\t{old}\t{new}\t{note}\t{data}\t{self.ts(t)}\n"
            )


# Cases received more than FULL_TIMELINE_DAYS ago keep only the events that open and close them
# (logged / registered, closed): half the rows of the large size are timeline events, and the pages
# people open — this year's cases, last month's statistics, the same month a year ago — stay complete.
FULL_TIMELINE_DAYS = 400
KEPT_WHEN_COMPACT = frozenset({
    "record.logged", "record.to_complaint", "record.handled", "record.out_of_remit", "record.owner_told",
    "work_order.sent", "work_order.done", "complaint.registered", "complaint.from_record",
    "complaint.triaged_invalid", "complaint.closed", "violation.registered", "violation.rectified",
    "violation.closed",
})  # fmt: skip


class CaseRows:
    """One case's timeline events and ledger rows, with what every row of it repeats."""

    __slots__ = ("_compact", "_event_head", "_head", "_ledger", "_link", "_tail", "_timeline")

    def __init__(self, ledger: Ledger, timeline: Timeline, *, community: int, ct: int, oid: int, case: str,
                 title_tail: str, link: str, received: int):  # fmt: skip
        self._ledger, self._timeline = ledger, timeline
        self._compact = received < timeline.now - FULL_TIMELINE_DAYS * DAY
        self._head = f"{community}\t{ct}\t{oid}"
        self._event_head = f"{community}\t{case}"
        self._tail, self._link = title_tail, link

    @property
    def title_tail(self) -> str:
        return self._tail

    def event(self, t: int, kind: str, actor, old="", new="", note="", data="{}") -> None:
        if self._compact and kind not in KEPT_WHEN_COMPACT:
            return
        self._timeline.add(t, self._event_head, kind, actor, old, new, note, data)

    def deadline(self, kind: str, label: str, created: int, due: int, suffix: str = "", **row) -> None:
        """A ledger row of this case, titled "<label> · <the case>" as the services title it (a work
        order's number after it)."""
        title = (label + self._tail)[:200] + suffix
        self._ledger.add(self._head, kind, title, self._link, created, due, **row)
