"""Colombian business days (días hábiles) for legal terms.

A business day is Monday to Friday and not a national holiday (Ley 4 de 1913 art. 62; public
authorities do not work on Saturdays). Holidays for 2024–2027 come from the table pinned in
``shared/data/festivos_colombia_2024_2027.csv``; other years come from the ``holidays`` package, with
Ley 2578 de 2026 (9 July, moved to Monday) added if the installed version predates it.

Every function accepts a ``date`` or a ``datetime``; a datetime counts by its date in America/Bogota.
Years the package does not cover (before 1901 or after 2100 in holidays 0.109) raise ValueError rather
than being treated as having no holidays.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import NamedTuple

import holidays

from shared.periods import bogota_date

__all__ = [
    "Holiday",
    "add_business_days",
    "business_days_between",
    "first_business_day_from",
    "holidays_between",
    "holidays_in_year",
    "is_business_day",
    "is_holiday",
    "packaged_years",
]

_PACKAGE = "shared"
_TABLE = "festivos_colombia_2024_2027.csv"

_LEY_2578_FIRST_YEAR = 2026
_LEY_2578_NAME = "Día de Nuestra Señora del Rosario de Chiquinquirá"
_OBSERVED = "{} (observado)"


class Holiday(NamedTuple):
    """A national holiday. Two holidays moved to the same Monday share one entry, names joined by "; "."""

    day: date
    name: str


@functools.lru_cache(maxsize=1)
def _packaged_table() -> Mapping[int, tuple[Holiday, ...]]:
    text = (files(_PACKAGE) / "data" / _TABLE).read_text(encoding="utf-8")
    by_year: dict[int, list[Holiday]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        day = date.fromisoformat(row["date"])
        by_year.setdefault(day.year, []).append(Holiday(day, row["name"]))
    return {year: tuple(sorted(rows)) for year, rows in by_year.items()}


def packaged_years() -> frozenset[int]:
    """Years whose holidays come from the pinned table rather than from the ``holidays`` package."""
    return frozenset(_packaged_table())


def _ley_2578_holiday(year: int) -> Holiday | None:
    """The holiday Ley 2578 de 2026 created: 9 July, moved to the next Monday (Ley 51 de 1983)."""
    if year < _LEY_2578_FIRST_YEAR:
        return None
    july_9 = date(year, 7, 9)
    observed = july_9 + timedelta(days=(7 - july_9.weekday()) % 7)
    name = _LEY_2578_NAME if observed == july_9 else _OBSERVED.format(_LEY_2578_NAME)
    return Holiday(observed, name)


def _with_ley_2578(year: int, by_day: Mapping[date, str]) -> dict[date, str]:
    """``by_day`` plus the Ley 2578 holiday when the ``holidays`` package did not include it.

    holidays >= 0.109 already knows the law; pyproject allows older versions that do not. No other
    holiday can fall between 9 and 15 July, so a missing date means the package lacks the rule.
    """
    completed = dict(by_day)
    extra = _ley_2578_holiday(year)
    if extra is not None and extra.day not in completed:
        completed[extra.day] = extra.name
    return completed


def _library_holidays(year: int) -> tuple[Holiday, ...]:
    found = holidays.country_holidays("CO", years=year, language="es")
    # Outside its range (1901–2100 in holidays 0.109) the package silently returns no holidays, which
    # would turn every weekday into a business day.
    if not found.start_year <= year <= found.end_year:
        raise ValueError(
            f"No hay calendario de festivos de Colombia para el año {year}: "
            f"solo se conocen los años {found.start_year} a {found.end_year}."
        )
    by_day = {day: str(name) for day, name in found.items()}
    return tuple(Holiday(day, name) for day, name in sorted(_with_ley_2578(year, by_day).items()))


@functools.cache
def _year_holidays(year: int) -> tuple[Holiday, ...]:
    packaged = _packaged_table().get(year)
    return packaged if packaged is not None else _library_holidays(year)


@functools.cache
def _year_holiday_dates(year: int) -> frozenset[date]:
    return frozenset(holiday.day for holiday in _year_holidays(year))


def holidays_in_year(year: int) -> list[Holiday]:
    """The national holidays of ``year``, one entry per distinct date, in date order."""
    return list(_year_holidays(year))


def holidays_between(start: date | datetime, end: date | datetime) -> list[Holiday]:
    """Holidays from ``start`` to ``end``, both included, as (date, name) pairs in date order.

    Weekend holidays are listed too. The list is empty when ``end`` is before ``start``.
    """
    first, last = bogota_date(start), bogota_date(end)
    return [
        holiday
        for year in range(first.year, last.year + 1)
        for holiday in _year_holidays(year)
        if first <= holiday.day <= last
    ]


def is_holiday(day: date | datetime) -> bool:
    """Whether ``day`` is a national holiday (whatever the day of the week)."""
    local = bogota_date(day)
    return local in _year_holiday_dates(local.year)


def is_business_day(day: date | datetime) -> bool:
    """Whether ``day`` is a business day: Monday to Friday and not a national holiday."""
    local = bogota_date(day)
    return local.weekday() < 5 and local not in _year_holiday_dates(local.year)


def _weekdays_between(first: date, last: date) -> int:
    days = (last - first).days + 1
    full_weeks, rest = divmod(days, 7)
    start_weekday = first.weekday()
    return full_weeks * 5 + sum(1 for offset in range(rest) if (start_weekday + offset) % 7 < 5)


def business_days_between(start: date | datetime, end: date | datetime) -> int:
    """Number of business days from ``start`` to ``end``, both included (0 when ``end`` < ``start``)."""
    first, last = bogota_date(start), bogota_date(end)
    if last < first:
        return 0
    weekday_holidays = sum(1 for holiday in holidays_between(first, last) if holiday.day.weekday() < 5)
    return _weekdays_between(first, last) - weekday_holidays


def add_business_days(filed: date | datetime, n: int) -> date:
    """Due date of a term of ``n`` business days counted from a filing (radicación) on ``filed``.

    Day 1 is the first business day after the filing date (Ley 1755 de 2015 art. 14), whatever day the
    filing itself was made, so the result is the ``n``-th business day strictly after ``filed``.
    ``n`` must be at least 1. A datetime counts by its date in America/Bogota.
    """
    if n < 1:
        raise ValueError(f"El plazo debe ser de al menos 1 día hábil; se recibió {n}.")
    day = bogota_date(filed)
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def first_business_day_from(day: date | datetime) -> date:
    """``day`` itself if it is a business day, otherwise the next business day.

    Terms in months or years end on the same calendar date and move to the next business day when that
    date is not one (Ley 4 de 1913 art. 62).
    """
    local = bogota_date(day)
    while not is_business_day(local):
        local += timedelta(days=1)
    return local
