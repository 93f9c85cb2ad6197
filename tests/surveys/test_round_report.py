"""A round's statistics (问卷结果统计表, R-SUR-2 … R-SUR-7): the figures read live from the returned
questionnaires, or from the snapshot once finished; the suggestions by topic; finishing the statistics,
publishing the measures, the copy to the quality department — their state rules, deadlines, events.

Rounds are built directly (SurveyRound.objects.create, Questionnaire.objects.bulk_create, the ledger
rows with deadline_open), not through the round service: it is another module's, and these tests only
need a round in a given state with given questionnaires.

The round worked by hand (10 sent, 6 returned; S/B/D = satisfied / basically satisfied / dissatisfied,
"-" blank, "SD" two ticks):

            security  cleaning  greening   suggestion
    Q1      S         B         D          cleaning: 保洁不及时
    Q2      S         D         -  ([])    (no topic): 楼道灯坏了
    Q3      B         SD        S          other: =HYPERLINK("x")
    Q4      D         D         B          difficulties: 希望照顾独居老人
    Q5      S         B         - (missing)
    Q6      S         D         D          cleaning: 垃圾清运太晚

    security  S4 B1 D1              → 5/6 = 83.333… → 83.3
    cleaning  S0 B2 D3, 1 several   → 2/5 = 40.0
    greening  S1 B1 D2, 2 blank     → 2/4 = 50.0
    overall   S5 B4 D6, 3 abstained → 9/15 = 60.0
    return    6/10 = 60.0 → no penalty (R-SUR-2 met), adjusted 60.0
    Pareto    6 dissatisfied: cleaning 3 (50.0, main), greening 2 (83.3, out: over 80), security 1 (100.0)
"""

import datetime
import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from archives.models import Building, Unit
from propsvc.models import Deadline, Notification
from propsvc.services import deadline_open
from surveys import round_report
from surveys.models import KIND_PUBLICATION, KIND_STATISTICS, Notice, Questionnaire, SurveyEvent, SurveyRound
from surveys.services import SurveyError

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = SurveyRound.Status
S, B, D = "satisfied", "basic", "dissatisfied"
ITEMS = ["security", "cleaning", "greening"]
SENT_ON = datetime.date(2026, 6, 1)
COLLECT_UNTIL = datetime.datetime(2026, 6, 24, tzinfo=SHANGHAI)  # 24:00 on 23 June (19 June: Dragon Boat)
DUE = datetime.datetime(2026, 7, 15, tzinfo=SHANGHAI)  # 24:00 on 14 July 2026
NOW = datetime.datetime(2026, 7, 6, 10, 0, tzinfo=SHANGHAI)  # before both deadlines

HAND_WORKED = [
    ({"security": [S], "cleaning": [B], "greening": [D]}, "cleaning", "保洁不及时"),
    ({"security": [S], "cleaning": [D], "greening": []}, "", "楼道灯坏了"),
    ({"security": [B], "cleaning": [S, D], "greening": [S]}, "other", '=HYPERLINK("x")'),
    ({"security": [D], "cleaning": [D], "greening": [B]}, "difficulties", "希望照顾独居老人"),
    ({"security": [S], "cleaning": [B]}, "", ""),
    ({"security": [S], "cleaning": [D], "greening": [D]}, "cleaning", "垃圾清运太晚"),
]


# -- the builder ---------------------------------------------------------------------------------------------


def units(community, n: int, *, building: str = "8") -> list[Unit]:
    """n occupied units in one building of the community (bulk), rooms 101, 102, …"""
    block, _created = Building.objects.get_or_create(community=community, number=building)
    return Unit.objects.bulk_create(
        Unit(community=community, building=block, entrance=1 + i // 100, floor=1 + (i % 100) // 10,
             room=f"{1 + (i % 100) // 10}{i % 10 + 1:02d}", area=Decimal("90.00"), use=Unit.Use.OCCUPIED)
        for i in range(n)
    )  # fmt: skip


