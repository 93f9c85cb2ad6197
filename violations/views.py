"""Violation pages: the list, registering, the detail page with every measure, notices, charges and
the statistics for managers."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.selectors import SEARCH_LIMIT, unit_search
from propsvc.export_jobs import export_respond, params_of
from propsvc.pagination import KeysFirstPaginator
from propsvc.roles import Perm, Role
from propsvc.selectors import deadline_list_for_case
from violations import exports, forms, selectors, services
from violations.models import SUBTYPES, ChargeList, Measure, Notice, Violation

PAGE_SIZE = 25
ROLE_ORDER = (Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.LEADERSHIP)  # from the site up
Status = Violation.Status
Kind = Measure.Kind


def _communities_with(request, perm: str):
    """The communities of the header (the current one, or all of the user's) where perm is held."""
    communities = [c for c in request.workplace.communities if request.user.has_perm(perm, c)]
    current = request.workplace.current
    return [current] if current in communities else communities


# -- registering ----------------------------------------------------------------------------------


@login_required
@permission_required(Perm.REGISTER_VIOLATION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def violation_new(request: HttpRequest) -> HttpResponse:
    """The 业户违章事件记录表: the steward (or whoever saw it) registers a violation (R-VIO-5)."""
    communities = _communities_with(request, Perm.REGISTER_VIOLATION)
    if not communities:
        raise PermissionDenied
    form = forms.ViolationForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            violation = services.violation_register(by=request.user, **_register_fields(form.cleaned_data))
        except services.ViolationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Violation %(number)s registered (%(severity)s).")
                % {"number": violation.number, "severity": violation.get_severity_display()},
            )
            return redirect(violation)
    unit = form.cleaned_data.get("unit") if form.is_bound and hasattr(form, "cleaned_data") else None
    ctx = {"form": form, "unit": unit, "subtypes": {k: list(v) for k, v in SUBTYPES.items()}}
    return render(request, "violations/new.html", ctx, status=400 if form.is_bound else 200)


def _register_fields(data: dict) -> dict:
    fields = dict(data)
    unit = fields.get("unit")
    fields["owner"] = None
    if unit is not None:
        fields["owner"] = next((o.owner for o in unit.ownerships.current().select_related("owner")), None)
    return fields


@login_required
@permission_required(Perm.REGISTER_VIOLATION, raise_exception=True)
@require_GET
def unit_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: units matching what is typed (room, owner name, phone tail), for the register form."""
    text = request.GET.get("unit_query", "")[:50]
    ids = [c.pk for c in _communities_with(request, Perm.REGISTER_VIOLATION)]
    chosen = request.GET.get("community", "")
    if chosen.isdigit() and int(chosen) in ids:
        ids = [int(chosen)]
    units = unit_search(user=request.user, text=text, communities=ids)
    return render(
        request, "archives/_unit_matches.html", {"units": units, "text": text, "limit": SEARCH_LIMIT}
    )


# -- lists ------------------------------------------------------------------------------------------


def _filters(request):
    form = forms.ViolationFilterForm(request.GET or None, communities=request.workplace.communities)
    data = form.cleaned_data if form.is_valid() else {}
    chosen = data.get("community")
    return form, selectors.ViolationFilter(
        communities=[chosen.pk] if chosen else request.workplace.current_ids,
        month=data.get("month"),
        status=data.get("status", ""),
        category=data.get("category", ""),
        severity=data.get("severity", ""),
        overdue=data.get("overdue", False),
        q=data.get("q", ""),
    )


@login_required
@permission_required(Perm.VIEW_VIOLATIONS, raise_exception=True)
@require_GET
def violation_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    violations = selectors.violation_list(user=request.user, filters=filters)
    page = KeysFirstPaginator(violations, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "violations/list.html#results" if request.htmx else "violations/list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
@permission_required(Perm.VIEW_VIOLATIONS, raise_exception=True)
@require_GET
def violation_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel: at once when small, else a background job (propsvc.export_jobs)."""
    _form, filters = _filters(request)
    return export_respond(
        request,
        kind="violations",
        params=params_of(filters),
        count=selectors.violation_list(user=request.user, filters=filters).count(),
        inline=lambda: exports.violations_response(
            selectors.violation_rows_for_export(user=request.user, filters=filters)
        ),
    )


# -- the detail page and its measures ------------------------------------------------------------------


@dataclass
class Action:
    """One step on the detail page: its form, the service it calls and when it is offered."""

    name: str
    form: type
    service: Callable
    success: str
    perm: str
    title: str
    button: str
    offered: Callable  # (violation, user, parts) -> bool; the service decides again when posted
    statuses: tuple = ()
    multipart: bool = False
    kwargs: dict = field(default_factory=dict)


def _effective(parts, kind):
    return [m for m in parts["measures"] if m.kind == kind and m.status == Measure.Status.EFFECTIVE]


ACTIONS = {
    a.name: a
    for a in [
        Action(
            "persuade", forms.PersuadeForm, services.violation_persuade,
            gettext_lazy("The persuasion was recorded."), Perm.PERSUADE_OWNER,
            gettext_lazy("Record on-the-spot persuasion"), gettext_lazy("Save"),
            lambda v, u, p: services.may_persuade(v, u) and v.status != Status.CLOSED,
        ),
        Action(
            "rectify", forms.RectificationForm, services.violation_set_rectification,
            gettext_lazy("The rectification deadline is set; you will be reminded the day before."),
            Perm.HANDLE_VIOLATION, gettext_lazy("Set a rectification deadline"),
            gettext_lazy("Set the deadline"),
            lambda v, u, p: services.may_handle(v, u), statuses=(Status.OPEN, Status.NOT_RECTIFIED),
        ),
        Action(
            "reinspect", forms.ReinspectForm, services.violation_reinspect,
            gettext_lazy("The re-inspection was recorded."), Perm.REINSPECT_VIOLATION,
            gettext_lazy("Re-inspect"), gettext_lazy("Save"),
            lambda v, u, p: services.may_reinspect(v, u), statuses=(Status.RECTIFYING,),
        ),
        Action(
            "propose", forms.PenaltyForm, services.violation_propose_penalty,
            gettext_lazy("The penalty was proposed; it takes effect when a manager signs it."),
            Perm.HANDLE_VIOLATION, gettext_lazy("Propose a penalty"), gettext_lazy("Propose"),
            lambda v, u, p: services.may_handle(v, u) and v.unit_id is not None,
            statuses=(Status.OPEN, Status.NOT_RECTIFIED, Status.PENALTY_EFFECTIVE),
        ),
        # Sign and refuse are posted by anyone who sees the case: the service refuses all but the
        # property company manager and the CS center manager with a clear message (R-VIO-6).
        Action(
            "sign", forms.SignForm, services.violation_sign_penalty,
            gettext_lazy("Signed: the penalty is in effect."), Perm.VIEW_VIOLATIONS,
            gettext_lazy("Sign the penalty"), gettext_lazy("Sign"),
            lambda v, u, p: services.may_sign(v, u), statuses=(Status.PENALTY_PROPOSED,),
        ),
        Action(
            "refuse", forms.RefuseForm, services.violation_refuse_penalty,
            gettext_lazy("The penalty was not approved."), Perm.VIEW_VIOLATIONS,
            gettext_lazy("Do not approve the penalty"), gettext_lazy("Do not approve"),
            lambda v, u, p: services.may_sign(v, u), statuses=(Status.PENALTY_PROPOSED,),
        ),
        Action(
            "publish", forms.PublishForm, services.violation_publish_criticism,
            gettext_lazy("The publication was recorded."), Perm.HANDLE_VIOLATION,
            gettext_lazy("Record the publication of the criticism"), gettext_lazy("Save"),
            lambda v, u, p: services.may_handle(v, u)
            and any(not m.published_at for m in _effective(p, Kind.CRITICISM)),
        ),
        Action(
            "lawyer-letter", forms.LawyerLetterForm, services.violation_send_lawyer_letter,
            gettext_lazy("The lawyer's letter was recorded."), Perm.HANDLE_VIOLATION,
            gettext_lazy("Record the lawyer's letter"), gettext_lazy("Save"),
            lambda v, u, p: services.may_handle(v, u)
            and any(not m.lawyer_letter_on for m in _effective(p, Kind.LEGAL)),
        ),
        Action(
            "lawsuit", forms.LawsuitForm, services.violation_file_lawsuit,
            gettext_lazy("The filing was recorded."), Perm.HANDLE_VIOLATION,
            gettext_lazy("Record the filing of the lawsuit"), gettext_lazy("Save"),
            lambda v, u, p: services.may_handle(v, u)
            and any(m.lawyer_letter_on and not m.filed_on for m in _effective(p, Kind.LEGAL)),
        ),
        Action(
            "follow-up", forms.FollowUpForm, services.violation_follow_up,
            gettext_lazy("The follow-up with the owner was recorded."), Perm.FOLLOW_UP_OWNER,
            gettext_lazy("Record the follow-up with the owner"), gettext_lazy("Save"),
            lambda v, u, p: services.may_follow_up(v, u), statuses=(Status.PENALTY_EFFECTIVE,),
        ),
        Action(
            "close", forms.CloseForm, services.violation_close,
            gettext_lazy("The violation is closed."), Perm.HANDLE_VIOLATION,
            gettext_lazy("Close the violation"), gettext_lazy("Close"),
            lambda v, u, p: services.may_close(v, u), statuses=(Status.OPEN, Status.PENALTY_EFFECTIVE),
        ),
        Action(
            "reassess", forms.ReassessForm, services.violation_reassess,
            gettext_lazy("The facts were corrected and the severity decided anew."), Perm.HANDLE_VIOLATION,
            gettext_lazy("Correct the facts (loss, safety)"), gettext_lazy("Save"),
            lambda v, u, p: services.may_handle(v, u) and v.status != Status.CLOSED,
            kwargs={"violation": True},
        ),
        Action(
            "photos", forms.PhotosForm, services.violation_add_photos,
            gettext_lazy("The photos were added."), Perm.PERSUADE_OWNER,
            gettext_lazy("Add photos"), gettext_lazy("Upload"),
            lambda v, u, p: services.may_persuade(v, u) and v.status != Status.CLOSED, multipart=True,
        ),
    ]
}  # fmt: skip


def _offered(action: Action, violation: Violation, user, parts) -> bool:
    if action.statuses and violation.status not in action.statuses:
        return False
    return bool(action.offered(violation, user, parts))


def _form(action: Action, violation: Violation, data=None, files=None):
    kwargs = {"violation": violation} if action.kwargs.get("violation") else {}
    if action.multipart:
        return action.form(data, files, prefix=action.name, **kwargs)
    return action.form(data, prefix=action.name, **kwargs)


def _may_issue_notice(violation: Violation, user) -> bool:
    return violation.unit_id is not None and (
        services.may_handle(violation, user) or services.may_reinspect(violation, user)
    )


def _detail(request, violation, *, status=200, bound=None):
    parts = selectors.violation_detail_parts(violation=violation)
    actions = []
    for action in ACTIONS.values():
        if _offered(action, violation, request.user, parts):
            form = bound if bound is not None and bound.prefix == action.name else _form(action, violation)
            actions.append({"action": action, "form": form})
    running = next((m for m in parts["measures"] if m.status == Measure.Status.RUNNING), None)
    ctx = {
        "violation": violation,
        **parts,
        "deadlines": deadline_list_for_case(case=violation),
        "actions": actions,
        "open_action": bound.prefix if bound is not None else "",
        "may_issue_notice": _may_issue_notice(violation, request.user) and violation.status != Status.CLOSED,
        "running_rectification": running,
        "handler_roles": "、".join(
            str(Role(r).label) for r in ROLE_ORDER if r in services.closer_roles(violation)
        ),
        "Status": Status,
        "NoticeKind": Notice.Kind,
    }
    return render(request, "violations/detail.html", ctx, status=status)


@login_required
@permission_required(Perm.VIEW_VIOLATIONS, raise_exception=True)
@require_GET
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.violation_get_for_user(user=request.user, pk=pk))


