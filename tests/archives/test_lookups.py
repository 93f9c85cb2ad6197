"""Confidential look-ups (R-ARC-4): request → approval by the CS center manager → registration by
the archivist → a window for the requester alone → expiry; and every way of not getting in.

Built through archives.services and the views; the clock is frozen at MORNING (support.clock).
"""

import pytest
from django.conf import settings

from archives import services
from archives.models import AccessLog, LookupRequest
from archives.selectors import lookup_window_for
from archives.services import ArchiveError
from archives.tasks import close_expired_lookups
from propsvc.models import Notification
from tests.archives import support
from tests.archives.support import MINUTE, MOBILE, MORNING, PDF, ask, fresh, open_window, shown, t, upload
from tests.factories import OwnershipFactory, UnitFactory

_fast_passwords = support._fast_passwords
_media = support._media
clock = support.clock
mona = support.mona
nora = support.nora
ada = support.ada
mike = support.mike
bea = support.bea
owner_a = support.owner_a

Status = LookupRequest.Status


def archive_url(unit) -> str:
    return f"/archives/units/{unit.pk}/archive/"


def inbox(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("text", "link"))


def title(lookup) -> str:
    return f"{lookup.number} {lookup.unit.label}"


def person(user) -> str:
    return user.get_full_name() or user.get_username()


def snapshot():
    return {
        "lookups": list(LookupRequest.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "recipient", "text")),
        "log": AccessLog.objects.count(),
    }


def refused(action, match=None):
    """The service raises ArchiveError and writes nothing: look-ups, notifications and the log."""
    before = snapshot()
    with pytest.raises(ArchiveError, match=match) as exc:
        action()
    assert snapshot() == before
    return exc.value


@pytest.fixture
def document(clock, unit_a, owner_a, dave, mona, ada):
    """A contract in the basic part, put there by the archivist in a window of his own, now ended."""
    window = open_window(unit_a, dave, approver=mona, archivist=ada)
    doc = services.document_add(
        unit_id=unit_a.pk, by=dave, part="basic", title="购房合同", upload=upload("合同.pdf", PDF)
    )
    services.lookup_close(request_id=window.pk, by=dave)
    return doc


def closed_page(client, unit) -> str:
    """The archive page outside a window: 200, the catalogue line and the request form only."""
    r = client.get(archive_url(unit))
    assert r.status_code == 200
    assert r.templates[0].name == "archives/archive_closed.html"
    assert "ownerships" not in r.context and "parts" not in r.context
    return r.content.decode()


# -- the happy path ------------------------------------------------------------------------------------


def test_it_opens_the_archive_for_the_requester_once_approved_and_registered(
    client, clock, alice, mona, dave, unit_a, owner_a
):
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_a.pk}/lookup/", {"reason": "核对车辆信息", "minutes": "60"})
    assert r.status_code == 302 and r["Location"] == archive_url(unit_a)
    lookup = LookupRequest.objects.get()
    assert (lookup.status, lookup.requested_by, lookup.unit, lookup.community_id) == (
        Status.PENDING,
        alice,
        unit_a,
        unit_a.community_id,
    )
    assert (lookup.reason, lookup.minutes, lookup.number) == ("核对车辆信息", 60, f"CY{lookup.pk:06d}")
    assert MOBILE not in closed_page(client, unit_a)

    client.force_login(mona)
    r = client.post(f"/archives/lookups/{lookup.pk}/approve/", {"note": "同意，限本次使用"})
    assert r.status_code == 302
    lookup = fresh(lookup)
    assert (lookup.status, lookup.decided_by, lookup.decided_at) == (Status.APPROVED, mona, MORNING)
    assert lookup.decision_note == "同意，限本次使用"
    client.force_login(alice)
    assert MOBILE not in closed_page(client, unit_a)

    clock.shift(5 * MINUTE)
    client.force_login(dave)
    assert client.post(f"/archives/lookups/{lookup.pk}/register/").status_code == 302
    lookup = fresh(lookup)
    assert (lookup.status, lookup.registered_by) == (Status.OPEN, dave)
    assert lookup.opens_at == MORNING + 5 * MINUTE
    assert lookup.expires_at == MORNING + 65 * MINUTE

    client.force_login(alice)
    r = client.get(archive_url(unit_a))
    assert r.status_code == 200 and r.context["window"] == lookup
    assert MOBILE in r.content.decode()


