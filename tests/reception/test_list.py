"""Lists, filters, detail page and Excel export of reception records."""

import io

import pytest
from openpyxl import load_workbook

from reception import services
from tests.factories import UnitFactory
from tests.reception.conftest import later


@pytest.fixture
def records(log, alice, community_a):
    unit = UnitFactory(building__community=community_a, building__number="5", room="0601")
    return [
        log(subject="电梯异响", kind="repair"),
        log(
            subject="咨询停车位",
            kind="consultation",
            channel="phone",
            outcome="handled",
            outcome_note="已答复",
        ),
        log(subject="楼道灯不亮", unit=unit, owner=None, channel="online"),
    ]


def test_it_lists_only_my_communitys_records(client, alice, records, carol, unit_b):
    services.record_log(by=carol, community=unit_b.community, unit=unit_b, kind="repair", subject="B区漏水")
    client.force_login(alice)
    html = client.get("/reception/").content.decode()
    assert "电梯异响" in html and "B区漏水" not in html


def test_it_filters_by_kind_channel_status_and_search(client, alice, records):
    client.force_login(alice)
    assert [r.subject for r in client.get("/reception/", {"kind": "consultation"}).context["page"]] == [
        "咨询停车位"
    ]
    assert [r.subject for r in client.get("/reception/", {"channel": "online"}).context["page"]] == [
        "楼道灯不亮"
    ]
    closed = client.get("/reception/", {"status": "closed"}).context["page"]
    assert [r.subject for r in closed] == ["咨询停车位"]
    assert [r.subject for r in client.get("/reception/", {"q": "电梯"}).context["page"]] == ["电梯异响"]


def test_it_shows_my_pending_and_overdue(client, alice, records, time_machine):
    client.force_login(alice)
    mine = {r.subject for r in client.get("/reception/", {"view": "mine"}).context["page"]}
    assert mine == {"电梯异响", "楼道灯不亮"}
    assert list(client.get("/reception/", {"view": "overdue"}).context["page"]) == []
    time_machine.move_to(later(25))
    overdue = {r.subject for r in client.get("/reception/", {"view": "overdue"}).context["page"]}
    assert overdue == {"电梯异响", "楼道灯不亮"}


def test_it_rejects_a_reversed_date_range_with_a_message(client, alice, records):
    client.force_login(alice)
    r = client.get("/reception/", {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert "结束日期不能早于开始日期" in r.content.decode()


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_in_constant_queries(client, alice, log, n, django_assert_max_num_queries):
    for i in range(n):
        log(subject=f"事项{i}")
    client.force_login(alice)
    # session, user, memberships, communities (header), staff filter, content type, count, page, bell
    with django_assert_max_num_queries(12):
        r = client.get("/reception/")
    assert len(r.context["page"]) == n


def test_the_export_holds_exactly_the_filtered_rows(client, alice, records, carol, unit_b):
    services.record_log(by=carol, community=unit_b.community, unit=unit_b, kind="repair", subject="B区漏水")
    client.force_login(alice)
    r = client.get("/reception/export/", {"kind": "repair"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "小区", "接待时间")
    assert sorted(row[8] for row in rows[1:]) == ["楼道灯不亮", "电梯异响"]


def test_the_detail_page_shows_the_timeline_and_overdue_deadlines_in_red(
    client, alice, records, time_machine
):
    client.force_login(alice)
    time_machine.move_to(later(25))
    html = client.get(f"/reception/{records[0].pk}/").content.decode()
    assert "list-group-item-danger" in html
    assert "登记" in html


def test_another_communitys_record_is_404(client, carol, records):
    client.force_login(carol)
    assert client.get(f"/reception/{records[0].pk}/").status_code == 404


def test_a_detail_action_with_bad_input_shows_the_error_and_changes_nothing(client, alice, records):
    client.force_login(alice)
    r = client.post(f"/reception/{records[0].pk}/pending/", {"note": "需核实", "reply_method": "phone",
                    "promised_reply_at": "2020-01-01T10:00"})  # fmt: skip
    assert r.status_code == 400
    assert "承诺回复时间不能早于现在，请重新选择。" in r.content.decode()
    records[0].refresh_from_db()
    assert records[0].status == "open"


def test_a_detail_action_changes_the_record(client, alice, records):
    client.force_login(alice)
    r = client.post(f"/reception/{records[0].pk}/handle/", {"note": "已现场处理"})
    assert r.status_code == 302
    records[0].refresh_from_db()
    assert records[0].status == "closed"


def test_actions_are_post_only_and_need_the_permission(client, alice, records, quinn):
    client.force_login(alice)
    assert client.get(f"/reception/{records[0].pk}/handle/").status_code == 405
    client.force_login(quinn)  # quality reads records but does not handle them
    assert client.get(f"/reception/{records[0].pk}/").status_code == 200
    assert client.post(f"/reception/{records[0].pk}/handle/", {"note": "x"}).status_code == 403
