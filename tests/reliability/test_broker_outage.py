"""Issue 11 item 9: with the broker unreachable every page and every save still works — the only
hand-over after commit (a background export) fails softly and is logged — and once the broker is
back the deadline scan sends the reminders that were missed, exactly once.

The broker is made unreachable for real: Celery is pointed at a closed port (127.0.0.1:1) with
short timeouts, its connection pools emptied; nothing is mocked."""

import datetime
import logging

import pytest
from django.core import mail
from django.utils import timezone

from complaints.models import Complaint
from propsvc.celery import app
from propsvc.models import Deadline, ExportJob, Notification
from propsvc.roles import Role
from propsvc.tasks import send_emails, sweep_deadlines
from reception.models import ReceptionRecord
from tests.conftest import _member
from violations.models import Violation

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "redis://127.0.0.1:1/0"
FMT = "%Y-%m-%dT%H:%M"


def _reset_pools():
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    conf = app.conf
    keys = ["broker_url", "broker_write_url", "broker_transport_options", "broker_connection_timeout"]
    saved = {key: conf[key] for key in keys}
    conf.broker_url = UNREACHABLE
    conf.broker_write_url = UNREACHABLE
    conf.broker_transport_options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "max_retries": 0}
    conf.broker_connection_timeout = 0.5
    settings.CELERY_BROKER_URL = UNREACHABLE  # what /healthz probes
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = conf.broker_transport_options
    _reset_pools()
    yield
    for key, value in saved.items():
        conf[key] = value
    _reset_pools()


def _client(client, user):
    client.force_login(user)
    return client


def test_the_broker_is_really_unreachable(broker_down):
    with pytest.raises(Exception):  # noqa: B017 (kombu's OperationalError or the socket's own)
        sweep_deadlines.apply_async(retry=False)


def test_every_save_and_page_works_with_the_broker_down(
    broker_down, client, settings, caplog, alice, mona, pete, unit_a, owner_a, eng_a, community_a
):
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = 1  # any export of two rows or more is a background job
    caplog.set_level(logging.WARNING)
    stella = _member("stella", community_a, Role.AREA_STEWARD)
    now = timezone.localtime()

    # log a contact at the desk
    c = _client(client, alice)
    r = c.post("/reception/new/", {
        "unit": unit_a.pk, "contact_type": "owner", "channel": "visit", "kind": "repair",
        "subject": "卫生间漏水", "received_at": now.strftime(FMT), "outcome": "",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    record = ReceptionRecord.objects.get(subject="卫生间漏水")
    # handle it (a transition)
    r = c.post(f"/reception/{record.pk}/handle/", {"note": "已安排维修师傅下午上门"})
    assert r.status_code == 302

    # register a complaint, then triage it (a transition that opens a deadline)
    c = _client(client, pete)
    r = c.post("/complaints/new/", {
        "unit": unit_a.pk, "channel": "phone", "subject": "夜间施工噪音", "category": "renovation",
        "severity": "general", "received_at": now.strftime(FMT), "apology_given": "on",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    complaint = Complaint.objects.get(subject="夜间施工噪音")
    r = c.post(f"/complaints/{complaint.pk}/triage/", {"triage-valid": "valid", "triage-plan": "约谈施工方"})
    assert r.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.PROCESSING

    # register a violation
    c = _client(client, stella)
    r = c.post("/violations/new/", {
        "location": "2栋大堂", "category": "sanitation", "subtype": "litter",
        "observed_at": (now - datetime.timedelta(minutes=30)).strftime(FMT), "description": "大堂乱扔垃圾",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Violation.objects.filter(description="大堂乱扔垃圾").exists()

    # ask for an archive look-up
    c = _client(client, alice)
    r = c.post(
        f"/archives/units/{unit_a.pk}/lookup/",
        {"reason": "业主委托办理车位登记，核对车辆信息", "minutes": settings.PROPSVC_ARCHIVE_WINDOW_MINUTES},
    )
    assert r.status_code == 302

    # an export above the inline limit: the job is kept, its hand-over fails softly and is logged
    c = _client(client, pete)
    # a second complaint, so the list is above the limit of one row
    c.post("/complaints/new/", {
        "unit": unit_a.pk, "channel": "phone", "subject": "电梯异响", "category": "facilities",
        "severity": "general", "received_at": now.strftime(FMT), "apology_given": "on",
    })  # fmt: skip
    r = c.get("/complaints/export/")
    assert r.status_code == 302 and r["Location"].startswith("/exports/")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED and job.enqueued_at is None  # the sweep retries it
    assert any("broker did not take it" in rec.getMessage() for rec in caplog.records)
    assert c.get(r["Location"]).status_code == 200

    # pages
    for user, urls in {
        alice: ["/", "/reception/", f"/reception/{record.pk}/", "/reception/new/", "/notifications/",
                f"/archives/units/{unit_a.pk}/archive/", "/archives/lookups/"],
        pete: ["/complaints/", f"/complaints/{complaint.pk}/", "/violations/", "/exports/"],
        mona: ["/archives/lookups/?view=approve", "/surveys/notices/"],
    }.items():  # fmt: skip
        c = _client(client, user)
        for url in urls:
            assert c.get(url).status_code == 200, url

    # /healthz: up (the database answers), the broker reported as down
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["broker"].startswith("error")


def test_the_scan_sends_the_missed_reminders_once_the_broker_is_back(broker_down, register, pete, clock):
    pete.email = "pete@example.com"
    pete.save()
    complaint = register()
    from complaints.services import complaint_triage

    complaint_triage(complaint_id=complaint.pk, by=pete, valid=True, plan="派工程部检修")
    deadline = Deadline.objects.get(object_id=complaint.pk, met_at__isnull=True, kind="complaints.resolve")
    # The broker stays down while the warning time passes: beat cannot hand the scan to a worker.
    with pytest.raises(Exception):  # noqa: B017
        sweep_deadlines.apply_async(retry=False)
    clock.move_to(deadline.warn_at + datetime.timedelta(minutes=5))
    assert Notification.objects.filter(recipient=pete).count() == 0  # missed, not lost

    # The broker is back: the next beat ticks run the scan and the emails — twice here, as a
    # redelivered message (acks_late) or an overlapping tick would.
    for _tick in range(2):
        sweep_deadlines.apply().get()
        send_emails.apply().get()

    reminders = Notification.objects.filter(recipient=pete, link=deadline.link)
    assert reminders.count() == 1
    assert [m.to for m in mail.outbox] == [["pete@example.com"]]
    deadline.refresh_from_db()
    assert deadline.warned_at is not None
