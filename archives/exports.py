"""Excel files of the register: the catalogue (业户档案目录, R-ARC-2) (STYLE.md 24).

No phone number is written: the catalogue is what every holder of `archives.view_register` may
see (DESIGN.md "Privacy"); the selector's rows do not carry one.
"""

from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from archives.models import AccessLog
from propsvc.exports import safe_row, stream_workbook

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
    """Each unit's line: text through safe_row (no formula runs), the handover date as a date and
    the floor area as a number with two decimals."""
    for number, row in enumerate(rows, start=1):
        values = catalogue_values(number, row)
        values[7] = _cell(sheet, values[7], DATE_FORMAT)
        values[8] = _cell(sheet, values[8], AREA_FORMAT)
        yield safe_row(sheet, values)


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


def catalogue_response(rows: Iterable, *, heading: Sequence[str] = ()) -> FileResponse:
    """业户档案目录 as an Excel file: the title, the company and what was chosen (community,
    building), the headers, then one line per unit, streamed from the selector's iterator."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Archive catalogue")[:31])
    _setup(sheet)
    title = WriteOnlyCell(sheet, value=_("Archive catalogue"))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append(safe_row(sheet, [" · ".join([settings.PROPSVC_COMPANY_NAME, *heading])]))
    bold = Font(bold=True)
    headers = []
    for text in catalogue_headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        headers.append(cell)
    sheet.append(headers)
    for line in catalogue_lines(sheet, rows):
        sheet.append(line)
    filename = _("archive-catalogue") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_workbook(workbook, filename=filename)


def access_log_response(rows) -> FileResponse:
    """The access log (查阅记录) as filtered on its page: who, when, which archive, what, under which
    request, from where. Streamed: a year of a large company's look-ups stays flat in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Access log"))
    sheet.append(
        [_("Time"), _("Staff member"), _("Community"), _("Unit"), _("What"), _("Document"),
         _("Look-up request"), _("Reason for the look-up"), _("From address")]
    )  # fmt: skip
    what = dict(AccessLog.What.choices)
    for entry in rows.iterator(chunk_size=2000):
        sheet.append(
            safe_row(
                sheet,
                [
                    timezone.localtime(entry.at).replace(tzinfo=None),
                    entry.user.get_full_name() or entry.user.get_username(),
                    entry.community.name,
                    entry.unit.label,
                    str(what.get(entry.what, entry.what)),
                    entry.document.title if entry.document_id else "",
                    entry.request.number,
                    entry.request.reason,
                    entry.address or "",
                ],
            )
        )
    filename = _("access-log") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_workbook(workbook, filename=filename)
