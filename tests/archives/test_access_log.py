"""The archive access log (查阅记录, R-ARC-4, DESIGN.md "Privacy"): every view of the archive page
and every document download inside a window is one append-only entry; nothing changes or deletes
one; the CS center manager reads it (filters, pages, Excel) for their communities only.
"""

import datetime
import io

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from openpyxl import load_workbook

from archives import services
from archives.models import AccessLog, LookupRequest
from archives.views.archive import PAGE_SIZE
from propsvc.roles import Role
from tests.archives import support
from tests.archives.support import MORNING, PDF, SHANGHAI, open_window, shown, upload
from tests.conftest import _member
from tests.factories import MembershipFactory, OwnershipFactory, UnitFactory, UserFactory

_fast_passwords = support._fast_passwords
_media = support._media
clock = support.clock
mona = support.mona
ada = support.ada
mike = support.mike
bea = support.bea
leo = support.leo
owner_a = support.owner_a
owner_b = support.owner_b

Page, Document = AccessLog.What.PAGE, AccessLog.What.DOCUMENT


def archive_url(unit) -> str:
    return f"/archives/units/{unit.pk}/archive/"


@pytest.fixture
def window(clock, alice, mona, dave, unit_a, owner_a):
    """alice's open look-up of unit_a's archive."""
    return open_window(unit_a, alice, approver=mona, archivist=dave)


@pytest.fixture
def document(window, unit_a, dave, mona, ada):
    """A contract in unit_a's archive, put there by the archivist in a window of his own."""
    own = open_window(unit_a, dave, approver=mona, archivist=ada)
    doc = services.document_add(
        unit_id=unit_a.pk, by=dave, part="basic", title="购房合同", upload=upload("合同.pdf", PDF)
    )
    services.lookup_close(request_id=own.pk, by=dave)
    return doc


@pytest.fixture
def window_b(clock, carol, mike, bea, unit_b, owner_b):
    """carol's open look-up in community B."""
    return open_window(unit_b, carol, approver=mike, archivist=bea)


def write(lookup, user=None, *, what=Page, address="10.0.0.1", document=None) -> AccessLog:
    return services.access_log_write(
        lookup=lookup, user=user or lookup.requested_by, what=what, address=address, document=document
    )


# -- what is written ---------------------------------------------------------------------------------


def test_it_writes_one_entry_for_every_view_of_the_archive_page(client, window, alice, unit_a):
    client.force_login(alice)
    for _ in range(2):
        assert client.get(archive_url(unit_a), REMOTE_ADDR="10.1.2.3").status_code == 200
    entries = list(AccessLog.objects.order_by("pk"))
    assert len(entries) == 2
    for entry in entries:
        assert (entry.user, entry.unit, entry.community_id, entry.request) == (
            alice,
            unit_a,
            unit_a.community_id,
            window,
        )
        assert (entry.what, entry.document, entry.address, entry.at) == (Page, None, "10.1.2.3", MORNING)