def test_it_opens_the_window_for_the_default_minutes_when_none_are_asked(clock, alice, mona, dave, unit_a):
    lookup = open_window(unit_a, alice, approver=mona, archivist=dave)
    assert lookup.minutes == settings.PROPSVC_ARCHIVE_WINDOW_MINUTES == 120
    assert lookup.expires_at == MORNING + 120 * MINUTE


def test_it_takes_requests_and_decisions_by_post_only(client, alice, mona, unit_a):
    lookup = ask(unit_a, alice)
    client.force_login(alice)
    assert client.get(f"/archives/units/{unit_a.pk}/lookup/").status_code == 405
    client.force_login(mona)
    assert client.get(f"/archives/lookups/{lookup.pk}/approve/").status_code == 405
    assert fresh(lookup).status == Status.PENDING


def test_it_sends_anonymous_visitors_to_the_login_page(client, alice, unit_a):
    lookup = ask(unit_a, alice)
    for url in (f"/archives/units/{unit_a.pk}/lookup/", f"/archives/lookups/{lookup.pk}/approve/"):
        r = client.post(url, {"reason": "x", "minutes": "60"})
        assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert client.get("/archives/lookups/").status_code == 302
    assert LookupRequest.objects.get().status == Status.PENDING


def test_it_refuses_a_request_without_a_reason(client, alice, unit_a):
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_a.pk}/lookup/", {"reason": "  ", "minutes": "60"})
    assert r.status_code == 400
    assert not LookupRequest.objects.exists()
    refused(lambda: ask(unit_a, alice, reason=" "), match=t("Write why you need to look at the archive."))


def test_it_refuses_a_staff_member_without_a_role(client, bob, unit_a):
    client.force_login(bob)
    assert (
        client.post(f"/archives/units/{unit_a.pk}/lookup/", {"reason": "x", "minutes": "60"}).status_code
        == 403
    )
    refused(lambda: ask(unit_a, bob))


# -- no approval, no registration: no window -------------------------------------------------------------


@pytest.mark.parametrize("stage", ["pending", "approved"])
def test_it_shows_only_the_catalogue_line_until_the_look_up_is_registered(
    client, document, alice, mona, unit_a, stage
):
    lookup = ask(unit_a, alice)
    if stage == "approved":
        services.lookup_approve(request_id=lookup.pk, by=mona)
    client.force_login(alice)
    body = closed_page(client, unit_a)
    assert "王建国" in body and unit_a.label in body and "98.50" in body and "2020-06-01" in body
    assert MOBILE not in body and "购房合同" not in body and document.get_absolute_url() not in body
    assert lookup.number in body  # "my look-ups of this archive", with its status
    assert client.get(document.get_absolute_url()).status_code == 403
    assert not AccessLog.objects.filter(user=alice).exists()


def test_it_refuses_to_register_a_look_up_nobody_approved(client, alice, dave, unit_a):
    lookup = ask(unit_a, alice)
    client.force_login(dave)
    r = client.post(f"/archives/lookups/{lookup.pk}/register/", follow=True)
    assert (
        shown(
            "This look-up is “%(status)s”; it cannot become “%(new)s”.",
            status=Status.PENDING.label,
            new=Status.OPEN.label,
        )
        in r.content.decode()
    )
    assert fresh(lookup).status == Status.PENDING
    refused(lambda: services.lookup_register(request_id=lookup.pk, by=dave))


# -- rejection -------------------------------------------------------------------------------------------


