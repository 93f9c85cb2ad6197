"""The roster import (业户信息导入): every bad row reported, then nothing imported; a clean file in one go."""

import datetime
import io
import zipfile

import pytest
from django.contrib.messages import SUCCESS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from archives.models import Building, Owner, Ownership, Unit, UnitEvent
from archives.roster import COLUMNS, RosterError, roster_import
from propsvc.models import AuditEntry
from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import BuildingFactory, OwnerFactory, UnitFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
(BUILDING, ENTRANCE, ROOM, FLOOR, AREA, HANDOVER, USE, OWNER, MOBILE, CO_OWNER, CO_MOBILE) = COLUMNS
NAMES = ("building", "entrance", "room", "floor", "area", "handover", "use",
         "owner", "mobile", "co_owner", "co_mobile")  # fmt: skip
FIELDS = dict(zip(NAMES, COLUMNS, strict=True))


@pytest.fixture
def erin(community_b):
    """CS center manager of community B: may import rosters there, not in A."""
    return _member("erin", community_b, Role.CS_MANAGER)


def row(**values) -> dict:
    """A clean row: 3栋2单元1101室 of 张伟; row(mobile="1") changes 手机号码."""
    clean = {
        BUILDING: "3",
        ENTRANCE: 2,
        ROOM: "1101",
        FLOOR: None,
        AREA: 98.5,
        HANDOVER: datetime.date(2020, 6, 1),
        USE: "自住",
        OWNER: "张伟",
        MOBILE: "13812345678",
        CO_OWNER: None,
        CO_MOBILE: None,
    }
    clean.update({FIELDS[key]: value for key, value in values.items()})
    return clean


def many_rows(n: int, *, prefix: str = "") -> list[dict]:
    """n distinct units: 60 per building (2 entrances × 15 floors × 2 doors), one owner each."""
    rows = []
    for i in range(n):
        j = i % 60
        floor, door = 1 + (j % 30) // 2, 1 + j % 2
        rows.append(
            row(
                building=f"{prefix}{1 + i // 60}",
                entrance=1 + j // 30,
                room=f"{floor}{door:02d}",
                owner=f"业主{prefix}{i}",
                mobile=f"139{i:08d}",
            )
        )
    return rows


