"""The confidential owner archive (R-ARC-1 … R-ARC-6): its page, documents, the look-ups that open
it and the access log. Outside an open window a unit's archive shows only its catalogue line."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from archives import forms, selectors, services
from archives.exports import AccessLogFilter, access_log_response
from archives.models import AccessLog, ArchiveDocument, LookupRequest, Unit
from propsvc.export_jobs import export_respond, params_of
from propsvc.http import client_address
from propsvc.models import Membership
from propsvc.pagination import KeysFirstPaginator
from propsvc.roles import Perm

PAGE_SIZE = 50


def _owners(unit: Unit) -> list:
    return [o.owner for o in unit.ownerships.current().select_related("owner")]


@dataclass
class Step:
    """One way of writing into the archive inside a window (R-ARC-3): its form and its service."""

    name: str
    form: type
    title: str
    done: str
    owners: bool = True
    files: bool = False


STEPS = {
    s.name: s
    for s in [
        Step("contact", forms.ContactForm, gettext_lazy("Change the contact details"),
             gettext_lazy("Saved.")),
        Step("consent", forms.ConsentForm, gettext_lazy("Record a consent"),
             gettext_lazy("The consent was recorded.")),
        Step("withdraw", forms.WithdrawForm, gettext_lazy("Record that a consent was withdrawn"),
             gettext_lazy("Removed.")),
        Step("family", forms.FamilyForm, gettext_lazy("Add a family member"), gettext_lazy("Added.")),
        Step("emergency", forms.EmergencyForm, gettext_lazy("Add an emergency contact"),
             gettext_lazy("Added.")),
        Step("vehicle", forms.VehicleForm, gettext_lazy("Add a vehicle"), gettext_lazy("Added.")),
        Step("remove", forms.RemoveForm, gettext_lazy("Remove"), gettext_lazy("Removed."), owners=False),
        Step("document", forms.DocumentForm, gettext_lazy("Add a document"),
             gettext_lazy("The document was kept."), owners=False, files=True),
    ]
}  # fmt: skip


def _step_form(step: Step, unit, data=None, files=None):
    kwargs = {"owners": _owners(unit)} if step.owners else {}
    return (
        step.form(data, files, prefix=step.name, **kwargs)
        if step.files
        else step.form(data, prefix=step.name, **kwargs)
    )


def _call(step: Step, *, unit, by, data: dict):
    if step.name == "contact":
        return services.contact_change(unit_id=unit.pk, by=by, **data)
    if step.name == "consent":
        return services.consent_record(unit_id=unit.pk, by=by, **data)
    if step.name == "withdraw":
        return services.consent_withdraw(unit_id=unit.pk, by=by, **data)
    if step.name in ("family", "emergency", "vehicle"):
        group = {"family": "family", "emergency": "emergency", "vehicle": "vehicles"}[step.name]
        return services.personal_row_add(unit_id=unit.pk, by=by, group=group, **data)
    if step.name == "remove":
        return services.personal_row_remove(unit_id=unit.pk, by=by, **data)
    return services.document_add(unit_id=unit.pk, by=by, **data)


def _closed_page(request, unit, *, form=None, status=200):
    """Outside a window: the catalogue line only, and the way to ask for a look-up."""
    mine = LookupRequest.objects.filter(unit=unit, requested_by=request.user).select_related("decided_by")[
        :10
    ]
    ctx = {
        "unit": unit,
        "owners": _owners(unit),
        "form": form or forms.LookupRequestForm(),
        "mine": mine,
        "may_request": request.user.has_perm(Perm.REQUEST_LOOKUP, unit),
        "now": timezone.now(),  # a window past its end reads "expired" before beat closes it
    }
    return render(request, "archives/archive_closed.html", ctx, status=status)


def _open_page(request, unit, window, *, bound=None, status=200):
    may_edit = request.user.has_perm(Perm.EDIT_ARCHIVE, unit)
    steps = []
    if may_edit:
        for step in STEPS.values():
            form = bound if bound is not None and bound.prefix == step.name else _step_form(step, unit)
            steps.append({"step": step, "form": form})
    ctx = {
        "unit": unit,
        "window": window,
        **selectors.archive_contents(unit=unit),
        "may_edit": may_edit,
        "steps": steps,
        "open_step": bound.prefix if bound is not None else "",
    }
    return render(request, "archives/archive.html", ctx, status=status)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's archive: inside the user's open window the whole file (logged, R-ARC-4); outside
    it the catalogue line and the look-up form."""
    unit = selectors.unit_get_for_user(user=request.user, pk=pk)
    window = selectors.lookup_window_for(user=request.user, unit=unit)
    if window is None:
        return _closed_page(request, unit)
    services.access_log_write(
        lookup=window, user=request.user, what=AccessLog.What.PAGE, address=client_address(request)
    )
    return _open_page(request, unit, window)


