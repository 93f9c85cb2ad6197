"""Register pages: home, community → buildings → floors → units, unit page, search."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import selectors, services
from archives.forms import OwnershipTransferForm, UnitSearchForm, UnitUseForm
from propsvc.roles import Perm
from propsvc.selectors import deadline_list_open_for_user

TODO_LIMIT = 30


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    communities = selectors.community_list_with_occupancy(user=request.user)
    todo = deadline_list_open_for_user(user=request.user)[:TODO_LIMIT]  # soonest first
    ctx = {"communities": communities, "search_form": UnitSearchForm(), "todo": todo}
    return render(request, "archives/home.html", ctx)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def community(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.community_get_for_user(user=request.user, pk=pk)
    buildings = selectors.building_list_for_community(community=obj)
    return render(request, "archives/community.html", {"community": obj, "buildings": buildings})


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def building(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.building_get_for_user(user=request.user, pk=pk)
    units = list(selectors.unit_list_for_building(building=obj))
    entrances = sorted({u.entrance for u in units})
    floors = [
        (floor, {e: [u for u in group if u.entrance == e] for e in entrances})
        for floor, group in ((f, list(g)) for f, g in groupby(units, key=lambda u: u.floor))
    ]
    ctx = {"building": obj, "floors": floors, "entrances": entrances, "unit_count": len(units)}
    return render(request, "archives/building.html", ctx)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.unit_get_for_user(user=request.user, pk=pk)
    ctx = {
        "unit": obj,
        "ownerships": selectors.ownership_list_for_unit(unit=obj),
        "events": selectors.unit_event_list(unit=obj),
        "use_form": UnitUseForm(initial={"use": obj.use}),
        "can_change_use": request.user.has_perm(Perm.CHANGE_UNIT, obj),
        "can_transfer": request.user.has_perm(Perm.TRANSFER_OWNERSHIP, obj),
    }
    return render(request, "archives/unit.html", ctx)


@login_required
@permission_required(Perm.CHANGE_UNIT, raise_exception=True)
@require_POST
def unit_use(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.unit_get_for_user(user=request.user, pk=pk)
    form = UnitUseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed uses of the unit."))
        return redirect(obj)
    try:
        services.unit_change_use(unit_id=obj.pk, by=request.user, **form.cleaned_data)
        messages.success(request, _("The use of the unit was updated."))
    except services.ArchiveError as exc:
        messages.error(request, str(exc))
    return redirect(obj)


@login_required
@permission_required(Perm.TRANSFER_OWNERSHIP, raise_exception=True)
@require_http_methods(["GET", "POST"])
def unit_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.unit_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm(Perm.TRANSFER_OWNERSHIP, obj):
        raise PermissionDenied
    form = OwnershipTransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ownership_transfer(
                unit_id=obj.pk,
                by=request.user,
                owners=form.owners(),
                start_date=form.cleaned_data["start_date"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, _("The change of owner was recorded; the previous owner is kept in the history.")
            )
            return redirect(obj)
        except services.ArchiveError as exc:
            form.add_error(None, str(exc))
    ctx = {"unit": obj, "form": form, "current": obj.ownerships.current().select_related("owner")}
    return render(request, "archives/unit_transfer.html", ctx)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def unit_search(request: HttpRequest) -> HttpResponse:
    form = UnitSearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    units = selectors.unit_search(user=request.user, text=text, communities=request.workplace.current_ids)
    ctx = {"form": form, "units": units, "text": text, "limit": selectors.SEARCH_LIMIT}
    template = "archives/search.html#results" if request.htmx else "archives/search.html"
    return render(request, template, ctx)