def xlsx(rows: list[dict], *, header=COLUMNS, name: str = "roster.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for values in rows:
        sheet.append([values.get(column) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def nothing_imported() -> bool:
    return not (
        Building.objects.exists()
        or Unit.objects.exists()
        or Owner.objects.exists()
        or Ownership.objects.exists()
        or UnitEvent.objects.exists()
        or AuditEntry.objects.filter(kind="archives.roster_import").exists()
    )


def refused(community, by, file) -> list:
    with pytest.raises(RosterError) as exc:
        roster_import(community=community, by=by, file=file)
    return exc.value.issues


# -- a clean file ---------------------------------------------------------------------------------


def test_it_imports_every_row_of_a_clean_file(community_a, dave):
    rows = [
        row(),
        row(room="1102", co_owner="李娜", co_mobile="+86 139-0000-1111", use="出租"),
        row(building="A座", entrance="1单元", room="502室", floor=5, area="143.18", handover=None,
            use=None, owner=None, mobile=None),
    ]  # fmt: skip
    result = roster_import(community=community_a, by=dave, file=xlsx(rows, name="阳光花园业户.xlsx"))

    assert (result.buildings, result.units, result.owners, result.ownerships) == (2, 3, 2, 3)
    assert sorted(Building.objects.filter(community=community_a).values_list("number", flat=True)) == [
        "3",
        "A",
    ]
    unit = Unit.objects.get(community=community_a, building__number="3", entrance=2, room="1101")
    assert unit.floor == 11  # read from the room number, as the register does
    assert unit.area == pytest.approx(98.5) and unit.use == Unit.Use.OCCUPIED
    assert unit.handover_date == datetime.date(2020, 6, 1)
    empty = Unit.objects.get(building__number="A", room="502")
    assert (empty.entrance, empty.floor, empty.use, empty.handover_date) == (1, 5, Unit.Use.VACANT, None)
    assert not empty.ownerships.exists()
    rented = Unit.objects.get(room="1102")
    owners = {o.owner.name: o for o in rented.ownerships.current().select_related("owner")}
    assert set(owners) == {"张伟", "李娜"} and rented.use == Unit.Use.RENTED
    assert owners["李娜"].owner.mobile == "13900001111" and owners["李娜"].owner.mobile_tail == "1111"
    assert owners["张伟"].start_date == datetime.date(2020, 6, 1)
    assert Owner.objects.filter(community=community_a).count() == 2  # 张伟 owns two units: one Owner

    events = UnitEvent.objects.filter(community=community_a)
    assert events.count() == 3
    assert {(e.kind, e.actor_id, e.note) for e in events} == {("unit.imported", dave.pk, "阳光花园业户.xlsx")}
    entry = AuditEntry.objects.get(kind="archives.roster_import")
    assert entry.actor == dave and entry.community == community_a
    assert entry.data == {"buildings": 2, "units": 3, "owners": 2, "owners_existing": 0, "ownerships": 3}
    assert "张伟" not in str(entry.data) and "138" not in str(entry.data)  # counts only


def test_it_starts_the_ownership_today_without_a_handover_date(community_a, dave):
    roster_import(community=community_a, by=dave, file=xlsx([row(handover=None)]))
    assert Ownership.objects.get().start_date == timezone.localdate()


def test_it_shows_the_imported_units_in_the_community(client, community_a, dave):
    roster_import(community=community_a, by=dave, file=xlsx(many_rows(3)))
    client.force_login(dave)
    page = client.get(f"/archives/communities/{community_a.pk}/")
    assert page.context["community"].households == 3
    building = Building.objects.get(community=community_a, number="1")
    body = client.get(f"/archives/buildings/{building.pk}/").content.decode()
    assert "业主1" in body and "101" in body


def test_it_makes_one_owner_of_an_owner_with_two_units(community_a, dave):
    rows = [row(room="1101"), row(room="1102"), row(building="5", room="301", mobile="138 1234 5678")]
    result = roster_import(community=community_a, by=dave, file=xlsx(rows))
    owner = Owner.objects.get()
    assert (owner.name, owner.mobile) == ("张伟", "13812345678")
    assert owner.ownerships.count() == 3 and result.owners == 1


def test_it_reuses_an_owner_already_registered_in_the_community(community_a, community_b, dave):
    known = OwnerFactory(community=community_a, name="张伟", mobile="13812345678")
    OwnerFactory(community=community_b, name="张伟", mobile="13812345678")  # another community's: not reused
    result = roster_import(community=community_a, by=dave, file=xlsx([row()]))
    assert (result.owners, result.owners_existing) == (0, 1)
    assert Ownership.objects.get().owner == known
    assert Owner.objects.filter(community=community_a).count() == 1


def test_it_adds_to_an_existing_building(community_a, dave):
    building = BuildingFactory(community=community_a, number="3")
    UnitFactory(building=building, entrance=2, room="1101")
    result = roster_import(community=community_a, by=dave, file=xlsx([row(building="03栋", room="1201")]))
    assert result.buildings == 0
    assert Unit.objects.get(room="1201").building == building


def test_it_reads_a_header_typed_by_hand_in_another_order(community_a, dave):
    header = [c.replace("（㎡）", "(㎡)") for c in reversed(COLUMNS)]
    values = {h: row()[c] for h, c in zip(header, reversed(COLUMNS), strict=True)}
    roster_import(community=community_a, by=dave, file=xlsx([values], header=header))
    assert Unit.objects.get().area == pytest.approx(98.5)


def test_it_skips_blank_rows_and_reports_rows_as_excel_numbers_them(community_a, dave):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    sheet.append([row()[c] for c in COLUMNS])
    sheet.append([])
    sheet.append([])
    sheet.append([row(room="1102", mobile="12345")[c] for c in COLUMNS])  # row 5 in Excel
    buffer = io.BytesIO()
    workbook.save(buffer)
    issues = refused(community_a, dave, SimpleUploadedFile("r.xlsx", buffer.getvalue()))
    assert [(i.row, i.column, i.code) for i in issues] == [(5, MOBILE, "mobile")]


@pytest.mark.parametrize("n", [20, 2000])
def test_it_imports_a_large_file_in_one_go(community_a, dave, django_assert_max_num_queries, n):
    file = xlsx(many_rows(n))
    # memberships (permission), community lock, existing buildings, registered rooms, insert buildings,
    # insert units, existing owners, insert owners, insert ownerships, insert events, audit entry,
    # and the savepoint pair of the transaction: the same for 20 rows and for 2,000.
    with django_assert_max_num_queries(13) as queries:
        result = roster_import(community=community_a, by=dave, file=file)
    assert result.units == n == Unit.objects.filter(community=community_a).count()
    assert Ownership.objects.count() == n and UnitEvent.objects.count() == n
    assert len(queries.captured_queries) == 13


# -- a bad row imports nothing ---------------------------------------------------------------------

FUTURE = datetime.date.today() + datetime.timedelta(days=400)


@pytest.mark.parametrize(
    ("values", "column", "code"),
    [
        pytest.param({"building": None}, BUILDING, "required", id="building-missing"),
        pytest.param({"entrance": ""}, ENTRANCE, "required", id="entrance-missing"),
        pytest.param({"room": None}, ROOM, "required", id="room-missing"),
        pytest.param({"area": None}, AREA, "required", id="area-missing"),
        pytest.param({"mobile": "1381234567"}, MOBILE, "mobile", id="mobile-too-short"),
        pytest.param({"mobile": "12812345678"}, MOBILE, "mobile", id="mobile-not-a-mobile"),
        pytest.param({"co_owner": "李娜", "co_mobile": "010-12345678"}, CO_MOBILE, "mobile", id="co-mobile"),
        pytest.param({"mobile": None}, MOBILE, "required", id="owner-without-mobile"),
        pytest.param({"owner": None}, OWNER, "required", id="mobile-without-owner"),
        pytest.param({"co_owner": "李娜"}, CO_MOBILE, "required", id="co-owner-without-mobile"),
        pytest.param(
            {"owner": None, "mobile": None, "co_owner": "李娜", "co_mobile": "13900001111"},
            OWNER,
            "required",
            id="co-owner-without-owner",
        ),
        pytest.param(
            {"co_owner": "张伟", "co_mobile": "13812345678"}, CO_OWNER, "co_owner", id="co-owner-is-owner"
        ),
        pytest.param({"owner": "张" * 51}, OWNER, "name", id="name-too-long"),
        pytest.param({"area": -5}, AREA, "area", id="area-negative"),
        pytest.param({"area": 0}, AREA, "area", id="area-zero"),
        pytest.param({"area": "九十"}, AREA, "area", id="area-not-a-number"),
        pytest.param({"handover": "2020-13-01"}, HANDOVER, "date", id="date-no-such-month"),
        pytest.param({"handover": "去年"}, HANDOVER, "date", id="date-not-a-date"),
        pytest.param({"handover": FUTURE}, HANDOVER, "date", id="date-in-the-future"),
        pytest.param({"use": "自用"}, USE, "use", id="use-unknown"),
        pytest.param({"building": "三栋"}, BUILDING, "building", id="building-unknown"),
        pytest.param({"building": "3栋2单元"}, BUILDING, "building", id="building-with-entrance"),
        pytest.param({"entrance": "二单元"}, ENTRANCE, "entrance", id="entrance-not-a-number"),
        pytest.param({"room": "11"}, ROOM, "room", id="room-too-short"),
        pytest.param({"room": "A1101"}, ROOM, "room", id="room-not-digits"),
        pytest.param({"floor": "十一"}, FLOOR, "floor", id="floor-not-a-number"),
    ],
)
def test_it_names_the_row_and_the_reason_and_imports_nothing(community_a, dave, values, column, code):
    rows = [row(room="101"), row(room="102"), row(**values)]
    issues = refused(community_a, dave, xlsx(rows))
    assert [(i.row, i.column, i.code) for i in issues] == [(4, column, code)]
    assert issues[0].message
    assert nothing_imported()


def test_it_refuses_a_room_twice_in_the_file(community_a, dave):
    issues = refused(community_a, dave, xlsx([row(), row(room="1102"), row(building="3栋", owner="李娜")]))
    assert [(i.row, i.column, i.code) for i in issues] == [(4, ROOM, "duplicate_room")]
    assert "3栋2单元1101室" in issues[0].message and "2" in issues[0].message
    assert nothing_imported()


def test_it_refuses_a_room_that_already_exists(community_a, dave, unit_a):
    issues = refused(community_a, dave, xlsx([row(room="1102"), row()]))
    assert [(i.row, i.column, i.code) for i in issues] == [(3, ROOM, "room_exists")]
    assert Unit.objects.get() == unit_a and not Owner.objects.exists()
    assert not UnitEvent.objects.exists()


def test_it_does_not_count_another_communitys_room_as_existing(community_a, dave, unit_b):
    roster_import(community=community_a, by=dave, file=xlsx([row()]))
    assert Unit.objects.filter(community=community_a, room="1101").count() == 1


def test_it_reports_every_bad_row_at_once(community_a, dave, unit_a):
    rows = [row(mobile="1"), row(room="1102"), row(room="1103", area=None, use="自用"), row()]
    issues = refused(community_a, dave, xlsx(rows))
    assert [(i.row, i.column, i.code) for i in issues] == [
        (2, ROOM, "room_exists"),  # 3栋2单元1101室 is unit_a
        (2, MOBILE, "mobile"),
        (4, AREA, "required"),
        (4, USE, "use"),
        (5, ROOM, "duplicate_room"),  # 3栋2单元1101室 again
    ]
    assert Unit.objects.count() == 1


def test_it_refuses_a_value_outside_the_templates_columns(community_a, dave):
    header = [*COLUMNS, ""]
    values = row() | {"": "备注"}
    issues = refused(community_a, dave, xlsx([values], header=header))
    assert [(i.row, i.column, i.code) for i in issues] == [(2, "L", "extra_value")]


# -- the file itself -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<html><body>roster</body></html>", id="html"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, id="old-xls"),
        pytest.param(b"PK\x03\x04 not really a zip", id="broken-zip"),
        pytest.param(b"", id="empty"),
    ],
)
def test_it_refuses_a_file_that_is_not_an_xlsx(community_a, dave, content):
    issues = refused(community_a, dave, SimpleUploadedFile("roster.xlsx", content, content_type=XLSX))
    assert [(i.row, i.code) for i in issues] == [(None, "not_xlsx")]
    assert nothing_imported()


def test_it_refuses_a_zip_that_is_not_a_workbook(community_a, dave):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    issues = refused(community_a, dave, SimpleUploadedFile("roster.xlsx", buffer.getvalue()))
    assert [i.code for i in issues] == ["not_xlsx"]


def test_it_refuses_a_file_over_the_size_cap(community_a, dave, settings):
    settings.PROPSVC_ROSTER_MAX_BYTES = 4096
    issues = refused(community_a, dave, xlsx(many_rows(200)))
    assert [i.code for i in issues] == ["too_large"]
    assert nothing_imported()


def test_it_refuses_a_zip_bomb(community_a, dave, settings):
    settings.PROPSVC_ROSTER_MAX_BYTES = 64 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (3 * 1024 * 1024))  # ~3 KB compressed
    issues = refused(community_a, dave, SimpleUploadedFile("roster.xlsx", buffer.getvalue()))
    assert [i.code for i in issues] == ["too_large"]