@login_required
@permission_required(Perm.EDIT_ARCHIVE, raise_exception=True)
@require_POST
def archive_change(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    unit = selectors.unit_get_for_user(user=request.user, pk=pk)
    window = selectors.lookup_window_for(user=request.user, unit=unit)
    if step not in STEPS:
        raise PermissionDenied
    if window is None:
        messages.error(request, _("Open a look-up of this archive first: its contents are confidential."))
        return redirect("archives:archive", pk=unit.pk)
    form = _step_form(STEPS[step], unit, request.POST, request.FILES)
    if form.is_valid():
        try:
            _call(STEPS[step], unit=unit, by=request.user, data=form.cleaned_data)
        except services.ArchiveError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, str(STEPS[step].done))
            return redirect("archives:archive", pk=unit.pk)
    services.access_log_write(
        lookup=window, user=request.user, what=AccessLog.What.PAGE, address=client_address(request)
    )
    return _open_page(request, unit, window, bound=form, status=400)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document of an archive: only inside the user's open window on its unit, and logged."""
    doc = get_object_or_404(ArchiveDocument.objects.visible_to(request.user).select_related("unit"), pk=pk)
    window = selectors.lookup_window_for(user=request.user, unit=doc.unit)
    if window is None:
        raise PermissionDenied(_("Open a look-up of this archive first: its contents are confidential."))
    services.access_log_write(
        lookup=window,
        user=request.user,
        what=AccessLog.What.DOCUMENT,
        document=doc,
        address=client_address(request),
    )
    extension = doc.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=f"{doc.title}.{extension}",
        content_type=doc.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# -- look-ups ------------------------------------------------------------------------------------------


@login_required
@permission_required(Perm.REQUEST_LOOKUP, raise_exception=True)
@require_POST
def lookup_new(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get_for_user(user=request.user, pk=pk)
    form = forms.LookupRequestForm(request.POST)
    if form.is_valid():
        try:
            lookup = services.lookup_request(by=request.user, unit_id=unit.pk, **form.cleaned_data)
        except services.ArchiveError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Look-up %(number)s requested; the CS center manager has been asked to approve it.")
                % {"number": lookup.number},
            )
            return redirect("archives:archive", pk=unit.pk)
    return _closed_page(request, unit, form=form, status=400)


VIEWS = {
    "": gettext_lazy("My look-ups"),
    "approve": gettext_lazy("To approve"),
    "register": gettext_lazy("To register"),
    "open": gettext_lazy("Open now"),
    "all": gettext_lazy("All look-ups"),
}


