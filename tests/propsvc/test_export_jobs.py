"""Background Excel exports (issue 10): small lists stay immediate, large ones become a job with a
page of its own, a progress bar and a download for the requester only; a broker outage loses
nothing; files go after 24 hours.

Actors: alice — receptionist A (reads complaints); carol — receptionist B; bob — no role;
quinn — quality department (company level). Complaints are registered through the service.
"""

import dataclasses
import datetime
import io
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from complaints.selectors import ComplaintFilter
from propsvc import export_jobs
from propsvc.models import AuditEntry, ExportJob
from propsvc.roles import Role
from tests.complaints import conftest as complaint_actors
from tests.conftest import _member
from tests.factories import ExportJobFactory
from tests.reception import conftest as reception_actors

# Fixtures shared by name: the frozen clock (Monday 23 November 2026, 10:00) and the desk's way of
# registering a complaint (with what it needs).
clock = complaint_actors.clock
register = complaint_actors.register
eng_a = reception_actors.eng_a
owner_a = reception_actors.owner_a

SHANGHAI = ZoneInfo("Asia/Shanghai")
H = datetime.timedelta(hours=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def small(settings):
    """Lists of more than 3 rows are exported in the background."""
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = 3


@pytest.fixture
def four(register):
    return [register(subject=f"电梯故障第{i}次") for i in range(4)]


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def _job_of(response) -> ExportJob:
    assert response.status_code == 302
    pk = int(response["Location"].strip("/").split("/")[-1])
    assert response["Location"] == f"/exports/{pk}/"
    return ExportJob.objects.get(pk=pk)


def _queue(client, user, url="/complaints/export/") -> ExportJob:
    """Ask for the export as `user`; the hand-over to Celery is left out (the test runs the job)."""
    client.force_login(user)
    return _job_of(client.get(url))


# -- inline or a job -------------------------------------------------------------------------------


def test_it_answers_a_small_export_at_once(client, alice, four):
    client.force_login(alice)
    r = client.get("/complaints/export/")
    assert r.status_code == 200 and r["Content-Type"] == XLSX
    assert len(_rows(b"".join(r.streaming_content))) == 1 + 4
    assert not ExportJob.objects.exists()
    entry = AuditEntry.objects.get(kind="export.inline")
    assert entry.actor == alice and entry.data["export"] == "complaints" and entry.data["rows"] == 4


def test_it_queues_a_large_export_and_redirects_to_its_page(
    client, alice, community_a, four, small, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client.get("/complaints/export/?category=facilities")
    job = _job_of(r)
    assert len(callbacks) == 1  # the hand-over to Celery, after commit
    assert job.requested_by == alice and job.kind == "complaints" and job.status == ExportJob.Status.QUEUED
    assert job.total_rows == 4 and job.params["category"] == "facilities"
    assert job.file_name == "投诉记录_20261123.xlsx"
    # A random name under MEDIA_ROOT/exports/, never the name shown to the user, never under static.
    assert job.stored_path.startswith("exports/") and job.stored_path.endswith(".xlsx")
    assert len(job.stored_path) == len("exports/") + 32 + len(".xlsx")
    entry = AuditEntry.objects.get(kind="export.queued")
    assert entry.actor == alice and entry.data == {
        "export": "complaints",
        "job": job.pk,
        "rows": 4,
        "communities": [community_a.pk],  # the header's community (ids only: no search text)
    }


def test_the_hand_over_after_commit_enqueues_the_task(
    client, alice, four, small, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with (
        mock.patch("propsvc.tasks.run_export.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = _job_of(client.get("/complaints/export/"))
    apply_async.assert_called_once_with(kwargs={"job_id": job.pk}, retry=False)
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_the_job_writes_the_same_rows_as_the_inline_export(client, settings, alice, four):
    client.force_login(alice)
    inline = _rows(b"".join(client.get("/complaints/export/").streaming_content))
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = 3
    job = _job_of(client.get("/complaints/export/"))
    assert export_jobs.run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows_written == job.total_rows == 4
    assert job.finished_at is not None and job.expires_at == job.finished_at + 24 * H
    written = _rows(export_jobs.stored_file(job).read_bytes())
    assert written == inline
    assert written[0][:3] == ("编号", "小区", "接待时间")


@pytest.mark.parametrize(
    "url, who, kind",
    [
        ("/reception/export/", "alice", "reception"),
        ("/complaints/export/", "quinn", "complaints"),
        ("/violations/export/", "alice", "violations"),
        ("/surveys/export/", "quinn", "visits"),
        ("/archives/catalogue/export/", "alice", "catalogue"),
        ("/archives/access-log/export/", "mona", "access_log"),
    ],
)
def test_every_list_export_can_run_in_the_background(
    client, settings, community_a, alice, quinn, url, who, kind
):
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = -1  # even an empty list goes to the background here
    users = {"alice": alice, "quinn": quinn, "mona": _member("mona", community_a, Role.CS_MANAGER)}
    client.force_login(users[who])
    job = _job_of(client.get(url))
    assert job.kind == kind
    assert export_jobs.run_job(job.pk) == "done", ExportJob.objects.get(pk=job.pk).error
    written = _rows(export_jobs.stored_file(job).read_bytes())
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = 5000
    inline_headers = _rows(b"".join(client.get(url).streaming_content))
    assert written == inline_headers  # the headers (and the catalogue's title lines), no data


def test_the_job_scopes_the_rows_to_the_requester_again(alice, carol, four, community_a):
    # Params naming community A do not open A's complaints to carol (community B): the job reads
    # through visible_to(carol) when it runs.
    params = export_jobs.params_of(ComplaintFilter(communities=[community_a.pk]))
    job = export_jobs.export_job_create(
        user=carol, kind="complaints", params=params, total_rows=4, enqueue=False
    )
    assert export_jobs.run_job(job.pk) == "done"
    assert len(_rows(export_jobs.stored_file(job).read_bytes())) == 1  # the headers only


# -- the worker: claim, idempotency, failure ---------------------------------------------------------


def test_running_the_job_twice_writes_one_file(client, alice, four, small):
    job = _queue(client, alice)
    writes = []
    original = export_jobs.exporter_get("complaints").write

    def counting(**kwargs):
        writes.append(1)
        return original(**kwargs)

    counted = dataclasses.replace(export_jobs.exporter_get("complaints"), write=counting)
    with mock.patch.dict(export_jobs._REGISTRY, {"complaints": counted}):
        assert export_jobs.run_job(job.pk) == "done"
        first = export_jobs.stored_file(job).read_bytes()
        assert export_jobs.run_job(job.pk) == "skipped"  # a duplicate delivery
    assert writes == [1]
    assert export_jobs.stored_file(job).read_bytes() == first
    assert sorted(p.name for p in export_jobs.stored_file(job).parent.iterdir()) == [job.stored_path[8:]]


def test_a_failing_job_is_marked_failed_and_leaves_no_file(client, alice, four, small):
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    job = _queue(client, alice)
    temporary = list(ALL_TEMP_FILES)

    def rows_then_failure(rows):
        yield from [["TS000001", "阳光花园"]] * 3
        raise RuntimeError("disk full")

    with mock.patch("complaints.exports.complaints_rows", rows_then_failure):
        assert export_jobs.run_job(job.pk) == "failed"
    assert list(ALL_TEMP_FILES) == temporary  # openpyxl's temporary sheet (rows so far) is removed too
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "disk full" in job.error
    folder = export_jobs.stored_file(job).parent
    assert not folder.exists() or not any(folder.iterdir())  # not even the partial file
    client.force_login(alice)
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "导出失败" in page and "every 2s" not in page


def test_a_job_whose_user_lost_the_permission_fails(client, alice, four, small):
    job = _queue(client, alice)
    alice.memberships.all().delete()
    assert export_jobs.run_job(job.pk) == "failed"
    assert not export_jobs.stored_file(job).exists()


# -- the pages: only the requester -------------------------------------------------------------------


def test_another_user_gets_404_on_the_job_and_its_file(client, alice, carol, bob, quinn, four, small):
    job = _queue(client, alice)
    export_jobs.run_job(job.pk)
    for other in (carol, bob, quinn):
        client.force_login(other)
        for path in ("", "progress/", "download/"):
            assert client.get(f"/exports/{job.pk}/{path}").status_code == 404, (other, path)
        assert job.file_name not in client.get("/exports/").content.decode()


def test_the_pages_need_a_login_and_take_only_get(client, alice, four, small):
    job = _queue(client, alice)
    export_jobs.run_job(job.pk)
    assert client.post(f"/exports/{job.pk}/download/").status_code == 405
    client.logout()
    for path in ("/exports/", f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_download_is_an_attachment_with_the_chinese_name(client, alice, four, small):
    job = _queue(client, alice)
    export_jobs.run_job(job.pk)
    r = client.get(f"/exports/{job.pk}/download/")
    assert r.status_code == 200 and r["Content-Type"] == XLSX
    assert r["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%8A%95%E8%AF%89%E8%AE%B0%E5%BD%95_20261123.xlsx" in r["Content-Disposition"]
    assert "no-store" in r["Cache-Control"]
    assert len(_rows(b"".join(r.streaming_content))) == 5
    entry = AuditEntry.objects.get(kind="export.downloaded")
    assert entry.actor == alice and entry.data == {"export": "complaints", "job": job.pk}


def test_the_page_shows_the_progress_and_polls_while_running(client, alice):
    job = ExportJobFactory(
        requested_by=alice, status=ExportJob.Status.RUNNING, rows_written=12_000, total_rows=100_000
    )
    client.force_login(alice)
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "投诉记录_20261123.xlsx" in page and "正在导出" in page
    assert "已导出 12,000 / 100,000 行" in page
    assert f'hx-get="/exports/{job.pk}/progress/"' in page and 'hx-trigger="every 2s"' in page
    assert 'style="width: 12%"' in page
    assert f"/exports/{job.pk}/download/" not in page
    # The poll answers with the card only.
    card = client.get(f"/exports/{job.pk}/progress/", headers={"HX-Request": "true"}).content.decode()
    assert card.lstrip().startswith('<div id="export-progress"') and "<html" not in card


def test_the_page_stops_polling_and_offers_the_download_when_done(client, alice, four, small):
    job = _queue(client, alice)
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page
    export_jobs.run_job(job.pk)
    card = client.get(f"/exports/{job.pk}/progress/").content.decode()
    assert "已完成" in card and "已导出 4 / 4 行" in card
    assert "hx-trigger" not in card and f'href="/exports/{job.pk}/download/"' in card


def test_my_exports_lists_my_jobs_newest_first(client, alice, carol):
    ExportJobFactory(requested_by=alice, file_name="接待记录_20261120.xlsx", status=ExportJob.Status.FAILED)
    ExportJobFactory(requested_by=alice, file_name="投诉记录_20261123.xlsx", status=ExportJob.Status.QUEUED)
    ExportJobFactory(requested_by=carol, file_name="违章记录_20261123.xlsx")
    client.force_login(alice)
    page = client.get("/exports/").content.decode()
    assert page.index("投诉记录_20261123") < page.index("接待记录_20261120")
    assert "违章记录" not in page and "导出失败" in page and "排队中" in page
    assert "我的导出" in client.get("/").content.decode()  # in the user menu


@pytest.mark.parametrize("n", [1, 5])
def test_the_pages_run_in_constant_queries(client, alice, n, django_assert_max_num_queries):
    jobs = [ExportJobFactory(requested_by=alice, status=ExportJob.Status.RUNNING) for _ in range(n)]
    client.force_login(alice)
    client.get("/exports/")  # warms the content-type cache
    # session, user, memberships (the header's roles and communities), unread notifications, the job(s)
    with django_assert_max_num_queries(8):
        assert client.get("/exports/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/exports/{jobs[0].pk}/").status_code == 200
    with django_assert_max_num_queries(3):  # session, user, the job
        assert client.get(f"/exports/{jobs[0].pk}/progress/").status_code == 200


# -- the broker and the sweep ----------------------------------------------------------------------


def test_a_broker_outage_still_leads_to_the_job_page_and_the_sweep_runs_it_later(
    client, alice, four, small, clock, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with (
        mock.patch("propsvc.tasks.run_export.apply_async", side_effect=OperationalError("redis down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        r = client.get("/complaints/export/")
    job = _job_of(r)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED and job.enqueued_at is None
    assert "排队中" in client.get(r["Location"]).content.decode()

    with mock.patch("propsvc.tasks.run_export.apply_async") as apply_async:
        assert export_jobs.export_sweep()["handed_over"] == 0  # not a minute old yet
        clock.move_to(job.created_at + datetime.timedelta(minutes=2))
        assert export_jobs.export_sweep()["handed_over"] == 1
        assert export_jobs.export_sweep()["handed_over"] == 0  # handed over once, not every minute
    apply_async.assert_called_once_with(kwargs={"job_id": job.pk}, retry=False)
    # The worker receives it (called directly here: no broker in the tests).
    assert export_jobs.run_job(job.pk) == "done"
    assert export_jobs.run_job(job.pk) == "skipped"


def test_the_sweep_removes_files_after_24_hours(client, alice, four, small, clock):
    job = _queue(client, alice)
    export_jobs.run_job(job.pk)
    path = export_jobs.stored_file(job)
    assert path.exists()
    clock.move_to(datetime.datetime(2026, 11, 24, 9, 59, tzinfo=SHANGHAI))
    assert export_jobs.export_sweep()["expired"] == 0 and path.exists()
    clock.move_to(datetime.datetime(2026, 11, 24, 10, 1, tzinfo=SHANGHAI))
    assert export_jobs.export_sweep()["expired"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not path.exists()
    r = client.get(f"/exports/{job.pk}/download/")
    assert r.status_code == 410 and "导出文件仅保留 24 小时" in r.content.decode()
    assert "已过期" in client.get(f"/exports/{job.pk}/").content.decode()


def test_a_file_past_its_time_is_not_served_before_the_sweep(client, alice, four, small, clock):
    job = _queue(client, alice)
    export_jobs.run_job(job.pk)
    clock.move_to(datetime.datetime(2026, 11, 24, 10, 30, tzinfo=SHANGHAI))
    assert client.get(f"/exports/{job.pk}/download/").status_code == 410


def test_the_sweep_fails_a_job_whose_worker_died(client, alice, four, small, clock):
    job = _queue(client, alice)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, started_at=job.created_at)
    clock.move_to(job.created_at + datetime.timedelta(minutes=30))
    assert export_jobs.export_sweep()["interrupted"] == 0
    clock.move_to(job.created_at + datetime.timedelta(hours=2))
    assert export_jobs.export_sweep()["interrupted"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED


def test_the_sweep_fails_a_job_no_worker_took(client, alice, four, small, clock):
    job = _queue(client, alice)
    with mock.patch("propsvc.tasks.run_export.apply_async", side_effect=OperationalError("redis down")):
        clock.move_to(job.created_at + datetime.timedelta(minutes=30))
        assert export_jobs.export_sweep()["interrupted"] == 0
        clock.move_to(job.created_at + datetime.timedelta(hours=2))
        assert export_jobs.export_sweep()["interrupted"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.error == "no worker took the job"
    assert 'hx-trigger="every 2s"' not in client.get(f"/exports/{job.pk}/").content.decode()


def test_the_sweep_forgets_jobs_after_30_days(client, alice, four, small, clock):
    job = _queue(client, alice)
    export_jobs.run_job(job.pk)
    clock.move_to(job.created_at + datetime.timedelta(days=31))
    counts = export_jobs.export_sweep()
    assert counts["expired"] == 1 and counts["forgotten"] == 1
    assert not ExportJob.objects.exists()
    assert AuditEntry.objects.filter(kind="export.queued").exists()  # the audit trail stays


def test_the_beat_runs_the_sweep_every_minute():
    from propsvc.celery import app

    entry = app.conf.beat_schedule["sweep-exports"]
    assert entry["task"] == "propsvc.tasks.sweep_exports" and entry["schedule"] == 60.0


# -- params --------------------------------------------------------------------------------------


def test_params_round_trip_the_filters_dates_included():
    filters = ComplaintFilter(communities=[3, 4], month=datetime.date(2026, 11, 1), q="=cmd", overdue=True)
    params = export_jobs.params_of(filters, heading=["阳光花园"])
    assert params["month"] == "2026-11-01" and params["heading"] == ["阳光花园"]
    assert export_jobs.filters_from(ComplaintFilter, params) == filters
