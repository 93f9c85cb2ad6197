"""Owners' data rights (PIPL; issue 11 item 6): export, correction, anonymisation (R-ARC-3, R-ARC-5).

- Export: everything held about one owner as one workbook (`owner_export`), for the CS center manager of
  the owner's community inside their own open look-up window (R-ARC-4: the archive opens one way only);
  written to the access log and the audit trail (`privacy.exported`, counts only).
- Correction: `archives.services.contact_change` and the other archive steps already keep the history
  (ArchiveChange, R-ARC-3); the personal-data page links to them.
- Non-owner contacts (a visitor or tenant at the desk, a complainant, a suggestion-box contact, a removed
  family member or emergency contact): `contact_anonymise` replaces the name with 已匿名 and empties the
  phone; the record and its case history stay (`privacy.anonymised`).
- Former owners (R-ARC-5): archives/retention.py, nightly, anonymises the personal fields of an owner whose
  every ownership ended more than PROPSVC_FORMER_OWNER_ANONYMISE_YEARS ago (`retention.anonymised`).

The replacement texts are stored data (like the Chinese unit labels), not interface strings.
"""

import contextlib
import datetime
import tempfile
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from archives.models import (
    AccessLog,
    ArchiveChange,
    Consent,
    EmergencyContact,
    FamilyMember,
    LookupRequest,
    Owner,
    Unit,
    Vehicle,
)
from archives.services import ArchiveError, access_log_write
from propsvc.exports import labels_of, local_naive, safe_row
from propsvc.roles import Role
from propsvc.services import audit_write
from propsvc.tenancy import memberships_of
from propsvc.validators import mask_phone, normalize_mobile

ANONYMISED = "已匿名"  # a name (or plate, or suggestion-box contact) that was anonymised
FORMER_OWNER = "原业主（已匿名）"  # an anonymised former owner's name, as the unit's archive shows it

# Personal groups of the archive whose history entries hold values (contact, family, emergency, vehicle).
PERSONAL_HISTORY = r"^(contact|family|emergency|vehicle)\."


# -- who -------------------------------------------------------------------------------------------


def is_data_rights_manager(user, community_id: int) -> bool:
    """The owners' data rights are the CS center manager's of that community (the role that approves
    archive look-ups, R-ARC-4), not a company role's: the archive is confidential to the community."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(m.role == Role.CS_MANAGER and m.community_id == community_id for m in memberships_of(user))


def _require_manager(user, community_id: int) -> None:
    if not is_data_rights_manager(user, community_id):
        raise ArchiveError(_("Only the community's CS center manager may use the owners' data rights."))


def manager_window(*, user, unit: Unit) -> LookupRequest:
    """The manager's own open look-up of the unit's archive: the owner's data is read one way only."""
    from archives.selectors import lookup_window_for

    _require_manager(user, unit.community_id)
    window = lookup_window_for(user=user, unit=unit)
    if window is None:
        raise ArchiveError(_("Open a look-up of this archive first: its contents are confidential."))
    return window


def owner_of_unit(*, unit: Unit, owner_id: int) -> Owner:
    """A current or former owner of the unit (404 otherwise)."""
    return get_object_or_404(
        Owner.objects.filter(community_id=unit.community_id, ownerships__unit=unit).distinct(), pk=owner_id
    )


# -- reads -----------------------------------------------------------------------------------------


def owner_cases(owner: Owner) -> dict:
    """The cases that name the owner: linked to the Owner row, or (desk records and complaints) taken
    with the owner's phone as the contact's. Querysets, already joined."""
    from complaints.models import Complaint
    from reception.models import ReceptionRecord
    from surveys.models import Visit
    from violations.models import Violation

    by_phone = Q(contact_phone=owner.mobile) if owner.mobile else Q(pk__in=[])
    scope = {"community_id": owner.community_id}
    return {
        "reception": ReceptionRecord.objects.filter(Q(owner=owner) | by_phone, **scope)
        .select_related("unit__building")
        .order_by("received_at", "pk"),
        "complaints": Complaint.objects.filter(Q(owner=owner) | by_phone, **scope)
        .select_related("unit__building")
        .order_by("received_at", "pk"),
        "violations": Violation.objects.filter(owner=owner, **scope)
        .select_related("unit__building")
        .order_by("observed_at", "pk"),
        "visits": Visit.objects.filter(owner=owner, **scope)
        .select_related("unit__building")
        .order_by("visited_at", "pk"),
    }


