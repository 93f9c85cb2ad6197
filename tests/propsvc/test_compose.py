"""docker-compose.yml and the Dockerfile, checked as text (no Docker engine runs here).

PyYAML resolves the x-app anchors and merge keys, so each service is read as Compose sees it.
"""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "NAME=value" list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def command_of(service: dict) -> str:
    command = service.get("command") or ""
    return command if isinstance(command, str) else shlex.join(command)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_it_defines_the_five_services(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


def test_it_uses_postgresql_16_or_newer(services):
    image = services["postgres"]["image"]
    name, _, tag = image.partition(":")
    assert name in {"postgres", "docker.io/library/postgres"}
    major = re.match(r"\d+", tag)
    assert major, f"pin a PostgreSQL major version, not {image!r}"
    assert int(major.group()) >= 16


def test_it_uses_redis_with_a_persistent_append_only_file(services):
    redis = services["redis"]
    assert redis["image"].partition(":")[0] in {"redis", "docker.io/library/redis"}
    assert "--appendonly yes" in command_of(redis)
    assert any(str(volume).endswith(":/data") for volume in redis.get("volumes", []))


def test_it_keeps_the_database_in_a_named_volume_and_checks_it_is_ready(services):
    postgres = services["postgres"]
    assert any(str(volume).endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]


def test_it_migrates_before_starting_gunicorn_on_the_web_service(services):
    command = command_of(services["web"])
    assert "manage.py migrate" in command
    assert "gunicorn propsvc.wsgi:application" in command
    assert command.index("manage.py migrate") < command.index("gunicorn")
    assert (
        "&&" in command[command.index("migrate") : command.index("gunicorn")]
    )  # no start after a failed migrate
    assert "0.0.0.0:8000" in command
    assert "8000:8000" in [str(port) for port in services["web"]["ports"]]


def test_it_runs_the_celery_worker_and_beat(services):
    assert command_of(services["worker"]).startswith("celery -A propsvc worker")
    assert command_of(services["beat"]).startswith("celery -A propsvc beat")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_configures_each_app_service_from_the_environment(services, name):
    env = environment_of(services[name])
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", env["SECRET_KEY"]), (
        "SECRET_KEY must be required, not set here"
    )
    assert env["DEBUG"].lower() == "false"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_starts_app_services_after_postgres_and_redis_are_healthy(services, name):
    depends_on = services[name]["depends_on"]
    for dependency in ("postgres", "redis"):
        assert depends_on[dependency]["condition"] == "service_healthy"


def test_it_checks_the_web_service_health_on_healthz(services):
    test = services["web"]["healthcheck"]["test"]
    text = " ".join(test) if isinstance(test, list) else test
    assert "localhost:8000/healthz" in text
    assert "curl" not in text  # python:3.12-slim has none


def test_it_reads_every_app_variable_in_the_settings(services):
    settings_text = (ROOT / "propsvc" / "settings.py").read_text(encoding="utf-8")
    settings_text += (ROOT / "propsvc" / "env.py").read_text(encoding="utf-8")
    names = {name for service in APP_SERVICES for name in environment_of(services[service])}
    unread = sorted(name for name in names if f'"{name}"' not in settings_text)
    assert not unread, f"docker-compose.yml sets variables the settings never read: {unread}"


def test_it_builds_a_python_312_image_that_runs_gunicorn():
    instructions = dockerfile_instructions()
    assert instructions[0][0] == "FROM"
    assert instructions[0][1].startswith("python:3.12")
    cmd = [args for op, args in instructions if op == "CMD"][-1]
    argv = json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd)
    assert argv[0] == "gunicorn"
    assert "propsvc.wsgi:application" in argv


def test_it_runs_the_image_as_a_non_root_user_with_no_baked_in_secret():
    instructions = dockerfile_instructions()
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert not any(op in {"ENV", "ARG"} and "SECRET_KEY" in args for op, args in instructions)
    run = " ".join(args for op, args in instructions if op == "RUN")
    assert "compilemessages" in run
    assert "collectstatic --noinput" in run
