import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import resolve_url

from propsvc.http import client_address, current_address_reset, current_address_set
from propsvc.tenancy import Workplace

# The session key of the last real (not polling) request, in seconds since the epoch, stored at most
# once a minute (ACTIVITY_RESOLUTION) so that a page's requests do not each write the session.
LAST_ACTIVITY_KEY = "propsvc_last_activity"
ACTIVITY_RESOLUTION = 60


def session_activity_start(sender, request, user, **kwargs):
    """user_logged_in: the idle clock starts at login."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = time.time()


class ClientAddressMiddleware:
    """Make the request's client address (propsvc.http.client_address) known to the audit trail for
    the request's duration, so a service called by the view records where the action came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_address_set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_address_reset(token)


class CurrentCommunityMiddleware:
    """Attach request.workplace: the user's communities and the one chosen in the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workplace = Workplace(request)
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """End a session after PROPSVC_SESSION_IDLE_SECONDS without real activity (shared front-desk
    computers), where polling does not count as activity.

    A real request stores its time in the session (at most once a minute), which saves the session
    and renews its expiry (SESSION_COOKIE_AGE, the same 30 minutes) and the cookie's. A poll — a view named in
    PROPSVC_POLL_URL_NAMES, the notification bell htmx fetches every minute — writes nothing, so an
    open page left alone still times out: the database row and the cookie expire 30 minutes after
    the last real request, and this middleware logs out a session whose stored time is older (a
    cookie kept past its age, a clock moved). Without SESSION_SAVE_EVERY_REQUEST, which would let
    the bell keep the session alive for ever.

    An htmx request that ends on the login page (the session is gone) gets an HX-Redirect instead,
    so the whole page goes to the login form rather than the bell or a list swapping it in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._htmx_login(request, self.get_response(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > settings.PROPSVC_SESSION_IDLE_SECONDS:
            logout(request)
            return None  # the view sees an anonymous user: login_required sends it to the login page
        match = request.resolver_match
        is_poll = match is not None and match.view_name in settings.PROPSVC_POLL_URL_NAMES
        if not is_poll and (last is None or now - last >= ACTIVITY_RESOLUTION):
            request.session[LAST_ACTIVITY_KEY] = now
        return None

    def _htmx_login(self, request, response):
        if not request.headers.get("HX-Request") or response.status_code != 302:
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login_path:
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = current.path + (f"?{current.query}" if current.query else "")
        redirect = HttpResponse()
        redirect["HX-Redirect"] = f"{login_path}?{urlencode({'next': page})}" if page else login_path
        return redirect
