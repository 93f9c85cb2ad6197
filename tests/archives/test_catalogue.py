"""The catalogue (业户档案目录, DOMAIN R-ARC-2): by building, entrance, floor and room, with owner
name, address, handover date and floor area; printable and exported to Excel; no phone number."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.translation import gettext
from openpyxl import load_workbook

from archives import catalogue
from archives.services import ownership_transfer
from tests.factories import BuildingFactory, OwnershipFactory, UnitFactory

MOBILE = "13812345678"
TAIL = "5678"
MASKED = re.compile(r"1\d{2}\*{4}\d{4}")  # 138****5678, as the register shows phones


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _lines(response=None, *, sheet=None) -> list[tuple]:
    """The unit lines of the exported catalogue (row 1 title, row 2 company, row 3 headers)."""
    sheet = sheet or _workbook(response).active
    return list(sheet.iter_rows(min_row=4, values_only=True))


def _page_lines(response) -> list[tuple]:
    """The page's lines, as the Excel file should have them."""
    page = response.context["page"]
    return [
        (
            page.start_index() + i,
            r.building__number,
            r.entrance,
            r.floor,
            r.room,
            r.owner_names,
            r.address,
            r.handover_date,
            r.area,
        )
        for i, r in enumerate(page.object_list)
    ]


@pytest.fixture
def filed(community_a, dave):
    """Community A: 10栋 and 2栋 (2栋 files first), units on two entrances and several floors,
    co-owners, and a unit whose former owner sold it."""
    b2 = BuildingFactory(community=community_a, number="2")
    b10 = BuildingFactory(community=community_a, number="10")
    units = {
        "10-1-101": UnitFactory(building=b10, entrance=1, floor=1, room="101", area=Decimal("120.00")),
        "2-2-302": UnitFactory(building=b2, entrance=2, floor=3, room="302", area=Decimal("88.30")),
        "2-1-1101": UnitFactory(
            building=b2, entrance=1, floor=11, room="1101", handover_date=datetime.date(2021, 3, 15)
        ),
        "2-1-301": UnitFactory(building=b2, entrance=1, floor=3, room="301", area=Decimal("98.50")),
    }
    OwnershipFactory(unit=units["2-1-301"], owner__name="张伟", owner__mobile=MOBILE)
    ownership_transfer(
        unit_id=units["2-1-1101"].pk,
        by=dave,
        owners=[{"name": "李娜", "mobile": "13900001111"}, {"name": "王芳", "mobile": "13900002222"}],
        start_date=datetime.date(2021, 3, 15),
        reason="新房交付",
    )
    OwnershipFactory(
        unit=units["2-2-302"],
        owner__name="赵敏",
        owner__mobile="13700007777",
        start_date=datetime.date(2019, 1, 5),
    )
    ownership_transfer(
        unit_id=units["2-2-302"].pk,
        by=dave,
        owners=[{"name": "孙丽", "mobile": "13600003333"}],
        start_date=datetime.date(2024, 5, 1),
        reason="二手房买卖",
    )
    return {"b2": b2, "b10": b10, **units}


# -- the rows ---------------------------------------------------------------------------------------


def test_it_files_units_by_building_entrance_floor_and_room(client, alice, filed):
    client.force_login(alice)
    r = client.get("/archives/catalogue/")
    assert r.status_code == 200
    assert [(x.building__number, x.entrance, x.floor, x.room) for x in r.context["page"]] == [
        ("2", 1, 3, "301"),
        ("2", 1, 11, "1101"),
        ("2", 2, 3, "302"),
        ("10", 1, 1, "101"),
    ]


def test_it_lists_owner_address_handover_date_and_area(client, alice, filed):
    client.force_login(alice)
    r = client.get("/archives/catalogue/")
    first = r.context["page"][0]
    assert first.owner_names == "张伟"
    assert first.address == "阳光花园2栋1单元301室"
    assert first.handover_date == datetime.date(2020, 6, 1)
    assert first.area == Decimal("98.50")
    body = r.content.decode()
    assert "阳光花园2栋1单元301室" in body and "2020-06-01" in body and "98.50" in body and "张伟" in body
    assert gettext("Archive catalogue") in body and "示范物业服务有限公司" in body  # 业户档案目录


def test_it_joins_co_owners_and_leaves_former_owners_out(client, alice, filed):
    client.force_login(alice)
    r = client.get("/archives/catalogue/")
    owners = {x.room: x.owner_names for x in r.context["page"]}
    assert owners["1101"] == "李娜、王芳"
    assert owners["302"] == "孙丽"
    assert owners["101"] is None  # no owner registered yet
    assert "赵敏" not in r.content.decode()