def _act(request, pk: int, action: Action) -> HttpResponse:
    """The shared shape of a detail-page step: validate, call one service, PRG or re-render."""
    violation = selectors.violation_get_for_user(user=request.user, pk=pk)
    form = _form(action, violation, request.POST, request.FILES)
    if form.is_valid():
        try:
            action.service(violation_id=violation.pk, by=request.user, **form.cleaned_data)
        except services.ViolationError as exc:
            parts = selectors.violation_detail_parts(violation=violation)
            if not _offered(action, violation, request.user, parts):
                messages.error(request, str(exc))  # the step is not on this user's page: say it at the top
            form.add_error(None, str(exc))
        else:
            messages.success(request, str(action.success))
            return redirect(violation)
    return _detail(request, violation, status=400, bound=form)


def action_view(action: Action):
    @login_required
    @permission_required(action.perm, raise_exception=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, action)

    view.__name__ = f"violation_{action.name.replace('-', '_')}"
    return view


@login_required
@permission_required(Perm.VIEW_VIOLATIONS, raise_exception=True)
@require_GET
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of the case, only through this permission-checked view (MEDIA_ROOT is not served)."""
    row = selectors.photo_get_for_user(user=request.user, violation_pk=pk, pk=photo_pk)
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -- notices (R-VIO-9) ----------------------------------------------------------------------------------


@login_required
@permission_required(Perm.VIEW_VIOLATIONS, raise_exception=True)
@require_POST
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    violation = selectors.violation_get_for_user(user=request.user, pk=pk)
    form = forms.NoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the notice to issue."))
        return redirect(violation)
    try:
        notice = services.notice_issue(
            violation_id=violation.pk, by=request.user, kind=form.cleaned_data["kind"]
        )
    except services.ViolationError as exc:
        messages.error(request, str(exc))
        return redirect(violation)
    return redirect(notice)


@login_required
@permission_required(Perm.VIEW_VIOLATIONS, raise_exception=True)
@require_GET
def notice_print(request: HttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    """The notice on A4, ready for the browser's print (R-VIO-9)."""
    notice = selectors.notice_get_for_user(user=request.user, violation_pk=pk, pk=notice_pk)
    violation = notice.violation
    parts = selectors.violation_detail_parts(violation=violation)
    decided = [m for m in parts["measures"] if m.status in (Measure.Status.EFFECTIVE, Measure.Status.RUNNING)]
    ctx = {
        "notice": notice,
        "violation": violation,
        "measure": notice.measure,
        "decided": decided,
        "photos": parts["photos"],
        "company": settings.PROPSVC_COMPANY_NAME,
        "NoticeKind": Notice.Kind,
    }
    return render(request, "violations/notice.html", ctx)


