"""Tenancy: another community's object is a 404; company-level roles see every community."""

from archives.models import Unit
from propsvc.tenancy import ALL, community_scope
from tests.factories import OwnershipFactory


def test_it_returns_404_for_a_unit_of_another_community(client, alice, unit_b):
    client.force_login(alice)
    assert client.get(f"/archives/units/{unit_b.pk}/").status_code == 404


def test_it_shows_a_unit_of_the_users_own_community(client, alice, unit_a):
    client.force_login(alice)
    assert client.get(f"/archives/units/{unit_a.pk}/").status_code == 200


def test_it_lets_a_company_level_role_see_both_communities(client, quinn, unit_a, unit_b):
    client.force_login(quinn)
    assert client.get(f"/archives/units/{unit_a.pk}/").status_code == 200
    assert client.get(f"/archives/units/{unit_b.pk}/").status_code == 200
    assert community_scope(quinn) is ALL


def test_it_scopes_every_read_through_visible_to(alice, unit_a, unit_b):
    assert list(Unit.objects.visible_to(alice)) == [unit_a]


def test_it_never_lists_another_communitys_rows_in_search(client, alice, unit_a, unit_b):
    OwnershipFactory(unit=unit_b, owner__name="王秘密")
    client.force_login(alice)
    body = client.get("/archives/search/", {"q": "1101"}).content.decode()
    assert f"/archives/units/{unit_a.pk}/" in body
    assert f"/archives/units/{unit_b.pk}/" not in body
    assert "王秘密" not in client.get("/archives/search/", {"q": "王"}).content.decode()


def test_it_returns_404_for_another_communitys_building_and_community_pages(client, alice, unit_b):
    client.force_login(alice)
    assert client.get(f"/archives/buildings/{unit_b.building_id}/").status_code == 404
    assert client.get(f"/archives/communities/{unit_b.community_id}/").status_code == 404


def test_it_shows_only_own_communities_on_the_home_page(client, alice, community_a, community_b):
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert community_a.name in body
    assert community_b.name not in body


def test_it_refuses_a_post_to_another_communitys_unit(client, alice, unit_b):
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_b.pk}/use/", {"use": "vacant"})
    assert r.status_code == 404
    unit_b.refresh_from_db()
    assert unit_b.use == "occupied"


def test_it_gives_a_user_without_membership_nothing(client, bob, unit_a):
    client.force_login(bob)
    assert client.get(f"/archives/units/{unit_a.pk}/").status_code == 403
    assert "没有" in client.get("/").content.decode()
