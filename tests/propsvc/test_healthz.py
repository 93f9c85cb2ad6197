import json
from unittest import mock

from django.db.utils import OperationalError


def test_it_answers_200_with_database_and_broker_state(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    data = json.loads(r.content)
    assert data["database"] == "ok"
    assert "broker" in data


def test_it_answers_503_when_the_database_is_down(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        r = client.get("/healthz")
    assert r.status_code == 503
    data = json.loads(r.content)
    assert data["status"] == "down"
    assert data["database"].startswith("error")


def test_it_reports_an_unreachable_broker_without_failing(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    r = client.get("/healthz")
    assert r.status_code == 200
    assert json.loads(r.content)["broker"].startswith("error")
