"""The sweep on a real Celery worker with embedded beat, and the beat schedule it runs."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils import timezone

from propsvc.celery import app
from propsvc.models import Notification
from propsvc.roles import Role
from propsvc.services import deadline_open
from tests.factories import UnitFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def test_it_schedules_the_sweep_and_the_digest():
    schedule = app.conf.beat_schedule
    assert schedule["sweep-deadlines"]["task"] == "propsvc.tasks.sweep_deadlines"
    assert schedule["sweep-deadlines"]["schedule"] == float(settings.PROPSVC_SWEEP_SECONDS) == 60.0
    assert schedule["send-escalation-digests"]["task"] == "propsvc.tasks.send_digests"
    assert schedule["send-escalation-digests"]["schedule"] == crontab(minute=5)
    assert {"propsvc.tasks.sweep_deadlines", "propsvc.tasks.send_digests"} <= set(app.tasks)


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.redis
@pytest.mark.postgres
def test_it_sends_a_due_reminder_from_a_real_worker_and_beat(transactional_db, community_a, alice, tmp_path):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a real Redis: set REDIS_URL")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker must reach the test database from another process")
    unit = UnitFactory(building__community=community_a)
    deadline_open(
        case=unit,
        community=community_a,
        kind="reception.reply",
        title="回复业主 · e2e",
        link="/",
        due_at=timezone.now() - timedelta(minutes=1),  # already overdue: the first sweep sends it
        responsible_user=alice,
        escalate_role=Role.CS_SUPERVISOR,
    )
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
        "PROPSVC_SWEEP_SECONDS": "1",
        "DEBUG": "false",
        "SECRET_KEY": "e2e-secret",
        "PROPSVC_VAR_DIR": str(tmp_path),
    }
    command = [
        str(CELERY),
        "-A",
        "propsvc",
        "worker",
        "-B",
        "--pool=solo",
        "--loglevel=INFO",
        "--schedule",
        str(tmp_path / "beat-schedule"),
        "--without-mingle",
        "--without-gossip",
    ]
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and worker.poll() is None:
                if Notification.objects.filter(recipient=alice).exists():
                    break
                time.sleep(0.5)
            sent = list(Notification.objects.filter(recipient=alice).values_list("text", flat=True))
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(timeout=5)
            connection.close()  # the flush after the test must not wait on anything of ours
    assert len(sent) == 1, log.read_text(errors="replace")[-3000:]
    assert "回复业主 · e2e" in sent[0]
