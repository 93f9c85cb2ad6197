"""Background Excel exports (issue 10): the registry of exporters, and a job's steps.

Every list's export button goes through `export_respond`: it counts the filtered rows; up to
PROPSVC_EXPORT_INLINE_MAX_ROWS (5,000) the file is written into the response at once, as before;
above that an `ExportJob` is created and the user is sent to its page, which shows the progress
and, when the worker is done, the download.

The core imports no app: each app registers its exporters by name (`register`, from its
exports module, which its AppConfig.ready() imports). An exporter knows the permission it needs
and how to write its sheet from a job's `params` (the list's filters as resolved when the user
asked: `params_of`, read back with `filters_from`).

The steps, each safe to repeat:

1. `export_job_create` (the request): the job row and an audit entry in one transaction; the job
   is handed to Celery after commit (`export_job_enqueue`). A broker that is down does not break
   the page: the failure is logged and `enqueued_at` is cleared.
2. `export_job_run` (the worker): claims the job with a conditional UPDATE queued → running, so a
   duplicate delivery or a second worker writes nothing; writes the workbook to a temporary name
   next to the stored path, reporting progress every 2,000 rows with one UPDATE, then renames it
   into place (a download never sees half a file).
3. `export_sweep` (beat, every minute): hands queued jobs over again when the hand-over failed (or
   the message seems lost), fails jobs whose worker died or that no worker took within the time
   limit, removes files older than 24 hours (the job becomes expired) and forgets jobs after 30 days.
"""

import logging
import secrets
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from propsvc.http import client_address
from propsvc.models import ExportJob
from propsvc.services import audit_write

logger = logging.getLogger(__name__)

INLINE_MAX_ROWS = 5000  # default of PROPSVC_EXPORT_INLINE_MAX_ROWS
KEEP_HOURS = 24  # default of PROPSVC_EXPORT_KEEP_HOURS: a finished file is downloadable this long
KEEP_JOBS_DAYS = 30  # the job rows (with their filters) are forgotten after this
TIME_LIMIT = 3600  # seconds a worker may spend on one export (100,000 rows take about a minute)
HAND_OVER_AFTER = timedelta(minutes=1)  # a queued job whose hand-over failed is retried after this
RESEND_AFTER = timedelta(minutes=10)  # … and one still queued after this is handed over again
SWEEP_BATCH = 200
EXPORT_DIR = "exports"  # under MEDIA_ROOT, never under static

Status = ExportJob.Status


class ExportRefused(Exception):
    """The job's user may no longer export these rows (left the company, lost the role)."""


@dataclass(frozen=True)
class Exporter:
    """A list export an app offers in the background.

    `write(user=, params=, handle=, progress=)` rebuilds the rows for `user` from `params`, writes the
    workbook to the open binary `handle`, calls `progress(n)` now and then and returns the rows written.
    """

    name: str
    title: object  # lazy text: the file's name before the date, e.g. 投诉记录
    permission: str  # checked again when the job runs and when its file is downloaded
    write: Callable[..., int]


_REGISTRY: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    """Register (or re-register, on a module reload) an exporter by its name."""
    _REGISTRY[exporter.name] = exporter
    return exporter


def exporter_get(name: str) -> Exporter:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no exporter named {name!r} is registered") from None


def exporters() -> dict[str, Exporter]:
    return dict(_REGISTRY)


def inline_max_rows() -> int:
    return int(getattr(settings, "PROPSVC_EXPORT_INLINE_MAX_ROWS", INLINE_MAX_ROWS))


def keep_for() -> timedelta:
    return timedelta(hours=int(getattr(settings, "PROPSVC_EXPORT_KEEP_HOURS", KEEP_HOURS)))


# -- params: a list's filters as JSON and back -----------------------------------------------------


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def params_of(filters, **extra) -> dict:
    """A filter dataclass (dates as ISO text) plus extra keys, as a job's params."""
    return {f.name: _jsonable(getattr(filters, f.name)) for f in fields(filters)} | extra


def _is_date(hint) -> bool:
    return hint is date or date in typing.get_args(hint)


