"""Excel imports parse untrusted XML safely (issue 11, item 6): openpyxl reads every workbook through
defusedxml, so an entity bomb or an external entity in a roster file is refused and imports nothing.
The size and row caps are proven in tests/archives/test_roster.py."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.xml import DEFUSEDXML

from archives.roster import RosterError, roster_import
from tests.archives.test_roster import many_rows, nothing_imported, xlsx

pytestmark = pytest.mark.django_db

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>"""


def test_openpyxl_parses_workbooks_with_defusedxml():
    assert DEFUSEDXML is True


def _with_sheet(xml: bytes):
    """A real roster workbook whose first sheet is replaced by `xml`."""
    clean = xlsx(many_rows(2)).read()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(clean)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


@pytest.mark.parametrize("xml", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_it_refuses_a_workbook_with_xml_entities(xml, community_a, dave):
    with pytest.raises(RosterError) as refused:
        roster_import(community=community_a, by=dave, file=_with_sheet(xml))
    assert [issue.code for issue in refused.value.issues] == ["not_xlsx"]
    assert nothing_imported()
    assert "root:" not in " ".join(str(issue) for issue in refused.value.issues)