def build_round(
    community,
    by,
    *,
    sent: int,
    returned=(),
    status=Status.CLOSED,
    items=ITEMS,
    period=6,
    deadlines=True,
    building: str = "8",
) -> SurveyRound:
    """A round of `sent` questionnaires of which the first len(returned) came back; `returned` holds
    (answers, suggestion topic, suggestion) per returned questionnaire. With `deadlines`, the ledger's
    statistics and publication rows are open, due at 24:00 on 14 July 2026 (as sending would)."""
    assert len(returned) <= sent
    survey_round = SurveyRound.objects.create(
        community=community, year=2026, period=period, items=[{"key": k, "label": ""} for k in items],
        status=status, created_by=by, sent_on=SENT_ON, sent_by=by, collect_until=COLLECT_UNTIL,
        statistics_due=DUE, publication_due=DUE,
        closed_at=COLLECT_UNTIL if status != Status.COLLECTING else None,
    )  # fmt: skip
    rows = list(returned)
    Questionnaire.objects.bulk_create(
        Questionnaire(
            community=community, round=survey_round, unit=unit, token=secrets.token_urlsafe(24),
            **(
                {"returned_at": COLLECT_UNTIL - datetime.timedelta(days=2), "channel": "paper",
                 "answers": rows[i][0], "suggestion_topic": rows[i][1], "suggestion": rows[i][2]}
                if i < len(rows) else {}
            ),
        )
        for i, unit in enumerate(units(community, sent, building=building))
    )  # fmt: skip
    if deadlines:
        for kind in (KIND_STATISTICS, KIND_PUBLICATION):
            deadline_open(
                case=survey_round, community=community, kind=kind, title=f"{kind} {survey_round.pk}",
                link="/", due_at=DUE, responsible_user=by,
            )  # fmt: skip
    return survey_round


def all_satisfied(n: int) -> list:
    return [({"security": [S], "cleaning": [S], "greening": [S]}, "", "")] * n


def figures_of(stats) -> dict:
    """What the table shows, as plain values (for comparing two reads)."""
    return {
        "sent": stats.sent,
        "returned": stats.returned,
        "return_rate": stats.return_rate,
        "penalty": stats.penalty,
        "adjusted": stats.adjusted_rate,
        "items": [
            (i.key, i.satisfied, i.basic, i.dissatisfied, i.blank, i.multiple, i.abstained, i.rate)
            for i in [*stats.items, stats.overall]
        ],
        "pareto": [(p.key, p.dissatisfied, p.cumulative, p.main) for p in stats.pareto],
        "suggestions": [(g.topic, g.count, [e["text"] for e in g.entries]) for g in stats.suggestions],
    }


# -- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def july():
    """Time stands still on 6 July 2026, 10:00 — before the deadlines of 24:00 on 14 July."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def closed(july, community_a, sam):
    """Community A's June round, collection closed: the hand-worked questionnaires."""
    return build_round(community_a, sam, sent=10, returned=HAND_WORKED)


def _finish(survey_round, by, analysis="业主最关注保洁质量与垃圾清运时间。"):
    return round_report.round_statistics_finish(round_id=survey_round.pk, by=by, analysis=analysis)


def _publish(survey_round, by, measures="1. 保洁：增加每日巡查两次。"):
    return round_report.round_publish(round_id=survey_round.pk, by=by, measures=measures)


def _copy(survey_round, by, sent_on=None, how="纸质版当面交品质部"):
    return round_report.round_quality_copy(
        round_id=survey_round.pk, by=by, sent_on=sent_on or NOW.date(), how=how
    )


# -- the figures (R-SUR-2 … R-SUR-6) -----------------------------------------------------------------------


