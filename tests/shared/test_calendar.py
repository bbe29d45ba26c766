"""Colombian business days: the worked examples of formats.md, the pinned table and the holidays package."""

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.calendar import (
    Holiday,
    _library_holidays,
    _packaged_table,
    _with_ley_2578,
    add_business_days,
    business_days_between,
    first_business_day_from,
    holidays_between,
    holidays_in_year,
    is_business_day,
    is_holiday,
    packaged_years,
)

PACKAGED = range(2024, 2028)
CHIQUINQUIRA = "Día de Nuestra Señora del Rosario de Chiquinquirá"

# Keep generated dates well inside the years the holidays package covers (1901–2100).
filing_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2095, 12, 31))
terms = st.integers(min_value=1, max_value=60)


class TestFormatsTable:
    """Every row of "Business-day deadlines" in formats.md."""

    @pytest.mark.parametrize(
        ("filed", "n", "due", "skipped"),
        [
            (date(2025, 6, 20), 15, date(2025, 7, 15), [date(2025, 6, 23), date(2025, 6, 30)]),
            (date(2026, 7, 3), 10, date(2026, 7, 21), [date(2026, 7, 13), date(2026, 7, 20)]),
            (
                date(2024, 3, 22),
                15,
                date(2024, 4, 17),
                [date(2024, 3, 25), date(2024, 3, 28), date(2024, 3, 29)],
            ),
            (
                date(2025, 12, 19),
                15,
                date(2026, 1, 14),
                [date(2025, 12, 25), date(2026, 1, 1), date(2026, 1, 12)],
            ),
            (date(2026, 6, 26), 5, date(2026, 7, 6), [date(2026, 6, 29)]),
            (
                date(2027, 3, 19),
                10,
                date(2027, 4, 7),
                [date(2027, 3, 22), date(2027, 3, 25), date(2027, 3, 26)],
            ),
        ],
    )
    def test_row(self, filed: date, n: int, due: date, skipped: list[date]) -> None:
        assert filed.weekday() == 4  # every example is filed on a Friday
        assert add_business_days(filed, n) == due
        assert [h.day for h in holidays_between(filed + timedelta(days=1), due)] == skipped
        assert business_days_between(filed + timedelta(days=1), due) == n

    def test_ley_2578_holiday_is_skipped(self) -> None:
        assert holidays_between(date(2026, 7, 13), date(2026, 7, 13)) == [
            Holiday(date(2026, 7, 13), f"{CHIQUINQUIRA} (observado)")
        ]

    def test_holy_week_is_named(self) -> None:
        names = [h.name for h in holidays_between(date(2024, 3, 28), date(2024, 3, 29))]
        assert names == ["Jueves Santo", "Viernes Santo"]


class TestPauseAndExtension:
    """The Ley 1755 art. 14 and 17 worked example in formats.md, built from the same primitives."""

    filed = date(2026, 6, 26)

    def test_original_due_date(self) -> None:
        assert add_business_days(self.filed, 15) == date(2026, 7, 22)
        assert [h.day for h in holidays_between(self.filed, date(2026, 7, 22))] == [
            date(2026, 6, 29),
            date(2026, 7, 13),
            date(2026, 7, 20),
        ]

    def test_pause_then_resume_with_remaining_days(self) -> None:
        elapsed = business_days_between(self.filed + timedelta(days=1), date(2026, 7, 1))
        assert elapsed == 2
        assert add_business_days(date(2026, 7, 8), 1) == date(2026, 7, 9)
        assert add_business_days(date(2026, 7, 8), 15 - elapsed) == date(2026, 7, 29)

    def test_extension_to_twice_the_term(self) -> None:
        assert add_business_days(self.filed, 30) == date(2026, 8, 13)


