"""Pure reader and writer of the Ministry's PISIS flat files of PPSS action plans (Resolución 2063 de 2017).

Institutions upload their action plan to SISPRO-PISIS as two annexes: ``PPS190PPPS`` (the programming)
and ``PPS190SPPS`` (its follow-up). The layout, as read from real files (see
``shared/external/hsvp_remedios/README.md``)::

    1|NI|890999888|2021-01-01|2021-12-31|42                                     header (record type 1)
    2|1|05604|E1La|M01|<goal text>|A01|<activity text>|1|26|2021-01-01|2021-02-20|0   programming detail
    2|1|05604|E1La|M01|A01|1|26|30|0|26|https://…|<evidence description>             follow-up detail

Latin-1, CRLF between lines, none after the last one, ``|`` separator, no quoting. File names are
``PPS190`` + ``PPPS``/``SPPS`` + cut-off date ``AAAAMMDD`` + ``NI`` + the NIT padded to 12 digits + ``.TXT``.

These modules do no I/O and know nothing of the database or HTTP: bytes in, a :class:`ParsedPisis`
with every problem found out (:mod:`~services.api.imports.pisis_read`); lines in, bytes out
(:mod:`~services.api.imports.pisis_write`). This one holds the layout, its types and the file names.
The importer decides what blocks a commit and matches a follow-up against the plan's programming
(:func:`follow_up_key`, :func:`programming_key`).

Decisions, each taken from the real file or from the export contract (a PISIS file imported and
exported gives its detail lines back byte for byte):

* **Texts are kept exactly as written**: double spaces, accents, case, typos. Nothing is trimmed or
  collapsed, because the Ministry already holds these bytes and the export must give them back.
* **Every line keeps ``raw``**, the decoded line as read. The writer formats each line from its typed
  fields; a number whose spelling the typed value cannot carry (``01`` for 1) is taken from ``raw``
  when ``raw`` still spells the same value, so an edited line writes its new value and an untouched
  one its original bytes. Lines built from the database leave ``raw`` as ``None``.
* **Codes stay text**: municipality (``05604``), target group (``01``), goal and activity codes keep
  their leading zeros.
* **A line whose fields cannot be typed** (wrong field count, a number or date that is not one, an
  ``eje_linea`` outside ``E1La``…``E5Lh``) is reported and left out of the result; lines with errors
  between fields (dates out of order, a duplicate key) are kept, the errors block the import anyway.
* **The header NIT is kept as written** and not corrected to the file name's: the real file declares
  890999888 in its header and 890985092 in its name, and only the user knows which is right
  (``nit_mismatch`` is a warning the user accepts).
* **Every non-empty line after the header counts as a detail record** for the header's count, as
  the platform counts them; blank lines inside the file are errors, blank lines at its end are only
  the ``trailing_newline`` warning.
* **Problems stop at** :data:`MAX_PROBLEMS`, with a final ``too_many_problems`` error, so that a huge
  garbage file is answered quickly and with a readable report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from services.api.files.problems import ParseProblem
from shared.enums import Axis

__all__ = [
    "FOLLOW_UP_FIELDS",
    "HEADER_FIELDS",
    "MAX_PROBLEMS",
    "NOT_EXECUTED",
    "PROGRAMMING_FIELDS",
    "ActivityKey",
    "FollowUpLine",
    "ParsedPisis",
    "PisisFileName",
    "PisisHeader",
    "PisisKind",
    "ProgrammingLine",
    "follow_up_key",
    "format_file_name",
    "parse_file_name",
    "programming_key",
]

SEPARATOR: Final = "|"
LINE_END: Final = "\r\n"
ENCODING: Final = "latin-1"

MAX_PROBLEMS: Final = 200
"""Problems collected before the parser gives up with ``too_many_problems``."""

NOT_EXECUTED: Final = "NO EJECUTADA"
"""What a follow-up line writes instead of an evidence URL when the activity was not carried out."""

HEADER_FIELDS: Final = (
    "tipo_registro",
    "tipo_identificacion",
    "nit",
    "fecha_inicio",
    "fecha_fin",
    "cantidad_registros",
)
"""Field names of the header, used as the ``column`` of its problems."""

PROGRAMMING_FIELDS: Final = (
    "tipo_registro",
    "consecutivo",
    "municipio",
    "eje_linea",
    "codigo_meta",
    "meta",
    "codigo_actividad",
    "actividad",
    "cantidad",
    "codigo_poblacion",
    "fecha_inicio",
    "fecha_fin",
    "presupuesto",
)
"""Field names of a ``PPS190PPPS`` detail line, used as the ``column`` of its problems."""

FOLLOW_UP_FIELDS: Final = (
    "tipo_registro",
    "consecutivo",
    "municipio",
    "eje_linea",
    "codigo_meta",
    "codigo_actividad",
    "cantidad",
    "codigo_poblacion",
    "personas_alcanzadas",
    "presupuesto",
    "segundo_codigo",
    "evidencia",
    "descripcion_evidencia",
)
"""Field names of a ``PPS190SPPS`` detail line, used as the ``column`` of its problems."""


# --------------------------------------------------------------------------------------------------
# Kinds and file names
# --------------------------------------------------------------------------------------------------


class PisisKind(StrEnum):
    """The two PISIS annexes of a PPSS action plan."""

    PROGRAMMING = "programming"
    """``PPS190PPPS``: the plan as programmed at the start of the year."""
    FOLLOW_UP = "follow_up"
    """``PPS190SPPS``: what was executed, line by line against the programming."""

    @property
    def annex(self) -> str:
        """The annex code that starts the file name: ``PPS190PPPS`` or ``PPS190SPPS``."""
        return "PPS190PPPS" if self is PisisKind.PROGRAMMING else "PPS190SPPS"

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the fields of a detail line of this annex."""
        return PROGRAMMING_FIELDS if self is PisisKind.PROGRAMMING else FOLLOW_UP_FIELDS


