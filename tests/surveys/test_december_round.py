"""Issue 8, "done when": a customer service supervisor runs the December survey of a 900-household
community through the pages — every entrance covered, paper and online answers in, the 问卷结果统计表
and the main improvement items out, each deadline met on time by the working-day calendar — and sees
this month's visit quota fill up (R-SUR-1 … R-SUR-7, R-VIS-1, R-TIME-1).

The 2027 schedule entered here (only 元旦 on Friday 1 January) is a test fixture, not the official one:
what matters is that sending waits for it and then counts with it.
"""

import datetime
import io
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from openpyxl import load_workbook

from archives.models import Building, Unit
from propsvc.calendar import calendar_year_enter
from propsvc.models import Deadline
from propsvc.roles import Role
from surveys import services
from surveys.models import (
    KIND_COLLECTION,
    KIND_PUBLICATION,
    KIND_STATISTICS,
    Notice,
    Questionnaire,
    QuestionnaireTemplate,
    SurveyRound,
)
from surveys.tasks import close_survey_rounds
from tests.conftest import _member
from tests.factories import CommunityFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUILDINGS, ENTRANCES, FLOORS, DOORS = 10, 3, 15, 2  # 900 households
VACANT_PER_ENTRANCE = 2  # the two top-floor units of each entrance: 840 occupied
PAPER_EVERY, ONLINE_EVERY = 3, 20  # of the occupied units: two in three on paper, one in twenty online


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def jinxiu(db):
    community = CommunityFactory(name="锦绣华庭", code="jxht")
    units = []
    for b in range(1, BUILDINGS + 1):
        building = Building.objects.create(community=community, number=str(b))
        for e in range(1, ENTRANCES + 1):
            for floor in range(1, FLOORS + 1):
                for door in range(1, DOORS + 1):
                    use = Unit.Use.VACANT if floor == FLOORS else Unit.Use.OCCUPIED
                    units.append(
                        Unit(
                            community=community, building=building, entrance=e, floor=floor,
                            room=f"{floor}{door:02d}", area=Decimal("89.50"), use=use,
                        )
                    )  # fmt: skip
    Unit.objects.bulk_create(units)
    return community


def answers(i: int) -> dict[str, str]:
    """The paper codes of the i-th returned form: 1 satisfied, 2 basically, 3 dissatisfied, 0 several
    ticks, "" blank. Every fifth owner is dissatisfied with cleaning, every tenth-but-one with greening;
    security is left blank by every seventeenth, ticked twice by every nineteenth."""
    codes = {key: "1" if i % 4 else "2" for key in ("security", "cleaning", "greening")}
    if i % 5 == 0:
        codes["cleaning"] = "3"
    if i % 10 == 1:
        codes["greening"] = "3"
    if i % 17 == 0:
        codes["security"] = ""
    if i % 19 == 0:
        codes["security"] = "0"
    return codes


TICKS = {
    "1": ["satisfied"],
    "2": ["basic"],
    "3": ["dissatisfied"],
    "": [],
    "0": ["satisfied", "dissatisfied"],
}