def owner_privacy_page(*, owner: Owner) -> dict:
    """What the personal-data page shows: the ownerships, counts of everything held, and the removed
    family members and emergency contacts whose data is still held (to anonymise when no longer needed)."""
    ownerships = list(owner.ownerships.select_related("unit__building").order_by("-start_date", "-pk"))
    cases = {key: qs.count() for key, qs in owner_cases(owner).items()}
    removed = []
    for kind, model in (("family", FamilyMember), ("emergency", EmergencyContact)):
        for row in model.objects.filter(owner=owner, removed_at__isnull=False).exclude(name=ANONYMISED):
            removed.append((kind, row))
    held = {
        "family": FamilyMember.objects.filter(owner=owner, removed_at__isnull=True).count(),
        "emergency": EmergencyContact.objects.filter(owner=owner, removed_at__isnull=True).count(),
        "vehicles": Vehicle.objects.filter(owner=owner, removed_at__isnull=True).count(),
        "consents": Consent.objects.filter(owner=owner).count(),
        "changes": ArchiveChange.objects.filter(owner=owner).count(),
    }
    return {"owner": owner, "ownerships": ownerships, "held": held, "cases": cases, "removed": removed}


# -- 1. export -------------------------------------------------------------------------------------


def _sheet(workbook, title: str, headers: list, rows) -> int:
    sheet = workbook.create_sheet(str(title)[:31])
    sheet.append(safe_row(sheet, [str(h) for h in headers]))
    count = 0
    for values in rows:
        sheet.append(safe_row(sheet, list(values)))
        count += 1
    return count


def owner_export_write(*, owner: Owner, handle, by) -> dict:
    """Write everything held about the owner to `handle` (one .xlsx, a sheet per kind of data, text
    that Excel would run as a formula written as plain text). Returns the count per sheet."""
    local = local_naive()
    day = lambda value: value  # noqa: E731 — dates go to Excel as they are
    groups = labels_of(Consent._meta.get_field("group").choices)
    who = lambda user: (user.get_full_name() or user.get_username()) if user else ""  # noqa: E731
    workbook = Workbook(write_only=True)
    counts = {}
    try:
        _sheet(
            workbook,
            _("Owner"),
            [_("Item"), _("Value")],
            [
                [_("Owner name"), owner.name],
                [_("Mobile phone"), owner.mobile],
                [_("Other phone"), owner.other_phone],
                [_("WeChat ID"), owner.wechat],
                [_("Community"), owner.community.name],
                [_("Registered at"), local(owner.created_at)],
                [_("Anonymised at"), local(owner.anonymised_at)],
                [_("Exported at"), local(timezone.now())],
                [_("Exported by"), who(by)],
            ],
        )
        ownerships = owner.ownerships.select_related("unit__building").order_by("start_date", "pk")
        counts["units"] = _sheet(
            workbook,
            _("Units and ownership"),
            [_("Unit"), _("Owner since"), _("Owner until"), _("Reason for the change")],
            ([o.unit.label, day(o.start_date), day(o.end_date), o.end_reason] for o in ownerships),
        )
        person = [_("Name"), _("Relation to the owner"), _("Mobile phone"), _("Removed at")]
        counts["family"] = _sheet(
            workbook,
            _("Family members"),
            person,
            ([r.name, r.relation, r.mobile, local(r.removed_at)] for r in owner.family.order_by("pk")),
        )
        counts["emergency"] = _sheet(
            workbook,
            _("Emergency contacts"),
            person,
            (
                [r.name, r.relation, r.mobile, local(r.removed_at)]
                for r in owner.emergency_contacts.order_by("pk")
            ),
        )
        counts["vehicles"] = _sheet(
            workbook,
            _("Vehicles"),
            [_("Number plate"), _("Make and colour"), _("Parking space"), _("Removed at")],
            (
                [r.plate, r.description, r.parking_space, local(r.removed_at)]
                for r in owner.vehicles.order_by("pk")
            ),
        )
        consents = owner.consents.select_related("recorded_by").order_by("given_on", "pk")
        counts["consents"] = _sheet(
            workbook,
            _("Consents"),
            [_("Information"), _("Purpose of collection"), _("Consent given on"), _("Recorded by"),
             _("Recorded at"), _("Withdrawn on")],
            (
                [groups.get(c.group, c.group), c.purpose, day(c.given_on), who(c.recorded_by),
                 local(c.recorded_at), day(c.withdrawn_on)]
                for c in consents
            ),
        )  # fmt: skip
        changes = owner.archive_changes.select_related("by", "unit__building").order_by("at", "pk")
        counts["changes"] = _sheet(
            workbook,
            _("Change history"),
            [_("At"), _("Unit"), _("Change"), _("Reason"), _("Before"), _("After"), _("By")],
            (
                [local(c.at), c.unit.label if c.unit else "", c.label, c.reason, c.before_text,
                 c.after_text, who(c.by)]
                for c in changes
            ),
        )  # fmt: skip
        counts.update(_cases_sheet(workbook, owner, local))
        workbook.save(handle)
    except BaseException:
        for sheet in workbook.worksheets:
            _discard(sheet)
        raise
    return counts