class TestYears:
    @pytest.mark.parametrize(("year", "count"), [(2024, 18), (2025, 17), (2026, 19), (2027, 19)])
    def test_distinct_holidays_per_year(self, year: int, count: int) -> None:
        assert len(holidays_in_year(year)) == count

    @pytest.mark.parametrize(("year", "count"), [(2024, 246), (2025, 245), (2026, 242), (2027, 245)])
    def test_business_days_per_year(self, year: int, count: int) -> None:
        assert business_days_between(date(year, 1, 1), date(year, 12, 31)) == count

    def test_two_holidays_on_one_monday_in_2025(self) -> None:
        assert is_holiday(date(2025, 6, 30))
        (holiday,) = holidays_between(date(2025, 6, 30), date(2025, 6, 30))
        assert holiday.name == "Sagrado Corazón (observado); San Pedro y San Pablo (observado)"

    def test_packaged_years(self) -> None:
        assert packaged_years() == frozenset(PACKAGED)

    def test_result_is_a_copy_of_the_cache(self) -> None:
        holidays_in_year(2026).clear()
        assert len(holidays_in_year(2026)) == 19

    @pytest.mark.parametrize("year", [1900, 2101])
    def test_years_outside_the_package_range_are_refused(self, year: int) -> None:
        with pytest.raises(ValueError, match=f"No hay calendario de festivos de Colombia para el año {year}"):
            is_business_day(date(year, 6, 1))

    @pytest.mark.parametrize("year", [1984, 2000, 2023, 2028, 2050, 2100])
    def test_other_years_come_from_the_package(self, year: int) -> None:
        expected = 19 if year >= 2026 else 18
        # Distinct dates can be fewer when two moved holidays share a Monday.
        assert expected - 2 <= len(holidays_in_year(year)) <= expected


class TestPackageAgreesWithTable:
    """The holidays package (plus our Ley 2578 rule) must reproduce the pinned table exactly."""

    @pytest.mark.parametrize("year", PACKAGED)
    def test_same_dates_and_names(self, year: int) -> None:
        assert _library_holidays(year) == _packaged_table()[year]

    @pytest.mark.parametrize("year", PACKAGED)
    def test_raw_package_needs_no_patch(self, year: int) -> None:
        raw = holidays.country_holidays("CO", years=year, language="es")
        assert sorted((day, str(name)) for day, name in raw.items()) == list(_packaged_table()[year])


class TestLey2578:
    """9 July (Nuestra Señora del Rosario de Chiquinquirá), moved to Monday, from 2026."""

    def test_table_has_it_on_the_following_monday(self) -> None:
        assert [h for h in holidays_in_year(2026) if CHIQUINQUIRA in h.name] == [
            Holiday(date(2026, 7, 13), f"{CHIQUINQUIRA} (observado)")
        ]
        assert [h for h in holidays_in_year(2027) if CHIQUINQUIRA in h.name] == [
            Holiday(date(2027, 7, 12), f"{CHIQUINQUIRA} (observado)")
        ]

    def test_not_before_2026(self) -> None:
        assert not any(CHIQUINQUIRA in h.name for h in holidays_in_year(2025))
        assert _with_ley_2578(2025, {}) == {}

    @pytest.mark.parametrize("year", range(2026, 2101))
    def test_rule_matches_the_package(self, year: int) -> None:
        raw = {day: str(name) for day, name in holidays.country_holidays("CO", years=year, language="es").items()}
        assert _with_ley_2578(year, raw) == raw

    def test_rule_fills_in_for_a_package_without_the_law(self) -> None:
        raw = {day: str(name) for day, name in holidays.country_holidays("CO", years=2028, language="es").items()}
        without = {day: name for day, name in raw.items() if CHIQUINQUIRA not in name}
        assert len(without) == len(raw) - 1
        assert _with_ley_2578(2028, without) == raw

    def test_not_moved_when_9_july_is_a_monday(self) -> None:
        # 9 July 2029 is a Monday.
        assert _with_ley_2578(2029, {}) == {date(2029, 7, 9): CHIQUINQUIRA}


