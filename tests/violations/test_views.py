"""The violation pages (STYLE.md 20–23): the list and its Excel export, registering with photos, the
detail page and every step posted from it, photos, notices on A4, charges to finance, statistics.

Actors: see tests/violations/conftest.py. Messages are compared in the language the response was
rendered in (the lead is translating the msgids), so the tests hold before and after.
"""

import datetime
import io
import os
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from openpyxl import load_workbook

from propsvc.models import Notification
from tests.factories import OwnershipFactory, UnitFactory
from tests.violations.conftest import DAY, MORNING, at, image_bytes, persuade, photo, register
from violations import services
from violations.models import ChargeList, FollowUp, Measure, Notice, Photo, Violation

NUMBER = re.compile(r"/violations/\d+/\">(WZ\d{6})</a>")
ACTION_NAMES = [
    "persuade", "rectify", "reinspect", "propose", "sign", "refuse", "publish", "lawyer-letter",
    "lawsuit", "follow-up", "close", "reassess", "photos",
]  # fmt: skip
BASIS = "《管理规约》第十二条"


# -- helpers ---------------------------------------------------------------------------------------


def _numbers(r) -> set[str]:
    """The violation numbers the page shows."""
    return set(NUMBER.findall(r.content.decode()))


def _says(r, msgid: str, params: dict | None = None) -> bool:
    """The message is on the page, in the language the page was rendered in."""
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        text = translation.gettext(msgid)
    if params:
        text = text % params
    return escape(text) in r.content.decode()


def _errors_shown(r, form) -> dict:
    """Every error of the bound form is on the page; returns them."""
    assert form.is_bound and form.errors
    html = r.content.decode()
    for errors in form.errors.values():
        for error in errors:
            assert escape(error) in html
    return form.errors


def _action_form(r, name: str):
    return next(item["form"] for item in r.context["actions"] if item["action"].name == name)


def _offered(r) -> set[str]:
    return {item["action"].name for item in r.context["actions"]}


def _state(violation) -> tuple:
    """Everything a step could write, to compare before and after a refused post."""
    v = Violation.objects.get(pk=violation.pk)
    return (
        v.status,
        v.severity,
        v.closed_at,
        sorted(v.measures.values_list("pk", "status", "published_at", "lawyer_letter_on", "filed_on")),
        v.events.count(),
        v.photos.count(),
        v.notices.count(),
        v.follow_ups.count(),
    )


def _files(root) -> list[str]:
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files] if root.exists() else []


def _workbook(r):
    assert r.status_code == 200
    return load_workbook(io.BytesIO(b"".join(r.streaming_content)))


def _login_redirect(r) -> bool:
    return r.status_code == 302 and r["Location"].startswith("/login/")


def _fresh(violation) -> Violation:
    return Violation.objects.get(pk=violation.pk)


# -- fixtures of this module -----------------------------------------------------------------------


@pytest.fixture
def unit_c(unit_a):
    """Another unit of community A, owned by 李秀英."""
    unit = UnitFactory(building=unit_a.building, entrance=1, floor=12, room="1202")
    OwnershipFactory(unit=unit, owner__name="李秀英", owner__mobile="13900001111")
    return unit


@pytest.fixture
def listed(clock, stella, pete, unit_a, owner_a, unit_c, pia, unit_b):
    """Five cases of community A that differ in every filter, and one of community B."""
    community = unit_a.community
    cases = {
        "lane": register(stella, community),  # fire, at a public place, general, open
        "piling": register(stella, community, unit=unit_a, owner=owner_a, category="sanitation",
                           subtype="piling", description="楼道堆放纸箱"),
        "wall": register(stella, community, unit=unit_c, owner=unit_c.ownerships.get().owner,
                         category="renovation", subtype="load_bearing", description="拆除承重墙",
                         caused_loss=True, loss_note="楼下墙面开裂", observed_at=at(15, 10, month=10)),
        "parking": register(stella, community, category="order", subtype="parking", location="地下车库B区",
                            description="占用消防车位"),
        "wiring": register(stella, community, unit=unit_a, owner=owner_a, subtype="wiring",
                           description="飞线充电"),
        "b": register(pia, unit_b.community, unit=unit_b, description="翠湖苑的违章"),
    }  # fmt: skip
    persuade(cases["parking"], stella, reaction="stopped")
    services.violation_close(violation_id=cases["parking"].pk, by=pete, note="业主已挪车")
    services.violation_set_rectification(
        violation_id=cases["wiring"].pk, by=pete, requirement="拆除飞线", due_date=MORNING.date()
    )
    clock.move_to(MORNING + DAY)  # the wiring's deadline (24:00 yesterday) has passed
    return {key: v.number for key, v in cases.items()}


@pytest.fixture
def proposed(fire_lane, stella, pete):
    """The fire lane, persuaded, with a compensation of 800 yuan awaiting a signature."""
    persuade(fire_lane, stella)
    services.violation_propose_penalty(
        violation_id=fire_lane.pk, by=pete, kind="compensation", amount=Decimal("800"), basis=BASIS
    )
    return fire_lane


@pytest.fixture
def compensated(proposed, mona):
    """The 800 yuan compensation, signed by the CS center manager."""
    services.violation_sign_penalty(violation_id=proposed.pk, by=mona, note="同意")
    return proposed


@pytest.fixture
def criticised(general_case, stella, pete, mona):
    """The owner refused persuasion; a public criticism is signed and not yet published."""
    persuade(general_case, stella, reaction="refused")
    services.violation_propose_penalty(violation_id=general_case.pk, by=pete, kind="criticism", basis=BASIS)
    services.violation_sign_penalty(violation_id=general_case.pk, by=mona)
    return general_case


@pytest.fixture
def sued(compensated, pete, mona):
    """After the compensation, legal action is signed; no lawyer's letter yet."""
    services.violation_propose_penalty(
        violation_id=compensated.pk, by=pete, kind="legal", amount=Decimal("800"), basis="《民法典》"
    )
    services.violation_sign_penalty(violation_id=compensated.pk, by=mona)
    return compensated


@pytest.fixture
def rectifying(general_case, pete):
    services.violation_set_rectification(
        violation_id=general_case.pk, by=pete, requirement="清理楼道纸箱", due_date=MORNING.date() + 2 * DAY
    )
    return general_case


@pytest.fixture
def with_photo(general_case, stella):
    services.violation_add_photos(
        violation_id=general_case.pk, by=stella, photos=[photo("楼道.png", fmt="PNG")]
    )
    return general_case.photos.get()


# -- the list --------------------------------------------------------------------------------------


