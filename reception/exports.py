"""Excel exports of reception records: openpyxl write-only, streamed (STYLE.md 24); above
PROPSVC_EXPORT_INLINE_MAX_ROWS written by a background job (propsvc.export_jobs)."""

from collections.abc import Iterable, Iterator

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from propsvc import export_jobs
from propsvc.exports import Progress, labels_of, local_naive, stream_file, write_sheet
from propsvc.roles import Perm
from reception.models import Channel, Kind, ReceptionRecord


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
    channels, kinds = labels_of(Channel.choices), labels_of(Kind.choices)
    statuses, outcomes = labels_of(ReceptionRecord.Status.choices), labels_of(ReceptionRecord.Outcome.choices)
    local = local_naive()
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
            local(received_at),
            channels.get(channel, channel),
            kinds.get(kind, kind),
            unit,
            owner or "",
            contact,
            subject,
            details,
            request,
            statuses.get(status, status),
            outcomes.get(outcome, "") if outcome else "",
            outcome_note,
            local(promised),
            local(first_response),
            local(closed),
            staff_name or username,
            yes if overdue else no,
        ]


def write_records(rows: Iterable[tuple], handle, progress: Progress | None = None) -> int:
    """The reception records' sheet, from record_rows_for_export, written to the open binary
    `handle`; the inline response and the background job both call it."""
    return write_sheet(
        handle,
        title=_("Reception records"),
        headers=records_headers(),
        lines=lambda sheet: records_rows(rows),
        progress=progress,
    )


def records_response(rows: Iterable[tuple]) -> FileResponse:
    filename = _("reception-records") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_file(lambda handle: write_records(rows, handle), filename=filename)


export_jobs.register(
    export_jobs.Exporter(
        name="reception",
        title=gettext_lazy("Reception records"),
        permission=Perm.VIEW_RECORDS,
        write=export_jobs.list_writer(
            "reception.selectors.RecordFilter", "reception.selectors.record_rows_for_export", write_records
        ),
    )
)
