"""Owners' data rights pages (PIPL; archives.privacy): an owner's personal data (inside the CS center
manager's own look-up window), its export, and anonymising a non-owner's data when no longer needed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives import privacy, selectors, services
from archives.models import AccessLog
from propsvc.exports import XLSX
from propsvc.http import client_address
from propsvc.roles import Perm

# The CS center manager is the one role that approves look-ups (R-ARC-4); the views ask for its
# permission first, and archives.privacy checks the role in the object's own community.
MANAGER = Perm.APPROVE_LOOKUP


def _owner_and_window(request, pk: int, owner_pk: int):
    unit = selectors.unit_get_for_user(user=request.user, pk=pk)
    owner = privacy.owner_of_unit(unit=unit, owner_id=owner_pk)
    if not privacy.is_data_rights_manager(request.user, unit.community_id):
        raise PermissionDenied
    return unit, owner, selectors.lookup_window_for(user=request.user, unit=unit)


@login_required
@permission_required(MANAGER, raise_exception=True)
@require_GET
def owner_privacy(request: HttpRequest, pk: int, owner_pk: int) -> HttpResponse:
    """个人信息: what is held about one owner, its export, where to correct it (the history keeps the
    old values, R-ARC-3), and the removed family members and emergency contacts still held."""
    unit, owner, window = _owner_and_window(request, pk, owner_pk)
    if window is None:
        messages.error(request, _("Open a look-up of this archive first: its contents are confidential."))
        return redirect("archives:archive", pk=unit.pk)
    services.access_log_write(
        lookup=window, user=request.user, what=AccessLog.What.PAGE, address=client_address(request)
    )
    ctx = {"unit": unit, "window": window, **privacy.owner_privacy_page(owner=owner)}
    return render(request, "archives/privacy_owner.html", ctx)


@login_required
@permission_required(MANAGER, raise_exception=True)
@require_GET
def owner_export(request: HttpRequest, pk: int, owner_pk: int) -> HttpResponse:
    """Everything held about the owner as one workbook (logged and audited)."""
    unit, owner, _window = _owner_and_window(request, pk, owner_pk)
    try:
        owner, handle = privacy.owner_export(
            unit_id=unit.pk, owner_id=owner.pk, by=request.user, address=client_address(request)
        )
    except services.ArchiveError as exc:
        messages.error(request, str(exc))
        return redirect("archives:archive", pk=unit.pk)
    filename = f"{_('personal-data')}-{owner.pk}.xlsx"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required(MANAGER, raise_exception=True)
@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    """Non-owners' personal data in the cases (visitors, tenants, complainants, suggestion-box
    contacts), found by phone or name, to anonymise when no longer needed."""
    # PostgreSQL refuses NUL in a query; SQLite a LIKE pattern of some 50 kB. A name or phone is short.
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    found = privacy.contact_search(user=request.user, text=text, communities=request.workplace.current_ids)
    rows = [(c, privacy.contact_kind_label(c.kind)) for c in found]
    return render(request, "archives/privacy_contacts.html", {"q": text, "rows": rows})


@login_required
@permission_required(MANAGER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def contact_anonymise(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET: what will be replaced; POST: anonymise it (one service call, one audit entry)."""
    row = privacy.contact_get_for_user(user=request.user, kind=kind, pk=pk)
    if not privacy.is_data_rights_manager(request.user, row.community_id):
        raise PermissionDenied
    if kind in privacy.ARCHIVE_KINDS and privacy.owner_window(user=request.user, owner=row.owner) is None:
        raise PermissionDenied(_("Open a look-up of this archive first: its contents are confidential."))
    back = request.GET.get("next") or request.POST.get("next") or ""
    back = back if back.startswith("/archives/") else "/archives/privacy/contacts/"
    if request.method == "POST":
        try:
            privacy.contact_anonymise(kind=kind, pk=pk, by=request.user, address=client_address(request))
        except services.ArchiveError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Anonymised. The record and its history are kept."))
        return redirect(back)
    ctx = {
        "kind": kind,
        "label": privacy.contact_kind_label(kind),
        "row": row,
        "held": privacy.contact_held(kind, row),
        "next": back,
    }
    return render(request, "archives/privacy_anonymise.html", ctx)