def _cases_sheet(workbook, owner: Owner, local) -> dict:
    cases = owner_cases(owner)
    labels = {
        "reception": _("Reception record"),
        "complaints": _("Complaint"),
        "violations": _("Violation"),
        "visits": _("Owner visit"),
    }
    counts = {}
    rows = []
    for key, qs in cases.items():
        found = list(qs)
        counts[key] = len(found)
        for case in found:
            unit = case.unit.label if case.unit else ""
            if key == "violations":
                rows.append(
                    [
                        labels[key],
                        case.number,
                        local(case.observed_at),
                        unit,
                        case.get_subtype_display(),
                        case.description,
                        case.get_status_display(),
                    ]
                )
            elif key == "visits":
                rows.append(
                    [
                        labels[key],
                        "",
                        local(case.visited_at),
                        unit,
                        case.get_mode_display(),
                        case.opinions,
                        "",
                    ]
                )
            else:
                rows.append([labels[key], case.number, local(case.received_at), unit, case.subject,
                             case.details, case.get_status_display()])  # fmt: skip
    _sheet(
        workbook,
        _("Cases"),
        [_("Kind"), pgettext("case", "Number"), _("At"), _("Unit"), _("Subject"), _("Details"), _("Status")],
        rows,
    )
    return counts


def _discard(sheet) -> None:
    from propsvc.exports import _discard as discard

    with contextlib.suppress(Exception):
        discard(sheet)


@transaction.atomic
def owner_export(*, unit_id: int, owner_id: int, by, address: str | None = None):
    """PIPL Art. 45: the owner's personal data as one file, for the CS center manager inside their own
    look-up window on one of the owner's units. The export is one access-log line (what: export) and one
    audit entry `privacy.exported` (ids and counts, never the data). Returns (owner, open file)."""
    unit = Unit.objects.select_related("building").get(pk=unit_id)
    window = manager_window(user=by, unit=unit)
    owner = owner_of_unit(unit=unit, owner_id=owner_id)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the response closes it
    try:
        counts = owner_export_write(owner=owner, handle=handle, by=by)
    except BaseException:
        handle.close()
        raise
    access_log_write(lookup=window, user=by, what=AccessLog.What.EXPORT, address=address)
    audit_write(
        kind="privacy.exported", actor=by, community=unit.community, address=address,
        owner_id=owner.pk, unit_id=unit.pk, request_id=window.pk, **counts,
    )  # fmt: skip
    handle.seek(0)
    return owner, handle


# -- 3. non-owner contacts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """One non-owner's personal data the search found: what kind of record, which, and what it holds."""

    kind: str
    pk: int
    number: str
    at: datetime.datetime
    community: str
    name: str
    phone: str  # masked
    subject: str
    url: str


CONTACT_KINDS = ("reception", "complaint", "box", "family", "emergency")
SEARCH_LIMIT = 50


def contact_kind_label(kind: str) -> str:
    return {
        "reception": _("Reception record (visitor or tenant)"),
        "complaint": _("Complaint (complainant)"),
        "box": _("Suggestion-box contact"),
        "family": _("Former family member"),
        "emergency": _("Former emergency contact"),
    }.get(kind, kind)


def managed_communities(user, communities=None) -> list[int]:
    ids = [m.community_id for m in memberships_of(user) if m.role == Role.CS_MANAGER and m.community_id]
    return [pk for pk in ids if communities is None or pk in communities]