@login_required
@permission_required(Perm.REQUEST_LOOKUP, raise_exception=True)
@require_GET
def lookups(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "")
    view = view if view in VIEWS else ""
    shown = [("", VIEWS[""]), ("open", VIEWS["open"])]
    if request.user.has_perm(Perm.APPROVE_LOOKUP):
        shown.insert(1, ("approve", VIEWS["approve"]))
    if request.user.has_perm(Perm.REGISTER_LOOKUP):
        shown.insert(1, ("register", VIEWS["register"]))
    if request.user.has_perm(Perm.APPROVE_LOOKUP) or request.user.has_perm(Perm.REGISTER_LOOKUP):
        shown.append(("all", VIEWS["all"]))
    rows = selectors.lookup_list_for_user(
        user=request.user, view=view, communities=request.workplace.current_ids
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"page": page, "view": view, "views": shown, "now": timezone.now()}
    return render(request, "archives/lookups.html", ctx)


ACTIONS = {
    "approve": (Perm.APPROVE_LOOKUP, forms.DecisionForm, services.lookup_approve, gettext_lazy("Approved.")),
    "reject": (Perm.APPROVE_LOOKUP, forms.RejectForm, services.lookup_reject, gettext_lazy("Rejected.")),
    "register": (
        Perm.REGISTER_LOOKUP,
        None,
        services.lookup_register,
        gettext_lazy("Registered: the window is open."),
    ),
    "close": (Perm.REQUEST_LOOKUP, None, services.lookup_close, gettext_lazy("The look-up was ended.")),
}


@login_required
@permission_required(Perm.REQUEST_LOOKUP, raise_exception=True)
@require_POST
def lookup_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    lookup = get_object_or_404(LookupRequest.objects.visible_to(request.user), pk=pk)
    if action not in ACTIONS:
        raise PermissionDenied
    perm, form_class, service, done = ACTIONS[action]
    if not request.user.has_perm(perm, lookup):
        raise PermissionDenied
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(_back(request))
        data = form.cleaned_data
    try:
        service(request_id=lookup.pk, by=request.user, **data)
    except services.ArchiveError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(done))
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/archives/") else "/archives/lookups/"


# -- the access log -----------------------------------------------------------------------------------


def _log_staff(request):
    """The staff the filter may name: the user's colleagues in the communities they see."""
    return get_user_model().objects.filter(
        pk__in=Membership.objects.visible_to(request.user).values("user_id")
    )


def _log_filters(request):
    """The filtered log of the communities where the user holds the permission (within the header's)."""
    allowed = [c.pk for c in request.workplace.communities if request.user.has_perm(Perm.VIEW_ACCESS_LOG, c)]
    current = request.workplace.current_ids
    communities = [pk for pk in allowed if current is None or pk in current]
    staff = _log_staff(request)
    form = forms.AccessLogFilterForm(
        request.GET or None, staff_queryset=staff, suggest_url=reverse("archives:access-log-staff")
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = AccessLogFilter(
        communities=communities,
        staff_id=data["staff"].pk if data.get("staff") else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        unit_text=data.get("unit", ""),
    )
    rows = selectors.access_log_list(
        user=request.user,
        communities=filters.communities,
        staff=filters.staff_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        unit_text=filters.unit_text,
    )
    return form, rows, filters


@login_required
@permission_required(Perm.VIEW_ACCESS_LOG, raise_exception=True)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    form, rows, _filters = _log_filters(request)
    page = KeysFirstPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "archives/access_log.html", {"form": form, "page": page})


@login_required
@permission_required(Perm.VIEW_ACCESS_LOG, raise_exception=True)
@require_GET
def access_log_staff(request: HttpRequest) -> HttpResponse:
    """The staff filter's suggestions as the name is typed (htmx: the datalist's options)."""
    people = forms.staff_suggestions(_log_staff(request), request.GET.get("staff", ""))
    return render(request, "archives/_staff_options.html", {"people": people})


@login_required
@permission_required(Perm.VIEW_ACCESS_LOG, raise_exception=True)
@require_GET
def access_log_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as Excel: at once when small, else a background job (propsvc.export_jobs)."""
    _form, rows, filters = _log_filters(request)
    return export_respond(
        request,
        kind="access_log",
        params=params_of(filters),
        count=rows.count(),
        inline=lambda: access_log_response(rows),
    )
