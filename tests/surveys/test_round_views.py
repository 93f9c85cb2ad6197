"""The survey round pages (STYLE.md 20–23): the list, a new round, the round page with its coverage and
steps (send, close), the paper returns grid, the printed questionnaires and the questionnaire
templates. Each covers the happy path, the wrong method, anonymous users, users without the
permission or of another community, an invalid form and an illegal state; list, detail and grid
pages run a fixed number of queries.

Messages are compared in the language the response was rendered in (the lead translates the msgids).
"""

import datetime
import re

import pytest
import time_machine
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from surveys import rounds
from surveys.models import Questionnaire, QuestionnaireTemplate, SurveyRound
from surveys.rounds import PaperRow
from tests.surveys.test_rounds import (
    JUNE_1,
    JUNE_COLLECT_UNTIL,
    JUNE_MORNING,
    _english,
    estate,
    june,
    new_round,
    sent_round,
)

__all__ = ["_english", "june"]  # fixtures, imported for this module

Status = SurveyRound.Status


def says(r, msgid: str, params: dict | None = None) -> bool:
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        text = translation.gettext(msgid)
    if params:
        text = text % params
    return escape(text) in r.content.decode()


def login_redirect(r) -> bool:
    return r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.fixture
def draft(june, sam, community_a):
    estate(community_a)
    return new_round(sam, community_a)


@pytest.fixture
def collecting(june, sam, community_a):
    estate(community_a)
    return sent_round(sam, community_a)


def entrance_key(survey_round, label: str) -> str:
    from surveys.round_selectors import round_entrances

    return next(e.key for e in round_entrances(survey_round=survey_round) if e.label == label)


# -- the list ----------------------------------------------------------------------------------------------


def test_it_lists_the_rounds_of_the_user_s_communities(client, june, sam, cora, community_a, community_b):
    mine = new_round(sam, community_a)
    theirs = new_round(cora, community_b)
    client.force_login(sam)
    r = client.get("/surveys/rounds/")
    assert r.status_code == 200
    assert mine.number in r.content.decode() and theirs.number not in r.content.decode()


def test_it_filters_the_list(client, june, sam, community_a):
    june_round = new_round(sam, community_a)
    december = new_round(sam, community_a, year=2025, period=12)
    client.force_login(sam)
    page = client.get("/surveys/rounds/?year=2025").content.decode()
    assert december.number in page and june_round.number not in page
    page = client.get("/surveys/rounds/?status=collecting").content.decode()
    assert june_round.number not in page and december.number not in page


def test_it_shows_the_company_every_community(client, june, sam, cora, quinn, community_a, community_b):
    a, b = new_round(sam, community_a), new_round(cora, community_b)
    client.force_login(quinn)
    page = client.get("/surveys/rounds/").content.decode()
    assert a.number in page and b.number in page


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_in_constant_queries(client, june, sam, community_a, django_assert_num_queries, n):
    for i in range(n):
        new_round(sam, community_a, year=2020 + i)
    client.force_login(sam)
    # session, user, memberships, the header's communities, count, the page joined (community) and
    # counted (questionnaires sent and returned), unread notifications
    with django_assert_num_queries(7):
        r = client.get("/surveys/rounds/")
    assert len(set(re.findall(r">(WJ\d{6})</a>", r.content.decode()))) == n


def test_the_list_needs_the_view_permission(client, june, alice, bob):
    assert login_redirect(client.get("/surveys/rounds/"))
    client.force_login(alice)
    assert client.get("/surveys/rounds/").status_code == 403
    assert client.post("/surveys/rounds/").status_code in (403, 405)


# -- a new round ---------------------------------------------------------------------------------------------


def test_it_creates_a_round(client, june, sam, community_a):
    client.force_login(sam)
    r = client.get("/surveys/rounds/new/")
    default = QuestionnaireTemplate.objects.get(is_default=True)
    assert r.status_code == 200 and f'value="{default.pk}" selected' in r.content.decode()
    r = client.post(
        "/surveys/rounds/new/",
        {"community": community_a.pk, "year": 2026, "period": 12, "template": default.pk},
    )
    survey_round = SurveyRound.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/surveys/rounds/{survey_round.pk}/"
    assert (survey_round.period, survey_round.created_by) == (12, sam)


def test_it_says_when_the_period_has_a_round(client, june, sam, community_a):
    first = new_round(sam, community_a)
    client.force_login(sam)
    default = QuestionnaireTemplate.objects.get(is_default=True)
    r = client.post(
        "/surveys/rounds/new/",
        {"community": community_a.pk, "year": 2026, "period": 6, "template": default.pk},
    )
    assert r.status_code == 400
    assert first.number in r.content.decode() and SurveyRound.objects.count() == 1


