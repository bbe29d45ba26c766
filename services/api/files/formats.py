"""Which reader an uploaded file needs, told from its content: XLSX, PISIS or delimited text."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Final, Literal

__all__ = ["OLE2_MAGIC", "FileFormat", "detect_format"]

FileFormat = Literal["xlsx", "pisis", "delimited"]

_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An OLE2 compound file: an old ``.xls``, or a workbook protected with a password."""
_XLSX_EXTENSIONS: Final = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
_PISIS_NAME_RE: Final = re.compile(r"^PPS190[PS]PPS", re.IGNORECASE)
_PISIS_HEADER_RE: Final = re.compile(rb"^\s*1\|NI\|", re.IGNORECASE)


def detect_format(data: bytes, file_name: str) -> FileFormat:
    """Which reader a file needs, from its content; the name only breaks ties.

    * A zip archive holding ``[Content_Types].xml`` is XLSX, whatever its name.
    * A first line starting ``1|NI|`` (the PISIS header record) is PISIS, whatever its name.
    * Any other zip archive, or an OLE2 compound file (old ``.xls``, password-protected workbooks), is
      handed to the XLSX reader too: binary containers are never text, and that reader says exactly
      what is wrong (truncated, ``.xls``, OpenDocument, encrypted).
    * Ties, where the content proves nothing: an empty file, or pipe-separated lines without the
      PISIS header (detail lines only, another identification type). Then an ``.xlsx``-family name
      means XLSX, a ``PPS190PPPS``/``PPS190SPPS`` name means PISIS, anything else delimited text.
    """
    content = data.removeprefix(b"\xef\xbb\xbf")
    if content.startswith(_ZIP_MAGIC):
        return "xlsx"
    if content.startswith(OLE2_MAGIC):
        return "xlsx"
    if _PISIS_HEADER_RE.match(content[:64]):
        return "pisis"
    first_line = content[:4096].lstrip().split(b"\n", 1)[0]
    if content.strip() and b"|" not in first_line:
        return "delimited"
    name = PurePath(file_name).name
    if PurePath(name).suffix.lower() in _XLSX_EXTENSIONS:
        return "xlsx"
    if _PISIS_NAME_RE.match(name):
        return "pisis"
    return "delimited"