def test_it_lists_the_communitys_violations(client, listed, pete):
    client.force_login(pete)
    r = client.get("/violations/")
    assert r.status_code == 200
    assert _numbers(r) == {listed[k] for k in ("lane", "piling", "wall", "parking", "wiring")}
    html = r.content.decode()
    assert "3栋2单元1101室" in html and "王建国" in html and "3栋东侧消防通道" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=fire", {"lane", "wiring"}),
        ("category=renovation", {"wall"}),
        ("severity=major", {"wall"}),
        ("severity=general", {"lane", "piling", "parking", "wiring"}),
        ("status=closed", {"parking"}),
        ("status=rectifying", {"wiring"}),
        ("month=2026-10", {"wall"}),
        ("month=2026-11", {"lane", "piling", "parking", "wiring"}),
        ("overdue=on", {"wiring"}),
        ("q=1202", {"wall"}),
        ("q=李秀英", {"wall"}),
        ("q=王建国", {"piling", "wiring"}),
        ("q=地下车库", {"parking"}),
        ("category=fire&severity=general&status=open", {"lane"}),
    ],
)
def test_it_filters_the_list(client, listed, pete, query, expected):
    client.force_login(pete)
    r = client.get(f"/violations/?{query}")
    assert r.status_code == 200
    assert _numbers(r) == {listed[k] for k in expected}


def test_it_finds_a_violation_by_its_number(client, listed, pete):
    client.force_login(pete)
    for key in ("piling", "parking"):
        r = client.get(f"/violations/?q={listed[key]}")
        assert _numbers(r) == {listed[key]}
    # in lower case, and without the prefix
    assert _numbers(client.get(f"/violations/?q={listed['wall'].lower()}")) == {listed["wall"]}


def test_it_never_finds_another_communitys_case(client, listed, pete):
    client.force_login(pete)
    assert _numbers(client.get(f"/violations/?q={listed['b']}")) == set()
    assert _numbers(client.get("/violations/?q=翠湖苑")) == set()


def test_it_shows_the_company_every_community_or_the_one_chosen(client, listed, leo, unit_a):
    client.force_login(leo)
    assert listed["b"] in _numbers(client.get("/violations/"))
    r = client.get(f"/violations/?community={unit_a.community_id}")
    assert _numbers(r) == {listed[k] for k in ("lane", "piling", "wall", "parking", "wiring")}


def test_it_ignores_an_invalid_filter(client, listed, pete):
    client.force_login(pete)
    r = client.get("/violations/?month=last-month&status=nonsense")
    assert r.status_code == 200
    assert len(_numbers(r)) == 5


def test_it_pages_the_list(client, clock, stella, pete, community_a):
    cases = [register(stella, community_a) for _ in range(26)]
    client.force_login(pete)
    first = client.get("/violations/")
    assert len(_numbers(first)) == 25 and cases[0].number not in _numbers(first)
    second = client.get("/violations/?page=2")
    assert _numbers(second) == {cases[0].number}


def test_it_returns_only_the_results_to_htmx(client, listed, pete):
    client.force_login(pete)
    r = client.get("/violations/?category=renovation", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert _numbers(r) == {listed["wall"]}
    assert "<html" not in html and 'hx-get="/violations/"' not in html and "<table" in html


def test_it_files_a_case_under_its_shanghai_month(client, clock, stella, pete, mona, community_a):
    late = register(stella, community_a, observed_at=at(31, 23, 30, month=10))  # 15:30 UTC, 31 October
    early = register(stella, community_a, observed_at=at(1, 0, 30, month=11))  # 16:30 UTC, 31 October
    client.force_login(pete)
    assert _numbers(client.get("/violations/?month=2026-10")) == {late.number}
    assert _numbers(client.get("/violations/?month=2026-11")) == {early.number}
    client.force_login(mona)
    table = client.get("/violations/statistics/").context["table"]
    assert _line(table, "fire")["months"][9:11] == [1, 1]


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_in_constant_queries(client, clock, stella, pete, community_a, django_assert_num_queries, n):
    for _ in range(n):
        register(stella, community_a)
    client.force_login(pete)
    client.get("/violations/")  # warms the content-type cache of the overdue annotation
    # session, user, memberships, the header's communities, count, unread notifications, the
    # page's keys, the page's rows (propsvc.pagination)
    with django_assert_num_queries(8):
        r = client.get("/violations/?severity=general")
    assert len(_numbers(r)) == n


def test_it_renders_the_list_in_chinese_by_default_and_english_on_request(client, listed, pete):
    client.force_login(pete)
    chinese = client.get("/violations/")
    english = client.get("/violations/", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en"
    for r in (chinese, english):
        assert len(_numbers(r)) == 5 and "3栋2单元1101室" in r.content.decode()


def test_it_refuses_to_post_to_the_list(client, pete):
    client.force_login(pete)
    assert client.post("/violations/").status_code == 405
    assert client.post("/violations/export/").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/violations/", "/violations/export/", "/violations/new/", "/violations/new/units/?unit_query=1101",
        "/violations/charges/", "/violations/statistics/", "/violations/statistics/export/",
    ],
)  # fmt: skip
def test_it_sends_anonymous_users_to_login(client, url):
    assert _login_redirect(client.get(url))


@pytest.mark.parametrize(
    "url", ["/violations/", "/violations/export/", "/violations/new/", "/violations/new/units/?unit_query=1"]
)
def test_it_refuses_the_pages_to_staff_without_a_role(client, bob, url):
    client.force_login(bob)
    assert client.get(url).status_code == 403


def test_it_shows_another_community_none_of_its_cases(client, listed, carol):
    client.force_login(carol)
    r = client.get("/violations/")
    assert r.status_code == 200
    assert _numbers(r) == {listed["b"]}


# -- the Excel export ------------------------------------------------------------------------------