def test_it_needs_a_note_to_reject(client, alice, mona, unit_a):
    lookup = ask(unit_a, alice)
    client.force_login(mona)
    before = snapshot()
    r = client.post(f"/archives/lookups/{lookup.pk}/reject/", {"note": ""}, follow=True)
    assert r.status_code == 200
    assert snapshot() == before
    refused(
        lambda: services.lookup_reject(request_id=lookup.pk, by=mona, note="  "),
        match=t("Write why the look-up is rejected."),
    )


def test_it_rejects_with_the_note_and_opens_no_window(client, alice, mona, dave, unit_a, owner_a):
    lookup = ask(unit_a, alice)
    client.force_login(mona)
    client.post(f"/archives/lookups/{lookup.pk}/reject/", {"note": "理由不充分"})
    lookup = fresh(lookup)
    assert (lookup.status, lookup.decided_by, lookup.decision_note) == (Status.REJECTED, mona, "理由不充分")
    refused(lambda: services.lookup_approve(request_id=lookup.pk, by=mona))
    refused(lambda: services.lookup_register(request_id=lookup.pk, by=dave))
    client.force_login(alice)
    body = closed_page(client, unit_a)
    assert MOBILE not in body and "理由不充分" in body


# -- expiry ----------------------------------------------------------------------------------------------


def test_it_closes_the_window_when_it_expires_even_before_the_job_runs(
    client, clock, document, alice, mona, dave, ada, unit_a
):
    lookup = open_window(unit_a, alice, approver=mona, archivist=dave, minutes=30)
    other = open_window(unit_a, dave, approver=mona, archivist=ada, minutes=240)
    client.force_login(alice)
    clock.move_to(lookup.expires_at - MINUTE)
    assert MOBILE in client.get(archive_url(unit_a)).content.decode()

    clock.move_to(lookup.expires_at)
    assert fresh(lookup).status == Status.OPEN  # the closing job has not run yet…
    assert MOBILE not in closed_page(client, unit_a)  # …and the window is shut all the same
    assert client.get(document.get_absolute_url()).status_code == 403
    assert lookup_window_for(user=alice, unit=unit_a) is None
    assert AccessLog.objects.filter(user=alice).count() == 1  # only the view inside the window

    assert close_expired_lookups() == 1
    lookup = fresh(lookup)
    assert (lookup.status, lookup.close_reason, lookup.closed_at) == (
        Status.CLOSED,
        "expired",
        lookup.expires_at,
    )
    assert fresh(other).status == Status.OPEN  # dave's window still has time
    assert close_expired_lookups() == 0  # a second run changes nothing


def test_it_lets_the_requester_ask_again_once_the_window_has_expired(clock, alice, mona, dave, unit_a):
    # The window is over even if the closing job has not run yet (reads check the time themselves).
    lookup = open_window(unit_a, alice, approver=mona, archivist=dave, minutes=30)
    clock.move_to(lookup.expires_at)
    again = ask(unit_a, alice)
    assert again.status == Status.PENDING


def test_it_schedules_the_closing_job_every_minute():
    from propsvc.celery import app

    entry = app.conf.beat_schedule["close-expired-archive-lookups"]
    assert (entry["task"], entry["schedule"]) == ("archives.tasks.close_expired_lookups", 60.0)


# -- someone else's window ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dave", "mona"])
def test_it_opens_the_window_for_the_requester_alone(
    client, request, document, alice, mona, dave, unit_a, who
):
    open_window(unit_a, alice, approver=mona, archivist=dave)
    client.force_login(alice)
    assert MOBILE in client.get(archive_url(unit_a)).content.decode()
    # the archivist who registered it and the manager who approved it see nothing of it
    other = request.getfixturevalue(who)
    client.force_login(other)
    body = closed_page(client, unit_a)
    assert MOBILE not in body and "购房合同" not in body
    assert client.get(document.get_absolute_url()).status_code == 403
    assert not AccessLog.objects.filter(user=other).exists()


# -- another community ------------------------------------------------------------------------------------


