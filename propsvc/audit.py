"""The audit trail for managers (审计日志, issue 11): what each kind of entry is called, its details in
words, the page's filters and its Excel file (a background export above 5,000 rows).

Entries are written by `propsvc.services.audit_write` wherever the action happens; this module only
reads them. `data` holds ids and counts: the names a reader needs (the staff member a role was given
to, a community, a department) are looked up for a whole page (or a chunk of an export) at once, one
query per kind of name, so the page's query count does not grow with its length. Choice labels of
other apps' models (a penalty's kind, what was read in an archive) are read through the app registry
by label, so the core still imports no app.

A kind this module does not know is shown by its dotted name, with its data as `key: value` pairs.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from propsvc import export_jobs
from propsvc.exports import Progress, local_naive, stream_file, write_sheet
from propsvc.models import AuditEntry, Community, Department
from propsvc.roles import Perm, Role

# -- what each kind is called -------------------------------------------------------------------------

GROUPS: list[tuple[object, list[tuple[str, object]]]] = [
    (
        pgettext_lazy("audit group", "Logins"),
        [
            ("login.failed", gettext_lazy("Failed login")),
            ("login.locked", gettext_lazy("Login locked")),
            ("login.refused", gettext_lazy("Login refused during a lock")),
        ],
    ),
    (
        pgettext_lazy("audit group", "Roles and accounts"),
        [
            ("roles.membership_added", gettext_lazy("Role given")),
            ("roles.membership_changed", gettext_lazy("Role changed")),
            ("roles.membership_removed", gettext_lazy("Role taken away")),
            ("staff.account_added", gettext_lazy("Staff account created")),
            ("staff.access_changed", gettext_lazy("Account access changed")),
            ("staff.account_removed", gettext_lazy("Staff account deleted")),
        ],
    ),
    (
        pgettext_lazy("audit group", "Penalties"),
        [
            ("violations.penalty_signed", gettext_lazy("Penalty signed")),
            ("violations.penalty_refused", gettext_lazy("Penalty not approved")),
        ],
    ),
    (
        pgettext_lazy("audit group", "Owner archives"),
        [
            ("archives.lookup_approved", gettext_lazy("Look-up approved")),
            ("archives.lookup_rejected", gettext_lazy("Look-up rejected")),
            ("archives.lookup_registered", gettext_lazy("Look-up registered, window opened")),
            ("archives.accessed", gettext_lazy("Archive read")),
            ("archives.roster_import", gettext_lazy("Owner roster imported")),
            ("privacy.exported", gettext_lazy("Owner's personal data exported")),
            ("privacy.anonymised", gettext_lazy("Personal data anonymised")),
        ],
    ),
    (
        pgettext_lazy("audit group", "Exports"),
        [
            ("export.inline", gettext_lazy("Excel exported")),
            ("export.queued", gettext_lazy("Background export started")),
            ("export.downloaded", gettext_lazy("Background export downloaded")),
        ],
    ),
    (
        pgettext_lazy("audit group", "Retention"),
        [
            ("violations.retention", gettext_lazy("Expired violation records removed")),
            ("retention.anonymised", gettext_lazy("Former owners anonymised")),
        ],
    ),
    (
        pgettext_lazy("audit group", "Other"),
        [
            ("calendar.entered", gettext_lazy("Working-day calendar entered")),
            ("surveys.notice_created", gettext_lazy("Notice drafted")),
            ("surveys.notice_edited", gettext_lazy("Notice edited")),
            ("surveys.notice_published", gettext_lazy("Notice published")),
            ("surveys.notice_withdrawn", gettext_lazy("Notice withdrawn")),
            ("surveys.suggestion_posted", gettext_lazy("Suggestion put in the box")),
            ("surveys.suggestion_answered", gettext_lazy("Suggestion answered")),
            ("surveys.suggestion_no_answer", gettext_lazy("Suggestion closed without an answer")),
            ("surveys.template_saved", gettext_lazy("Questionnaire template saved")),
        ],
    ),
]
LABELS: dict[str, object] = {kind: label for _group, kinds in GROUPS for kind, label in kinds}


def kind_choices() -> list:
    """The action filter's choices, grouped (optgroups), in the current language."""
    return [("", _("All actions"))] + [
        (str(group), [(kind, str(label)) for kind, label in kinds]) for group, kinds in GROUPS
    ]


