"""Settings come from the environment; bad values stop start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import json, django; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'db_name': str(s.DATABASES['default']['NAME']), 'broker': s.CELERY_BROKER_URL, "
    "'mail': s.MAILERS['default']['BACKEND'], 'mail_options': s.MAILERS['default'].get('OPTIONS', {}), "
    "'hosts': s.ALLOWED_HOSTS, 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ, 'lang': s.LANGUAGE_CODE, "
    "'languages': [c for c, _ in s.LANGUAGES], 'secure_cookie': s.SESSION_COOKIE_SECURE, "
    "'hsts': s.SECURE_HSTS_SECONDS}))"
)

ENV_NAMES = [
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "SECURE_HSTS_SECONDS",
]


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "propsvc.settings"
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_of(**env) -> dict:
    import json

    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_defaults_to_sqlite_and_a_file_broker_in_development():
    s = settings_of(DEBUG="true")
    assert s["debug"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db_name"].endswith("var/propsvc.sqlite3")
    assert s["broker"] == "filesystem://"
    assert s["mail"] == "django.core.mail.backends.console.EmailBackend"
    assert s["tz"] == "Asia/Shanghai" and s["use_tz"] is True
    assert s["lang"] == "zh-hans" and s["languages"] == ["zh-hans", "en"]


def test_it_reads_production_settings_from_the_environment():
    s = settings_of(
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://app:pw@db.internal:5432/propsvc",
        REDIS_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="kf.example.cn,www.kf.example.cn",
        EMAIL_URL="smtp://mailer:secret@smtp.example.cn:587?tls=true",
    )
    assert s["debug"] is False
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["db_name"] == "propsvc"
    assert s["broker"] == "redis://cache.internal:6379/0"
    assert s["hosts"] == ["kf.example.cn", "www.kf.example.cn"]
    assert s["mail"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["mail_options"]["host"] == "smtp.example.cn"
    assert s["mail_options"]["port"] == 587
    assert s["mail_options"]["use_tls"] is True
    assert s["secure_cookie"] is True
    assert s["hsts"] == 31536000


def test_it_prefers_an_explicit_celery_broker_over_redis_url():
    s = settings_of(DEBUG="true", REDIS_URL="redis://a:6379/0", CELERY_BROKER_URL="redis://b:6379/1")
    assert s["broker"] == "redis://b:6379/1"


def test_it_never_keeps_the_console_mailer_in_production():
    s = settings_of(SECRET_KEY="k" * 50)
    assert s["mail"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "true", "DATABASE_URL": "mysql//nonsense"}, "DATABASE_URL"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres://host:notaport/db"}, "DATABASE_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "true", "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL"),
        ({"DEBUG": "true", "SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
    ],
)
def test_it_stops_start_up_with_one_line_naming_the_variable(env, variable):
    result = run_manage("check", **env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert lines[0].startswith("propsvc: configuration error:")


def test_it_passes_the_system_checks_with_the_defaults():
    result = run_manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_the_production_static_build_succeeds(tmp_path, settings):
    """collectstatic with production's storage (compressed, with a manifest) follows every url() and
    sourceMappingURL of the vendored files: a reference to a missing file stops the Docker build."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)  # setting_changed rebuilds the storage
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/chartjs/chart.umd.min.*.js"))
