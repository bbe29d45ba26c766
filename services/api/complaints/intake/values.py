"""The vocabularies and value parsers of complaint files: types, channels, risks, booleans, dates, months."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from services.api.files.cells import fold
from shared.enums import Channel, ComplaintType, Risk
from shared.periods import BOGOTA

EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=BOGOTA)
"""Day 0 of Excel's 1900 date system (it counts the fictitious 29 February 1900, so day 60 is skipped)."""


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def value_key(text: str) -> str:
    """A cell value reduced for vocabulary matching: lower case, no accents, `_` as a space, single spaces."""
    return " ".join(fold(text.replace("_", " ")).split())


def _vocabulary(pairs: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {value_key(word): value for value, words in pairs.items() for word in (value, *words)}


TYPES = _vocabulary(
    {
        ComplaintType.PETICION: ("peticion general", "seguimiento a cumplimiento fallos de tutela"),
        ComplaintType.SOLICITUD_INFORMACION: (
            "solicitud de informacion",
            "peticion de informacion",
            "solicitud informacion documentos",
            "solicitud de documentos",
        ),
        ComplaintType.CONSULTA: ("consulta y/o solicitud de informacion",),
        ComplaintType.QUEJA: ("queja (funcionario de la supersalud)",),
        ComplaintType.RECLAMO: ("reclamo en salud",),
        ComplaintType.SUGERENCIA: (),
        ComplaintType.DENUNCIA: (),
        ComplaintType.FELICITACION: ("felicitaciones",),
    }
)
CHANNELS = _vocabulary(
    {
        Channel.PRESENCIAL: ("personalizado", "personal", "ventanilla"),
        Channel.BUZON_SUGERENCIAS: ("buzon", "buzon de sugerencias"),
        Channel.TELEFONO: ("telefonico", "telefonica", "linea telefonica", "call center"),
        # Supersalud has no WhatsApp: its «Chat» is the nearest (reference mapping, to be confirmed).
        Channel.WHATSAPP: ("chat",),
        Channel.CORREO: ("correo electronico", "email", "e-mail"),
        Channel.WEB: ("pagina web", "portal web", "formulario web"),
        Channel.REDES_SOCIALES: ("redes",),
        Channel.ESCRITO: ("carta", "oficio"),
        Channel.API: (),
    }
)
RISKS = _vocabulary({Risk.SIMPLE: (), Risk.PRIORIZADO: (), Risk.RIESGO_VITAL: ("vital",)})
_TRUE = frozenset({"si", "s", "true", "verdadero", "1", "x", "yes"})
_FALSE = frozenset({"no", "n", "false", "falso", "0"})
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("enero", "ene", "jan"),
            ("febrero", "feb"),
            ("marzo", "mar"),
            ("abril", "abr", "apr"),
            ("mayo", "may"),
            ("junio", "jun"),
            ("julio", "jul"),
            ("agosto", "ago", "aug"),
            ("septiembre", "setiembre", "sep", "sept"),
            ("octubre", "oct"),
            ("noviembre", "nov"),
            ("diciembre", "dic", "dec"),
        ),
        start=1,
    )
    for name in names
}
_SERIAL = re.compile(r"[0-9]{1,5}(?:[.,][0-9]+)?")
_DAY_FIRST = re.compile(
    r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
)
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
YEAR_MONTH = re.compile(r"([0-9]{4})[-/]?([0-9]{1,2})")
_AGE_RANGE = re.compile(r"de ([0-9]+) a ([0-9]+)")


def parse_instant(text: str) -> datetime | None:
    """An ISO instant or date, ``dd/mm/aaaa [hh:mm]``, ``aaaammdd`` or Excel serial days; None if none of these.

    A date without time is its first instant in Bogotá; an instant without zone is Bogotá time; Excel
    serials count days from 1899-12-30 (the 1900 system), their fraction is the time of day.
    """
    text = text.strip()
    if _SERIAL.fullmatch(text):
        serial = float(text.replace(",", "."))
        if serial < 1:
            return None
        return EXCEL_EPOCH + timedelta(days=serial)
    if compact := _COMPACT_DATE.fullmatch(text):
        try:
            return datetime.combine(date(*map(int, compact.groups())), time.min, tzinfo=BOGOTA)
        except ValueError:
            return None
    if day_first := _DAY_FIRST.fullmatch(text):
        day, month, year, hour, minute, second = day_first.groups()
        try:
            return datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=BOGOTA
            )
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BOGOTA)


def parse_month(text: str, year: int | None) -> tuple[int, int] | None:
    """``(year, month)`` of a month cell: ``2016-03``, ``201603``, ``3``, ``marzo`` (with ``year``), ``marzo 2016``."""
    key = value_key(text)
    if match := YEAR_MONTH.fullmatch(key):
        found_year, month = int(match.group(1)), int(match.group(2))
        return (found_year, month) if 1 <= month <= 12 else None
    words = key.replace("-", " ").replace("/", " ").split()
    month_number: int | None = None
    for word in words:
        # isascii: isdigit() also takes superscripts and circled digits ("²⁰²⁶", "⓵"), which int() refuses.
        if word.isascii() and word.isdigit() and len(word) == 4:
            year = int(word)
        elif word.isascii() and word.isdigit() and 1 <= int(word) <= 12:
            month_number = int(word)
        elif word in MONTHS:
            month_number = MONTHS[word]
        else:
            return None
    if month_number is None or year is None:
        return None
    return year, month_number


def parse_boolean(text: str) -> bool | None:
    key = value_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def minor_from_age_range(text: str) -> bool | None:
    """Supersalud's ``AFEC_EDADR``: ``DE 13 A 17 AÑOS`` is a minor, ``Mayor de 63 AÑOS`` is not."""
    key = value_key(text)
    if match := _AGE_RANGE.search(key):
        return int(match.group(2)) < 18
    if key.startswith("mayor"):
        return False
    return None


@functools.lru_cache(maxsize=4096)
def nit_number(text: str) -> str:
    """The NIT's number without dots, check digit or leading zeros: ``830.113.831-0`` → ``830113831``."""
    return text.split("-")[0].replace(".", "").replace(" ", "").lstrip("0")
