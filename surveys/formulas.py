"""The satisfaction questionnaire's statistics (DOMAIN R-SUR-2 … R-SUR-6), as pure functions of plain data.

No database, no models: the caller hands in, per returned questionnaire, a mapping item → the set of
ticked answers among SATISFIED / BASIC / DISSATISFIED (the same values as complaints.models.Rating),
and the number of questionnaires sent. An item missing from a questionnaire, or mapped to an empty
set, was left blank.

Decisions, each tested in tests/surveys/test_formulas.py:

- Abstentions (R-SUR-5): an item left blank or with two or more ticks counts neither as satisfied,
  basically satisfied nor dissatisfied; it is left out of that item's rate AND of the overall rate.
  It is counted (blank and several ticks apart) so the table can show it.
- Overall rate (R-SUR-3 "per item and overall"): POOLED counts — (ΣS + ΣB) / (ΣS + ΣB + ΣD) over
  every answered item of every returned questionnaire — not the mean of the item rates. Every
  owner's answer weighs the same; a mean would let an item two owners answered weigh as much as one
  two hundred answered, and would have to drop the items with no rate at all.
- A rate with nothing to divide by (no answered item; nothing sent) is None, which the page shows
  as "—" (`as_text`); it is never 0 and never a ZeroDivisionError. A rate of 0% is Decimal("0.0").
- Penalty (R-SUR-4): linear in the shortfall — every percentage point, and every fraction of one,
  below 60% costs 5 points: 55% → 25 points, 55.5% → 4.5 points below → 22.5 points, 59.96% → 0.2
  points. It is never negative (60% and above → 0). It applies to the OVERALL rate only, and the
  adjusted overall rate = max(0, overall rate − penalty): never below 0.
- Exactness and rounding: counts give exact Fractions; every displayed percentage is a Decimal
  rounded ROUND_HALF_UP to one decimal place, rounded ONCE, at the end. The penalty and the adjusted
  rate are computed from the exact return and satisfaction rates, never from the displayed ones
  (a 59.96% return rate shows as 60.0 but still costs 0.2 points).
- Pareto (R-SUR-6): the items with at least one dissatisfied answer, by dissatisfied count
  descending, ties in the given item order, with the cumulative share of all dissatisfied answers.
  "Within 80%" is read literally: an item is a main improvement item when its cumulative share is
  AT MOST 80% — exactly 80% is in, anything over is out, the comparison is exact (80.04% shows as
  80.0 and is out). So the item that crosses 80% is NOT included — unlike complaints.reports.pareto,
  which includes the category reaching its cut. One exception: the first item is always a main item,
  even when it alone holds more than 80% of the dissatisfaction (otherwise the biggest problem of
  the round would name no improvement item at all).
"""

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

SATISFIED = "satisfied"
BASIC = "basic"  # basically satisfied (基本满意)
DISSATISFIED = "dissatisfied"
ANSWERS = frozenset({SATISFIED, BASIC, DISSATISFIED})

MIN_RETURN_RATE = 60  # R-SUR-2, percent
PENALTY_PER_POINT = 5  # R-SUR-4, satisfaction points per return-rate point below MIN_RETURN_RATE
PARETO_CUT = 80  # R-SUR-6, percent of all dissatisfied answers

NO_VALUE = "—"

Exact = Fraction | Decimal | int
Questionnaire = Mapping[str, Collection[str]]


def rounded(value: Exact | None) -> Decimal | None:
    """A percentage for display: one decimal place, half up (66.65 → 66.7, 0.25 → 0.3), exactly —
    integer arithmetic on the Fraction, so no binary or 28-digit intermediate rounding."""
    if value is None:
        return None
    tenths = Fraction(value) * 10
    magnitude = math.floor(abs(tenths) + Fraction(1, 2))  # half up = half away from zero
    return Decimal(magnitude if tenths >= 0 else -magnitude).scaleb(-1)


def as_text(value: Decimal | None) -> str:
    """What the page prints for a percentage: "63.6", or "—" when there is none."""
    return NO_VALUE if value is None else str(value)


def _percent(part: int, whole: int) -> Fraction | None:
    return Fraction(100 * part, whole) if whole else None


# -- return rate and penalty (R-SUR-2, R-SUR-4) ------------------------------------------------------


def return_rate_exact(sent: int, returned: int) -> Fraction | None:
    """R-SUR-2: returned / sent × 100, exact; None when nothing was sent."""
    if sent < 0 or returned < 0:
        raise ValueError("sent and returned cannot be negative")
    if returned > sent:
        raise ValueError(f"{returned} questionnaires returned but only {sent} sent")
    return _percent(returned, sent)


def return_rate(sent: int, returned: int) -> Decimal | None:
    """R-SUR-2: the return rate for display (one decimal, half up); None when nothing was sent."""
    return rounded(return_rate_exact(sent, returned))


def penalty(return_rate: Exact | None) -> Fraction | None:
    """R-SUR-4: satisfaction points taken off for a return rate (in percent) below 60%.

    Linear: 5 points per percentage point below 60, fractions of a point included (55 → 25,
    55.5 → 22.5); 0 from 60% up, never negative. Exact — pass the exact return rate
    (return_rate_exact), not the displayed one. None when there is no return rate (nothing sent).
    """
    if return_rate is None:
        return None
    rate = Fraction(return_rate)
    if not 0 <= rate <= 100:
        raise ValueError(f"a return rate is a percentage between 0 and 100, not {return_rate}")
    return PENALTY_PER_POINT * max(Fraction(0), MIN_RETURN_RATE - rate)