def test_it_refuses_a_file_over_the_row_cap(community_a, dave, settings):
    settings.PROPSVC_ROSTER_MAX_ROWS = 5
    assert roster_import(community=community_a, by=dave, file=xlsx(many_rows(5))).units == 5
    issues = refused(community_a, dave, xlsx(many_rows(6, prefix="B")))
    assert [i.code for i in issues] == ["too_many_rows"]
    assert Unit.objects.count() == 5


def test_it_refuses_the_wrong_header_row(community_a, dave):
    header = [("手机号" if c == MOBILE else c) for c in COLUMNS]
    issues = refused(community_a, dave, xlsx([], header=header))
    assert {(i.row, i.column, i.code) for i in issues} == {(1, "手机号", "header"), (1, MOBILE, "header")}


def test_it_refuses_a_file_without_a_header_row(community_a, dave):
    issues = refused(community_a, dave, xlsx([], header=[]))
    assert [i.code for i in issues] == ["header"]


def test_it_refuses_a_file_without_rows(community_a, dave):
    issues = refused(community_a, dave, xlsx([]))
    assert [i.code for i in issues] == ["empty"]


def test_it_refuses_a_user_without_the_permission_in_the_community(community_a, erin):
    issues = refused(community_a, erin, xlsx([row()]))
    assert [i.code for i in issues] == ["permission"]
    assert nothing_imported()