def test_it_shows_no_phone_number_on_the_page_or_in_the_excel_file(client, alice, filed):
    client.force_login(alice)
    page = client.get("/archives/catalogue/").content.decode()
    partial = client.get("/archives/catalogue/?q=张", headers={"HX-Request": "true"}).content.decode()
    printed = client.get(f"/archives/catalogue/?building={filed['b2'].pk}&print=1").content.decode()
    for body in (page, printed):
        assert "张伟" in body
        assert MOBILE not in body and "13900001111" not in body
        assert not MASKED.search(body)
        assert "****" not in body
    assert "张伟" in partial and TAIL not in partial and not MASKED.search(partial)
    cells = [
        str(v) for row in _workbook(client.get("/archives/catalogue/export/")).active.values for v in row
    ]
    text = " ".join(cells)
    assert "张伟" in text
    assert MOBILE not in text and TAIL not in text and not MASKED.search(text) and "****" not in text


def test_it_does_not_search_by_phone_tail(client, alice, filed):
    client.force_login(alice)
    r = client.get(f"/archives/catalogue/?q={TAIL}")
    assert list(r.context["page"]) == []  # a tail search would tell whose number ends in 5678


# -- filters ----------------------------------------------------------------------------------------


def test_it_filters_by_building_entrance_and_search(client, alice, filed):
    client.force_login(alice)

    def rooms(query):
        return [x.room for x in client.get(f"/archives/catalogue/?{query}").context["page"]]

    assert rooms(f"building={filed['b10'].pk}") == ["101"]
    assert rooms(f"building={filed['b2'].pk}&entrance=1") == ["301", "1101"]
    assert rooms("q=110") == ["1101"]  # the start of a room number
    assert rooms("q=王") == ["1101"]  # the start of a current owner's name (a co-owner)
    assert rooms("q=赵") == []  # a former owner is not found
    assert rooms("q=3") == ["301", "302"]


