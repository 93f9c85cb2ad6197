"""R-SUR-2 … R-SUR-6: the questionnaire statistics, pure functions, no database.

The round worked by hand (3 items, 5 questionnaires returned of 9 sent; S/B/D = satisfied /
basically satisfied / dissatisfied, "-" blank, "SD" two ticks):

            security  cleaning  greening
    Q1      S         B         D
    Q2      S         SD        -  (empty set)
    Q3      B         D         -  (item missing)
    Q4      SBD       D         S
    Q5      D         B         B

    security  S2 B1 D1, 1 multiple        → 3/4  = 75.0%
    cleaning  S0 B2 D2, 1 multiple        → 2/4  = 50.0%
    greening  S1 B1 D1, 2 blank           → 2/3  = 66.666… → 66.7%
    overall   S3 B4 D4, 4 abstentions     → 7/11 = 63.6363… → 63.6%
              (the mean of the item rates would be 63.888… → 63.9%: not what we report)
    return    5/9 = 55.555…% → 55.6%; penalty 5 × 4.444… = 22.222… → 22.2
    adjusted  63.6363… − 22.2222… = 41.4141… → 41.4
    Pareto    dissatisfied 4 = cleaning 2 (50%, main), security 1 (75%, main),
              greening 1 (100%, out; tie with security, security comes first in item order)
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from surveys.formulas import (
    BASIC,
    DISSATISFIED,
    SATISFIED,
    Tally,
    adjusted_rate_exact,
    as_text,
    pareto,
    penalty,
    return_rate,
    return_rate_exact,
    round_figures,
    rounded,
    tally_items,
)

S, B, D = SATISFIED, BASIC, DISSATISFIED
ITEMS = ["security", "cleaning", "greening"]
ROUND = [
    {"security": {S}, "cleaning": {B}, "greening": {D}},
    {"security": {S}, "cleaning": {S, D}, "greening": set()},
    {"security": {B}, "cleaning": {D}},
    {"security": {S, B, D}, "cleaning": {D}, "greening": {S}},
    {"security": {D}, "cleaning": {B}, "greening": {B}},
]


def main_items(rows):
    return [row.item for row in rows if row.main]


# -- counting, abstentions, item and overall rates (R-SUR-3, R-SUR-5) -------------------------------


def test_it_counts_each_item_with_blanks_and_multiple_ticks_as_abstentions():
    tallies = tally_items(ITEMS, ROUND)

    assert tallies == {
        "security": Tally(satisfied=2, basic=1, dissatisfied=1, blank=0, multiple=1),
        "cleaning": Tally(satisfied=0, basic=2, dissatisfied=2, blank=0, multiple=1),
        "greening": Tally(satisfied=1, basic=1, dissatisfied=1, blank=2, multiple=0),
    }
    assert [tallies[item].abstained for item in ITEMS] == [1, 1, 2]


def test_it_leaves_abstentions_out_of_each_item_rate():
    figures = round_figures(items=ITEMS, questionnaires=ROUND, sent=9)

    assert figures.items["security"].rate == Decimal("75.0")  # 3/4, the SBD ticks left out
    assert figures.items["cleaning"].rate == Decimal("50.0")  # 2/4, the SD ticks left out
    assert figures.items["greening"].rate == Decimal("66.7")  # 2/3, the two blanks left out


def test_it_pools_the_counts_for_the_overall_rate_rather_than_averaging_item_rates():
    figures = round_figures(items=ITEMS, questionnaires=ROUND, sent=9)

    assert figures.overall == Tally(satisfied=3, basic=4, dissatisfied=4, blank=2, multiple=2)
    assert figures.overall.abstained == 4
    assert figures.overall.rate_exact == Fraction(700, 11)
    assert figures.overall.rate == Decimal("63.6")  # the mean of 75, 50, 66.67 would be 63.9


def test_it_computes_the_whole_round_with_the_penalty_from_exact_values():
    figures = round_figures(items=ITEMS, questionnaires=ROUND, sent=9)

    assert figures.returned == 5
    assert figures.return_rate == Decimal("55.6")
    assert figures.penalty_exact == Fraction(200, 9)  # 5 × (60 − 500/9)
    assert figures.penalty == Decimal("22.2")
    assert figures.adjusted_rate_exact == Fraction(700, 11) - Fraction(200, 9)
    assert figures.adjusted_rate == Decimal("41.4")
    assert [(row.item, row.dissatisfied, row.cumulative, row.main) for row in figures.pareto] == [
        ("cleaning", 2, Decimal("50.0"), True),
        ("security", 1, Decimal("75.0"), True),
        ("greening", 1, Decimal("100.0"), False),
    ]


def test_it_reports_100_and_0_percent():
    everyone_pleased = [{"security": {S}}, {"security": {B}}, {"security": {S}}]
    no_one_pleased = [{"security": {D}}, {"security": {D}, "cleaning": {S, B}}]

    assert tally_items(["security"], everyone_pleased)["security"].rate == Decimal("100.0")
    zero = tally_items(["security", "cleaning"], no_one_pleased)
    assert zero["security"].rate == Decimal("0.0")  # a real 0%, not "no rate"
    assert as_text(zero["security"].rate) == "0.0"


def test_it_gives_no_rate_for_an_item_everyone_abstained_on():
    abstaining = [
        {"security": {S}, "cleaning": set()},
        {"security": {S}, "cleaning": {S, D}},
        {"security": {B}},
    ]

    figures = round_figures(items=["security", "cleaning"], questionnaires=abstaining, sent=3)

    assert figures.items["cleaning"] == Tally(blank=2, multiple=1)
    assert figures.items["cleaning"].rate is None
    assert as_text(figures.items["cleaning"].rate) == "—"
    assert figures.overall.rate == Decimal("100.0")  # 3/3: the abstentions are not in the overall rate


def test_it_rejects_an_unknown_answer_or_item():
    with pytest.raises(ValueError, match="unknown answer"):
        tally_items(["security"], [{"security": {"very satisfied"}}])
    with pytest.raises(ValueError, match="unknown item"):
        tally_items(["security"], [{"parking": {S}}])


# -- return rate (R-SUR-2) and rounding --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "returned", "expected"),
    [
        (20, 11, Decimal("55.0")),
        (20, 12, Decimal("60.0")),
        (3, 2, Decimal("66.7")),  # 66.666…
        (400, 1, Decimal("0.3")),  # 0.25 exactly: half up, not half even (0.2)
        (10, 10, Decimal("100.0")),
        (10, 0, Decimal("0.0")),
    ],
)
def test_it_computes_the_return_rate_to_one_decimal_half_up(sent, returned, expected):
    assert return_rate(sent, returned) == expected
    assert str(return_rate(sent, returned)) == str(expected)  # always one decimal place


def test_it_gives_no_return_rate_when_nothing_was_sent():
    assert return_rate(0, 0) is None
    assert as_text(return_rate(0, 0)) == "—"
    assert penalty(return_rate_exact(0, 0)) is None


def test_it_rejects_more_returned_than_sent():
    with pytest.raises(ValueError, match="returned"):
        return_rate(10, 11)


def test_it_rounds_half_up_exactly():
    assert rounded(Fraction(1333, 20)) == Decimal("66.7")  # 66.65
    assert rounded(Fraction(13329, 200)) == Decimal("66.6")  # 66.645
    assert rounded(None) is None


# -- penalty (R-SUR-4) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        (55, Fraction(25)),  # 5 points below → 25
        (Decimal("55.5"), Fraction(45, 2)),  # 4.5 points below → 22.5: fractions of a point count
        (59, Fraction(5)),
        (60, Fraction(0)),
        (Decimal("60.1"), Fraction(0)),  # never negative above 60
        (100, Fraction(0)),
        (0, Fraction(300)),
    ],
)
def test_it_takes_5_points_per_return_rate_point_below_60(rate, points):
    assert penalty(rate) == points


def test_it_takes_25_points_for_a_55_percent_return():
    everyone_pleased = [{"security": {S}}] * 11

    figures = round_figures(items=["security"], questionnaires=everyone_pleased, sent=20)

    assert figures.return_rate == Decimal("55.0")
    assert figures.penalty == Decimal("25.0")
    assert figures.adjusted_rate == Decimal("75.0")  # 100 − 25


def test_it_takes_the_penalty_from_the_exact_return_rate_not_the_displayed_one():
    everyone_pleased = [{"security": {S}}] * 1499

    figures = round_figures(items=["security"], questionnaires=everyone_pleased, sent=2500)

    assert figures.return_rate == Decimal("60.0")  # 59.96 displayed
    assert figures.penalty_exact == Fraction(1, 5)  # 5 × 0.04
    assert figures.adjusted_rate == Decimal("99.8")


def test_it_never_pushes_the_adjusted_rate_below_0():
    assert adjusted_rate_exact(Fraction(20), penalty(50)) == 0  # 20 − 50 → 0, not −30
    assert adjusted_rate_exact(0, penalty(55)) == 0
    assert adjusted_rate_exact(Fraction(80), penalty(75)) == 80  # no penalty above 60%
    assert adjusted_rate_exact(None, penalty(55)) is None


def test_it_survives_a_round_with_nothing_returned():
    figures = round_figures(items=ITEMS, questionnaires=[], sent=10)

    assert figures.return_rate == Decimal("0.0")
    assert figures.penalty == Decimal("300.0")
    assert all(tally.rate is None for tally in figures.items.values())
    assert figures.overall.rate is None
    assert figures.adjusted_rate is None
    assert as_text(figures.adjusted_rate) == "—"
    assert figures.pareto == []


def test_it_survives_a_round_with_nothing_sent():
    figures = round_figures(items=ITEMS, questionnaires=[], sent=0)

    assert (figures.return_rate, figures.penalty, figures.adjusted_rate) == (None, None, None)


# -- Pareto of the dissatisfied items (R-SUR-6) ------------------------------------------------------


def test_it_includes_the_item_whose_cumulative_share_is_exactly_80_percent():
    rows = pareto({"security": 4, "cleaning": 4, "greening": 2})  # 40%, 80%, 100%

    assert [row.cumulative for row in rows] == [Decimal("40.0"), Decimal("80.0"), Decimal("100.0")]
    assert main_items(rows) == ["security", "cleaning"]


def test_it_leaves_out_the_item_that_goes_just_over_80_percent():
    rows = pareto({"security": 401, "cleaning": 400, "greening": 199})  # 40.1%, 80.1%, 100%

    assert [row.cumulative for row in rows] == [Decimal("40.1"), Decimal("80.1"), Decimal("100.0")]
    assert main_items(rows) == ["security"]


def test_it_compares_the_exact_share_with_80_not_the_displayed_one():
    rows = pareto({"security": 1000, "cleaning": 1001, "greening": 499})  # 40.04%, 80.04%, 100%

    assert [row.item for row in rows] == ["cleaning", "security", "greening"]
    assert rows[1].cumulative == Decimal("80.0")  # displayed 80.0 …
    assert main_items(rows) == ["cleaning"]  # … but 80.04% is over 80%


def test_it_always_names_the_first_item_even_over_80_percent():
    rows = pareto({"security": 1, "cleaning": 9})  # 90%, 100%

    assert main_items(rows) == ["cleaning"]


def test_it_breaks_ties_by_item_order_and_leaves_out_items_without_dissatisfaction():
    rows = pareto({"security": 0, "cleaning": 3, "greening": 3, "staff": 4})  # 40%, 70%, 100%

    assert [(row.item, row.cumulative) for row in rows] == [
        ("staff", Decimal("40.0")),
        ("cleaning", Decimal("70.0")),
        ("greening", Decimal("100.0")),
    ]
    assert main_items(rows) == ["staff", "cleaning"]


def test_it_has_no_pareto_without_dissatisfaction():
    assert pareto({"security": 0, "cleaning": 0}) == []
