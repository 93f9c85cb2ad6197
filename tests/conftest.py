"""Named actors and shared fixtures (STYLE.md 21).

alice — front-desk receptionist of community A
bob   — a staff member with no role anywhere
carol — receptionist of community B
dave  — archivist of community A (may record a change of owner)
quinn — quality department, company level (sees every community)
"""

import pytest
from django.test import override_settings

from propsvc.roles import Role
from tests.factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _plain_static_storage():
    # The manifest needs collectstatic; tests render templates with plain static URLs.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    # The suite runs with DEBUG=false, where SECURE_SSL_REDIRECT defaults to true: the test client and
    # the live server speak plain http. tests/security/test_headers.py turns it back on where it checks it.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(autouse=True, scope="session")
def _long_sessions():
    # Journeys travel hours and days in time with one logged-in client; the 30-minute idle timeout
    # would log it out between steps. tests/security/conftest.py puts the real lifetime back there.
    day = 24 * 3600
    with override_settings(SESSION_COOKIE_AGE=14 * day, PROPSVC_SESSION_IDLE_SECONDS=14 * day):
        yield


@pytest.fixture
def community_a(db):
    return CommunityFactory(name="阳光花园", code="ygh")


@pytest.fixture
def community_b(db):
    return CommunityFactory(name="翠湖苑", code="chy")


def _member(username, community, role, **kwargs):
    user = UserFactory(username=username)
    MembershipFactory(user=user, community=community, role=role, **kwargs)
    return user


@pytest.fixture
def alice(community_a):
    return _member("alice", community_a, Role.RECEPTIONIST)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def carol(community_b):
    return _member("carol", community_b, Role.RECEPTIONIST)


@pytest.fixture
def dave(community_a):
    return _member("dave", community_a, Role.ARCHIVIST)


@pytest.fixture
def quinn(db):
    return _member("quinn", None, Role.QUALITY)


@pytest.fixture
def unit_a(community_a):
    return UnitFactory(
        building__community=community_a, building__number="3", entrance=2, floor=11, room="1101"
    )


@pytest.fixture
def unit_b(community_b):
    return UnitFactory(
        building__community=community_b, building__number="3", entrance=2, floor=11, room="1101"
    )