def test_it_counts_the_hand_worked_round(closed):
    stats = round_report.round_statistics(round_=closed)
    assert stats.provisional is True
    assert (stats.sent, stats.returned, stats.return_rate) == (10, 6, "60.0")
    assert figures_of(stats)["items"] == [
        ("security", 4, 1, 1, 0, 0, 0, "83.3"),
        ("cleaning", 0, 2, 3, 0, 1, 1, "40.0"),  # R-SUR-5: two ticks is an abstention
        ("greening", 1, 1, 2, 2, 0, 2, "50.0"),  # R-SUR-5: left blank, or not answered at all
        ("", 5, 4, 6, 2, 1, 3, "60.0"),  # R-SUR-3 overall: pooled, 9/15
    ]
    # R-SUR-2 met exactly at 60%: no penalty (R-SUR-4), the adjusted rate is the overall rate.
    assert (stats.below_minimum, stats.penalty, stats.adjusted_rate) == (False, "0.0", "60.0")
    assert stats.has_penalty is False
    # R-SUR-6: the item that crosses 80% is out; the first item is in.
    assert figures_of(stats)["pareto"] == [
        ("cleaning", 3, "50.0", True),
        ("greening", 2, "83.3", False),
        ("security", 1, "100.0", False),
    ]
    assert [row.label for row in stats.main_items] == ["Cleaning"]


def test_it_groups_the_suggestions_by_topic_with_their_units(closed):
    """R-SUR-7: the biggest group first; the round's items, then the topics not rated, then none."""
    stats = round_report.round_statistics(round_=closed)
    assert figures_of(stats)["suggestions"] == [
        ("cleaning", 2, ["保洁不及时", "垃圾清运太晚"]),
        ("difficulties", 1, ["希望照顾独居老人"]),
        ("other", 1, ['=HYPERLINK("x")']),
        ("", 1, ["楼道灯坏了"]),
    ]
    assert [g.label for g in stats.suggestions] == [
        "Cleaning", "Special difficulties and needs", "Other", "No topic given",
    ]  # fmt: skip
    assert stats.suggestions[0].entries[0]["unit"] == "8栋1单元101室"
    assert stats.suggestion_count == 5


def test_it_shows_the_penalty_below_60_percent(july, community_a, sam):
    """R-SUR-2, R-SUR-4: 11 of 20 is 55%, five points below 60: 25 points off 100.0."""
    survey_round = build_round(community_a, sam, sent=20, returned=all_satisfied(11))
    stats = round_report.round_statistics(round_=survey_round)
    assert (stats.return_rate, stats.overall.rate, stats.penalty, stats.adjusted_rate) == (
        "55.0", "100.0", "25.0", "75.0",
    )  # fmt: skip
    assert stats.below_minimum is True and stats.has_penalty is True


def test_it_shows_a_dash_when_nothing_came_back(july, community_a, sam):
    """A rate with nothing to divide by is "—", never 0 and never a crash (R-SUR-3)."""
    survey_round = build_round(community_a, sam, sent=10, returned=[])
    stats = round_report.round_statistics(round_=survey_round)
    assert (stats.return_rate, stats.penalty) == ("0.0", "300.0")
    assert (stats.overall.rate, stats.adjusted_rate) == ("—", "—")
    assert {line.rate for line in stats.items} == {"—"}
    assert stats.pareto == [] and stats.suggestions == []
    assert stats.has_penalty is True  # far below 60%: explained, though there is no rate to lower


def test_it_shows_a_dash_when_nothing_was_sent(july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=0, status=Status.DRAFT, deadlines=False)
    stats = round_report.round_statistics(round_=survey_round)
    assert (stats.sent, stats.return_rate, stats.penalty, stats.adjusted_rate) == (0, "—", "—", "—")


def test_it_ignores_an_answer_to_an_item_the_round_does_not_ask(july, community_a, sam):
    survey_round = build_round(
        community_a, sam, sent=1, returned=[({"security": [S], "parking": [D]}, "", "")]
    )
    stats = round_report.round_statistics(round_=survey_round)
    security = stats.items[0]
    assert (security.key, security.satisfied, security.dissatisfied) == ("security", 1, 0)
    assert stats.overall.dissatisfied == 0