def kind_label(kind: str) -> str:
    label = LABELS.get(kind)
    return str(label) if label is not None else kind


# -- details in words ---------------------------------------------------------------------------------


def _choice_labels(app_label: str, model: str, attr: str) -> dict:
    """The labels of another app's TextChoices, by app label (the core imports no app)."""
    try:
        choices = getattr(apps.get_model(app_label, model), attr).choices
    except (LookupError, AttributeError):
        return {}
    return {value: str(label) for value, label in choices}


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


class Names:
    """The names a batch of entries refers to by id, looked up once per kind (users, communities,
    departments): at most three queries for a page, whatever its length."""

    def __init__(self, entries: Iterable[AuditEntry]):
        users, communities, departments = set(), set(), set()
        for entry in entries:
            data = entry.data if isinstance(entry.data, dict) else {}
            for key in ("user", "requested_by"):
                if isinstance(data.get(key), int):
                    users.add(data[key])
            for state in (data, data.get("before") if isinstance(data.get("before"), dict) else {}):
                if isinstance(state.get("role_community"), int):
                    communities.add(state["role_community"])
                if isinstance(state.get("department"), int):
                    departments.add(state["department"])
        self.users = {}
        if users:
            for user in (
                get_user_model().objects.filter(pk__in=users).only("username", "first_name", "last_name")
            ):
                self.users[user.pk] = user.get_full_name() or user.get_username()
        self.communities = (
            dict(Community.objects.filter(pk__in=communities).values_list("pk", "name"))
            if communities
            else {}
        )
        self.departments = {}
        if departments:
            for department in Department.objects.filter(pk__in=departments).only("kind"):
                self.departments[department.pk] = department.get_kind_display()
        self.roles = {value: str(label) for value, label in Role.choices}

    def user(self, pk) -> str:
        if pk is None:
            return "—"
        return self.users.get(pk) or _("account no. %(id)s (deleted)") % {"id": pk}

    def community(self, pk) -> str:
        if pk is None:
            return _("Company")
        return self.communities.get(pk) or _("community no. %(id)s") % {"id": pk}

    def role(self, state: dict) -> str:
        """A role as the user menu shows it: community · role · department."""
        parts = [
            self.community(state.get("role_community")),
            self.roles.get(state.get("role"), state.get("role")),
        ]
        if state.get("department"):
            parts.append(self.departments.get(state["department"], str(state["department"])))
        return " · ".join(str(p) for p in parts)


ANONYMISED_WHAT = {
    "record": pgettext_lazy("anonymised", "Reception record"),
    "complaint": pgettext_lazy("anonymised", "Complaint"),
    "box": pgettext_lazy("anonymised", "Suggestion box note"),
    "family": pgettext_lazy("anonymised", "Family member"),
    "emergency": pgettext_lazy("anonymised", "Emergency contact"),
}


ANONYMISED_NUMBER = {"record": "JD", "complaint": "TS", "box": "YJ"}


def _lookup(pk) -> str:
    return f"CY{pk:06d}" if isinstance(pk, int) else "—"


def _violation(pk) -> str:
    return f"WZ{pk:06d}" if isinstance(pk, int) else "—"


def _export_title(name) -> str:
    try:
        return str(export_jobs.exporter_get(name).title)
    except LookupError:
        return str(name)


def _local_time(text) -> str:
    try:
        return f"{timezone.localtime(datetime.fromisoformat(text)):%H:%M}"
    except (TypeError, ValueError):
        return str(text)


