"""What the request says about where it came from (for the audit trail and the access log)."""

from contextvars import ContextVar, Token

from django.conf import settings


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind the reverse proxy (BEHIND_PROXY) the first
    address of X-Forwarded-For, which the proxy sets."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


# The address of the request being served, for audit entries written deep inside a service (a penalty
# signed, a look-up approved): set by propsvc.middleware.ClientAddressMiddleware for the request's
# duration, None outside a request (a Celery task, a management command).
_current_address: ContextVar[str | None] = ContextVar("propsvc_client_address", default=None)


def current_address() -> str | None:
    """The client address of the request being served (client_address), or None outside one."""
    return _current_address.get()


def current_address_set(address: str | None) -> Token:
    return _current_address.set(address)


def current_address_reset(token: Token) -> None:
    _current_address.reset(token)
