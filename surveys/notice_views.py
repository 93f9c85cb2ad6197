"""Bulletin-board notice pages (R-COM-2): the list, one notice, the draft form, publish and withdraw,
the A4 print page and the fee accounts of each community.

Every staff member of a community reads its notices (VIEW_REGISTER, which every staff role holds);
the customer-service line and the property supervisor write, publish and withdraw them
(PUBLISH_NOTICE). Another community's notice is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propsvc.roles import Perm
from surveys import notice_forms as forms
from surveys import notices
from surveys.models import Notice
from surveys.services import SurveyError

PAGE_SIZE = 25


def _communities_with(request, perm: str):
    """The communities of the header (the current one, or all of the user's) where perm is held."""
    communities = [c for c in request.workplace.communities if request.user.has_perm(perm, c)]
    current = request.workplace.current
    return [current] if current in communities else communities


def _notice(request, pk: int) -> Notice:
    notice = notices.notice_get_for_user(user=request.user, pk=pk)
    if not notices.may_read(request.user, notice):
        raise PermissionDenied
    return notice


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    allowed = _communities_with(request, Perm.VIEW_REGISTER)
    ids = [c.pk for c in allowed]
    form = forms.NoticeFilterForm(request.GET or None, communities=allowed)
    data = form.cleaned_data if form.is_valid() else {}
    chosen = data.get("community")
    filters = notices.NoticeFilter(
        communities=[chosen.pk] if chosen else ids,
        kind=data.get("kind", ""),
        status=data.get("status", ""),
        month=data.get("month"),
    )
    page = Paginator(notices.notice_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "surveys/notices/list.html#results" if request.htmx else "surveys/notices/list.html"
    may_write = bool(_communities_with(request, Perm.PUBLISH_NOTICE))
    return render(request, template, {"form": form, "page": page, "may_write": may_write})


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    may_publish = notices.may_publish(request.user, notice) and notice.kind != Notice.Kind.SURVEY_RESULT
    ctx = {
        "notice": notice,
        "heading": notices.heading(notice),
        "may_publish": may_publish,
        "can_publish": may_publish and notices.can_become(notice, Notice.Status.PUBLISHED),
        "can_withdraw": may_publish and notices.can_become(notice, Notice.Status.WITHDRAWN),
        "withdraw_form": forms.WithdrawForm(),
        "Kind": Notice.Kind,
    }
    return render(request, "surveys/notices/detail.html", ctx)


@login_required
@permission_required(Perm.PUBLISH_NOTICE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    communities = _communities_with(request, Perm.PUBLISH_NOTICE)
    if not communities:
        raise PermissionDenied
    form = forms.NoticeForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            notice = notices.notice_create(by=request.user, **form.service_fields())
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            text = _("Draft %(number)s saved. Print it, put it up, then mark it published.")
            messages.success(request, text % {"number": notice.number})
            return redirect(notice)
    ctx = {"form": form, "notice": None}
    return render(request, "surveys/notices/form.html", ctx, status=400 if form.is_bound else 200)


@login_required
@permission_required(Perm.PUBLISH_NOTICE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if not notices.may_publish(request.user, notice):
        raise PermissionDenied
    if notice.status != Notice.Status.DRAFT or notice.kind == Notice.Kind.SURVEY_RESULT:
        messages.error(request, _("Only a draft written here can be changed."))
        return redirect(notice)
    form = forms.NoticeForm(request.POST or None, communities=[notice.community], notice=notice)
    if request.method == "POST" and form.is_valid():
        try:
            notices.notice_update(notice_id=notice.pk, by=request.user, **form.service_fields())
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": notice.number})
            return redirect(notice)
    ctx = {"form": form, "notice": notice}
    return render(request, "surveys/notices/form.html", ctx, status=400 if form.is_bound else 200)


def _step(request, pk: int, call, success: str) -> HttpResponse:
    """The shared shape of a notice action: one service call, PRG with a message."""
    notice = _notice(request, pk)  # 404 outside the user's communities
    try:
        call(notice)
    except SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(notice)


@login_required
@permission_required(Perm.PUBLISH_NOTICE, raise_exception=True)
@require_POST
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request, pk,
        lambda n: notices.notice_publish(notice_id=n.pk, by=request.user),
        _("The notice is marked as published on the bulletin board."),
    )  # fmt: skip


@login_required
@permission_required(Perm.PUBLISH_NOTICE, raise_exception=True)
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_notice(request, pk))
    return _step(
        request, pk,
        lambda n: notices.notice_withdraw(notice_id=n.pk, by=request.user, **form.cleaned_data),
        _("The notice was withdrawn; it stays in the history."),
    )  # fmt: skip


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice on A4, ready for the browser's print (R-COM-2); a draft prints marked as one."""
    notice = _notice(request, pk)
    ctx = {
        "notice": notice,
        "heading": notices.heading(notice),
        "company": settings.PROPSVC_COMPANY_NAME,
        "Kind": Notice.Kind,
        "Status": Notice.Status,
    }
    return render(request, "surveys/notices/print.html", ctx)


@login_required
@permission_required(Perm.VIEW_REGISTER, raise_exception=True)
@require_GET
def fee_accounts(request: HttpRequest) -> HttpResponse:
    """R-COM-2: per community, the last fee-account publication and when the next one is due."""
    communities = _communities_with(request, Perm.VIEW_REGISTER)
    lines = notices.fee_account_overview(user=request.user, communities=[c.pk for c in communities])
    may_write = bool(_communities_with(request, Perm.PUBLISH_NOTICE))
    return render(request, "surveys/notices/fee_accounts.html", {"lines": lines, "may_write": may_write})
