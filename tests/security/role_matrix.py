"""Helpers of the role-matrix sweep (tests/security/test_role_matrix.py, issue 11 item 2).

- `required_permission(callback)` reads the permission a view demands from its decorators
  (`permission_required` keeps it in the closure of its `check_perms`), and the methods it takes
  (`require_POST`, `require_http_methods`), so a new state-changing view is classified by itself.
- `fingerprint()` reads every table of the project's apps in one query (an md5 of all its rows):
  a refused attempt must leave each of them exactly as it was.
- `attempt()` posts one action as one user inside a savepoint that is rolled back afterwards, so the
  next role tries the same object in the same state.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction

# The apps whose tables the sweep watches (auth, sessions and admin change on every login).
WATCHED_APPS = ("propsvc", "archives", "reception", "complaints", "violations", "surveys")


def _cells(fn):
    code = getattr(fn, "__code__", None)
    names = code.co_freevars if code else ()
    for name, cell in zip(names, getattr(fn, "__closure__", None) or (), strict=True):
        try:
            yield name, cell.cell_contents
        except ValueError:  # an empty cell
            continue


def view_guards(callback) -> tuple[list[tuple[str, ...]], list[str] | None]:
    """The permissions a view's decorators demand (outermost first) and the methods it takes
    (None when no decorator says)."""
    perms: list[tuple[str, ...]] = []
    methods: list[str] | None = None
    seen: set[int] = set()

    def walk(fn):
        nonlocal methods
        if id(fn) in seen or not callable(fn):
            return
        seen.add(id(fn))
        for name, value in _cells(fn):
            if name == "perms" and getattr(fn, "__name__", "") == "check_perms":
                perms.append(tuple(value))
            elif name == "request_method_list" and methods is None:
                methods = [m.upper() for m in value]
            elif callable(value):
                walk(value)
        if wrapped := getattr(fn, "__wrapped__", None):
            walk(wrapped)

    walk(callback)
    return perms, methods


def takes_post(callback) -> bool:
    _perms, methods = view_guards(callback)
    return methods is None or "POST" in methods


def takes_get(callback) -> bool:
    _perms, methods = view_guards(callback)
    return methods is None or "GET" in methods


def required_permission(callback) -> str | None:
    """The one permission the view's decorator demands (None without one)."""
    perms, _methods = view_guards(callback)
    flat = [p for group in perms for p in group]
    if len(flat) > 1:
        raise AssertionError(f"{callback.__qualname__} demands several permissions: {flat}")
    return flat[0] if flat else None


def _tables() -> list[str]:
    tables = []
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.append(model._meta.db_table)
    return sorted(set(tables))


def fingerprint() -> dict[str, str]:
    """Every watched table's rows, hashed: {table: md5}, in one round trip (the table names come from
    the app registry, quoted)."""
    tables = _tables()
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {quote(name)} t)"  # noqa: S608
        for name in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@dataclass
class Target:
    """An object of community A in a state where the action is valid, and the valid POST data.

    state() reads what the action moves (a status, a count …): it must change when the action succeeds.
    data may be a callable (uploads are read once: each attempt gets fresh files)."""

    kwargs: dict
    data: Any
    state: Callable[[], Any]
    get_kwargs: dict | None = None  # the form page's kwargs when they differ (none: the same)
    extra: dict = field(default_factory=dict)


@dataclass
class Outcome:
    role: str
    status: int
    location: str
    errors: list
    state_before: Any
    state_after: Any
    changed: list[str]

    @property
    def moved(self) -> bool:
        return self.state_before != self.state_after


class _Undo(Exception):
    pass


def _form_errors(response) -> list:
    """The errors of every bound form the response rendered."""
    errors, seen = [], set()
    for context in response.context or []:
        for value in context.dicts if hasattr(context, "dicts") else [context]:
            if not isinstance(value, dict):
                continue
            for item in value.values():
                if id(item) in seen or not getattr(item, "is_bound", False):
                    continue
                seen.add(id(item))
                if form_errors := getattr(item, "errors", None):
                    errors.append(dict(form_errors))
    return errors


def attempt(client, url: str, target: Target, role: str, *, before: dict | None = None) -> Outcome:
    """POST the action with a logged-in client, see what it did, and undo it (a savepoint rolled back).
    `before`: the fingerprint before the attempt, when the caller already knows it."""
    try:
        with transaction.atomic():
            before = before if before is not None else fingerprint()
            state_before = target.state()
            data = target.data() if callable(target.data) else target.data
            response = client.post(url, data)
            outcome = Outcome(
                role=role,
                status=response.status_code,
                location=response.get("Location", ""),
                errors=_form_errors(response) if response.status_code != 302 else [],
                state_before=state_before,
                state_after=target.state(),
                changed=changed_tables(before, fingerprint()),
            )
            raise _Undo
    except _Undo:
        pass
    return outcome


def get_status(client, url: str) -> int:
    """GET url with a logged-in client; whatever the page writes is undone."""
    try:
        with transaction.atomic():
            status = client.get(url).status_code
            raise _Undo
    except _Undo:
        pass
    return status
