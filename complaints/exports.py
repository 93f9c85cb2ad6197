"""Excel export of complaints: openpyxl write-only, streamed (STYLE.md 24); above
PROPSVC_EXPORT_INLINE_MAX_ROWS the list is written by a background job (propsvc.export_jobs)."""

from collections.abc import Iterable, Iterator

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook

from complaints.models import Category, Complaint, Severity, Validity
from propsvc import export_jobs
from propsvc.exports import Progress, labels_of, local_naive, stream_file, stream_workbook, write_sheet
from propsvc.models import Department
from propsvc.roles import Perm
from reception.models import Channel


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
    # Per cell work is kept small: 100,000 complaints are 2.2 million cells (issue 10).
    channels, categories = labels_of(Channel.choices), labels_of(Category.choices)
    severities, departments = labels_of(Severity.choices), labels_of(Department.Kind.choices)
    validities, statuses = labels_of(Validity.choices), labels_of(Complaint.Status.choices)
    local = local_naive()
    yes, no = _("Yes"), _("No")
    for (
        pk, community, received_at, channel, building, entrance, room, owner, contact, subject, category,
        severity, department, validity, status, first_response, result_at, signed_off, accepted, closed,
        plan_round, reopen_count, paused_seconds, overdue,
    ) in rows:  # fmt: skip
        yield [
            f"TS{pk:06d}",
            community,
            local(received_at),
            channels.get(channel, channel) if channel else "",
            f"{building}栋{entrance}单元{room}室" if room else "",
            owner or "",
            contact,
            subject,
            categories.get(category, category) if category else "",
            severities.get(severity, severity) if severity else "",
            departments.get(department, department) if department else "",
            validities.get(validity, validity) if validity else "",
            statuses.get(status, status) if status else "",
            local(first_response),
            local(result_at),
            local(signed_off),
            local(accepted),
            local(closed),
            plan_round,
            reopen_count,
            round(paused_seconds / 3600, 1),
            yes if overdue else no,
        ]


def write_complaints(rows: Iterable[tuple], handle, progress: Progress | None = None) -> int:
    """The complaint list's sheet, from the selector's rows (complaint_rows_for_export), written to
    the open binary `handle`; the inline response and the background job both call it."""
    return write_sheet(
        handle,
        title=_("Complaints"),
        headers=complaints_headers(),
        lines=lambda sheet: complaints_rows(rows),
        progress=progress,
    )


def complaints_cells(rows: Iterable[tuple]) -> list[list]:
    """The same cells as write_complaints writes (headers, then the lines), as lists: what the
    benchmark gives openpyxl alone (propsvc.exports.write_plain)."""
    return [[str(h) for h in complaints_headers()], *complaints_rows(rows)]


def complaints_response(rows: Iterable[tuple]) -> FileResponse:
    filename = _("complaints") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_file(lambda handle: write_complaints(rows, handle), filename=filename)


export_jobs.register(
    export_jobs.Exporter(
        name="complaints",
        title=gettext_lazy("Complaint records"),
        permission=Perm.VIEW_COMPLAINTS,
        write=export_jobs.list_writer(
            "complaints.selectors.ComplaintFilter",
            "complaints.selectors.complaint_rows_for_export",
            write_complaints,
        ),
    )
)


# -- the monthly statistics (R-CMP-9, R-CB-5) --------------------------------------------------------