def test_it_exports_the_filtered_list(client, listed, pete):
    client.force_login(pete)
    r = client.get("/violations/export/?category=fire")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(_workbook(r).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {listed["lane"], listed["wiring"]}
    wiring = next(row for row in rows[1:] if row[0] == listed["wiring"])
    assert wiring[1] == "阳光花园" and wiring[3] == "3栋2单元1101室" and wiring[4] == "王建国"
    assert wiring[7] == "飞线充电" and wiring[2] == datetime.datetime(2026, 11, 23, 9, 0)  # Shanghai time


def test_it_exports_only_the_users_community(client, listed, carol):
    client.force_login(carol)
    rows = list(_workbook(client.get("/violations/export/")).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [listed["b"]]


def test_it_writes_formula_like_text_as_text(client, clock, stella, pete, community_a):
    register(stella, community_a, description='=HYPERLINK("http://evil.example","点此")', location="+86 门口")
    client.force_login(pete)
    sheet = _workbook(client.get("/violations/export/")).active
    description, place = sheet.cell(2, 8), sheet.cell(2, 4)
    assert description.value == '=HYPERLINK("http://evil.example","点此")' and description.data_type == "s"
    assert place.value == "+86 门口" and place.data_type == "s"


@pytest.mark.parametrize("n", [1, 5])
def test_it_exports_in_constant_queries(
    client, clock, stella, pete, community_a, django_assert_num_queries, n
):
    for _ in range(n):
        register(stella, community_a)
    client.force_login(pete)
    client.get("/violations/export/")  # warms the content-type cache
    # session, user, memberships, the header's communities (the filter form), the count (inline or
    # a background job), the audit entry, the rows
    with django_assert_num_queries(7):
        r = client.get("/violations/export/")
        rows = list(_workbook(r).active.iter_rows(values_only=True))
    assert len(rows) == n + 1


# -- registering -----------------------------------------------------------------------------------


def _register_data(unit=None, **overrides):
    data = {
        "unit": unit.pk if unit else "",
        "location": "",
        "category": "fire",
        "subtype": "fire_lane",
        "observed_at": "2026-11-23T09:30",
        "description": "电动车停放在消防通道",
        "loss_note": "",
        "safety_note": "",
    }
    data.update(overrides)
    return data


def test_it_shows_the_register_form(client, clock, stella, community_a):
    client.force_login(stella)
    r = client.get("/violations/new/")
    assert r.status_code == 200
    form = r.context["form"]
    assert form.initial["community"] == community_a.pk and form.initial["observed_at"] == "2026-11-23T10:00"
    assert 'enctype="multipart/form-data"' in r.content.decode()


def test_it_registers_a_major_violation_with_photos(client, clock, stella, mona, leo, unit_a, owner_a):
    client.force_login(stella)
    data = _register_data(
        unit_a, threatens_safety="on", safety_note="消防车无法通行",
        photos=[photo("现场1.jpg"), photo("现场2.png", fmt="PNG")],
    )  # fmt: skip
    r = client.post("/violations/new/", data)
    violation = Violation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/violations/{violation.pk}/"
    assert violation.severity == "major" and violation.unit == unit_a and violation.owner == owner_a
    assert violation.registered_by == stella and violation.reported_to_superiors_at is not None
    assert sorted(violation.photos.values_list("content_type", flat=True)) == ["image/jpeg", "image/png"]
    for user in (mona, leo):
        assert Notification.objects.filter(recipient=user, link=f"/violations/{violation.pk}/").exists()
    page = client.get(r["Location"])
    assert violation.number in page.content.decode() and "消防车无法通行" in page.content.decode()


def test_it_registers_a_general_violation_at_a_public_place(client, clock, stella, mona):
    client.force_login(stella)
    r = client.post("/violations/new/", _register_data(location="3栋东侧消防通道"))
    assert r.status_code == 302
    violation = Violation.objects.get()
    assert (
        violation.severity == "general" and violation.unit is None and violation.location == "3栋东侧消防通道"
    )
    assert not Notification.objects.filter(recipient=mona).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": "", "location": ""},  # no place, nothing seen
        {"location": "门口", "subtype": "parking"},  # a type of another category
        {"location": "门口", "observed_at": "2026-11-23T11:00"},  # in the future
        {"location": "门口", "threatens_safety": "on"},  # a threat not described
    ],
)
def test_it_refuses_an_invalid_registration(client, clock, stella, overrides):
    client.force_login(stella)
    r = client.post("/violations/new/", _register_data(**overrides))
    assert r.status_code == 400
    _errors_shown(r, r.context["form"])
    assert not Violation.objects.exists()


def test_it_refuses_a_unit_of_another_community(client, clock, stella, unit_b):
    client.force_login(stella)
    r = client.post("/violations/new/", _register_data(unit_b))
    assert r.status_code == 400
    assert "unit" in _errors_shown(r, r.context["form"])
    assert not Violation.objects.exists()


def test_it_refuses_a_file_that_is_not_a_photo(client, clock, stella, unit_a, settings):
    client.force_login(stella)
    fake = photo("合同.jpg", content=b"%PDF-1.7 not a picture at all")
    r = client.post("/violations/new/", _register_data(unit_a, photos=[photo("现场.jpg"), fake]))
    assert r.status_code == 400
    assert _says(
        r, "“%(name)s” is not a photo: only JPEG, PNG or WebP images can be attached.", {"name": "合同.jpg"}
    )
    assert not Violation.objects.exists() and not Photo.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []


def test_it_refuses_a_photo_over_the_size_limit(client, clock, stella, unit_a, settings):
    from PIL import Image

    settings.PROPSVC_VIOLATION_PHOTO_MAX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(buffer, format="PNG")
    assert buffer.tell() > 1024 * 1024
    client.force_login(stella)
    big = photo("大图.png", content=buffer.getvalue())
    r = client.post("/violations/new/", _register_data(unit_a, photos=[big]))
    assert r.status_code == 400
    assert _says(
        r, "“%(name)s” is larger than %(mb)d MB; take a smaller photo or lower the resolution.",
        {"name": "大图.png", "mb": 1},
    )  # fmt: skip
    assert not Violation.objects.exists() and _files(settings.MEDIA_ROOT) == []


def test_it_refuses_more_photos_than_allowed(client, clock, stella, unit_a, settings):
    settings.PROPSVC_VIOLATION_PHOTOS_MAX = 2
    client.force_login(stella)
    r = client.post("/violations/new/", _register_data(unit_a, photos=[photo(), photo(), photo()]))
    assert r.status_code == 400
    assert _says(r, "A violation can have at most %(n)d photos.", {"n": 2})
    assert not Violation.objects.exists() and _files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("user", ["leo", "fiona", "bob"])
