from propsvc.roles import Role
from tests.factories import MembershipFactory, UnitFactory, UserFactory


def _two_community_user(community_a, community_b):
    user = UserFactory(username="mia")
    MembershipFactory(user=user, community=community_a, role=Role.CS_MANAGER)
    MembershipFactory(user=user, community=community_b, role=Role.CS_MANAGER)
    return user


def test_it_narrows_lists_to_the_community_chosen_in_the_header(client, community_a, community_b):
    user = _two_community_user(community_a, community_b)
    a = UnitFactory(building__community=community_a, room="1101")
    b = UnitFactory(building__community=community_b, room="1101")
    client.force_login(user)

    client.post("/community/switch/", {"community": str(community_b.pk), "next": "/"})
    body = client.get("/archives/search/", {"q": "1101"}).content.decode()
    assert f"/archives/units/{b.pk}/" in body and f"/archives/units/{a.pk}/" not in body

    client.post("/community/switch/", {"community": "all", "next": "/"})
    body = client.get("/archives/search/", {"q": "1101"}).content.decode()
    assert f"/archives/units/{a.pk}/" in body and f"/archives/units/{b.pk}/" in body


def test_it_refuses_to_switch_to_a_community_the_user_does_not_work_in(client, alice, community_b):
    client.force_login(alice)
    r = client.post("/community/switch/", {"community": str(community_b.pk), "next": "/"}, follow=True)
    assert "您不在该小区任职" in r.content.decode()
    assert client.session.get("propsvc_community") is None


def test_it_switches_by_post_only(client, alice):
    client.force_login(alice)
    assert client.get("/community/switch/").status_code == 405


def test_it_ignores_an_off_site_next_address(client, community_a, community_b):
    user = _two_community_user(community_a, community_b)
    client.force_login(user)
    r = client.post("/community/switch/", {"community": "all", "next": "https://evil.example/"})
    assert r["Location"] == "/"