@pytest.mark.parametrize("n", [5, 50])
def test_it_reads_the_figures_in_two_queries(july, community_a, sam, django_assert_num_queries, n):
    survey_round = build_round(community_a, sam, sent=n, returned=HAND_WORKED[:1] * n)
    with django_assert_num_queries(2):  # the delivery list's count; the returned rows with their units
        stats = round_report.round_statistics(round_=survey_round)
    assert stats.returned == n


def test_it_keeps_the_snapshot_json_serialisable(closed):
    import json

    snapshot = round_report.round_snapshot(closed)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["overall"]["rate"] == "60.0" and snapshot["pareto"][0]["main"] is True


# -- finishing the statistics (R-SUR-7) ----------------------------------------------------------------------


def test_it_finishes_the_statistics_with_a_snapshot(closed, sam):
    finished = _finish(closed, sam)
    closed.refresh_from_db()
    assert closed.status == Status.REPORTED
    assert closed.reported_by == sam and closed.reported_at == NOW
    assert closed.analysis == "业主最关注保洁质量与垃圾清运时间。"
    assert closed.figures["sent"] == 10 and closed.figures["return_rate"] == "60.0"
    assert closed.figures["items"][1] == {
        "key": "cleaning", "label": "", "satisfied": 0, "basic": 2, "dissatisfied": 3, "blank": 0,
        "multiple": 1, "rate": "40.0",
    }  # fmt: skip
    event = SurveyEvent.objects.get(round=closed, kind="round.reported")
    assert (event.actor, event.from_status, event.to_status) == (sam, Status.CLOSED, Status.REPORTED)
    assert event.data["overall"] == "60.0"
    assert finished.pk == closed.pk


def test_it_never_changes_the_finished_figures(closed, sam):
    """R-SUR-7: once finished, a questionnaire edited later changes nothing on the table."""
    before = figures_of(round_report.round_statistics(round_=closed))
    _finish(closed, sam)
    Questionnaire.objects.filter(round=closed).update(
        answers={"security": [D], "cleaning": [D], "greening": [D]}, suggestion="改过了", suggestion_topic=""
    )
    Questionnaire.objects.filter(round=closed, returned_at__isnull=True).update(
        returned_at=NOW, channel="paper"
    )
    closed.refresh_from_db()
    stats = round_report.round_statistics(round_=closed)
    assert stats.provisional is False
    assert figures_of(stats) == before


def test_it_reads_the_finished_figures_without_a_query(closed, sam, django_assert_num_queries):
    _finish(closed, sam)
    closed.refresh_from_db()
    with django_assert_num_queries(0):
        round_report.round_statistics(round_=closed)


def test_it_meets_the_statistics_deadline_on_time(closed, sam):
    _finish(closed, sam)
    row = Deadline.objects.get(kind=KIND_STATISTICS)
    assert (row.met_at, row.met_by, row.met_late) == (NOW, sam, False)
    assert Deadline.objects.get(kind=KIND_PUBLICATION).met_at is None


def test_it_records_a_late_statistics_table_as_late(closed, sam, july):
    july.move_to(DUE + datetime.timedelta(days=3))
    _finish(closed, sam)
    assert Deadline.objects.get(kind=KIND_STATISTICS).met_late is True


@pytest.mark.parametrize("status", [Status.DRAFT, Status.COLLECTING, Status.REPORTED, Status.PUBLISHED])
def test_it_finishes_only_a_closed_round(july, community_a, sam, status):
    survey_round = build_round(community_a, sam, sent=10, returned=HAND_WORKED, status=status)
    message = "already finished" if status in (Status.REPORTED, Status.PUBLISHED) else "once the collection"
    with pytest.raises(SurveyError, match=message):
        _finish(survey_round, sam)
    survey_round.refresh_from_db()
    assert survey_round.status == status and survey_round.figures is None
    assert not SurveyEvent.objects.filter(round=survey_round).exists()
    assert not Deadline.objects.filter(met_at__isnull=False).exists()


def test_it_requires_the_analysis(closed, sam):
    with pytest.raises(SurveyError, match="analysis of the owners' main needs"):
        _finish(closed, sam, analysis="   ")
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED and closed.figures is None


