"""Work-order pages: the department's inbox, signing for, reporting the result."""

import pytest

from reception import services
from reception.models import WorkOrder
from tests.reception.conftest import later


@pytest.fixture
def work_order(transferred):
    return transferred.work_orders.get()


def test_the_department_sees_its_inbox(client, erin, work_order):
    client.force_login(erin)
    r = client.get("/reception/work-orders/")
    assert list(r.context["page"]) == [work_order]


def test_a_member_signs_and_reports_from_the_page(client, erin, work_order, alice):
    client.force_login(erin)
    assert client.post(f"/reception/work-orders/{work_order.pk}/sign/").status_code == 302
    r = client.post(f"/reception/work-orders/{work_order.pk}/report/", {"result": "已维修完毕"})
    assert r.status_code == 302
    work_order.refresh_from_db()
    assert work_order.status == WorkOrder.Status.DONE and work_order.signed_by == erin


def test_an_empty_result_is_refused_with_a_message(client, erin, work_order):
    client.force_login(erin)
    client.post(f"/reception/work-orders/{work_order.pk}/sign/")
    r = client.post(f"/reception/work-orders/{work_order.pk}/report/", {"result": ""})
    assert r.status_code == 400
    work_order.refresh_from_db()
    assert work_order.status == WorkOrder.Status.SIGNED


def test_another_communitys_work_order_is_404_and_absent(client, carol, work_order, eng_b, community_b):
    from tests.conftest import _member

    client.force_login(carol)
    assert client.get(f"/reception/work-orders/{work_order.pk}/").status_code == 404
    assert list(client.get("/reception/work-orders/").context["page"]) == []
    staff_b = _member("bella", community_b, "department_staff", department=eng_b)
    client.force_login(staff_b)
    assert client.get(f"/reception/work-orders/{work_order.pk}/").status_code == 404
    assert client.post(f"/reception/work-orders/{work_order.pk}/sign/").status_code == 404


def test_a_receptionist_cannot_sign(client, alice, work_order):
    client.force_login(alice)
    assert client.post(f"/reception/work-orders/{work_order.pk}/sign/").status_code == 403


def test_the_sign_action_is_post_only(client, erin, work_order):
    client.force_login(erin)
    assert client.get(f"/reception/work-orders/{work_order.pk}/sign/").status_code == 405


@pytest.mark.parametrize("n", [1, 5])
def test_the_inbox_runs_in_constant_queries(
    client, erin, alice, log, eng_a, n, django_assert_max_num_queries
):
    for i in range(n):
        record = log(subject=f"维修{i}")
        services.record_transfer(record_id=record.pk, by=alice, department=eng_a, task="修", due_at=later(3))
    client.force_login(erin)
    with django_assert_max_num_queries(10):
        r = client.get("/reception/work-orders/")
    assert len(r.context["page"]) == n
