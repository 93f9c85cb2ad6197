"""A change of owner closes the old ownership and keeps it (R-ARC-3)."""

import datetime

import pytest

from archives.models import Ownership, UnitEvent
from archives.services import ArchiveError, ownership_transfer
from tests.factories import OwnershipFactory


@pytest.fixture
def owned_unit(unit_a):
    OwnershipFactory(
        unit=unit_a, owner__name="张伟", owner__mobile="13812345678", start_date=datetime.date(2019, 1, 5)
    )
    return unit_a


def test_it_keeps_the_old_ownership_when_the_owner_changes(owned_unit, dave):
    ownership_transfer(
        unit_id=owned_unit.pk,
        by=dave,
        owners=[{"name": "赵敏", "mobile": "13700007777"}],
        start_date=datetime.date(2024, 5, 1),
        reason="二手房买卖",
    )
    old = Ownership.objects.get(unit=owned_unit, owner__name="张伟")
    new = Ownership.objects.get(unit=owned_unit, owner__name="赵敏")
    assert old.end_date == datetime.date(2024, 5, 1) and old.end_reason == "二手房买卖"
    assert new.end_date is None and new.start_date == datetime.date(2024, 5, 1)
    event = UnitEvent.objects.get(unit=owned_unit)
    assert event.kind == "unit.owner_changed" and event.actor == dave
    assert event.data["from"] == ["张伟"] and event.data["to"] == ["赵敏"]


def test_it_records_co_owners(owned_unit, dave):
    ownership_transfer(
        unit_id=owned_unit.pk,
        by=dave,
        start_date=datetime.date(2024, 5, 1),
        reason="赠与",
        owners=[{"name": "赵敏", "mobile": "13700007777"}, {"name": "钱进", "mobile": "15000001111"}],
    )
    assert set(owned_unit.ownerships.current().values_list("owner__name", flat=True)) == {"赵敏", "钱进"}


def test_it_refuses_a_date_before_the_current_owner_took_over(owned_unit, dave):
    with pytest.raises(ArchiveError):
        ownership_transfer(
            unit_id=owned_unit.pk,
            by=dave,
            owners=[{"name": "赵敏", "mobile": "13700007777"}],
            start_date=datetime.date(2018, 1, 1),
            reason="二手房买卖",
        )
    assert owned_unit.ownerships.current().get().owner.name == "张伟"
    assert not UnitEvent.objects.exists()


def test_it_refuses_a_receptionist(owned_unit, alice):
    with pytest.raises(ArchiveError):
        ownership_transfer(
            unit_id=owned_unit.pk,
            by=alice,
            owners=[{"name": "赵敏", "mobile": "13700007777"}],
            start_date=datetime.date(2024, 5, 1),
            reason="二手房买卖",
        )
    assert owned_unit.ownerships.count() == 1


def test_it_records_the_change_from_the_browser(client, owned_unit, dave):
    client.force_login(dave)
    url = f"/archives/units/{owned_unit.pk}/transfer/"
    assert client.get(url).status_code == 200
    r = client.post(
        url, {"name": "赵敏", "mobile": "137 0000 7777", "start_date": "2024-05-01", "reason": "二手房买卖"}
    )
    assert r.status_code == 302 and r["Location"] == f"/archives/units/{owned_unit.pk}/"
    body = client.get(r["Location"]).content.decode()
    assert "赵敏" in body and "张伟" in body and "原业主" in body
    assert "137****7777" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "赵敏", "mobile": "12345", "start_date": "2024-05-01", "reason": "买卖"}, "手机号"),
        (
            {"name": "赵敏", "mobile": "13700007777", "start_date": "2099-01-01", "reason": "买卖"},
            "不能晚于今天",
        ),
        ({"name": "赵敏", "mobile": "13700007777", "start_date": "2018-01-01", "reason": "买卖"}, "不能早于"),
        (
            {
                "name": "赵敏",
                "mobile": "13700007777",
                "start_date": "2024-05-01",
                "reason": "买卖",
                "co_owner_name": "钱进",
            },
            "共有人",
        ),
    ],
)
def test_it_shows_a_clear_message_and_changes_nothing_on_bad_input(client, owned_unit, dave, data, message):
    client.force_login(dave)
    r = client.post(f"/archives/units/{owned_unit.pk}/transfer/", data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert owned_unit.ownerships.count() == 1


def test_it_forbids_the_transfer_page_to_a_receptionist(client, owned_unit, alice):
    client.force_login(alice)
    assert client.get(f"/archives/units/{owned_unit.pk}/transfer/").status_code == 403
    assert client.post(f"/archives/units/{owned_unit.pk}/transfer/", {}).status_code == 403