# -- the template ---------------------------------------------------------------------------------


def test_it_downloads_the_template(client, dave):
    client.force_login(dave)
    r = client.get("/archives/roster/template/")
    assert r.status_code == 200 and r["Content-Type"] == XLSX
    assert r["Content-Disposition"].startswith("attachment;") and ".xlsx" in r["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(r.content))
    data, notes = workbook.worksheets
    assert [c.value for c in data[1]] == list(COLUMNS)
    assert data.max_row == 2 and data["H2"].value == "张三"  # the example row
    lists = [v for v in data.data_validations.dataValidation if v.type == "list"]
    assert lists and lists[0].formula1 == '"自住,出租,空置,装修中"'
    assert str(lists[0].sqref).startswith("G2:G")
    assert notes.max_row > len(COLUMNS)  # the instructions: one line per column and a few more


def test_it_imports_the_template_once_filled_in(client, community_a, dave):
    client.force_login(dave)
    workbook = load_workbook(io.BytesIO(client.get("/archives/roster/template/").content))
    sheet = workbook.worksheets[0]
    for values in many_rows(4):
        sheet.append([values[c] for c in COLUMNS])  # below the example row, which stays
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("业户信息导入模板.xlsx", buffer.getvalue(), content_type=XLSX)
    r = client.post("/archives/roster/", {"community": community_a.pk, "file": file})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Unit.objects.filter(community=community_a).count() == 4  # the example row is not imported
    assert not Owner.objects.filter(name="张三").exists()


# -- the page ------------------------------------------------------------------------------------


def test_it_imports_from_the_page_and_shows_the_counts(client, community_a, dave):
    client.force_login(dave)
    page = client.get("/archives/roster/")
    assert page.status_code == 200
    assert page.context["form"]["community"].value() == community_a.pk
    r = client.post("/archives/roster/", {"community": community_a.pk, "file": xlsx(many_rows(3))})
    assert r.status_code == 302 and r["Location"] == f"/archives/communities/{community_a.pk}/"
    followed = client.get(r["Location"])
    [message] = list(followed.context["messages"])
    assert message.level == SUCCESS and "3" in str(message)
    assert Unit.objects.filter(community=community_a).count() == 3


def test_it_lists_the_problems_on_the_page_with_status_400(client, community_a, dave):
    client.force_login(dave)
    r = client.post(
        "/archives/roster/",
        {"community": community_a.pk, "file": xlsx([row(), row(room="1102", mobile="1")])},
    )
    assert r.status_code == 400
    assert [(i.row, i.column, i.code) for i in r.context["issues"]] == [(3, MOBILE, "mobile")]
    body = r.content.decode()
    assert 'id="roster-issues"' in body and '<td class="text-end">3</td>' in body and MOBILE in body
    assert nothing_imported()


def test_it_rerenders_the_form_without_a_file(client, community_a, dave):
    client.force_login(dave)
    r = client.post("/archives/roster/", {"community": community_a.pk})
    assert r.status_code == 400 and r.context["form"].errors["file"]
    assert nothing_imported()


def test_it_preselects_the_community_of_the_link(client, community_a, community_b, dave):
    from tests.factories import MembershipFactory

    MembershipFactory(user=dave, community=community_b, role=Role.CS_MANAGER)
    client.force_login(dave)
    page = client.get(f"/archives/roster/?community={community_b.pk}")
    assert page.context["form"]["community"].value() == community_b.pk
    choices = [c.pk for c in page.context["form"].fields["community"].queryset]
    assert sorted(choices) == sorted([community_a.pk, community_b.pk])


def test_it_offers_only_communities_where_the_user_may_import(client, community_a, community_b, erin):
    from tests.factories import MembershipFactory

    MembershipFactory(user=erin, community=community_a, role=Role.RECEPTIONIST)  # sees A, may not import
    client.force_login(erin)
    page = client.get(f"/archives/roster/?community={community_a.pk}")
    assert [c.pk for c in page.context["form"].fields["community"].queryset] == [community_b.pk]
    assert page.context["form"]["community"].value() == community_b.pk


def test_it_links_the_import_from_the_community_page(client, community_a, dave, alice):
    client.force_login(dave)
    link = f"/archives/roster/?community={community_a.pk}"
    assert link in client.get(f"/archives/communities/{community_a.pk}/").content.decode()
    client.force_login(alice)
    assert link not in client.get(f"/archives/communities/{community_a.pk}/").content.decode()


def test_it_sends_an_anonymous_user_to_the_login_page(client):
    for url in ("/archives/roster/", "/archives/roster/template/"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r["Location"]


def test_it_refuses_other_methods(client, dave):
    client.force_login(dave)
    assert client.put("/archives/roster/").status_code == 405
    assert client.delete("/archives/roster/").status_code == 405
    assert client.post("/archives/roster/template/").status_code == 405


def test_it_forbids_the_page_without_the_permission(client, alice, community_a):
    client.force_login(alice)  # a receptionist
    assert client.get("/archives/roster/").status_code == 403
    assert client.get("/archives/roster/template/").status_code == 403
    r = client.post("/archives/roster/", {"community": community_a.pk, "file": xlsx([row()])})
    assert r.status_code == 403 and nothing_imported()


def test_it_forbids_another_communitys_receptionist(client, carol, community_a):
    client.force_login(carol)
    r = client.post("/archives/roster/", {"community": community_a.pk, "file": xlsx([row()])})
    assert r.status_code == 403 and nothing_imported()


def test_it_does_not_import_into_a_community_of_someone_else(client, erin, community_a):
    client.force_login(erin)  # may import into B only
    r = client.post("/archives/roster/", {"community": community_a.pk, "file": xlsx([row()])})
    assert r.status_code == 404 and nothing_imported()
