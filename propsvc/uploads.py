"""What an uploaded file really is, read from its content — never from its name or declared type.

Shared by every app that takes uploads (violation photos, archive documents). An HTML or SVG file
renamed .jpg or .pdf is none of these and is refused by the caller.
"""

import io
import zipfile

# (content type, extension) of the images Pillow reads and verifies.
IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}

OFFICE_PARTS = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
LEGACY_OFFICE = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def image_type(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) when the bytes are a JPEG, PNG or WebP image Pillow can read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return IMAGE_TYPES.get(fmt)


def document_type(content: bytes, *, name: str = "") -> tuple[str, str] | None:
    """(content type, extension) of a PDF, an image or an Office file; None for anything else.

    PDF by its header; Office Open XML by the parts inside the zip; the old binary Office formats
    (OLE2) by their signature, taking .doc/.xls/.ppt from the name only once the content is OLE2.
    """
    if content.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            for prefix, kind in OFFICE_PARTS.items():
                if any(n.startswith(prefix) for n in names):
                    return kind
        return None
    if content.startswith(OLE2_MAGIC):
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return (LEGACY_OFFICE[extension], extension) if extension in LEGACY_OFFICE else None
    return image_type(content)
