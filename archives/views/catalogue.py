"""The catalogue (业户档案目录, R-ARC-2): by building, entrance, floor and room; printable and
exported to Excel. No phone number appears (DESIGN.md "Privacy")."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from archives import catalogue as selectors
from archives import exports
from archives.forms import CatalogueFilterForm
from propsvc.export_jobs import export_respond, params_of
from propsvc.pagination import KeysFirstPaginator
from propsvc.roles import Perm

PAGE_SIZE = 100  # on screen; the print view of one building lists all of it (1,000+ units)


def _form(request: HttpRequest) -> CatalogueFilterForm:
    return CatalogueFilterForm(
        request.GET or None,
        user=request.user,
        communities=request.workplace.communities,
        current=request.workplace.current,
    )


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue, 100 lines a page; `?building=…&print=1` is the printed catalogue of one
    building, every unit of it on one page."""
    form = _form(request)
    filters = form.filters()
    ctx = {"form": form, "heading": form.heading(filters), "today": timezone.localdate()}
    if filters.building and request.GET.get("print") == "1":
        building, rows = selectors.catalogue_for_building(user=request.user, building_id=filters.building)
        return render(request, "archives/catalogue.html", {**ctx, "building": building, "rows": rows})
    page = KeysFirstPaginator(selectors.catalogue_rows(user=request.user, filters=filters), PAGE_SIZE)
    ctx |= {"page": page.get_page(request.GET.get("page")), "filters": filters}
    template = "archives/catalogue.html#results" if request.htmx else "archives/catalogue.html"
    return render(request, template, ctx)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def catalogue_export(request: HttpRequest) -> HttpResponse:
    """The filtered catalogue (every page of it) as an Excel file: at once when small, else a
    background job (propsvc.export_jobs)."""
    form = _form(request)
    filters = form.filters()
    heading = form.heading(filters)
    return export_respond(
        request,
        kind="catalogue",
        params=params_of(filters, heading=heading),
        count=selectors.catalogue_rows(user=request.user, filters=filters).count(),
        inline=lambda: exports.catalogue_response(
            selectors.catalogue_rows_for_export(user=request.user, filters=filters), heading=heading
        ),
    )
