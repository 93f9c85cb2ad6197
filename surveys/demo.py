"""Demo owner visits for `seed_demo` (found by name: `<app>.demo.seed`).

Built through the services, as the customer service supervisor would: a few visits per community in
each mode last month and this month (home visits by appointment, in the day), then last month's
summary opened as beat does on the 1st. In the first community it is decided and submitted (one
suggestion passed to the company complaint center), in the second handed to the center head with
one decision made, in the third still being prepared. Idempotent: a community that already has
visits is left alone.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from archives.models import Unit
from propsvc.models import Community
from surveys import notices, round_report, rounds, services
from surveys.models import Month, Notice, Signature, Suggestion, SurveyRound, Visit

# mode, topics, the owner's opinions and needs (empty: nothing raised)
SCENARIOS = [
    (
        "home",
        ["repair_timeliness", "repair_attitude"],
        "卫生间漏水报修后两天师傅才上门，希望缩短报修响应时间",
    ),
    ("phone", ["security"], "晚上东门常有外来车辆进出，建议门岗加强登记"),
    ("office", ["facilities"], "儿童游乐区滑梯有破损，希望尽快维修并加装遮阳棚"),
    ("outdoors", ["greening", "cleaning"], "中心花园草坪常有狗粪，建议增设宠物粪便箱"),
    ("questionnaire", ["convenience", "culture"], "希望增设快递柜，节假日组织社区活动"),
    ("home", ["difficulties"], "独居老人行动不便，希望物业定期上门看望"),
    ("phone", ["staff"], ""),
    ("home", ["cleaning", "security"], ""),
    ("other", ["other"], "希望物业费收支情况每季度公示一次"),
]
LAST_MONTH_VISITS = (10, 6, 6)  # per community in order: the first meets its quota of 10
THIS_MONTH_VISITS = 3


def _moments(month: Month, now, rng, count: int) -> list[datetime.datetime]:
    """Daytime moments (09:00–20:59) of the month that are at least an hour in the past."""
    last_day = (month.end - datetime.timedelta(days=1)).day
    candidates = []
    for day in range(1, last_day + 1):
        moment = month.start.replace(day=day, hour=rng.randint(9, 20), minute=rng.choice([0, 15, 30, 45]))
        if moment < now - datetime.timedelta(hours=1):
            candidates.append(moment)
    return sorted(rng.sample(candidates, min(count, len(candidates))))


def _record(by, unit, moment, scenario, rng):
    mode, topics, opinions = scenario
    appointment = {}
    if mode == "home":
        owner = unit.ownerships.current().select_related("owner").first()
        who = f"业主{owner.owner.name}本人，电话预约" if owner else "住户本人，电话预约"
        appointment = {
            "appointment_made_at": moment - datetime.timedelta(days=rng.randint(1, 3), hours=2),
            "appointment_with": who,
        }
    signature = "" if mode == "phone" else rng.choice([Signature.SIGNED] * 4 + [Signature.REFUSED])
    return services.visit_record(
        by=by, unit=unit, mode=mode, topics=topics, visited_at=moment, signature=signature,
        opinions=opinions, **appointment,
    )  # fmt: skip


def seed(*, stdout, seed: int) -> None:
    rng = random.Random(seed + 8)
    now = timezone.now()
    users = get_user_model().objects
    last = Month.current().previous
    for index, community in enumerate(Community.objects.order_by("pk")):
        if Visit.objects.filter(community=community).exists():
            continue
        supervisor = users.filter(username=f"{community.code}_cs").first()
        manager = users.filter(username=f"{community.code}_manager").first()
        units = list(Unit.objects.filter(community=community, use__in=Unit.LIVED_IN).order_by("pk")[:300])
        last_count = LAST_MONTH_VISITS[min(index, len(LAST_MONTH_VISITS) - 1)]
        if supervisor is None or manager is None or len(units) < last_count + THIS_MONTH_VISITS:
            continue
        households = rng.sample(units, last_count + THIS_MONTH_VISITS)
        scenarios = rng.sample(SCENARIOS, len(SCENARIOS))
        count = 0
        plan = [(last, last_count), (Month.current(), THIS_MONTH_VISITS)]
        for month, n in plan:
            for moment in _moments(month, now, rng, n):
                _record(supervisor, households[count], moment, scenarios[count % len(scenarios)], rng)
                count += 1
        summary, _created = services.visit_summary_open(community_id=community.pk, month=last)
        _review(summary, index, supervisor, manager)
        stdout.write(f"{community.name}: {count} owner visits")
    for community in Community.objects.order_by("pk"):
        _notices(community, users, now)
    notices.fee_account_deadlines_open()
    for index, community in enumerate(Community.objects.order_by("pk")):
        _surveys(community, users, rng, last=index == 2, stdout=stdout)


# R-SUR-1 … R-SUR-7: how often owners tick each answer, per item (satisfied, basically, dissatisfied,
# blank, several): cleaning and the repairs' timeliness draw the most dissatisfaction.
ODDS = {
    "cleaning": (50, 25, 18, 5, 2),
    "repair_timeliness": (45, 30, 17, 6, 2),
    "security": (60, 25, 9, 5, 1),
}
ODDS_OTHER = (65, 24, 5, 5, 1)
CODES = ("1", "2", "3", "", "0")
PAPER_SUGGESTIONS = [
    ("cleaning", "楼道垃圾清运不及时，夏天有异味"),
    ("repair_timeliness", "报修后等待时间太长，希望当天上门"),
    ("cleaning", "地下车库地面油污多，建议定期冲洗"),
    ("security", "夜间巡逻次数少，单元门禁经常坏"),
    ("facilities", "儿童游乐设施老化，希望更换"),
    ("difficulties", "家中有行动不便的老人，希望提供上门缴费服务"),
    ("other", "希望物业多组织业主活动"),
]


JUNE_MEASURES = """1. 保洁：保洁外包单位每日两次巡查楼道，垃圾日产日清，地下车库每月冲洗一次。
2. 维修（及时性）：报修承诺2小时内响应、24小时内上门，超时由客服部跟进。
3. 治安：夜间巡逻由两次增至四次，单元门禁本月内全部检修。
4. 其余事项由各责任部门制定整改计划，下月业户走访时回访落实情况。"""


def _surveys(community, users, rng, *, last: bool, stdout) -> None:
    """Satisfaction surveys through the services. In the largest community (锦绣华庭, 900 households) the
    June 2026 round: sent on 1 June, two thirds of the paper forms typed into the grid, closed when its
    15 working days ran out, its statistics finished and its measures published — but only now, when the
    demo is seeded, so the ledger shows those two met late. Every community gets its December round
    prepared: sending it waits for the administrator to enter the 2027 holiday schedule (the statistics
    run into January). Skipped when the community already has a round."""
    supervisor = users.filter(username=f"{community.code}_cs").first()
    manager = users.filter(username=f"{community.code}_manager").first()
    if supervisor is None or manager is None or SurveyRound.objects.filter(community=community).exists():
        return
    rounds.survey_round_create(by=supervisor, community_id=community.pk, year=2026, period=12)
    if not last:
        return
    june = rounds.survey_round_create(by=supervisor, community_id=community.pk, year=2026, period=6)
    june = rounds.survey_round_send(round_id=june.pk, by=supervisor, sent_on=datetime.date(2026, 6, 1))
    forms = list(june.questionnaires.select_related("unit").order_by("unit__building__sort_key", "pk"))
    typed = [q for q in forms if rng.random() < 0.68]
    rows, suggestions = [], rng.sample(PAPER_SUGGESTIONS * 8, len(PAPER_SUGGESTIONS) * 8)
    for n, q in enumerate(typed):
        codes = {key: rng.choices(CODES, ODDS.get(key, ODDS_OTHER))[0] for key in june.item_keys}
        topic, text = suggestions[n] if n < len(suggestions) and n % 5 == 0 else ("", "")
        rows.append(
            rounds.PaperRow(questionnaire_id=q.pk, codes=codes, suggestion=text, suggestion_topic=topic)
        )
    for start in range(0, len(rows), 100):
        rounds.questionnaire_returns_enter(round_id=june.pk, by=supervisor, rows=rows[start : start + 100])
    rounds.survey_round_close_due(round_id=june.pk)
    round_report.round_statistics_finish(
        round_id=june.pk, by=supervisor,
        analysis="业主意见集中在保洁质量和报修响应速度两方面；部分老年业主提出上门服务需求。",
    )  # fmt: skip
    round_report.round_publish(round_id=june.pk, by=manager, measures=JUNE_MEASURES)
    stdout.write(f"{community.name}: June survey, {len(typed)} of {len(forms)} questionnaires returned")


def _notices(community, users, now) -> None:
    """R-COM-2: the last quarter's fee accounts and a planned water cut put up on the board (three
    days ahead), and a power-cut notice still a draft. Skipped when the community has notices."""
    manager = users.filter(username=f"{community.code}_manager").first()
    supervisor = users.filter(username=f"{community.code}_cs").first()
    if manager is None or supervisor is None or Notice.objects.filter(community=community).exists():
        return
    today = timezone.localdate(now)
    quarter_end = today.replace(month=1 + 3 * ((today.month - 1) // 3), day=1) - datetime.timedelta(days=1)
    quarter_start = quarter_end.replace(month=quarter_end.month - 2, day=1)
    fee = notices.notice_create(
        by=manager, community=community, kind=Notice.Kind.FEE_ACCOUNT,
        title=f"{quarter_start.year}年第{(quarter_end.month) // 3}季度物业服务费收支情况公示",
        body="本季度物业服务费收入、公共部位维修支出、保洁绿化外包支出及公共能耗费用明细见附表，"
             "业主如有疑问，请于公示期内到客户服务中心查阅原始凭证。",
        period_from=quarter_start, period_to=quarter_end,
    )  # fmt: skip
    notices.notice_publish(notice_id=fee.pk, by=manager)
    start = (timezone.localtime(now) + datetime.timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    water = notices.notice_create(
        by=supervisor, community=community, kind=Notice.Kind.WATER_CUT,
        title="二次供水水箱清洗停水通知",
        body="因二次供水水箱年度清洗消毒，届时全小区停水，请各位业主提前做好储水准备，给您带来不便敬请谅解。",
        starts_at=start, ends_at=start + datetime.timedelta(hours=8),
    )  # fmt: skip
    notices.notice_publish(notice_id=water.pk, by=supervisor)
    power = start + datetime.timedelta(days=7)
    notices.notice_create(
        by=supervisor, community=community, kind=Notice.Kind.POWER_CUT,
        title="配电房检修停电通知",
        body="供电公司将对小区配电房进行年度检修，届时电梯、地下车库照明暂停使用，请业主提前安排出行。",
        starts_at=power, ends_at=power + datetime.timedelta(hours=4),
    )  # fmt: skip


def _review(summary, index: int, supervisor, manager) -> None:
    if index > 1 or not summary.is_open:
        return  # the third community's summary is still being prepared
    services.visit_summary_prepare(
        summary_id=summary.pk, by=supervisor,
        overview="本月走访业户意见集中在报修响应速度和公共设施维护，已当场答复的问题另有记录，其余请中心负责人决定。",
    )  # fmt: skip
    suggestions = list(summary.suggestions.order_by("pk"))
    for position, suggestion in enumerate(suggestions if index == 0 else suggestions[:1]):
        passed = position == 0 and index == 0
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=suggestion.pk, by=manager,
            decision=Suggestion.Decision.PASSED if passed else Suggestion.Decision.ADOPTED,
            note="涉及公司层面的制度安排，转公司投诉中心" if passed else "采纳，由客服部跟进落实",
        )  # fmt: skip
    if index == 0:
        services.visit_summary_submit(summary_id=summary.pk, by=manager)
