"""Find a unit by room ("1101", "3-1101", "3栋1101"), owner name, or the last 4 digits of a phone."""

import pytest

from archives.selectors import parse_unit_query, unit_search
from tests.factories import BuildingFactory, OwnershipFactory, UnitFactory


@pytest.fixture
def desk(community_a, alice):
    b3 = BuildingFactory(community=community_a, number="3")
    b5 = BuildingFactory(community=community_a, number="5")
    units = {
        "3-2-1101": UnitFactory(building=b3, entrance=2, floor=11, room="1101"),
        "3-1-1102": UnitFactory(building=b3, entrance=1, floor=11, room="1102"),
        "5-1-1101": UnitFactory(building=b5, entrance=1, floor=11, room="1101"),
    }
    OwnershipFactory(unit=units["3-2-1101"], owner__name="张伟", owner__mobile="13812345678")
    OwnershipFactory(unit=units["5-1-1101"], owner__name="李娜", owner__mobile="13900001234")
    return units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1101", {"3-2-1101", "5-1-1101"}),
        ("1101室", {"3-2-1101", "5-1-1101"}),
        ("3-1101", {"3-2-1101"}),
        ("3栋1101", {"3-2-1101"}),
        ("3号楼1101", {"3-2-1101"}),
        ("3-2-1101", {"3-2-1101"}),
        ("3栋2单元1101室", {"3-2-1101"}),
        ("3-1-1101", set()),
        ("张", {"3-2-1101"}),
        ("张伟", {"3-2-1101"}),
        ("5678", {"3-2-1101"}),
        ("1234", {"5-1-1101"}),
        ("王", set()),
        ("", set()),
    ],
)
def test_it_finds_units_by_room_name_or_phone_tail(desk, alice, text, expected):
    found = {f"{u.building.number}-{u.entrance}-{u.room}" for u in unit_search(user=alice, text=text)}
    assert found == expected


def test_it_reads_four_digits_as_room_and_phone_tail():
    query = parse_unit_query("1101")
    assert query.room == "1101" and query.phone_tail == "1101"


def test_it_does_not_find_by_a_former_owners_name(desk, alice, dave):
    import datetime

    from archives.services import ownership_transfer

    ownership_transfer(
        unit_id=desk["3-2-1101"].pk,
        by=dave,
        owners=[{"name": "赵敏", "mobile": "13700007777"}],
        start_date=datetime.date(2024, 5, 1),
        reason="二手房买卖",
    )
    assert unit_search(user=alice, text="张伟") == []
    assert [u.pk for u in unit_search(user=alice, text="赵敏")] == [desk["3-2-1101"].pk]


def test_it_shows_masked_phones_in_results(client, desk, alice):
    client.force_login(alice)
    body = client.get("/archives/search/", {"q": "张伟"}).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body


def test_it_answers_htmx_with_the_results_fragment_only(client, desk, alice):
    client.force_login(alice)
    r = client.get("/archives/search/", {"q": "3-1101"}, headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "<html" not in body
    assert "3栋2单元1101室" in body


def test_it_says_clearly_when_nothing_matches(client, desk, alice):
    client.force_login(alice)
    body = client.get("/archives/search/", {"q": "9-9999"}).content.decode()
    assert "没有找到" in body


@pytest.mark.parametrize("n", [1, 8])
def test_it_searches_in_constant_queries(client, community_a, alice, django_assert_num_queries, n):
    building = BuildingFactory(community=community_a, number="7")
    for i in range(n):
        OwnershipFactory(unit=UnitFactory(building=building, entrance=i + 1, room="1101"))
    client.force_login(alice)
    # session, user, memberships, communities (header), units, current owners, unread count
    with django_assert_num_queries(7):
        r = client.get("/archives/search/", {"q": "1101"})
    assert r.content.decode().count("/archives/units/") == n


def test_it_requires_login(client, db):
    assert client.get("/archives/search/?q=1101").status_code == 302
