"""Complaint pages: the list with its queues, registering, the detail page with every step, call-backs."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import exports, forms, reports, selectors, services
from complaints.models import Callback, Complaint, MonthlyReport
from propsvc.export_jobs import export_respond, params_of
from propsvc.pagination import KeysFirstPaginator
from propsvc.roles import Perm
from propsvc.selectors import deadline_list_for_case
from propsvc.tenancy import ALL, community_scope
from reception.models import Kind, ReceptionRecord
from reception.selectors import record_get_for_user

PAGE_SIZE = 25
Status = Complaint.Status


def _register_communities(request):
    communities = [
        c for c in request.workplace.communities if request.user.has_perm(Perm.REGISTER_COMPLAINT, c)
    ]
    current = request.workplace.current
    return [current] if current in communities else communities


@login_required
@permission_required(Perm.REGISTER_COMPLAINT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """A complaint registered directly (the usual way in is a desk record: complaint_from_record)."""
    communities = _register_communities(request)
    if not communities:
        raise PermissionDenied
    form = forms.ComplaintForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_register(by=request.user, **_register_fields(form.cleaned_data))
        except services.ComplaintError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Complaint %(number)s registered.") % {"number": complaint.number})
            return redirect(complaint)
    unit = form.cleaned_data.get("unit") if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(request, "complaints/new.html", {"form": form, "unit": unit})


def _register_fields(data: dict) -> dict:
    fields = dict(data)
    unit = fields.get("unit")
    if unit is not None:
        fields["owner"] = next((o.owner for o in unit.ownerships.current().select_related("owner")), None)
    return fields


@login_required
@permission_required(Perm.REGISTER_COMPLAINT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def complaint_from_record(request: HttpRequest, record_pk: int) -> HttpResponse:
    """转投诉处理: a desk record of kind complaint followed up as a complaint (R-CMP-2)."""
    record = record_get_for_user(user=request.user, pk=record_pk)
    if not request.user.has_perm(Perm.HANDLE_RECORD, record):
        raise PermissionDenied  # the follow-up closes the desk record: the desk's step (R-CMP-2, R-REC-2)
    if hasattr(record, "complaint"):
        return redirect(record.complaint)
    if record.kind != Kind.COMPLAINT or record.status not in (
        ReceptionRecord.Status.OPEN,
        ReceptionRecord.Status.PENDING,
    ):
        messages.error(request, _("Only an open record of kind complaint can be followed up as a complaint."))
        return redirect(record)
    form = forms.FromRecordForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_open_from_record(
                record_id=record.pk, by=request.user, **form.cleaned_data
            )
        except services.ComplaintError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Complaint %(number)s registered.") % {"number": complaint.number})
            return redirect(complaint)
    return render(request, "complaints/from_record.html", {"form": form, "record": record})


# -- lists --------------------------------------------------------------------------------------


def _filters(request):
    form = forms.ComplaintFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    chosen = [c.pk for c in data.get("community") or []]
    return form, selectors.ComplaintFilter(
        communities=chosen or request.workplace.current_ids,
        month=data.get("month"),
        status=data.get("status", ""),
        category=data.get("category", ""),
        severity=data.get("severity", ""),
        validity=data.get("validity", ""),
        channel=data.get("channel", ""),
        department_kind=data.get("department", ""),
        overdue=data.get("overdue", False),
        q=data.get("q", ""),
        view=data.get("view", ""),
        reopened=data.get("reopened", False),
        paused=data.get("paused", False),
        open_at=data.get("open_at"),
        overdue_at=data.get("overdue_at"),
    )


def _queues_for(user) -> list[tuple[str, str]]:
    """The list's tabs: every complaint, then the queues that concern this user."""
    from propsvc.tenancy import department_ids_of

    shown = {"important", "overdue"}
    if user.has_perm(Perm.HANDLE_COMPLAINT):
        shown |= {"triage", "mine"}
    if user.has_perm(Perm.SIGN_OFF_COMPLAINT):
        shown.add("sign_off")
    if department_ids_of(user):
        shown.add("department")
    queues = [(view, label) for view, label in selectors.QUEUES.items() if view in shown]
    return [("", _("All complaints")), *queues]