def test_it_lets_only_the_survey_staff_of_the_community_finish(closed, pete, cora, quinn, mona):
    for user in (pete, cora, quinn):  # property supervisor (reads only), B's CS supervisor, quality
        with pytest.raises(SurveyError, match="runs its satisfaction survey"):
            _finish(closed, user)
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED and not SurveyEvent.objects.exists()
    _finish(closed, mona)  # the CS center manager may
    closed.refresh_from_db()
    assert closed.status == Status.REPORTED


# -- publishing the measures (R-SUR-7) -----------------------------------------------------------------------


def test_it_publishes_the_measures_with_a_notice(closed, sam):
    _finish(closed, sam)
    _publish(closed, sam)
    closed.refresh_from_db()
    assert closed.status == Status.PUBLISHED
    assert (closed.published_by, closed.published_at) == (sam, NOW)
    assert closed.measures == "1. 保洁：增加每日巡查两次。"
    notice = Notice.objects.get(survey_round=closed)
    with translation.override(settings.LANGUAGE_CODE):  # the notice is in the site's language
        title = round_report.round_title(closed)
        signed = round_report.service_center_name(closed.community)
    assert (notice.kind, notice.status, notice.title, notice.signed_by) == (
        Notice.Kind.SURVEY_RESULT, Notice.Status.PUBLISHED, title, signed,
    )  # fmt: skip
    assert (notice.published_at, notice.published_by, notice.created_by) == (NOW, sam, sam)
    assert notice.community_id == closed.community_id
    assert "1. 保洁：增加每日巡查两次。" in notice.body and "60.0%" in notice.body
    event = SurveyEvent.objects.get(round=closed, kind="round.published")
    assert event.data == {"notice": notice.pk} and event.to_status == Status.PUBLISHED
    row = Deadline.objects.get(kind=KIND_PUBLICATION)
    assert (row.met_at, row.met_late) == (NOW, False)


def test_it_titles_the_notice_with_the_community_year_and_month(closed):
    assert round_report.round_title(closed) == "阳光花园 owner satisfaction survey results, 6/2026"


def test_it_prefills_the_measures_from_the_main_improvement_items(closed):
    text = round_report.measures_suggestion(round_report.round_statistics(round_=closed))
    assert text.splitlines() == ["Measures for the main improvement items:", "1. Cleaning (3 dissatisfied): "]


def test_it_writes_the_penalty_into_the_notice(july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=20, returned=all_satisfied(11))
    _finish(survey_round, sam)
    _publish(survey_round, sam)
    body = Notice.objects.get().body
    # Written for the owners in the site's language (zh-hans), item names included.
    assert "满意率扣减25.0个百分点，调整后为75.0%" in body and "回收率55.0%" in body
    assert "治安 100.0%" in body and "Security" not in body


@pytest.mark.parametrize("status", [Status.COLLECTING, Status.CLOSED])
def test_it_publishes_only_after_the_statistics(july, community_a, sam, status):
    survey_round = build_round(community_a, sam, sent=10, returned=HAND_WORKED, status=status)
    with pytest.raises(SurveyError, match="once the statistics are finished"):
        _publish(survey_round, sam)
    survey_round.refresh_from_db()
    assert survey_round.status == status and not Notice.objects.exists()


def test_it_publishes_once(closed, sam):
    _finish(closed, sam)
    _publish(closed, sam)
    with pytest.raises(SurveyError, match="already published"):
        _publish(closed, sam, measures="另一份")
    assert Notice.objects.count() == 1


def test_it_requires_the_measures(closed, sam):
    _finish(closed, sam)
    with pytest.raises(SurveyError, match="improvement measures"):
        _publish(closed, sam, measures="")
    closed.refresh_from_db()
    assert closed.status == Status.REPORTED and not Notice.objects.exists()


def test_it_lets_only_the_survey_staff_publish(closed, sam, pete, cora):
    _finish(closed, sam)
    for user in (pete, cora):
        with pytest.raises(SurveyError, match="runs its satisfaction survey"):
            _publish(closed, user)
    assert not Notice.objects.exists()