def contact_search(*, user, text: str, communities=None) -> list[Contact]:
    """Non-owners' personal data held in the cases of the communities the user manages, by the
    person's phone (exact) or name (exact). Removed family members and emergency contacts are in the
    confidential archive: they are listed on the owner's personal-data page, inside a window."""
    from complaints.models import Complaint
    from reception.models import ContactType, ReceptionRecord
    from surveys.models import BoxSuggestion

    text = (text or "").strip()
    scope = managed_communities(user, communities)
    if len(text) < 2 or not scope:
        return []
    phone = normalize_mobile(text)
    by_phone = phone.isdigit() and len(phone) >= 7
    match = Q(contact_phone=phone) if by_phone else Q(contact_name=text)
    found: list[Contact] = []
    records = (
        ReceptionRecord.objects.filter(match, community_id__in=scope)
        .exclude(contact_type=ContactType.OWNER)
        .exclude(contact_name=ANONYMISED)
        .select_related("community")
        .order_by("-received_at", "-pk")[:SEARCH_LIMIT]
    )
    found += [
        Contact("reception", r.pk, r.number, r.received_at, r.community.name, r.contact_name,
                mask_phone(r.contact_phone) if r.contact_phone else "", r.subject, r.get_absolute_url())
        for r in records
    ]  # fmt: skip
    complaints = (
        Complaint.objects.filter(match, community_id__in=scope, record__isnull=True)
        .exclude(contact_name=ANONYMISED)
        .select_related("community")
        .order_by("-received_at", "-pk")[:SEARCH_LIMIT]
    )
    found += [
        Contact("complaint", c.pk, c.number, c.received_at, c.community.name, c.contact_name,
                mask_phone(c.contact_phone) if c.contact_phone else "", c.subject, c.get_absolute_url())
        for c in complaints
    ]  # fmt: skip
    notes = (
        BoxSuggestion.objects.filter(community_id__in=scope, contact__contains=phone if by_phone else text)
        .exclude(contact=ANONYMISED)
        .select_related("community")
        .order_by("-created_at", "-pk")[:SEARCH_LIMIT]
    )
    found += [
        Contact("box", n.pk, "", n.created_at, n.community.name, "",
                mask_phone(n.contact) if by_phone else n.contact, n.text[:60], "")
        for n in notes
    ]  # fmt: skip
    return found


def contact_get_for_user(*, user, kind: str, pk: int):
    """The record holding a non-owner's data, within the user's communities (404 otherwise)."""
    from complaints.models import Complaint
    from reception.models import ReceptionRecord
    from surveys.models import BoxSuggestion

    models = {
        "reception": ReceptionRecord,
        "complaint": Complaint,
        "box": BoxSuggestion,
        "family": FamilyMember,
        "emergency": EmergencyContact,
    }
    if kind not in models:
        raise Http404
    qs = models[kind].objects.visible_to(user).select_related("community")
    if kind in ("family", "emergency"):
        qs = qs.select_related("owner")
    return get_object_or_404(qs, pk=pk)


def contact_held(kind: str, row) -> dict:
    """The personal fields the record holds now, as the confirmation page shows them (masked phone)."""
    if kind == "box":
        return {"name": "", "phone": row.contact}
    if kind in ("family", "emergency"):
        return {"name": row.name, "phone": mask_phone(row.mobile) if row.mobile else ""}
    return {"name": row.contact_name, "phone": mask_phone(row.contact_phone) if row.contact_phone else ""}


ARCHIVE_KINDS = ("family", "emergency")  # in the confidential archive: only inside a window


def owner_window(*, user, owner: Owner) -> LookupRequest | None:
    """The user's open window on one of the owner's units (current or former), or None."""
    return (
        LookupRequest.objects.filter(
            unit__ownerships__owner=owner,
            requested_by=user,
            status=LookupRequest.Status.OPEN,
            expires_at__gt=timezone.now(),
        )
        .select_related("unit")
        .order_by("-expires_at")
        .first()
    )


def _already():
    return ArchiveError(_("This person's data has already been anonymised; nothing was changed."))


