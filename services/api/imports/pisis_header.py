"""The first things read of a PISIS file: its encoding and its header (record type 1).

Both report into the reader's problems (:class:`services.api.imports.pisis_fields.FieldReader`); the
layout and the decisions are in :mod:`services.api.imports.pisis`.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from services.api.imports.pisis import ENCODING, NIT_RE, PisisFileName, PisisHeader
from services.api.imports.pisis_fields import FieldReader, show


def decode_pisis(reader: FieldReader, data: bytes) -> tuple[str, bool]:
    """The file's text and whether it was UTF-8 (warned: PISIS wants Latin-1, which maps every byte)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            _utf8_warning(reader)
            return text, True
    if data.isascii():
        return data.decode("ascii"), False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Latin-1 maps every byte: the text decodes and re-encodes to the same bytes.
        return data.decode(ENCODING), False
    _utf8_warning(reader)
    return text, True


def _utf8_warning(reader: FieldReader) -> None:
    reader.add(
        "warning",
        "encoding_utf8",
        None,
        None,
        "El archivo está en UTF-8 y PISIS exige ISO-8859-1 (Latin-1); se leyó como UTF-8 y la "
        "exportación lo escribirá en Latin-1.",
    )


def read_header(
    reader: FieldReader, row: int, content: str, fields: Sequence[str], name_info: PisisFileName | None
) -> int | None:
    """Check a header line of the right field count: sets the reader's `period` and, when every field is
    valid, its `header`; answers the declared count of detail lines (None when unreadable)."""
    _, id_type, nit, start_text, end_text, count_text = fields
    if id_type != "NI":
        reader.add(
            "error",
            "invalid_id_type",
            row,
            "tipo_identificacion",
            f"Tipo de identificación {show(id_type)}: los anexos PPS190 se reportan con NIT (NI).",
        )
    nit_ok = bool(NIT_RE.match(nit))
    if not nit_ok:
        reader.add(
            "error",
            "invalid_nit",
            row,
            "nit",
            f"NIT {show(nit)} inválido: deben ser de 1 a 12 dígitos, sin dígito de verificación.",
        )
    elif name_info is not None and (nit.lstrip("0") or "0") != name_info.nit:
        reader.add(
            "warning",
            "nit_mismatch",
            row,
            "nit",
            f"El NIT del encabezado ({nit}) no coincide con el del nombre del archivo "
            f"({name_info.nit}); confirme cuál es el de la institución antes de importar.",
        )
    start = reader.read_date(row, "fecha_inicio", start_text)
    end = reader.read_date(row, "fecha_fin", end_text)
    count = reader.read_integer(row, "cantidad_registros", count_text)
    if start is not None and end is not None:
        if start > end:
            reader.add(
                "error",
                "date_order",
                row,
                "fecha_fin",
                f"El periodo del encabezado termina ({end.isoformat()}) antes de empezar ({start.isoformat()}).",
            )
        else:
            reader.period = (start, end)
    if id_type == "NI" and nit_ok and start is not None and end is not None and count is not None:
        reader.header = PisisHeader(
            id_type=id_type, nit=nit, start_date=start, end_date=end, declared_count=count, raw=content
        )
    return count
