"""Reporting periods (month, bimester, quarter, semester, year) and Colombian local dates.

Codes follow the DHIS2 period style: ``2026`` (year), ``2026S1`` (semester), ``2026Q1`` (quarter),
``2026B1`` (bimester; DHIS2 itself writes ``202601B``) and ``2026-03`` (month; DHIS2 writes ``202603``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

__all__ = [
    "BOGOTA",
    "Granularity",
    "Month",
    "Period",
    "bimester_of",
    "bogota_date",
    "format_month",
    "parse_month",
]

# Colombia has kept UTC−5 without daylight saving time since 1993. A fixed offset avoids depending on
# the IANA database (tzdata), which slim container images and Windows do not ship.
BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")

_MIN_YEAR = 1
_MAX_YEAR = 9999


class Granularity(StrEnum):
    """Length of a reporting period."""

    MONTH = "month"
    BIMESTER = "bimester"
    QUARTER = "quarter"
    SEMESTER = "semester"
    YEAR = "year"

    @property
    def months(self) -> int:
        """Number of calendar months in one period of this granularity."""
        return _MONTHS_PER_PERIOD[self]


_MONTHS_PER_PERIOD = {
    Granularity.MONTH: 1,
    Granularity.BIMESTER: 2,
    Granularity.QUARTER: 3,
    Granularity.SEMESTER: 6,
    Granularity.YEAR: 12,
}
_SUFFIX = {Granularity.BIMESTER: "B", Granularity.QUARTER: "Q", Granularity.SEMESTER: "S"}
_GRANULARITY_OF_SUFFIX = {suffix: granularity for granularity, suffix in _SUFFIX.items()}
_NAME_ES = {
    Granularity.MONTH: "mes",
    Granularity.BIMESTER: "bimestre",
    Granularity.QUARTER: "trimestre",
    Granularity.SEMESTER: "semestre",
    Granularity.YEAR: "año",
}

# [0-9] rather than \d: \d also matches non-ASCII digits, which int() would then accept.
_YEAR_CODE = re.compile(r"(?P<year>[0-9]{4})")
_INDEXED_CODE = re.compile(r"(?P<year>[0-9]{4})(?P<suffix>[BQS])(?P<index>[0-9])")
_DHIS2_BIMESTER_CODE = re.compile(r"(?P<year>[0-9]{4})(?P<index>[0-9]{2})B")
_MONTH_CODE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")
_DHIS2_MONTH_CODE = re.compile(r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})")

_ACCEPTED_FORMATS = "2026, 2026S1, 2026Q1, 2026B1, 202601B, 2026-03 o 202603"


def bogota_date(value: date | datetime) -> date:
    """Calendar date in Colombia of a date or datetime.

    An aware datetime is converted to America/Bogota first, so ``2026-02-28T23:30-05:00`` (already
    March 1st in UTC) gives 2026-02-28. A naive datetime is taken to be Colombian local time already.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(BOGOTA)
        return value.date()
    return value