def test_the_supervisor_runs_the_december_survey_of_a_900_household_community_on_time(client, jinxiu):
    sam = _member("sam", jinxiu, Role.CS_SUPERVISOR)
    mona = _member("mona", jinxiu, Role.CS_MANAGER)
    _member("quinn", None, Role.QUALITY)
    ada = _member("ada", None, Role.ADMIN)
    template = QuestionnaireTemplate.objects.create(
        name="三项简表", items=[{"key": k, "label": ""} for k in ("security", "cleaning", "greening")]
    )
    client.force_login(sam)
    with time_machine.travel(at(12, 1, 9), tick=False) as clock:
        # The round: December 2026, from the short template.
        r = client.post(
            "/surveys/rounds/new/",
            {"community": jinxiu.pk, "year": 2026, "period": 12, "template": template.pk},
        )
        survey_round = SurveyRound.objects.get(community=jinxiu, year=2026, period=12)
        assert r.status_code == 302 and r.url == survey_round.get_absolute_url()
        # Before sending: 30 entrances, each with 28 occupied units — none left uncovered.
        page = client.get(survey_round.get_absolute_url()).content.decode()
        total = page[page.index("data-coverage-total") :]
        assert "合计：30个单元" in total and "各单元均已覆盖" in total
        assert '<td class="text-end">840</td>' in total

        # Sending waits for the 2027 calendar (the statistics run into January), then goes out.
        r = client.post(f"/surveys/rounds/{survey_round.pk}/send/", {"round-send-sent_on": "2026-12-01"})
        assert "2027" in r.content.decode()
        assert not Questionnaire.objects.exists()
        calendar_year_enter(by=ada, year=2027, holidays=[(datetime.date(2027, 1, 1), "元旦")], workdays=[])
        r = client.post(f"/surveys/rounds/{survey_round.pk}/send/", {"round-send-sent_on": "2026-12-01"})
        assert r.status_code == 302
        survey_round.refresh_from_db()
        assert survey_round.status == SurveyRound.Status.COLLECTING
        assert Questionnaire.objects.filter(round=survey_round).count() == 840
        # R-SUR-1: 2–4 December (3), 7–11 (8), 14–18 (13), 21–22 (15): closes 24:00 on 22 December.
        assert survey_round.collect_until == at(12, 23, 0)
        # R-SUR-7: 23–25 (18), 28–31 (22), 1 January off, 4–8 (27), 11–13 (30): 24:00 on 13 January.
        assert survey_round.statistics_due == survey_round.publication_due == at(1, 14, 0, year=2027)
        coverage = client.get(survey_round.get_absolute_url()).content.decode()
        assert "各单元均已覆盖" in coverage and "text-bg-danger" not in coverage

        forms = list(
            Questionnaire.objects.filter(round=survey_round).order_by(
                "unit__building__sort_key", "unit__entrance", "unit__floor", "unit__room"
            ).select_related("unit")
        )  # fmt: skip
        paper = [q for n, q in enumerate(forms) if n % PAPER_EVERY]
        online = [q for n, q in enumerate(forms) if not n % PAPER_EVERY and not n % ONLINE_EVERY]

        # Paper forms collected over the next days, typed in entrance by entrance.
        clock.move_to(at(12, 10, 14))
        typed = {}
        by_entrance: dict[str, list] = {}
        for q in paper:
            by_entrance.setdefault(f"{q.unit.building_id}-{q.unit.entrance}", []).append(q)
        i = 0
        for key, rows in by_entrance.items():
            data = {"entrance": key, "q": [q.pk for q in rows]}
            for q in rows:
                i += 1
                typed[q.pk] = answers(i)
                for item, code in typed[q.pk].items():
                    data[f"q{q.pk}-{item}"] = code
            r = client.post(f"/surveys/rounds/{survey_round.pk}/returns/", data)
            assert r.status_code == 302, key
        # Owners answer online by the QR code on their form.
        clock.move_to(at(12, 15, 20))
        client.logout()
        for q in online:
            i += 1
            typed[q.pk] = answers(i)
            post = {
                f"item-{item}": TICKS[code][0] for item, code in typed[q.pk].items() if len(TICKS[code]) == 1
            }
            assert client.post(f"/q/{q.token}/", post).status_code in (200, 302)
        # After the window the link is useless.
        clock.move_to(at(12, 23, 0, 7))
        assert close_survey_rounds() == 1
        assert client.get(f"/q/{forms[3].token}/").status_code == 410  # not returned, now closed

        # The statistics, by hand from what was typed: the online forms cannot tick twice (a "0"
        # there is a blank).
        returned = len(paper) + len(online)
        assert Questionnaire.objects.filter(round=survey_round, returned_at__isnull=False).count() == returned
        online_ids = {q.pk for q in online}
        d_cleaning = sum(1 for pk, c in typed.items() if c["cleaning"] == "3")
        d_greening = sum(1 for pk, c in typed.items() if c["greening"] == "3")
        assert d_cleaning > d_greening > 0
        rate = Decimal(100 * returned) / 840
        assert rate >= 60  # no penalty (R-SUR-2, R-SUR-4)
        shown_rate = f"{rate.quantize(Decimal('0.1'), rounding='ROUND_HALF_UP')}"

        client.force_login(sam)
        clock.move_to(at(12, 28, 10))
        page = client.get(f"/surveys/rounds/{survey_round.pk}/statistics/").content.decode()
        assert "问卷结果统计表" in page and shown_rate in page
        cleaning_share = Decimal(100 * d_cleaning) / (d_cleaning + d_greening)
        assert cleaning_share <= 80  # R-SUR-6: cleaning alone is the main improvement item
        workbook = load_workbook(
            io.BytesIO(
                b"".join(
                    client.get(f"/surveys/rounds/{survey_round.pk}/statistics/export/").streaming_content
                )
            )
        )
        cells = [
            str(c) for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row if c is not None
        ]
        assert str(len(paper) + len(online)) in cells and any(shown_rate in c for c in cells)

        r = client.post(
            f"/surveys/rounds/{survey_round.pk}/statistics/finish/",
            {"analysis": "业户意见集中在保洁质量，其次为绿化养护。"},
        )
        assert r.status_code == 302
        clock.move_to(at(1, 6, 10, year=2027))
        client.force_login(sam)  # a new working day, a new session (sessions end after 30 minutes idle)
        r = client.post(
            f"/surveys/rounds/{survey_round.pk}/publish/",
            {"measures": "1. 保洁：楼道每日两次巡查，垃圾桶每日清洗。"},
        )
        assert r.status_code == 302 and r.url == f"/surveys/rounds/{survey_round.pk}/publication/"
        r = client.post(
            f"/surveys/rounds/{survey_round.pk}/quality-copy/", {"sent_on": "2027-01-06", "how": "内部邮件"}
        )
        assert r.status_code == 302

    survey_round.refresh_from_db()
    assert survey_round.status == SurveyRound.Status.PUBLISHED and survey_round.quality_copy_on
    notice = Notice.objects.get(survey_round=survey_round)
    assert notice.kind == Notice.Kind.SURVEY_RESULT and "保洁" in notice.body
    # Every deadline of the round met, none late.
    rows = Deadline.objects.filter(
        object_id=survey_round.pk, kind__in=[KIND_COLLECTION, KIND_STATISTICS, KIND_PUBLICATION]
    )
    assert rows.count() == 3 and all(row.met_at and not row.met_late for row in rows)
    assert online_ids  # both channels were used
    _the_visit_quota_fills_up(client, jinxiu, sam, mona)


def _the_visit_quota_fills_up(client, jinxiu, sam, mona):
    """R-VIS-1: over 800 households, 7% of the 840 occupied ones: 58.8, rounded up to 59 visits."""
    quota = math.ceil(840 * 7 / 100)
    assert quota == 59
    units = list(Unit.objects.filter(community=jinxiu, use=Unit.Use.OCCUPIED).order_by("pk")[:quota])
    with time_machine.travel(at(12, 28, 10), tick=False):
        client.force_login(sam)
        before = client.get("/surveys/quota/").content.decode()
        assert "59" in before
        for n, unit in enumerate(units):
            services.visit_record(
                by=sam, unit=unit, mode="office", topics=["cleaning"], signature="signed",
                visited_at=at(12, 1 + n % 27, 9 + n % 10),
            )  # fmt: skip
        after = client.get("/surveys/quota/").content.decode()
    assert "100%" in after
