"""The front-desk entry page /reception/new/ and its unit lookup."""

from django.utils import timezone

from reception.models import ReceptionRecord, WorkOrder
from tests.reception.conftest import later

FMT = "%Y-%m-%dT%H:%M"


def visit(unit, **overrides):
    data = {
        "unit": unit.pk if unit else "",
        "contact_type": "owner",
        "channel": "visit",
        "kind": "repair",
        "subject": "卫生间漏水",
        "received_at": timezone.localtime().strftime(FMT),
        "outcome": "handled",
        "outcome_note": "已安排维修师傅下午上门",
    }
    data.update(overrides)
    return data


def test_it_shows_a_blank_form_with_now_and_the_unit_box_focused(client, alice):
    client.force_login(alice)
    r = client.get("/reception/new/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="unit-query"' in html and "autofocus" in html
    assert timezone.localtime().strftime("%Y-%m-%dT%H:") in html


def test_it_logs_a_visit_and_returns_a_blank_form_with_a_link(client, alice, unit_a, owner_a):
    client.force_login(alice)
    r = client.post("/reception/new/", visit(unit_a), follow=True)
    record = ReceptionRecord.objects.get()
    assert r.redirect_chain == [("/reception/new/", 302)]
    assert record.owner == owner_a and record.status == "closed"
    assert f'href="/reception/{record.pk}/"' in r.content.decode()


def test_it_takes_at_most_five_fields_for_a_typical_visit(client, alice, unit_a):
    # unit, kind, subject, outcome note — channel, received-at, contact and outcome keep their defaults.
    client.force_login(alice)
    page = client.get("/reception/new/")
    initial = page.context["form"].initial
    data = {"unit": unit_a.pk, "kind": "consultation", "subject": "咨询物业费缴纳方式",
            "outcome_note": "已告知可在线缴纳", "received_at": initial["received_at"],
            "community": initial["community"], "contact_type": "owner", "channel": "visit",
            "outcome": "handled"}  # fmt: skip
    r = client.post("/reception/new/", data)
    assert r.status_code == 302
    assert ReceptionRecord.objects.get().subject == "咨询物业费缴纳方式"


def test_it_refuses_neither_unit_nor_contact_with_a_message(client, alice):
    client.force_login(alice)
    r = client.post("/reception/new/", visit(None))
    assert r.status_code == 200
    assert "请选择房屋，或填写联系人姓名和电话" in r.content.decode()
    assert not ReceptionRecord.objects.exists()


def test_it_refuses_a_promised_reply_time_in_the_past(client, alice, unit_a):
    client.force_login(alice)
    past = (timezone.localtime() - timezone.timedelta(hours=2)).strftime(FMT)
    data = visit(
        unit_a, outcome="pending", outcome_note="需查询", promised_reply_at=past, reply_method="phone"
    )
    r = client.post("/reception/new/", data)
    assert "承诺回复时间不能早于现在，请重新选择。" in r.content.decode()
    assert not ReceptionRecord.objects.exists()


def test_it_refuses_a_work_order_to_another_communitys_department(client, alice, unit_a, eng_b):
    client.force_login(alice)
    data = visit(
        unit_a,
        outcome="transferred",
        department=eng_b.pk,
        task="检修",
        work_order_due_at=later(5).strftime(FMT),
    )
    r = client.post("/reception/new/", data)
    assert r.status_code == 200
    assert r.context["form"].errors["department"]
    assert not ReceptionRecord.objects.exists() and not WorkOrder.objects.exists()


def test_it_transfers_from_the_desk_in_one_go(client, alice, unit_a, eng_a):
    client.force_login(alice)
    due = timezone.localtime(later(6)).strftime(FMT)
    data = visit(
        unit_a, outcome="transferred", outcome_note="", department=eng_a.pk, task="", work_order_due_at=due
    )
    assert client.post("/reception/new/", data).status_code == 302
    work_order = WorkOrder.objects.get()
    assert work_order.department == eng_a and work_order.task == "卫生间漏水"


def test_it_requires_consent_for_a_visitor(client, alice):
    client.force_login(alice)
    data = visit(None, contact_type="other", contact_name="张访客", contact_phone="13900001111")
    r = client.post("/reception/new/", data)
    assert "consent_given" in r.context["form"].errors
    data |= {"consent_given": "on", "consent_purpose": "回复本次咨询"}
    assert client.post("/reception/new/", data).status_code == 302
    assert ReceptionRecord.objects.get().contact_name == "张访客"


def test_it_refuses_a_unit_of_another_community(client, alice, unit_b):
    client.force_login(alice)
    r = client.post("/reception/new/", visit(unit_b))
    assert r.status_code == 200 and not ReceptionRecord.objects.exists()


def test_it_sends_anonymous_users_to_login(client):
    r = client.get("/reception/new/")
    assert r.status_code == 302 and r.url.startswith("/login/")


def test_it_forbids_staff_without_the_permission(client, bob, erin):
    for user in (bob, erin):
        client.force_login(user)
        assert client.get("/reception/new/").status_code == 403


def test_it_refuses_other_methods(client, alice):
    client.force_login(alice)
    assert client.put("/reception/new/").status_code == 405


def test_the_unit_lookup_finds_by_room_name_and_phone_tail_in_my_community_only(
    client, alice, unit_a, owner_a, unit_b
):
    client.force_login(alice)
    for text in ("1101", "3-1101", "王建", "5678"):
        r = client.get("/reception/units/", {"unit_query": text}, headers={"HX-Request": "true"})
        assert f'data-unit-id="{unit_a.pk}"' in r.content.decode(), text
        assert f'data-unit-id="{unit_b.pk}"' not in r.content.decode(), text