def test_it_hides_another_communitys_archive_document_and_look_ups(
    client, document, alice, carol, mona, unit_a
):
    lookup = ask(unit_a, alice)
    client.force_login(carol)
    before = snapshot()
    assert client.get(archive_url(unit_a)).status_code == 404
    assert client.get(document.get_absolute_url()).status_code == 404
    assert (
        client.post(f"/archives/units/{unit_a.pk}/lookup/", {"reason": "x", "minutes": "60"}).status_code
        == 404
    )
    for action in ("approve", "reject", "register", "close"):
        assert client.post(f"/archives/lookups/{lookup.pk}/{action}/", {"note": "x"}).status_code == 404
    assert lookup.number not in client.get("/archives/lookups/?view=all").content.decode()
    assert snapshot() == before
    refused(lambda: ask(unit_a, carol))


def test_it_refuses_a_manager_of_another_community_the_approval(client, alice, mike, unit_a):
    lookup = ask(unit_a, alice)
    client.force_login(mike)
    before = snapshot()
    assert client.post(f"/archives/lookups/{lookup.pk}/approve/").status_code == 404
    assert lookup.number not in client.get("/archives/lookups/?view=approve").content.decode()
    assert snapshot() == before
    refused(
        lambda: services.lookup_approve(request_id=lookup.pk, by=mike),
        match=t("Your role does not allow this action in this community."),
    )


def test_it_refuses_an_archivist_of_another_community_the_registration(alice, mona, bea, unit_a):
    lookup = support.approved(unit_a, alice, approver=mona)
    refused(lambda: services.lookup_register(request_id=lookup.pk, by=bea))


# -- four eyes, one at a time, limits ----------------------------------------------------------------------


def test_it_refuses_a_manager_the_approval_of_their_own_look_up(client, mona, nora, unit_a):
    lookup = ask(unit_a, mona)
    assert inbox(mona) == []  # the request goes to the other managers
    client.force_login(mona)
    before = snapshot()
    r = client.post(f"/archives/lookups/{lookup.pk}/approve/", follow=True)
    assert (
        shown("You cannot approve your own look-up; another manager must approve it.") in r.content.decode()
    )
    assert snapshot() == before
    refused(lambda: services.lookup_approve(request_id=lookup.pk, by=mona))
    assert services.lookup_approve(request_id=lookup.pk, by=nora).status == Status.APPROVED


@pytest.mark.parametrize("stage", ["pending", "approved", "open"])
def test_it_refuses_a_second_look_up_of_the_same_archive_in_progress(
    client, alice, mona, dave, unit_a, stage
):
    lookup = ask(unit_a, alice)
    if stage in ("approved", "open"):
        services.lookup_approve(request_id=lookup.pk, by=mona)
    if stage == "open":
        services.lookup_register(request_id=lookup.pk, by=dave)
    refused(lambda: ask(unit_a, alice), match=t("You already have a look-up of this archive in progress."))
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_a.pk}/lookup/", {"reason": "再查一次", "minutes": "60"})
    assert r.status_code == 400
    assert shown("You already have a look-up of this archive in progress.") in r.content.decode()
    assert LookupRequest.objects.count() == 1


@pytest.mark.parametrize("end", ["closed", "rejected"])
def test_it_takes_a_new_look_up_once_the_last_one_has_ended(alice, mona, unit_a, end):
    lookup = ask(unit_a, alice)
    if end == "closed":
        services.lookup_close(request_id=lookup.pk, by=alice)
    else:
        services.lookup_reject(request_id=lookup.pk, by=mona, note="理由不充分")
    assert ask(unit_a, alice).status == Status.PENDING


def test_it_takes_look_ups_of_other_archives_and_by_other_staff_at_the_same_time(alice, dave, unit_a):
    ask(unit_a, alice)
    ask(unit_a, dave)
    ask(UnitFactory(building=unit_a.building, room="1102"), alice)
    assert LookupRequest.objects.filter(status=Status.PENDING).count() == 3


