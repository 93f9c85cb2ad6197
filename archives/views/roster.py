"""The roster import (业户信息导入): the upload page and the template download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives import roster as service
from archives.forms import RosterImportForm
from propsvc.exports import XLSX
from propsvc.models import Community
from propsvc.roles import Perm

ISSUES_SHOWN = 500  # a whole file of bad rows would be a page nobody reads; the count says the rest


def _allowed(request: HttpRequest) -> list[Community]:
    """The communities of the header where the user holds the import permission."""
    allowed = [c for c in request.workplace.communities if request.user.has_perm(Perm.IMPORT_ROSTER, c)]
    if not allowed:
        raise PermissionDenied
    return allowed


def _initial(request: HttpRequest, allowed: list[Community]) -> Community:
    """?community= (the link on a community page), else the header's current community."""
    wanted = request.GET.get("community") or getattr(request.workplace.current, "pk", None)
    return next((c for c in allowed if str(c.pk) == str(wanted)), allowed[0])


@login_required
@permission_required(Perm.IMPORT_ROSTER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    allowed = _allowed(request)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = RosterImportForm(
        data, files, communities=allowed, initial={"community": _initial(request, allowed)}
    )
    if data is not None and form.has_error("community", "invalid_choice"):
        raise Http404  # a community that is not one of the user's: as any other community's object
    issues = []
    if data is not None and form.is_valid():
        community = form.cleaned_data["community"]
        try:
            result = service.roster_import(
                community=community, by=request.user, file=form.cleaned_data["file"]
            )
        except service.RosterError as exc:
            issues = exc.issues
        else:
            messages.success(request, _success(result))
            return redirect(community)
    ctx = {"form": form, "issues": issues[:ISSUES_SHOWN], "issue_count": len(issues)}
    ctx |= {"issues_hidden": max(0, len(issues) - ISSUES_SHOWN), "limits": service.limits_text()}
    return render(request, "archives/roster_import.html", ctx, status=400 if data is not None else 200)


def _success(result: service.RosterResult) -> str:
    return _(
        "Roster imported: %(units)d units, %(buildings)d new buildings, %(owners)d new owners "
        "(%(existing)d already registered), %(ownerships)d ownerships."
    ) % {
        "units": result.units,
        "buildings": result.buildings,
        "owners": result.owners,
        "existing": result.owners_existing,
        "ownerships": result.ownerships,
    }


@login_required
@permission_required(Perm.IMPORT_ROSTER, raise_exception=True)
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    filename = _("Roster import template") + ".xlsx"
    return HttpResponse(
        service.roster_template_bytes(),
        content_type=XLSX,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
