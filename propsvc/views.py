"""Core pages: notification centre, community switcher, health check, working-day calendar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propsvc import selectors, services, workdays
from propsvc.calendar import calendar_year_enter, calendar_year_enterable
from propsvc.concurrency import version_of
from propsvc.forms import CalendarYearForm
from propsvc.health import broker_state
from propsvc.roles import Perm
from propsvc.workdays import CalendarError


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notification_list_for_user(user=request.user, unread_only=unread_only)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    # None for staff who receive no escalations: they get no preference form.
    escalation_digest = selectors.staff_escalation_digest(user=request.user)
    ctx = {"page": page, "unread_only": unread_only, "escalation_digest": escalation_digest}
    return render(request, "propsvc/notifications.html", ctx)


@login_required
@require_POST
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Escalations one by one, or once an hour in one digest (supervisors and managers only)."""
    if not selectors.staff_may_choose_digest(user=request.user):
        raise PermissionDenied
    choice = request.POST.get("escalation_digest")
    if choice not in {"0", "1"}:
        messages.error(request, _("Choose how overdue escalations should reach you."))
        return redirect("notifications")
    try:
        services.staff_preference_set(user=request.user, escalation_digest=choice == "1")
    except services.NotificationError as exc:
        raise PermissionDenied(str(exc)) from None
    messages.success(request, _("Your notification preference has been saved."))
    return redirect("notifications")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except services.NotificationError:
        raise Http404 from None
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications")


@login_required
@require_GET
@never_cache
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The header's unread badge, refreshed by htmx every minute."""
    return render(request, "propsvc/_bell.html")


@login_required
@require_POST
def community_switch(request: HttpRequest) -> HttpResponse:
    if not request.workplace.choose(request.POST.get("community", "")):
        messages.error(request, _("You do not work in that community."))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)  # a URL, never a view name: redirect("0") would look it up


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database out of reach is a 503 with its own page (templates/503.html: plain
    HTML, no context processors, so it renders without the database) and Retry-After; any other
    error the usual 500.html. Never a traceback (DEBUG=false)."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.template import loader

    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "60"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker state; 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception as exc:
        database = f"error: {exc.__class__.__name__}"
    broker = broker_state()
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "down", "database": database, "broker": broker}, status=status
    )


# -- the working-day calendar (propsvc/workdays.py, propsvc/calendar.py) ---------------------------


@login_required
@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    """Every known year with its counts and who entered it; this and next year flagged if missing."""
    years = list(workdays.calendar_year_list())
    missing = workdays.calendar_years_missing(known={y.year for y in years})
    return render(request, "propsvc/calendar_list.html", {"years": years, "missing": missing})


@login_required
@require_GET
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    """One year: twelve month grids with the public holidays and adjusted workdays marked."""
    calendar_year = workdays.calendar_year_get(year=year)
    months, days = workdays.calendar_year_grid(calendar_year=calendar_year)
    ctx = {"calendar_year": calendar_year, "months": months, "days": days}
    return render(request, "propsvc/calendar_year.html", ctx)


@login_required
@permission_required(Perm.MANAGE_CALENDAR, raise_exception=True)
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, year: int) -> HttpResponse:
    """Type or paste one year's official schedule; nothing is written unless every line is right."""
    if not calendar_year_enterable(year):
        raise Http404
    initial = workdays.calendar_year_lines(year=year)
    version = version_of(workdays.calendar_year_known(year=year), field="entered_at")
    form = CalendarYearForm(request.POST or None, year=year, initial=initial, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_year_enter(by=request.user, year=year, **form.cleaned_data)
        except CalendarError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The working-day calendar for %(year)d has been saved.") % {"year": year}
            )
            return redirect("calendar-year", year=year)
    ctx = {"form": form, "year": year, "known": workdays.calendar_year_known(year=year)}
    return render(request, "propsvc/calendar_edit.html", ctx)