@login_required
@permission_required(Perm.VIEW_COMPLAINTS, raise_exception=True)
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    complaints = selectors.complaint_list(user=request.user, filters=filters)
    page = KeysFirstPaginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, "view": filters.view, "queues": _queues_for(request.user)}
    template = "complaints/list.html#results" if request.htmx else "complaints/list.html"
    return render(request, template, ctx)


@login_required
@permission_required(Perm.VIEW_COMPLAINTS, raise_exception=True)
@require_GET
def complaint_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel: at once when small, else a background job (propsvc.export_jobs)."""
    _form, filters = _filters(request)
    return export_respond(
        request,
        kind="complaints",
        params=params_of(filters),
        count=selectors.complaint_list(user=request.user, filters=filters).count(),
        inline=lambda: exports.complaints_response(
            selectors.complaint_rows_for_export(user=request.user, filters=filters)
        ),
    )


@login_required
@permission_required(Perm.VIEW_COMPLAINTS, raise_exception=True)
@require_GET
def callback_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    form = forms.ComplaintFilterForm(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    communities = [c.pk for c in form.cleaned_data.get("community") or []] if form.is_valid() else []
    communities = communities or request.workplace.current_ids
    if month:  # the statistics' drill-down: the month's recorded call-backs
        period = reports.Month.of(month)
        callbacks = selectors.callback_list_done(
            user=request.user, communities=communities, start=period.start, end=period.end
        )
    else:
        callbacks = selectors.callback_list_due(user=request.user, communities=communities, mine=mine)
    page = KeysFirstPaginator(callbacks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/callbacks.html", {"page": page, "mine": mine, "month": month})


# -- the detail page and its actions -------------------------------------------------------------


@dataclass
class Action:
    """One step on the detail page: its form, the service it calls and who may see it."""

    name: str
    form: type
    service: object
    success: str
    perm: str
    title: str
    button: str
    needs_complaint: bool = False  # the form takes complaint=
    on_callback: bool = False  # the service takes callback_id instead of complaint_id
    statuses: tuple = ()
    kwargs: dict = field(default_factory=dict)


ACTIONS = {
    a.name: a
    for a in [
        Action(
            "respond",
            forms.RespondForm,
            services.complaint_respond,
            gettext_lazy("The first response was recorded."),
            Perm.VIEW_COMPLAINTS,
            gettext_lazy("Record the first response"),
            gettext_lazy("Save"),
        ),
        Action(
            "triage",
            forms.TriageForm,
            services.complaint_triage,
            gettext_lazy("The complaint was triaged."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("Triage: valid or invalid"),
            gettext_lazy("Save"),
            statuses=(Status.NEW,),
        ),
        Action(
            "work-order",
            forms.WorkOrderForm,
            services.complaint_issue_work_order,
            gettext_lazy("The work order was sent to the department."),
            Perm.ISSUE_COMPLAINT_ORDER,
            gettext_lazy("Issue a work order"),
            gettext_lazy("Send the work order"),
            needs_complaint=True,
            statuses=(Status.PROCESSING,),
        ),
        Action(
            "result",
            forms.ResultForm,
            services.complaint_report_result,
            gettext_lazy("The result was recorded; the department head has been asked to sign it off."),
            Perm.REPORT_COMPLAINT_RESULT,
            gettext_lazy("Report the result"),
            gettext_lazy("Save"),
            statuses=(Status.PROCESSING,),
        ),
        Action(
            "pause",
            forms.PauseForm,
            services.complaint_pause,
            gettext_lazy("The clock is paused; resume it when the owner is available again."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("Pause the clock"),
            gettext_lazy("Pause"),
            statuses=(Status.PROCESSING,),
        ),
        Action(
            "resume",
            forms.ConfirmForm,
            services.complaint_resume,
            gettext_lazy("The clock is running again."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("Resume the clock"),
            gettext_lazy("Resume"),
            statuses=(Status.PAUSED,),
        ),
        Action(
            "unsolvable",
            forms.UnsolvableForm,
            services.complaint_mark_unsolvable,
            gettext_lazy("Recorded as not solvable yet; you will be reminded before the next reply."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("Cannot be solved yet"),
            gettext_lazy("Save"),
            statuses=(Status.PROCESSING,),
        ),
        Action(
            "reply-again",
            forms.ReplyAgainForm,
            services.complaint_reply_again,
            gettext_lazy("The reply was recorded and the next one fixed."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("Reply again and fix the next reply"),
            gettext_lazy("Save"),
            statuses=(Status.UNSOLVABLE,),
        ),
        Action(
            "take-up",
            forms.RequiredNoteForm,
            services.complaint_take_up,
            gettext_lazy("The complaint is being handled again."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("Take it up again"),
            gettext_lazy("Save"),
            statuses=(Status.UNSOLVABLE,),
        ),
        Action(
            "sign-off",
            forms.NoteForm,
            services.complaint_sign_off,
            gettext_lazy("Signed off; the handler will put the solution to the owner."),
            Perm.SIGN_OFF_COMPLAINT,
            gettext_lazy("Sign off the result"),
            gettext_lazy("Sign off"),
            statuses=(Status.RESOLVED,),
        ),
        Action(
            "send-back",
            forms.SendBackForm,
            services.complaint_send_back,
            gettext_lazy("The result was sent back."),
            Perm.SIGN_OFF_COMPLAINT,
            gettext_lazy("Send the result back"),
            gettext_lazy("Send back"),
            statuses=(Status.RESOLVED,),
        ),
        Action(
            "accept",
            forms.NoteForm,
            services.complaint_owner_accepts,
            gettext_lazy("The owner accepts; the call-back is planned."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("The owner accepts"),
            gettext_lazy("Save"),
            statuses=(Status.SIGNED_OFF,),
        ),
        Action(
            "reject",
            forms.RejectForm,
            services.complaint_owner_rejects,
            gettext_lazy("The owner rejects; the new plan is recorded."),
            Perm.HANDLE_COMPLAINT,
            gettext_lazy("The owner rejects: new plan"),
            gettext_lazy("Save"),
            statuses=(Status.SIGNED_OFF,),
        ),
        Action(
            "callback",
            forms.CallbackForm,
            services.callback_record,
            gettext_lazy("The call-back was recorded."),
            Perm.CALL_BACK,
            gettext_lazy("Record the call-back"),
            gettext_lazy("Save"),
            needs_complaint=True,
            on_callback=True,
            statuses=(Status.ACCEPTED,),
        ),
        Action(
            "unreachable",
            forms.UnreachableForm,
            services.callback_unreachable,
            gettext_lazy("The failed attempt was recorded."),
            Perm.CALL_BACK,
            gettext_lazy("Owner could not be reached"),
            gettext_lazy("Save"),
            on_callback=True,
            statuses=(Status.ACCEPTED,),
        ),
        Action(
            "reschedule",
            forms.RescheduleForm,
            services.callback_reschedule,
            gettext_lazy("The call-back time was changed."),
            Perm.CALL_BACK,
            gettext_lazy("Change the call-back time"),
            gettext_lazy("Save"),
            on_callback=True,
        ),
    ]
}


def _may(action: Action, complaint: Complaint, user, callbacks) -> bool:
    """Whether the detail page offers the step (the service decides again when it is posted)."""
    if action.statuses and complaint.status not in action.statuses:
        return False
    checks = {
        "respond": lambda: (
            not complaint.first_response_at
            and complaint.status != Status.CLOSED
            and (services.may_handle(complaint, user) or user.has_perm(Perm.REGISTER_COMPLAINT, complaint))
        ),
        "work-order": lambda: services.may_issue_order(complaint, user),
        "result": lambda: services.may_report_result(complaint, user),
        "sign-off": lambda: services.may_sign_off(complaint, user),
        "send-back": lambda: services.may_sign_off(complaint, user),
    }
    if action.on_callback:
        planned = any(c.status == Callback.Status.PLANNED for c in callbacks)
        return planned and services.may_call_back(complaint, user)
    return checks.get(action.name, lambda: services.may_handle(complaint, user))()


def _form(action: Action, complaint: Complaint, data=None):
    kwargs = {"complaint": complaint} if action.needs_complaint else {}
    return action.form(data, prefix=action.name, **kwargs)


def _detail(request, complaint, *, status=200, bound=None):
    work_orders = selectors.complaint_work_orders(complaint=complaint)
    events = selectors.complaint_timeline(complaint=complaint, work_orders=work_orders)
    callbacks = selectors.complaint_callbacks(complaint=complaint)
    actions = []
    for action in ACTIONS.values():
        if _may(action, complaint, request.user, callbacks):
            form = bound if bound is not None and bound.prefix == action.name else _form(action, complaint)
            actions.append({"action": action, "form": form})
    ctx = {
        "complaint": complaint,
        "events": events,
        "work_orders": work_orders,
        "callbacks": callbacks,
        "planned_callback": next((c for c in callbacks if c.status == Callback.Status.PLANNED), None),
        "deadlines": deadline_list_for_case(case=complaint),
        "clears": selectors.five_clears(complaint=complaint, events=events, work_orders=work_orders),
        "handler_roles": selectors.handler_role_labels(complaint),
        "pauses": list(complaint.pauses.all()),
        "actions": actions,
        "open_action": bound.prefix if bound is not None else "",
        "Status": Status,
    }
    return render(request, "complaints/detail.html", ctx, status=status)


@login_required
@permission_required(Perm.VIEW_COMPLAINTS, raise_exception=True)
@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.complaint_get_for_user(user=request.user, pk=pk))


def _act(request, pk: int, action: Action) -> HttpResponse:
    """The shared shape of a detail-page step: validate, call one service, PRG or re-render."""
    complaint = selectors.complaint_get_for_user(user=request.user, pk=pk)
    form = _form(action, complaint, request.POST)
    if form.is_valid():
        target = {"complaint_id": complaint.pk}
        if action.on_callback:
            callback = get_object_or_404(Callback, complaint=complaint, status=Callback.Status.PLANNED)
            target = {"callback_id": callback.pk}
        try:
            action.service(**target, by=request.user, **form.cleaned_data)
        except services.ComplaintError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, str(action.success))
            return redirect(complaint)
    return _detail(request, complaint, status=400, bound=form)


def action_view(action: Action):
    @login_required
    @permission_required(action.perm, raise_exception=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, action)

    view.__name__ = f"complaint_{action.name.replace('-', '_')}"
    return view


# -- monthly statistics (R-CMP-9, R-CB-5) ----------------------------------------------------------


def _report_request(request):
    """The month and the communities asked for, limited to where the user may read statistics."""
    allowed = [c for c in request.workplace.communities if request.user.has_perm(Perm.VIEW_STATISTICS, c)]
    if not allowed:
        raise PermissionDenied
    form = forms.ReportForm(request.GET or None, communities=allowed)
    data = form.cleaned_data if form.is_valid() else {}
    month = reports.Month.of(data["month"]) if data.get("month") else reports.Month.current().previous
    chosen = list(data.get("communities") or [])
    if not chosen:
        current = request.workplace.current
        chosen = [current] if current in allowed else allowed
    scope = selectors.complaint_visible_to(request.user).filter(community__in=[c.pk for c in chosen])
    return form, month, chosen, scope


@login_required
@permission_required(Perm.VIEW_STATISTICS, raise_exception=True)
@require_GET
def monthly_report(request: HttpRequest) -> HttpResponse:
    form, month, chosen, scope = _report_request(request)
    report = reports.monthly_report(scope=scope, month=month, communities=[c.pk for c in chosen])
    ctx = {
        "form": form,
        "report": report,
        "communities": chosen,
        "drill": _drill_query(month, chosen),
        "key_links": _key_links(month, chosen),
    }
    return render(request, "complaints/report.html", ctx)


def _drill_query(month, communities) -> str:
    """The complaint-list query string that counts the same complaints as the report."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["month"] = str(month)
    query.setlist("community", [str(c.pk) for c in communities])
    return query.urlencode()


