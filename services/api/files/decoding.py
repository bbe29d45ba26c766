"""Bytes of a text export → text: encodings, byte order marks, line endings, double encoding, binary files.

Spreadsheets export text in whatever encoding the machine had: UTF-8 with or without BOM, UTF-16 (Excel's
"Unicode text"), Windows-1252 on Spanish Windows, or a mixture when files were pasted together. Decoding
never raises; what it had to guess is reported as a problem.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

from services.api.files.problems import ParseProblem, problem

__all__ = ["decode_spreadsheet_bytes", "decode_spreadsheet_text", "normalise_newlines"]


def decode_spreadsheet_text(data: bytes) -> str:
    """Decode a spreadsheet export and normalise its line endings to ``\\n``.

    Accepts UTF-8 with or without BOM, UTF-16 with or without BOM (Excel's "Unicode text") and, for lines
    that are not valid UTF-8, Windows-1252 (what Excel writes on Spanish Windows) or, for the few bytes
    cp1252 leaves undefined, Latin-1. Never raises: Latin-1 decodes any byte. See
    :func:`decode_spreadsheet_bytes` for the problems found on the way.
    """
    return decode_spreadsheet_bytes(data)[0]


_LINE_BREAK_BYTES: Final = re.compile(rb"\r\n|\r|\n")
# Text that was UTF-8, read as cp1252 (or Latin-1) and saved as UTF-8 again: "ACCIÃ“N" for "ACCIÓN".
_MOJIBAKE_RE: Final = re.compile(
    "[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_BINARY_SAMPLE: Final = 65_536
_BINARY_CONTROL_SHARE: Final = 0.01


_BAD_CHARACTERS = re.compile("[\ufffd\x80-\x9f]")


def decode_spreadsheet_bytes(data: bytes) -> tuple[str, tuple[ParseProblem, ...]]:
    """:func:`decode_spreadsheet_text` plus the problems of the encoding.

    * ``binary_file`` (error): NUL bytes or many control characters: not a text export at all.
    * ``mixed_encoding`` (warning): some lines are not UTF-8 although the file has a UTF-8 BOM or other
      lines are UTF-8; they were read as Windows-1252.
    * ``double_encoded_text`` (warning): ``ACCIÃ“N`` for ``ACCIÓN``, text encoded twice; repaired when
      the repair is exact.
    * ``invalid_characters`` (warning): bytes no encoding explains (shown as ``�`` or control characters).
    """
    problems: list[ParseProblem] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif (utf16 := _utf16_without_bom(data)) is not None:
        text = data.decode(utf16, errors="replace")
    else:
        has_bom = data.startswith(codecs.BOM_UTF8)
        body = data[len(codecs.BOM_UTF8) :] if has_bom else data
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, fallback_line, utf8_lines = _decode_by_line(body)
            if has_bom or utf8_lines:
                problems.append(
                    problem(
                        "warning",
                        "mixed_encoding",
                        "Parte del archivo no está en UTF-8 aunque el resto sí; esas filas se leyeron como "
                        "Windows-1252 (Excel en español). Revise las tildes y eñes, o exporte de nuevo como "
                        "«CSV UTF-8».",
                        fallback_line,
                    )
                )
    text = normalise_newlines(text)
    text = _repair_double_encoding(text, problems)

    sample = text[:_BINARY_SAMPLE]
    controls = sum(1 for char in sample if char < " " and char not in "\t\n")
    if "\x00" in sample or controls > _BINARY_CONTROL_SHARE * len(sample):
        problems.append(
            problem(
                "error",
                "binary_file",
                "El archivo no es texto (TSV/CSV) ni un libro XLSX: parece un archivo binario (PDF, imagen, "
                "documento de Word o un .xls antiguo). Guárdelo como .xlsx o como CSV y envíelo de nuevo.",
            )
        )
        return text, tuple(problems)
    # A regular expression scans in C: a per-character loop cost most of the time of a 10,000-row import.
    found = _BAD_CHARACTERS.search(text)
    bad = found.start() if found else None
    if bad is not None:
        problems.append(
            problem(
                "warning",
                "invalid_characters",
                "El archivo tiene caracteres que no corresponden a ninguna codificación conocida (se "
                "muestran como «�» o como símbolos de control); revise los textos de esa fila y las siguientes.",
                text.count("\n", 0, bad) + 1,
            )
        )
    return text, tuple(problems)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of the start is NUL, as UTF-16 text without BOM is."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _decode_by_line(body: bytes) -> tuple[str, int | None, bool]:
    """Decode line by line: UTF-8 where valid, else cp1252, else Latin-1 (files pasted together)."""
    pieces: list[str] = []
    fallback_line: int | None = None
    utf8_lines = False
    for number, line in enumerate(_LINE_BREAK_BYTES.split(body), start=1):
        try:
            piece = line.decode("utf-8")
            utf8_lines = utf8_lines or not line.isascii()
        except UnicodeDecodeError:
            try:
                piece = line.decode("cp1252")
            except UnicodeDecodeError:
                piece = line.decode("latin-1")
            if fallback_line is None:
                fallback_line = number
        pieces.append(piece)
    return "\n".join(pieces), fallback_line, utf8_lines


def _repair_double_encoding(text: str, problems: list[ParseProblem]) -> str:
    if _MOJIBAKE_RE.search(text) is None:
        return text
    lines = text.split("\n")
    first: int | None = None
    repaired_all = True
    for index, line in enumerate(lines):
        if _MOJIBAKE_RE.search(line) is None:
            continue
        first = first if first is not None else index + 1
        try:
            lines[index] = _windows_bytes(line).decode("utf-8")
        except UnicodeError:
            repaired_all = False
    problems.append(
        problem(
            "warning",
            "double_encoded_text",
            "El texto está codificado dos veces (por ejemplo «ACCIÃ“N» en lugar de «ACCIÓN»), como queda al "
            "abrir un CSV UTF-8 como si fuera Windows-1252 y guardarlo de nuevo; "
            + ("se corrigió al leerlo." if repaired_all else "algunas filas no se pudieron corregir."),
            first,
        )
    )
    return "\n".join(lines)


def _windows_bytes(text: str) -> bytes:
    """The bytes Windows read as ``text``: cp1252, whose five undefined bytes it shows as U+0081… (Latin-1)."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        return bytes(char.encode("cp1252")[0] if ord(char) > 0xFF else ord(char) for char in text)


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` (old Mac exports) become ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
