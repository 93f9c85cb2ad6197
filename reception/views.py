"""Reception pages: the front-desk entry page, lists, detail with actions, work-order inbox."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.selectors import SEARCH_LIMIT, unit_search
from propsvc.export_jobs import export_respond, params_of
from propsvc.pagination import KeysFirstPaginator
from propsvc.roles import Perm
from propsvc.selectors import deadline_list_for_case
from reception import exports, selectors, services
from reception.forms import (
    NoteForm,
    PendingForm,
    RecordFilterForm,
    RecordForm,
    ReplyOwnerForm,
    RespondForm,
    TransferForm,
    WorkOrderFilterForm,
    WorkOrderResultForm,
)
from reception.models import Kind, ReceptionRecord

PAGE_SIZE = 25


def _desk_communities(request):
    """Where this user may log contacts: the header's community, or all of theirs."""
    communities = [c for c in request.workplace.communities if request.user.has_perm(Perm.LOG_CONTACT, c)]
    current = request.workplace.current
    return [current] if current in communities else communities


@login_required
@permission_required(Perm.LOG_CONTACT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    communities = _desk_communities(request)
    if not communities:
        raise PermissionDenied
    form = RecordForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_log(by=request.user, **_record_fields(form.cleaned_data))
        except services.ReceptionError as exc:
            form.add_error(None, str(exc))
        else:
            link = format_html(
                '<a href="{}" class="alert-link">{}</a>', record.get_absolute_url(), record.number
            )
            text = format_html(_("Saved as {}."), link)
            if record.kind == Kind.COMPLAINT and record.status != ReceptionRecord.Status.CLOSED:
                follow_up = format_html(
                    '<a href="{}" class="alert-link">{}</a>',
                    reverse("complaints:from-record", args=[record.pk]),
                    _("Follow up as a complaint"),
                )
                text = format_html("{} {}", text, follow_up)
            messages.success(request, text, extra_tags="toast")
            return redirect("reception:desk")
    return render(
        request, "reception/desk.html", {"form": form, "unit": form["unit"].value() and _unit(form)}
    )


def _unit(form):
    try:
        return form.fields["unit"].clean(form["unit"].value())
    except Exception:
        return None


def _record_fields(data: dict) -> dict:
    fields = dict(data)
    unit = fields.get("unit")
    if unit is not None and fields["contact_type"] == "owner":
        fields["owner"] = next((o.owner for o in unit.ownerships.current().select_related("owner")), None)
    return fields


@login_required
@permission_required(Perm.LOG_CONTACT, raise_exception=True)
@require_GET
def unit_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: units matching what the receptionist types, for the entry page."""
    text = request.GET.get("unit_query", "")[:50]
    ids = [c.pk for c in _desk_communities(request)]
    chosen = request.GET.get("community", "")
    if chosen.isdigit() and int(chosen) in ids:
        ids = [int(chosen)]
    units = unit_search(user=request.user, text=text, communities=ids)
    ctx = {"units": units, "text": text, "limit": SEARCH_LIMIT}
    return render(request, "archives/_unit_matches.html", ctx)


def _filters(request):
    form = RecordFilterForm(
        request.GET or None,
        staff_queryset=selectors.staff_choices_for(
            user=request.user, communities=request.workplace.current_ids
        ),
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.RecordFilter(
        communities=request.workplace.current_ids,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        channel=data.get("channel", ""),
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        overdue=data.get("overdue", False),
        staff_id=data["staff"].pk if data.get("staff") else None,
        q=data.get("q", ""),
        view=data.get("view", ""),
    )
    return form, filters


@login_required
@permission_required(Perm.VIEW_RECORDS, raise_exception=True)
@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    records = selectors.record_list_for_desk(user=request.user, filters=filters)
    page = KeysFirstPaginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, "view": filters.view}
    template = "reception/list.html#results" if request.htmx else "reception/list.html"
    return render(request, template, ctx)


@login_required
@permission_required(Perm.VIEW_RECORDS, raise_exception=True)
@require_GET
def record_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel: at once when small, else a background job (propsvc.export_jobs)."""
    _form, filters = _filters(request)
    return export_respond(
        request,
        kind="reception",
        params=params_of(filters),
        count=selectors.record_list_for_desk(user=request.user, filters=filters).count(),
        inline=lambda: exports.records_response(
            selectors.record_rows_for_export(user=request.user, filters=filters)
        ),
    )


def _detail(request, record, status=200, **forms):
    can_handle = request.user.has_perm(Perm.HANDLE_RECORD, record)
    ctx = {
        "record": record,
        "events": selectors.record_events(record=record),
        "work_orders": selectors.record_work_orders(record=record),
        "deadlines": deadline_list_for_case(case=record),
        "can_handle": can_handle,
        "can_open_complaint": record.kind == Kind.COMPLAINT
        and record.status in (ReceptionRecord.Status.OPEN, ReceptionRecord.Status.PENDING)
        and can_handle
        and request.user.has_perm(Perm.REGISTER_COMPLAINT, record),
        # Each step's form on the page gets its own ids (they share field names such as "note"),
        # so every label points at its own field.
        "respond_form": forms.get("respond_form") or RespondForm(auto_id="id_respond_%s"),
        "handle_form": forms.get("handle_form") or NoteForm(auto_id="id_handle_%s"),
        "remit_form": forms.get("remit_form") or NoteForm(prefix="remit"),
        "pending_form": forms.get("pending_form") or PendingForm(auto_id="id_pending_%s"),
        "transfer_form": forms.get("transfer_form") or TransferForm(record=record, auto_id="id_transfer_%s"),
        "reply_form": forms.get("reply_form") or ReplyOwnerForm(auto_id="id_reply_%s"),
        "open_action": next((name for name in forms), ""),
        "Status": ReceptionRecord.Status,
    }
    return render(request, "reception/detail.html", ctx, status=status)


@login_required
@permission_required(Perm.VIEW_RECORDS, raise_exception=True)
@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.record_get_for_user(user=request.user, pk=pk))


