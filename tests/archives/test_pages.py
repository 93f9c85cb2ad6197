"""Browse the register: community → buildings → floors → units; the unit page."""

import pytest

from archives.models import Unit, UnitEvent
from tests.factories import BuildingFactory, OwnershipFactory, UnitFactory


def test_it_derives_households_and_occupancy_from_the_units(client, alice, community_a):
    b = BuildingFactory(community=community_a, number="1")
    for room, use in [("101", "occupied"), ("102", "rented"), ("201", "vacant"), ("202", "renovating")]:
        UnitFactory(building=b, room=room, floor=int(room[0]), use=use)
    client.force_login(alice)
    r = client.get(f"/archives/communities/{community_a.pk}/")
    assert r.status_code == 200
    c = r.context["community"]
    assert (c.households, c.occupied, c.vacant, c.renovating) == (4, 2, 1, 1)
    home = client.get("/").context["communities"][0]
    assert (home.households, home.occupied) == (4, 2)


def test_it_shows_a_building_by_floor_and_entrance(client, alice, community_a):
    b = BuildingFactory(community=community_a, number="2")
    u = UnitFactory(building=b, entrance=2, floor=5, room="502")
    OwnershipFactory(unit=u, owner__name="孙丽")
    client.force_login(alice)
    body = client.get(f"/archives/buildings/{b.pk}/").content.decode()
    assert "5层" in body and "2单元" in body and "502" in body and "孙丽" in body


@pytest.mark.parametrize("n", [1, 6])
def test_it_renders_a_building_in_constant_queries(client, alice, community_a, django_assert_num_queries, n):
    b = BuildingFactory(community=community_a, number="9")
    for i in range(n):
        OwnershipFactory(unit=UnitFactory(building=b, floor=i + 1, room=f"{i + 1}01"))
    client.force_login(alice)
    # session, user, memberships, building, units, current owners, communities (header), unread count
    with django_assert_num_queries(8):
        assert client.get(f"/archives/buildings/{b.pk}/").status_code == 200


def test_it_shows_current_and_past_owners_on_the_unit_page(client, alice, unit_a, dave):
    import datetime

    from archives.services import ownership_transfer

    OwnershipFactory(unit=unit_a, owner__name="张伟", owner__mobile="13812345678")
    ownership_transfer(
        unit_id=unit_a.pk,
        by=dave,
        owners=[{"name": "赵敏", "mobile": "13700007777"}],
        start_date=datetime.date(2024, 5, 1),
        reason="二手房买卖",
    )
    client.force_login(alice)
    body = client.get(unit_a.get_absolute_url()).content.decode()
    assert "当前业主" in body and "原业主" in body
    assert "138****5678" in body and "13812345678" not in body
    assert body.index("赵敏") < body.index("张伟")  # current owners first


def test_it_changes_the_use_of_a_unit(client, alice, unit_a):
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_a.pk}/use/", {"use": "rented", "note": "业主出租"})
    assert r.status_code == 302
    unit_a.refresh_from_db()
    assert unit_a.use == Unit.Use.RENTED
    assert UnitEvent.objects.get(unit=unit_a).data == {"from": "occupied", "to": "rented"}


def test_it_refuses_an_unknown_use_and_changes_nothing(client, alice, unit_a):
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_a.pk}/use/", {"use": "demolished"}, follow=True)
    assert "请从列表中选择房屋状态" in r.content.decode()
    unit_a.refresh_from_db()
    assert unit_a.use == Unit.Use.OCCUPIED


def test_it_refuses_the_use_change_to_roles_without_the_permission(client, community_a, unit_a):
    from tests.conftest import _member

    supervisor = _member("sam", community_a, "property_supervisor")
    client.force_login(supervisor)
    assert client.post(f"/archives/units/{unit_a.pk}/use/", {"use": "vacant"}).status_code == 403
    unit_a.refresh_from_db()
    assert unit_a.use == Unit.Use.OCCUPIED


def test_it_takes_the_use_change_by_post_only(client, alice, unit_a):
    client.force_login(alice)
    assert client.get(f"/archives/units/{unit_a.pk}/use/").status_code == 405


def test_every_model_with_a_page_has_an_absolute_url(unit_a):
    assert unit_a.get_absolute_url() == f"/archives/units/{unit_a.pk}/"
    assert unit_a.building.get_absolute_url() == f"/archives/buildings/{unit_a.building.pk}/"
    assert unit_a.community.get_absolute_url() == f"/archives/communities/{unit_a.community.pk}/"
