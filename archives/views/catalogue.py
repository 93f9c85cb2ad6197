"""The catalogue (业户档案目录, R-ARC-2): by building, entrance, floor and room; printable and
exported to Excel. No phone number appears (DESIGN.md "Privacy")."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from archives import catalogue as selectors
from archives import exports
from propsvc.roles import Perm

PAGE_SIZE = 100  # on screen; the print view of one building lists all of it (1,000+ units)


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters (GET).

    The community is the header's current one unless the page names another the user may see;
    the buildings offered are those of that community. An id the user may not see is not a
    choice, so the form is invalid and the page falls back to the header's community.

    It lives here rather than in archives/forms.py only because that module was being changed
    by someone else when the catalogue was built; move it there at the next pass.
    """

    community = forms.TypedChoiceField(label=gettext_lazy("Community"), coerce=int, required=False)
    building = forms.TypedChoiceField(label=gettext_lazy("Building"), coerce=int, required=False)
    entrance = forms.IntegerField(label=gettext_lazy("Entrance"), required=False, min_value=1, max_value=99)
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Room or owner name"), "type": "search", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, user, communities, current, **kwargs):
        super().__init__(*args, **kwargs)
        self._communities = {c.pk: c for c in communities}
        self._header = [current.pk] if current else None  # None: every visible community
        # The select shows what the table shows: the header's community, or "all" when the header
        # is on all communities.
        field = self.fields["community"]
        field.choices = [*([] if current else [("", _("All"))]), *((c.pk, c.name) for c in communities)]
        self.initial.setdefault("community", current.pk if current else "")
        if self.is_bound and current and not self.data.get("community"):
            self.data = self.data.copy()  # a bound select ignores `initial`
            self.data["community"] = str(current.pk)
        if len(communities) < 2:
            field.widget = forms.HiddenInput()
        raw = str(self.data.get("community", ""))
        chosen = int(raw) if raw.isdigit() and int(raw) in self._communities else None
        self.scope = [chosen] if chosen else self._header
        buildings = selectors.catalogue_building_choices(user=user, communities=self.scope)
        self.fields["building"].choices = [("", _("All")), *buildings]
        if self.data.get("building") and self.data["building"] not in {str(pk) for pk, _label in buildings}:
            # A building of another community (the community was just changed in the select, or
            # an id typed by hand): start again from every building of the chosen community.
            self.data = self.data.copy()
            self.data.pop("building")
        for name in ("community", "building"):
            if not self.fields[name].widget.is_hidden:
                self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> selectors.CatalogueFilter:
        if not self.is_bound or not self.is_valid():
            return selectors.CatalogueFilter(communities=self._header)
        data = self.cleaned_data
        return selectors.CatalogueFilter(
            communities=self.scope,
            building=data.get("building"),
            entrance=data.get("entrance"),
            q=data.get("q", ""),
        )

    def heading(self, filters: selectors.CatalogueFilter) -> list[str]:
        """What the printed and exported catalogue is of: the community (or the communities) and,
        when one is chosen, the building."""
        ids = filters.communities if filters.communities is not None else list(self._communities)
        parts = ["、".join(self._communities[pk].name for pk in ids if pk in self._communities)]
        if filters.building:
            parts.append(dict(self.fields["building"].choices).get(filters.building, ""))
        return [part for part in parts if part]


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
    page = Paginator(selectors.catalogue_rows(user=request.user, filters=filters), PAGE_SIZE)
    ctx |= {"page": page.get_page(request.GET.get("page")), "filters": filters}
    template = "archives/catalogue.html#results" if request.htmx else "archives/catalogue.html"
    return render(request, template, ctx)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def catalogue_export(request: HttpRequest) -> HttpResponse:
    """The filtered catalogue (every page of it) as an Excel file."""
    form = _form(request)
    filters = form.filters()
    rows = selectors.catalogue_rows_for_export(user=request.user, filters=filters)
    return exports.catalogue_response(rows, heading=form.heading(filters))
