"""Login lockout (issue 11, item 3): 5 failed logins within 15 minutes lock the username, and
separately the client address, for 15 minutes.

The attempt is written before the password is checked and counted after (login_attempt_begin),
so of any number of simultaneous guesses at one username only the first five reach the password
hasher: each attempt sees every attempt at that username that began before it. The address rule
counts only attempts that have failed, not those still being checked: colleagues behind one
front-office address who log in at the same moment with the right password must not lock each
other out (found by the load test, docs/PERFORMANCE.md); a burst of guesses at different usernames
from one address is bounded by the server's workers until the failures come in. A refused or
successful attempt removes its own row; a failed one keeps it. A success also deletes the
username's earlier failures (its own typos then count neither against the user nor against the
front-desk computer's address), but not other usernames' failures from the same address: logging
in with one's own account must not reset the count of someone trying other people's passwords from
that computer.

django-axes (8.3.1, the current release) declares support up to Django 6.0 only, hence this
small module. Every failure, lockout and refused attempt is an audit entry (login.failed,
login.locked, login.refused) with the address; the actor is the user when the username exists.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from propsvc.errors import DomainError
from propsvc.models import LoginFailure
from propsvc.services import audit_write

PRUNE_AFTER = timedelta(days=1)


class LoginLocked(DomainError):
    """The username or the address is locked; `until` is when the lock ends."""

    def __init__(self, until: datetime):
        super().__init__(
            gettext(
                "Too many failed logins: logging in is locked for %(minutes)d minutes, until %(time)s. "
                "Try again then, or ask an administrator to check your account."
            )
            % {"minutes": settings.PROPSVC_LOGIN_LOCKOUT_MINUTES, "time": _minute_after(until)}
        )
        self.until = until


def _minute_after(moment: datetime) -> str:
    """HH:MM, rounded up: "until 14:21" must not be still locked at 14:21."""
    return timezone.localtime(moment + timedelta(seconds=59)).strftime("%H:%M")


@dataclass(frozen=True)
class LoginAttempt:
    failure_id: int
    username: str
    address: str | None


def _limit() -> int:
    return settings.PROPSVC_LOGIN_FAILURE_LIMIT


def _window() -> timedelta:
    return timedelta(minutes=settings.PROPSVC_LOGIN_LOCKOUT_MINUTES)


def normalise_address(address: str | None) -> str | None:
    """A valid IP address, or None (the audit field and the count take addresses only)."""
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def _locked_until(times: list[datetime]) -> datetime | None:
    """The end of the latest lock among these failure times (ascending): a lock starts at a failure
    that is the limit-th within one window, and lasts one window."""
    limit, window = _limit(), _window()
    until = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            until = times[i] + window
    return until


def lock_of(*, username: str, address: str | None, now: datetime | None = None, exclude: int | None = None):
    """(scope, until) of the longest current lock on this username or this address, or None."""
    now = now or timezone.now()
    since = now - 2 * _window()  # a lock still running started within one window of now
    found = None
    for scope, lookup in (("user", Q(username=username)), ("address", Q(address=address, pending=False))):
        if scope == "address" and address is None:
            continue
        times = list(
            LoginFailure.objects.filter(lookup, at__gte=since)
            .exclude(pk=exclude)
            .order_by("at")
            .values_list("at", flat=True)
        )
        until = _locked_until(times)
        if until is not None and until > now and (found is None or until > found[1]):
            found = (scope, until)
    return found


def _actor(username: str):
    User = get_user_model()
    return User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).first()


def login_attempt_begin(*, username: str, address: str | None) -> LoginAttempt:
    """Record the attempt, then refuse it (LoginLocked, nothing else counted) if the username or the
    address is locked by the attempts before it."""
    username = username.strip().lower()[:150]
    address = normalise_address(address)
    now = timezone.now()
    row = LoginFailure.objects.create(username=username, address=address, at=now, pending=True)
    lock = lock_of(username=username, address=address, now=now, exclude=row.pk)
    if lock is not None:
        LoginFailure.objects.filter(pk=row.pk).delete()
        scope, until = lock
        audit_write(kind="login.refused", actor=_actor(username), address=address, scope=scope)
        raise LoginLocked(until)
    return LoginAttempt(failure_id=row.pk, username=username, address=address)


def login_attempt_failed(*, attempt: LoginAttempt) -> datetime | None:
    """The password was wrong: the row stays, as a failure. Returns when the lock ends if this failure
    starts one."""
    LoginFailure.objects.filter(pk=attempt.failure_id).update(pending=False)
    failures = LoginFailure.objects.filter(username=attempt.username, at__gte=timezone.now() - _window())
    actor = _actor(attempt.username)
    audit_write(
        kind="login.failed",
        actor=actor,
        address=attempt.address,
        failures=failures.count(),
        known=bool(actor),
    )
    LoginFailure.objects.filter(at__lt=timezone.now() - PRUNE_AFTER).delete()
    lock = lock_of(username=attempt.username, address=attempt.address)
    if lock is None:
        return None
    scope, until = lock
    audit_write(
        kind="login.locked", actor=actor, address=attempt.address, scope=scope, until=until.isoformat()
    )
    return until


def login_attempt_succeeded(*, attempt: LoginAttempt) -> None:
    """The password was right: forget this username's failures (from any address)."""
    LoginFailure.objects.filter(username=attempt.username).delete()