def test_it_refuses_a_window_longer_than_the_maximum(client, alice, unit_a):
    longest = settings.PROPSVC_ARCHIVE_WINDOW_MAX_MINUTES
    refused(
        lambda: ask(unit_a, alice, minutes=longest + 1),
        match=t("A look-up lasts at most %(hours)d hours.", hours=longest // 60),
    )
    client.force_login(alice)
    r = client.post(f"/archives/units/{unit_a.pk}/lookup/", {"reason": "核对", "minutes": str(longest + 1)})
    assert r.status_code == 400
    assert not LookupRequest.objects.exists()
    assert ask(unit_a, alice, minutes=longest).minutes == longest


# -- who decides -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_it_lets_only_the_cs_center_manager_approve_or_reject(client, request, alice, unit_a, who):
    lookup = ask(unit_a, alice)
    user = request.getfixturevalue(who)
    client.force_login(user)
    before = snapshot()
    assert client.post(f"/archives/lookups/{lookup.pk}/approve/").status_code == 403
    assert client.post(f"/archives/lookups/{lookup.pk}/reject/", {"note": "不同意"}).status_code == 403
    assert snapshot() == before
    refused(lambda: services.lookup_approve(request_id=lookup.pk, by=user))
    refused(lambda: services.lookup_reject(request_id=lookup.pk, by=user, note="不同意"))


@pytest.mark.parametrize("who", ["alice", "mona", "nora"])
def test_it_lets_only_the_archivist_register(client, request, alice, mona, unit_a, who):
    lookup = support.approved(unit_a, alice, approver=mona)
    user = request.getfixturevalue(who)
    client.force_login(user)
    before = snapshot()
    assert client.post(f"/archives/lookups/{lookup.pk}/register/").status_code == 403
    assert snapshot() == before
    refused(lambda: services.lookup_register(request_id=lookup.pk, by=user))


def test_it_refuses_an_unknown_action(client, alice, mona, unit_a):
    lookup = ask(unit_a, alice)
    client.force_login(mona)
    assert client.post(f"/archives/lookups/{lookup.pk}/open-sesame/").status_code == 403
    assert fresh(lookup).status == Status.PENDING


# -- notifications ---------------------------------------------------------------------------------------


def test_it_tells_the_right_people_at_each_step(clock, alice, mona, nora, dave, ada, mike, bea, unit_a):
    lookup = ask(unit_a, alice)
    asked = (
        t("Look-up to approve: %(title)s, asked by %(who)s", title=title(lookup), who=person(alice)),
        "/archives/lookups/?view=approve",
    )
    assert inbox(mona) == inbox(nora) == [asked]
    assert inbox(alice) == inbox(dave) == inbox(mike) == inbox(bea) == []

    services.lookup_approve(request_id=lookup.pk, by=mona)
    to_register = (
        t("Approved look-up to register: %(title)s", title=title(lookup)),
        "/archives/lookups/?view=register",
    )
    assert inbox(dave) == inbox(ada) == [to_register]
    assert inbox(alice) == [
        (
            t("Your look-up %(title)s was approved; the archivist will register it.", title=title(lookup)),
            "/archives/lookups/",
        ),
    ]
    assert inbox(bea) == inbox(mike) == [] and inbox(mona) == inbox(nora) == [asked]

    services.lookup_register(request_id=lookup.pk, by=dave)
    assert inbox(alice)[-1] == (
        t("Your look-up %(title)s is open until %(time)s.", title=title(lookup), time="12:00"),
        f"/archives/units/{unit_a.pk}/archive/",
    )
    assert len(inbox(alice)) == 2 and len(inbox(dave)) == len(inbox(ada)) == 1


def test_it_tells_the_requester_why_the_look_up_was_rejected(alice, mona, dave, unit_a):
    lookup = ask(unit_a, alice)
    services.lookup_reject(request_id=lookup.pk, by=mona, note="理由不充分")
    assert inbox(alice) == [
        (
            t("Your look-up %(title)s was rejected: %(note)s", title=title(lookup), note="理由不充分"),
            "/archives/lookups/",
        ),
    ]
    assert inbox(dave) == []


# -- ending early -----------------------------------------------------------------------------------------


def test_it_lets_the_requester_end_the_look_up_early(client, clock, alice, mona, dave, unit_a, owner_a):
    lookup = open_window(unit_a, alice, approver=mona, archivist=dave)
    client.force_login(alice)
    assert MOBILE in client.get(archive_url(unit_a)).content.decode()
    clock.shift(10 * MINUTE)
    r = client.post(f"/archives/lookups/{lookup.pk}/close/", {"next": archive_url(unit_a)})
    assert r.status_code == 302 and r["Location"] == archive_url(unit_a)
    lookup = fresh(lookup)
    assert (lookup.status, lookup.close_reason, lookup.closed_at) == (
        Status.CLOSED,
        "by_requester",
        MORNING + 10 * MINUTE,
    )
    assert MOBILE not in closed_page(client, unit_a)
    assert close_expired_lookups() == 0


def test_it_lets_the_requester_withdraw_a_look_up_not_yet_open(alice, mona, unit_a):
    lookup = support.approved(unit_a, alice, approver=mona)
    services.lookup_close(request_id=lookup.pk, by=alice)
    lookup = fresh(lookup)
    assert (lookup.status, lookup.close_reason) == (Status.CLOSED, "withdrawn")
    refused(lambda: services.lookup_close(request_id=lookup.pk, by=alice))


def test_it_lets_nobody_else_end_a_look_up(client, alice, mona, dave, unit_a):
    lookup = open_window(unit_a, alice, approver=mona, archivist=dave)
    for user in (dave, mona):
        client.force_login(user)
        before = snapshot()
        r = client.post(f"/archives/lookups/{lookup.pk}/close/", follow=True)
        assert shown("Only the person who asked for the look-up can end it.") in r.content.decode()
        assert snapshot() == before
        refused(lambda user=user: services.lookup_close(request_id=lookup.pk, by=user))


# -- the lists ------------------------------------------------------------------------------------------


def test_it_lists_each_look_up_where_its_next_step_is_taken(client, alice, mona, dave, mike, unit_a, owner_a):
    pending = ask(unit_a, alice)
    other_unit = UnitFactory(building=unit_a.building, room="1102")
    waiting = support.approved(other_unit, alice, approver=mona)

    def listed(user, view=""):
        client.force_login(user)
        r = client.get(f"/archives/lookups/?view={view}")
        assert r.status_code == 200
        return [row.pk for row in r.context["page"]]

    assert listed(alice) == [waiting.pk, pending.pk]
    assert listed(mona, "approve") == [pending.pk]
    assert listed(dave, "register") == [waiting.pk]
    assert listed(mike, "approve") == listed(mike, "all") == []
    assert listed(alice, "approve") == []  # alice approves nothing


def test_it_shows_an_expired_window_as_expired_in_the_list(client, clock, alice, mona, dave, unit_a):
    lookup = open_window(unit_a, alice, approver=mona, archivist=dave, minutes=30)
    clock.move_to(lookup.expires_at + MINUTE)
    client.force_login(alice)
    r = client.get("/archives/lookups/")
    row = r.content.decode().split(lookup.number, 1)[1].split("</tr>", 1)[0]
    assert shown("Expired") in row
    assert archive_url(unit_a) + '">' + t("Open the archive") not in row  # no way in from the list
    assert list(client.get("/archives/lookups/?view=open").context["page"]) == []


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_look_ups_in_constant_queries(client, alice, mona, unit_a, django_assert_num_queries, n):
    for i in range(n):
        unit = UnitFactory(building=unit_a.building, room=f"{20 + i}01")
        OwnershipFactory(unit=unit)
        ask(unit, alice)
    client.force_login(mona)
    # session, user, memberships, count, page (joined), communities (header), unread notifications
    with django_assert_num_queries(7):
        r = client.get("/archives/lookups/?view=all")
    assert r.status_code == 200 and len(r.context["page"]) == n
