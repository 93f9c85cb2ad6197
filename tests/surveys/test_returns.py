"""The paper returns (R-SUR-1, R-SUR-5): one page of the keyboard grid per entrance, saved by
surveys.rounds.questionnaire_returns_enter — codes 1/2/3, 0 for several ticks (two ticks stored), empty
for a blank; every cell checked before anything is written; online answers never overwritten; entry
while collecting and after closing, not once the statistics are finished."""

import datetime

import pytest

from surveys import round_report, round_selectors, rounds
from surveys.models import Questionnaire, SurveyEvent, SurveyRound
from surveys.rounds import PaperRow
from tests.surveys.test_rounds import (
    JUNE_COLLECT_UNTIL,
    JUNE_MORNING,
    _english,
    estate,
    june,
    refused,
    sent_round,
)

__all__ = ["_english", "june"]  # fixtures, imported for this module

S, B, D = "satisfied", "basic", "dissatisfied"


@pytest.fixture
def collecting(june, sam, community_a):
    estate(community_a)
    return sent_round(sam, community_a)


def forms_of(survey_round, entrance="3栋2单元") -> list[Questionnaire]:
    line = next(e for e in round_selectors.round_entrances(survey_round=survey_round) if e.label == entrance)
    return list(
        round_selectors.questionnaire_list_for_entrance(
            survey_round=survey_round, building_id=line.building_id, entrance=line.entrance
        )
    )


def row(q, codes: str = "", suggestion: str = "", topic: str = "", keys=None, **kwargs) -> PaperRow:
    """A row typed as one string of codes, item by item ("12 3" — a space is an empty cell)."""
    keys = keys or q.round.item_keys
    cells = {key: (codes[i] if i < len(codes) else "").strip() for i, key in enumerate(keys)}
    return PaperRow(
        questionnaire_id=q.pk, codes=cells, suggestion=suggestion, suggestion_topic=topic, **kwargs
    )


def enter(survey_round, by, rows):
    return rounds.questionnaire_returns_enter(round_id=survey_round.pk, by=by, rows=rows)


def snapshot(survey_round):
    return list(
        Questionnaire.objects.filter(round=survey_round)
        .order_by("pk")
        .values_list("answers", "suggestion", "suggestion_topic", "returned_at", "channel", "entered_by")
    )


def test_it_writes_the_codes_as_answers(collecting, sam):
    first, second = forms_of(collecting)
    result = enter(collecting, sam, [row(first, "1230 ", "楼道灯坏了", "security"), row(second)])
    assert result == rounds.ReturnsResult(entered=1)
    first.refresh_from_db()
    keys = collecting.item_keys
    assert first.answers[keys[0]] == [S] and first.answers[keys[1]] == [B] and first.answers[keys[2]] == [D]
    assert first.answers[keys[3]] == [S, D]  # 0: several ticked — an abstention (R-SUR-5)
    assert all(first.answers[k] == [] for k in keys[4:])  # blanks
    assert (first.suggestion, first.suggestion_topic) == ("楼道灯坏了", "security")
    assert (first.channel, first.entered_by, first.returned_at) == ("paper", sam, JUNE_MORNING)
    second.refresh_from_db()
    assert not second.is_returned  # an empty row is not returned
    event = SurveyEvent.objects.get(round=collecting, kind="round.returns_entered")
    assert event.actor == sam and event.data == {
        "entered": 1,
        "changed": 0,
        "cleared": 0,
        "skipped_online": 0,
    }


def test_it_counts_a_row_with_only_a_suggestion_as_returned(collecting, sam):
    first, _second = forms_of(collecting)
    enter(collecting, sam, [row(first, "", "希望增设快递柜", "other")])
    first.refresh_from_db()
    assert first.is_returned and all(v == [] for v in first.answers.values())
    assert first.suggestion_topic == "other"


def test_it_checks_every_cell_and_saves_nothing_when_one_is_wrong(collecting, sam):
    first, second = forms_of(collecting)
    enter(collecting, sam, [row(first, "111")])
    before = snapshot(collecting)
    with pytest.raises(rounds.ReturnsRefused) as info:
        enter(collecting, sam, [row(first, "222"), row(second, "1x4", "意见", "nonsense")])
    problems = info.value.problems
    assert [(p.questionnaire_id, p.item_key) for p in problems] == [
        (second.pk, collecting.item_keys[1]),
        (second.pk, collecting.item_keys[2]),
        (second.pk, "suggestion_topic"),
    ]
    assert "3栋2单元1202室, “Cleaning”: “x” is not a code" in problems[0].message
    assert "“4” is not a code" in problems[1].message
    assert snapshot(collecting) == before  # the first row's correction was not saved either
    assert SurveyEvent.objects.filter(kind="round.returns_entered").count() == 1


