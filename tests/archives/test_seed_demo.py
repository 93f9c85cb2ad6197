"""`seed_demo`: the demo data `make run` loads — complete, valid, deterministic and idempotent."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from archives.management.commands.seed_demo import COMMUNITIES, DEMO_PASSWORD
from archives.models import Owner, Ownership, Unit
from propsvc.models import Community, Membership
from propsvc.roles import Role
from propsvc.validators import CN_MOBILE

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "units": sorted(
            Unit.objects.values_list("community__code", "building__number", "room", "entrance", "use")
        ),
        "owners": sorted(Owner.objects.values_list("community__code", "name", "mobile")),
        "ownerships": Ownership.objects.count(),
        "users": sorted(get_user_model().objects.values_list("username", "first_name")),
        "memberships": Membership.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module (it is the slow part); every test reads the same rows."""
    from django.test import override_settings

    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))  # demo photos, charge lists
    # The test database is shared by the session: everything the seed writes is rolled back at the end
    # (the access log, append-only, could not be deleted row by row). Each test runs in a savepoint.
    from django.db import transaction

    with django_db_blocker.unblock(), media:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_it_creates_the_three_demo_communities_with_their_household_counts(seeded):
    counts = {c.code: c.units.count() for c in Community.objects.all()}
    assert counts == {"yangguang": 280, "cuihu": 450, "jinxiu": 900}
    assert [spec.unit_count for spec in COMMUNITIES] == [280, 450, 900]


def test_running_it_again_changes_nothing(seeded):
    before = snapshot()
    seed()
    assert snapshot() == before


def test_every_unit_has_a_current_owner_with_a_valid_unique_mobile(seeded):
    assert not Unit.objects.exclude(ownerships__end_date__isnull=True).exists()
    mobiles = list(Owner.objects.values_list("mobile", flat=True))
    assert all(CN_MOBILE.match(m) for m in mobiles)
    assert len(mobiles) == len(set(mobiles))
    assert all(o.mobile_tail == o.mobile[-4:] for o in Owner.objects.all()[:50])


def test_it_has_co_owners_past_owners_and_every_use_of_a_unit(seeded):
    current = Ownership.objects.current()
    assert current.count() > Unit.objects.count()  # some units have two current owners (共有)
    assert Ownership.objects.filter(end_date__isnull=False).exclude(end_reason="").exists()
    assert set(Unit.objects.values_list("use", flat=True)) == set(Unit.Use.values)


def test_every_role_has_a_demo_user_who_can_log_in(seeded, client):
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert client.login(username="yangguang_desk", password=DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    area_manager = Membership.objects.filter(user__username="area_manager")
    assert area_manager.count() == 3


def test_an_existing_users_password_is_left_alone(seeded):
    user = get_user_model().objects.get(username="cuihu_desk")
    user.set_password("changed-by-the-user-1")
    user.save()
    seed()
    user.refresh_from_db()
    assert user.check_password("changed-by-the-user-1")


def test_logins_prints_every_demo_user_with_the_password(seeded):
    out = seed("--logins")
    assert DEMO_PASSWORD in out
    for username in ("yangguang_desk", "cuihu_manager", "jinxiu_archive", "area_manager", "quality", "admin"):
        assert username in out
    assert "前台接待员" in out