def test_it_offers_only_june_and_december(client, june, sam, community_a):
    client.force_login(sam)
    default = QuestionnaireTemplate.objects.get(is_default=True)
    r = client.post(
        "/surveys/rounds/new/",
        {"community": community_a.pk, "year": 2026, "period": 7, "template": default.pk},
    )
    assert r.status_code == 400 and not SurveyRound.objects.exists()


def test_it_creates_only_in_the_user_s_communities(client, june, sam, community_b):
    client.force_login(sam)
    default = QuestionnaireTemplate.objects.get(is_default=True)
    r = client.post(
        "/surveys/rounds/new/",
        {"community": community_b.pk, "year": 2026, "period": 6, "template": default.pk},
    )
    assert r.status_code == 400 and not SurveyRound.objects.exists()


def test_a_new_round_needs_the_run_permission(client, june, pete):
    assert login_redirect(client.get("/surveys/rounds/new/"))
    client.force_login(pete)  # property supervisor: may view, not run
    assert client.get("/surveys/rounds/new/").status_code == 403


# -- the round page -----------------------------------------------------------------------------------------


def test_it_shows_the_draft_with_its_coverage_and_the_send_step(client, draft, sam):
    client.force_login(sam)
    r = client.get(f"/surveys/rounds/{draft.pk}/")
    page = r.content.decode()
    assert r.status_code == 200
    assert 'id="uncovered"' in page and "5栋1单元" in page  # R-SUR-1: an entrance with no occupied unit
    assert f'action="/surveys/rounds/{draft.pk}/send/"' in page
    assert f"/surveys/rounds/{draft.pk}/close/" not in page


def test_it_shows_the_counts_dates_and_timeline(client, collecting, sam):
    first = Questionnaire.objects.filter(round=collecting).order_by("pk").first()
    rounds.questionnaire_answer_online(token=first.token, answers={})
    client.force_login(sam)
    page = client.get(f"/surveys/rounds/{collecting.pk}/").content.decode()
    assert '<div class="fs-4" data-count="sent">4</div>' in page
    assert '<div class="fs-4" data-count="online">1</div>' in page
    assert '<div class="fs-4" data-count="not_returned">3</div>' in page
    assert "2026-06-23 24:00" in page and "2026-07-14 24:00" in page  # collection closes; statistics due
    assert f'action="/surveys/rounds/{collecting.pk}/close/"' in page
    assert (
        f"/surveys/rounds/{collecting.pk}/returns/" in page
        and f"/surveys/rounds/{collecting.pk}/forms/" in page
    )


def test_it_shows_no_steps_to_a_viewer(client, collecting, pete, quinn):
    for user in (pete, quinn):
        client.force_login(user)
        page = client.get(f"/surveys/rounds/{collecting.pk}/").content.decode()
        assert "/close/" not in page and "/returns/" not in page and "/forms/" not in page


def test_it_hides_another_community_s_round(client, collecting, cora, mike, alice):
    for user in (cora, mike):
        client.force_login(user)
        assert client.get(f"/surveys/rounds/{collecting.pk}/").status_code == 404
    client.force_login(alice)  # community A, no survey permission
    assert client.get(f"/surveys/rounds/{collecting.pk}/").status_code == 403


@pytest.mark.parametrize("n", [1, 3])
def test_it_shows_the_round_in_constant_queries(client, june, sam, community_a, django_assert_num_queries, n):
    from tests.surveys.conftest import households

    households(community_a, 4 * n)  # one building ("9"), one entrance
    survey_round = sent_round(sam, community_a)
    client.force_login(sam)
    # session, user, memberships, the header's communities, the round joined, the timeline, units by
    # entrance, questionnaires by entrance, the counts, the deadlines, unread notifications
    with django_assert_num_queries(11):
        r = client.get(f"/surveys/rounds/{survey_round.pk}/")
    assert r.status_code == 200


# -- sending and closing -------------------------------------------------------------------------------------