def test_it_renders_only_the_table_for_htmx(client, alice, filed):
    client.force_login(alice)
    r = client.get(f"/archives/catalogue/?building={filed['b10'].pk}", headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "阳光花园10栋1单元101室" in body and "<form" not in body and "<html" not in body


def test_it_pages_the_screen_by_one_hundred(client, alice, community_a):
    b = BuildingFactory(community=community_a, number="7")
    for i in range(105):
        UnitFactory(building=b, floor=1 + i // 10, room=f"{1 + i // 10}{i % 10 + 1:02d}")
    client.force_login(alice)
    first = client.get("/archives/catalogue/")
    assert len(first.context["page"]) == 100 and first.context["page"].paginator.count == 105
    second = client.get("/archives/catalogue/?page=2")
    assert [x.room for x in second.context["page"]] == ["1101", "1102", "1103", "1104", "1105"]
    assert _page_lines(second)[0][0] == 101  # 序号 runs on across pages


def test_it_prints_every_unit_of_a_building_on_one_page(client, alice, community_a):
    b = BuildingFactory(community=community_a, number="8")
    other = BuildingFactory(community=community_a, number="9")
    UnitFactory(building=other, room="101", floor=1)
    for i in range(130):
        UnitFactory(building=b, entrance=1 + i % 2, floor=1 + i // 10, room=f"{1 + i // 10}{i % 10 + 1:02d}")
    client.force_login(alice)
    r = client.get(f"/archives/catalogue/?building={b.pk}&print=1&page=2")
    assert r.status_code == 200
    rows = r.context["rows"]
    assert len(rows) == 130 and {x.building_id for x in rows} == {b.pk}
    body = r.content.decode()
    assert body.count("阳光花园8栋") == 130 and "阳光花园 8栋" in body  # every address; the heading
    assert "9栋" not in body.split('id="results"')[1]
    assert "data-print" in body and 'class="pagination' not in body


# -- who sees what ----------------------------------------------------------------------------------


def test_it_shows_carol_none_of_community_a(client, carol, filed, unit_b):
    OwnershipFactory(unit=unit_b, owner__name="周杰")
    client.force_login(carol)
    for query in (
        "",
        f"community={filed['b2'].community_id}",
        f"building={filed['b2'].pk}",
        f"building={filed['b2'].pk}&print=1",
        "q=张",
    ):
        r = client.get(f"/archives/catalogue/?{query}")
        assert r.status_code == 200
        body = r.content.decode()
        assert "阳光花园" not in body and "张伟" not in body, query
        assert {x.community_id for x in r.context.get("page") or []} <= {unit_b.community_id}
    lines = _lines(client.get(f"/archives/catalogue/export/?community={filed['b2'].community_id}"))
    assert [line[6] for line in lines] == ["翠湖苑3栋2单元1101室"]


def test_it_lets_a_company_user_choose_the_community(client, quinn, filed, unit_b):
    client.force_login(quinn)
    everything = client.get("/archives/catalogue/").context["page"]
    assert [x.community__name for x in everything] == ["翠湖苑"] + ["阳光花园"] * 4  # by name
    chosen = client.get(f"/archives/catalogue/?community={unit_b.community_id}").context["page"]
    assert [x.address for x in chosen] == ["翠湖苑3栋2单元1101室"]


def test_it_starts_again_from_every_building_when_the_community_changes(client, quinn, filed, unit_b):
    client.force_login(quinn)
    r = client.get(f"/archives/catalogue/?community={unit_b.community_id}&building={filed['b2'].pk}")
    assert [x.address for x in r.context["page"]] == ["翠湖苑3栋2单元1101室"]
    assert r.context["form"]["building"].value() in (None, "")


def test_it_sends_anonymous_users_to_the_login_page(client, filed):
    for url in ("/archives/catalogue/", "/archives/catalogue/export/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_it_refuses_users_without_a_role(client, bob, filed):
    client.force_login(bob)
    assert client.get("/archives/catalogue/").status_code == 403
    assert client.get("/archives/catalogue/export/").status_code == 403


def test_it_takes_get_only(client, alice):
    client.force_login(alice)
    assert client.post("/archives/catalogue/").status_code == 405
    assert client.post("/archives/catalogue/export/").status_code == 405


# -- Excel ------------------------------------------------------------------------------------------


def test_it_exports_the_same_lines_as_the_page(client, alice, filed):
    client.force_login(alice)
    query = f"building={filed['b2'].pk}"
    page = client.get(f"/archives/catalogue/?{query}")
    r = client.get(f"/archives/catalogue/export/?{query}")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _workbook(r).active
    assert sheet["A1"].value == gettext("Archive catalogue")  # 业户档案目录 once translated
    assert sheet["A2"].value == "示范物业服务有限公司 · 阳光花园 · 2栋"
    assert [c.value for c in sheet[3]] == [
        "序号", "楼栋", "单元", "楼层", "房号", "业主姓名", "地址", "收楼日期", "建筑面积（㎡）",
    ]  # fmt: skip
    lines = [
        (*line[:7], line[7].date() if line[7] else None, Decimal(str(line[8])).quantize(Decimal("0.01")))
        for line in _lines(sheet=sheet)
    ]
    assert lines == [(*line[:5], line[5] or None, *line[6:]) for line in _page_lines(page)]
    date_cell, area_cell = sheet.cell(4, 8), sheet.cell(4, 9)
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"
    assert area_cell.data_type == "n" and area_cell.number_format == "0.00"


def test_it_writes_formula_like_names_as_text(client, alice, community_a):
    u = UnitFactory(building__community=community_a, building__number="1", room="101", floor=1)
    OwnershipFactory(unit=u, owner__name='=HYPERLINK("http://x")')
    client.force_login(alice)
    cell = _workbook(client.get("/archives/catalogue/export/")).active.cell(4, 6)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


# -- query budgets ----------------------------------------------------------------------------------


def _units(community, n):
    b = BuildingFactory(community=community, number="5")
    for i in range(n):
        u = UnitFactory(building=b, floor=i + 1, room=f"{i + 1}01")
        OwnershipFactory(unit=u)
        OwnershipFactory(unit=u)  # co-owners


@pytest.mark.parametrize("n", [1, 5])
def test_it_renders_the_page_in_constant_queries(client, alice, community_a, django_assert_num_queries, n):
    _units(community_a, n)
    client.force_login(alice)
    # session, user, memberships, the header's communities, the building choices, count, unread
    # notifications (the header), the page
    with django_assert_num_queries(8):
        r = client.get("/archives/catalogue/")
    assert len(r.context["page"]) == n


@pytest.mark.parametrize("n", [1, 5])
def test_it_prints_a_building_in_constant_queries(client, alice, community_a, django_assert_num_queries, n):
    _units(community_a, n)
    b = community_a.buildings.get()
    client.force_login(alice)
    # session, user, memberships, the header's communities, the building choices, the building,
    # its units, unread notifications
    with django_assert_num_queries(8):
        r = client.get(f"/archives/catalogue/?building={b.pk}&print=1")
    assert len(r.context["rows"]) == n


@pytest.mark.parametrize("n", [1, 5])
def test_it_exports_in_constant_queries(client, alice, community_a, django_assert_num_queries, n):
    _units(community_a, n)
    client.force_login(alice)
    # session, user, memberships, the header's communities, the building choices, the count (inline
    # or a background job), the audit entry, the rows
    with django_assert_num_queries(8):
        r = client.get("/archives/catalogue/export/")
        lines = _lines(r)
    assert len(lines) == n and all("、" in line[5] for line in lines)


@pytest.mark.parametrize("n", [1, 5])
def test_it_reads_the_rows_in_one_query(alice, community_a, django_assert_num_queries, n):
    _units(community_a, n)
    from propsvc.tenancy import memberships_of

    memberships_of(alice)  # read once per request, as the middleware does
    with django_assert_num_queries(1):
        rows = list(catalogue.catalogue_rows_for_export(user=alice, filters=catalogue.CatalogueFilter()))
    assert len(rows) == n
