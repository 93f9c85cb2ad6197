"""The suggestion box (R-COM-1): the public page, its abuse guards, and the staff inbox.

Actors (tests/conftest.py, tests/surveys/conftest.py): alice — receptionist A; bob — no role;
carol — receptionist B; sam — CS supervisor A.
"""

import pytest
from django.test import Client
from django.utils.translation import gettext

from propsvc.models import AuditEntry, Deadline, Department
from surveys import services
from surveys.models import BoxSuggestion
from tests.factories import DepartmentFactory
from tests.surveys.conftest import DAY, MORNING, H

BOX = "/s/ygh/"
Status = BoxSuggestion.Status


def _post(client, text="电梯里的广告太多了", address="10.0.0.1", **fields):
    return client.post(BOX, {"text": text, **fields}, REMOTE_ADDR=address)


def post_note(community, text="垃圾桶该清理了", address="10.0.0.9", **fields):
    return services.box_suggestion_post(community_id=community.pk, text=text, address=address, **fields)


# -- the public page --------------------------------------------------------------------------------


def test_it_shows_the_box_without_login_and_sets_the_csrf_cookie(client, community_a):
    r = client.get(BOX)
    assert r.status_code == 200
    assert "阳光花园" in r.content.decode()
    assert "csrftoken" in r.cookies


def test_it_takes_an_anonymous_suggestion_and_opens_its_24_hour_deadline(client, clock, community_a):
    department = DepartmentFactory(community=community_a, kind=Department.Kind.CUSTOMER_SERVICE)
    r = _post(client)
    assert r.status_code == 302 and r["Location"] == "/s/ygh/thanks/"
    note = BoxSuggestion.objects.get()
    assert (note.community, note.text, note.contact, note.status) == (
        community_a,
        "电梯里的广告太多了",
        "",
        "new",
    )
    assert "10.0.0.1" not in note.address_hash  # only a keyed hash is kept
    deadline = Deadline.objects.get(kind="surveys.suggestion_answer")
    assert deadline.due_at == MORNING + DAY
    assert deadline.responsible_department == department
    assert deadline.escalate_role == "cs_supervisor"
    assert client.get(r["Location"]).status_code == 200


def test_it_keeps_a_contact_only_with_consent(client, community_a):
    r = _post(client, contact="13812345678")
    assert r.status_code == 400 and not BoxSuggestion.objects.exists()
    _post(client, contact="13812345678", contact_consent="on")
    assert BoxSuggestion.objects.get().contact == "13812345678"


def test_it_limits_each_address_to_five_an_hour_per_community(client, clock, community_a, community_b):
    for _i in range(5):
        assert _post(client).status_code == 302
    r = _post(client)
    assert r.status_code == 429
    message = gettext("Too many suggestions were sent from this connection. Please try again in an hour.")
    assert message in r.content.decode()
    assert BoxSuggestion.objects.count() == 5
    assert _post(client, address="10.0.0.2").status_code == 302  # another address
    assert client.post("/s/chy/", {"text": "翠湖苑"}, REMOTE_ADDR="10.0.0.1").status_code == 302
    clock.shift(H)
    assert _post(client).status_code == 302  # an hour later
    assert BoxSuggestion.objects.count() == 8


def test_it_refuses_a_suggestion_that_is_too_long(client, community_a):
    assert _post(client, text="长" * 1001).status_code == 400
    assert _post(client, text="").status_code == 400
    assert not BoxSuggestion.objects.exists()
    with pytest.raises(services.SuggestionRefused):
        post_note(community_a, text="长" * 1001)
    assert _post(client, text="长" * 1000).status_code == 302


def test_it_drops_a_filled_honeypot_silently(client, community_a):
    r = _post(client, website="http://spam.example")
    assert r.status_code == 302 and r["Location"] == "/s/ygh/thanks/"
    assert not BoxSuggestion.objects.exists() and not Deadline.objects.exists()


def test_it_enforces_csrf(community_a):
    client = Client(enforce_csrf_checks=True)
    assert client.post(BOX, {"text": "没有令牌"}).status_code == 403
    client.get(BOX)
    token = client.cookies["csrftoken"].value
    assert client.post(BOX, {"text": "有令牌", "csrfmiddlewaretoken": token}).status_code == 302
    assert BoxSuggestion.objects.get().text == "有令牌"


def test_it_answers_404_for_an_unknown_community(client, db):
    assert client.get("/s/nope/").status_code == 404
    assert client.post("/s/nope/", {"text": "x"}).status_code == 404


def test_it_refuses_other_methods(client, community_a):
    assert client.put(BOX).status_code == 405


