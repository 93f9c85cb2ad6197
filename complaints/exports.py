"""Excel export of complaints: openpyxl write-only, streamed (STYLE.md 24)."""

from collections.abc import Iterable, Iterator

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from complaints.models import Category, Complaint, Severity, Validity
from propsvc.exports import stream_workbook
from propsvc.models import Department
from reception.models import Channel


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def complaints_headers() -> list[str]:
    return [
        _("Number"),
        _("Community"),
        _("Received at"),
        _("Channel"),
        _("Unit"),
        _("Owner"),
        _("Complainant"),
        _("Complaint"),
        _("Category"),
        _("Severity"),
        _("Responsible department"),
        _("Validity"),
        _("Status"),
        _("First response at"),
        _("Result reported at"),
        _("Signed off at"),
        _("Accepted by the owner at"),
        _("Closed at"),
        _("Plan round"),
        _("Reopen count"),
        _("Hours paused"),
        _("Overdue"),
    ]


def complaints_rows(rows: Iterable[tuple]) -> Iterator[list]:
    labels = {
        "channel": dict(Channel.choices),
        "category": dict(Category.choices),
        "severity": dict(Severity.choices),
        "department": dict(Department.Kind.choices),
        "validity": dict(Validity.choices),
        "status": dict(Complaint.Status.choices),
    }

    def label(kind, value):
        return str(labels[kind].get(value, value)) if value else ""

    yes, no = _("Yes"), _("No")
    for (
        pk, community, received_at, channel, building, entrance, room, owner, contact, subject, category,
        severity, department, validity, status, first_response, result_at, signed_off, accepted, closed,
        plan_round, reopen_count, paused_seconds, overdue,
    ) in rows:  # fmt: skip
        yield [
            f"TS{pk:06d}",
            community,
            _local(received_at),
            label("channel", channel),
            f"{building}栋{entrance}单元{room}室" if room else "",
            owner or "",
            contact,
            subject,
            label("category", category),
            label("severity", severity),
            label("department", department),
            label("validity", validity),
            label("status", status),
            _local(first_response),
            _local(result_at),
            _local(signed_off),
            _local(accepted),
            _local(closed),
            plan_round,
            reopen_count,
            round(paused_seconds / 3600, 1),
            yes if overdue else no,
        ]


def complaints_workbook(rows: Iterable[tuple]) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Complaints"))
    sheet.append(complaints_headers())
    for row in complaints_rows(rows):
        sheet.append(row)
    return workbook


def complaints_response(rows: Iterable[tuple]) -> FileResponse:
    filename = _("complaints") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_workbook(complaints_workbook(rows), filename=filename)