def _check_year(year: int, source: object) -> None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ValueError(f"Año fuera de rango en {source!r}: debe estar entre {_MIN_YEAR} y {_MAX_YEAR}.")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month; ``str(Month(2026, 3))`` is ``2026-03``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        _check_year(self.year, f"{self.year:04d}-{self.month:02d}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"Mes no válido: {self.year:04d}-{self.month:02d}. El mes debe estar entre 01 y 12.")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM`` (e.g. ``2026-03``); raise ValueError with a Spanish message otherwise."""
        match = _MONTH_CODE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"Mes no válido: {text!r}. Use el formato AAAA-MM, por ejemplo 2026-03.")
        year, month = int(match["year"]), int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"Mes no válido: {text!r}. El mes debe estar entre 01 y 12.")
        return cls(year, month)

    @property
    def code(self) -> str:
        """``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def period(self) -> Period:
        """This month as a :class:`Period` of granularity ``month``."""
        return Period(Granularity.MONTH, date(self.year, self.month, 1))

    def __str__(self) -> str:
        return self.code


def parse_month(text: str) -> Month:
    """Parse ``YYYY-MM`` into a :class:`Month`; ``parse_month("2026-13")`` raises ValueError."""
    return Month.parse(text)


def format_month(year: int, month: int) -> str:
    """Format a month as ``YYYY-MM``, validating it; ``format_month(2026, 3) == "2026-03"``."""
    return Month(year, month).code


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: a granularity and the first day of the period.

    ``start`` must be the first day of a period of that granularity (for a bimester, the 1st of January,
    March, May, July, September or November). Build periods with :meth:`parse` or :meth:`of` rather than
    by hand. Periods of the same granularity are ordered; comparing different granularities raises
    TypeError.
    """

    granularity: Granularity
    start: date

    def __post_init__(self) -> None:
        # Accept the plain string value too ("bimester"), since callers often hold it from JSON.
        object.__setattr__(self, "granularity", Granularity(self.granularity))
        if type(self.start) is not date:
            raise TypeError(f"Period.start debe ser una fecha (date), no {type(self.start).__name__}.")
        size = self.granularity.months
        if self.start.day != 1 or (self.start.month - 1) % size != 0:
            raise ValueError(f"{self.start.isoformat()} no es el primer día de un {_NAME_ES[self.granularity]}.")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def parse(cls, code: str) -> Period:
        """Parse a period code.

        Accepts ``2026``, ``2026S1``, ``2026Q1``, ``2026B1``, DHIS2's bimester ``202601B`` (= ``2026B1``),
        ``2026-03`` and DHIS2's month ``202603``. Letters may be lower case and surrounding blanks are
        ignored. Raises ValueError with a Spanish message on anything else.
        """
        text = code.strip().upper()
        if match := _YEAR_CODE.fullmatch(text):
            return cls._from_index(Granularity.YEAR, int(match["year"]), 1, code)
        if match := _INDEXED_CODE.fullmatch(text):
            granularity = _GRANULARITY_OF_SUFFIX[match["suffix"]]
            return cls._from_index(granularity, int(match["year"]), int(match["index"]), code)
        if match := _DHIS2_BIMESTER_CODE.fullmatch(text):
            return cls._from_index(Granularity.BIMESTER, int(match["year"]), int(match["index"]), code)
        if match := _MONTH_CODE.fullmatch(text) or _DHIS2_MONTH_CODE.fullmatch(text):
            return cls._from_index(Granularity.MONTH, int(match["year"]), int(match["month"]), code)
        raise ValueError(f"Código de periodo no válido: {code!r}. Formatos aceptados: {_ACCEPTED_FORMATS}.")

    @classmethod
    def _from_index(cls, granularity: Granularity, year: int, index: int, source: str) -> Period:
        _check_year(year, source)
        count = 12 // granularity.months
        if not 1 <= index <= count:
            raise ValueError(
                f"Código de periodo no válido: {source!r}. El {_NAME_ES[granularity]} debe estar entre 1 y {count}."
            )
        return cls(granularity, date(year, (index - 1) * granularity.months + 1, 1))

    @classmethod
    def of(cls, day: date | datetime, granularity: Granularity | str) -> Period:
        """The period of the given granularity that contains ``day``.

        A datetime is first reduced to its Colombian date (see :func:`bogota_date`).
        """
        local = bogota_date(day)
        size = Granularity(granularity).months
        first_month = (local.month - 1) // size * size + 1
        return cls(Granularity(granularity), date(local.year, first_month, 1))

    @classmethod
    def between(cls, first: Period, last: Period) -> list[Period]:
        """Every period from ``first`` to ``last``, both included (empty when ``last`` < ``first``)."""
        first._check_same_granularity(last)
        periods: list[Period] = []
        current = first
        while current <= last:
            periods.append(current)
            if current == last:
                break
            current = current.next()
        return periods

    # -- views ------------------------------------------------------------------------------------

    @property
    def year(self) -> int:
        """Calendar year of the period."""
        return self.start.year

    @property
    def index(self) -> int:
        """Position of the period within its year, from 1 (e.g. 2 for ``2026B2``, 3 for ``2026-03``)."""
        return (self.start.month - 1) // self.granularity.months + 1

    @property
    def code(self) -> str:
        """Canonical code: ``2026``, ``2026S1``, ``2026Q1``, ``2026B1`` or ``2026-03``."""
        if self.granularity is Granularity.YEAR:
            return f"{self.year:04d}"
        if self.granularity is Granularity.MONTH:
            return f"{self.year:04d}-{self.start.month:02d}"
        return f"{self.year:04d}{_SUFFIX[self.granularity]}{self.index}"

    @property
    def dhis2_code(self) -> str:
        """Code as DHIS2 writes it: ``2026``, ``2026S1``, ``2026Q1``, ``202601B`` or ``202603``."""
        if self.granularity is Granularity.BIMESTER:
            return f"{self.year:04d}{self.index:02d}B"
        if self.granularity is Granularity.MONTH:
            return f"{self.year:04d}{self.start.month:02d}"
        return self.code

    @property
    def start_date(self) -> date:
        """First day of the period."""
        return self.start

    @property
    def end_date(self) -> date:
        """Last day of the period (inclusive)."""
        last_month = self.start.month + self.granularity.months - 1
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs the period covers, in order."""
        return [(self.year, self.start.month + offset) for offset in range(self.granularity.months)]

    def contains(self, day: date | datetime) -> bool:
        """Whether ``day`` falls in the period; a datetime counts by its Colombian date."""
        return self.start <= bogota_date(day) <= self.end_date

    # -- navigation -------------------------------------------------------------------------------

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods later (earlier when negative), of the same granularity."""
        size = self.granularity.months
        month_number = self.year * 12 + (self.start.month - 1) + steps * size
        year, month_index = divmod(month_number, 12)
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise ValueError(f"El periodo resultante de desplazar {self.code} queda fuera del rango de fechas.")
        return Period(self.granularity, date(year, month_index + 1, 1))

    def next(self) -> Period:
        """The following period (``2025B6`` → ``2026B1``)."""
        return self.shift(1)

    def previous(self) -> Period:
        """The preceding period (``2026B1`` → ``2025B6``)."""
        return self.shift(-1)

    def same_last_year(self) -> Period:
        """The same period one year earlier (``2026B1`` → ``2025B1``)."""
        return self.shift(-(12 // self.granularity.months))

    # -- ordering and display ---------------------------------------------------------------------

    def _check_same_granularity(self, other: Period) -> None:
        if other.granularity is not self.granularity:
            raise TypeError(f"No se pueden comparar periodos de distinta granularidad: {self.code} y {other.code}.")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        self._check_same_granularity(other)
        return self.start < other.start

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        self._check_same_granularity(other)
        return self.start <= other.start

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        self._check_same_granularity(other)
        return self.start > other.start

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        self._check_same_granularity(other)
        return self.start >= other.start

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Period.parse({self.code!r})"


def bimester_of(moment: date | datetime) -> Period:
    """The bimester of a date or filing time, taken in America/Bogota.

    ``bimester_of(datetime.fromisoformat("2026-02-28T23:30-05:00"))`` is ``2026B1`` even though that
    instant is already 2026-03-01 in UTC.
    """
    return Period.of(moment, Granularity.BIMESTER)
