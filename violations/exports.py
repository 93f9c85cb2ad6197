"""Excel files of violations: the list, the month's charges to collect, the statistics (STYLE.md 24)."""

import io
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook

from propsvc import export_jobs
from propsvc.exports import Progress, labels_of, local_naive, stream_file, stream_workbook, write_sheet
from propsvc.roles import Perm
from violations.models import Category, Severity, SubType, Violation


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _place(building, entrance, room, location) -> str:
    return f"{building}栋{entrance}单元{room}室" if room else (location or "")


def violations_headers() -> list[str]:
    return [
        _("Number"),
        _("Community"),
        _("Seen at"),
        _("Unit or place"),
        _("Owner"),
        _("Violation category"),
        _("Violation type"),
        _("What was seen"),
        _("Severity"),
        _("Status"),
        _("Registered by"),
        _("Closed at"),
        _("Rectification overdue"),
    ]


def violations_rows(rows: Iterable[tuple]) -> Iterator[list]:
    categories, subtypes = labels_of(Category.choices), labels_of(SubType.choices)
    severities, statuses = labels_of(Severity.choices), labels_of(Violation.Status.choices)
    local = local_naive()
    yes, no = _("Yes"), _("No")
    for (
        pk, community, observed_at, building, entrance, room, location, owner, category, subtype,
        description, severity, status, registered_first, registered_username, closed_at, overdue,
    ) in rows:  # fmt: skip
        yield [
            f"WZ{pk:06d}",
            community,
            local(observed_at),
            _place(building, entrance, room, location),
            owner or "",
            categories.get(category, category),
            subtypes.get(subtype, subtype),
            description,
            severities.get(severity, severity),
            statuses.get(status, status),
            registered_first or registered_username,
            local(closed_at),
            yes if overdue else no,
        ]


def write_violations(rows: Iterable[tuple], handle, progress: Progress | None = None) -> int:
    """The violation list's sheet, from violation_rows_for_export, written to the open binary
    `handle`; the inline response and the background job both call it."""
    return write_sheet(
        handle,
        title=_("Violations"),
        headers=violations_headers(),
        lines=lambda sheet: violations_rows(rows),
        progress=progress,
    )


def violations_response(rows: Iterable[tuple]) -> FileResponse:
    filename = _("violations") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_file(lambda handle: write_violations(rows, handle), filename=filename)


export_jobs.register(
    export_jobs.Exporter(
        name="violations",
        title=gettext_lazy("Violation records"),
        permission=Perm.VIEW_VIOLATIONS,
        write=export_jobs.list_writer(
            "violations.selectors.ViolationFilter",
            "violations.selectors.violation_rows_for_export",
            write_violations,
        ),
    )
)


def charges_headers() -> list[str]:
    return [
        pgettext("row number", "No."),
        _("Violation number"),
        _("Unit"),
        _("Owner"),
        _("Violation type"),
        _("Charge"),
        _("Amount (yuan)"),
        _("Basis"),
        _("Signed by"),
        _("Signed at"),
    ]


def charges_workbook_bytes(*, community, month, rows) -> bytes:
    """R-VIO-7: 代扣费用清单 of one community and month — one line per signed compensation, and
    the total. Small (a month's charges), so a normal workbook with a title row."""
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Charges to collect")[:31]
    sheet.append([_("Charges to collect %(month)s") % {"month": str(month)}])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"{settings.PROPSVC_COMPANY_NAME} · {community.name}"])
    sheet.append(charges_headers())
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    total = 0
    for n, measure in enumerate(rows, start=1):
        violation = measure.violation
        owner = violation.owner.name if violation.owner_id else ""
        signer = measure.signed_by.get_full_name() or measure.signed_by.get_username()
        sheet.append(
            [
                n,
                violation.number,
                violation.place,
                owner,
                violation.get_subtype_display(),
                str(measure.get_kind_display()),
                float(measure.amount),
                measure.basis,
                signer,
                _local(measure.signed_at),
            ]
        )
        sheet.cell(sheet.max_row, 7).number_format = "#,##0.00"
        sheet.cell(sheet.max_row, 10).number_format = "yyyy-mm-dd hh:mm"
        total += measure.amount
    if rows:
        sheet.append(["", "", "", "", "", _("Total"), float(total)])
        sheet.cell(sheet.max_row, 7).number_format = "#,##0.00"
        sheet.cell(sheet.max_row, 6).font = Font(bold=True)
    else:
        sheet.append([_("No charges to collect this month.")])
    for column, width in zip("ABCDEFGHIJ", (6, 12, 20, 12, 24, 16, 14, 40, 12, 18), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statistics_response(table: dict, *, communities) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Violations by category and month")[:31])
    sheet.append([_("Violations by category and month, %(year)d") % {"year": table["year"]}])
    sheet.append(["、".join(c.name for c in communities)])
    sheet.append([_("Violation category"), *[_("Month %(m)d") % {"m": m} for m in range(1, 13)], _("Total")])
    for line in table["lines"]:
        sheet.append([str(line["label"]), *line["months"], line["total"]])
    sheet.append([_("Total"), *table["totals"], table["total"]])
    sheet.append([_("Of which major"), *table["majors"], sum(table["majors"])])
    filename = _("violation-statistics") + f"-{table['year']}.xlsx"
    return stream_workbook(workbook, filename=filename)