class TestBusinessDay:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2026, 7, 10), True),  # Friday
            (date(2026, 7, 11), False),  # Saturday
            (date(2026, 7, 12), False),  # Sunday
            (date(2026, 7, 13), False),  # Ley 2578 holiday
            (date(2026, 7, 14), True),
            (date(2024, 7, 20), False),  # holiday on a Saturday
        ],
    )
    def test_is_business_day(self, day: date, expected: bool) -> None:
        assert is_business_day(day) is expected

    def test_weekend_holiday_is_still_a_holiday(self) -> None:
        assert is_holiday(date(2024, 7, 20))
        assert not is_holiday(date(2024, 7, 21))

    def test_filing_time_counts_by_bogota_date(self) -> None:
        # 03:00 UTC on Saturday 27 June is still Friday 26 June in Bogotá.
        filed = datetime(2026, 6, 27, 3, 0, tzinfo=UTC)
        assert add_business_days(filed, 5) == date(2026, 7, 6)
        assert add_business_days(filed + timedelta(hours=2), 5) == date(2026, 7, 6)  # Saturday: same day 1
        assert not is_business_day(datetime(2026, 7, 13, 12, 0, tzinfo=UTC))

    def test_filing_on_a_weekend(self) -> None:
        assert add_business_days(date(2026, 7, 11), 1) == date(2026, 7, 14)

    @pytest.mark.parametrize("n", [0, -1])
    def test_term_must_be_positive(self, n: int) -> None:
        with pytest.raises(ValueError, match="al menos 1 día hábil"):
            add_business_days(date(2026, 7, 3), n)

    def test_empty_ranges(self) -> None:
        assert business_days_between(date(2026, 7, 2), date(2026, 7, 1)) == 0
        assert holidays_between(date(2026, 7, 21), date(2026, 7, 20)) == []
        assert business_days_between(date(2026, 7, 13), date(2026, 7, 13)) == 0
        assert business_days_between(date(2026, 7, 14), date(2026, 7, 14)) == 1

    def test_first_business_day_from(self) -> None:
        assert first_business_day_from(date(2026, 7, 10)) == date(2026, 7, 10)
        assert first_business_day_from(date(2026, 7, 11)) == date(2026, 7, 14)

    def test_holidays_across_years(self) -> None:
        days = [h.day for h in holidays_between(date(2027, 12, 1), date(2028, 1, 31))]
        assert days == [date(2027, 12, 8), date(2027, 12, 25), date(2028, 1, 1), date(2028, 1, 10)]


class TestProperties:
    @given(filing_dates, terms)
    def test_due_date_is_a_business_day_strictly_after_filing(self, filed: date, n: int) -> None:
        due = add_business_days(filed, n)
        assert due > filed
        assert is_business_day(due)
        assert business_days_between(filed + timedelta(days=1), due) == n

    @given(filing_dates, terms, terms)
    def test_monotone_in_the_term(self, filed: date, n: int, m: int) -> None:
        if n < m:
            assert add_business_days(filed, n) < add_business_days(filed, m)

    @given(filing_dates, st.integers(0, 400), terms)
    def test_monotone_in_the_filing_date(self, filed: date, later_by: int, n: int) -> None:
        later = filed + timedelta(days=later_by)
        assert add_business_days(filed, n) <= add_business_days(later, n)

    @given(filing_dates, st.integers(0, 800))
    def test_count_matches_a_day_by_day_walk(self, start: date, length: int) -> None:
        end = start + timedelta(days=length)
        walked = sum(is_business_day(start + timedelta(days=i)) for i in range(length + 1))
        assert business_days_between(start, end) == walked

    @given(filing_dates)
    def test_first_business_day_from_is_the_nearest(self, day: date) -> None:
        first = first_business_day_from(day)
        assert is_business_day(first)
        assert business_days_between(day, first - timedelta(days=1)) == 0