def _act(request, pk, *, form_class, form_name, service, success, form_kwargs=None, prefix=None):
    """The shared shape of a detail-page action: validate, call one service, PRG or re-render."""
    record = selectors.record_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm(Perm.HANDLE_RECORD, record):
        raise PermissionDenied
    form = form_class(request.POST, prefix=prefix, **(form_kwargs or {}))
    if form.is_valid():
        try:
            service(record_id=record.pk, by=request.user, **form.cleaned_data)
        except services.ReceptionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, success)
            return redirect(record)
    return _detail(request, record, status=400, **{form_name: form})


@login_required
@permission_required(Perm.HANDLE_RECORD, raise_exception=True)
@require_POST
def record_respond(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, form_class=RespondForm, form_name="respond_form", service=services.record_respond,
        success=_("The first response was recorded."),
    )  # fmt: skip


@login_required
@permission_required(Perm.HANDLE_RECORD, raise_exception=True)
@require_POST
def record_handle(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, form_class=NoteForm, form_name="handle_form", service=services.record_handle,
        success=_("Handled on the spot; the record is closed."),
    )  # fmt: skip


@login_required
@permission_required(Perm.HANDLE_RECORD, raise_exception=True)
@require_POST
def record_out_of_remit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, form_class=NoteForm, form_name="remit_form", service=services.record_out_of_remit,
        success=_("Recorded as outside our remit; the record is closed."), prefix="remit",
    )  # fmt: skip


@login_required
@permission_required(Perm.HANDLE_RECORD, raise_exception=True)
@require_POST
def record_pending(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, form_class=PendingForm, form_name="pending_form", service=services.record_set_pending,
        success=_("The promised reply time is recorded; you will be reminded before it."),
    )  # fmt: skip


@login_required
@permission_required(Perm.HANDLE_RECORD, raise_exception=True)
@require_POST
def record_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get_for_user(user=request.user, pk=pk)
    return _act(
        request, pk, form_class=TransferForm, form_name="transfer_form", service=services.record_transfer,
        success=_("The work order was sent to the department."), form_kwargs={"record": record},
    )  # fmt: skip


@login_required
@permission_required(Perm.HANDLE_RECORD, raise_exception=True)
@require_POST
def record_reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, form_class=ReplyOwnerForm, form_name="reply_form", service=services.record_reply_owner,
        success=_("The reply to the owner was recorded; the record is closed."),
    )  # fmt: skip


# -- work orders --------------------------------------------------------------------------------


@login_required
@require_GET
def work_order_list(request: HttpRequest) -> HttpResponse:
    form = WorkOrderFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    orders = selectors.work_order_list_inbox(
        user=request.user, status=status, communities=request.workplace.current_ids
    )
    page = KeysFirstPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reception/work_orders.html", {"form": form, "page": page})


def _work_order_page(request, work_order, status=200, result_form=None):
    ctx = {
        "work_order": work_order,
        "record": work_order.record,
        "deadlines": deadline_list_for_case(case=work_order),
        "events": work_order.events.select_related("actor").order_by("created_at", "pk"),
        "is_member": work_order.department_id in _department_ids(request.user),
        "result_form": result_form or WorkOrderResultForm(),
    }
    return render(request, "reception/work_order.html", ctx, status=status)


def _department_ids(user):
    from propsvc.tenancy import department_ids_of

    return department_ids_of(user)


@login_required
@require_GET
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _work_order_page(request, selectors.work_order_get_for_user(user=request.user, pk=pk))


@login_required
@permission_required(Perm.PROCESS_WORK_ORDER, raise_exception=True)
@require_POST
def work_order_sign(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = selectors.work_order_get_for_user(user=request.user, pk=pk)
    try:
        services.work_order_sign(work_order_id=work_order.pk, by=request.user)
        messages.success(request, _("Signed for. Record the result when the work is done."))
    except services.ReceptionError as exc:
        messages.error(request, str(exc))
    return redirect(work_order)


@login_required
@permission_required(Perm.PROCESS_WORK_ORDER, raise_exception=True)
@require_POST
def work_order_report(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = selectors.work_order_get_for_user(user=request.user, pk=pk)
    form = WorkOrderResultForm(request.POST)
    if form.is_valid():
        try:
            services.work_order_report(work_order_id=work_order.pk, by=request.user, **form.cleaned_data)
        except services.ReceptionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The result was recorded; the front desk has been told."))
            return redirect(work_order)
    return _work_order_page(request, work_order, status=400, result_form=form)
