"""Issue 11: the Content-Security-Policy (on here: the suite runs with DEBUG=false) blocks nothing the
pages need — the main pages load with no violation reported by the browser, the one inline script
(the notice form's) runs with its nonce, the print buttons work from static/js (no inline handler). The
other
journeys prove htmx (the desk's unit look-up, the filters) and Chart.js (the statistics) under it."""

import pytest

from propsvc.roles import Role
from tests.conftest import _member
from tests.e2e.test_layout import PAGES
from tests.factories import CommunityFactory

CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")


@pytest.fixture
def manager(db):
    return _member("mona", CommunityFactory(name="阳光花园", code="ygh"), Role.CS_MANAGER)


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reports (console errors and securitypolicyviolation events)."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if any(w in msg.text for w in CSP_WORDS) else None)
    page.on("pageerror", lambda error: found.append(str(error)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return found


def test_the_pages_run_under_the_policy(login, manager, live_server, violations):
    page = login(manager)
    for path in [*PAGES, "/violations/statistics/", "/notifications/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_inline_script_runs_with_its_nonce(login, manager, live_server, violations):
    page = login(manager)
    response = page.goto(f"{live_server.url}/surveys/notices/new/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    # The script shows only the fields of the chosen kind: the fee-account period is hidden until chosen.
    assert page.locator("[data-kinds='fee_account']").is_hidden()
    page.select_option("#id_kind", "fee_account")
    assert page.locator("[data-kinds='fee_account']").is_visible()
    assert violations == []


def test_the_print_button_runs_under_the_policy(login, manager, live_server, violations):
    page = login(manager)
    page.goto(f"{live_server.url}/violations/statistics/")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.locator("button[data-print]").first.click()
    assert page.evaluate("window.printed") is True
    assert violations == []
