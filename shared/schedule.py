"""Monthly schedules of plan activities: the X grid of a spreadsheet and the dates it stands for."""

import calendar
from datetime import date


def months_spanned(start: date, end: date) -> list[int]:
    """Month numbers (1–12) touched by a date range; a range longer than a year touches all twelve."""
    if start > end:
        return []
    months: set[int] = set()
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 12:
        months.add(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(months)


def dates_of_months(year: int, months: list[int]) -> tuple[date, date]:
    """First day of the first marked month and last day of the last one."""
    first, last = min(months), max(months)
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def months_outside(months: list[int], start: date, end: date) -> list[int]:
    """Marked months that the activity's dates do not reach."""
    spanned = set(months_spanned(start, end))
    return [month for month in months if month not in spanned]
