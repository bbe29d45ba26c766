"""Complaint files: read a CSV/TSV/XLSX of complaints and turn each row into a checked complaint draft.

Pure: bytes in, drafts and problems out; the catalogue of motives and the register of entities come in
as arguments, so nothing here touches the database. The file readers, encodings and format detection are
the file platform's (`services.api.files`), the same the plan importer reads with.

Two column profiles, told apart by the header row (found among the first rows, matched by normalised
synonyms, never by position):

* ``plain``, our template: ``radicado, filed_at, type, channel, risk, minor, entity_nit`` (or
  ``entity_id``), ``municipality_code, motive_code, text`` and the Spanish names people write
  (``fecha_radicacion``, ``tipo``, ``canal``, ``riesgo``, ``municipio``, ``motivo``, ``descripcion``…),
  plus optional personal data of the petitioner (``tipo_documento``, ``numero_documento``, ``nombres``,
  ``apellidos``, ``telefono``, ``correo``, ``direccion``, ``fecha_nacimiento``, ``sexo``).
* ``supersalud``, the columns of Supersalud's open data (``PQR_TIPOPETICION``, ``PQR_CANAL``,
  ``RIESGO_VIDA``, ``MES``, ``MOTIVO_ESPECIFICO``, ``ENT_NOMBRE``, ``AFEC_MPIO``, ``AFEC_EDADR``…). Its
  vocabularies are mapped to ours (channels as in the reference mapping: Personalizado → presencial,
  Telefónico → telefono, Chat → whatsapp…); a row with a month and no day is kept with
  ``date_precision`` ``month`` (no legal term, statistics only).

Both profiles read the same vocabularies (ours and Supersalud's), dates as ISO dates or instants, as
``dd/mm/aaaa`` or as Excel serial days, and a motive as one of our codes or as its name in the catalogue
valid on the filing date.

The package: `files` (the header and the rows), `values` (vocabularies and parsers), `drafts` (rows checked
into complaints) are pure; `importer` checks a whole file against the database and writes it. What callers
read of the pure part is re-exported here.
"""

from services.api.complaints.intake.drafts import (
    CatalogueMotive,
    Context,
    Draft,
    Entity,
    Register,
    draft_row,
    draft_rows,
)
from services.api.complaints.intake.files import (
    HEADERS,
    ComplaintFile,
    FileRow,
    Header,
    Profile,
    find_header,
    header_key,
    is_complaint_header,
    read_complaint_file,
)
from services.api.complaints.intake.values import (
    CHANNELS,
    MONTHS,
    RISKS,
    TYPES,
    parse_boolean,
    parse_instant,
    parse_month,
    value_key,
)

__all__ = [
    "CHANNELS",
    "HEADERS",
    "MONTHS",
    "RISKS",
    "TYPES",
    "CatalogueMotive",
    "ComplaintFile",
    "Context",
    "Draft",
    "Entity",
    "FileRow",
    "Header",
    "Profile",
    "Register",
    "draft_row",
    "draft_rows",
    "find_header",
    "header_key",
    "is_complaint_header",
    "parse_boolean",
    "parse_instant",
    "parse_month",
    "read_complaint_file",
    "value_key",
]
