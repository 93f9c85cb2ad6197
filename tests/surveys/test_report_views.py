"""A round's statistics pages (R-SUR-2 … R-SUR-7, STYLE.md 20–22): the 问卷结果统计表 on screen, printed
and in Excel (the same numbers everywhere), the steps — finish the statistics, publish the measures with
the printable notice, record the copy to the quality department — and tenancy: a user of community B
never sees A's round (404), an action needs surveys.run_survey in the round's community, and a refused
action writes nothing.

Pages are asked for in English (Accept-Language), so the tests hold once the lead adds the Chinese.
The hand-worked round and the builder are tests/surveys/test_round_report.py's.
"""

import datetime
import io
import re
from decimal import Decimal, InvalidOperation

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from openpyxl import load_workbook

from propsvc.models import Deadline, Notification
from surveys.models import KIND_STATISTICS, Notice, Questionnaire, SurveyEvent, SurveyRound
from tests.surveys.test_round_report import DUE, HAND_WORKED, NOW, all_satisfied, build_round

Status = SurveyRound.Status
ROW = re.compile(r'<tr data-item="([^"]*)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
FIGURE = re.compile(r'data-figure="([a-z_]+)">([^<]*)<')
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def july():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def closed(july, community_a, sam):
    return build_round(community_a, sam, sent=10, returned=HAND_WORKED)


def url(survey_round, step: str = "statistics/") -> str:
    return f"/surveys/rounds/{survey_round.pk}/{step}"


def _html(r) -> str:
    return r.content.decode()


def table_rows(r, table_id: str = "statistics-table") -> dict[str, list[str]]:
    """The page's table as {item key: [the cells' text]} (the overall line has the key "")."""
    html = _html(r)
    start = html.index(f'id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    return {
        key: [TAG.sub("", cell).strip() for cell in CELL.findall(body)] for key, body in ROW.findall(table)
    }


def figures(r) -> dict[str, str]:
    return {key: value.strip() for key, value in FIGURE.findall(_html(r))}


def _login_redirect(r) -> bool:
    return r.status_code == 302 and r["Location"].startswith("/login/")


def _finish(client, survey_round, analysis="业主最关注保洁质量。"):
    return client.post(url(survey_round, "statistics/finish/"), {"analysis": analysis})


def _publish(client, survey_round, measures="1. 保洁：每日巡查两次。"):
    return client.post(url(survey_round, "publish/"), {"measures": measures})


def _copy(client, survey_round, sent_on="2026-07-06", how="当面交品质部"):
    return client.post(url(survey_round, "quality-copy/"), {"sent_on": sent_on, "how": how})


def _says(r, text: str) -> bool:
    from django.contrib.messages import get_messages

    return any(text in str(m) for m in get_messages(r.wsgi_request)) or escape(text) in _html(r)


# -- the statistics page (R-SUR-2 … R-SUR-7) ---------------------------------------------------------------


def test_it_shows_the_statistics_table(en, closed, sam):
    en.force_login(sam)
    r = en.get(url(closed))
    assert r.status_code == 200
    assert figures(r) == {
        "community": "阳光花园", "round": "2026 · June", "sent": "10", "returned": "6", "return_rate": "60.0",
        "overall_rate": "60.0", "penalty": "0.0", "adjusted_rate": "60.0",
    }  # fmt: skip
    assert table_rows(r) == {
        "security": ["Security", "4", "1", "1", "0", "0", "0", "83.3"],
        "cleaning": ["Cleaning", "0", "2", "3", "0", "1", "1", "40.0"],
        "greening": ["Greening", "1", "1", "2", "2", "0", "2", "50.0"],
        "": ["Overall", "5", "4", "6", "2", "1", "3", "60.0"],
    }
    pareto = table_rows(r, "pareto-table")
    assert pareto == {
        "cleaning": ["Cleaning", "3", "50.0", "Main improvement item"],
        "greening": ["Greening", "2", "83.3", ""],
        "security": ["Security", "1", "100.0", ""],
    }
    html = _html(r)
    assert 'id="provisional"' in html and 'id="penalty-note"' not in html
    assert 'data-topic="cleaning"' in html and "8栋1单元101室" in html and "保洁不及时" in html
    assert escape('=HYPERLINK("x")') in html
    assert f'action="{url(closed, "statistics/finish/")}"' in html  # sam may finish a closed round


def test_it_explains_the_penalty_below_60_percent(en, july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=20, returned=all_satisfied(11))
    en.force_login(sam)
    r = en.get(url(survey_round))
    assert (figures(r)["return_rate"], figures(r)["penalty"], figures(r)["adjusted_rate"]) == (
        "55.0", "25.0", "75.0",
    )  # fmt: skip
    note = TAG.sub("", _html(r).split('id="penalty-note">')[1].split("</p>")[0])
    assert "55.0% is below the required 60%" in note and "25.0 points off" in note and "75.0%" in note


def test_it_shows_dashes_when_nothing_came_back(en, july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=10, returned=[])
    en.force_login(sam)
    r = en.get(url(survey_round))
    assert r.status_code == 200
    assert (figures(r)["return_rate"], figures(r)["overall_rate"], figures(r)["adjusted_rate"]) == (
        "0.0", "—", "—",
    )  # fmt: skip
    assert {cells[-1] for cells in table_rows(r).values()} == {"—"}
    assert "No dissatisfied answers." in _html(r)


def test_it_shows_the_deadlines_met_or_overdue(en, closed, sam, july):
    en.force_login(sam)
    r = en.get(url(closed))
    html = _html(r)
    assert html.count("by 24:00 on 2026-07-14") == 2 and "Overdue" not in html
    _finish(en, closed)
    july.move_to(DUE + datetime.timedelta(hours=2))
    html = _html(en.get(url(closed)))
    statistics = html.split('data-deadline="surveys.statistics"')[1].split("</li>")[0]
    publication = html.split('data-deadline="surveys.publication"')[1].split("</li>")[0]
    assert "Met on time" in statistics and "Overdue" in publication


def test_it_shows_the_frozen_figures_once_finished(en, closed, sam):
    en.force_login(sam)
    before = table_rows(en.get(url(closed)))
    _finish(en, closed)
    Questionnaire.objects.filter(round=closed).update(answers={"security": ["dissatisfied"]})
    r = en.get(url(closed))
    assert table_rows(r) == before
    html = _html(r)
    assert 'id="provisional"' not in html and "业主最关注保洁质量。" in html
    assert f'action="{url(closed, "publish/")}"' in html
    assert "1. Cleaning (3 dissatisfied): " in html  # the measures start from the main improvement items


def test_it_lets_readers_see_it_without_the_forms(en, closed, pete, quinn, leo):
    for user in (pete, quinn, leo):  # property supervisor of A; quality and leadership (company level)
        en.force_login(user)
        r = en.get(url(closed))
        assert r.status_code == 200
        assert "statistics/finish/" not in _html(r)


def test_it_hides_another_community_s_round(en, closed, cora, mike):
    for user in (cora, mike):
        en.force_login(user)
        for step in ("statistics/", "statistics/print/", "statistics/export/", "publication/"):
            assert en.get(url(closed, step)).status_code == 404


def test_it_refuses_anonymous_users_and_users_without_the_permission(en, closed, alice, bob):
    for step in ("statistics/", "statistics/print/", "statistics/export/"):
        assert _login_redirect(en.get(url(closed, step)))
    for user in (alice, bob):  # a receptionist of A; nobody
        en.force_login(user)
        assert en.get(url(closed)).status_code == 403


def test_it_refuses_a_post_to_the_page(en, closed, sam):
    en.force_login(sam)
    assert en.post(url(closed)).status_code == 405
    assert en.post(url(closed, "statistics/export/")).status_code == 405


@pytest.mark.parametrize(
    ("step", "budget"), [("statistics/", 9), ("statistics/print/", 8), ("statistics/export/", 6)]
)
def test_it_reads_in_constant_queries(
    en, july, community_a, sam, django_assert_max_num_queries, step, budget
):
    """Whatever the number of questionnaires (5 or 50): session, user, memberships, the round (joined
    with its community, people and notice), the delivery list's count, the returned rows with their
    units; the page adds the ledger rows, and page and printout the header's communities and the bell."""
    en.force_login(sam)
    counts = []
    for n, building in ((5, "5"), (50, "6")):
        survey_round = build_round(
            community_a, sam, sent=n, returned=HAND_WORKED[:1] * n, period=6 if n == 5 else 12,
            building=building,
        )  # fmt: skip
        en.get(url(survey_round, step))  # warm the content-type cache
        with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as queries:
            assert en.get(url(survey_round, step)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- the printout and the Excel file -----------------------------------------------------------------------


def test_it_prints_the_table_on_a4(en, closed, sam):
    en.force_login(sam)
    r = en.get(url(closed, "statistics/print/"))
    assert r.status_code == 200
    html = _html(r)
    assert "data-print" in html and "size: A4" in html
    assert table_rows(r) == table_rows(en.get(url(closed)))
    assert figures(r)["adjusted_rate"] == "60.0"


def _value(v):
    """A number as a Decimal (the page's "40.0" and the file's 40 are the same number), text as it is."""
    try:
        return Decimal(str(v))
    except InvalidOperation:
        return v


def _sheets(r):
    book = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    return book


def test_it_exports_the_same_numbers_as_the_page(en, closed, sam):
    en.force_login(sam)
    page = en.get(url(closed))
    r = en.get(url(closed, "statistics/export/"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = _sheets(r)
    assert book.sheetnames == ["Survey statistics table", "Suggestions by topic"]
    sheet = book["Survey statistics table"]
    rows = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
    first = [row[0] for row in rows]
    start = first.index("Item") + 1
    assert [[_value(v) for v in row] for row in rows[start : start + 4]] == [
        [_value(v) for v in cells] for cells in table_rows(page).values()
    ]
    assert sheet.cell(start + 1, 8).number_format == "0.0"  # a rate shows one decimal, as on the page
    by_label = {row[0]: row[1] for row in rows if len(row) > 1}
    for label, key in (("Return rate (%)", "return_rate"), ("Overall satisfaction rate (%)", "overall_rate"),
                       ("Return-rate penalty (points)", "penalty"),
                       ("Adjusted overall satisfaction rate (%)", "adjusted_rate")):  # fmt: skip
        assert _value(by_label[label]) == _value(figures(page)[key])
    assert (by_label["Questionnaires sent"], by_label["Questionnaires returned"]) == (10, 6)
    pareto = first.index("Pareto of dissatisfied items") + 1
    assert [[_value(v) for v in row[:3]] for row in rows[pareto : pareto + 3]] == [
        [_value(v) for v in cells[:3]] for cells in table_rows(page, "pareto-table").values()
    ]
    assert rows[pareto][3] == "Yes"


def test_it_exports_the_suggestions_by_topic_formula_safe(en, closed, sam):
    en.force_login(sam)
    sheet = _sheets(en.get(url(closed, "statistics/export/")))["Suggestions by topic"]
    rows = [row[:2] for row in sheet.iter_rows(values_only=True)]
    assert rows[1:6] == [
        ("Cleaning", 2), ("Special difficulties and needs", 1), ("Other", 1), ("No topic given", 1),
        ("Total", 5),
    ]  # fmt: skip
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == '=HYPERLINK("x")']
    assert len(cells) == 1 and cells[0].data_type == "s"  # text, never a formula
    assert ("Cleaning", "8栋1单元101室", "保洁不及时") in sheet.iter_rows(values_only=True)


def test_it_exports_a_dash_for_no_rate(en, july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=10, returned=[])
    en.force_login(sam)
    rows = list(_sheets(en.get(url(survey_round, "statistics/export/")))["Survey statistics table"].values)
    by_label = {row[0]: row[1] for row in rows if row and len(row) > 1}
    assert by_label["Return rate (%)"] == 0 and by_label["Adjusted overall satisfaction rate (%)"] == "—"


# -- finishing the statistics --------------------------------------------------------------------------------


def test_it_finishes_the_statistics(en, closed, sam):
    en.force_login(sam)
    r = _finish(en, closed)
    assert r.status_code == 302 and r["Location"] == url(closed)
    closed.refresh_from_db()
    assert closed.status == Status.REPORTED and closed.figures["returned"] == 6
    assert Deadline.objects.get(kind=KIND_STATISTICS).met_at == NOW
    assert _says(r, "The survey statistics table is finished")


def test_it_refuses_to_finish_without_the_analysis(en, closed, sam):
    en.force_login(sam)
    r = _finish(en, closed, analysis="")
    # The form comes back with its error (nothing typed elsewhere on it is lost).
    assert r.status_code == 400 and "Write the analysis of the owners&#x27; main needs" in _html(r)
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED and not SurveyEvent.objects.exists()


def test_it_refuses_to_finish_a_round_still_collecting(en, july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=10, returned=HAND_WORKED, status=Status.COLLECTING)
    en.force_login(sam)
    r = _finish(en, survey_round)
    assert r.status_code == 302 and _says(r, "once the collection is closed")
    survey_round.refresh_from_db()
    assert survey_round.status == Status.COLLECTING and survey_round.figures is None


def test_it_refuses_the_steps_to_other_communities_and_readers(en, closed, sam, cora, pete, quinn):
    for user, status in ((cora, 404), (pete, 403), (quinn, 403)):
        en.force_login(user)
        assert _finish(en, closed).status_code == status
        assert _publish(en, closed).status_code == status
        assert _copy(en, closed).status_code == status
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED and closed.quality_copy_on is None
    assert not SurveyEvent.objects.exists() and not Notice.objects.exists()


def test_it_refuses_a_get_to_the_steps(en, closed, sam):
    en.force_login(sam)
    for step in ("statistics/finish/", "publish/", "quality-copy/"):
        assert en.get(url(closed, step)).status_code == 405


def test_it_refuses_anonymous_steps(en, closed):
    assert _login_redirect(_finish(en, closed))
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


# -- publishing the measures and the notice ------------------------------------------------------------------


def test_it_publishes_and_prints_the_notice(en, closed, sam):
    en.force_login(sam)
    _finish(en, closed)
    r = _publish(en, closed)
    assert r.status_code == 302 and r["Location"] == url(closed, "publication/")
    notice = Notice.objects.get(survey_round=closed)
    r = en.get(url(closed, "publication/"))
    assert r.status_code == 200
    html = _html(r)
    assert escape(notice.title) in html and escape(notice.signed_by) in html
    assert "2026年7月6日" in html  # the publication date
    assert figures(r) == {"return_rate": "60.0", "overall_rate": "60.0"}  # no penalty: no adjusted line
    assert 'data-item="cleaning">Cleaning 40.0<' in html
    assert TAG.sub("", html.split('id="main-items">')[1].split("</td>")[0]) == "Cleaning"
    assert "1. 保洁：每日巡查两次。" in html


def test_it_prints_the_adjusted_rate_on_the_notice_below_60_percent(en, july, community_a, sam):
    survey_round = build_round(community_a, sam, sent=20, returned=all_satisfied(11))
    en.force_login(sam)
    _finish(en, survey_round)
    _publish(en, survey_round)
    r = en.get(url(survey_round, "publication/"))
    assert figures(r)["adjusted_rate"] == "75.0"


def test_it_has_no_notice_before_publication(en, closed, sam):
    en.force_login(sam)
    r = en.get(url(closed, "publication/"))
    assert r.status_code == 302 and r["Location"] == url(closed)


def test_it_refuses_to_publish_before_the_statistics(en, closed, sam):
    en.force_login(sam)
    r = _publish(en, closed)
    assert r["Location"] == url(closed) and _says(r, "once the statistics are finished")
    assert not Notice.objects.exists()


def test_it_refuses_to_publish_without_measures(en, closed, sam):
    en.force_login(sam)
    _finish(en, closed)
    r = _publish(en, closed, measures="  ")
    assert r.status_code == 400 and _says(r, "Write the improvement measures")
    assert not Notice.objects.exists()


# -- the copy to the quality department ----------------------------------------------------------------------


def test_it_records_the_copy_and_shows_it(en, closed, sam, quinn):
    en.force_login(sam)
    _finish(en, closed)
    r = _copy(en, closed)
    assert r["Location"] == url(closed)
    closed.refresh_from_db()
    assert closed.quality_copy_on == datetime.date(2026, 7, 6)
    assert Notification.objects.filter(recipient=quinn).count() == 1
    html = _html(en.get(url(closed)))
    assert (
        "Sent on 2026-07-06 (当面交品质部)" in html and 'action="' + url(closed, "quality-copy/") not in html
    )


def test_it_refuses_a_copy_dated_in_the_future(en, closed, sam, quinn):
    en.force_login(sam)
    _finish(en, closed)
    r = _copy(en, closed, sent_on="2026-07-07")
    assert _says(r, "cannot be in the future")
    closed.refresh_from_db()
    assert closed.quality_copy_on is None and not Notification.objects.exists()
