"""A round's statistics pages (R-SUR-2 … R-SUR-7): the 问卷结果统计表 on screen, printable and in Excel;
finishing the statistics, publishing the measures with the printable publication notice, and the copy
sent to the quality department.

Reads need surveys.view_surveys in the round's community, actions surveys.run_survey there (the
services check it again); a round of a community the user does not belong to is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propsvc.roles import Perm
from surveys import report_exports, report_forms, round_report
from surveys.models import SurveyRound
from surveys.services import SurveyError

Status = SurveyRound.Status


def _round(request, pk: int) -> SurveyRound:
    round_ = round_report.round_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm(Perm.VIEW_SURVEYS, round_):
        raise PermissionDenied
    return round_


def _statistics_url(pk: int) -> str:
    return reverse("surveys:round-statistics", args=[pk])


@login_required
@permission_required(Perm.VIEW_SURVEYS, raise_exception=True)
@require_GET
def round_statistics(request: HttpRequest, pk: int) -> HttpResponse:
    return _statistics_page(request, _round(request, pk))


def _statistics_page(
    request, round_: SurveyRound, *, bound: tuple[str, object] | None = None
) -> HttpResponse:
    """The page; `bound` = (context name, form) re-shows a step's form as typed, with its errors (400)."""
    stats = round_report.round_statistics(round_=round_)
    may_run = request.user.has_perm(Perm.RUN_SURVEY, round_)
    measures = round_report.measures_suggestion(stats)
    ctx = {
        "round": round_,
        "stats": stats,
        "deadlines": round_report.round_deadlines(round_=round_),
        "notice": round_report.round_notice(round_),
        "finish_form": report_forms.FinishForm() if may_run and round_.status == Status.CLOSED else None,
        "publish_form": report_forms.PublishForm(initial={"measures": measures})
        if may_run and round_.status == Status.REPORTED else None,
        "copy_form": report_forms.QualityCopyForm()
        if may_run and round_.status in round_report.FINISHED and not round_.quality_copy_on else None,
        "finished": round_.status in round_report.FINISHED,
    }  # fmt: skip
    if bound is not None:
        name, form = bound
        if ctx.get(name) is None:  # the step is not open in the round's state: say why at the top
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(_statistics_url(round_.pk))
        ctx[name] = form
        return render(request, "surveys/report/statistics.html", ctx, status=400)
    return render(request, "surveys/report/statistics.html", ctx)


@login_required
@permission_required(Perm.VIEW_SURVEYS, raise_exception=True)
@require_GET
def round_statistics_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The 问卷结果统计表 on A4: the original kept by the center, the copy for the quality department."""
    round_ = _round(request, pk)
    ctx = {
        "round": round_,
        "stats": round_report.round_statistics(round_=round_),
        "company": settings.PROPSVC_COMPANY_NAME,
    }
    return render(request, "surveys/report/print.html", ctx)


@login_required
@permission_required(Perm.VIEW_SURVEYS, raise_exception=True)
@require_GET
def round_statistics_export(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    return report_exports.statistics_response(round_report.round_statistics(round_=round_))


@login_required
@permission_required(Perm.VIEW_SURVEYS, raise_exception=True)
@require_GET
def round_publication_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The publication notice for the bulletin board (R-SUR-7), on A4, once the measures are published."""
    round_ = _round(request, pk)
    notice = round_report.round_notice(round_)
    if round_.status != Status.PUBLISHED or notice is None:
        messages.error(request, _("The measures of this round have not been published yet."))
        return redirect(_statistics_url(pk))
    ctx = {
        "round": round_,
        "stats": round_report.round_statistics(round_=round_),
        "notice": notice,
        "company": settings.PROPSVC_COMPANY_NAME,
    }
    return render(request, "surveys/report/notice.html", ctx)


def _step(request, pk: int, form, call, success: str, *, name: str, then: str | None = None) -> HttpResponse:
    """The shared shape of a step: 404 outside the user's communities, validate, call one service,
    PRG with a message (a refused step writes nothing). A form with errors is shown again as typed
    (the page with status 400), so nothing the user wrote is lost; a step refused by the round's
    state goes back to the page with the reason."""
    round_ = _round(request, pk)
    if not form.is_valid():
        return _statistics_page(request, round_, bound=(name, form))
    try:
        call()
    except SurveyError as exc:
        messages.error(request, str(exc))
        return redirect(_statistics_url(pk))
    messages.success(request, success)
    return redirect(then or _statistics_url(pk))


@login_required
@permission_required(Perm.RUN_SURVEY, raise_exception=True)
@require_POST
def round_finish(request: HttpRequest, pk: int) -> HttpResponse:
    form = report_forms.FinishForm(request.POST)
    return _step(
        request, pk, form,
        lambda: round_report.round_statistics_finish(round_id=pk, by=request.user, **form.cleaned_data),
        _("The survey statistics table is finished; its figures no longer change."), name="finish_form",
    )  # fmt: skip


@login_required
@permission_required(Perm.RUN_SURVEY, raise_exception=True)
@require_POST
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    form = report_forms.PublishForm(request.POST)
    return _step(
        request, pk, form,
        lambda: round_report.round_publish(round_id=pk, by=request.user, **form.cleaned_data),
        _("The measures are published. Print the notice and put it up on the bulletin board."),
        then=reverse("surveys:round-publication-notice", args=[pk]), name="publish_form",
    )  # fmt: skip


@login_required
@permission_required(Perm.RUN_SURVEY, raise_exception=True)
@require_POST
def round_quality_copy(request: HttpRequest, pk: int) -> HttpResponse:
    form = report_forms.QualityCopyForm(request.POST)
    return _step(
        request, pk, form,
        lambda: round_report.round_quality_copy(round_id=pk, by=request.user, **form.cleaned_data),
        _("The copy sent to the quality department is recorded."), name="copy_form",
    )  # fmt: skip
