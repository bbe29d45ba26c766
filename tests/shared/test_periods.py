"""Reporting periods, months and Colombian local dates."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.periods import (
    BOGOTA,
    Granularity,
    Month,
    Period,
    bimester_of,
    bogota_date,
    format_month,
    parse_month,
)

granularities = st.sampled_from(list(Granularity))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
periods = st.builds(Period.of, days, granularities)


class TestParse:
    @pytest.mark.parametrize(
        ("code", "granularity", "start", "end", "canonical"),
        [
            ("2026", Granularity.YEAR, date(2026, 1, 1), date(2026, 12, 31), "2026"),
            ("2026S1", Granularity.SEMESTER, date(2026, 1, 1), date(2026, 6, 30), "2026S1"),
            ("2026S2", Granularity.SEMESTER, date(2026, 7, 1), date(2026, 12, 31), "2026S2"),
            ("2026Q1", Granularity.QUARTER, date(2026, 1, 1), date(2026, 3, 31), "2026Q1"),
            ("2026Q4", Granularity.QUARTER, date(2026, 10, 1), date(2026, 12, 31), "2026Q4"),
            ("2026B1", Granularity.BIMESTER, date(2026, 1, 1), date(2026, 2, 28), "2026B1"),
            ("2024B1", Granularity.BIMESTER, date(2024, 1, 1), date(2024, 2, 29), "2024B1"),
            ("2026B6", Granularity.BIMESTER, date(2026, 11, 1), date(2026, 12, 31), "2026B6"),
            ("202601B", Granularity.BIMESTER, date(2026, 1, 1), date(2026, 2, 28), "2026B1"),
            ("202606B", Granularity.BIMESTER, date(2026, 11, 1), date(2026, 12, 31), "2026B6"),
            ("2026-03", Granularity.MONTH, date(2026, 3, 1), date(2026, 3, 31), "2026-03"),
            ("202603", Granularity.MONTH, date(2026, 3, 1), date(2026, 3, 31), "2026-03"),
            ("2026b2", Granularity.BIMESTER, date(2026, 3, 1), date(2026, 4, 30), "2026B2"),
            (" 2026Q2 ", Granularity.QUARTER, date(2026, 4, 1), date(2026, 6, 30), "2026Q2"),
        ],
    )
    def test_accepted_codes(self, code: str, granularity: Granularity, start: date, end: date, canonical: str) -> None:
        period = Period.parse(code)
        assert period.granularity is granularity
        assert period.start_date == start
        assert period.end_date == end
        assert period.code == canonical
        assert str(period) == canonical

    def test_dhis2_bimester_equals_ours(self) -> None:
        assert Period.parse("202601B") == Period.parse("2026B1")

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("2026B7", "El bimestre debe estar entre 1 y 6"),
            ("2026B0", "El bimestre debe estar entre 1 y 6"),
            ("202607B", "El bimestre debe estar entre 1 y 6"),
            ("2026Q5", "El trimestre debe estar entre 1 y 4"),
            ("2026S3", "El semestre debe estar entre 1 y 2"),
            ("2026-13", "El mes debe estar entre 1 y 12"),
            ("2026-00", "El mes debe estar entre 1 y 12"),
            ("0000", "Año fuera de rango"),
            ("2026B10", "Formatos aceptados"),
            ("2026X1", "Formatos aceptados"),
            ("26", "Formatos aceptados"),
            ("2026-3", "Formatos aceptados"),
            ("", "Formatos aceptados"),
            ("２０２６", "Formatos aceptados"),  # full-width digits match \d but are not codes
        ],
    )
    def test_rejected_codes(self, code: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            Period.parse(code)

    @given(periods)
    def test_code_round_trips(self, period: Period) -> None:
        assert Period.parse(period.code) == period
        assert Period.parse(period.dhis2_code) == period


class TestConstruction:
    def test_start_must_open_a_period(self) -> None:
        with pytest.raises(ValueError, match="no es el primer día de un bimestre"):
            Period(Granularity.BIMESTER, date(2026, 2, 1))
        with pytest.raises(ValueError, match="no es el primer día de un mes"):
            Period(Granularity.MONTH, date(2026, 2, 2))

    def test_accepts_granularity_value(self) -> None:
        period = Period("bimester", date(2026, 3, 1))  # type: ignore[arg-type]
        assert period.granularity is Granularity.BIMESTER

    def test_rejects_datetime_start(self) -> None:
        with pytest.raises(TypeError, match="date"):
            Period(Granularity.YEAR, datetime(2026, 1, 1))

    @pytest.mark.parametrize(
        ("day", "granularity", "code"),
        [
            (date(2026, 2, 28), Granularity.BIMESTER, "2026B1"),
            (date(2026, 3, 1), Granularity.BIMESTER, "2026B2"),
            (date(2026, 8, 31), Granularity.BIMESTER, "2026B4"),
            (date(2026, 12, 31), Granularity.BIMESTER, "2026B6"),
            (date(2026, 5, 15), Granularity.QUARTER, "2026Q2"),
            (date(2026, 7, 1), Granularity.SEMESTER, "2026S2"),
            (date(2026, 7, 1), Granularity.MONTH, "2026-07"),
            (date(2026, 7, 1), Granularity.YEAR, "2026"),
        ],
    )
    def test_of(self, day: date, granularity: Granularity, code: str) -> None:
        assert Period.of(day, granularity).code == code

    def test_of_accepts_granularity_value(self) -> None:
        assert Period.of(date(2026, 4, 30), "bimester").code == "2026B2"


class TestBimesters:
    @pytest.mark.parametrize(
        ("index", "months"),
        [(1, [1, 2]), (2, [3, 4]), (3, [5, 6]), (4, [7, 8]), (5, [9, 10]), (6, [11, 12])],
    )
    def test_months_of_each_bimester(self, index: int, months: list[int]) -> None:
        assert Period.parse(f"2026B{index}").months == [(2026, month) for month in months]

    def test_previous_of_first_bimester_is_last_of_previous_year(self) -> None:
        assert Period.parse("2026B1").previous() == Period.parse("2025B6")
        assert Period.parse("2025B6").next() == Period.parse("2026B1")

    def test_same_last_year(self) -> None:
        assert Period.parse("2026B1").same_last_year() == Period.parse("2025B1")
        assert Period.parse("2026-03").same_last_year() == Period.parse("2025-03")
        assert Period.parse("2026").same_last_year() == Period.parse("2025")

    def test_filing_time_counts_in_bogota(self) -> None:
        filed = datetime.fromisoformat("2026-02-28T23:30-05:00")
        assert filed.astimezone(UTC).date() == date(2026, 3, 1)
        assert bimester_of(filed) == Period.parse("2026B1")
        assert bimester_of(filed.astimezone(UTC)) == Period.parse("2026B1")

    def test_utc_instant_early_on_first_day_belongs_to_previous_bimester(self) -> None:
        assert bimester_of(datetime(2026, 3, 1, 4, 59, tzinfo=UTC)).code == "2026B1"
        assert bimester_of(datetime(2026, 3, 1, 5, 0, tzinfo=UTC)).code == "2026B2"

    def test_naive_datetime_is_local_time(self) -> None:
        assert bimester_of(datetime(2026, 2, 28, 23, 30)).code == "2026B1"

    def test_plain_date(self) -> None:
        assert bimester_of(date(2026, 3, 1)).code == "2026B2"


class TestContains:
    def test_bounds_are_inclusive(self) -> None:
        period = Period.parse("2026B1")
        assert period.contains(date(2026, 1, 1))
        assert period.contains(date(2026, 2, 28))
        assert not period.contains(date(2025, 12, 31))
        assert not period.contains(date(2026, 3, 1))

    def test_datetime_counts_by_colombian_date(self) -> None:
        period = Period.parse("2026B1")
        assert period.contains(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
        assert not period.contains(datetime(2026, 3, 1, 5, 0, tzinfo=UTC))

    @given(days, granularities)
    def test_of_contains_its_day(self, day: date, granularity: Granularity) -> None:
        assert Period.of(day, granularity).contains(day)


class TestNavigation:
    @given(periods)
    def test_next_and_previous_are_inverse(self, period: Period) -> None:
        assert period.next().previous() == period
        assert period.previous().next() == period

    @given(periods)
    def test_periods_tile_the_calendar(self, period: Period) -> None:
        assert period.next().start_date == period.end_date + timedelta(days=1)
        assert period.previous().end_date == period.start_date - timedelta(days=1)

    @given(periods)
    def test_same_last_year_is_one_year_back(self, period: Period) -> None:
        earlier = period.same_last_year()
        assert earlier.granularity is period.granularity
        assert earlier.index == period.index
        assert earlier.year == period.year - 1

    @given(periods)
    def test_months_cover_the_period(self, period: Period) -> None:
        months = period.months
        assert len(months) == period.granularity.months
        assert months[0] == (period.start_date.year, period.start_date.month)
        assert months[-1] == (period.end_date.year, period.end_date.month)

    @given(periods, st.integers(-50, 50))
    def test_shift_is_additive(self, period: Period, steps: int) -> None:
        assert period.shift(steps).shift(-steps) == period
        assert period.shift(steps) == period.shift(steps - 1).next()

    def test_range_limits(self) -> None:
        with pytest.raises(ValueError, match="fuera del rango"):
            Period.parse("9999B6").next()
        with pytest.raises(ValueError, match="fuera del rango"):
            Period.parse("0001-01").previous()

    def test_between(self) -> None:
        codes = [p.code for p in Period.between(Period.parse("2025B5"), Period.parse("2026B2"))]
        assert codes == ["2025B5", "2025B6", "2026B1", "2026B2"]
        assert Period.between(Period.parse("2026"), Period.parse("2025")) == []


class TestOrdering:
    def test_same_granularity_is_ordered(self) -> None:
        assert Period.parse("2025B6") < Period.parse("2026B1") <= Period.parse("2026B1")
        assert sorted([Period.parse("2026Q2"), Period.parse("2025Q4")])[0].code == "2025Q4"

    def test_mixed_granularities_do_not_compare(self) -> None:
        with pytest.raises(TypeError, match="distinta granularidad"):
            _ = Period.parse("2026B1") < Period.parse("2026Q1")
        with pytest.raises(TypeError, match="distinta granularidad"):
            Period.between(Period.parse("2026B1"), Period.parse("2026Q1"))

    def test_equality_and_hash(self) -> None:
        assert Period.parse("2026B1") != Period.parse("2026-01")
        assert {Period.parse("202601B"), Period.parse("2026B1")} == {Period.parse("2026B1")}

    def test_repr_is_readable(self) -> None:
        assert repr(Period.parse("2026B1")) == "Period.parse('2026B1')"


class TestMonth:
    def test_parse_and_format(self) -> None:
        month = parse_month("2026-03")
        assert month == Month(2026, 3)
        assert str(month) == "2026-03"
        assert format_month(2026, 3) == "2026-03"
        assert month.period == Period.parse("2026-03")

    def test_parse_month_rejects_month_13(self) -> None:
        with pytest.raises(ValueError, match=r"^Mes no válido: '2026-13'\. El mes debe estar entre 01 y 12\.$"):
            parse_month("2026-13")

    @pytest.mark.parametrize("text", ["2026-3", "2026/03", "202603", "03-2026", "2026-03-01", ""])
    def test_parse_month_requires_yyyy_mm(self, text: str) -> None:
        with pytest.raises(ValueError, match="Use el formato AAAA-MM"):
            parse_month(text)

    def test_format_month_validates(self) -> None:
        with pytest.raises(ValueError, match="entre 01 y 12"):
            format_month(2026, 0)
        with pytest.raises(ValueError, match="Año fuera de rango"):
            format_month(10000, 1)

    @given(st.integers(1, 9999), st.integers(1, 12))
    def test_round_trip(self, year: int, month: int) -> None:
        assert parse_month(format_month(year, month)) == Month(year, month)


class TestBogotaDate:
    def test_offset_is_utc_minus_five(self) -> None:
        assert BOGOTA.utcoffset(None) == timedelta(hours=-5)

    def test_aware_datetime_is_converted(self) -> None:
        assert bogota_date(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)) == date(2026, 2, 28)

    def test_naive_datetime_and_date_are_kept(self) -> None:
        assert bogota_date(datetime(2026, 3, 1, 2, 0)) == date(2026, 3, 1)
        assert bogota_date(date(2026, 3, 1)) == date(2026, 3, 1)
        assert type(bogota_date(datetime(2026, 3, 1, 2, 0))) is date
