"""What every generator reads: the communities with their staff, the register in memory, labels.

Ids are assigned by the generators (the tables were just emptied, so from 1 in writing order); the
register is kept in flat lists indexed by unit id and owner id, so a case picks its unit, its label
and its owner in constant time.
"""

import bisect
import itertools
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from archives.scale import texts
from archives.scale.clock import Clock


@dataclass
class Place:
    """One community as the generators see it."""

    index: int
    pk: int
    code: str
    name: str
    units: int
    first_unit: int = 0  # id of its first unit; its units are first_unit … first_unit + units - 1
    since: int = 0  # first day of the window with the community under management
    departments: dict[str, int] = field(default_factory=dict)  # kind -> department id
    desk: list[int] = field(default_factory=list)  # receptionists
    stewards: list[int] = field(default_factory=list)
    supervisor: int = 0
    cs: int = 0  # customer service supervisor
    manager: int = 0  # CS center manager
    archivist: int = 0
    heads: dict[str, int] = field(default_factory=dict)  # department kind -> head
    dept_staff: dict[str, list[int]] = field(default_factory=dict)

    def unit(self, rng) -> int:
        return self.first_unit + rng.randrange(self.units)


@dataclass
class Company:
    leaders: list[int]
    quality: list[int]
    quality_head: int  # department head of the company's quality department (signs its complaints off)
    quality_dept: int
    finance_dept: int


@dataclass
class World:
    clock: Clock
    places: list[Place]
    company: Company
    content_types: dict[str, int]  # "complaints.complaint" -> id
    holidays: frozenset = frozenset()
    # the register, filled by archives.scale.register
    unit_label: list[str] = field(default_factory=lambda: [""])  # by unit id (index 0 unused)
    unit_owner: list[int] = field(default_factory=lambda: [0])  # current owner id by unit id
    owner_name: list[str] = field(default_factory=lambda: [""])  # by owner id
    _weights: list[float] = field(default_factory=list)

    def weigh_places(self) -> None:
        """Cases per community follow its size and the part of the window it was under management."""
        days = self.clock.days
        weights = [p.units * (days - p.since) / days for p in self.places]
        self._weights = list(itertools.accumulate(weights))

    def pick(self, rng) -> Place:
        i = bisect.bisect_right(self._weights, rng.random() * self._weights[-1])
        return self.places[min(i, len(self.places) - 1)]


def person_name(rng) -> str:
    surnames = texts.SURNAMES
    # Frequent surnames first: a triangular pick favours the head of the list (王, 李, 张 …).
    surname = surnames[int(rng.triangular(0, len(surnames), 0))]
    given = texts.GIVEN
    if rng.random() < 0.7:
        return surname + given[rng.randrange(len(given))] + given[rng.randrange(len(given))]
    return surname + given[rng.randrange(len(given))]


def mobile(rng, used: set[str]) -> str:
    while True:
        number = rng.choice(texts.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in used:
            used.add(number)
            return number


def url_pattern(name: str) -> str:
    """reverse() once, then str.format per row: "/complaints/{}/"."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


class Labels:
    """The Chinese the services would write (titles of ledger rows, notes), translated once."""

    def __init__(self):
        from complaints.models import Rating
        from reception.models import Kind
        from violations.models import SubType

        with translation.override(settings.LANGUAGE_CODE):
            self.first_response = _("First response")
            self.reply = _("Reply to the owner")
            self.work_order = _("Work order")
            self.resolve = _("Resolve within 48 hours")
            self.leader = _("Leader's analysis and work order")
            self.sign_off = _("Department head's sign-off")
            self.owner_answer = _("Put the solution to the owner")
            self.callback = _("Call-back")
            self.fix = _("Fix after the call-back")
            self.reinspect = _("Re-inspect the rectification")
            self.next_step = _("Not rectified: decide what follows")
            self.sign_penalty = _("Sign or refuse the proposed penalty")
            self.follow_up = _("Reach out to the owner after the penalty")
            self.apologised = _(
                "Apologised and took the complaint; the owner was told it will be followed up."
            )
            self.satisfied = _("The owner is satisfied.")
            self.unreachable = _(
                "Closed: the owner could not be reached for the call-back after three attempts."
            )
            self.to_complaint = _("Followed up as complaint %(number)s.")
            self.transferred = _("Transferred to %(department)s.")
            self.attempt = _("Attempt %(n)d of %(max)d failed; next try %(when)s. %(note)s")
            self.record_kind = {value: str(label) for value, label in Kind.choices}
            self.rating = {value: str(label) for value, label in Rating.choices}
            self.rating_fields = (_("Quality"), _("Service effect"), _("Satisfaction"))
            self.subtype = {value: str(label) for value, label in SubType.choices}
            from propsvc.models import Department

            self.department = {value: str(label) for value, label in Department.Kind.choices}


class Weighted:
    """A weighted choice, faster than random.choices for one value at a time."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))

    def pick(self, rng):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


class SeedRandom(random.Random):
    """random.Random with a quicker choice and randrange (one float draw each, no rejection loop):
    they are called tens of millions of times. As repeatable as its parent for a given seed."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            return int(self.random() * start)
        if step != 1 or stop <= start:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))
