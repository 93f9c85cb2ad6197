"""Excel files of owner visits (STYLE.md 24)."""

from collections.abc import Iterable, Iterator

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from propsvc.exports import safe_row, stream_workbook
from surveys.models import Mode, Signature, Topic


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def visits_headers() -> list[str]:
    return [
        _("Number"),
        _("Community"),
        _("Visited at"),
        _("Unit"),
        _("Owner"),
        _("Visit mode"),
        _("Topics"),
        _("The owner's opinions and needs"),
        _("Signature"),
        _("Appointment made at"),
        _("Appointment made with"),
        _("Visited by"),
    ]


def visits_rows(rows: Iterable[tuple]) -> Iterator[list]:
    modes, topics, signatures = dict(Mode.choices), dict(Topic.choices), dict(Signature.choices)
    separator = "、"
    for (
        pk, community, visited_at, building, entrance, room, owner, mode, chosen, opinions, signature,
        appointment_made_at, appointment_with, first_name, username,
    ) in rows:  # fmt: skip
        yield [
            f"ZF{pk:06d}",
            community,
            _local(visited_at),
            f"{building}栋{entrance}单元{room}室",
            owner or "",
            str(modes.get(mode, mode)),
            separator.join(str(topics.get(t, t)) for t in chosen or ()),
            opinions,
            str(signatures.get(signature, "")) if signature else "",
            _local(appointment_made_at),
            appointment_with,
            first_name or username,
        ]


def visits_response(rows: Iterable[tuple]) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Owner visits"))
    sheet.append(visits_headers())
    for row in visits_rows(rows):
        sheet.append(safe_row(sheet, row))
    filename = _("owner-visits") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_workbook(workbook, filename=filename)