# -- the copy to the quality department (R-SUR-7) ------------------------------------------------------------


def test_it_records_the_copy_and_tells_the_quality_department(closed, sam, quinn):
    _finish(closed, sam)
    _copy(closed, sam)
    closed.refresh_from_db()
    assert (closed.quality_copy_on, closed.quality_copy_by, closed.quality_copy_note) == (
        NOW.date(), sam, "纸质版当面交品质部",
    )  # fmt: skip
    event = SurveyEvent.objects.get(round=closed, kind="round.quality_copy")
    assert event.data == {"sent_on": "2026-07-06"} and event.note == "纸质版当面交品质部"
    (note,) = Notification.objects.filter(recipient=quinn)
    assert note.link == f"/surveys/rounds/{closed.pk}/statistics/"
    assert "阳光花园" in note.text and "2026-07-06" in note.text


def test_it_records_the_copy_after_publication_too(closed, sam, quinn):
    _finish(closed, sam)
    _publish(closed, sam)
    _copy(closed, sam)
    closed.refresh_from_db()
    assert closed.quality_copy_on == NOW.date()


def test_it_records_the_copy_once(closed, sam, quinn):
    _finish(closed, sam)
    _copy(closed, sam)
    with pytest.raises(SurveyError, match="already recorded"):
        _copy(closed, sam, how="再送一次")
    assert SurveyEvent.objects.filter(kind="round.quality_copy").count() == 1


def test_it_records_the_copy_only_once_the_statistics_are_finished(closed, sam, quinn):
    with pytest.raises(SurveyError, match="once the statistics are finished"):
        _copy(closed, sam)
    closed.refresh_from_db()
    assert closed.quality_copy_on is None and not Notification.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "cannot be in the future"), (-1, "before the statistics were finished")],
)
def test_it_refuses_a_copy_date_out_of_range(closed, sam, quinn, days, message):
    _finish(closed, sam)
    with pytest.raises(SurveyError, match=message):
        _copy(closed, sam, sent_on=NOW.date() + datetime.timedelta(days=days))
    closed.refresh_from_db()
    assert closed.quality_copy_on is None and not Notification.objects.exists()


def test_it_requires_how_the_copy_was_sent(closed, sam):
    _finish(closed, sam)
    with pytest.raises(SurveyError, match="how the copy was sent"):
        _copy(closed, sam, how=" ")


def test_it_lets_only_the_survey_staff_record_the_copy(closed, sam, quinn, pete):
    _finish(closed, sam)
    for user in (quinn, pete):
        with pytest.raises(SurveyError, match="runs its satisfaction survey"):
            _copy(closed, user)
    closed.refresh_from_db()
    assert closed.quality_copy_on is None


# -- the deadlines on the page (R-SUR-7) ---------------------------------------------------------------------


def test_it_lists_the_statistics_and_publication_deadlines(closed, sam, july):
    lines = round_report.round_deadlines(round_=closed)
    assert [(d.kind, d.due_text, d.is_met, d.is_overdue) for d in lines] == [
        (KIND_STATISTICS, "by 24:00 on 2026-07-14", False, False),
        (KIND_PUBLICATION, "by 24:00 on 2026-07-14", False, False),
    ]
    _finish(closed, sam)
    july.move_to(DUE + datetime.timedelta(hours=1))
    closed.refresh_from_db()
    statistics, publication = round_report.round_deadlines(round_=closed)
    assert (statistics.is_met, statistics.met_late, statistics.is_overdue) == (True, False, False)
    assert (publication.is_met, publication.is_overdue) == (False, True)


def test_it_falls_back_on_the_round_s_dates_without_ledger_rows(july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=2, returned=all_satisfied(2), deadlines=False)
    lines = round_report.round_deadlines(round_=survey_round)
    assert [(d.due_at, d.met_at) for d in lines] == [(DUE, None), (DUE, None)]
