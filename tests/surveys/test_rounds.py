"""Survey rounds (R-SUR-1, R-SUR-7, R-TIME-1): creating a round of June or December, sending it (the
delivery list of occupied units, the coverage of every entrance, three ledger deadlines counted in
working days), closing the collection by hand and by beat, and the questionnaire templates.

Builders shared by the other round test modules live here (no conftest changes): `estate`,
`new_round`, `sent_round`, the `june` clock and the actors `sam` … from tests/surveys/conftest.py.
"""

import datetime

import pytest
import time_machine
from django.utils import translation

from archives.models import Unit
from propsvc.calendar import calendar_year_enter
from propsvc.models import AuditEntry, CalendarYear, Deadline, Notification
from propsvc.roles import Role
from surveys import round_selectors, rounds
from surveys.models import (
    KIND_COLLECTION,
    KIND_PUBLICATION,
    KIND_STATISTICS,
    Questionnaire,
    QuestionnaireTemplate,
    SurveyEvent,
    SurveyRound,
)
from surveys.services import SurveyError
from surveys.tasks import close_survey_rounds
from tests.conftest import _member
from tests.factories import BuildingFactory, UnitFactory
from tests.surveys.conftest import SHANGHAI

Status = SurveyRound.Status
JUNE_MORNING = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
JUNE_1 = datetime.date(2026, 6, 1)  # a Monday
# R-SUR-1, R-TIME-1, worked by hand from Monday 1 June 2026: counting starts on 2 June; Friday 19 June
# is the Dragon Boat Festival (端午节, off). 2–5 June (4), 8–12 (9), 15–18 (13), 22 (14), 23 (15): the
# 15th working day is Tuesday 23 June, so the collection closes at 24:00 on 23 June.
JUNE_COLLECT_UNTIL = datetime.datetime(2026, 6, 24, 0, 0, tzinfo=SHANGHAI)
# R-SUR-7: 24–26 June (18), 29–30 (20), 1–3 July (23), 6–10 (28), 13 (29), 14 (30): 24:00 on 14 July.
JUNE_DUE = datetime.datetime(2026, 7, 15, 0, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def june():
    """Time stands still on Wednesday 10 June 2026, 10:00 (Shanghai) until a test moves it."""
    with time_machine.travel(JUNE_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin_user(db):
    return _member("ada", None, Role.ADMIN)


def estate(community) -> dict[str, Unit]:
    """Community units: 3栋1单元 (101 owner-occupied, 102 rented, 201 vacant), 3栋2单元 (1101, 1202
    occupied), 5栋1单元 (two units, both vacant: the entrance a delivery list cannot cover)."""
    three = BuildingFactory(community=community, number="3")
    five = BuildingFactory(community=community, number="5")
    occupied, rented, vacant = Unit.Use.OCCUPIED, Unit.Use.RENTED, Unit.Use.VACANT
    spec = {
        "3-1-101": (three, 1, 1, "101", occupied),
        "3-1-102": (three, 1, 1, "102", rented),
        "3-1-201": (three, 1, 2, "201", vacant),
        "3-2-1101": (three, 2, 11, "1101", occupied),
        "3-2-1202": (three, 2, 12, "1202", occupied),
        "5-1-101": (five, 1, 1, "101", vacant),
        "5-1-102": (five, 1, 1, "102", vacant),
    }
    return {
        name: UnitFactory(building=b, entrance=e, floor=f, room=r, use=use)
        for name, (b, e, f, r, use) in spec.items()
    }


def new_round(by, community, *, year: int = 2026, period: int = 6, **kwargs) -> SurveyRound:
    return rounds.survey_round_create(by=by, community_id=community.pk, year=year, period=period, **kwargs)


def sent_round(by, community, *, on: datetime.date = JUNE_1, **kwargs) -> SurveyRound:
    survey_round = new_round(by, community, year=on.year, period=on.month, **kwargs)
    return rounds.survey_round_send(round_id=survey_round.pk, by=by, sent_on=on)


def refused(call, message: str | None = None) -> SurveyError:
    with pytest.raises(SurveyError) as info:
        call()
    if message is not None:
        assert message in str(info.value)
    return info.value


# -- creating a round (R-SUR-1) -----------------------------------------------------------------------------


def test_it_creates_a_round_with_the_default_template_s_items(june, sam, community_a):
    survey_round = new_round(sam, community_a)
    default = QuestionnaireTemplate.objects.get(is_default=True)
    assert survey_round.status == Status.DRAFT
    assert survey_round.template == default and survey_round.items == default.items
    assert survey_round.item_keys[:3] == ["security", "cleaning", "greening"]
    assert survey_round.item_labels[0] == "Security"  # an empty label is the R-VIS-5 topic, translated
    event = SurveyEvent.objects.get(round=survey_round)
    assert (event.kind, event.actor, event.to_status) == ("round.created", sam, "draft")


def test_it_allows_one_round_per_community_and_period(june, sam, mona, community_a):
    first = new_round(sam, community_a)
    error = refused(lambda: new_round(mona, community_a), "already has the round of 2026-06")
    assert first.number in str(error)
    assert new_round(sam, community_a, period=12).period == 12  # December is another round
    assert SurveyRound.objects.count() == 2


def test_it_surveys_only_in_june_and_december(june, sam, community_a):
    refused(lambda: new_round(sam, community_a, period=7), "June and December")
    assert not SurveyRound.objects.exists()


def test_it_lets_only_the_survey_staff_of_the_community_create(june, sam, pete, cora, quinn, community_a):
    for user in (pete, cora, quinn):
        refused(lambda user=user: new_round(user, community_a), "may not run satisfaction surveys")
    assert new_round(sam, community_a)


def test_it_keeps_the_round_s_items_when_the_template_changes(june, sam, quinn, community_a):
    template = rounds.questionnaire_template_create(by=quinn, name="简版问卷", lines=["秩序维护", "保洁"])
    survey_round = new_round(sam, community_a, template_id=template.pk)
    rounds.questionnaire_template_update(
        by=quinn, template_id=template.pk, name="简版问卷", lines=["绿化"], is_default=False, is_active=True
    )
    survey_round.refresh_from_db()
    assert survey_round.item_labels == ["秩序维护", "保洁"]


def test_it_refuses_a_template_out_of_use(june, sam, quinn, community_a):
    template = rounds.questionnaire_template_create(by=quinn, name="旧问卷", lines=["保洁"], is_active=False)
    refused(lambda: new_round(sam, community_a, template_id=template.pk), "template in use")


# -- sending (R-SUR-1, R-SUR-7, R-TIME-1) --------------------------------------------------------------------


def test_it_sends_one_questionnaire_per_occupied_unit(june, sam, community_a):
    units = estate(community_a)
    survey_round = sent_round(sam, community_a)
    sent = Questionnaire.objects.filter(round=survey_round)
    expected = {units[k].pk for k in ("3-1-101", "3-1-102", "3-2-1101", "3-2-1202")}  # R-SUR-1
    assert set(sent.values_list("unit_id", flat=True)) == expected
    tokens = list(sent.values_list("token", flat=True))
    assert len(set(tokens)) == 4 and all(16 <= len(t) <= 32 for t in tokens)
    assert not sent.filter(returned_at__isnull=False).exists()
    assert survey_round.status == Status.COLLECTING and survey_round.sent_by == sam
    event = SurveyEvent.objects.get(round=survey_round, kind="round.sent")
    assert event.data["sent"] == 4 and (event.from_status, event.to_status) == ("draft", "collecting")


def test_it_counts_the_window_and_the_deadlines_in_working_days(june, sam, community_a):
    estate(community_a)
    survey_round = sent_round(sam, community_a)
    assert survey_round.sent_on == JUNE_1
    assert survey_round.collect_until == JUNE_COLLECT_UNTIL
    assert survey_round.statistics_due == JUNE_DUE == survey_round.publication_due


@pytest.mark.django_db
def test_it_counts_15_working_days_across_national_day():
    """R-SUR-1, R-TIME-1, by hand from Monday 28 September 2026: 29, 30 September (2); 1–7 October
    off (国庆节); Thursday 8, Friday 9 (4); Saturday 10 October is an adjusted workday (5); 12–16 (10);
    19–23 (15). The 15th working day is Friday 23 October: the collection closes at 24:00 on it."""
    collect_until, statistics_due, _publication = rounds.round_deadlines(datetime.date(2026, 9, 28))
    assert collect_until == datetime.datetime(2026, 10, 24, 0, 0, tzinfo=SHANGHAI)
    # 30 working days: 26–30 October (20), 2–6 November (25), 9–13 November (30).
    assert statistics_due == datetime.datetime(2026, 11, 14, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_it_counts_national_day_from_the_day_after_sending():
    # Sent on Wednesday 30 September: 1–7 October off, then 8 (1), 9 (2), Saturday 10 (3), 12–16 (8),
    # 19–23 (13), 26 (14), 27 (15): 24:00 on Tuesday 27 October.
    collect_until, _s, _p = rounds.round_deadlines(datetime.date(2026, 9, 30))
    assert collect_until == datetime.datetime(2026, 10, 28, 0, 0, tzinfo=SHANGHAI)


def test_it_opens_three_ledger_deadlines_on_the_first_cs_supervisor(june, sam, mona, community_a):
    second = _member("sara", community_a, Role.CS_SUPERVISOR)
    estate(community_a)
    survey_round = sent_round(mona, community_a)
    rows = {
        d.kind: d for d in Deadline.objects.filter(object_id=survey_round.pk, kind__startswith="surveys.")
    }
    assert set(rows) == {KIND_COLLECTION, KIND_STATISTICS, KIND_PUBLICATION}
    assert rows[KIND_COLLECTION].due_at == JUNE_COLLECT_UNTIL
    assert rows[KIND_STATISTICS].due_at == JUNE_DUE == rows[KIND_PUBLICATION].due_at
    for row in rows.values():
        assert row.responsible_user == sam != second  # the first CS supervisor by membership
        assert row.escalate_role == Role.CS_MANAGER and row.community == community_a and row.met_at is None
        assert row.link == f"/surveys/rounds/{survey_round.pk}/"


def test_it_refuses_a_day_of_sending_in_the_future(june, sam, community_a):
    estate(community_a)
    survey_round = new_round(sam, community_a)
    refused(
        lambda: rounds.survey_round_send(
            round_id=survey_round.pk, by=sam, sent_on=datetime.date(2026, 6, 11)
        ),
        "cannot be in the future",
    )


@pytest.mark.parametrize("day", [datetime.date(2026, 5, 29), datetime.date(2025, 6, 2)])
def test_it_sends_in_the_round_s_own_month(june, sam, community_a, day):
    estate(community_a)
    survey_round = new_round(sam, community_a)
    refused(lambda: rounds.survey_round_send(round_id=survey_round.pk, by=sam, sent_on=day), "2026-06")
    survey_round.refresh_from_db()
    assert survey_round.status == Status.DRAFT and not Questionnaire.objects.exists()


def test_it_refuses_a_community_without_occupied_units(june, sam, community_a):
    UnitFactory(building__community=community_a, use=Unit.Use.VACANT)
    survey_round = new_round(sam, community_a)
    refused(
        lambda: rounds.survey_round_send(round_id=survey_round.pk, by=sam, sent_on=JUNE_1), "no occupied unit"
    )
    assert not Deadline.objects.exists()


def test_it_sends_once(june, sam, community_a):
    estate(community_a)
    survey_round = sent_round(sam, community_a)
    refused(
        lambda: rounds.survey_round_send(round_id=survey_round.pk, by=sam, sent_on=JUNE_1),
        "already been sent",
    )
    assert Questionnaire.objects.count() == 4


def test_it_refuses_to_send_when_the_deadlines_reach_an_unentered_year(sam, community_a, admin_user):
    """R-SUR-7: sent on 1 December 2026, the 30 working days run into 2027, whose schedule is not
    entered: nothing is sent, and the message names the year and the administrator."""
    assert not CalendarYear.objects.filter(year=2027).exists()
    with time_machine.travel(at(12, 1), tick=False):
        estate(community_a)
        survey_round = new_round(sam, community_a, period=12)
        send = lambda: rounds.survey_round_send(  # noqa: E731
            round_id=survey_round.pk, by=sam, sent_on=datetime.date(2026, 12, 1)
        )
        error = refused(send, "2027")
        assert "system administrator must enter the official holiday schedule for 2027" in str(error)
        survey_round.refresh_from_db()
        assert survey_round.status == Status.DRAFT and survey_round.collect_until is None
        assert not Questionnaire.objects.exists() and not Deadline.objects.exists()
        assert not SurveyEvent.objects.filter(kind="round.sent").exists()
        # Once the administrator has entered 2027 (元旦 on Friday 1 January), it goes out.
        calendar_year_enter(
            by=admin_user, year=2027, holidays=[(datetime.date(2027, 1, 1), "元旦")], workdays=[]
        )
        survey_round = send()
    # 2–4 December (3), 7–11 (8), 14–18 (13), 21, 22 (15): 24:00 on 22 December 2026.
    assert survey_round.collect_until == datetime.datetime(2026, 12, 23, tzinfo=SHANGHAI)
    # 23–25 (18), 28–31 (22); 1 January off; 4–8 (27), 11–13 (30): 24:00 on 13 January 2027.
    assert survey_round.statistics_due == datetime.datetime(2027, 1, 14, tzinfo=SHANGHAI)


def test_it_lets_only_the_survey_staff_of_the_community_send(june, sam, pete, cora, community_a):
    estate(community_a)
    survey_round = new_round(sam, community_a)
    for user in (pete, cora):
        refused(lambda user=user: rounds.survey_round_send(round_id=survey_round.pk, by=user, sent_on=JUNE_1))
    assert not Questionnaire.objects.exists()


# -- coverage (R-SUR-1: every entrance) --------------------------------------------------------------------


def test_it_shows_the_delivery_list_to_come_before_sending(june, sam, community_a):
    estate(community_a)
    survey_round = new_round(sam, community_a)
    lines = {line.label: line for line in round_selectors.round_coverage(survey_round=survey_round)}
    assert [(k, v.units, v.occupied, v.questionnaires) for k, v in lines.items()] == [
        ("3栋1单元", 3, 2, 2),
        ("3栋2单元", 2, 2, 2),
        ("5栋1单元", 2, 0, 0),
    ]
    assert [line.label for line in lines.values() if line.is_uncovered] == ["5栋1单元"]


def test_it_shows_the_coverage_of_the_sent_round(june, sam, community_a):
    units = estate(community_a)
    survey_round = sent_round(sam, community_a)
    # The register changes after sending: the delivery list does not.
    Unit.objects.filter(pk=units["5-1-101"].pk).update(use=Unit.Use.OCCUPIED)
    lines = round_selectors.round_coverage(survey_round=survey_round)
    assert [(line.label, line.occupied, line.questionnaires) for line in lines] == [
        ("3栋1单元", 2, 2),
        ("3栋2单元", 2, 2),
        ("5栋1单元", 1, 0),
    ]
    assert [line.is_uncovered for line in lines] == [False, False, True]


def test_it_reads_the_coverage_in_two_queries(june, sam, community_a, django_assert_num_queries):
    estate(community_a)
    survey_round = sent_round(sam, community_a)
    with django_assert_num_queries(2):  # the units by entrance; the questionnaires by entrance
        assert len(round_selectors.round_coverage(survey_round=survey_round)) == 3


# -- closing the collection (R-SUR-1) ------------------------------------------------------------------------


def test_it_closes_the_collection_by_hand(june, sam, community_a):
    estate(community_a)
    survey_round = sent_round(sam, community_a)
    survey_round = rounds.survey_round_close(round_id=survey_round.pk, by=sam)
    assert survey_round.status == Status.CLOSED and survey_round.closed_at == JUNE_MORNING
    row = Deadline.objects.get(object_id=survey_round.pk, kind=KIND_COLLECTION)
    assert row.met_at == JUNE_MORNING and row.met_by == sam
    assert Deadline.objects.filter(object_id=survey_round.pk, met_at__isnull=True).count() == 2
    refused(lambda: rounds.survey_round_close(round_id=survey_round.pk, by=sam), "nothing to close")
    assert SurveyEvent.objects.filter(round=survey_round, kind="round.closed").count() == 1


def test_it_closes_only_a_collecting_round(june, sam, community_a):
    survey_round = new_round(sam, community_a)
    refused(lambda: rounds.survey_round_close(round_id=survey_round.pk, by=sam), "nothing to close")


def test_it_lets_only_the_survey_staff_close(june, sam, pete, cora, community_a):
    estate(community_a)
    survey_round = sent_round(sam, community_a)
    for user in (pete, cora):
        refused(lambda user=user: rounds.survey_round_close(round_id=survey_round.pk, by=user))
    survey_round.refresh_from_db()
    assert survey_round.status == Status.COLLECTING


def test_beat_closes_the_rounds_whose_window_is_over(june, sam, cora, community_a, community_b):
    estate(community_a)
    estate(community_b)
    due = sent_round(sam, community_a)
    later = sent_round(cora, community_b, on=datetime.date(2026, 6, 5))
    june.move_to(JUNE_COLLECT_UNTIL - datetime.timedelta(minutes=1))
    assert close_survey_rounds() == 0  # 23:59 on the last day: still open
    june.move_to(JUNE_COLLECT_UNTIL + datetime.timedelta(minutes=7))
    with translation.override("zh-hans"):  # beat writes in the site's language
        assert close_survey_rounds() == 1
    assert close_survey_rounds() == 0  # a rerun, or a second worker, closes nothing twice
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.CLOSED and due.closed_at == JUNE_COLLECT_UNTIL
    assert later.status == Status.COLLECTING
    row = Deadline.objects.get(object_id=due.pk, kind=KIND_COLLECTION)
    assert row.met_at == JUNE_COLLECT_UNTIL and row.met_by is None and not row.met_late
    event = SurveyEvent.objects.get(round=due, kind="round.closed")
    assert event.actor is None and event.data == {"automatic": True}
    note = Notification.objects.get(recipient=sam)
    assert "发放4份，回收0份" in note.text and note.link == due.get_absolute_url()


def test_the_beat_leaves_a_round_closed_by_hand_alone(june, sam, community_a):
    estate(community_a)
    survey_round = sent_round(sam, community_a)
    rounds.survey_round_close(round_id=survey_round.pk, by=sam)
    june.move_to(JUNE_COLLECT_UNTIL + datetime.timedelta(hours=1))
    assert close_survey_rounds() == 0
    assert rounds.survey_round_close_due(round_id=survey_round.pk) is False


# -- the questionnaire templates (company level) -------------------------------------------------------------


def test_it_creates_a_template_with_generated_keys(db, quinn):
    template = rounds.questionnaire_template_create(
        by=quinn, name="简版问卷", lines=["  秩序维护 ", "", "保洁质量"]
    )
    assert [i["label"] for i in template.items] == ["秩序维护", "保洁质量"]
    keys = [i["key"] for i in template.items]
    assert len(set(keys)) == 2 and all(k.startswith("c") and len(k) <= 40 for k in keys)
    assert not template.is_default  # the seeded questionnaire stays the default
    assert AuditEntry.objects.filter(kind="surveys.template_saved", actor=quinn).exists()


def test_it_keeps_the_keys_of_unchanged_items(db, quinn):
    default = QuestionnaireTemplate.objects.get(is_default=True)
    lines = [*default.item_labels, "物业费收支公开"]  # shown in the edit page's language
    template = rounds.questionnaire_template_update(
        by=quinn, template_id=default.pk, name=default.name, lines=lines, is_default=True, is_active=True
    )
    assert template.items[:-1] == [{"key": i["key"], "label": ""} for i in default.items]
    assert template.items[-1]["label"] == "物业费收支公开"


def test_it_keeps_one_default(db, quinn):
    old = QuestionnaireTemplate.objects.get(is_default=True)
    new = rounds.questionnaire_template_create(by=quinn, name="2027版", lines=["保洁"], is_default=True)
    old.refresh_from_db()
    assert new.is_default and not old.is_default
    assert QuestionnaireTemplate.objects.filter(is_default=True).count() == 1


def test_it_never_takes_the_default_out_of_use(db, quinn):
    default = QuestionnaireTemplate.objects.get(is_default=True)
    update = lambda **kw: rounds.questionnaire_template_update(  # noqa: E731
        by=quinn, template_id=default.pk, name=default.name, lines=default.item_labels, **kw
    )
    refused(lambda: update(is_default=True, is_active=False), "must be in use")
    refused(lambda: update(is_default=False, is_active=True), "make another one the default")


@pytest.mark.parametrize(
    ("lines", "message"),
    [([], "at least one item"), (["保洁", "保洁"], "listed twice"), (["长" * 61], "longer than 60")],
)
def test_it_checks_the_items(db, quinn, lines, message):
    refused(lambda: rounds.questionnaire_template_create(by=quinn, name="问卷", lines=lines), message)


def test_it_lets_only_the_quality_department_edit_templates(db, sam, quinn):
    refused(lambda: rounds.questionnaire_template_create(by=sam, name="问卷", lines=["保洁"]), "quality")
    refused(
        lambda: rounds.questionnaire_template_create(by=quinn, name="业户满意度调查问卷", lines=["保洁"]),
        "already",
    )
