import pytest

from propsvc import settings as configured


@pytest.fixture(autouse=True)
def _real_session_lifetime(settings):
    """The configured 30 minutes (tests/conftest.py lengthens sessions for the other tests)."""
    settings.SESSION_COOKIE_AGE = configured.SESSION_COOKIE_AGE
    settings.PROPSVC_SESSION_IDLE_SECONDS = configured.PROPSVC_SESSION_IDLE_SECONDS