def test_it_lets_only_community_staff_register(client, clock, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get("/violations/new/").status_code == 403
    assert client.post("/violations/new/", _register_data(location="门口")).status_code == 403
    assert not Violation.objects.exists()


def test_it_refuses_other_methods_on_the_register_page(client, stella):
    client.force_login(stella)
    assert client.put("/violations/new/").status_code == 405
    assert client.post("/violations/new/units/?unit_query=1101").status_code == 405


def test_it_looks_up_units_of_the_stewards_community(client, stella, unit_a, unit_b, owner_a):
    client.force_login(stella)
    r = client.get("/violations/new/units/?unit_query=1101")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-unit-id="{unit_a.pk}"' in html and "王建国" in html
    assert f'data-unit-id="{unit_b.pk}"' not in html and "翠湖苑" not in html
    # asking for community B by its id does not widen the search
    r = client.get(f"/violations/new/units/?unit_query=1101&community={unit_b.community_id}")
    assert f'data-unit-id="{unit_b.pk}"' not in r.content.decode()
    assert f'data-unit-id="{unit_a.pk}"' in r.content.decode()


def test_it_looks_up_units_of_community_b_for_its_staff_only(client, carol, unit_a, unit_b):
    client.force_login(carol)
    html = client.get("/violations/new/units/?unit_query=1101").content.decode()
    assert f'data-unit-id="{unit_b.pk}"' in html and f'data-unit-id="{unit_a.pk}"' not in html


# -- the detail page -------------------------------------------------------------------------------


def test_it_shows_the_violation(client, general_case, stella, pete):
    client.force_login(pete)
    r = client.get(f"/violations/{general_case.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        general_case.number in html
        and "楼道堆放纸箱" in html
        and "3栋2单元1101室" in html
        and "王建国" in html
    )
    assert _offered(r) == {"persuade", "rectify", "propose", "close", "reassess", "photos"}
    client.force_login(stella)
    assert _offered(client.get(f"/violations/{general_case.pk}/")) == {"persuade", "photos"}


def test_it_offers_the_signature_to_the_manager_only(client, proposed, pete, mona):
    client.force_login(mona)
    assert {"sign", "refuse"} <= _offered(client.get(f"/violations/{proposed.pk}/"))
    client.force_login(pete)
    assert not {"sign", "refuse"} & _offered(client.get(f"/violations/{proposed.pk}/"))


@pytest.mark.parametrize("user", ["pia", "carol", "mike"])
def test_it_hides_the_violation_from_another_community(client, general_case, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(f"/violations/{general_case.pk}/").status_code == 404


def test_it_guards_the_detail_page(client, general_case, bob, pete):
    assert _login_redirect(client.get(f"/violations/{general_case.pk}/"))
    client.force_login(bob)
    assert client.get(f"/violations/{general_case.pk}/").status_code == 403
    client.force_login(pete)
    assert client.post(f"/violations/{general_case.pk}/").status_code == 405
    assert client.get("/violations/999999/").status_code == 404


def test_it_shows_the_detail_page_in_constant_queries(
    client, general_case, stella, pete, mona, django_assert_max_num_queries
):
    url = f"/violations/{general_case.pk}/"
    services.violation_add_photos(violation_id=general_case.pk, by=stella, photos=[photo()])
    persuade(general_case, stella)
    client.force_login(pete)
    client.get(url)  # warms the content-type cache of the deadlines
    # session, user, memberships, the violation, measures, their notices, photos, notices,
    # follow-ups, events, the header's communities, unread notifications, deadlines
    with django_assert_max_num_queries(13) as one:
        assert client.get(url).status_code == 200
    for _ in range(4):
        persuade(general_case, stella)
    services.violation_add_photos(violation_id=general_case.pk, by=stella, photos=[photo(), photo()])
    services.violation_set_rectification(
        violation_id=general_case.pk, by=pete, requirement="清理", due_date=MORNING.date()
    )
    services.notice_issue(violation_id=general_case.pk, by=pete, kind="rectification")
    services.notice_issue(violation_id=general_case.pk, by=pete, kind="violation")
    with django_assert_max_num_queries(13) as five:
        r = client.get(url)
    assert len(r.context["measures"]) == 6 and len(r.context["events"]) > 6
    assert len(five.captured_queries) == len(one.captured_queries)


# -- every step of the detail page, posted once ----------------------------------------------------


def test_it_records_the_persuasion(client, general_case, stella):
    client.force_login(stella)
    r = client.post(
        f"/violations/{general_case.pk}/persuade/",
        {"persuade-at": "2026-11-23T09:40", "persuade-reaction": "promised", "persuade-note": "讲解消防规定"},
    )
    assert r.status_code == 302 and r["Location"] == f"/violations/{general_case.pk}/"
    measure = general_case.measures.get()
    assert (measure.kind, measure.reaction, measure.by, measure.note) == (
        "persuasion",
        "promised",
        stella,
        "讲解消防规定",
    )
    assert measure.at == at(23, 9, 40)


def test_it_sets_the_rectification_deadline(client, general_case, pete):
    client.force_login(pete)
    r = client.post(
        f"/violations/{general_case.pk}/rectify/",
        {"rectify-requirement": "清理楼道纸箱", "rectify-due_date": "2026-11-25"},
    )
    assert r.status_code == 302
    measure = general_case.measures.get()
    assert _fresh(general_case).status == "rectifying"
    assert measure.status == "running" and measure.due_at == at(26, 0)  # 24:00 of the 25th


def test_it_records_the_reinspection(client, rectifying, stella):
    client.force_login(stella)
    r = client.post(
        f"/violations/{rectifying.pk}/reinspect/", {"reinspect-rectified": "no", "reinspect-note": "纸箱仍在"}
    )
    assert r.status_code == 302
    assert _fresh(rectifying).status == "not_rectified"
    assert rectifying.measures.get().status == "not_rectified"


def test_it_closes_the_case_when_the_reinspection_finds_it_rectified(client, rectifying, stella):
    client.force_login(stella)
    r = client.post(
        f"/violations/{rectifying.pk}/reinspect/", {"reinspect-rectified": "yes", "reinspect-note": "已清理"}
    )
    assert r.status_code == 302 and _fresh(rectifying).status == "closed"


def test_it_proposes_a_penalty(client, fire_lane, stella, pete, mona, leo):
    persuade(fire_lane, stella)
    client.force_login(pete)
    r = client.post(
        f"/violations/{fire_lane.pk}/propose/",
        {"propose-kind": "compensation", "propose-amount": "800", "propose-basis": BASIS, "propose-note": ""},
    )
    assert r.status_code == 302
    measure = fire_lane.measures.get(kind="compensation")
    assert measure.status == "proposed" and measure.amount == Decimal("800") and measure.basis == BASIS
    assert _fresh(fire_lane).status == "penalty_proposed"
    assert Notification.objects.filter(recipient=mona, text__contains=fire_lane.number).count() == 2


def test_it_signs_the_penalty_by_the_cs_center_manager(client, proposed, mona, pete):
    client.force_login(mona)
    r = client.post(f"/violations/{proposed.pk}/sign/", {"sign-note": "同意赔偿"})
    assert r.status_code == 302
    measure = proposed.measures.get(kind="compensation")
    assert (measure.status, measure.signed_by, measure.sign_note) == ("effective", mona, "同意赔偿")
    assert _fresh(proposed).status == "penalty_effective"
    assert Notification.objects.filter(recipient=pete, text__contains=proposed.number).exists()


@pytest.mark.parametrize("user", ["pete", "stella"])
def test_it_lets_no_one_else_sign_the_penalty(client, proposed, request, user):
    before = _state(proposed)
    client.force_login(request.getfixturevalue(user))
    r = client.post(f"/violations/{proposed.pk}/sign/", {"sign-note": "我来签"})
    assert r.status_code == 400
    assert _says(
        r,
        "Only the property company manager or the CS center manager may decide a penalty; "
        "other staff may only persuade.",
    )
    assert _state(proposed) == before


def test_it_lets_the_company_leadership_sign(client, proposed, leo):
    client.force_login(leo)
    assert client.post(f"/violations/{proposed.pk}/sign/", {"sign-note": ""}).status_code == 302
    assert proposed.measures.get(kind="compensation").signed_by == leo


def test_it_refuses_the_penalty(client, proposed, mona):
    client.force_login(mona)
    r = client.post(f"/violations/{proposed.pk}/refuse/", {"refuse-note": "先再劝导一次"})
    assert r.status_code == 302
    assert proposed.measures.get(kind="compensation").status == "refused"
    assert _fresh(proposed).status == "open"


def test_it_records_the_publication(client, criticised, pete):
    client.force_login(pete)
    r = client.post(
        f"/violations/{criticised.pk}/publish/",
        {"publish-published_on": "2026-11-23", "publish-where": "小区入口公告栏"},
    )
    assert r.status_code == 302
    measure = criticised.measures.get(kind="criticism")
    assert str(measure.published_at) == "2026-11-23" and measure.published_where == "小区入口公告栏"


def test_it_records_the_lawyers_letter_then_the_lawsuit(client, sued, mona):
    client.force_login(mona)
    r = client.post(f"/violations/{sued.pk}/lawyer-letter/", {"lawyer-letter-sent_on": "2026-11-23"})
    assert r.status_code == 302
    assert str(sued.measures.get(kind="legal").lawyer_letter_on) == "2026-11-23"
    r = client.post(
        f"/violations/{sued.pk}/lawsuit/",
        {"lawsuit-filed_on": "2026-11-23", "lawsuit-court": "示范区人民法院 (2026)民初123号"},
    )
    assert r.status_code == 302
    legal = sued.measures.get(kind="legal")
    assert str(legal.filed_on) == "2026-11-23" and legal.court == "示范区人民法院 (2026)民初123号"


def test_it_records_the_follow_up(client, compensated, sam):
    client.force_login(sam)
    r = client.post(
        f"/violations/{compensated.pk}/follow-up/",
        {
            "follow-up-method": "visit",
            "follow-up-at": "2026-11-23T10:00",
            "follow-up-attitude": "业主表示理解",
        },
    )
    assert r.status_code == 302
    follow_up = FollowUp.objects.get(violation=compensated)
    assert (follow_up.method, follow_up.by, follow_up.attitude) == ("visit", sam, "业主表示理解")


def test_it_closes_the_violation(client, general_case, stella, pete):
    persuade(general_case, stella, reaction="stopped")
    client.force_login(pete)
    r = client.post(f"/violations/{general_case.pk}/close/", {"close-note": "业主已清理"})
    assert r.status_code == 302
    violation = _fresh(general_case)
    assert (
        violation.status == "closed" and violation.closed_by == pete and violation.close_note == "业主已清理"
    )


def test_it_reassesses_the_severity(client, general_case, pete, mona):
    client.force_login(pete)
    r = client.post(
        f"/violations/{general_case.pk}/reassess/",
        {"reassess-caused_loss": "on", "reassess-loss_note": "纸箱起火熏黑墙面", "reassess-note": "物业核实"},
    )
    assert r.status_code == 302
    violation = _fresh(general_case)
    assert violation.severity == "major" and violation.loss_note == "纸箱起火熏黑墙面"
    assert Notification.objects.filter(recipient=mona, text__contains=general_case.number).exists()


def test_it_adds_photos(client, general_case, erin):
    client.force_login(erin)
    r = client.post(
        f"/violations/{general_case.pk}/photos/",
        {"photos-photos": [photo("一.jpg"), photo("二.webp", fmt="WEBP")]},
    )
    assert r.status_code == 302
    assert sorted(general_case.photos.values_list("content_type", flat=True)) == ["image/jpeg", "image/webp"]


def test_it_shows_the_whole_story_of_a_closed_case(client, sued, pete, mona, sam):
    pk = sued.pk
    services.violation_send_lawyer_letter(violation_id=pk, by=pete, sent_on=MORNING.date())
    services.violation_file_lawsuit(violation_id=pk, by=pete, filed_on=MORNING.date(), court="示范区人民法院")
    services.violation_follow_up(violation_id=pk, by=sam, method="phone", at=MORNING, attitude="业主愿意协商")
    services.violation_close(violation_id=pk, by=mona, note="调解结案")
    client.force_login(mona)
    r = client.get(f"/violations/{pk}/")
    html = r.content.decode()
    facts = ("800.00", BASIS, "《民法典》", "示范区人民法院", "2026-11-23", "业主愿意协商", "调解结案")
    for fact in facts:
        assert fact in html, fact
    assert _says(r, "Lawsuit filed") and _says(r, "Lawyer's letter sent")
    assert _offered(r) == set() and f'action="/violations/{pk}/notices/"' not in html
    # and a notice is not issued for it any more
    r = client.post(f"/violations/{pk}/notices/", {"kind": "violation"}, follow=True)
    assert _says(r, "A closed violation cannot be changed.") and not Notice.objects.exists()


# -- the steps: methods, anonymous users, permissions, other communities ---------------------------


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_it_accepts_only_posts_for_a_step(client, general_case, mona, name):
    client.force_login(mona)
    assert client.get(f"/violations/{general_case.pk}/{name}/").status_code == 405


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_it_sends_anonymous_steps_to_login(client, general_case, name):
    before = _state(general_case)
    assert _login_redirect(client.post(f"/violations/{general_case.pk}/{name}/", {}))
    assert _state(general_case) == before


@pytest.mark.parametrize(
    ("name", "user"),
    [
        ("persuade", "bob"), ("persuade", "fiona"), ("rectify", "stella"), ("rectify", "erin"),
        ("reinspect", "alice"), ("propose", "stella"), ("sign", "bob"), ("refuse", "bob"),
        ("publish", "stella"), ("lawyer-letter", "alice"), ("lawsuit", "erin"), ("follow-up", "stella"),
        ("close", "alice"), ("reassess", "stella"), ("photos", "fiona"),
    ],
)  # fmt: skip
def test_it_refuses_a_step_without_its_permission(client, general_case, request, name, user):
    before = _state(general_case)
    client.force_login(request.getfixturevalue(user))
    assert client.post(f"/violations/{general_case.pk}/{name}/", {}).status_code == 403
    assert _state(general_case) == before


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_it_hides_the_steps_from_another_community(client, proposed, pia, name):
    before = _state(proposed)
    client.force_login(pia)
    assert client.post(f"/violations/{proposed.pk}/{name}/", {}).status_code == 404
    assert _state(proposed) == before


# -- the steps: invalid forms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("persuade", {"persuade-at": "2026-11-23T09:40"}),  # no reaction
        ("persuade", {"persuade-at": "2026-11-24T09:40", "persuade-reaction": "stopped"}),  # tomorrow
        ("rectify", {"rectify-requirement": "清理", "rectify-due_date": "2026-11-22"}),  # yesterday
        ("rectify", {"rectify-requirement": "", "rectify-due_date": "2026-11-25"}),
        ("propose", {"propose-kind": "compensation", "propose-basis": BASIS}),  # no amount
        ("propose", {"propose-kind": "fine", "propose-basis": BASIS}),  # not a penalty of R-VIO-4
        ("close", {"close-note": ""}),
        ("reassess", {"reassess-threatens_safety": "on", "reassess-note": "核实"}),  # threat not described
        ("photos", {}),
    ],
)
def test_it_refuses_an_invalid_step(client, general_case, pete, name, data):
    before = _state(general_case)
    client.force_login(pete)
    r = client.post(f"/violations/{general_case.pk}/{name}/", data)
    assert r.status_code == 400
    assert r.context["open_action"] == name
    _errors_shown(r, _action_form(r, name))
    assert _state(general_case) == before


