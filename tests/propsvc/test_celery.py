"""Pin the effective Celery configuration: a typo in a CELERY_ setting is otherwise silently ignored."""

import importlib

from celery.schedules import crontab

from propsvc.celery import app


def test_it_uses_the_settings_broker(settings):
    assert app.conf.broker_url == settings.CELERY_BROKER_URL


def test_it_pins_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    assert conf.task_time_limit == 300
    assert conf.task_soft_time_limit == 240
    assert conf.broker_connection_retry_on_startup is True
    assert conf.task_always_eager is False


def test_it_keeps_time_in_shanghai():
    assert app.conf.timezone == "Asia/Shanghai"
    assert app.conf.enable_utc is True


def test_it_has_the_beat_schedule_in_code():
    schedule = app.conf.beat_schedule
    assert schedule["purge-read-notifications"]["task"] == "propsvc.tasks.purge_notifications"
    assert isinstance(schedule["purge-read-notifications"]["schedule"], crontab)
    # every scheduled task exists (import each task module, as the worker's autodiscovery does)
    for entry in schedule.values():
        importlib.import_module(entry["task"].rsplit(".", 1)[0])
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_it_defines_no_unknown_celery_settings(settings):
    known = {key.upper() for key in app.conf} | {f"CELERY_{key.upper()}" for key in app.conf}
    ours = [name for name in dir(settings) if name.startswith("CELERY_")]
    unknown = [name for name in ours if name not in known]
    assert unknown == [], f"unknown Celery settings (typo?): {unknown}"
