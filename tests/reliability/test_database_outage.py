"""Issue 11 item 9: with the database unreachable /healthz answers 503 and the pages answer a clear
error page (Chinese, 503, no traceback) — not a crash.

The outage is real: a fresh process running the WSGI application with DATABASE_URL pointing at a
closed port (the real PostgreSQL keeps running for everyone else). The broker is the filesystem
queue there, so only the database is out."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import io, json, sys
    from wsgiref.util import setup_testing_defaults

    from propsvc.wsgi import application
    from django.conf import settings

    def get(path, cookie=""):
        environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "localhost",
                   "HTTP_ACCEPT_LANGUAGE": "zh-hans", "wsgi.errors": io.StringIO(),
                   "wsgi.url_scheme": "https", "HTTPS": "on", "SERVER_PORT": "443"}
        if cookie:
            environ["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
        setup_testing_defaults(environ)
        status = []
        body = b"".join(application(environ, lambda s, h, *a: status.append((s, dict(h)))))
        return {"status": int(status[0][0].split()[0]), "headers": status[0][1], "body": body.decode()}

    session = "a" * 32  # a logged-in browser: its session is read from the database
    out = {
        "healthz": get("/healthz"),
        "home": get("/", session),
        "records": get("/reception/", session),
        "complaint": get("/complaints/1/", session),
        "anonymous": get("/reception/"),
    }
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/propsvc_h5",
        "CELERY_BROKER_URL": "filesystem://",
        "PROPSVC_VAR_DIR": str(var),
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_healthz_answers_503_with_the_database_down(outage):
    r = outage["healthz"]
    assert r["status"] == 503
    body = json.loads(r["body"])
    assert body["status"] == "down" and body["database"].startswith("error")


@pytest.mark.parametrize("page", ["home", "records", "complaint"])
def test_a_page_answers_a_clear_chinese_error_page(outage, page):
    r = outage[page]
    assert r["status"] == 503, r["body"][:500]
    assert "数据库" in r["body"] or "暂时无法" in r["body"]
    assert "Traceback" not in r["body"] and "OperationalError" not in r["body"]
    assert r["headers"].get("Retry-After")


def test_an_anonymous_visitor_is_still_sent_to_the_login(outage):
    # no session, no database read: the redirect needs neither
    r = outage["anonymous"]
    assert r["status"] == 302 and r["headers"]["Location"].startswith("/login/")


@pytest.mark.django_db
def test_in_process_a_lost_database_is_the_503_page_and_other_errors_the_500_page(client, alice):
    from unittest import mock

    from django.db import OperationalError

    client.force_login(alice)
    client.raise_request_exception = False
    lost = OperationalError("connection refused")
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=lost):
        r = client.get("/reception/")
    assert r.status_code == 503 and r["Retry-After"] == "60"
    assert "数据库暂时无法连接" in r.content.decode()
    with mock.patch("reception.views.render", side_effect=RuntimeError("a bug")):
        r = client.get("/reception/")
    assert r.status_code == 500 and "系统出错了" in r.content.decode()


@pytest.mark.django_db
def test_a_failing_post_gets_the_error_page_too(client, alice):
    """handler500 answers every method: a save that fails is a 500 page, not "method not allowed"."""
    from unittest import mock

    client.force_login(alice)
    client.raise_request_exception = False
    with mock.patch("reception.views.render", side_effect=RuntimeError("a bug")):
        r = client.post("/reception/new/", {})
    assert r.status_code == 500 and "系统出错了" in r.content.decode()


def test_healthz_still_answers_get_only(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.get("/healthz")["Cache-Control"].startswith("max-age=0")