# -- charges to finance (R-VIO-7) -----------------------------------------------------------------------


@login_required
@permission_required(Perm.VIEW_CHARGES, raise_exception=True)
@require_GET
def charges(request: HttpRequest) -> HttpResponse:
    """The monthly lists of charges to collect, every month kept; finance downloads them here."""
    communities = [c.pk for c in _communities_with(request, Perm.VIEW_CHARGES)]
    form = forms.ChargesFilterForm(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    rows = selectors.charge_list_for_user(user=request.user, communities=communities, month=month)
    page = Paginator(rows, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    return render(request, "violations/charges.html", {"form": form, "page": page})


@login_required
@permission_required(Perm.VIEW_CHARGES, raise_exception=True)
@require_GET
def charge_download(request: HttpRequest, pk: int) -> HttpResponse:
    charge_list = get_object_or_404(
        ChargeList.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    if not request.user.has_perm(Perm.VIEW_CHARGES, charge_list.community):
        raise PermissionDenied
    filename = _("charges-to-collect") + f"-{charge_list.community.code}-{charge_list.month:%Y-%m}.xlsx"
    return FileResponse(charge_list.file.open("rb"), as_attachment=True, filename=filename)


# -- statistics for managers --------------------------------------------------------------------------


def _statistics_request(request):
    allowed = _communities_with(request, Perm.VIEW_VIOLATION_STATISTICS)
    if not allowed:
        raise PermissionDenied
    form = forms.YearForm(request.GET or None, communities=allowed)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    chosen = [data["community"]] if data.get("community") else allowed
    table = selectors.counts_by_category_and_month(
        user=request.user, communities=[c.pk for c in chosen], year=year
    )
    return form, table, chosen


@login_required
@permission_required(Perm.VIEW_VIOLATION_STATISTICS, raise_exception=True)
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    form, table, chosen = _statistics_request(request)
    years = list(range(timezone.localdate().year, timezone.localdate().year - 6, -1))
    drill = f"&community={chosen[0].pk}" if len(chosen) == 1 else ""
    ctx = {"form": form, "table": table, "communities": chosen, "years": years, "drill": drill}
    return render(request, "violations/statistics.html", ctx)


@login_required
@permission_required(Perm.VIEW_VIOLATION_STATISTICS, raise_exception=True)
@require_GET
def statistics_export(request: HttpRequest) -> HttpResponse:
    _form, table, chosen = _statistics_request(request)
    return exports.statistics_response(table, communities=chosen)