@pytest.mark.parametrize(
    ("fixture", "user", "name", "data"),
    [
        ("rectifying", "stella", "reinspect", {"reinspect-rectified": "maybe", "reinspect-note": "看不清"}),
        ("proposed", "mona", "refuse", {"refuse-note": ""}),
        ("criticised", "pete", "publish", {"publish-published_on": "", "publish-where": "公告栏"}),
        ("sued", "pete", "lawyer-letter", {"lawyer-letter-sent_on": "23/11/2026"}),
        (
            "compensated",
            "sam",
            "follow-up",
            {"follow-up-method": "visit", "follow-up-at": "2026-11-23T10:00"},
        ),
    ],
)
def test_it_refuses_an_invalid_step_of_a_later_stage(client, request, fixture, user, name, data):
    violation = request.getfixturevalue(fixture)
    before = _state(violation)
    client.force_login(request.getfixturevalue(user))
    r = client.post(f"/violations/{violation.pk}/{name}/", data)
    assert r.status_code == 400
    _errors_shown(r, _action_form(r, name))
    assert _state(violation) == before


def test_it_refuses_an_invalid_photo_on_the_detail_page(client, general_case, stella, settings):
    client.force_login(stella)
    fake = photo("发票.jpg", content=b"GIF89a this is no photo")
    r = client.post(f"/violations/{general_case.pk}/photos/", {"photos-photos": [photo(), fake]})
    assert r.status_code == 400
    assert _says(
        r, "“%(name)s” is not a photo: only JPEG, PNG or WebP images can be attached.", {"name": "发票.jpg"}
    )
    assert not general_case.photos.exists() and _files(settings.MEDIA_ROOT) == []