def adjusted_rate_exact(rate: Exact | None, points: Exact | None) -> Fraction | None:
    """R-SUR-4: the overall satisfaction rate less the penalty, never below 0. None without a rate;
    no penalty (None: nothing sent) takes nothing off."""
    if rate is None:
        return None
    return max(Fraction(0), Fraction(rate) - Fraction(points or 0))


# -- counting the answers (R-SUR-3, R-SUR-5) ---------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The answers to one item (or, summed, to all of them). `blank` and `multiple` are the two
    kinds of abstention (R-SUR-5); neither is in the rate."""

    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    blank: int = 0
    multiple: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            self.satisfied + other.satisfied,
            self.basic + other.basic,
            self.dissatisfied + other.dissatisfied,
            self.blank + other.blank,
            self.multiple + other.multiple,
        )

    @property
    def abstained(self) -> int:
        return self.blank + self.multiple

    @property
    def answered(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied

    @property
    def rate_exact(self) -> Fraction | None:
        """R-SUR-3: (S + B) / (S + B + D) × 100; None when no one answered."""
        return _percent(self.satisfied + self.basic, self.answered)

    @property
    def rate(self) -> Decimal | None:
        return rounded(self.rate_exact)


def classify(ticks: Collection[str]) -> str | None:
    """The one answer ticked, or None for an abstention (blank, or two or more ticks: R-SUR-5)."""
    ticked = set(ticks)
    unknown = ticked - ANSWERS
    if unknown:
        raise ValueError(f"unknown answer(s) {sorted(unknown)}; expected some of {sorted(ANSWERS)}")
    return next(iter(ticked)) if len(ticked) == 1 else None


def tally_items(items: Sequence[str], questionnaires: Sequence[Questionnaire]) -> dict[str, Tally]:
    """Per item, in the given order, the count of each answer and of each kind of abstention."""
    known = set(items)
    counts = {item: dict.fromkeys((SATISFIED, BASIC, DISSATISFIED, "blank", "multiple"), 0) for item in items}
    for number, questionnaire in enumerate(questionnaires, start=1):
        stray = set(questionnaire) - known
        if stray:
            raise ValueError(f"questionnaire {number} answers unknown item(s) {sorted(stray)}")
        for item in items:
            ticks = questionnaire.get(item, ())
            answer = classify(ticks)
            if answer is not None:
                counts[item][answer] += 1
            elif ticks:
                counts[item]["multiple"] += 1
            else:
                counts[item]["blank"] += 1
    return {item: Tally(**c) for item, c in counts.items()}


def overall(tallies: Mapping[str, Tally]) -> Tally:
    """The pooled counts over every item (see the module docstring: not a mean of item rates)."""
    return sum(tallies.values(), start=Tally())


# -- Pareto of the dissatisfied items (R-SUR-6) ------------------------------------------------------


@dataclass(frozen=True)
class ParetoRow:
    item: str
    dissatisfied: int
    cumulative_exact: Fraction
    main: bool

    @property
    def cumulative(self) -> Decimal:
        return rounded(self.cumulative_exact)


def pareto(dissatisfied: Mapping[str, int], *, cut: int = PARETO_CUT) -> list[ParetoRow]:
    """R-SUR-6: items by dissatisfied count (descending; ties keep the mapping's order), with the
    cumulative share. Main improvement items: cumulative share ≤ `cut`% (exact comparison; the item
    that crosses the cut is out), and always the first item. Items with no dissatisfied answer are
    left out; no dissatisfaction at all gives an empty list."""
    total = sum(dissatisfied.values())
    if not total:
        return []
    ordered = sorted(((item, n) for item, n in dissatisfied.items() if n > 0), key=lambda row: -row[1])
    rows, running = [], 0
    for position, (item, n) in enumerate(ordered):
        running += n
        share = Fraction(100 * running, total)
        rows.append(ParetoRow(item, n, share, main=position == 0 or share <= cut))
    return rows


# -- one round, everything the statistics table shows ------------------------------------------------


@dataclass(frozen=True)
class RoundFigures:
    items: dict[str, Tally]
    overall: Tally
    sent: int
    returned: int
    return_rate_exact: Fraction | None
    penalty_exact: Fraction | None
    adjusted_rate_exact: Fraction | None
    pareto: list[ParetoRow]

    @property
    def return_rate(self) -> Decimal | None:
        return rounded(self.return_rate_exact)

    @property
    def penalty(self) -> Decimal | None:
        return rounded(self.penalty_exact)

    @property
    def adjusted_rate(self) -> Decimal | None:
        return rounded(self.adjusted_rate_exact)


def round_figures(
    *, items: Sequence[str], questionnaires: Sequence[Questionnaire], sent: int
) -> RoundFigures:
    """A questionnaire round (R-SUR-1): per item and overall counts and rates, the return rate, its
    penalty and the adjusted overall rate, and the Pareto of the dissatisfied items. The returned
    count is len(questionnaires)."""
    tallies = tally_items(items, questionnaires)
    pooled = overall(tallies)
    returned_rate = return_rate_exact(sent, len(questionnaires))
    points = penalty(returned_rate)
    return RoundFigures(
        items=tallies,
        overall=pooled,
        sent=sent,
        returned=len(questionnaires),
        return_rate_exact=returned_rate,
        penalty_exact=points,
        adjusted_rate_exact=adjusted_rate_exact(pooled.rate_exact, points),
        pareto=pareto({item: t.dissatisfied for item, t in tallies.items()}),
    )
