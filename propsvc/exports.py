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
