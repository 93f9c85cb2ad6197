"""业户信息导入 — the roster import: an .xlsx of buildings, units and owners, all or nothing.

The file format is the template's (`roster_template_bytes`): one header row of fixed Chinese
column names (the words of the company's own forms, GLOSSARY.md, the same whatever the UI
language, so a file filled in by one person imports for another) and one row per unit.

Rules of the import (`roster_import`):

- Every row is checked before anything is written; each problem is reported with the row number
  as Excel shows it, the column and the reason. One problem anywhere and nothing is imported.
- 楼栋 is a building number as the register writes it: digits or Latin letters ("3", "A"), with a
  trailing 栋 / 幢 / 座 / 号楼 read away ("3栋" is 3), leading zeros dropped ("03" is 3), letters
  upper-cased. Anything else ("三栋", "东区", "3栋2单元") is an *unknown building*. A building the
  community does not have yet is created; an existing one is reused.
- 房号 is 3–5 digits, floor then door (1101 is floor 11, door 01); 楼层 may be left empty and is then
  read from the room number, as the register does. A room may appear once in the file and must not
  be in the community's register already (the import adds units; it never changes them).
- 房屋状态 is one of 自住 / 出租 / 空置 / 装修中; empty means 空置 (the register's default).
- 业主姓名 and 手机号码 go together (both or neither: an unsold unit has no owner); so do the
  co-owner's. An owner is the same person when name and mobile are equal: within the file (two
  units, one Owner) and against the community's existing owners (reused, not duplicated).
- The ownership starts on the handover date (收楼日期), or today when there is none.
- A row identical to the template's example row is skipped, so a template filled in below the
  example imports cleanly.
- Caps: the file at most PROPSVC_ROSTER_MAX_BYTES (5 MB), at most PROPSVC_ROSTER_MAX_ROWS (20,000)
  filled rows, the unzipped content at most 20 times the file cap (a zip bomb is refused before
  openpyxl reads it). The file is recognised by its content (zip magic, then openpyxl loads it),
  never by its name.

The writes run in one transaction with the community row locked (two imports into one community
run one after the other, so neither can create a room or building the other just checked) and
with bulk_create: the number of queries does not grow with the number of rows.
"""

import datetime
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import Building, Owner, Ownership, Unit, UnitEvent
from archives.services import ArchiveError
from propsvc.models import Community
from propsvc.roles import Perm
from propsvc.services import audit_write
from propsvc.validators import normalize_mobile, validate_cn_mobile

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
# A full roster (20,000 rows) unzips to about 10 MB; over 20× the file cap (100 MB) is not a roster.
UNZIPPED_FACTOR = 20
ZIP_MAGIC = b"PK\x03\x04"


