"""Journey: the CS center manager reads last October's complaint statistics (R-CMP-9, R-CB-5) — picks
the month, sees the two charts drawn, downloads the Excel file and finds in it the figures the page
shows; then the CS supervisor reads the June survey's statistics table (R-SUR-2 … R-SUR-7) (issue 9).

Everything is set up through the services at frozen times in the past (time_machine), then the
browser works in the present: the month and the round are in the past, whatever today is.
"""

import datetime
import importlib
import re
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from openpyxl import load_workbook
from playwright.sync_api import expect

from archives.models import Building, Unit
from complaints import services as complaints
from complaints.models import Callback
from propsvc.models import CalendarYear, Department
from propsvc.roles import Role
from surveys import round_report, rounds
from surveys.models import Questionnaire, QuestionnaireTemplate
from tests.conftest import _member
from tests.e2e.conftest import shoot
from tests.factories import DepartmentFactory, OwnershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"
H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

# True once the canvas holds a drawn pixel (some alpha), i.e. Chart.js has drawn into it.
DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}"""


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def step(when: datetime.datetime, action, **kwargs):
    with time_machine.travel(when, tick=False):
        return action(**kwargs)


# -- the month of complaints ---------------------------------------------------------------------------


@pytest.fixture
def october(community_a, unit_a, alice):
    """Community A (阳光花园), built through the services:

    October 2026 — 4 about facilities (engineering): three valid and resolved (two within 48 hours,
    one late), accepted and called back (satisfied, basically satisfied, satisfied); one valid, still
    open. 2 about cleaning (cleaning department): one valid and resolved in time, one not triaged.
    1 about renovation, invalid. 7 in all. September 2026: 1 (the previous month's column).
    """
    owner = OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile="13812345678").owner
    eng = DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)
    cleaning = DepartmentFactory(community=community_a, kind=Department.Kind.CLEANING)
    pete = _member("pete", community_a, Role.PROPERTY_SUPERVISOR)
    hank = _member("hank", community_a, Role.DEPARTMENT_HEAD, department=eng)
    cody = _member("cody", community_a, Role.DEPARTMENT_HEAD, department=cleaning)

    def register(when, **fields):
        base = {"by": alice, "community": community_a, "unit": unit_a, "owner": owner, "channel": "visit",
                "subject": "电梯频繁故障", "category": "facilities", "severity": "general", "department": eng,
                "apology_given": True}  # fmt: skip
        return step(when, complaints.complaint_register, **(base | fields))

    def resolved(complaint, received, hours, head, rating=None):
        """Triaged valid an hour after receipt, resolved `hours` after it, signed off, accepted and,
        with a rating, called back two days later at 15:00."""
        pk = complaint.pk
        step(received + H, complaints.complaint_triage, complaint_id=pk, by=pete, valid=True, plan="安排检修")
        done = received + hours * H
        step(done, complaints.complaint_report_result, complaint_id=pk, by=pete, result="已修复")
        step(done + H, complaints.complaint_sign_off, complaint_id=pk, by=head)
        step(done + 2 * H, complaints.complaint_owner_accepts, complaint_id=pk, by=pete)
        if rating:
            callback = Callback.objects.get(complaint=complaint, status=Callback.Status.PLANNED)
            called = datetime.datetime.combine(done.date() + 2 * DAY, datetime.time(15), SHANGHAI)
            step(called, complaints.callback_record, callback_id=callback.pk, by=pete, called_at=called,
                 quality_rating=rating, effect_rating=rating, satisfaction=rating)  # fmt: skip

    for day, hours, rating in [(5, 20, "satisfied"), (9, 30, "basic"), (14, 50, "satisfied")]:
        resolved(register(at(10, day)), at(10, day), hours, hank, rating)
    door = register(at(10, 27), subject="单元门禁失灵", channel="phone")
    step(
        at(10, 27, 11), complaints.complaint_triage, complaint_id=door.pk, by=pete, valid=True, plan="换门禁"
    )
    litter = register(at(10, 12), subject="楼道垃圾无人清理", category="cleaning", department=cleaning)
    resolved(litter, at(10, 12), 6, cody)
    register(at(10, 29), subject="草坪长期未修剪", category="cleaning", department=cleaning, channel="phone")
    noise = register(at(10, 20), subject="邻居装修噪音", category="renovation")
    step(at(10, 20, 11), complaints.complaint_triage, complaint_id=noise.pk, by=pete, valid=False,
         explanation="施工时间符合规定，已向业主说明", basis="《装修管理规定》第八条")  # fmt: skip
    register(at(9, 16), subject="地库照明不足")
    return community_a


# -- the June survey round -----------------------------------------------------------------------------


def _working_days_known():
    """The seeded working-day calendar (2004–2026): an earlier live-server test flushed it."""
    if not CalendarYear.objects.filter(year=2026).exists():
        importlib.import_module("propsvc.migrations.0007_seed_calendar").seed_calendar(apps, None)


# The returned forms' codes (1 satisfied, 2 basically, 3 dissatisfied, "" blank) and suggestions.
RETURNS = [
    ({"security": "1", "cleaning": "3", "greening": "1"}, "cleaning", "楼道保洁不及时，垃圾清运太晚"),
    ({"security": "1", "cleaning": "2", "greening": "3"}, "greening", "草坪修剪不勤"),
    ({"security": "2", "cleaning": "3", "greening": "2"}, "", ""),
    ({"security": "1", "cleaning": "1", "greening": "1"}, "difficulties", "希望照顾独居老人"),
    ({"security": "3", "cleaning": "3", "greening": ""}, "security", "夜间巡逻次数少"),
    ({"security": "1", "cleaning": "2", "greening": "2"}, "", ""),
]


@pytest.fixture
def june_round(community_a, unit_a):
    """June 2026 of community A, sent on 1 June to its 25 occupied units; 18 returned on paper (three
    times RETURNS), collection closed on 23 June, the statistics finished on 6 July in time."""
    _working_days_known()
    sam = _member("sam", community_a, Role.CS_SUPERVISOR)
    building = Building.objects.create(community=community_a, number="5")
    Unit.objects.bulk_create(
        Unit(community=community_a, building=building, entrance=1 + i // 12, floor=1 + (i % 12) // 2,
             room=f"{1 + (i % 12) // 2}0{i % 2 + 1}", area=Decimal("89.50"), use=Unit.Use.OCCUPIED)
        for i in range(24)
    )  # fmt: skip
    template = QuestionnaireTemplate.objects.create(
        name="三项简表", items=[{"key": k, "label": ""} for k in ("security", "cleaning", "greening")]
    )
    survey_round = step(at(6, 1, 9), rounds.survey_round_create, by=sam, community_id=community_a.pk,
                        year=2026, period=6, template_id=template.pk)  # fmt: skip
    june_1 = datetime.date(2026, 6, 1)
    step(at(6, 1, 10), rounds.survey_round_send, round_id=survey_round.pk, by=sam, sent_on=june_1)
    forms = list(Questionnaire.objects.filter(round=survey_round).order_by("pk"))
    rows = [
        rounds.PaperRow(questionnaire_id=q.pk, codes=codes, suggestion=text, suggestion_topic=topic)
        for q, (codes, topic, text) in zip(forms, RETURNS * 3, strict=False)
    ]
    step(at(6, 15, 14), rounds.questionnaire_returns_enter, round_id=survey_round.pk, by=sam, rows=rows)
    step(at(6, 23, 17), rounds.survey_round_close, round_id=survey_round.pk, by=sam)
    step(at(7, 6, 10), round_report.round_statistics_finish, round_id=survey_round.pk, by=sam,
         analysis="业户意见集中在保洁质量，其次为绿化养护和夜间巡逻。")  # fmt: skip
    return survey_round, sam


# -- the journey -------------------------------------------------------------------------------------------


def _card(page, heading: str):
    return page.locator(".card", has=page.get_by_role("heading", name=heading, exact=True))


def _figure(page, label: str) -> str:
    """The current month's value of a key figure, as the page's table of key figures shows it."""
    row = _card(page, "主要指标").locator("tr", has=page.get_by_role("cell", name=label, exact=True))
    return row.get_by_role("cell").nth(1).inner_text().strip()


def _rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(c is not None for c in row)]


def test_the_manager_reads_the_monthly_statistics_and_the_survey_table(login, october, june_round, tmp_path):
    mona = _member("mona", october, Role.CS_MANAGER)
    page = login(mona)
    page.get_by_role("navigation").get_by_role("link", name="投诉统计").click()
    expect(page.get_by_role("heading", name="月度投诉统计分析")).to_be_visible()

    page.get_by_label("月份").fill(MONTH)
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name=f"{MONTH} 月度投诉统计分析")).to_be_visible()
    expect(page.get_by_label("月份")).to_have_value(MONTH)
    assert _figure(page, "受理投诉数") == "7"
    assert _figure(page, "有效投诉") == "5"
    assert _figure(page, "无效投诉") == "1"
    pareto = _card(page, "投诉类别帕累托图").locator("tbody tr")
    expect(pareto).to_have_count(3)
    expect(pareto.first).to_contain_text("设施设备")
    shown_pareto = [tuple(cell.strip() for cell in row.split("\t")[:3]) for row in pareto.all_inner_texts()]

    for chart in ("trend-chart", "pareto-chart"):
        page.wait_for_function(DRAWN, arg=chart)
    shoot(page, "monthly-statistics")

    with page.expect_response(lambda r: "export" in r.url) as answer, page.expect_download() as download_info:
        page.get_by_role("link", name="导出Excel").click()
    download = download_info.value
    # The file's name as the server gives it (Chromium's suggestion depends on its own language).
    disposition = answer.value.headers["content-disposition"]
    assert disposition.startswith("attachment") and quote(f"月度投诉统计-{MONTH}.xlsx") in disposition
    saved = tmp_path / "report.xlsx"
    download.save_as(saved)
    workbook = load_workbook(saved)

    key = {row[0]: row[1:] for row in _rows(workbook["主要指标"])}
    assert key["受理投诉数"][0] == int(_figure(page, "受理投诉数"))
    assert key["有效投诉"][0] == int(_figure(page, "有效投诉"))
    assert key["无效投诉"][0] == int(_figure(page, "无效投诉"))
    rate = _figure(page, "48小时内处理完毕（处理及时率，%）")
    assert key["48小时内处理完毕（处理及时率，%）"][0] == float(rate)
    in_file = [(str(row[0]), str(row[1]), f"{row[2]:.1f}") for row in _rows(workbook["投诉类别帕累托图"])[1:]]
    assert in_file == shown_pareto

    # The CS supervisor reads the June survey's table.
    survey_round, sam = june_round
    page.get_by_role("button", name=mona.get_full_name()).click()
    page.get_by_role("button", name="退出登录").click()
    page = login(sam)
    page.get_by_role("navigation").get_by_role("button", name="业户服务").click()
    page.get_by_role("link", name="满意度问卷调查", exact=True).click()
    page.get_by_role("link", name=survey_round.number).click()
    page.get_by_role("link", name="问卷结果统计表").click()
    expect(page).to_have_url(re.compile(rf"/surveys/rounds/{survey_round.pk}/statistics/$"))
    figures = _card(page, "主要指标")
    expect(figures.get_by_role("row", name="回收问卷数")).to_contain_text("18")
    expect(figures.get_by_role("row", name="回收率（%）")).to_contain_text("72.0")
    items = _card(page, "各项满意率").get_by_role("row")
    expect(items.filter(has_text="保洁")).to_contain_text("50.0")
    expect(items.filter(has_text="总体")).to_contain_text("70.6")
    expect(page.locator("#deadlines")).to_contain_text("按时完成")
    shoot(page, "survey-statistics")