# -- the steps: illegal states ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "user", "name", "data", "message"),
    [
        ("general_case", "stella", "reinspect", {"reinspect-rectified": "yes", "reinspect-note": "已清理"},
         "There is no rectification deadline to re-inspect."),
        ("general_case", "mona", "sign", {"sign-note": ""}, "There is no proposed penalty to sign."),
        ("general_case", "mona", "refuse", {"refuse-note": "不同意"},
         "There is no proposed penalty to refuse."),
        ("general_case", "pete", "propose", {"propose-kind": "compensation", "propose-amount": "100",
                                             "propose-basis": BASIS},
         "Persuade and educate first (R-VIO-1): record the persuasion before proposing a penalty."),
        ("general_case", "pete", "close", {"close-note": "结束"},
         "Record the persuasion first: a violation is closed once the owner has put it right."),
        ("general_case", "sam", "follow-up", {"follow-up-method": "phone", "follow-up-at": "2026-11-23T10:00",
                                              "follow-up-attitude": "理解"},
         "The follow-up comes after a penalty has taken effect."),
        ("general_case", "pete", "publish", {"publish-published_on": "2026-11-23", "publish-where": "公告栏"},
         "No signed %(penalty)s is in effect."),
        ("fire_lane", "pete", "close", {"close-note": "结束"},
         "Only the CS center manager or the company leadership may close a major violation."),
        ("compensated", "mona", "close", {"close-note": "结束"},
         "Reach out to the owner after the penalty (R-VIO-6) and record it before closing."),
        ("sued", "pete", "lawsuit", {"lawsuit-filed_on": "2026-11-23", "lawsuit-court": "人民法院"},
         "Send the lawyer's letter first; the lawsuit is filed only after it."),
        ("proposed", "pete", "rectify", {"rectify-requirement": "清理", "rectify-due_date": "2026-11-25"},
         "This violation is “%(status)s”; it cannot become “%(new)s”."),
    ],
)  # fmt: skip
def test_it_refuses_a_step_the_case_is_not_ready_for(client, request, fixture, user, name, data, message):
    violation = request.getfixturevalue(fixture)
    before = _state(violation)
    client.force_login(request.getfixturevalue(user))
    r = client.post(f"/violations/{violation.pk}/{name}/", data)
    assert r.status_code == 400
    params = None
    if "%(penalty)s" in message:
        params = {"penalty": _label(r, Measure.Kind.CRITICISM)}
    if "%(status)s" in message:
        params = {
            "status": _label(r, Violation.Status.PENALTY_PROPOSED),
            "new": _label(r, Violation.Status.RECTIFYING),
        }
    assert _says(r, message, params)
    assert _state(violation) == before


def _label(r, choice) -> str:
    with translation.override(r.headers.get("Content-Language", "zh-hans")):
        return str(choice.label)


@pytest.mark.parametrize("name", ["persuade", "photos"])
def test_it_changes_nothing_on_a_closed_case(client, general_case, stella, pete, name):
    persuade(general_case, stella, reaction="stopped")
    services.violation_close(violation_id=general_case.pk, by=pete, note="已整改")
    before = _state(general_case)
    client.force_login(stella)
    data = {"persuade-at": "2026-11-23T09:50", "persuade-reaction": "stopped", "photos-photos": [photo()]}
    r = client.post(f"/violations/{general_case.pk}/{name}/", data)
    assert r.status_code == 400
    assert _says(r, "A closed violation cannot be changed.")
    assert _state(general_case) == before


