"""Journey: a look-up of a confidential owner archive (R-ARC-2, R-ARC-4), each person at their own
browser — the receptionist finds the unit in the building's archive catalogue and asks to look at its
archive; the CS center manager approves; the archivist registers it, which opens the window; the
archive opens for the receptionist with the owner's full phone; the manager finds that view in the
access log (查阅记录); once the window is over the archive is closed again and the phone masked.

The window is made five minutes long (settings), and the clock is moved past it with time_machine:
the live server runs in a thread of this process, so it sees the moved clock too.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from archives.models import Unit
from propsvc.roles import Role
from tests.conftest import _member
from tests.e2e.conftest import PASSWORD, shoot
from tests.factories import OwnershipFactory, UnitFactory

WINDOW = 5  # minutes
MOBILE, MASKED = "13812345678", "138****5678"
REASON = "业主委托办理车位登记，核对车辆信息"

# Building 3 of 阳光花园 besides unit_a (2单元1101室, 王建国): (entrance, floor, room, owner, use).
NEIGHBOURS = [
    (1, 1, "101", "李秀英", Unit.Use.OCCUPIED),
    (1, 1, "102", "张伟", Unit.Use.RENTED),
    (1, 2, "201", "刘芳", Unit.Use.OCCUPIED),
    (1, 2, "202", "", Unit.Use.VACANT),
    (1, 3, "301", "陈静", Unit.Use.RENOVATING),
    (1, 3, "302", "杨洋", Unit.Use.OCCUPIED),
    (2, 10, "1001", "赵磊", Unit.Use.OCCUPIED),
    (2, 10, "1002", "黄敏", Unit.Use.RENTED),
    (2, 11, "1102", "周杰", Unit.Use.OCCUPIED),
    (2, 12, "1201", "吴丽", Unit.Use.OCCUPIED),
    (2, 12, "1202", "", Unit.Use.VACANT),
]


@pytest.fixture
def building_3(unit_a):
    OwnershipFactory(unit=unit_a, owner__name="王建国", owner__mobile=MOBILE)
    for n, (entrance, floor, room, owner, use) in enumerate(NEIGHBOURS):
        unit = UnitFactory(
            building=unit_a.building, entrance=entrance, floor=floor, room=room, use=use,
            handover_date=datetime.date(2020, 6, 1 + n), area=f"{89.5 + 10 * (n % 3):.2f}",
        )  # fmt: skip
        if owner:
            OwnershipFactory(unit=unit, owner__name=owner, owner__mobile=f"139{n:08d}")
    return unit_a.building


@pytest.fixture
def short_window(settings):
    settings.PROPSVC_ARCHIVE_WINDOW_MINUTES = WINDOW


@pytest.fixture
def desk(browser, browser_context_args, live_server):
    """Each person at their own browser: desk(user) opens one, logs in through the login page and
    returns its page."""
    contexts = []

    def _desk(user):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("button", name=user.get_full_name())).to_be_visible()
        return page

    yield _desk
    for context in contexts:
        context.close()


def _lookups(page, tab: str | None = None):
    page.get_by_role("navigation").get_by_role("link", name="档案查阅").click()
    if tab:
        page.get_by_role("link", name=tab, exact=True).click()
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("查阅申请")
    return page


def test_a_look_up_opens_the_archive_for_its_window_and_is_logged(
    desk, short_window, building_3, community_a, alice, dave
):
    mona = _member("mona", community_a, Role.CS_MANAGER)

    # The receptionist finds the unit in the building's catalogue and asks to look at its archive.
    desk_a = desk(alice)
    desk_a.get_by_role("navigation").get_by_role("link", name="楼栋房屋").click()
    desk_a.get_by_role("link", name="3栋", exact=True).click()
    desk_a.get_by_role("link", name="业户档案目录").click()
    expect(desk_a.get_by_role("heading", name="业户档案目录")).to_be_visible()
    expect(desk_a.get_by_text("共12户")).to_be_visible()
    catalogue = desk_a.locator(".catalogue-table tbody tr")
    expect(catalogue).to_have_count(12)
    expect(catalogue.filter(has_text="王建国")).to_contain_text("阳光花园3栋2单元1101室")
    expect(desk_a.locator(".catalogue-table")).not_to_contain_text("138")  # no phone in the catalogue
    shoot(desk_a, "archive-catalogue")

    catalogue.filter(has_text="王建国").get_by_role("link", name="1101").click()
    expect(desk_a.get_by_role("cell", name=MASKED)).to_be_visible()
    desk_a.get_by_role("link", name="业户档案").click()
    expect(desk_a.get_by_role("heading", name="申请查阅")).to_be_visible()
    desk_a.get_by_label("查阅事由").fill(REASON)
    desk_a.get_by_label("查阅时限").select_option(label=f"{WINDOW}分钟")
    desk_a.get_by_role("button", name="提交申请").click()
    expect(desk_a.get_by_text("已通知客服中心经理审批")).to_be_visible()
    expect(desk_a.get_by_text(MOBILE)).to_have_count(0)

    # The CS center manager approves it.
    manager = desk(mona)
    _lookups(manager, "待我批准")
    request = manager.locator("tbody tr", has_text=REASON)
    expect(request).to_contain_text(alice.get_full_name())
    request.get_by_role("button", name="批准").click()
    expect(manager.get_by_text("已批准。")).to_be_visible()

    # The archivist registers it: the window opens.
    archivist = desk(dave)
    _lookups(archivist, "待我登记")
    archivist.locator("tbody tr", has_text=REASON).get_by_role("button", name="登记并开放").click()
    expect(archivist.get_by_text("已登记，查阅已开放。")).to_be_visible()

    # The receptionist opens the archive: the owner's full phone.
    _lookups(desk_a)
    desk_a.locator("tbody tr", has_text=REASON).get_by_role("link", name="查看档案").click()
    expect(desk_a.get_by_text("每次查看和下载都会被记录")).to_be_visible()
    expect(desk_a.get_by_text(MOBILE)).to_be_visible()
    expect(desk_a.get_by_text(MASKED)).to_have_count(0)

    # The manager finds that view in the access log.
    _lookups(manager)
    manager.get_by_role("link", name="查阅记录").click()
    entry = manager.locator("tbody tr", has_text=alice.get_full_name())
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("阳光花园 3栋2单元1101室")
    expect(entry).to_contain_text("查看档案")

    # After the window the archive is closed again and the phone masked.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=WINDOW, seconds=30), tick=True):
        desk_a.reload()
        expect(desk_a.get_by_role("heading", name="申请查阅")).to_be_visible()
        expect(desk_a.get_by_text(MOBILE)).to_have_count(0)
        expect(desk_a.locator(".list-group-item", has_text=REASON)).to_contain_text("已到期")
        desk_a.get_by_role("navigation", name="当前位置").get_by_role("link", name="3栋2单元1101室").click()
        expect(desk_a.get_by_role("cell", name=MASKED)).to_be_visible()
        expect(desk_a.get_by_text(MOBILE)).to_have_count(0)
        _lookups(desk_a)
        expect(desk_a.locator("tbody tr", has_text=REASON)).to_contain_text("已到期")
