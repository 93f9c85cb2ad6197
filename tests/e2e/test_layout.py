"""Issue 9: the pages work at the front desk's 1366×768 and at a tablet's 768 px — nothing pushes the
page wider than the screen (wide tables scroll inside their own box), and the menu opens."""

import pytest
from playwright.sync_api import expect

from propsvc.roles import Role
from tests.conftest import _member
from tests.e2e.conftest import DESKTOP, TABLET
from tests.factories import CommunityFactory, UnitFactory

PAGES = [
    "/",
    "/reception/new/",
    "/reception/",
    "/reception/work-orders/",
    "/complaints/",
    "/complaints/statistics/",
    "/violations/",
    "/surveys/",
    "/surveys/rounds/",
    "/surveys/notices/",
    "/surveys/suggestions/",
    "/archives/search/",
    "/archives/lookups/",
]


@pytest.fixture
def manager(db):
    community = CommunityFactory(name="阳光花园", code="ygh")
    UnitFactory(building__community=community, building__number="3", entrance=2, floor=11, room="1101")
    return _member("mona", community, Role.CS_MANAGER)


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1366", "768"])
def test_the_main_pages_fit_the_screen(login, manager, live_server, viewport):
    page = login(manager)
    page.set_viewport_size(viewport)
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width}px wide at {viewport['width']}px"


def test_the_menu_opens_on_a_tablet(login, manager):
    page = login(manager)
    page.set_viewport_size(TABLET)
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    expect(page.get_by_role("navigation").get_by_role("link", name="投诉", exact=True)).to_be_visible()
