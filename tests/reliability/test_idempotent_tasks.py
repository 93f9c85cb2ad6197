"""Issue 11 item 9: every Celery task of the project is acknowledged late (a worker lost mid-task
means the message is delivered again) and is idempotent — running it twice with the same arguments
has the effect of running it once: no duplicate notifications, emails, audit entries, files,
timeline events or rows of any kind. The tasks are enumerated from the Celery app, so a new task is
covered (and one that needs arguments must be given them in ARGUMENTS)."""

import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.utils import timezone

from archives import services as archive_services
from complaints.services import complaint_triage
from propsvc import export_jobs
from propsvc.celery import app
from propsvc.models import Notification
from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

OURS = ("propsvc", "archives", "reception", "complaints", "violations", "surveys")


def our_tasks() -> dict:
    app.loader.import_default_modules()  # the worker's autodiscovery of <app>/tasks.py
    return {name: task for name, task in app.tasks.items() if name.split(".", 1)[0] in OURS}


TASKS = sorted(our_tasks())


def test_the_project_has_tasks_and_every_one_is_acknowledged_late():
    assert "propsvc.tasks.sweep_deadlines" in TASKS and len(TASKS) >= 10
    for name in TASKS:
        task = app.tasks[name]
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name
    # every task on the beat schedule is one of them
    assert {entry["task"] for entry in app.conf.beat_schedule.values()} <= set(TASKS)


def effects() -> dict:
    """Everything a task could leave behind: the rows of every table of ours, emails, files."""
    found = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in OURS
    }
    found["notifications to email"] = Notification.objects.filter(email_pending=True).count()
    found["emails"] = len(mail.outbox)
    media = Path(settings.MEDIA_ROOT)
    found["files"] = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())
    return found


@pytest.fixture
def world(clock, register, pete, alice, mona, unit_a, community_a, settings):
    """Something for every task to do: a deadline past its warning, a pending email, an old read
    notification, a look-up window past its end, a queued export, last month to report on."""
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = 1
    pete.email = "pete@example.com"
    pete.save()
    _member("ada", None, Role.ADMIN)
    dave = _member("dave", community_a, Role.ARCHIVIST)
    complaint = register()
    complaint_triage(complaint_id=complaint.pk, by=pete, valid=True, plan="派工程部检修")
    register(subject="电梯异响")
    job = export_jobs.export_job_create(
        user=pete, kind="complaints", params={"communities": [community_a.pk]}, total_rows=2, enqueue=False
    )
    lookup = archive_services.lookup_request(by=alice, unit_id=unit_a.pk, reason="业主委托核对联系方式信息")
    archive_services.lookup_approve(request_id=lookup.pk, by=mona)
    archive_services.lookup_register(request_id=lookup.pk, by=dave)
    old = NotificationFactory(recipient=alice, text="旧通知")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Notification.objects.filter(pk=old.pk).update(read_at=long_ago, created_at=long_ago)
    NotificationFactory(recipient=pete, text="待发邮件", email_pending=True)
    clock.shift(datetime.timedelta(hours=45))  # past the 48-hour deadline's warning; the window closed
    return {"job": job}


ARGUMENTS = {
    "propsvc.tasks.run_export": lambda world: {"job_id": world["job"].pk},
}


@pytest.mark.parametrize("name", TASKS)
def test_running_a_task_twice_has_the_effect_of_running_it_once(
    name, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    task = app.tasks[name]
    kwargs = ARGUMENTS.get(name, lambda world: {})(world)
    before = effects()
    with django_capture_on_commit_callbacks(execute=True):
        task.apply(kwargs=kwargs, throw=True)
    once = effects()
    with django_capture_on_commit_callbacks(execute=True):
        task.apply(kwargs=kwargs, throw=True)  # the same message delivered again
    twice = effects()
    assert twice == once, {k: (before.get(k), once[k], twice[k]) for k in once if once[k] != twice[k]}


def test_the_world_gives_the_main_tasks_something_to_do(world, django_capture_on_commit_callbacks):
    """So the twice-run tests above are not comparing two empty runs."""
    counts = app.tasks["propsvc.tasks.sweep_deadlines"].apply(throw=True).get()
    assert counts["warned"] >= 1
    assert app.tasks["propsvc.tasks.send_emails"].apply(throw=True).get() >= 1
    assert app.tasks["propsvc.tasks.run_export"].apply(
        kwargs={"job_id": world["job"].pk}, throw=True
    ).get() == ("done")
    assert app.tasks["archives.tasks.close_expired_lookups"].apply(throw=True).get() == 1