@dataclass(frozen=True, slots=True)
class PisisFileName:
    """What a PISIS file name says: annex, cut-off date and the institution's NIT."""

    kind: PisisKind
    cut_off: date
    """The cut-off date (``AAAA1231`` in every file seen)."""
    nit: str
    """The NIT without the zeros that pad it to 12 digits (``890985092``)."""

    @property
    def name(self) -> str:
        """The canonical file name, upper-case ``.TXT``."""
        return format_file_name(self.kind, self.cut_off, self.nit)


# Browsers save a second download as "name (1).TXT" (the real file arrived so): still the same name.
_FILE_NAME_RE: Final = re.compile(
    r"^PPS190(?P<annex>PPPS|SPPS)(?P<cut_off>[0-9]{8})NI(?P<nit>[0-9]{12})(?: ?\([0-9]{1,3}\))?\.TXT\Z",
    re.IGNORECASE,
)
NIT_RE: Final = re.compile(r"^[0-9]{1,12}\Z")


def parse_file_name(name: str) -> PisisFileName | None:
    """Read a PISIS file name (any directory part and letter case ignored); ``None`` when it is not one."""
    base = re.split(r"[\\/]", name)[-1]
    match = _FILE_NAME_RE.match(base)
    if match is None:
        return None
    cut_off = match["cut_off"]
    try:
        cut_off_date = date(int(cut_off[:4]), int(cut_off[4:6]), int(cut_off[6:]))
    except ValueError:
        return None
    kind = PisisKind.PROGRAMMING if match["annex"].upper() == "PPPS" else PisisKind.FOLLOW_UP
    return PisisFileName(kind=kind, cut_off=cut_off_date, nit=match["nit"].lstrip("0") or "0")


def format_file_name(kind: PisisKind, cut_off: date, nit: str) -> str:
    """The file name PISIS expects, e.g. ``PPS190PPPS20211231NI000890985092.TXT``.

    ``nit`` is the NIT's digits without the verification digit; raises ``ValueError`` otherwise.
    """
    if not NIT_RE.match(nit):
        raise ValueError(f"El NIT «{nit}» debe tener de 1 a 12 dígitos, sin dígito de verificación ni guiones.")
    return f"{kind.annex}{cut_off.year:04d}{cut_off.month:02d}{cut_off.day:02d}NI{nit.zfill(12)}.TXT"