# -- the inbox and the answer -------------------------------------------------------------------------


def test_it_meets_the_deadline_with_the_answer(client, clock, alice, community_a):
    note = post_note(community_a, contact="3栋1101", contact_consent=True)
    clock.shift(2 * H)
    client.force_login(alice)
    r = client.post(f"/surveys/suggestions/{note.pk}/answer/", {"answer": "已电话回复，明天清理"})
    assert r.status_code == 302
    note.refresh_from_db()
    assert (note.status, note.answered_by, note.answer) == (Status.ANSWERED, alice, "已电话回复，明天清理")
    deadline = Deadline.objects.get(kind="surveys.suggestion_answer")
    assert deadline.met_at == MORNING + 2 * H and deadline.met_by == alice and not deadline.met_late
    assert AuditEntry.objects.filter(kind="surveys.suggestion_answered").exists()
    # Answered once: a second answer is refused and changes nothing.
    client.post(f"/surveys/suggestions/{note.pk}/answer/", {"answer": "再答"})
    note.refresh_from_db()
    assert note.answer == "已电话回复，明天清理"


def test_it_records_no_answer_possible_for_an_anonymous_note_only(client, clock, sam, community_a):
    anonymous = post_note(community_a)
    with_contact = post_note(community_a, contact="13812345678", contact_consent=True)
    client.force_login(sam)
    client.post(f"/surveys/suggestions/{with_contact.pk}/no-answer/", {"reason": "匿名"})
    with_contact.refresh_from_db()
    assert with_contact.status == Status.NEW
    client.post(f"/surveys/suggestions/{anonymous.pk}/no-answer/", {"reason": "匿名且未留联系方式"})
    anonymous.refresh_from_db()
    assert (anonymous.status, anonymous.answer) == (Status.NO_ANSWER, "匿名且未留联系方式")
    assert Deadline.objects.filter(kind="surveys.suggestion_answer", met_at__isnull=False).count() == 1


def test_it_keeps_other_communities_out(client, carol, community_a, community_b):
    note = post_note(community_a)
    client.force_login(carol)
    assert client.post(f"/surveys/suggestions/{note.pk}/answer/", {"answer": "x"}).status_code == 404
    assert client.post(f"/surveys/suggestions/{note.pk}/no-answer/", {"reason": "x"}).status_code == 404
    assert client.get("/surveys/box/ygh/poster/").status_code == 404
    assert "垃圾桶" not in client.get("/surveys/suggestions/").content.decode()
    note.refresh_from_db()
    assert note.status == Status.NEW


def test_it_refuses_the_inbox_to_anonymous_and_unauthorised_users(client, bob, community_a):
    r = client.get("/surveys/suggestions/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    client.force_login(bob)
    assert client.get("/surveys/suggestions/").status_code == 403


def test_it_filters_the_inbox(client, alice, community_a):
    post_note(community_a, text="未答的意见")
    answered = post_note(community_a, text="已答的意见")
    services.box_suggestion_answer(suggestion_id=answered.pk, by=alice, answer="好的")
    client.force_login(alice)
    unanswered = client.get("/surveys/suggestions/?status=unanswered").content.decode()
    assert "未答的意见" in unanswered and "已答的意见" not in unanswered
    done = client.get("/surveys/suggestions/?status=answered").content.decode()
    assert "已答的意见" in done and "未答的意见" not in done


def test_it_prints_the_notice_with_the_address_and_its_qr_code(client, alice, community_a):
    client.force_login(alice)
    r = client.get("/surveys/box/ygh/poster/")
    page = r.content.decode()
    assert r.status_code == 200 and "http://testserver/s/ygh/" in page
    assert "<svg" in page  # the QR code the owners scan (R-COM-1)


def test_the_qr_code_encodes_the_address():
    import segno

    from propsvc.templatetags.propsvc import qr_svg

    svg = qr_svg("http://testserver/s/ygh/")
    assert svg.startswith("<svg") and svg == segno.make("http://testserver/s/ygh/", error="m").svg_inline(
        scale=4, border=2, omitsize=False
    )
    assert qr_svg("") == ""


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_the_inbox_in_constant_queries(client, alice, community_a, django_assert_num_queries, n):
    for i in range(n):
        note = post_note(community_a, text=f"意见{i}")
        if i % 2:
            services.box_suggestion_answer(suggestion_id=note.pk, by=alice, answer="好")
    client.force_login(alice)
    # session, user, memberships, the header's communities, count, the page joined (community,
    # answered by), unread notifications
    with django_assert_num_queries(7):
        r = client.get("/surveys/suggestions/")
    assert r.content.decode().count('class="card mb-2"') == n