def test_it_refuses_a_second_publication(client, criticised, pete):
    services.violation_publish_criticism(
        violation_id=criticised.pk, by=pete, published_on=MORNING.date(), where="公告栏"
    )
    before = _state(criticised)
    client.force_login(pete)
    r = client.post(
        f"/violations/{criticised.pk}/publish/",
        {"publish-published_on": "2026-11-23", "publish-where": "公告栏"},
    )
    assert r.status_code == 400
    assert _says(r, "The public criticism was already published.")
    assert _state(criticised) == before


# -- photos ----------------------------------------------------------------------------------------


def test_it_serves_the_photo_to_community_staff(client, general_case, with_photo, erin):
    client.force_login(erin)
    r = client.get(f"/violations/{general_case.pk}/photos/{with_photo.pk}/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png" and r["Cache-Control"] == "private, max-age=3600"
    assert b"".join(r.streaming_content) == image_bytes("PNG")


@pytest.mark.parametrize("user", ["carol", "pia"])
def test_it_hides_the_photo_from_another_community(client, general_case, with_photo, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(f"/violations/{general_case.pk}/photos/{with_photo.pk}/").status_code == 404


def test_it_guards_the_photo(client, general_case, with_photo, fire_lane, bob, stella):
    url = f"/violations/{general_case.pk}/photos/{with_photo.pk}/"
    assert _login_redirect(client.get(url))
    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.force_login(stella)
    assert client.post(url).status_code == 405
    # the photo of one case is not found under another
    assert client.get(f"/violations/{fire_lane.pk}/photos/{with_photo.pk}/").status_code == 404


# -- notices (R-VIO-9) -----------------------------------------------------------------------------


def _sheet(r) -> str:
    html = r.content.decode()
    start = html.index('<article class="notice-sheet">')
    return html[start : html.index("</article>", start)]


def test_it_issues_the_violation_notice(client, compensated, pete):
    client.force_login(pete)
    r = client.post(f"/violations/{compensated.pk}/notices/", {"kind": "violation"})
    notice = Notice.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/violations/{compensated.pk}/notices/{notice.pk}/"
    assert (notice.kind, notice.issued_by, notice.issued_at) == ("violation", pete, MORNING)


def test_it_prints_the_violation_notice(client, compensated, pete, settings):
    settings.PROPSVC_COMPANY_NAME = "阳光物业服务有限公司"
    notice = services.notice_issue(violation_id=compensated.pk, by=pete, kind="violation")
    client.force_login(pete)
    r = client.get(f"/violations/{compensated.pk}/notices/{notice.pk}/")
    assert r.status_code == 200
    sheet = _sheet(r)
    assert "css/propsvc.css" in r.content.decode()  # where .notice-sheet is laid out on A4 (@page)
    facts = (
        "阳光物业服务有限公司", "阳光花园", "3栋2单元1101室", "王建国", "电动车停放在消防通道",
        "消防车无法通行", "800.00", BASIS, notice.number, "2026年11月23日", 'class="notice-line"',
    )  # fmt: skip
    for fact in facts:
        assert fact in sheet, fact


def test_it_prints_the_rectification_notice_with_its_deadline(client, rectifying, stella):
    client.force_login(stella)
    r = client.post(f"/violations/{rectifying.pk}/notices/", {"kind": "rectification"})
    assert r.status_code == 302
    sheet = _sheet(client.get(r["Location"]))
    measure = rectifying.measures.get()
    # The deadline runs to 24:00 of its last day (R-TIME-1): printed as that day, not 00:00 the next.
    assert measure.due_day == (timezone.localtime(measure.due_at) - datetime.timedelta(days=1)).date()
    assert date_format(measure.due_day, "Y年n月j日") in sheet
    assert date_format(timezone.localtime(measure.due_at), "Y年n月j日 H:i") not in sheet
    assert "清理楼道纸箱" in sheet and "楼道堆放纸箱" in sheet and "2026年11月23日" in sheet


@pytest.mark.parametrize(
    ("fixture", "user", "kind", "message"),
    [
        ("general_case", "pete", "rectification",
         "Set a rectification deadline before issuing the rectification notice."),
        ("general_case", "alice", "violation",
         "Only the area steward, the property supervisor or a manager may issue a notice."),
        ("general_case", "pete", "warning", "Choose the notice to issue."),
    ],
)  # fmt: skip
def test_it_refuses_a_notice_it_cannot_issue(client, request, fixture, user, kind, message):
    violation = request.getfixturevalue(fixture)
    client.force_login(request.getfixturevalue(user))
    r = client.post(f"/violations/{violation.pk}/notices/", {"kind": kind}, follow=True)
    assert r.redirect_chain == [(f"/violations/{violation.pk}/", 302)]
    assert _says(r, message)
    assert not Notice.objects.exists()


def test_it_issues_no_notice_for_a_public_place(client, clock, stella, pete, community_a):
    violation = register(stella, community_a)
    client.force_login(pete)
    r = client.post(f"/violations/{violation.pk}/notices/", {"kind": "violation"}, follow=True)
    assert _says(r, "A notice goes to the owner of a unit; this violation names no unit.")
    assert not Notice.objects.exists()


def test_it_guards_the_notices(client, general_case, pete, pia, carol, bob):
    notice = services.notice_issue(violation_id=general_case.pk, by=pete, kind="violation")
    issue, printed = (
        f"/violations/{general_case.pk}/notices/",
        f"/violations/{general_case.pk}/notices/{notice.pk}/",
    )
    assert _login_redirect(client.post(issue, {"kind": "violation"})) and _login_redirect(client.get(printed))
    client.force_login(bob)
    assert client.post(issue, {"kind": "violation"}).status_code == 403
    for user in (pia, carol):
        client.force_login(user)
        assert client.post(issue, {"kind": "violation"}).status_code == 404
        assert client.get(printed).status_code == 404
    client.force_login(pete)
    assert client.get(issue).status_code == 405 and client.post(printed).status_code == 405
    assert Notice.objects.count() == 1


# -- charges to finance (R-VIO-7) ------------------------------------------------------------------


@pytest.fixture
def charge_lists(compensated, clock, pia, mike, unit_b):
    """November's lists: 800 yuan in community A, 500 in community B."""
    case_b = register(pia, unit_b.community, unit=unit_b, caused_loss=True, loss_note="损坏门禁")
    persuade(case_b, pia)
    services.violation_propose_penalty(
        violation_id=case_b.pk, by=pia, kind="compensation", amount=Decimal("500"), basis=BASIS
    )
    services.violation_sign_penalty(violation_id=case_b.pk, by=mike)
    services.charge_list_build(month=services.Month.of(MORNING.date()))
    return {c.community.code: c for c in ChargeList.objects.select_related("community")}


def test_it_shows_finance_every_communitys_list(client, charge_lists, compensated, fiona):
    client.force_login(fiona)
    r = client.get("/violations/charges/")
    assert r.status_code == 200
    html = r.content.decode()
    for charge_list in charge_lists.values():
        assert f'href="/violations/charges/{charge_list.pk}/"' in html
    sheet = _workbook(client.get(f"/violations/charges/{charge_lists['ygh'].pk}/")).active
    lines = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert [(row[1], row[6]) for row in lines] == [(compensated.number, 800.0)]


def test_it_shows_the_manager_only_her_communitys_list(client, charge_lists, mona):
    client.force_login(mona)
    html = client.get("/violations/charges/").content.decode()
    assert f'href="/violations/charges/{charge_lists["ygh"].pk}/"' in html
    assert f'href="/violations/charges/{charge_lists["chy"].pk}/"' not in html
    r = client.get(f"/violations/charges/{charge_lists['ygh'].pk}/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert client.get(f"/violations/charges/{charge_lists['chy'].pk}/").status_code == 404


def test_it_filters_the_charges_by_month(client, charge_lists, fiona):
    client.force_login(fiona)
    html = client.get("/violations/charges/?month=2026-10").content.decode()
    assert not any(f"/violations/charges/{c.pk}/" in html for c in charge_lists.values())
    html = client.get("/violations/charges/?month=2026-11").content.decode()
    assert all(f"/violations/charges/{c.pk}/" in html for c in charge_lists.values())


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_the_charges_in_constant_queries(
    client, clock, community_a, fiona, django_assert_num_queries, n
):
    for month in range(12 - n, 12):
        services.charge_list_build(month=services.Month.of(datetime.date(2026, month, 1)))
    client.force_login(fiona)
    # session, user, memberships, the header's communities, count, the page, unread notifications
    with django_assert_num_queries(7):
        r = client.get("/violations/charges/")
    assert len(re.findall(r'href="/violations/charges/\d+/"', r.content.decode())) == n


@pytest.mark.parametrize("user", ["pete", "carol", "stella"])
def test_it_refuses_the_charges_to_others(client, charge_lists, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get("/violations/charges/").status_code == 403
    assert client.get(f"/violations/charges/{charge_lists['ygh'].pk}/").status_code == 403


def test_it_guards_the_charges(client, charge_lists, fiona):
    url = f"/violations/charges/{charge_lists['ygh'].pk}/"
    assert _login_redirect(client.get("/violations/charges/")) and _login_redirect(client.get(url))
    client.force_login(fiona)
    assert client.post("/violations/charges/").status_code == 405 and client.post(url).status_code == 405
    assert client.get("/violations/charges/999999/").status_code == 404


# -- statistics ------------------------------------------------------------------------------------


@pytest.fixture
def counted(clock, stella, pia, community_a, unit_b):
    """2026 in community A: two fire cases in November (one major), one sanitation case in October;
    one of 2025; one in community B."""
    register(stella, community_a)
    register(stella, community_a, threatens_safety=True, safety_note="堵塞通道")
    register(stella, community_a, category="sanitation", subtype="litter", observed_at=at(5, 9, month=10))
    register(stella, community_a, observed_at=at(5, 9, month=10, year=2025))
    register(pia, unit_b.community, unit=unit_b)


def _line(table, category):
    return next(line for line in table["lines"] if line["category"] == category)


def test_it_counts_by_category_and_month(client, counted, mona):
    client.force_login(mona)
    r = client.get("/violations/statistics/")
    assert r.status_code == 200
    table = r.context["table"]
    assert table["year"] == 2026 and table["total"] == 3
    assert _line(table, "fire")["months"] == [0] * 10 + [2, 0]
    assert _line(table, "sanitation")["months"] == [0] * 9 + [1, 0, 0]
    assert table["majors"] == [0] * 10 + [1, 0]
    # the November fire figure links to the list of exactly those two cases
    link = re.search(r'href="(/violations/\?category=fire&amp;month=2026-11[^"]*)">2</a>', r.content.decode())
    assert len(_numbers(client.get(link.group(1).replace("&amp;", "&")))) == 2
    last_year = client.get("/violations/statistics/?year=2025").context["table"]
    assert last_year["total"] == 1 and _line(last_year, "fire")["months"][9] == 1


def test_it_lets_the_property_supervisor_see_the_statistics(client, counted, pete):
    client.force_login(pete)
    r = client.get("/violations/statistics/")
    assert r.status_code == 200 and r.context["table"]["total"] == 3


def test_it_exports_the_statistics(client, counted, mona):
    client.force_login(mona)
    sheet = _workbook(client.get("/violations/statistics/export/?year=2026")).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "阳光花园"
    lines = rows[3:9]  # the six categories of R-VIO-2, in order
    fire, sanitation = lines[1], lines[2]
    assert list(fire[1:]) == [0] * 10 + [2, 0, 2]
    assert list(sanitation[1:]) == [0] * 9 + [1, 0, 0, 1]
    assert rows[9][-1] == 3 and rows[10][11] == 1  # the total, and November's major one


@pytest.mark.parametrize("n", [1, 5])
def test_it_counts_in_constant_queries(
    client, clock, stella, mona, community_a, django_assert_num_queries, n
):
    for month in range(1, n + 1):
        register(stella, community_a, observed_at=at(3, 9, month=month))
    client.force_login(mona)
    # session, user, memberships, the header's communities, the grouped counts, the form's
    # community count, unread notifications
    with django_assert_num_queries(7):
        r = client.get("/violations/statistics/")
    assert r.context["table"]["total"] == n


@pytest.mark.parametrize("user", ["alice", "stella", "bob"])
def test_it_refuses_the_statistics_to_others(client, counted, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get("/violations/statistics/").status_code == 403
    assert client.get("/violations/statistics/export/").status_code == 403


def test_it_guards_the_statistics(client, counted, mona, community_b):
    client.force_login(mona)
    assert client.post("/violations/statistics/").status_code == 405
    assert client.post("/violations/statistics/export/").status_code == 405
    # asking for community B gives community A's figures, never B's
    r = client.get(f"/violations/statistics/?community={community_b.pk}")
    assert r.status_code == 200 and r.context["table"]["total"] == 3
