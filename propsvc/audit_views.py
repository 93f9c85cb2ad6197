"""The audit trail for managers (审计日志, /audit/, issue 11): every sensitive action, who, when, what,
from where, with filters, pages and Excel. Nothing here changes an entry: there is no way to.

Who reads what: `propsvc.view_audit_trail` (propsvc.roles). A CS center manager reads the entries of
the communities where they hold it; leadership, the administrator and superusers read every entry,
company-level ones (logins, company roles, retention sweeps) included. The header's community narrows
the list as on every other page.
"""

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from propsvc import audit
from propsvc.export_jobs import export_respond, params_of
from propsvc.forms import COMPANY_CHOICE, AuditFilterForm
from propsvc.pagination import KeysFirstPaginator
from propsvc.roles import Perm
from propsvc.selectors import audit_entry_list, audit_reads_company

PAGE_SIZE = 50


def _staff_ids(typed: str) -> list[int]:
    """The accounts whose login name or full name (张三, or "first last") is what was typed."""
    users = get_user_model().objects.alias(
        joined=Concat("last_name", "first_name"), spaced=Concat("first_name", Value(" "), "last_name")
    )
    match = Q(username__iexact=typed) | Q(joined=typed) | Q(spaced=typed)
    return list(users.filter(match).values_list("pk", flat=True)[:20])


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, audit.AuditFilter]:
    """The form, and the filters resolved from where the user holds the permission (within the header's
    community)."""
    company = audit_reads_company(request.user)
    workplace = request.workplace
    if company:
        readable = workplace.communities
    else:
        readable = [c for c in workplace.communities if request.user.has_perm(Perm.VIEW_AUDIT_TRAIL, c)]
    current = workplace.current_ids
    if company and len(readable) <= 1:
        current = None  # one community only: the header cannot say "all", and nothing is hidden
    shown = [c for c in readable if current is None or c.pk in current]
    form = AuditFilterForm(
        request.GET or None, kind_choices=audit.kind_choices(), communities=shown, company=company
    )
    # A field that does not validate (a community not offered, a bad address) is left out of
    # cleaned_data; the others still filter.
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if company and current is None:
        filters = audit.AuditFilter(communities=None, company_level=True)
    else:
        filters = audit.AuditFilter(communities=[c.pk for c in shown], company_level=False)
    chosen = data.get("community", "")
    if chosen == COMPANY_CHOICE and company:
        filters = replace(filters, communities=[], company_level=True)
    elif chosen and chosen in {str(c.pk) for c in shown}:
        filters = replace(filters, communities=[int(chosen)], company_level=False)
    staff = data.get("staff", "").strip()
    filters = replace(
        filters,
        kind=data.get("kind", ""),
        staff_ids=_staff_ids(staff) if staff else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        address=data.get("address", ""),
    )
    return form, filters


def _rows(request: HttpRequest, filters: audit.AuditFilter):
    return audit_entry_list(
        user=request.user,
        communities=filters.communities,
        company_level=filters.company_level,
        kind=filters.kind,
        staff_ids=filters.staff_ids,
        date_from=filters.date_from,
        date_to=filters.date_to,
        address=filters.address,
    )


@login_required
@permission_required(Perm.VIEW_AUDIT_TRAIL, raise_exception=True)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = KeysFirstPaginator(_rows(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    audit.describe(page.object_list)
    return render(request, "propsvc/audit_list.html", {"form": form, "page": page})


@login_required
@permission_required(Perm.VIEW_AUDIT_TRAIL, raise_exception=True)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered trail as Excel: at once when small, else a background job. Itself an audit entry."""
    _form, filters = _filters(request)
    rows = _rows(request, filters)
    return export_respond(
        request,
        kind="audit_trail",
        params=params_of(filters),
        count=rows.count(),
        inline=lambda: audit.audit_response(rows),
    )