def _details(entry: AuditEntry, names: Names, labels: dict) -> str:
    d = entry.data if isinstance(entry.data, dict) else {}
    kind = entry.kind
    if kind == "login.failed":
        text = _("%(n)s failed attempts in 15 minutes") % {"n": d.get("failures", "?")}
        return text if d.get("known", True) else text + _("; no such login name")
    if kind in ("login.locked", "login.refused"):
        scope = _("this login name") if d.get("scope") == "user" else _("this address")
        if kind == "login.refused":
            return _("Locked: %(scope)s") % {"scope": scope}
        return _("Locked until %(time)s: %(scope)s") % {"time": _local_time(d.get("until")), "scope": scope}
    if kind in ("roles.membership_added", "roles.membership_removed"):
        return f"{names.user(d.get('user'))}：{names.role(d)}"
    if kind == "roles.membership_changed":
        before = d.get("before") if isinstance(d.get("before"), dict) else {}
        who = names.user(d.get("user"))
        if before.get("user") not in (None, d.get("user")):
            who = f"{names.user(before['user'])} → {who}"
        return f"{who}：{names.role(before)} → {names.role(d)}"
    if kind.startswith("staff."):
        flags = [
            (key, label)
            for key, label in (
                ("is_active", _("active")),
                ("is_staff", _("may use the admin site")),
                ("is_superuser", _("superuser")),
            )
            if key in d
        ]
        text = names.user(d.get("user"))
        if flags:
            text += "（" + "，".join(f"{label}：{_yes_no(d[key])}" for key, label in flags) + "）"
        return text
    if kind in ("violations.penalty_signed", "violations.penalty_refused"):
        penalty = labels["penalty"].get(d.get("penalty"), d.get("penalty", ""))
        return _("Violation %(number)s: %(penalty)s") % {
            "number": _violation(d.get("violation")),
            "penalty": penalty,
        }
    if kind in ("archives.lookup_approved", "archives.lookup_rejected", "archives.lookup_registered"):
        text = _("Look-up %(number)s, asked by %(who)s") % {
            "number": _lookup(d.get("lookup")),
            "who": names.user(d.get("requested_by")),
        }
        if d.get("minutes") and kind != "archives.lookup_rejected":
            text += _(", %(minutes)s minutes") % {"minutes": d["minutes"]}
        return text
    if kind == "archives.accessed":
        what = labels["what"].get(d.get("what"), d.get("what", ""))
        return _("%(what)s under look-up %(number)s") % {"what": what, "number": _lookup(d.get("lookup"))}
    if kind == "privacy.exported":
        return _("Under look-up %(number)s") % {"number": _lookup(d.get("request_id"))}
    if kind == "privacy.anonymised":
        what, pk = d.get("what"), d.get("id")
        prefix = ANONYMISED_NUMBER.get(what)
        number = f"{prefix}{pk:06d}" if prefix and isinstance(pk, int) else str(pk or "")
        return f"{ANONYMISED_WHAT.get(what, what or '')} {number}".strip()
    if kind == "retention.anonymised":
        return _("%(owners)s former owners, %(years)s years after their ownership ended") % {
            "owners": d.get("owners", 0),
            "years": d.get("years", "?"),
        }
    if kind == "archives.roster_import":
        return _("%(units)s units, %(owners)s new owners, %(buildings)s new buildings") % {
            "units": d.get("units", 0),
            "owners": d.get("owners", 0),
            "buildings": d.get("buildings", 0),
        }
    if kind in ("export.inline", "export.queued"):
        return _("%(title)s, %(rows)s rows") % {
            "title": _export_title(d.get("export")),
            "rows": d.get("rows", "?"),
        }
    if kind == "export.downloaded":
        return _export_title(d.get("export"))
    if kind == "violations.retention":
        return _("%(general)s general and %(major)s major violations removed, with %(photos)s photos") % {
            "general": d.get("general", 0),
            "major": d.get("major", 0),
            "photos": d.get("photos", 0),
        }
    if kind == "calendar.entered":
        return _("%(year)s: %(holidays)s public holidays, %(workdays)s adjusted workdays") % {
            "year": d.get("year", "?"),
            "holidays": d.get("holidays", 0),
            "workdays": d.get("workdays", 0),
        }
    if kind.startswith("surveys.notice_"):
        return f"GG{d['notice']:06d}" if isinstance(d.get("notice"), int) else ""
    if kind.startswith("surveys.suggestion_"):
        return f"YJ{d['suggestion']:06d}" if isinstance(d.get("suggestion"), int) else ""
    if kind == "surveys.template_saved":
        return _("Template %(number)s, %(items)s items") % {
            "number": f"WJ{d['template']:06d}" if isinstance(d.get("template"), int) else "—",
            "items": d.get("items", 0),
        }
    return "; ".join(f"{key}: {value}" for key, value in sorted(d.items()))