def filters_from(cls, params: dict):
    """The filter dataclass `cls` back from `params_of` (keys it does not know are ignored)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for field in fields(cls):
        if field.name not in params:
            continue
        value = params[field.name]
        if value is not None and _is_date(hints.get(field.name)):
            value = date.fromisoformat(value)
        values[field.name] = value
    return cls(**values)


def communities_with(user, perm: str, ids) -> list[int]:
    """Of the community ids asked for, those where the user (still) holds perm."""
    return [pk for pk in ids or () if user.has_perm(perm, SimpleNamespace(community_id=pk))]


def list_writer(filters: str, rows: str, sheet: Callable[..., int], *, narrow: str | None = None):
    """The `write` of a list's exporter: the list's filter dataclass back from the job's params, the
    app's `*_rows_for_export(user=, filters=)` selector, then the app's sheet writer
    (`write_<things>(rows, handle, progress)`). `filters` and `rows` are dotted paths, imported when
    the job runs (the selectors import the app's exports). With `narrow`, a permission, the filters'
    communities are narrowed again to those where the user still holds it."""

    def write(*, user, params: dict, handle, progress) -> int:
        chosen = filters_from(import_string(filters), params)
        if narrow is not None:
            chosen = replace(chosen, communities=communities_with(user, narrow, chosen.communities))
        return sheet(import_string(rows)(user=user, filters=chosen), handle, progress)

    return write


# -- the request: inline or a job --------------------------------------------------------------------


def audit_community(params: dict) -> int | None:
    """The community an export's audit entry belongs to: the one community it covers, so that
    community's CS center manager sees it on the audit page; an export of several (or of every)
    community is a company-level entry."""
    communities = params.get("communities")
    if isinstance(communities, list) and len(communities) == 1 and isinstance(communities[0], int):
        return communities[0]
    return None


def export_respond(
    request: HttpRequest, *, kind: str, params: dict, count: int, inline: Callable[[], HttpResponse]
) -> HttpResponse:
    """The answer to a list's export button: the file itself when `count` rows are few, otherwise
    a background job and a redirect to its page. Either way one audit entry when there are rows
    (exports carry personal data): who, which export, how many rows, of which communities — not the
    search text."""
    address = client_address(request)
    if count <= inline_max_rows():
        if not count:  # an empty file carries no personal data: nothing to audit
            return inline()
        audit_write(
            kind="export.inline",
            actor=request.user,
            community_id=audit_community(params),
            address=address,
            export=kind,
            rows=count,
            communities=params.get("communities"),
        )
        return inline()
    job = export_job_create(user=request.user, kind=kind, params=params, total_rows=count, address=address)
    return redirect(job)


def _file_name(exporter: Exporter, at) -> str:
    """What the browser saves, e.g. 投诉记录_20261201.xlsx (in the language of the request)."""
    return f"{exporter.title}_{timezone.localtime(at):%Y%m%d}.xlsx"


@transaction.atomic
def export_job_create(
    *, user, kind: str, params: dict, total_rows: int, address: str | None = None, enqueue: bool = True
) -> ExportJob:
    """A background export of `kind` for `user`: the job row and its audit entry, handed to Celery
    once committed (enqueue=False leaves that to the caller, e.g. a benchmark running it at once)."""
    exporter = exporter_get(kind)
    now = timezone.now()
    job = ExportJob.objects.create(
        requested_by=user,
        kind=kind,
        params=params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=total_rows,
        file_name=_file_name(exporter, now),
        stored_path=f"{EXPORT_DIR}/{secrets.token_hex(16)}.xlsx",
        created_at=now,
        enqueued_at=now if enqueue else None,
    )
    audit_write(
        kind="export.queued",
        actor=user,
        community_id=audit_community(params),
        address=address,
        export=kind,
        job=job.pk,
        rows=total_rows,
        communities=params.get("communities"),
    )
    if enqueue:
        transaction.on_commit(partial(export_job_enqueue, job_id=job.pk))
    return job


def export_job_enqueue(*, job_id: int) -> bool:
    """Hand the job to Celery. Never raises: with the broker down the page still answers, the job
    stays queued with no `enqueued_at`, and the sweep hands it over again (DESIGN: nothing is lost
    when Redis is down)."""
    from propsvc.tasks import run_export as run_export_task

    try:
        # retry=False: fail at once rather than hold the request through Celery's publish retries.
        run_export_task.apply_async(kwargs={"job_id": job_id}, retry=False)
    except Exception:  # kombu OperationalError, a refused connection, a timeout: all the same here
        logger.warning(
            "export job %s: the broker did not take it; the sweep will retry", job_id, exc_info=True
        )
        ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(enqueued_at=None)
        return False
    return True


# -- the worker ----------------------------------------------------------------------------------------


def stored_file(job: ExportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.stored_path


def _partial_file(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def export_job_run(*, job_id: int) -> str:
    """Write the job's workbook. Claims it first (queued → running in one conditional UPDATE), so
    running it twice writes one file; returns "done", "failed" or "skipped" (not queued)."""
    started = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=started, rows_written=0
    )
    if claimed != 1:
        return "skipped"
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    path = stored_file(job)
    part = _partial_file(path)
    progress_rows = ExportJob.objects.filter(pk=job_id)

    def progress(written: int) -> None:
        progress_rows.update(rows_written=written)

    try:
        exporter = exporter_get(job.kind)
        user = job.requested_by
        if not user.is_active or not user.has_perm(exporter.permission):
            raise ExportRefused(f"user {user.pk} no longer holds {exporter.permission}")
        path.parent.mkdir(parents=True, exist_ok=True)
        with translation.override(job.language), part.open("wb") as handle:
            written = exporter.write(user=user, params=job.params, handle=handle, progress=progress)
        part.replace(path)
    except Exception as exc:  # the job must end failed, whatever went wrong (also a soft time limit)
        part.unlink(missing_ok=True)
        logger.exception("export job %s (%s) failed", job_id, job.kind)
        ExportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
            status=Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:500]
        )
        return "failed"
    finished = timezone.now()
    ExportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.DONE,
        finished_at=finished,
        rows_written=written,
        total_rows=written,
        expires_at=finished + keep_for(),
    )
    return "done"


def run_job(job_id: int) -> str:
    """The whole job path, synchronously (the benchmark times this): export_job_run."""
    return export_job_run(job_id=job_id)


# -- the sweep (beat, every minute) -------------------------------------------------------------------


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        logger.warning("could not remove the export file %s", path, exc_info=True)


def export_sweep(*, now=None) -> dict:
    """Beat, every minute. Each step claims its rows with a conditional UPDATE, so two beats or a
    rerun do each thing once."""
    now = now or timezone.now()
    counts = {"handed_over": 0, "interrupted": 0, "expired": 0, "forgotten": 0}

    # 1. Queued jobs no worker has taken: the hand-over failed (enqueued_at empty), or the message
    #    seems lost. Handing over twice is harmless (the worker claims), but the claim here keeps it
    #    to one message per sweep.
    waiting = Q(status=Status.QUEUED, created_at__lte=now - HAND_OVER_AFTER) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - RESEND_AFTER)
    )
    for pk in list(
        ExportJob.objects.filter(waiting).order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    ):
        if ExportJob.objects.filter(waiting, pk=pk).update(enqueued_at=now) == 1 and export_job_enqueue(
            job_id=pk
        ):
            counts["handed_over"] += 1

    # 2. Running past the time limit: the worker died (a redelivery finds the job running and skips).
    #    Queued for as long: no worker is there to take it. Either way the job fails, so its page
    #    stops polling and tells the user to try again.
    limit = now - timedelta(seconds=TIME_LIMIT + 300)
    stale = ExportJob.objects.filter(
        Q(status=Status.RUNNING, started_at__lte=limit) | Q(status=Status.QUEUED, created_at__lte=limit)
    )
    for pk, status, stored in list(stale.values_list("pk", "status", "stored_path")[:SWEEP_BATCH]):
        error = "interrupted: the worker stopped" if status == Status.RUNNING else "no worker took the job"
        interrupted = ExportJob.objects.filter(pk=pk, status=status).update(
            status=Status.FAILED, finished_at=now, error=error
        )
        if interrupted:
            counts["interrupted"] += 1
            _unlink(_partial_file(Path(settings.MEDIA_ROOT) / stored))

    # 3. Files past their 24 hours: the job becomes expired, then the file goes.
    due = list(
        ExportJob.objects.filter(status=Status.DONE, expires_at__lte=now).values_list("pk", "stored_path")[
            :SWEEP_BATCH
        ]
    )
    if due:
        counts["expired"] = ExportJob.objects.filter(
            pk__in=[pk for pk, _stored in due], status=Status.DONE, expires_at__lte=now
        ).update(status=Status.EXPIRED)
        for _pk, stored in due:
            _unlink(Path(settings.MEDIA_ROOT) / stored)

    # 4. Old jobs are forgotten (their filters may hold a searched name); a file left behind goes too.
    old = ExportJob.objects.filter(created_at__lte=now - timedelta(days=KEEP_JOBS_DAYS)).exclude(
        status__in=[Status.QUEUED, Status.RUNNING]
    )
    gone = list(old.values_list("pk", "stored_path")[:SWEEP_BATCH])
    if gone:
        counts["forgotten"], _by_model = ExportJob.objects.filter(
            pk__in=[pk for pk, _stored in gone]
        ).delete()
        for _pk, stored in gone:
            _unlink(Path(settings.MEDIA_ROOT) / stored)
    return counts