def report_workbook(report: dict, *, communities) -> Workbook:
    """The monthly report as Excel: one sheet per table, Chinese headers, number formats, and
    native Excel charts (openpyxl.chart) for the trend and the Pareto. Same numbers as the page."""
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    workbook = Workbook()
    bold = Font(bold=True)
    month = str(report["month"])

    sheet = workbook.active
    sheet.title = _("Key figures")
    sheet.append([_("Monthly complaint statistics %(month)s") % {"month": month}])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["、".join(c.name for c in communities)])
    periods = report["periods"]
    sheet.append(
        [
            _("Figure"),
            str(periods["current"]),
            str(periods["previous"]),
            pgettext("compared with", "Change"),
            str(periods["last_year"]),
            pgettext("compared with", "Change"),
        ]
    )
    for row in report["key_rows"]:
        sheet.append(
            [
                row["label"],
                row["current"],
                row["previous"],
                row["vs_previous"],
                row["last_year"],
                row["vs_last_year"],
            ]
        )
        for cell in sheet[sheet.max_row][1:]:
            cell.number_format = "0.0" if row["percent"] else "0"
    for cell in sheet[3]:
        cell.font = bold
    sheet.column_dimensions["A"].width = 52

    for table in report["breakdowns"]:
        ws = workbook.create_sheet(str(table["title"])[:31])
        ws.append([_("Item"), _("Complaints"), _("Share (%)")])
        for row in table["rows"]:
            ws.append([row["label"], row["count"], row["share"]])
            ws.cell(ws.max_row, 3).number_format = "0.0"
        ws.column_dimensions["A"].width = 24

    ws = workbook.create_sheet(_("12-month trend"))
    ws.append([_("Month"), _("Complaints received")])
    for m, n in report["trend"]:
        ws.append([str(m), n])
    chart = LineChart()
    chart.title = _("12-month trend")
    chart.y_axis.title = _("Complaints received")
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=ws.max_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=ws.max_row))
    ws.add_chart(chart, "D2")

    ws = workbook.create_sheet(_("Pareto of categories"))
    ws.append([_("Category"), _("Complaints"), _("Cumulative %"), _("Main issue to improve")])
    yes = _("Yes")
    for row in report["pareto"]:
        ws.append([row["label"], row["count"], row["cumulative"], yes if row["main"] else ""])
        ws.cell(ws.max_row, 3).number_format = "0.0"
    if report["pareto"]:
        bars = BarChart()
        bars.title = _("Pareto of categories")
        bars.add_data(Reference(ws, min_col=2, min_row=1, max_row=ws.max_row), titles_from_data=True)
        bars.set_categories(Reference(ws, min_col=1, min_row=2, max_row=ws.max_row))
        line = LineChart()
        line.add_data(Reference(ws, min_col=3, min_row=1, max_row=ws.max_row), titles_from_data=True)
        line.y_axis.axId = 200
        line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 100
        line.y_axis.crosses = "max"
        bars += line
        ws.add_chart(bars, "F2")
    ws.column_dimensions["A"].width = 18

    cb = report["callbacks"]
    ws = workbook.create_sheet(_("Call-backs"))
    for label, value in [
        (_("Call-backs due this month"), cb["due"]),
        (_("Call-backs done"), cb["done"]),
        (_("Done on time"), cb["on_time"]["on_time"]),
        (_("Unreachable"), cb["unreachable"]),
        (_("Dissatisfied"), cb["dissatisfied"]),
        (_("Dissatisfied, since closed"), cb["dissatisfied_closed"]),
        (_("Dissatisfied, still open"), cb["dissatisfied_open"]),
        (_("Call-back satisfaction (satisfied or basically satisfied, %)"), cb["satisfaction_rate"]),
    ]:
        ws.append([label, value])
    ws.append([])
    ws.append(["", _("Satisfied"), _("Basically satisfied"), _("Dissatisfied")])
    for label, field in [
        (_("Quality rating"), "quality_rating"),
        (_("Service effect rating"), "effect_rating"),
        (_("Satisfaction rating"), "satisfaction"),
    ]:
        ws.append([label, cb[f"{field}_satisfied"], cb[f"{field}_basic"], cb[f"{field}_dissatisfied"]])
    ws.column_dimensions["A"].width = 52
    if report.get("callbacks_by_community"):
        ws = workbook.create_sheet(_("Call-backs by community"))
        ws.append(
            [_("Community"), _("Call-backs due this month"), _("Call-backs done"), _("Unreachable"),
             _("Satisfied"), _("Basically satisfied"), _("Dissatisfied"), _("Dissatisfied, still open"),
             _("Call-back satisfaction (satisfied or basically satisfied, %)")]
        )  # fmt: skip
        for row in report["callbacks_by_community"]:
            ws.append(
                [row["name"], row["due"], row["done"], row["unreachable"], row["satisfied"], row["basic"],
                 row["dissatisfied"], row["dissatisfied_open"], row["satisfaction_rate"]]
            )  # fmt: skip
        ws.column_dimensions["A"].width = 16
    return workbook


def report_response(report: dict, *, communities) -> FileResponse:
    filename = _("complaint-statistics") + f"-{report['month']}.xlsx"
    return stream_workbook(report_workbook(report, communities=communities), filename=filename)