def max_bytes() -> int:
    return getattr(settings, "PROPSVC_ROSTER_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_rows() -> int:
    return getattr(settings, "PROPSVC_ROSTER_MAX_ROWS", DEFAULT_MAX_ROWS)


# -- the file format -----------------------------------------------------------------------------

BUILDING = "楼栋"
ENTRANCE = "单元"
ROOM = "房号"
FLOOR = "楼层"
AREA = "建筑面积（㎡）"
HANDOVER = "收楼日期"
USE = "房屋状态"
OWNER = "业主姓名"
MOBILE = "手机号码"
CO_OWNER = "共有人姓名"
CO_MOBILE = "共有人手机号码"

COLUMNS = (BUILDING, ENTRANCE, ROOM, FLOOR, AREA, HANDOVER, USE, OWNER, MOBILE, CO_OWNER, CO_MOBILE)
REQUIRED = frozenset({BUILDING, ENTRANCE, ROOM, AREA})
TEXT_COLUMNS = frozenset({BUILDING, ROOM, MOBILE, CO_MOBILE})  # kept as text in the template

# The Unit.Use labels as staff write them (GLOSSARY.md 房屋状态); the active language's labels and
# the stored codes are accepted too.
USE_WORDS = {
    "自住": Unit.Use.OCCUPIED,
    "出租": Unit.Use.RENTED,
    "空置": Unit.Use.VACANT,
    "装修中": Unit.Use.RENOVATING,
}

SAMPLE = ("1", "1", "101", 1, 89.32, datetime.date(2020, 6, 1), "自住", "张三", "13800138000", "", "")

NAME_MAX = Owner._meta.get_field("name").max_length
BUILDING_MAX = Building._meta.get_field("number").max_length
ENTRANCE_MAX = 99
FLOOR_RANGE = (-9, 200)
AREA_MAX = Decimal("999999.99")  # Unit.area: 8 digits, 2 decimals

_BUILDING = re.compile(r"^[0-9A-Z]+$")
_BUILDING_SUFFIX = re.compile(r"(栋|幢|座|号楼)$")
_ROOM = re.compile(r"^\d{3,5}$")
_INT = re.compile(r"^-?\d+$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _header_key(text: str) -> str:
    # NFKC folds （）/() and ㎡/m² alike, so 建筑面积(㎡) typed by hand matches the template.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


HEADER_KEYS = {_header_key(column): column for column in COLUMNS}


# -- results and errors --------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterIssue:
    """One problem: the row as Excel numbers it (None for the file), the column, the reason."""

    row: int | None
    column: str
    message: str
    code: str = ""  # a stable name for the reason (tests, logs): "mobile", "duplicate_room", …

    def sort_key(self) -> tuple:
        return (self.row or 0, COLUMNS.index(self.column) if self.column in COLUMNS else len(COLUMNS))


@dataclass(frozen=True)
class RosterResult:
    buildings: int  # created
    units: int
    owners: int  # created
    owners_existing: int  # already in the community's register, reused
    ownerships: int


class RosterError(ArchiveError):
    """The file was refused; `issues` lists every problem found. Nothing was written."""

    def __init__(self, issues: Iterable[RosterIssue]):
        self.issues = sorted(issues, key=RosterIssue.sort_key)
        super().__init__(
            _("The roster was not imported: %(n)d problems were found and nothing was written.")
            % {"n": len(self.issues)}
        )


class _Bad(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Row:
    row: int
    building: str | None = None
    entrance: int | None = None
    room: str | None = None
    floor: int | None = None
    area: Decimal | None = None
    handover: datetime.date | None = None
    use: str = Unit.Use.VACANT
    owners: list[tuple[str, str]] = field(default_factory=list)  # (name, mobile): owner, co-owner

    @property
    def unit_key(self) -> tuple[str, int, str] | None:
        if self.building is None or self.entrance is None or self.room is None:
            return None
        return (self.building, self.entrance, self.room)


def _label(key: tuple[str, int, str]) -> str:
    building, entrance, room = key
    return f"{building}栋{entrance}单元{room}室"  # as Unit.label writes it


# -- the service ---------------------------------------------------------------------------------


def roster_import(*, community: Community, by, file) -> RosterResult:
    """Import a roster (业户信息导入) into one community, all or nothing.

    Raises RosterError with every problem found (file, header, rows, rooms already registered);
    then nothing is written. Otherwise creates the missing buildings, the units, the owners not yet
    registered, the ownerships, one timeline event per unit and one audit entry (counts only).
    """
    if not by.has_perm(Perm.IMPORT_ROSTER, community):
        message = _("Your role does not allow this action in this community.")
        raise RosterError([RosterIssue(None, "", message, "permission")])
    file_name = os.path.basename(getattr(file, "name", "") or "")[:200]
    rows, issues = _parse(file)  # no database work: the file is read before the transaction
    with transaction.atomic():
        # Imports into one community run one after the other (see the module docstring).
        Community.objects.select_for_update().filter(pk=community.pk).values_list("pk").get()
        buildings = {_building_key(b.number): b for b in Building.objects.filter(community=community)}
        issues += _check_register(community, rows)
        if issues:
            raise RosterError(issues)
        return _write(community=community, by=by, rows=rows, buildings=buildings, file_name=file_name)


def _write(*, community, by, rows: list[_Row], buildings: dict, file_name: str) -> RosterResult:
    new_buildings = []
    for number in dict.fromkeys(r.building for r in rows):
        if number not in buildings:
            # bulk_create skips Building.save(), which computes the natural sort key: same rule here.
            buildings[number] = Building(community=community, number=number, sort_key=_sort_key(number))
            new_buildings.append(buildings[number])
    Building.objects.bulk_create(new_buildings)
    units = Unit.objects.bulk_create(
        Unit(
            community=community,
            building=buildings[r.building],
            entrance=r.entrance,
            floor=r.floor,
            room=r.room,
            area=r.area,
            handover_date=r.handover,
            use=r.use,
        )
        for r in rows
    )
    owners = _existing_owners(community=community, keys={key for r in rows for key in r.owners})
    existing = len(owners)
    new_owners = []
    for name, mobile in (key for r in rows for key in r.owners):
        if (name, mobile) not in owners:
            # bulk_create skips Owner.save(), which fills the phone tail the unit search reads.
            owners[(name, mobile)] = Owner(
                community=community, name=name, mobile=mobile, mobile_tail=mobile[-4:]
            )
            new_owners.append(owners[(name, mobile)])
    Owner.objects.bulk_create(new_owners)
    today = timezone.localdate()
    ownerships = Ownership.objects.bulk_create(
        Ownership(community=community, unit=unit, owner=owners[key], start_date=r.handover or today)
        for r, unit in zip(rows, units, strict=True)
        for key in r.owners
    )
    UnitEvent.objects.bulk_create(
        UnitEvent(
            community=community,
            unit=unit,
            kind="unit.imported",
            actor=by,
            note=file_name,
            data={"row": r.row},
        )
        for r, unit in zip(rows, units, strict=True)
    )
    result = RosterResult(
        buildings=len(new_buildings),
        units=len(units),
        owners=len(new_owners),
        owners_existing=existing,
        ownerships=len(ownerships),
    )
    audit_write(kind="archives.roster_import", actor=by, community=community, **asdict(result))
    return result


def _sort_key(number: str) -> str:
    return number.zfill(10) if number.isdigit() else f"~{number}"


def _building_key(number: str) -> str:
    """The building number as the import compares it: "03" is 3, "a" is A."""
    number = number.strip().upper()
    return str(int(number)) if number.isdigit() else number


def _existing_owners(*, community, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Owner]:
    """The community's owners with these (name, mobile), in one query: the rule of
    archives.selectors.owner_find_in_community (community, name, mobile; the first when there are
    several), read for every owner of the file at once instead of one query per owner."""
    if not keys:
        return {}
    found: dict[tuple[str, str], Owner] = {}
    candidates = Owner.objects.filter(community=community, mobile__in={m for _, m in keys}).order_by("pk")
    for owner in candidates:
        if (owner.name, owner.mobile) in keys:
            found.setdefault((owner.name, owner.mobile), owner)
    return found


def _check_register(community, rows: list[_Row]) -> list[RosterIssue]:
    """Rooms of the file already in the community's register (one query)."""
    keys: dict[tuple[str, int, str], int] = {}
    for r in rows:
        if r.unit_key:
            keys.setdefault(r.unit_key, r.row)  # a room twice in the file: on its first row
    if not keys:
        return []
    registered = Unit.objects.filter(community=community, room__in={room for _, _, room in keys})
    issues = []
    for number, entrance, room in registered.values_list("building__number", "entrance", "room").iterator():
        key = (_building_key(number), entrance, room)
        if key in keys:
            message = _("%(unit)s is already in the register of this community; the import only adds units.")
            issues.append(RosterIssue(keys[key], ROOM, message % {"unit": _label(key)}, "room_exists"))
    return issues


# -- reading the file ----------------------------------------------------------------------------


def _file_error(code: str, message: str) -> RosterError:
    return RosterError([RosterIssue(None, "", message, code)])


def _not_xlsx() -> RosterError:
    message = _(
        "The file is not an Excel workbook (.xlsx). Save it in Excel as “Excel Workbook (*.xlsx)” "
        "and upload it again."
    )
    return _file_error("not_xlsx", message)


def _read_upload(file) -> bytes:
    limit = max_bytes()
    message = _("The file is larger than %(mb)s MB; split the roster into several files.")
    too_large = _file_error("too_large", message % {"mb": f"{limit / (1024 * 1024):g}"})
    if (getattr(file, "size", None) or 0) > limit:
        raise too_large
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(limit + 1)
    if len(content) > limit:
        raise too_large
    if not content.startswith(ZIP_MAGIC):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _not_xlsx() from exc
    if unzipped > limit * UNZIPPED_FACTOR:
        raise too_large
    return content


def _parse(file) -> tuple[list[_Row], list[RosterIssue]]:
    """The rows of the first sheet and the problems of each row. File-level problems raise."""
    from openpyxl import load_workbook

    content = _read_upload(file)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # any failure to read untrusted content means: not a workbook we can read
        raise _not_xlsx() from exc
    try:
        if not workbook.worksheets:
            raise _not_xlsx()
        lines = _rows_of(workbook.worksheets[0])
        positions = _read_header(next(lines, None))
        return _parse_rows(lines, positions)
    finally:
        workbook.close()


def _rows_of(sheet):
    """The sheet's rows as tuples of values. A read-only sheet is parsed while it is iterated, so a
    damaged sheet part fails here, row by row: that is a file we cannot read, not a bug of ours."""
    lines = sheet.iter_rows(values_only=True)
    while True:
        try:
            cells = next(lines)
        except StopIteration:
            return
        except Exception as exc:
            raise _not_xlsx() from exc
        yield cells


def _read_header(header) -> dict[str, int]:
    """Column name → position: every template column once and nothing else (a misspelt column would
    otherwise be dropped without a word)."""
    texts = [_text(value) for value in header or ()]
    if not any(texts):
        message = _("The first row must be the template's header row; download the template and keep it.")
        raise _file_error("header", message)
    positions: dict[str, int] = {}
    issues = []
    for index, text in enumerate(texts):
        column = HEADER_KEYS.get(_header_key(text)) if text else None
        if text and column is None:
            message = _("Unknown column in the header row; use the template's columns only.")
            issues.append(RosterIssue(1, text, message, "header"))
        elif column in positions:
            issues.append(RosterIssue(1, column, _("This column appears twice in the header row."), "header"))
        elif column:
            positions[column] = index
    for column in COLUMNS:
        if column not in positions:
            message = _("Column missing from the header row; download the template and keep its first row.")
            issues.append(RosterIssue(1, column, message, "header"))
    if issues:
        raise RosterError(issues)
    return positions


def _parse_rows(lines, positions: dict[str, int]) -> tuple[list[_Row], list[RosterIssue]]:
    limit = max_rows()
    used = set(positions.values())
    rows: list[_Row] = []
    issues: list[RosterIssue] = []
    first_seen: dict[tuple[str, int, str], int] = {}
    for number, cells in enumerate(lines, start=2):
        texts = [_text(value) for value in cells]
        if not any(texts):
            continue  # blank rows are not rows
        values = {column: cells[i] if i < len(cells) else None for column, i in positions.items()}
        if tuple(_text(values[c]) for c in COLUMNS) == SAMPLE_TEXT:
            continue  # the template's example row, left in place
        if len(rows) >= limit:
            message = _("The file has more than %(n)d rows; split the roster into several files.")
            raise _file_error("too_many_rows", message % {"n": limit})
        row = _parse_row(number, values, issues)
        for index, text in enumerate(texts):
            if text and index not in used:
                message = _("This cell is outside the template's columns; move the value or delete it.")
                issues.append(RosterIssue(number, _column_letter(index), message, "extra_value"))
        if (key := row.unit_key) in first_seen:
            message = _("%(unit)s appears more than once in the file (first on row %(row)d).")
            message %= {"unit": _label(key), "row": first_seen[key]}
            issues.append(RosterIssue(number, ROOM, message, "duplicate_room"))
        elif key is not None:
            first_seen[key] = number
        rows.append(row)
    if not rows:
        raise _file_error("empty", _("The file has no rows to import below the header row."))
    return rows, issues


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _parse_row(number: int, values: dict, issues: list[RosterIssue]) -> _Row:
    def check(column, parse):
        if _text(values[column]) == "":
            if column in REQUIRED:
                issues.append(
                    RosterIssue(number, column, _("This cell is required; fill it in."), "required")
                )
            return None
        try:
            return parse(values[column])
        except _Bad as bad:
            issues.append(RosterIssue(number, column, bad.message, bad.code))
            return None

    row = _Row(row=number)
    row.building = check(BUILDING, _building)
    row.entrance = check(ENTRANCE, _entrance)
    row.room = check(ROOM, _room)
    row.floor = check(FLOOR, _floor)
    if row.room is not None and _text(values[FLOOR]) == "":
        row.floor = int(row.room[:-2])  # 1101 → floor 11, as the register reads it
    row.area = check(AREA, _area)
    row.handover = check(HANDOVER, _date)
    row.use = check(USE, _use) or Unit.Use.VACANT
    owner = _person(number, values, OWNER, MOBILE, issues)
    co_owner = _person(number, values, CO_OWNER, CO_MOBILE, issues)
    has_owner = _text(values[OWNER]) or _text(values[MOBILE])
    if not has_owner and (_text(values[CO_OWNER]) or _text(values[CO_MOBILE])):
        issues.append(RosterIssue(number, OWNER, _("Enter the owner before a co-owner."), "required"))
    if owner and owner == co_owner:
        # One person cannot hold two open ownerships of one unit (the model's constraint).
        message = _("The co-owner is the same person as the owner.")
        issues.append(RosterIssue(number, CO_OWNER, message, "co_owner"))
    row.owners = [person for person in (owner, co_owner) if person]
    return row


def _person(number, values, name_column, mobile_column, issues) -> tuple[str, str] | None:
    """(name, mobile) of an owner or a co-owner: both cells or neither."""
    name, mobile = _text(values[name_column]), _text(values[mobile_column])
    if not name and not mobile:
        return None
    required = _("Required when %(column)s is filled in.")
    if not name:
        issues.append(RosterIssue(number, name_column, required % {"column": mobile_column}, "required"))
    elif len(name) > NAME_MAX:
        message = _("A name can have at most %(n)d characters.") % {"n": NAME_MAX}
        issues.append(RosterIssue(number, name_column, message, "name"))
    if not mobile:
        issues.append(RosterIssue(number, mobile_column, required % {"column": name_column}, "required"))
        return None
    mobile = normalize_mobile(mobile)
    try:
        validate_cn_mobile(mobile)
    except ValidationError as exc:
        issues.append(RosterIssue(number, mobile_column, exc.messages[0], "mobile"))
        return None
    return (name, mobile) if name and len(name) <= NAME_MAX else None


# -- cell values ---------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: Excel numbers without a spurious ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


SAMPLE_TEXT = tuple(_text(v) for v in SAMPLE)


def _number_text(value) -> str:
    """A number cell, or a numeric text, without its unit suffix."""
    return _text(value).replace(" ", "")


def _building(value) -> str:
    text = _BUILDING_SUFFIX.sub("", _number_text(value)).upper()
    if text.isdigit():
        text = str(int(text))
    if not _BUILDING.match(text) or len(text) > BUILDING_MAX:
        raise _Bad(
            "building",
            _(
                "Unknown building “%(value)s”: write the building number as digits or Latin letters, "
                "e.g. 3 or A (3栋 and 3号楼 are read as 3)."
            )
            % {"value": _text(value)[:30]},
        )
    return text


def _entrance(value) -> int:
    text = _number_text(value).removesuffix("单元")
    if not _INT.match(text) or not 1 <= int(text) <= ENTRANCE_MAX:
        raise _Bad(
            "entrance",
            _("Enter the entrance as a whole number from 1 to %(max)d, e.g. 2 (2单元 is read as 2).")
            % {"max": ENTRANCE_MAX},
        )
    return int(text)


def _room(value) -> str:
    text = _number_text(value).removesuffix("室")
    if not _ROOM.match(text):
        raise _Bad(
            "room",
            _("Enter the room number as 3 to 5 digits, floor then door, e.g. 1101 (floor 11, door 01)."),
        )
    return text


def _floor(value) -> int:
    text = _number_text(value).removesuffix("层").removesuffix("楼")
    low, high = FLOOR_RANGE
    if not _INT.match(text) or not low <= int(text) <= high:
        raise _Bad(
            "floor",
            _("Enter the floor as a whole number, or leave the cell empty to read it from the room number."),
        )
    return int(text)


def _area(value) -> Decimal:
    text = _number_text(value)
    for unit in ("平方米", "平米", "m2", "M2"):  # ㎡ and m² are m2 after NFKC
        text = text.removesuffix(unit)
    try:
        area = Decimal(text.replace(",", "")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        area = None
    if area is None or not area.is_finite() or not Decimal(0) < area <= AREA_MAX:
        raise _Bad("area", _("Enter the floor area as a positive number of square metres, e.g. 89.32."))
    return area


def _date(value) -> datetime.date:
    date = None
    if isinstance(value, datetime.datetime):
        date = value.date()
    elif isinstance(value, datetime.date):
        date = value
    elif isinstance(value, str):
        text = _text(value)
        for fmt in _DATE_FORMATS:
            try:
                date = datetime.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
    if date is None:
        raise _Bad("date", _("Enter the handover date as a date, e.g. 2020-06-01."))
    if date > timezone.localdate():
        raise _Bad("date", _("The handover date cannot be in the future."))
    return date


def _use(value) -> str:
    text = _text(value)
    words = dict(USE_WORDS)
    words.update({str(label): code for code, label in Unit.Use.choices})  # the active language
    words.update({code: code for code in Unit.Use.values})
    use = words.get(text) or words.get(text.lower())
    if use is None:
        raise _Bad(
            "use",
            _("Choose one of %(choices)s; an empty cell means %(vacant)s.")
            % {"choices": "、".join(USE_WORDS), "vacant": "空置"},
        )
    return use


# -- the template --------------------------------------------------------------------------------


def roster_template_bytes() -> bytes:
    """The roster template: the header row, the example row, a drop-down list for 房屋状态 and an
    instructions sheet. The headers and the list are the fixed file format (see the module docstring);
    the sheet names and the instructions follow the user's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Roster")[:31]
    sheet.append(COLUMNS)
    sheet.append(SAMPLE)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    sheet.freeze_panes = "A2"
    last = max_rows() + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(10, len(column) * 2 + 4)
        if column in TEXT_COLUMNS:
            dimension.number_format = "@"  # 13800138000 stays a number, not 1.38E+10; 0101 keeps its 0
        elif column == HANDOVER:
            dimension.number_format = "yyyy-mm-dd"

    use_list = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(USE_WORDS)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=USE,
        error=_("Choose one of the listed uses of the unit."),
    )
    area_check = DataValidation(
        type="decimal",
        operator="greaterThan",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=AREA,
        error=_("Enter the floor area as a positive number of square metres, e.g. 89.32."),
    )
    use_col = get_column_letter(COLUMNS.index(USE) + 1)
    area_col = get_column_letter(COLUMNS.index(AREA) + 1)
    sheet.add_data_validation(use_list)
    sheet.add_data_validation(area_check)
    use_list.add(f"{use_col}2:{use_col}{last}")
    area_check.add(f"{area_col}2:{area_col}{last}")

    notes = workbook.create_sheet(_("Instructions")[:31])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 90
    notes.append([_("Roster import")])
    notes["A1"].font = Font(bold=True, size=14)
    for line in _instructions():
        notes.append([line])
    notes.append([])
    notes.append([_("Column"), _("Required"), _("How to fill it in")])
    for cell in notes[notes.max_row]:
        cell.font = bold
    for column, how in _column_help():
        notes.append([column, _("Yes") if column in REQUIRED else _("No"), how])
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions() -> list[str]:
    return [
        _("Fill in one row per unit on the first sheet, below the header row; do not change the header row."),
        _("Row 2 is an example: overwrite it or leave it as it is (an unchanged example row is skipped)."),
        _(
            "Every row is checked first: if any row has a problem, nothing is imported and every problem "
            "is listed with its row number."
        ),
        _("Buildings not yet in the community are created; rooms already in the register are refused."),
        limits_text(),
    ]


def limits_text() -> str:
    return _("At most %(rows)d rows and %(mb)s MB per file.") % {
        "rows": max_rows(),
        "mb": f"{max_bytes() / (1024 * 1024):g}",
    }


def _column_help() -> list[tuple[str, str]]:
    return [
        (BUILDING, _("Building number: digits or Latin letters, e.g. 3 or A (3栋 is read as 3).")),
        (ENTRANCE, _("Entrance number, e.g. 2 (2单元 is read as 2).")),
        (ROOM, _("Room number, floor then door, 3 to 5 digits, e.g. 1101.")),
        (FLOOR, _("Floor; leave it empty to read it from the room number (1101 is floor 11).")),
        (AREA, _("Floor area in square metres, a positive number, e.g. 89.32.")),
        (HANDOVER, _("The date the owner received the unit, e.g. 2020-06-01; the ownership starts then.")),
        (
            USE,
            _("One of %(choices)s; empty means %(vacant)s.")
            % {"choices": "、".join(USE_WORDS), "vacant": "空置"},
        ),
        (OWNER, _("The owner's name; leave it and the mobile empty for a unit without an owner.")),
        (MOBILE, _("The owner's 11-digit mainland China mobile number.")),
        (CO_OWNER, _("Optional: a co-owner's name, with the co-owner's mobile.")),
        (CO_MOBILE, _("The co-owner's 11-digit mainland China mobile number.")),
    ]
