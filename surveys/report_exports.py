"""The Excel file of a round's statistics (STYLE.md 24): the 问卷结果统计表 on one sheet, the suggestions
by topic on another (R-SUR-2 … R-SUR-7).

Both sheets are written from the same surveys.round_report.RoundStatistics as the page, so the file's
numbers are the page's. A rate is a number with one decimal ("0.0" format), or the page's "—" when there
is nothing to divide by; every text cell goes through propsvc.exports.safe_row, so a suggestion that
starts with "=" stays text.
"""

from decimal import Decimal

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from propsvc.exports import safe_row, stream_workbook
from surveys import formulas
from surveys.round_report import RoundStatistics


def _rate(sheet, value: str):
    """A displayed rate as a number cell with one decimal, or the text "—"."""
    if value == formulas.NO_VALUE:
        return value
    cell = WriteOnlyCell(sheet, value=Decimal(value))
    cell.number_format = "0.0"
    return cell


def _bold(sheet, values) -> list:
    row = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        row.append(cell)
    return row


def round_label(stats: RoundStatistics) -> str:
    return f"{stats.round.year} · {stats.round.get_period_display()}"


def table_headers() -> list[str]:
    return [
        _("Item"),
        _("Satisfied"),
        _("Basically satisfied"),
        _("Dissatisfied"),
        _("Left blank"),
        _("Several ticks"),
        _("Abstained"),
        _("Satisfaction rate (%)"),
    ]


def statistics_sheet(workbook, stats: RoundStatistics) -> None:
    """Sheet 1, the 问卷结果统计表: the key figures, the table per item and overall, the Pareto."""
    sheet = workbook.create_sheet(_("Survey statistics table"))
    sheet.column_dimensions["A"].width = 36
    round_ = stats.round
    sheet.append(_bold(sheet, [f"{settings.PROPSVC_COMPANY_NAME} · {round_.community.name}"]))
    status = str(round_.get_status_display())
    if stats.provisional:
        status = _("%(status)s (provisional figures)") % {"status": status}
    for label, value in (
        (_("Survey statistics table"), round_label(stats)),
        (_("Status"), status),
        (_("Community"), round_.community.name),
    ):
        sheet.append(safe_row(sheet, [label, value]))
    sheet.append([])
    sheet.append([_("Questionnaires sent"), stats.sent])
    sheet.append([_("Questionnaires returned"), stats.returned])
    sheet.append([_("Return rate (%)"), _rate(sheet, stats.return_rate)])
    sheet.append([_("Minimum return rate (%)"), stats.minimum_return_rate])
    sheet.append([_("Overall satisfaction rate (%)"), _rate(sheet, stats.overall.rate)])
    sheet.append([_("Return-rate penalty (points)"), _rate(sheet, stats.penalty)])
    sheet.append([_("Adjusted overall satisfaction rate (%)"), _rate(sheet, stats.adjusted_rate)])
    sheet.append([])
    sheet.append(_bold(sheet, table_headers()))
    for line in [*stats.items, stats.overall]:
        counts = [line.satisfied, line.basic, line.dissatisfied, line.blank, line.multiple, line.abstained]
        sheet.append([*safe_row(sheet, [line.label]), *counts, _rate(sheet, line.rate)])
    sheet.append([])
    pareto_headers = [_("Pareto of dissatisfied items"), _("Dissatisfied"), _("Cumulative %")]
    sheet.append(_bold(sheet, [*pareto_headers, _("Main improvement item")]))
    yes = _("Yes")
    for row in stats.pareto:
        main = yes if row.main else ""
        sheet.append([*safe_row(sheet, [row.label]), row.dissatisfied, _rate(sheet, row.cumulative), main])
    if not stats.pareto:
        sheet.append([_("No dissatisfied answers.")])
    if round_.analysis:
        sheet.append([])
        sheet.append(safe_row(sheet, [_("Analysis of the owners' main needs"), round_.analysis]))
    if round_.measures:
        sheet.append(safe_row(sheet, [_("Improvement measures"), round_.measures]))


def suggestions_sheet(workbook, stats: RoundStatistics) -> None:
    """Sheet 2: the suggestions by topic (R-SUR-7) — the count per topic, then each with its unit."""
    sheet = workbook.create_sheet(_("Suggestions by topic"))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["C"].width = 80
    sheet.append(_bold(sheet, [_("Topic"), _("Suggestions")]))
    for group in stats.suggestions:
        sheet.append(safe_row(sheet, [group.label, group.count]))
    sheet.append(safe_row(sheet, [_("Total"), stats.suggestion_count]))
    sheet.append([])
    sheet.append(_bold(sheet, [_("Topic"), _("Unit"), _("Suggestion")]))
    for group in stats.suggestions:
        for entry in group.entries:
            sheet.append(safe_row(sheet, [group.label, entry["unit"], entry["text"]]))


def statistics_response(stats: RoundStatistics) -> FileResponse:
    workbook = Workbook(write_only=True)
    statistics_sheet(workbook, stats)
    suggestions_sheet(workbook, stats)
    round_ = stats.round
    filename = _("survey-statistics") + f"-{round_.community.code}-{round_.year}{round_.period:02d}.xlsx"
    return stream_workbook(workbook, filename=filename)
