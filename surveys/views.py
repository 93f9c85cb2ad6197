"""Owner visit pages: the list and its Excel export, the visit form, one visit, the month's quota and
progress per community, and the monthly summary with a decision per suggestion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.selectors import SEARCH_LIMIT, unit_search
from propsvc.concurrency import version_of
from propsvc.export_jobs import export_respond, params_of
from propsvc.http import client_address
from propsvc.roles import Perm
from surveys import exports, forms, selectors, services
from surveys.models import Mode, Month, VisitSummary

PAGE_SIZE = 25


def _communities_with(request, perm: str):
    """The communities of the header (the current one, or all of the user's) where perm is held."""
    communities = [c for c in request.workplace.communities if request.user.has_perm(perm, c)]
    current = request.workplace.current
    return [current] if current in communities else communities


# -- the visits ---------------------------------------------------------------------------------------


def _filters(request):
    allowed = _communities_with(request, Perm.VIEW_VISITS)
    ids = [c.pk for c in allowed]
    staff = selectors.visit_staff_choices(user=request.user, communities=ids)
    form = forms.VisitFilterForm(request.GET or None, communities=allowed, staff=staff)
    data = form.cleaned_data if form.is_valid() else {}
    chosen, person = data.get("community"), data.get("staff")
    return form, selectors.VisitFilter(
        communities=[chosen.pk] if chosen else ids,
        month=data.get("month"),
        mode=data.get("mode", ""),
        staff_id=person.pk if person else None,
    )


@login_required
@permission_required(Perm.VIEW_VISITS, raise_exception=True)
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    visits = selectors.visit_list(user=request.user, filters=filters)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "surveys/list.html#results" if request.htmx else "surveys/list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
@permission_required(Perm.VIEW_VISITS, raise_exception=True)
@require_GET
def visit_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel: at once when small, else a background job (propsvc.export_jobs)."""
    _form, filters = _filters(request)
    return export_respond(
        request,
        kind="visits",
        params=params_of(filters),
        count=selectors.visit_list(user=request.user, filters=filters).count(),
        inline=lambda: exports.visits_response(
            selectors.visit_rows_for_export(user=request.user, filters=filters)
        ),
    )


@login_required
@permission_required(Perm.RECORD_VISIT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    """The 业户访问记录 (R-VIS-2): the supervisor records a visit; Ctrl+Enter saves."""
    communities = _communities_with(request, Perm.RECORD_VISIT)
    if not communities:
        raise PermissionDenied
    form = forms.VisitForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_record(by=request.user, **form.service_fields())
        except services.SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Visit %(number)s recorded: %(unit)s.")
                % {"number": visit.number, "unit": visit.unit.label},
            )
            return redirect("surveys:new")
    unit = form.cleaned_data.get("unit") if form.is_bound and hasattr(form, "cleaned_data") else None
    ctx = {"form": form, "unit": unit, "Mode": Mode}
    return render(request, "surveys/new.html", ctx, status=400 if form.is_bound else 200)


@login_required
@permission_required(Perm.RECORD_VISIT, raise_exception=True)
@require_GET
def unit_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: units matching what is typed (room, owner name, phone tail), for the visit form."""
    text = request.GET.get("unit_query", "")[:50]
    ids = [c.pk for c in _communities_with(request, Perm.RECORD_VISIT)]
    chosen = request.GET.get("community", "")
    if chosen.isdigit() and int(chosen) in ids:
        ids = [int(chosen)]
    units = unit_search(user=request.user, text=text, communities=ids)
    return render(
        request, "archives/_unit_matches.html", {"units": units, "text": text, "limit": SEARCH_LIMIT}
    )


@login_required
@permission_required(Perm.VIEW_VISITS, raise_exception=True)
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm(Perm.VIEW_VISITS, visit):
        raise PermissionDenied
    return render(request, "surveys/detail.html", {"visit": visit})


# -- the month's quota and progress (R-VIS-1) ----------------------------------------------------------


@login_required
@permission_required(Perm.VIEW_VISITS, raise_exception=True)
@require_GET
def quota(request: HttpRequest) -> HttpResponse:
    form = forms.MonthForm(request.GET or None)
    chosen = form.cleaned_data.get("month") if form.is_valid() else None
    month = Month.of(chosen) if chosen else Month.current()
    ids = [c.pk for c in _communities_with(request, Perm.VIEW_VISITS)]
    lines = selectors.quota_for_month(user=request.user, communities=ids, month=month)
    ctx = {"form": form, "month": month, "lines": lines, "is_current": month == Month.current()}
    return render(request, "surveys/quota.html", ctx)


# -- the monthly summary (R-VIS-4) ------------------------------------------------------------------------


def _summary(request, pk: int) -> VisitSummary:
    summary = selectors.summary_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm(Perm.VIEW_VISITS, summary):
        raise PermissionDenied
    return summary


@login_required
@permission_required(Perm.VIEW_VISITS, raise_exception=True)
@require_GET
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = _summary(request, pk)
    parts = selectors.summary_parts(summary=summary)
    may_review = summary.is_open and services.may_review(summary, request.user)
    ctx = {
        "summary": summary,
        **parts,
        "may_prepare": summary.is_open and services.may_prepare(summary, request.user),
        "may_review": may_review,
        "prepare_form": forms.PrepareForm(
            initial={"overview": summary.overview}, version=version_of(summary, field="prepared_at")
        ),
        "decide_form": forms.DecideForm() if may_review else None,
        "Status": VisitSummary.Status,
    }
    return render(request, "surveys/summary.html", ctx)


def _summary_step(request, pk: int, form, call, success: str) -> HttpResponse:
    """The shared shape of a summary step: validate, call one service, PRG with a message."""
    summary = _summary(request, pk)
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(summary)
    try:
        call(summary)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(summary)


@login_required
@permission_required(Perm.PREPARE_VISIT_SUMMARY, raise_exception=True)
@require_POST
def summary_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.PrepareForm(request.POST)
    return _summary_step(
        request, pk, form,
        lambda s: services.visit_summary_prepare(summary_id=s.pk, by=request.user, **form.cleaned_data),
        _("The summary was handed to the service center head."),
    )  # fmt: skip


@login_required
@permission_required(Perm.REVIEW_VISIT_SUMMARY, raise_exception=True)
@require_POST
def suggestion_decide(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    form = forms.DecideForm(request.POST)
    return _summary_step(
        request, pk, form,
        lambda s: services.suggestion_decide(
            summary_id=s.pk, suggestion_id=suggestion_pk, by=request.user, **form.cleaned_data
        ),
        _("The decision was recorded."),
    )  # fmt: skip


@login_required
@permission_required(Perm.REVIEW_VISIT_SUMMARY, raise_exception=True)
@require_POST
def summary_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _summary_step(
        request, pk, None,
        lambda s: services.visit_summary_submit(summary_id=s.pk, by=request.user),
        _("The summary was submitted."),
    )  # fmt: skip


# -- the suggestion box (R-COM-1) -------------------------------------------------------------------------


@ensure_csrf_cookie  # the page is public: it must set the CSRF cookie that its form posts back
@require_http_methods(["GET", "POST"])
def box(request: HttpRequest, code: str) -> HttpResponse:
    """The public suggestion box of a community (no login; reached by the QR code on the notice)."""
    community = selectors.box_community_get(code=code)
    form = forms.BoxForm(request.POST or None)
    thanks = reverse("suggestion-box-thanks", args=[community.code])
    if request.method == "POST" and form.is_bot:
        return redirect(thanks)  # the honeypot: told nothing, written nothing
    if request.method == "POST" and form.is_valid():
        try:
            services.box_suggestion_post(
                community_id=community.pk, address=client_address(request),
                **{k: form.cleaned_data[k] for k in ("text", "contact", "contact_consent")},
            )  # fmt: skip
        except services.SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(thanks)
    status = 429 if form.non_field_errors() else 400 if form.is_bound else 200
    return render(request, "surveys/box.html", {"community": community, "form": form}, status=status)


@require_GET
def box_thanks(request: HttpRequest, code: str) -> HttpResponse:
    community = selectors.box_community_get(code=code)
    return render(request, "surveys/box.html", {"community": community, "thanks": True})


@login_required
@permission_required(Perm.ANSWER_SUGGESTION, raise_exception=True)
@require_GET
def box_poster(request: HttpRequest, code: str) -> HttpResponse:
    """The printable notice for the community's notice board: the box's address, printed big."""
    community = selectors.box_community_get_for_user(user=request.user, code=code)
    if not request.user.has_perm(Perm.ANSWER_SUGGESTION, community):
        raise PermissionDenied
    url = request.build_absolute_uri(reverse("suggestion-box", args=[community.code]))
    return render(request, "surveys/box_poster.html", {"community": community, "url": url})


@login_required
@permission_required(Perm.ANSWER_SUGGESTION, raise_exception=True)
@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    communities = _communities_with(request, Perm.ANSWER_SUGGESTION)
    form = forms.SuggestionFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    suggestions = selectors.box_suggestion_list_for_inbox(
        user=request.user, communities=[c.pk for c in communities], status=status
    )
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "form": form, "page": page, "communities": communities,
        "answer_form": forms.AnswerForm(), "no_answer_form": forms.NoAnswerForm(),
    }  # fmt: skip
    return render(request, "surveys/suggestions.html", ctx)


def _suggestion_step(request, pk: int, form, call, success: str) -> HttpResponse:
    selectors.box_suggestion_get_for_user(user=request.user, pk=pk)  # 404 outside the user's scope
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            call()
        except services.SurveyError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, success)
    return redirect(reverse("surveys:suggestions") + f"#s{pk}")


@login_required
@permission_required(Perm.ANSWER_SUGGESTION, raise_exception=True)
@require_POST
def suggestion_answer(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.AnswerForm(request.POST)
    return _suggestion_step(
        request, pk, form,
        lambda: services.box_suggestion_answer(suggestion_id=pk, by=request.user, **form.cleaned_data),
        _("The answer was recorded."),
    )  # fmt: skip


@login_required
@permission_required(Perm.ANSWER_SUGGESTION, raise_exception=True)
@require_POST
def suggestion_no_answer(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.NoAnswerForm(request.POST)
    return _suggestion_step(
        request, pk, form,
        lambda: services.box_suggestion_no_answer(suggestion_id=pk, by=request.user, **form.cleaned_data),
        _("Recorded: no answer is possible."),
    )  # fmt: skip
