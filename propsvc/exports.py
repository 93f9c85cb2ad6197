"""Excel helpers every app's exports.py shares (STYLE.md 24)."""

import tempfile

from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def stream_workbook(workbook, *, filename: str) -> FileResponse:
    """Save a write-only workbook to a temporary file and stream it to the browser.

    A write-only workbook keeps its rows in temporary files as they are appended, so memory stays
    flat however many rows the selector's iterator yields; the saved file is sent in chunks.
    """
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


FORMULA_STARTS = ("=", "+", "-", "@")


def safe_row(sheet, values) -> list:
    """A row for a write-only sheet in which text that Excel would run as a formula (= + - @ at the
    start) is written as plain text."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