def _key_links(month, communities) -> dict[str, str]:
    """The list behind each key figure (the rates link to the valid complaints they are read from)."""
    from django.http import QueryDict

    places = QueryDict(mutable=True)
    places.setlist("community", [str(c.pk) for c in communities])
    received = _drill_query(month, communities)
    return {
        "total": received,
        "valid": f"{received}&validity=valid",
        "invalid": f"{received}&validity=invalid",
        "resolve_rate": f"{received}&validity=valid&severity=general",
        "first_response_rate": received,
        "open_at_end": f"{places.urlencode()}&open_at={month}",
        "overdue_at_end": f"{places.urlencode()}&overdue_at={month}",
        "median_hours": f"{received}&validity=valid",
        "mean_hours": f"{received}&validity=valid",
        "paused": f"{received}&paused=on",
        "reopened": f"{received}&reopened=on",
    }


@login_required
@permission_required(Perm.VIEW_STATISTICS, raise_exception=True)
@require_GET
def monthly_report_export(request: HttpRequest) -> HttpResponse:
    _form, month, chosen, scope = _report_request(request)
    report = reports.monthly_report(scope=scope, month=month, communities=[c.pk for c in chosen])
    return exports.report_response(report, communities=chosen)


@login_required
@permission_required(Perm.VIEW_STATISTICS, raise_exception=True)
@require_GET
def report_archive(request: HttpRequest) -> HttpResponse:
    """The reports built on the 1st of each month, newest first."""
    readable = [c.pk for c in request.workplace.communities if request.user.has_perm(Perm.VIEW_STATISTICS, c)]
    allowed = Q(community__in=readable)
    if request.user.has_perm(Perm.VIEW_STATISTICS) and community_scope(request.user) is ALL:
        allowed |= Q(community__isnull=True)  # the company's files (_may_read)
    rows = MonthlyReport.objects.visible_to(request.user).filter(allowed).select_related("community")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/report_archive.html", {"page": page})


def _may_read(user, report: MonthlyReport) -> bool:
    if report.community_id is None:  # the company's: company-level staff with the permission
        return user.has_perm(Perm.VIEW_STATISTICS) and community_scope(user) is ALL
    return user.has_perm(Perm.VIEW_STATISTICS, report.community)


@login_required
@permission_required(Perm.VIEW_STATISTICS, raise_exception=True)
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(MonthlyReport.objects.visible_to(request.user), pk=pk)
    if not _may_read(request.user, report):
        raise Http404
    return FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1]
    )


@login_required
@permission_required(Perm.VIEW_STATISTICS, raise_exception=True)
@require_GET
def callback_report(request: HttpRequest) -> HttpResponse:
    """R-CB-5: the month's call-backs per community, for the leadership."""
    form, month, chosen, scope = _report_request(request)
    ids = [c.pk for c in chosen]
    total, rows = reports.callback_statistics(scope=scope, month=month, communities=ids)
    ctx = {
        "form": form,
        "month": month,
        "communities": chosen,
        "rows": rows,
        "total": total,
    }
    return render(request, "complaints/callback_report.html", ctx)
