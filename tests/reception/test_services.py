"""reception.services: every transition allowed and refused (R-REC-1 … R-REC-7)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from propsvc.models import Deadline, Notification
from reception import services
from reception.models import ReceptionEvent, ReceptionRecord, WorkOrder
from tests.reception.conftest import later

Status = ReceptionRecord.Status
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def deadlines(case, kind=None):
    qs = Deadline.objects.filter(content_type=ContentType.objects.get_for_model(case), object_id=case.pk)
    return qs.filter(kind=kind) if kind else qs


def test_it_logs_a_record_with_its_24_hour_first_response_deadline(open_record, alice):
    assert open_record.status == Status.OPEN
    assert open_record.received_by == alice
    row = deadlines(open_record, services.KIND_FIRST_RESPONSE).get()
    assert row.due_at == open_record.received_at + datetime.timedelta(hours=24)
    assert row.responsible_user == alice and row.met_at is None
    assert ReceptionEvent.objects.filter(record=open_record, kind="record.logged").exists()


def test_it_computes_the_24_hour_deadline_in_asia_shanghai(log):
    # 23:30 on 22 November in Shanghai is 15:30 UTC; the first response is due 23:30 on the 23rd.
    received = datetime.datetime(2026, 11, 22, 23, 30, tzinfo=SHANGHAI)
    with time_machine.travel(received + datetime.timedelta(minutes=1), tick=False):
        record = log(received_at=received)
    due = deadlines(record, services.KIND_FIRST_RESPONSE).get().due_at.astimezone(SHANGHAI)
    assert (due.date(), due.hour, due.minute) == (datetime.date(2026, 11, 23), 23, 30)


def test_it_closes_a_record_handled_on_the_spot_and_records_the_first_response(log, alice):
    record = log(outcome="handled", outcome_note="已告知维修电话，业主自行联系")
    assert record.status == Status.CLOSED and record.closed_at
    assert record.first_response_by == alice and record.first_response_method == "in_person"
    assert not deadlines(record).filter(met_at__isnull=True).exists()


def test_it_refuses_a_record_with_neither_unit_nor_contact(log):
    with pytest.raises(services.ReceptionError):
        log(unit=None, owner=None, contact_name="")
    assert not ReceptionRecord.objects.exists()


def test_it_refuses_a_non_owners_details_without_consent(log):
    with pytest.raises(services.ReceptionError):
        log(contact_type="tenant", contact_name="李租户", contact_phone="13900001111")
    record = log(
        contact_type="tenant", contact_name="李租户", consent_given=True, consent_purpose="回复本次报修"
    )
    assert record.consent_purpose == "回复本次报修"


def test_it_refuses_a_promised_reply_time_in_the_past(open_record, alice):
    with pytest.raises(services.ReceptionError):
        services.record_set_pending(
            record_id=open_record.pk,
            by=alice,
            note="需查询",
            promised_reply_at=later(-1),
            reply_method="phone",
        )
    open_record.refresh_from_db()
    assert open_record.status == Status.OPEN
    assert not deadlines(open_record, services.KIND_REPLY).exists()


def test_it_tracks_a_promised_reply_until_the_owner_is_told(open_record, alice):
    services.record_set_pending(
        record_id=open_record.pk,
        by=alice,
        note="需与开发商核实",
        promised_reply_at=later(5),
        reply_method="phone",
    )
    reply = deadlines(open_record, services.KIND_REPLY).get()
    assert reply.met_at is None
    assert deadlines(open_record, services.KIND_FIRST_RESPONSE).get().met_at is not None
    services.record_reply_owner(record_id=open_record.pk, by=alice, method="phone", note="已电话告知核实结果")
    open_record.refresh_from_db()
    reply.refresh_from_db()
    assert open_record.status == Status.CLOSED and reply.met_at is not None


def test_it_refuses_a_work_order_to_a_department_of_another_community(open_record, alice, eng_b):
    with pytest.raises(services.ReceptionError):
        services.record_transfer(
            record_id=open_record.pk, by=alice, department=eng_b, task="检修", due_at=later(4)
        )
    assert not WorkOrder.objects.exists()
    open_record.refresh_from_db()
    assert open_record.status == Status.OPEN


def test_it_transfers_by_work_order_with_a_department_deadline(transferred, eng_a):
    work_order = transferred.work_orders.get()
    assert transferred.status == Status.TRANSFERRED
    row = deadlines(work_order, services.KIND_WORK_ORDER).get()
    assert row.responsible_department == eng_a and row.responsible_user is None
    assert row.escalate_role == "department_head"
    assert deadlines(transferred, services.KIND_REPLY).get().due_at == work_order.due_at


def test_the_department_notified_of_a_new_work_order(erin, transferred):
    assert Notification.objects.filter(recipient=erin, text__contains="GD").exists()


def test_a_department_member_signs_then_reports_and_the_receptionist_is_told(transferred, erin, alice):
    work_order = transferred.work_orders.get()
    services.work_order_sign(work_order_id=work_order.pk, by=erin)
    assert deadlines(work_order).get().responsible_user == erin
    services.work_order_report(work_order_id=work_order.pk, by=erin, result="已更换三通阀门，试水正常")
    work_order.refresh_from_db()
    assert work_order.status == WorkOrder.Status.DONE
    assert deadlines(work_order).get().met_at is not None
    assert Notification.objects.filter(recipient=alice, link=transferred.get_absolute_url()).exists()


def test_it_refuses_signing_by_someone_outside_the_department(transferred, alice, hank):
    work_order = transferred.work_orders.get()
    with pytest.raises(services.ReceptionError):
        services.work_order_sign(work_order_id=work_order.pk, by=alice)
    services.work_order_sign(work_order_id=work_order.pk, by=hank)  # the head is a member


def test_it_refuses_a_result_before_signing_and_a_second_signature(transferred, erin):
    work_order = transferred.work_orders.get()
    with pytest.raises(services.ReceptionError):
        services.work_order_report(work_order_id=work_order.pk, by=erin, result="完成")
    services.work_order_sign(work_order_id=work_order.pk, by=erin)
    with pytest.raises(services.ReceptionError):
        services.work_order_sign(work_order_id=work_order.pk, by=erin)


def test_it_refuses_to_close_while_a_work_order_has_no_result(transferred, alice):
    with pytest.raises(services.ReceptionError):
        services.record_reply_owner(record_id=transferred.pk, by=alice, method="phone", note="已告知")
    transferred.refresh_from_db()
    assert transferred.status == Status.TRANSFERRED


def test_the_full_flow_closes_the_record(transferred, alice, erin):
    work_order = transferred.work_orders.get()
    services.work_order_sign(work_order_id=work_order.pk, by=erin)
    services.work_order_report(work_order_id=work_order.pk, by=erin, result="已修复")
    services.record_reply_owner(record_id=transferred.pk, by=alice, method="phone", note="已电话告知修复")
    transferred.refresh_from_db()
    assert transferred.status == Status.CLOSED
    assert not deadlines(transferred).filter(met_at__isnull=True).exists()
    kinds = list(transferred.events.values_list("kind", flat=True))
    assert kinds == [
        "record.logged",
        "record.transferred",
        "work_order.sent",
        "record.first_response",
        "work_order.signed",
        "work_order.done",
        "record.owner_told",
    ]


@pytest.mark.parametrize(
    "action",
    ["handle", "out_of_remit", "pending", "transfer", "respond"],
)
def test_it_refuses_every_transition_of_a_closed_record(log, alice, eng_a, action):
    record = log(outcome="handled", outcome_note="已答复")
    calls = {
        "handle": lambda: services.record_handle(record_id=record.pk, by=alice, note="x"),
        "out_of_remit": lambda: services.record_out_of_remit(record_id=record.pk, by=alice, note="x"),
        "pending": lambda: services.record_set_pending(
            record_id=record.pk, by=alice, note="x", promised_reply_at=later(2), reply_method="phone"
        ),
        "transfer": lambda: services.record_transfer(
            record_id=record.pk, by=alice, department=eng_a, task="x", due_at=later(2)
        ),
        "respond": lambda: services.record_respond(record_id=record.pk, by=alice, method="phone", note="x"),
    }
    events = ReceptionEvent.objects.count()
    with pytest.raises(services.ReceptionError):
        calls[action]()
    assert ReceptionEvent.objects.count() == events


def test_it_refuses_reporting_to_the_owner_on_a_record_awaiting_handling(open_record, alice):
    with pytest.raises(services.ReceptionError):
        services.record_reply_owner(record_id=open_record.pk, by=alice, method="phone", note="x")


def test_it_records_the_first_response_once(log, alice):
    record = log(channel="letter")
    services.record_respond(record_id=record.pk, by=alice, method="phone", note="已致电业主，约定明天上门")
    record.refresh_from_db()
    assert record.first_response_note == "已致电业主，约定明天上门"
    assert deadlines(record, services.KIND_FIRST_RESPONSE).get().met_at is not None
    with pytest.raises(services.ReceptionError):
        services.record_respond(record_id=record.pk, by=alice, method="phone", note="again")


def test_it_refuses_a_receptionist_of_another_community(open_record, carol):
    with pytest.raises(services.ReceptionError):
        services.record_handle(record_id=open_record.pk, by=carol, note="x")


def test_a_major_matter_notifies_the_center_head_and_leadership_at_once(log, mona, leo, carol):
    record = log(is_major=True, subject="十余名业主聚集反映停车问题")
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"mona", "leo"} <= recipients
    assert "carol" not in recipients
    assert record.events.filter(kind="record.major_reported").exists()
