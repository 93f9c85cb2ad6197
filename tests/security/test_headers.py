"""Production headers (issue 11, item 3): Content-Security-Policy with a nonce, HSTS, https redirect,
cookie flags, and a clean `check --deploy`. The suite runs with DEBUG=false, i.e. production settings;
tests/conftest.py only turns the https redirect off, and the tests here turn it back on."""

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "CSP"}
ENV_NAMES |= {"SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "BEHIND_PROXY"}
# tests/e2e/conftest.py sets it for the whole run (Playwright's event loop); never in production.
ENV_NAMES |= {"DJANGO_ALLOW_ASYNC_UNSAFE"}


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_it_sends_the_policy_with_a_nonce_on_a_page_with_an_inline_script(client, mona):
    client.force_login(mona)
    r = client.get("/surveys/notices/new/")
    assert r.status_code == 200
    policy = directives(r["Content-Security-Policy"])
    nonce = re.search(r"<script nonce=\"([^\"]+)\">", r.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in policy["script-src"]
    assert "<script>" not in r.content.decode()  # every inline script carries the nonce


def test_it_sends_a_new_nonce_on_every_response(client, mona):
    client.force_login(mona)
    first = client.get("/surveys/notices/new/")["Content-Security-Policy"]
    second = client.get("/surveys/notices/new/")["Content-Security-Policy"]
    assert first != second


def test_it_restricts_every_source(client, alice):
    client.force_login(alice)
    policy = directives(client.get("/")["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    # Our files, and a nonce only on a page that has an inline <script>: nothing else.
    assert all(v.startswith("'nonce-") for v in policy["script-src"][1:])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_it_sends_the_policy_on_the_login_page(client, db):
    assert "frame-ancestors 'none'" in client.get("/login/")["Content-Security-Policy"]


def test_no_template_has_an_inline_event_handler():
    """The policy admits no inline handler (no 'unsafe-hashes'): behaviour lives in static/js."""
    handlers = {}
    for template in (ROOT / "templates").rglob("*.html"):
        found = re.findall(r'\son\w+="([^"]*)"', template.read_text())
        if found:
            handlers[str(template.relative_to(ROOT))] = found
    assert handlers == {}


def test_it_sends_hsts_over_https(client, db):
    r = client.get("/login/", secure=True)
    assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"


@override_settings(SECURE_SSL_REDIRECT=True)
def test_it_redirects_http_to_https_except_the_health_check(client, db):
    r = client.get("/login/")
    assert r.status_code == 301
    assert r["Location"] == "https://testserver/login/"
    assert client.get("/healthz").status_code in {200, 503}


def test_it_sets_secure_httponly_samesite_cookies(client, alice):
    r = client.get("/login/", secure=True)
    csrf = r.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    r = client.post("/login/", {"username": "alice", "password": PASSWORD}, secure=True)
    assert r.status_code == 302
    session = r.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert session["max-age"] == 1800


@override_settings(
    DEBUG=False,
    SECURE_SSL_REDIRECT=True,
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS=["example.com"],
    # pytest-django swaps in the in-memory mail backend, which the checklist refuses.
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}},
)
def test_it_passes_the_deployment_checklist(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    call_command("check", "--deploy", "--fail-level", "WARNING")


def _clean_env(**env) -> dict:
    import os

    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(env)
    return clean


def test_the_production_environment_passes_check_deploy(tmp_path):
    """The command from the deployment docs, on the real settings module, with nothing but the
    required variables: no warning at all."""
    env = _clean_env(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'csp': bool(s.SECURE_CSP), 'csp_ro': bool(s.SECURE_CSP_REPORT_ONLY), "
    "'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, 'age': s.SESSION_COOKIE_AGE}))"
)


def run_probe(**env) -> subprocess.CompletedProcess:
    env = _clean_env(DJANGO_SETTINGS_MODULE="propsvc.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def probe(**env) -> dict:
    result = run_probe(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_has_no_policy_and_no_https():
    assert probe(DEBUG="true") == {"csp": False, "csp_ro": False, "ssl": False, "hsts": 0, "age": 1800}


def test_production_enforces_the_policy_and_https():
    s = probe(DEBUG="false", SECRET_KEY="x" * 60)
    assert s == {"csp": True, "csp_ro": False, "ssl": True, "hsts": 31536000, "age": 1800}


def test_the_policy_can_report_only_or_be_switched_off():
    assert probe(DEBUG="false", SECRET_KEY="x" * 60, CSP="report-only")["csp_ro"] is True
    assert probe(DEBUG="false", SECRET_KEY="x" * 60, CSP="off")["csp"] is False


def test_a_bad_csp_value_stops_start_up():
    result = run_probe(DEBUG="false", SECRET_KEY="x" * 60, CSP="yes")
    assert result.returncode != 0
    assert "CSP must be enforce, report-only or off" in result.stderr