def test_it_limits_the_suggestion(collecting, sam):
    first, _ = forms_of(collecting)
    with pytest.raises(rounds.ReturnsRefused, match="longer than 1000"):
        enter(collecting, sam, [row(first, "1", "长" * 1001)])
    assert not Questionnaire.objects.filter(returned_at__isnull=False).exists()


def test_it_corrects_and_clears_a_paper_form(collecting, sam, mona, june):
    first, second = forms_of(collecting)
    enter(collecting, sam, [row(first, "111"), row(second, "333")])
    june.shift(datetime.timedelta(hours=2))
    result = enter(collecting, mona, [row(first, "112"), row(second, "333", clear=True)])
    assert result == rounds.ReturnsResult(changed=1, cleared=1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.answers[collecting.item_keys[2]] == [B] and first.entered_by == mona
    assert first.returned_at == JUNE_MORNING  # returned when first entered
    assert (
        not second.is_returned and second.answers == {} and second.channel == "" and second.entered_by is None
    )
    # Saving the same page again changes nothing and writes no event.
    assert enter(collecting, mona, [row(first, "112"), row(second)]) == rounds.ReturnsResult()
    assert SurveyEvent.objects.filter(kind="round.returns_entered").count() == 2


def test_it_never_overwrites_an_online_answer(collecting, sam):
    first, second = forms_of(collecting)
    rounds.questionnaire_answer_online(token=first.token, answers={collecting.item_keys[0]: D})
    before = snapshot(collecting)
    result = enter(collecting, sam, [row(first, "111", "纸质"), row(first, "xxx", clear=True), row(second)])
    assert result.skipped_online == 2 and result.entered == 0
    assert snapshot(collecting) == before
    first.refresh_from_db()
    assert first.channel == "online" and first.answers[collecting.item_keys[0]] == [D]


def test_it_takes_paper_forms_after_the_collection_closed(collecting, sam, june):
    june.move_to(JUNE_COLLECT_UNTIL + datetime.timedelta(days=2))
    rounds.survey_rounds_close_due()
    collecting.refresh_from_db()
    assert collecting.status == SurveyRound.Status.CLOSED
    first, _ = forms_of(collecting)
    assert enter(collecting, sam, [row(first, "1")]).entered == 1


def test_it_refuses_paper_forms_once_the_statistics_are_finished(collecting, sam):
    first, second = forms_of(collecting)
    enter(collecting, sam, [row(first, "1")])
    rounds.survey_round_close(round_id=collecting.pk, by=sam)
    round_report.round_statistics_finish(round_id=collecting.pk, by=sam, analysis="业主最关注安全。")
    before = snapshot(collecting)
    refused(lambda: enter(collecting, sam, [row(second, "2")]), "statistics of this round are finished")
    refused(lambda: enter(collecting, sam, [row(first, "", clear=True)]), "can no longer be changed")
    assert snapshot(collecting) == before


def test_it_refuses_paper_forms_before_sending(june, sam, community_a):
    estate(community_a)
    draft = rounds.survey_round_create(by=sam, community_id=community_a.pk, year=2026, period=6)
    refused(lambda: enter(draft, sam, []), "not been sent")


def test_it_refuses_rows_of_another_round(collecting, sam, cora, community_b):
    estate(community_b)
    other = sent_round(cora, community_b)
    foreign = forms_of(other)[0]
    refused(lambda: enter(collecting, sam, [row(foreign, "1", keys=collecting.item_keys)]), "delivery list")
    assert not Questionnaire.objects.filter(returned_at__isnull=False).exists()


def test_it_lets_only_the_survey_staff_of_the_community_enter(collecting, pete, cora, quinn):
    first, _ = forms_of(collecting)
    for user in (pete, cora, quinn):
        refused(lambda user=user: enter(collecting, user, [row(first, "1")]), "may not run")
    assert not Questionnaire.objects.filter(returned_at__isnull=False).exists()


def test_it_shows_the_stored_codes_on_the_grid(collecting, sam):
    first, second = forms_of(collecting)
    enter(collecting, sam, [row(first, "12 3", "意见", "difficulties")])
    line = next(e for e in round_selectors.round_entrances(survey_round=collecting) if e.label == "3栋2单元")
    grid = round_selectors.grid_rows(
        survey_round=collecting, building_id=line.building_id, entrance=line.entrance
    )
    keys = collecting.item_keys
    assert [grid[0].codes[k] for k in keys[:5]] == ["1", "2", "", "3", ""]
    assert (grid[0].suggestion, grid[0].suggestion_topic) == ("意见", "difficulties")
    assert grid[1].codes == {} and grid[1].questionnaire == second
