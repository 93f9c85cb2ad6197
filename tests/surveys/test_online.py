"""The household's online answer (R-SUR-1, R-SUR-5) at /q/<token>/ — the link and QR code printed on its
paper form: public (no login), CSRF protected, one answer per unit (online or paper), only while the
round is collecting and its 15 working days are not over (410 afterwards), 404 for an unknown token."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from surveys import rounds
from surveys.models import Questionnaire, SurveyRound
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
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def collecting(june, sam, community_a):
    estate(community_a)
    return sent_round(sam, community_a)


@pytest.fixture
def form(collecting) -> Questionnaire:
    """The questionnaire of 3栋2单元1101室."""
    return Questionnaire.objects.select_related("unit__building").get(round=collecting, unit__room="1101")


ANSWERED = "This questionnaire has already been answered. Thank you."
CLOSED = "This satisfaction survey is closed: answers are no longer accepted. Thank you."


def says(r, msgid: str) -> bool:
    """The message is on the page, in the language the page was rendered in (the lead translates)."""
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        return escape(translation.gettext(msgid)) in r.content.decode()


def url(q) -> str:
    return f"/q/{q.token}/"


def answers(survey_round, *values) -> dict:
    """POST data: one answer per item in order ("" skips the item)."""
    data = {f"item-{k}": v for k, v in zip(survey_round.item_keys, values, strict=False) if v}
    return data


def test_it_shows_the_community_the_unit_and_the_items(client, form):
    r = client.get(url(form))
    assert r.status_code == 200
    page = r.content.decode()
    assert "阳光花园" in page and "3栋2单元1101室" in page
    assert page.count('type="radio"') == 3 * len(form.round.items)
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        labels = form.round.item_labels
    assert all(label in page for label in labels)
    assert 'name="suggestion"' in page and 'name="suggestion_topic"' in page
    assert "csrfmiddlewaretoken" in page
    # The owner sees until when the link answers (24:00 of the window's last working day).
    assert form.round.collect_until.astimezone(SHANGHAI).strftime("%H:%M") == "00:00"
    last_day = (form.round.collect_until.astimezone(SHANGHAI) - datetime.timedelta(days=1)).date()
    assert f"{last_day:%Y-%m-%d} 24:00" in page
    # Nothing about the other units of the delivery list.
    assert "1202室" not in page and "1单元" not in page
    assert r["Cache-Control"].startswith("max-age=0") or "no-cache" in r["Cache-Control"]


def test_it_takes_one_answer(client, form):
    data = {
        **answers(form.round, "satisfied", "basic", "dissatisfied"),
        "suggestion": " 电梯常坏 ",
        "suggestion_topic": "difficulties",
    }
    r = client.post(url(form), data)
    assert r.status_code == 302 and r["Location"] == url(form) + "?thanks=1"
    form.refresh_from_db()
    keys = form.round.item_keys
    assert form.channel == "online" and form.returned_at == JUNE_MORNING and form.entered_by is None
    assert form.answers[keys[0]] == ["satisfied"] and form.answers[keys[1]] == ["basic"]
    assert form.answers[keys[2]] == ["dissatisfied"] and form.answers[keys[3]] == []  # a blank (R-SUR-5)
    assert (form.suggestion, form.suggestion_topic) == ("电梯常坏", "difficulties")
    assert says(client.get(r["Location"]), "Thank you: your answers have been received.")


def test_it_answers_once(client, form):
    assert client.post(url(form), answers(form.round, "satisfied")).status_code == 302
    r = client.post(url(form), answers(form.round, "dissatisfied"))
    assert r.status_code == 409
    assert says(r, ANSWERED)
    form.refresh_from_db()
    assert form.answers[form.round.item_keys[0]] == ["satisfied"]
    r = client.get(url(form))
    assert r.status_code == 200 and says(r, ANSWERED) and 'type="radio"' not in r.content.decode()


def test_it_refuses_an_answer_for_a_form_returned_on_paper(client, form, sam):
    rounds.questionnaire_returns_enter(
        round_id=form.round_id, by=sam, rows=[PaperRow(form.pk, {form.round.item_keys[0]: "3"})]
    )
    r = client.post(url(form), answers(form.round, "satisfied"))
    assert r.status_code == 409
    form.refresh_from_db()
    assert form.channel == "paper" and form.answers[form.round.item_keys[0]] == ["dissatisfied"]


def test_the_service_refuses_a_second_answer(form):
    """Two submissions at once: the service locks the round and the row and checks again, so only the
    first counts even when both passed the view's check."""
    rounds.questionnaire_answer_online(token=form.token, answers={})
    error = refused(
        lambda: rounds.questionnaire_answer_online(token=form.token, answers={}), "already been answered"
    )
    assert error.reason == "answered"


def test_it_fails_after_the_window(client, form, june):
    june.move_to(JUNE_COLLECT_UNTIL - datetime.timedelta(seconds=1))
    assert client.get(url(form)).status_code == 200  # 23:59:59 on the last day: still open
    june.move_to(JUNE_COLLECT_UNTIL)  # 24:00: closed, even before beat closes the round
    r = client.get(url(form))
    assert r.status_code == 410 and says(r, CLOSED)
    r = client.post(url(form), answers(form.round, "satisfied"))
    assert r.status_code == 410
    form.refresh_from_db()
    assert not form.is_returned


def test_it_fails_once_the_collection_is_closed_by_hand(client, form, sam):
    rounds.survey_round_close(round_id=form.round_id, by=sam)
    assert client.get(url(form)).status_code == 410
    assert client.post(url(form), answers(form.round, "satisfied")).status_code == 410
    form.refresh_from_db()
    assert not form.is_returned and form.round.status == SurveyRound.Status.CLOSED


def test_it_refuses_an_unknown_token(client, collecting):
    assert client.get("/q/not-a-real-token/").status_code == 404
    assert client.post("/q/not-a-real-token/", {}).status_code == 404
    refused(
        lambda: rounds.questionnaire_answer_online(token="nope", answers={}),
        gettext("This questionnaire link is not valid."),
    )


def test_it_protects_the_form_against_cross_site_posts(form):
    csrf_client = Client(enforce_csrf_checks=True)
    r = csrf_client.post(url(form), answers(form.round, "satisfied"))
    assert r.status_code == 403
    form.refresh_from_db()
    assert not form.is_returned
    csrf_client.get(url(form))  # the page sets the cookie its form posts back
    token = csrf_client.cookies["csrftoken"].value
    r = csrf_client.post(url(form), {**answers(form.round, "satisfied"), "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_it_checks_the_answer(client, form):
    r = client.post(url(form), {f"item-{form.round.item_keys[0]}": "excellent"})
    assert r.status_code == 400
    r = client.post(url(form), {"suggestion": "长" * 1001})
    assert r.status_code == 400
    r = client.post(url(form), {"suggestion": "意见", "suggestion_topic": "nonsense"})
    assert r.status_code == 400
    form.refresh_from_db()
    assert not form.is_returned


def test_it_accepts_only_get_and_post(client, form):
    assert client.put(url(form)).status_code == 405


def test_it_needs_no_login_and_works_for_staff_too(client, form, carol):
    client.force_login(carol)  # someone of another community: the token is all that counts
    assert client.get(url(form)).status_code == 200
