"""Journey: a complaint from the desk to a call-back that reopens it (issue 9), as the people do it —
each logs in, finds the complaint in the list and takes the step the detail page offers them
(DOMAIN R-CMP-2…7, R-CB-3, R-CB-4).

Actors: alice — front-desk receptionist A (logs the visit, follows it up as a complaint); pete —
property supervisor A (handles the general complaint: triage, the owner's answers, the call-back);
erin — engineering staff A (reports the result); hank — engineering head A (signs it off).
Only the setup writes to the database; every step after it goes through the browser.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from propsvc.roles import Role
from reception import services as reception
from tests.conftest import _member
from tests.e2e.conftest import PASSWORD, shoot
from tests.reception import conftest as reception_actors

# The reception actors, shared by name (as tests/complaints/conftest.py does).
eng_a = reception_actors.eng_a
erin = reception_actors.erin
hank = reception_actors.hank
owner_a = reception_actors.owner_a

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMAT = "%Y-%m-%dT%H:%M"  # what a datetime-local input takes
# Other journeys run their browsers on the same small machine: a step's page may take seconds.
WAIT = 20_000


@pytest.fixture
def pete(community_a):
    return _member("pete", community_a, Role.PROPERTY_SUPERVISOR)


@pytest.fixture
def desk_record(alice, community_a, unit_a, owner_a):
    """The visit alice logged at the desk: a complaint about the leaking ceiling."""
    return reception.record_log(
        by=alice,
        community=community_a,
        unit=unit_a,
        owner=owner_a,
        kind="complaint",
        channel="visit",
        subject="楼上漏水到我家",
        details="卫生间天花板滴水",
        request="尽快维修",
    )


@pytest.fixture
def people(alice, pete, erin, hank):
    """Everyone's password, set once in the setup (the journey itself writes nothing)."""
    for user in (alice, pete, erin, hank):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return {"alice": alice, "pete": pete, "erin": erin, "hank": hank}


def _name(user) -> str:
    return user.get_full_name() or user.username


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(FORMAT)


def _last_call_moment(now: datetime.datetime) -> datetime.datetime:
    """The latest moment up to now inside the call hours 08:00–22:00 (R-CB-6): the call was made then."""
    local = now.astimezone(SHANGHAI).replace(second=0, microsecond=0)
    if local.hour < 8:
        return (local - datetime.timedelta(days=1)).replace(hour=21, minute=30)
    if local.hour >= 22:
        return local.replace(hour=21, minute=30)
    return local