def _labels() -> dict:
    return {
        "penalty": _choice_labels("violations", "Measure", "Kind"),
        "what": _choice_labels("archives", "AccessLog", "What"),
    }


def describe(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Set `label` (the action in words) and `details` on each entry of a page, in the current language."""
    names, labels = Names(entries), _labels()
    for entry in entries:
        entry.label = kind_label(entry.kind)
        entry.details = _details(entry, names, labels)
    return entries


# -- the page's filters and the Excel file --------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """The filters as the page resolved them (the selector's arguments). `communities` None means every
    community; `company_level` whether entries without a community (logins, company roles) are in."""

    communities: list[int] | None = None
    company_level: bool = False
    kind: str = ""
    staff_ids: list[int] | None = None
    date_from: date | None = None
    date_to: date | None = None
    address: str = ""


EXPORT_CHUNK = 2000


def audit_lines(rows) -> Iterator[list]:
    """The filtered entries (selectors.audit_entry_list) as lines, read in chunks and described a
    chunk at a time (a name query per chunk, never per row)."""
    local = local_naive()
    chunk: list[AuditEntry] = []

    def flush():
        for entry in describe(chunk):
            yield [
                local(entry.at),
                (entry.actor.get_full_name() or entry.actor.get_username()) if entry.actor else _("System"),
                entry.label,
                entry.community.name if entry.community else _("Company"),
                entry.address or "",
                entry.details,
            ]

    for entry in rows.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(entry)
        if len(chunk) == EXPORT_CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def audit_headers() -> list[str]:
    return [
        _("Time"),
        pgettext("audit", "By"),
        pgettext("audit", "Action"),
        _("Community"),
        _("From address"),
        pgettext("audit", "Details"),
    ]


def write_audit(rows, handle, progress: Progress | None = None) -> int:
    return write_sheet(
        handle,
        title=_("Audit trail"),
        headers=audit_headers(),
        lines=lambda sheet: audit_lines(rows),
        progress=progress,
    )


def audit_response(rows):
    filename = _("audit-trail") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_file(lambda handle: write_audit(rows, handle), filename=filename)


def _audit_job(*, user, params: dict, handle, progress: Progress) -> int:
    from propsvc.selectors import audit_entry_list, audit_reads_company

    filters = export_jobs.filters_from(AuditFilter, params)
    company = audit_reads_company(user)  # (still) a company-level reader?
    communities = filters.communities
    if communities is None and not company:
        communities = []
    elif communities is not None:
        communities = export_jobs.communities_with(user, Perm.VIEW_AUDIT_TRAIL, communities)
    rows = audit_entry_list(
        user=user,
        communities=communities,
        company_level=filters.company_level and company,
        kind=filters.kind,
        staff_ids=filters.staff_ids,
        date_from=filters.date_from,
        date_to=filters.date_to,
        address=filters.address,
    )
    return write_audit(rows, handle, progress)


export_jobs.register(
    export_jobs.Exporter(
        name="audit_trail",
        title=gettext_lazy("Audit trail"),
        permission=Perm.VIEW_AUDIT_TRAIL,
        write=_audit_job,
    )
)