# --------------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PisisHeader:
    """The header line (record type 1): who reports and the period reported."""

    id_type: str
    """Identification type; ``NI`` (NIT) is the only one the annexes use."""
    nit: str
    """The NIT as written (the real file's header disagrees with its name: keep both)."""
    start_date: date
    end_date: date
    declared_count: int
    """How many detail lines the header announces."""
    raw: str | None = None
    """The header line as read; ``None`` when built by the program."""


@dataclass(frozen=True, slots=True)
class ProgrammingLine:
    """One activity of a ``PPS190PPPS`` file (record type 2)."""

    line: int
    """1-based line number in the file (the header is line 1); informative only, the writer ignores it."""
    consecutive: int
    municipality_code: str
    """DANE code of the municipality, five digits with its leading zero (``05604``)."""
    axis: Axis
    """The eje, ``E1``…``E5``."""
    line_letter: str
    """The línea inside the eje, ``a``…``h`` (``E1La`` → ``a``)."""
    goal_code: str
    goal_text: str
    """Exactly as written: double spaces, accents and typos are kept for a byte-exact export."""
    activity_code: str
    activity_text: str
    """Exactly as written, like ``goal_text``."""
    planned_quantity: int
    target_group_code: str
    """Two-digit code of the population or body the activity targets (``01`` staff, ``04`` asociación)."""
    start_date: date
    end_date: date
    planned_budget: int
    """Pesos (COP), an integer."""
    raw: str | None = field(default=None, compare=False)
    """The line as read; number spellings such as ``01`` are taken from it when writing. Ignored by ``==``."""


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    """One activity's execution in a ``PPS190SPPS`` file (record type 2)."""

    line: int
    """1-based line number in the file (the header is line 1); informative only, the writer ignores it."""
    consecutive: int
    municipality_code: str
    axis: Axis
    line_letter: str
    goal_code: str
    activity_code: str
    executed_quantity: int
    target_group_code: str
    """As in the programming."""
    people_reached: int
    executed_budget: int
    """Pesos (COP), an integer."""
    second_code: str
    """The two-digit code after the budget; its meaning is not documented in what could be read."""
    evidence_url: str | None
    """The evidence cell as written (normally a URL); ``None`` when empty or when :attr:`not_executed`."""
    not_executed: bool
    """Whether the evidence cell says ``NO EJECUTADA`` (any case, surrounding spaces ignored)."""
    evidence_description: str
    """Exactly as written."""
    raw: str | None = field(default=None, compare=False)
    """The line as read; number and ``NO EJECUTADA`` spellings are taken from it. Ignored by ``==``."""


ActivityKey = tuple[str, str, str, str]
"""(eje, línea letter, goal code, activity code): how a follow-up line finds its programmed activity."""


def programming_key(line: ProgrammingLine) -> ActivityKey:
    """The key that identifies a programmed activity within its plan."""
    return (str(line.axis), line.line_letter, line.goal_code, line.activity_code)


def follow_up_key(line: FollowUpLine) -> ActivityKey:
    """The key of the programmed activity a follow-up line reports on (compare with :func:`programming_key`)."""
    return (str(line.axis), line.line_letter, line.goal_code, line.activity_code)


@dataclass(frozen=True, slots=True)
class ParsedPisis:
    """Everything read from one PISIS file, plus the problems found on the way."""

    kind: PisisKind
    """From the file name; from the content when the name is not a PISIS name or contradicts it."""
    file_name_info: PisisFileName | None
    header: PisisHeader | None
    """``None`` when the file has no readable header (see the problems)."""
    programming: tuple[ProgrammingLine, ...]
    """The detail lines of a programming file whose fields could all be read; empty for a follow-up."""
    follow_up: tuple[FollowUpLine, ...]
    """The detail lines of a follow-up file whose fields could all be read; empty for a programming."""
    problems: tuple[ParseProblem, ...]
    """In file order; problems of the whole file (``row`` ``None``) last."""

    @property
    def has_errors(self) -> bool:
        """Whether any problem blocks an import."""
        return any(problem.severity == "error" for problem in self.problems)
