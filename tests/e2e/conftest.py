"""Real-browser journeys (issue 9): pytest-playwright drives Debian's Chromium against the app served
by pytest-django's live server, on the same database as the rest of the suite (PostgreSQL in CI).

- Playwright's own browser download does not work here: the `browser_type_launch_args` fixture points
  it at /usr/bin/chromium (PROPSVC_CHROMIUM overrides) with the flags a headless container needs.
- The live server runs in a thread while Playwright's sync API keeps an event loop in the test thread:
  Django then refuses ORM calls from the test ("async unsafe") unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
- Every test here is marked `e2e`; `make test E2E=0` (pytest -m "not e2e") skips them locally. Without
  Chromium they are skipped with the reason, except under CI=true, where they must run.
- Screenshots of the main pages go to docs/screenshots/ at 1366×768 (`shoot`).
"""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("PROPSVC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--lang=zh-CN",
]
# Date and time fields are drawn in the browser's own language (年/月/日 --:--, 24 h), not the page's:
# Chromium reads it from LANGUAGE, and needs Debian's chromium-l10n for Chinese.
CHROMIUM_ENV = {"LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"}
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
PASSWORD = "e2e-pass-2026"  # test users only


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    have_browser = shutil.which(CHROMIUM) or Path(CHROMIUM).exists()
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if not have_browser and os.environ.get("CI") != "true":
                reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_FLAGS,
        "env": {**os.environ, **CHROMIUM_ENV},
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login(page, live_server):
    """Log in through the login page as a person would; returns the page."""

    def _login(user, *, next_path: str = "/"):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        page.goto(f"{live_server.url}/login/?next={next_path}")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        return page

    return _login


def shoot(page, name: str) -> Path:
    """A full-width screenshot of the page at 1366×768 for the README (docs/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
