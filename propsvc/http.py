"""What the request says about where it came from (for the audit trail and the access log)."""

from django.conf import settings


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind the reverse proxy (BEHIND_PROXY) the first
    address of X-Forwarded-For, which the proxy sets."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
