"""Broker reachability for /healthz (a short, bounded check)."""

from pathlib import Path

from django.conf import settings


def broker_state() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return "ok" if folder.is_dir() else "error: queue folder missing"
    try:
        from propsvc.celery import app

        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