def test_it_sends_the_round(client, draft, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/rounds/{draft.pk}/send/", {"round-send-sent_on": "2026-06-01"})
    assert r.status_code == 302 and r["Location"] == f"/surveys/rounds/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Status.COLLECTING and draft.sent_on == JUNE_1
    assert Questionnaire.objects.filter(round=draft).count() == 4


@pytest.mark.parametrize(
    ("day", "msgid", "params"),
    [
        ("2026-06-11", "The day of sending cannot be in the future.", None),
        (
            "2026-05-31",
            "The questionnaires of the round %(year)d-%(month)02d go out in that month: choose a day "
            "between %(year)d-%(month)02d-01 and the end of the month.",
            {"year": 2026, "month": 6},
        ),
    ],
)
def test_it_refuses_a_wrong_day_of_sending(client, draft, sam, day, msgid, params):
    client.force_login(sam)
    r = client.post(f"/surveys/rounds/{draft.pk}/send/", {"round-send-sent_on": day})
    assert r.status_code == 400 and says(r, msgid, params)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and not Questionnaire.objects.exists()


def test_it_says_which_calendar_year_is_missing(client, sam, community_a):
    import time_machine

    from tests.surveys.test_rounds import at

    with time_machine.travel(at(12, 3), tick=False):
        estate(community_a)
        survey_round = new_round(sam, community_a, period=12)
        client.force_login(sam)
        r = client.post(f"/surveys/rounds/{survey_round.pk}/send/", {"round-send-sent_on": "2026-12-01"})
    msgid = (
        "The questionnaires cannot be sent yet: the collection window and the deadlines reach %(year)d, "
        "whose working-day calendar has not been entered. The system administrator must enter the official "
        "holiday schedule for %(year)d first."
    )
    assert r.status_code == 400 and says(r, msgid, {"year": 2027})
    assert not Questionnaire.objects.exists()


def test_sending_needs_the_run_permission(client, draft, pete, cora):
    assert login_redirect(
        client.post(f"/surveys/rounds/{draft.pk}/send/", {"round-send-sent_on": "2026-06-01"})
    )
    client.force_login(pete)
    assert (
        client.post(f"/surveys/rounds/{draft.pk}/send/", {"round-send-sent_on": "2026-06-01"}).status_code
        == 403
    )
    client.force_login(cora)
    assert (
        client.post(f"/surveys/rounds/{draft.pk}/send/", {"round-send-sent_on": "2026-06-01"}).status_code
        == 404
    )
    assert not Questionnaire.objects.exists()


def test_sending_is_post_only(client, draft, sam):
    client.force_login(sam)
    assert client.get(f"/surveys/rounds/{draft.pk}/send/").status_code == 405


def test_it_closes_the_collection(client, collecting, sam):
    client.force_login(sam)
    r = client.post(f"/surveys/rounds/{collecting.pk}/close/", {})
    assert r.status_code == 400  # the confirmation is required
    r = client.post(f"/surveys/rounds/{collecting.pk}/close/", {"round-close-confirm": "on"})
    assert r.status_code == 302
    collecting.refresh_from_db()
    assert collecting.status == Status.CLOSED
    r = client.post(f"/surveys/rounds/{collecting.pk}/close/", {"round-close-confirm": "on"})
    assert r.status_code == 400  # closed already: said, nothing written


# -- the paper returns grid ----------------------------------------------------------------------------------


def test_it_shows_one_entrance_of_the_grid(client, collecting, sam):
    client.force_login(sam)
    r = client.get(
        f"/surveys/rounds/{collecting.pk}/returns/?entrance={entrance_key(collecting, '3栋2单元')}"
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert "3栋2单元1101室" in page and "3栋2单元1202室" in page and "3栋1单元" in page  # the selector
    assert "3栋1单元101室" not in page
    assert page.count("data-grid-code") == 2 * len(collecting.items)
    assert 'id="legend"' in page and "js/rounds.js" in page


def test_it_saves_a_page_of_the_grid(client, collecting, sam):
    key = entrance_key(collecting, "3栋2单元")
    first, second = Questionnaire.objects.filter(round=collecting, unit__entrance=2).order_by("unit__floor")
    k0, k1 = collecting.item_keys[:2]
    data = {
        "entrance": key, "q": [first.pk, second.pk],
        f"q{first.pk}-{k0}": "1", f"q{first.pk}-{k1}": "0", f"q{first.pk}-suggestion": "垃圾清运晚",
        f"q{first.pk}-topic": "cleaning", f"q{second.pk}-{k0}": "",
    }  # fmt: skip
    client.force_login(sam)
    r = client.post(f"/surveys/rounds/{collecting.pk}/returns/", data)
    assert (
        r.status_code == 302 and r["Location"] == f"/surveys/rounds/{collecting.pk}/returns/?entrance={key}"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.answers[k0] == ["satisfied"] and first.answers[k1] == ["satisfied", "dissatisfied"]
    assert first.channel == "paper" and not second.is_returned
    page = client.get(r["Location"]).content.decode()
    assert f'name="q{first.pk}-{k0}" value="1"' in page  # the stored codes come back into the cells


def test_it_leaves_everything_unchanged_when_a_cell_is_wrong(client, collecting, sam):
    key = entrance_key(collecting, "3栋2单元")
    first, second = Questionnaire.objects.filter(round=collecting, unit__entrance=2).order_by("unit__floor")
    k0 = collecting.item_keys[0]
    client.force_login(sam)
    data = {"entrance": key, "q": [first.pk, second.pk], f"q{first.pk}-{k0}": "1", f"q{second.pk}-{k0}": "7"}
    r = client.post(f"/surveys/rounds/{collecting.pk}/returns/", data)
    assert r.status_code == 400
    page = r.content.decode()
    assert 'id="grid-errors"' in page and "3栋2单元1202室" in page
    assert f'name="q{second.pk}-{k0}" value="7"' in page  # what was typed stays on the page, marked
    assert "is-invalid" in page
    assert not Questionnaire.objects.filter(round=collecting, returned_at__isnull=False).exists()


def test_it_clears_a_row_without_javascript(client, collecting, sam):
    key = entrance_key(collecting, "3栋2单元")
    first, second = Questionnaire.objects.filter(round=collecting, unit__entrance=2).order_by("unit__floor")
    k0 = collecting.item_keys[0]
    rounds.questionnaire_returns_enter(round_id=collecting.pk, by=sam, rows=[PaperRow(first.pk, {k0: "2"})])
    client.force_login(sam)
    data = {"entrance": key, "q": [first.pk, second.pk], f"q{first.pk}-{k0}": "2", "clear": str(first.pk)}
    assert client.post(f"/surveys/rounds/{collecting.pk}/returns/", data).status_code == 302
    first.refresh_from_db()
    assert not first.is_returned


def test_it_shows_online_answers_read_only(client, collecting, sam):
    first = Questionnaire.objects.filter(round=collecting, unit__entrance=2).order_by("unit__floor").first()
    rounds.questionnaire_answer_online(token=first.token, answers={collecting.item_keys[0]: "basic"})
    client.force_login(sam)
    page = client.get(
        f"/surveys/rounds/{collecting.pk}/returns/?entrance={entrance_key(collecting, '3栋2单元')}"
    ).content.decode()
    assert "data-online" in page and f'name="q" value="{first.pk}"' not in page
    assert page.count("data-grid-code") == len(collecting.items)  # only the other unit is editable


@pytest.mark.parametrize("n", [2, 6])
def test_the_grid_runs_in_constant_queries(client, june, sam, community_a, django_assert_num_queries, n):
    from tests.surveys.conftest import households

    households(community_a, n)
    survey_round = sent_round(sam, community_a)
    client.force_login(sam)
    # session, user, memberships, the header's communities, the round joined, units by entrance,
    # questionnaires by entrance, the entrance's rows joined (unit, building), unread notifications
    with django_assert_num_queries(9):
        r = client.get(f"/surveys/rounds/{survey_round.pk}/returns/")
    assert r.content.decode().count('name="q"') == n


def test_the_grid_needs_the_run_permission(client, collecting, pete, cora):
    assert login_redirect(client.get(f"/surveys/rounds/{collecting.pk}/returns/"))
    client.force_login(pete)
    assert client.get(f"/surveys/rounds/{collecting.pk}/returns/").status_code == 403
    client.force_login(cora)
    assert client.get(f"/surveys/rounds/{collecting.pk}/returns/").status_code == 404
    assert client.post(f"/surveys/rounds/{collecting.pk}/returns/", {}).status_code == 404


def test_the_grid_of_a_draft_sends_back_to_the_round(client, draft, sam):
    client.force_login(sam)
    r = client.get(f"/surveys/rounds/{draft.pk}/returns/")
    assert r.status_code == 302 and r["Location"] == f"/surveys/rounds/{draft.pk}/"


def test_the_grid_refuses_a_save_once_the_statistics_are_finished(client, collecting, sam):
    from surveys import round_report

    rounds.survey_round_close(round_id=collecting.pk, by=sam)
    round_report.round_statistics_finish(round_id=collecting.pk, by=sam, analysis="无")
    first = Questionnaire.objects.filter(round=collecting).first()
    client.force_login(sam)
    k0 = collecting.item_keys[0]
    r = client.post(f"/surveys/rounds/{collecting.pk}/returns/", {"q": [first.pk], f"q{first.pk}-{k0}": "1"})
    assert r.status_code == 302
    first.refresh_from_db()
    assert not first.is_returned
    page = client.get(r["Location"]).content.decode()
    assert "disabled" in page


# -- the printed questionnaires ------------------------------------------------------------------------------


def test_it_prints_one_page_per_unit_with_its_link_and_qr_code(client, collecting, sam):
    client.force_login(sam)
    r = client.get(f"/surveys/rounds/{collecting.pk}/forms/?entrance={entrance_key(collecting, '3栋2单元')}")
    page = r.content.decode()
    assert r.status_code == 200
    assert page.count('class="q-page"') == 2 and page.count("<svg") == 2
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        assert translation.gettext("Owner satisfaction questionnaire") in page
    for q in Questionnaire.objects.filter(round=collecting, unit__entrance=2):
        assert f"http://testserver/q/{q.token}/" in page
    assert "阳光花园3栋2单元1101室" in page and "2026-06-23 24:00" in page
    assert "@media print" in page
    everything = client.get(f"/surveys/rounds/{collecting.pk}/forms/?entrance=all").content.decode()
    assert everything.count('class="q-page"') == 4


def test_printing_needs_the_run_permission(client, collecting, pete, cora):
    client.force_login(pete)  # may view the round, but the links answer for the households
    assert client.get(f"/surveys/rounds/{collecting.pk}/forms/").status_code == 403
    client.force_login(cora)
    assert client.get(f"/surveys/rounds/{collecting.pk}/forms/").status_code == 404


# -- the questionnaire templates -----------------------------------------------------------------------------


def test_it_lists_and_creates_templates(client, db, quinn):
    client.force_login(quinn)
    r = client.get("/surveys/rounds/templates/")
    assert r.status_code == 200 and "业户满意度调查问卷" in r.content.decode()
    r = client.post(
        "/surveys/rounds/templates/new/",
        {"name": "简版问卷", "items": "秩序维护\n保洁质量\n", "is_active": "on"},
    )
    assert r.status_code == 302 and r["Location"] == "/surveys/rounds/templates/"
    template = QuestionnaireTemplate.objects.get(name="简版问卷")
    assert template.item_labels == ["秩序维护", "保洁质量"] and template.is_active and not template.is_default


def test_it_edits_a_template_and_makes_it_the_default(client, db, quinn):
    template = rounds.questionnaire_template_create(by=quinn, name="简版问卷", lines=["保洁"])
    client.force_login(quinn)
    r = client.get(f"/surveys/rounds/templates/{template.pk}/")
    assert r.status_code == 200 and "保洁" in r.content.decode()
    r = client.post(
        f"/surveys/rounds/templates/{template.pk}/",
        {"name": "简版问卷", "items": "保洁\n绿化", "is_default": "on", "is_active": "on"},
    )
    assert r.status_code == 302
    template.refresh_from_db()
    assert template.is_default and template.item_labels == ["保洁", "绿化"]
    assert QuestionnaireTemplate.objects.filter(is_default=True).count() == 1


def test_it_refuses_to_take_the_default_out_of_use(client, db, quinn):
    default = QuestionnaireTemplate.objects.get(is_default=True)
    client.force_login(quinn)
    r = client.post(
        f"/surveys/rounds/templates/{default.pk}/",
        {"name": default.name, "items": "保洁", "is_default": "on"},
    )
    assert r.status_code == 400
    default.refresh_from_db()
    assert default.is_active


def test_templates_need_the_manage_permission(client, db, sam, quinn):
    assert login_redirect(client.get("/surveys/rounds/templates/"))
    client.force_login(sam)
    assert client.get("/surveys/rounds/templates/").status_code == 403
    assert client.post("/surveys/rounds/templates/new/", {"name": "x", "items": "y"}).status_code == 403
    client.force_login(quinn)
    assert client.get("/surveys/rounds/templates/999999/").status_code == 404
    assert client.put("/surveys/rounds/templates/").status_code == 405


def test_the_round_link_matches_the_model(collecting):
    assert collecting.get_absolute_url() == f"/surveys/rounds/{collecting.pk}/"
    assert datetime.date(2026, 6, 1) == collecting.sent_on


def test_the_round_page_shows_an_automatic_step_without_a_person(client, sam, community_a):
    """The beat closes the window (no actor): the timeline says the system did it, never a 500."""
    with time_machine.travel(JUNE_MORNING, tick=False) as clock:
        estate(community_a)
        survey_round = sent_round(sam, community_a)
        clock.move_to(JUNE_COLLECT_UNTIL + datetime.timedelta(minutes=1))
        assert rounds.survey_rounds_close_due() == [survey_round.pk]
        client.force_login(sam)
        r = client.get(survey_round.get_absolute_url())
    assert r.status_code == 200 and escape(gettext("automatically (the system)")) in r.content.decode()
