"""Excel helpers every app's exports.py shares (STYLE.md 24).

An app's list export is one function `write_<things>(rows, handle, progress=None) -> int` that
writes the sheet to an open binary file: the browser's response (`stream_file`, small exports) and
the background job's stored file (propsvc.export_jobs) both call it, so both hold the same cells.
"""

import contextlib
import tempfile
from collections.abc import Callable, Iterable

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# How often a writer reports its progress (one UPDATE of the job's row each time): 50 reports for
# 100,000 rows, which costs nothing next to openpyxl's ~10 µs a cell.
PROGRESS_EVERY = 2000

Progress = Callable[[int], object]


def stream_workbook(workbook, *, filename: str) -> FileResponse:
    """Save a write-only workbook to a temporary file and stream it to the browser.

    A write-only workbook keeps its rows in temporary files as they are appended, so memory stays
    flat however many rows the selector's iterator yields; the saved file is sent in chunks.
    """
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def stream_file(write: Callable[[object], object], *, filename: str) -> FileResponse:
    """Let `write(handle)` write a workbook to a temporary file, then stream that file (an inline
    export: the same writer the background job uses)."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — FileResponse closes it
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def local_naive() -> Callable:
    """A converter from an aware datetime to the naive local time Excel takes (it has no time
    zones), with the current zone looked up once: three times faster than timezone.localtime,
    which counts at 600,000 date cells."""
    zone = timezone.get_current_timezone()

    def local(value):
        return value.astimezone(zone).replace(tzinfo=None) if value else None

    return local


def labels_of(choices) -> dict:
    """Choices' labels as plain text in the current language, translated once (str() of a lazy
    label looks the translation up again each time)."""
    return {value: str(label) for value, label in choices}


FORMULA_STARTS = ("=", "+", "-", "@")


def safe_row(sheet, values) -> list:
    """A row for a write-only sheet in which text that Excel would run as a formula (= + - @ at the
    start) is written as plain text, and the control characters a worksheet cannot hold (pasted into
    a form's text: the forms refuse only NUL) are left out, instead of openpyxl refusing the file."""
    texts = [value for value in values if isinstance(value, str)]
    # One search over the row's texts joined, not one per cell: 2 million cells in a large export.
    if ILLEGAL_CHARACTERS_RE.search("".join(texts)) is None:
        for text in texts:
            if text.startswith(FORMULA_STARTS):
                break
        else:
            return values  # the usual row: nothing to change, so no copy
    row = []
    for value in values:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def write_sheet(
    handle,
    *,
    title: str,
    lines: Callable[[object], Iterable[list]],
    head: Callable[[object], Iterable[list]] | None = None,
    headers: list | None = None,
    setup: Callable[[object], None] | None = None,
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write one write-only sheet to `handle` and return how many data lines it holds.

    `setup(sheet)` sets the layout (it must come before any row in a write-only sheet); `head(sheet)`
    yields the rows above the data, or `headers` is the one header row; `lines(sheet)` yields the
    data lines, each made formula-safe here (safe_row) unless it is already a list of cells.
    `progress(n)` is told the count every `every` lines and once at the end.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    if setup is not None:
        setup(sheet)
    if head is not None:
        for row in head(sheet):
            sheet.append(row)
    elif headers is not None:
        sheet.append(safe_row(sheet, [str(h) for h in headers]))
    append = sheet.append
    written = 0
    try:
        for values in lines(sheet):
            append(safe_row(sheet, values))
            written += 1
            if progress is not None and not written % every:
                progress(written)
        workbook.save(handle)
    except BaseException:
        _discard(sheet)
        raise
    if progress is not None:
        progress(written)
    return written


def _discard(sheet) -> None:
    """Close a write-only sheet that will not be saved and remove its temporary file: it holds the
    rows appended so far (personal data), and openpyxl would otherwise leave it in the temporary
    directory until the worker process exits."""
    with contextlib.suppress(Exception):
        sheet.close()
    writer = getattr(sheet, "_writer", None)  # openpyxl's WorksheetWriter (no public way to reach it)
    if writer is not None and isinstance(writer.out, str):
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def write_plain(rows: Iterable[list], handle, *, title: str = "Sheet") -> int:
    """openpyxl alone: the given rows (already computed cell values) appended to a bare write-only
    workbook and saved. The benchmark's baseline for "the same cells" (issue 10)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    written = 0
    for row in rows:
        sheet.append(row)
        written += 1
    workbook.save(handle)
    return written
