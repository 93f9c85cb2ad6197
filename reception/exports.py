"""Excel exports of reception records: openpyxl write-only, streamed (STYLE.md 24)."""

from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from propsvc.exports import stream_workbook
from reception.models import Channel, Kind, ReceptionRecord


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def records_headers() -> list[str]:
    return [
        _("Number"),
        _("Community"),
        _("Received at"),
        _("Channel"),
        _("Kind"),
        _("Unit"),
        _("Owner"),
        _("Contact name"),
        _("What was reported"),
        _("Details"),
        _("What the owner asks"),
        _("Status"),
        _("Outcome"),
        _("What the owner was told"),
        _("Promised reply time"),
        _("First response at"),
        _("Closed at"),
        _("Received by"),
        _("Overdue"),
    ]


def records_rows(rows: Iterable[tuple]) -> Iterator[list]:
    channels, kinds = dict(Channel.choices), dict(Kind.choices)
    statuses, outcomes = dict(ReceptionRecord.Status.choices), dict(ReceptionRecord.Outcome.choices)
    yes, no = _("Yes"), _("No")
    for (
        pk, community, received_at, channel, kind, building, entrance, room, owner, contact, subject, details,
        request, status, outcome, outcome_note, promised, first_response, closed, staff_name, username,
        overdue,
    ) in rows:  # fmt: skip
        unit = f"{building}栋{entrance}单元{room}室" if room else ""
        yield [
            f"JD{pk:06d}",
            community,
            _local(received_at),
            str(channels.get(channel, channel)),
            str(kinds.get(kind, kind)),
            unit,
            owner or "",
            contact,
            subject,
            details,
            request,
            str(statuses.get(status, status)),
            str(outcomes.get(outcome, "")) if outcome else "",
            outcome_note,
            _local(promised),
            _local(first_response),
            _local(closed),
            staff_name or username,
            yes if overdue else no,
        ]


def records_workbook(rows: Iterable[tuple]) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Reception records"))
    sheet.append(records_headers())
    for row in records_rows(rows):
        sheet.append(row)
    return workbook


def records_response(rows: Iterable[tuple]) -> StreamingHttpResponse:
    filename = _("reception-records") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_workbook(records_workbook(rows), filename=filename)