@transaction.atomic
def contact_anonymise(*, kind: str, pk: int, by, address: str | None = None) -> dict:
    """Anonymise one non-owner's personal data when it is no longer needed (PIPL Art. 47): the name
    becomes 已匿名 and the phone is emptied; the record, its case history and its timeline stay. One
    audit entry `privacy.anonymised` (kind and ids). Refused, with nothing changed, for an owner's
    data, an entry still in the archive, or data already anonymised."""
    from complaints.models import Complaint
    from reception.models import ContactType, ReceptionRecord
    from surveys.models import BoxSuggestion

    if kind not in CONTACT_KINDS:
        raise ArchiveError(_("Choose what to anonymise."))
    ids: dict = {}
    if kind == "reception":
        row = ReceptionRecord.objects.select_for_update().filter(pk=pk).first()
        _require_found(row, by)
        if row.contact_type == ContactType.OWNER:
            raise ArchiveError(
                _("This record names an owner: an owner's data stays in the archive (R-ARC-5).")
            )
        if row.contact_name == ANONYMISED:
            raise _already()
        if not (row.contact_name or row.contact_phone):
            raise ArchiveError(_("This record holds no personal data of the contact."))
        row.contact_name, row.contact_phone = ANONYMISED, ""
        row.save(update_fields=["contact_name", "contact_phone", "updated_at"])
        # The complaint that took the matter over carries a copy of the contact.
        followed = Complaint.objects.filter(record=row)
        ids["complaint_ids"] = list(followed.values_list("pk", flat=True))
        followed.update(contact_name=ANONYMISED, contact_phone="", updated_at=timezone.now())
    elif kind == "complaint":
        row = Complaint.objects.select_for_update().filter(pk=pk).first()
        _require_found(row, by)
        if row.record_id:
            raise ArchiveError(
                _("This complaint came from reception record %(number)s: anonymise the record, and the "
                  "complaint follows.") % {"number": f"JD{row.record_id:06d}"}
            )  # fmt: skip
        if row.contact_name == ANONYMISED:
            raise _already()
        if not (row.contact_name or row.contact_phone):
            raise ArchiveError(_("This record holds no personal data of the contact."))
        row.contact_name, row.contact_phone = ANONYMISED, ""
        row.save(update_fields=["contact_name", "contact_phone", "updated_at"])
    elif kind == "box":
        row = BoxSuggestion.objects.select_for_update().filter(pk=pk).first()
        _require_found(row, by)
        if row.contact == ANONYMISED:
            raise _already()
        if not row.contact:
            raise ArchiveError(_("This record holds no personal data of the contact."))
        row.contact = ANONYMISED
        row.save(update_fields=["contact", "updated_at"])
    else:
        ids.update(_archive_person_anonymise(kind, pk, by))
        row = ids.pop("row")
    audit_write(
        kind="privacy.anonymised", actor=by, community=row.community, address=address,
        what=kind, id=pk, **ids,
    )  # fmt: skip
    return {"kind": kind, "id": pk, **ids}


def _require_found(row, by) -> None:
    if row is None:
        raise ArchiveError(_("This record does not exist."))
    _require_manager(by, row.community_id)


def _archive_person_anonymise(kind: str, pk: int, by) -> dict:
    """A family member or emergency contact removed from the archive: the entry and the history's copies
    of its values are anonymised; a history line says so (R-ARC-3)."""
    model = FamilyMember if kind == "family" else EmergencyContact
    row = model.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=pk).first()
    _require_found(row, by)
    window = owner_window(user=by, owner=row.owner)
    if window is None:
        raise ArchiveError(_("Open a look-up of this archive first: its contents are confidential."))
    if row.removed_at is None:
        raise ArchiveError(
            _("This person is still in the owner's archive: remove the entry first (the history keeps it).")
        )
    if row.name == ANONYMISED:
        raise _already()
    old = {"name": row.name, "mobile": row.mobile}
    row.name, row.mobile = ANONYMISED, ""
    row.save(update_fields=["name", "mobile"])
    scrubbed = 0
    copies = ArchiveChange.objects.filter(owner=row.owner, kind__in=[f"{kind}.added", f"{kind}.removed"])
    for change in copies:
        values = change.before or change.after
        if values.get("name") == old["name"] and values.get("mobile", "") == old["mobile"]:
            clean = {"name": ANONYMISED, "relation": values.get("relation", "")}
            ArchiveChange.objects.filter(pk=change.pk).update(
                before=clean if change.before else {}, after=clean if change.after else {}
            )
            scrubbed += 1
    ArchiveChange.objects.create(
        community_id=row.community_id, unit=window.unit, owner=row.owner, kind=f"{kind}.anonymised",
        reason=_("No longer needed; anonymised (PIPL)"), by=by,
    )  # fmt: skip
    return {"row": row, "owner_id": row.owner_id, "history_scrubbed": scrubbed}