def test_it_takes_the_first_forwarded_address_behind_the_proxy(client, settings, window, alice, unit_a):
    settings.BEHIND_PROXY = True
    client.force_login(alice)
    client.get(archive_url(unit_a), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.2")
    assert AccessLog.objects.get().address == "203.0.113.7"


def test_it_ignores_a_forwarded_address_when_not_behind_a_proxy(client, settings, window, alice, unit_a):
    # Without the reverse proxy the header comes from the client and proves nothing.
    settings.BEHIND_PROXY = False
    client.force_login(alice)
    client.get(archive_url(unit_a), REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AccessLog.objects.get().address == "10.1.2.3"


def test_it_writes_one_entry_for_every_document_download(client, window, document, alice):
    client.force_login(alice)
    r = client.get(document.get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf" and r["Cache-Control"] == "private, no-store"
    assert r["Content-Disposition"].startswith("attachment")
    entry = AccessLog.objects.get()
    assert (entry.user, entry.request, entry.what, entry.document, entry.address) == (
        alice,
        window,
        Document,
        document,
        "10.1.2.3",
    )
    client.get(document.get_absolute_url())
    assert AccessLog.objects.filter(what=Document).count() == 2


def test_it_writes_one_entry_for_a_page_shown_again_after_a_refused_change(
    client, clock, dave, mona, ada, unit_a, owner_a
):
    window = open_window(unit_a, dave, approver=mona, archivist=ada)
    client.force_login(dave)
    r = client.post(
        f"{archive_url(unit_a)}family/",
        {
            "family-owner_id": owner_a.pk,
            "family-name": "王小明",
            "family-relation": "儿子",
            "family-reason": "业主要求登记",
        },
    )
    assert r.status_code == 400  # no consent yet: the page is shown again with the error
    assert list(AccessLog.objects.values_list("request", "what")) == [(window.pk, Page)]


def test_it_writes_one_entry_for_a_successful_change_and_the_page_after_it(
    client, clock, dave, mona, ada, unit_a, owner_a
):
    open_window(unit_a, dave, approver=mona, archivist=ada)
    client.force_login(dave)
    r = client.post(
        f"{archive_url(unit_a)}contact/",
        {"contact-owner_id": owner_a.pk, "contact-mobile": "13900001111", "contact-reason": "业主换号"},
        follow=True,
    )
    assert r.status_code == 200 and r.redirect_chain == [(archive_url(unit_a), 302)]
    assert AccessLog.objects.count() == 1  # the POST shows nothing; the page after it is one view


def test_it_writes_nothing_for_views_outside_a_window(
    client, clock, alice, carol, dave, mona, unit_a, owner_a
):
    lookup = support.approved(unit_a, alice, approver=mona)  # approved, not registered
    client.force_login(alice)
    assert client.get(archive_url(unit_a)).status_code == 200
    client.force_login(dave)  # no look-up of his own
    assert client.get(archive_url(unit_a)).status_code == 200
    client.force_login(carol)  # another community
    assert client.get(archive_url(unit_a)).status_code == 404
    services.lookup_register(request_id=lookup.pk, by=dave)
    clock.move_to(LookupRequest.objects.get(pk=lookup.pk).expires_at)  # expired, job not yet run
    client.force_login(alice)
    assert client.get(archive_url(unit_a)).status_code == 200
    assert not AccessLog.objects.exists()


# -- append-only ------------------------------------------------------------------------------------


@pytest.fixture
def entry(window):
    return write(window)


def test_it_refuses_to_change_or_delete_an_entry(entry):
    original = AccessLog.objects.filter(pk=entry.pk).values().get()
    entry.address = "192.168.0.1"
    with pytest.raises(AccessLog.Immutable):
        entry.save()
    with pytest.raises(AccessLog.Immutable):
        entry.delete()
    with pytest.raises(AccessLog.Immutable):
        AccessLog.objects.filter(pk=entry.pk).update(address="192.168.0.1")
    with pytest.raises(AccessLog.Immutable):
        AccessLog.objects.all().delete()
    with pytest.raises(AccessLog.Immutable), transaction.atomic():  # bulk_update's own atomic block
        AccessLog.objects.bulk_update([entry], ["address"])
    assert AccessLog.objects.filter(pk=entry.pk).values().get() == original


def test_it_refuses_to_delete_what_an_entry_points_to(entry, alice, window, unit_a):
    for row in (window, unit_a, alice):
        with pytest.raises(ProtectedError), transaction.atomic():
            row.delete()
    assert AccessLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM archives_accesslog", "UPDATE archives_accesslog SET address = '192.168.0.1'"],
    ids=["delete", "update"],
)
def test_it_refuses_raw_sql_on_the_access_log(entry, sql):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the trigger that refuses UPDATE and DELETE exists only there")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessLog.objects.filter(pk=entry.pk, address="10.0.0.1").exists()


# -- the admin ---------------------------------------------------------------------------------------


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.mark.parametrize("model", [AccessLog, LookupRequest])
def test_it_offers_no_add_change_or_delete_in_the_admin(client, root, entry, window, model):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = root
    obj = model.objects.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert "delete_selected" not in model_admin.get_actions(request)
    name = model._meta.model_name
    client.force_login(root)
    assert client.get(f"/admin/archives/{name}/").status_code == 200
    assert client.get(f"/admin/archives/{name}/add/").status_code == 403
    assert client.post(f"/admin/archives/{name}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/archives/{name}/{obj.pk}/change/", {}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


# -- the access-log page ---------------------------------------------------------------------------


def listed(client, query: str = "") -> list[int]:
    r = client.get(f"/archives/access-log/{query}")
    assert r.status_code == 200
    return [e.pk for e in r.context["page"]]


def test_it_shows_the_log_to_the_cs_center_manager(client, window, document, mona, alice, unit_a):
    client.force_login(alice)
    client.get(archive_url(unit_a), REMOTE_ADDR="10.1.2.3")
    client.get(document.get_absolute_url())
    client.force_login(mona)
    r = client.get("/archives/access-log/")
    assert r.status_code == 200
    body = r.content.decode()
    assert alice.get_full_name() in body and unit_a.label in body and window.number in body
    assert shown(str(Page.label)) in body and "购房合同" in body and "10.1.2.3" in body
    assert listed(client) == list(AccessLog.objects.order_by("-pk").values_list("pk", flat=True))


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_it_refuses_the_log_to_staff_without_the_permission(client, request, entry, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/archives/access-log/").status_code == 403
    assert client.get("/archives/access-log/export/").status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    r = client.get("/archives/access-log/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_it_takes_the_log_by_get_only(client, mona):
    client.force_login(mona)
    assert client.post("/archives/access-log/").status_code == 405


def test_it_filters_by_unit(client, clock, window, alice, mona, dave, unit_a):
    other = UnitFactory(building=unit_a.building, entrance=2, room="1102")
    OwnershipFactory(unit=other)
    other_window = open_window(other, alice, approver=mona, archivist=dave)
    here, there = write(window), write(other_window)
    client.force_login(mona)
    assert listed(client, "?unit=1102") == [there.pk]
    assert listed(client, "?unit=3-2-1101") == [here.pk]
    assert listed(client, "?unit=3栋1101") == [here.pk]
    assert listed(client, "?unit=9-1101") == []


def test_it_filters_by_staff_member(client, clock, window, dave, mona, ada, unit_a):
    own = open_window(unit_a, dave, approver=mona, archivist=ada)
    alices, daves = write(window), write(own)
    client.force_login(mona)
    assert listed(client, f"?staff={dave.username}") == [daves.pk]
    assert listed(client, f"?staff={window.requested_by.username.upper()}") == [alices.pk]


def test_it_takes_the_full_name_of_a_staff_member(client, clock, window, dave, mona, ada, unit_a):
    dave.last_name, dave.first_name = "戴", "维"
    dave.save()
    own = open_window(unit_a, dave, approver=mona, archivist=ada)
    write(window)
    daves = write(own)
    client.force_login(mona)
    assert listed(client, "?staff=戴维") == [daves.pk]


def test_it_says_when_no_staff_member_has_the_name(client, window, mona):
    write(window)
    client.force_login(mona)
    r = client.get("/archives/access-log/?staff=nobody")
    assert r.status_code == 200
    assert r.context["form"].errors["staff"] == ["没有找到员工“nobody”。"]


def test_it_asks_to_choose_when_two_staff_share_a_name(client, window, mona, community_a):
    for username in ("wang1", "wang2"):
        user = UserFactory(username=username, last_name="王", first_name="芳")
        MembershipFactory(user=user, community=community_a, role=Role.RECEPTIONIST)
    client.force_login(mona)
    r = client.get("/archives/access-log/?staff=王芳")
    assert r.context["form"].errors["staff"] == ["有不止一名员工叫“王芳”，请从列表中选择。"]


def test_it_suggests_staff_as_the_name_is_typed(client, window, window_b, mona, dave):
    client.force_login(mona)
    r = client.get("/archives/access-log/staff/?staff=da", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert f'<option value="{dave.username}">' in r.content.decode()
    assert "carol" not in client.get("/archives/access-log/staff/?staff=c").content.decode()  # B's


def test_it_renders_no_list_of_every_staff_member(client, window, mona, community_a):
    for n in range(30):
        _member(f"desk{n:02d}", community_a, Role.RECEPTIONIST)
    client.force_login(mona)
    body = client.get("/archives/access-log/").content.decode()
    assert "desk07" not in body  # the suggestions come as the name is typed
    assert 'list="access-log-staff"' in body


def test_it_filters_by_dates_in_shanghai_time(client, clock, window, mona):
    days = {}
    for when in (
        datetime.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI),
        datetime.datetime(2026, 11, 22, 0, 10, tzinfo=SHANGHAI),
        datetime.datetime(2026, 11, 22, 23, 50, tzinfo=SHANGHAI),
        datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI),
    ):
        clock.move_to(when)
        days.setdefault(when.day, []).insert(0, write(window).pk)
    client.force_login(mona)
    assert listed(client, "?date_from=2026-11-22&date_to=2026-11-22") == days[22]
    assert listed(client, "?date_from=2026-11-22") == days[23] + days[22]
    assert listed(client, "?date_to=2026-11-21") == days[21]


def test_it_pages_the_log(client, window, mona):
    entries = [write(window).pk for _ in range(PAGE_SIZE + 1)]
    client.force_login(mona)
    assert listed(client) == entries[::-1][:PAGE_SIZE]
    assert listed(client, "?page=2") == [entries[0]]


def test_it_shows_each_manager_only_their_communities(client, window, window_b, mona, mike, leo):
    here, there = write(window), write(window_b)
    client.force_login(mona)
    assert listed(client) == [here.pk]
    client.force_login(mike)
    assert listed(client) == [there.pk]
    client.force_login(leo)  # company leadership: the whole company
    assert sorted(listed(client)) == sorted([here.pk, there.pk])


def test_it_shows_only_the_communities_where_the_user_manages(
    client, window, window_b, community_a, community_b
):
    # A CS center manager of A who is a receptionist in B reads A's log only, even with "all" chosen.
    nina = _member("nina", community_a, Role.CS_MANAGER)
    MembershipFactory(user=nina, community=community_b, role=Role.RECEPTIONIST)
    here = write(window)
    write(window_b)
    client.force_login(nina)
    session = client.session
    session["propsvc_community"] = "all"
    session.save()
    assert listed(client) == [here.pk]
    staff = client.get("/archives/access-log/").context["form"].staff_queryset
    assert "carol" in {u.username for u in staff}  # B's people are nina's colleagues there…
    session["propsvc_community"] = community_b.pk
    session.save()
    assert listed(client) == []  # …but B's log is not hers


def test_it_offers_only_visible_staff_in_the_filter(client, window, window_b, mona):
    client.force_login(mona)
    staff = {u.username for u in client.get("/archives/access-log/").context["form"].staff_queryset}
    assert {"alice", "dave", "mona"} <= staff
    assert not staff & {"carol", "mike", "bea"}


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_the_log_in_constant_queries(client, window, document, mona, django_assert_num_queries, n):
    for _ in range(n):
        write(window)
        write(window, what=Document, document=document)
    client.force_login(mona)
    # session, user, memberships, communities (header and allowed), count, the page's keys, its
    # rows (joined; propsvc.pagination), unread notifications (the staff are suggested as typed)
    with django_assert_num_queries(8):
        r = client.get("/archives/access-log/")
    assert len(r.context["page"]) == 2 * n


# -- the Excel export ---------------------------------------------------------------------------------


def test_it_exports_the_filtered_log_to_excel(client, clock, window, window_b, dave, mona, ada, unit_a):
    own = open_window(unit_a, dave, approver=mona, archivist=ada)
    write(window, address="10.1.2.3")
    write(own)
    write(window_b)
    client.force_login(mona)
    r = client.get(f"/archives/access-log/export/?staff={window.requested_by.username}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = _rows(r)
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert unit_a.label in text and window.number in text and "10.1.2.3" in text
    assert own.number not in text  # filtered to alice
    assert window_b.number not in text  # community B is not mona's


def _rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


@pytest.mark.parametrize("n", [1, 5])
def test_it_exports_the_log_in_constant_queries(client, window, document, mona, django_assert_num_queries, n):
    for _ in range(n):
        write(window)
        write(window, what=Document, document=document)
    client.force_login(mona)
    # session, user, memberships, communities (allowed), the count (inline or a background job), the
    # audit entry, the rows (joined, one streamed query)
    with django_assert_num_queries(7):
        rows = _rows(client.get("/archives/access-log/export/"))
    assert len(rows) == 1 + 2 * n
