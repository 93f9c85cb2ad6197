"""Excel files of the register: the catalogue (业户档案目录, R-ARC-2) and the access log (STYLE.md 24);
above PROPSVC_EXPORT_INLINE_MAX_ROWS written by a background job (propsvc.export_jobs).

No phone number is written: the catalogue is what every holder of `archives.view_register` may
see (DESIGN.md "Privacy"); the selector's rows do not carry one.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from archives.models import AccessLog
from propsvc import export_jobs
from propsvc.exports import Progress, labels_of, local_naive, safe_row, stream_file, write_sheet
from propsvc.roles import Perm

DATE_FORMAT = "yyyy-mm-dd"
AREA_FORMAT = "0.00"
WIDTHS = (6, 8, 6, 6, 8, 20, 34, 12, 14)  # A…I, in characters


def catalogue_headers() -> list[str]:
    return [
        pgettext("row number", "No."),  # 序号
        _("Building"),  # 楼栋
        _("Entrance"),  # 单元
        _("Floor"),  # 楼层
        _("Room number"),  # 房号
        _("Owner name"),  # 业主姓名
        _("Address"),  # 地址
        _("Handover date"),  # 收楼日期
        _("Floor area (m²)"),  # 建筑面积（㎡）
    ]


def catalogue_values(number: int, row) -> list:
    """The printed line of one unit, as the page shows it: the same numbers, words and order."""
    return [
        number,
        row.building__number,
        row.entrance,
        row.floor,
        row.room,
        row.owner_names or "",
        row.address,
        row.handover_date,
        row.area,
    ]


def _cell(sheet: Worksheet, value, number_format: str):
    cell = WriteOnlyCell(sheet, value=value)
    if value is not None:
        cell.number_format = number_format
    return cell


def catalogue_lines(sheet: Worksheet, rows: Iterable) -> Iterator[list]:
    """Each unit's line: the handover date as a date and the floor area as a number with two
    decimals (text is made formula-safe by write_sheet)."""
    for number, row in enumerate(rows, start=1):
        values = catalogue_values(number, row)
        values[7] = _cell(sheet, values[7], DATE_FORMAT)
        values[8] = _cell(sheet, values[8], AREA_FORMAT)
        yield values


def _setup(sheet: Worksheet) -> None:
    """Column widths, A4 landscape, the headers repeated on every printed page (before any row:
    a write-only sheet takes its layout first)."""
    for letter, width in zip("ABCDEFGHI", WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "3:3"
    sheet.freeze_panes = "A4"


def _catalogue_head(sheet: Worksheet, heading: Sequence[str]) -> Iterator[list]:
    """The title, the company and what was chosen (community, building), then the bold headers."""
    title = WriteOnlyCell(sheet, value=_("Archive catalogue"))
    title.font = Font(bold=True, size=14)
    yield [title]
    yield safe_row(sheet, [" · ".join([settings.PROPSVC_COMPANY_NAME, *heading])])
    bold = Font(bold=True)
    headers = []
    for text in catalogue_headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        headers.append(cell)
    yield headers


def write_catalogue(
    rows: Iterable, handle, progress: Progress | None = None, *, heading: Sequence[str] = ()
) -> int:
    """业户档案目录 as an Excel file written to the open binary `handle`: the heading, then one line per
    unit from the selector's iterator; the inline response and the background job both call it."""
    return write_sheet(
        handle,
        title=_("Archive catalogue"),
        setup=_setup,
        head=lambda sheet: _catalogue_head(sheet, heading),
        lines=lambda sheet: catalogue_lines(sheet, rows),
        progress=progress,
    )


def catalogue_response(rows: Iterable, *, heading: Sequence[str] = ()) -> FileResponse:
    filename = _("archive-catalogue") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_file(lambda handle: write_catalogue(rows, handle, heading=heading), filename=filename)


def _catalogue_job(*, user, params: dict, handle, progress: Progress) -> int:
    from archives.catalogue import CatalogueFilter, catalogue_rows_for_export

    filters = export_jobs.filters_from(CatalogueFilter, params)
    rows = catalogue_rows_for_export(user=user, filters=filters)
    return write_catalogue(rows, handle, progress, heading=params.get("heading", ()))


# -- the access log (查阅记录) --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessLogFilter:
    """The access log's filters as the page resolved them (the selector's arguments)."""

    communities: list[int] | None = None
    staff_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    unit_text: str = ""


ACCESS_LOG_FIELDS = (
    "at",
    "user__first_name",
    "user__last_name",
    "user__username",
    "community__name",
    "unit__building__number",
    "unit__entrance",
    "unit__room",
    "what",
    "document__title",
    "request_id",
    "request__reason",
    "address",
)


def access_log_rows(rows) -> Iterator[tuple]:
    """The filtered log (selectors.access_log_list) as tuples, streamed: no model instances."""
    return rows.values_list(*ACCESS_LOG_FIELDS).iterator(chunk_size=2000)


def access_log_lines(rows: Iterable[tuple]) -> Iterator[list]:
    what_labels = labels_of(AccessLog.What.choices)
    local = local_naive()
    for (
        at, first_name, last_name, username, community, building, entrance, room, what, document,
        request_id, reason, address,
    ) in rows:  # fmt: skip
        yield [
            local(at),
            f"{first_name} {last_name}".strip() or username,
            community,
            f"{building}栋{entrance}单元{room}室",
            what_labels.get(what, what),
            document or "",
            f"CY{request_id:06d}",
            reason,
            address or "",
        ]


def access_log_headers() -> list[str]:
    return [
        _("Time"),
        _("Staff member"),
        _("Community"),
        _("Unit"),
        _("What"),
        _("Document"),
        _("Look-up request"),
        _("Reason for the look-up"),
        _("From address"),
    ]


def write_access_log(rows: Iterable[tuple], handle, progress: Progress | None = None) -> int:
    """The access log as filtered on its page (who, when, which archive, what, under which request,
    from where), from access_log_rows, written to the open binary `handle`."""
    return write_sheet(
        handle,
        title=_("Access log"),
        headers=access_log_headers(),
        lines=lambda sheet: access_log_lines(rows),
        progress=progress,
    )


def access_log_response(rows) -> FileResponse:
    """The filtered log (a queryset of selectors.access_log_list) as an Excel file. Streamed: a year
    of a large company's look-ups stays flat in memory."""
    filename = _("access-log") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    tuples = access_log_rows(rows)
    return stream_file(lambda handle: write_access_log(tuples, handle), filename=filename)


def _access_log_job(*, user, params: dict, handle, progress: Progress) -> int:
    from archives.selectors import access_log_list

    filters = export_jobs.filters_from(AccessLogFilter, params)
    rows = access_log_list(
        user=user,
        # Only where the user (still) holds the permission, as the page computed it.
        communities=export_jobs.communities_with(user, Perm.VIEW_ACCESS_LOG, filters.communities),
        staff=filters.staff_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        unit_text=filters.unit_text,
    )
    return write_access_log(access_log_rows(rows), handle, progress)


export_jobs.register(
    export_jobs.Exporter(
        name="catalogue",
        title=gettext_lazy("Archive catalogue"),
        permission=Perm.VIEW_REGISTER,
        write=_catalogue_job,
    )
)
export_jobs.register(
    export_jobs.Exporter(
        name="access_log",
        title=gettext_lazy("Access log"),
        permission=Perm.VIEW_ACCESS_LOG,
        write=_access_log_job,
    )
)
