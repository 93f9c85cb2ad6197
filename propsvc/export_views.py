"""My exports (我的导出): a background export's page with its progress, its download, and the list
of one's recent exports (issue 10; the jobs themselves are in propsvc/export_jobs.py).

Only the staff member who asked for an export sees it: anyone else gets a 404, whatever their role.
The file is sent only through the download view, as an attachment, while it exists."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from propsvc.export_jobs import audit_community, exporter_get, keep_for, stored_file
from propsvc.exports import XLSX
from propsvc.http import client_address
from propsvc.models import ExportJob
from propsvc.services import audit_write

RECENT = 50  # jobs on "my exports" (older ones are forgotten after 30 days anyway)
POLL_SECONDS = 2


def _job_for(request: HttpRequest, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, requested_by=request.user)


def _ctx(job: ExportJob) -> dict:
    return {"job": job, "poll_seconds": POLL_SECONDS, "keep_hours": int(keep_for().total_seconds() // 3600)}


@login_required
@require_GET
@never_cache
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = ExportJob.objects.filter(requested_by=request.user).order_by("-created_at", "-pk")[:RECENT]
    ctx = {"jobs": jobs, "keep_hours": int(keep_for().total_seconds() // 3600)}
    return render(request, "propsvc/export_list.html", ctx)


@login_required
@require_GET
@never_cache
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "propsvc/export_detail.html", _ctx(_job_for(request, pk)))


@login_required
@require_GET
@never_cache
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's progress card, fetched by htmx every 2 s while the job waits or runs; once it is
    over the card comes back without the trigger, so the polling stops."""
    return render(request, "propsvc/export_detail.html#progress", _ctx(_job_for(request, pk)))


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, as an attachment, to the user who asked for it, while it exists (24 hours)."""
    job = _job_for(request, pk)
    path = stored_file(job)
    if not job.is_downloadable or not path.is_file():
        status = 409 if job.is_waiting else 410  # not yet written / removed after 24 hours or failed
        return render(request, "propsvc/export_detail.html", {**_ctx(job), "gone": True}, status=status)
    if not request.user.has_perm(exporter_get(job.kind).permission):
        raise PermissionDenied  # the role was taken away since: the file is not theirs to read any more
    audit_write(
        kind="export.downloaded",
        actor=request.user,
        community_id=audit_community(job.params),
        address=client_address(request),
        export=job.kind,
        job=job.pk,
    )
    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response