def test_a_desk_complaint_goes_through_rejection_and_a_dissatisfied_call_back_reopens_it(
    page, live_server, people, desk_record
):
    alice, pete, erin, hank = people["alice"], people["pete"], people["erin"], people["hank"]
    status = page.locator("h1 + .badge")  # the status badge beside the complaint's number and subject

    def log_in(user):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("button", name=_name(user))).to_be_visible(timeout=WAIT)

    def log_out(user):
        page.get_by_role("button", name=_name(user)).click()
        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=WAIT)

    def open_complaint(user, number):
        """Log in and open the complaint from the list, the way the next person in line does."""
        log_in(user)
        page.get_by_role("navigation").get_by_role("link", name="投诉", exact=True).click()
        page.get_by_role("link", name=number, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(number, timeout=WAIT)

    def step(title):
        """Open one step of the detail page's 下一步处理 and return its section."""
        page.get_by_role("button", name=title, exact=True).click()
        section = page.locator(".accordion-item").filter(
            has=page.get_by_role("button", name=title, exact=True)
        )
        expect(section.locator("form")).to_be_visible(timeout=WAIT)
        return section

    def saved(message, now):
        expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible(timeout=WAIT)
        expect(status).to_have_text(now)

    # The desk: alice opens the visit she logged and follows it up as a complaint (R-CMP-2),
    # classifying it: facilities, general, the engineering department; the apology was given.
    log_in(alice)
    page.get_by_role("navigation").get_by_role("link", name="接待记录").click()
    page.get_by_role("link", name=desk_record.number, exact=True).click()
    page.get_by_role("link", name="转投诉处理").click()
    expect(page.get_by_role("heading", name="转投诉处理")).to_be_visible(timeout=WAIT)
    page.get_by_label("投诉类别").select_option(label="设施设备")
    page.get_by_label("一般", exact=True).check()
    page.get_by_label("责任部门").select_option(label="工程部")
    page.get_by_label("已向业主致歉").check()
    page.get_by_role("button", name="登记投诉").click()
    saved("已登记", "待判定")
    number = page.get_by_role("heading", level=1).inner_text().split()[0]
    expect(page.get_by_text("由客服中心经理、物业主管处理。")).to_be_visible()
    log_out(alice)

    # Triage by the handler of a general complaint, the property supervisor: valid, with the plan
    # (R-CMP-3, R-CMP-5).
    open_complaint(pete, number)
    form = step("判定：有效或无效")
    form.get_by_label("有效投诉", exact=True).check()
    form.get_by_label("处理方案").fill("派工程部上门检修楼上管道")
    form.get_by_role("button", name="保存").click()
    saved("投诉已判定。", "处理中")
    log_out(pete)

    # The engineer who fixed it reports the result (R-CMP-6) …
    open_complaint(erin, number)
    form = step("填报处理结果")
    form.get_by_label("处理结果").fill("已更换楼上漏水管段")
    form.get_by_role("button", name="保存").click()
    saved("处理结果已记录", "待审核确认")
    log_out(erin)

    # … and the head of the responsible department signs it off.
    open_complaint(hank, number)
    form = step("审核确认处理结果")
    form.get_by_role("button", name="审核确认", exact=True).click()
    saved("已审核确认", "待业主确认")
    log_out(hank)

    # The owner does not accept it: the handler records the objection and the new plan (R-CMP-7).
    open_complaint(pete, number)
    form = step("业主不认可：重新制定方案")
    form.get_by_label("业主不认可的内容").fill("天花板还有水渍")
    form.get_by_role("textbox", name="新方案*", exact=True).fill("重新做防水并修补天花板")
    due = datetime.datetime.now(SHANGHAI) + datetime.timedelta(days=1)
    form.get_by_label("新方案处理时限").fill(_local(due))
    form.get_by_role("button", name="保存").click()
    saved("业主不认可，新方案已记录。", "处理中")
    expect(page.get_by_text("第2轮", exact=True)).to_be_visible()
    log_out(pete)

    # The second round: the new result, its sign-off, and this time the owner accepts.
    open_complaint(erin, number)
    form = step("填报处理结果")
    form.get_by_label("处理结果").fill("防水已重做，天花板已修补")
    form.get_by_role("button", name="保存").click()
    saved("处理结果已记录", "待审核确认")
    log_out(erin)

    open_complaint(hank, number)
    form = step("审核确认处理结果")
    form.get_by_role("button", name="审核确认", exact=True).click()
    saved("已审核确认", "待业主确认")
    log_out(hank)

    open_complaint(pete, number)
    form = step("业主认可")
    form.get_by_label("备注").fill("业主到现场查看后认可")
    form.get_by_role("button", name="保存").click()
    saved("业主认可，已安排回访。", "待回访")

    # The call-back: the owner is not satisfied, so someone is assigned to fix it, with what will be
    # done and the next call-back (R-CB-3, R-CB-4, R-CB-6) — and the complaint reopens.
    form = step("填写回访记录")
    called_at = _last_call_moment(datetime.datetime.now(SHANGHAI))
    form.get_by_role("textbox", name="回访时间*", exact=True).fill(_local(called_at))
    form.get_by_role("group", name="质量评价").get_by_label("基本满意", exact=True).check()
    form.get_by_role("group", name="服务效果评价").get_by_label("不满意", exact=True).check()
    form.get_by_role("group", name="满意度评价").get_by_label("不满意", exact=True).check()
    form.get_by_label("缺点与不足").fill("卫生间仍有异味")
    form.get_by_label("整改责任人").select_option(label=_name(erin))
    form.get_by_label("整改措施或原因说明").fill("再次检查楼上管道并除味")
    tomorrow = datetime.datetime.now(SHANGHAI) + datetime.timedelta(days=1)
    form.get_by_label("下次回访时间").fill(_local(tomorrow.replace(hour=10, minute=0)))
    form.get_by_role("button", name="保存").click()
    saved("回访已记录。", "处理中")

    # The detail page: reopened, being handled again by erin, and every step on the timeline.
    expect(page.get_by_text("重开次数 1")).to_be_visible()
    expect(page.get_by_text(f"责任人：{_name(erin)}")).to_be_visible()
    callbacks = page.locator(".card").filter(has=page.get_by_role("heading", name="回访", exact=True))
    expect(callbacks.get_by_text("待回访", exact=True)).to_have_count(1)
    expect(callbacks.get_by_text("已回访", exact=True)).to_have_count(1)
    timeline = page.locator(".card").filter(has=page.get_by_role("heading", name="处理记录"))
    for label, times in [
        ("由接待记录转为投诉处理", 1),
        ("判定为有效投诉", 1),
        ("已填报处理结果", 2),
        ("部门负责人已审核确认处理结果", 2),
        ("业主不认可，已重新制定方案", 1),
        ("业主认可处理方案", 1),
        ("已安排回访", 2),
        ("已回访", 1),
        ("回访不满意，重新打开", 1),
    ]:
        expect(timeline.get_by_text(label, exact=True)).to_have_count(times)
    expect(timeline.get_by_text("再次检查楼上管道并除味")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "complaint-detail")
