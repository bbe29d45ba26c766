"""Indicator figures on hand-built indicators, measurements and activity execution, with exact values."""

from typing import Any

import pandas as pd
import pytest

from services.analytics.indicators.compute import (
    INDICATOR_COLUMNS,
    MEASUREMENT_COLUMNS,
    PROGRESS_COLUMNS,
    indicator_figures,
    period_execution,
    select_measurements,
)
from shared.periods import Period

NAN = float("nan")


def indicator(indicator_id: str, activity_id: str, kind: str = "proporcion", **fields: Any) -> dict[str, Any]:
    return {
        "indicator_id": indicator_id,
        "activity_id": activity_id,
        "name": f"Indicador {indicator_id}",
        "formula_text": fields.pop("formula_text", None),
        "numerator_label": None,
        "denominator_label": None,
        "factor": fields.pop("factor", 100),
        "target": fields.pop("target", NAN),
        "kind": kind,
    }


def frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


INDICATORS = frame(
    [
        indicator("I1", "X", formula_text="Capacitaciones programadas / Capacitaciones asistidas"),
        indicator("I2", "X", "conteo", target=10.0),
        indicator("I3", "X", "si_no"),
        indicator("I4", "X"),
        indicator("I5", "Y"),
        indicator("I6", "Z"),
        indicator("I7", "X"),
        indicator("I8", "W", factor=1000),
    ],
    INDICATOR_COLUMNS,
)
MEASUREMENTS = frame(
    [
        {"indicator_id": "I1", "period": "2026S1", "numerator": 1, "denominator": 2},
        {"indicator_id": "I1", "period": "2026S2", "numerator": 2, "denominator": 2},
        {"indicator_id": "I1", "period": "2026-03", "numerator": 1, "denominator": 1},
        {"indicator_id": "I2", "period": "2026", "numerator": 12, "denominator": None},
        {"indicator_id": "I3", "period": "2026Q1", "numerator": 1, "denominator": None},
        {"indicator_id": "I3", "period": "2026Q2", "numerator": 0, "denominator": None},
        {"indicator_id": "I4", "period": "2026", "numerator": 5, "denominator": None},
        {"indicator_id": "I7", "period": "2026", "numerator": 3, "denominator": 0},
    ],
    MEASUREMENT_COLUMNS,
)
# Execution of the whole year: Y programmed 4 in March, June, September and December, 3 executed.
YEAR = frame(
    [
        {
            "activity_id": "X",
            "planned_quantity": 2,
            "schedule_months": [5],
            "executed_quantity": 2,
            "months_reported": 1,
        },
        {
            "activity_id": "Y",
            "planned_quantity": 4,
            "schedule_months": [3, 6, 9, 12],
            "executed_quantity": 3,
            "months_reported": 3,
        },
        {
            "activity_id": "Z",
            "planned_quantity": 0,
            "schedule_months": [],
            "executed_quantity": 0,
            "months_reported": 0,
        },
        {
            "activity_id": "W",
            "planned_quantity": 8,
            "schedule_months": [],
            "executed_quantity": 2,
            "months_reported": 2,
        },
    ],
    PROGRESS_COLUMNS,
)
# Up to June: one of Y's executions.
TO_JUNE = YEAR.assign(executed_quantity=[2, 1, 0, 1], months_reported=[1, 1, 0, 1])


def figures(period: str, execution: pd.DataFrame = YEAR) -> dict[str, dict[str, Any]]:
    records = indicator_figures(INDICATORS, MEASUREMENTS, execution, period=Period.parse(period), plan_year=2026)
    assert [record["indicator_id"] for record in records] == [f"I{n}" for n in range(1, 9)]
    return {record["indicator_id"]: record for record in records}


def core(figure: dict[str, Any]) -> tuple[Any, ...]:
    return (figure["numerator"], figure["denominator"], figure["value"], figure["reason"], figure["method"])


class TestFromMeasurements:
    def test_the_year_sums_its_semesters_not_their_months_too(self) -> None:
        i1 = figures("2026")["I1"]
        assert core(i1) == (3, 4, 75.0, None, "achieved_over_programmed")
        assert (i1["factor"], i1["source_records"], i1["over_100"]) == (100, 2, False)
        assert i1["formula_text"] == "Capacitaciones programadas / Capacitaciones asistidas"

    def test_an_exact_period_wins(self) -> None:
        assert core(figures("2026S1")["I1"]) == (1, 2, 50.0, None, "achieved_over_programmed")

    def test_a_quarter_takes_the_months_inside_it(self) -> None:
        assert core(figures("2026Q1")["I1"]) == (1, 1, 100.0, None, "achieved_over_programmed")

    def test_a_count_against_its_target_flags_over_100(self) -> None:
        i2 = figures("2026")["I2"]
        assert core(i2) == (12, 10, 120.0, None, "achieved_over_programmed")
        assert (i2["over_100"], i2["target"], i2["kind"]) == (True, 10.0, "conteo")

    def test_yes_no_is_the_share_of_yes(self) -> None:
        assert core(figures("2026S1")["I3"]) == (1, 2, 50.0, None, "achieved_over_programmed")

    def test_a_proportion_without_denominator_has_no_value(self) -> None:
        assert core(figures("2026")["I4"]) == (
            5,
            0,
            None,
            "la medición no tiene denominador",
            "achieved_over_programmed",
        )

    def test_a_measured_zero_denominator_has_no_value(self) -> None:
        assert core(figures("2026")["I7"]) == (3, 0, None, "el denominador medido es 0", "achieved_over_programmed")

    def test_a_count_without_target_or_denominator_has_no_value(self) -> None:
        indicators = frame([indicator("C", "X", "conteo")], INDICATOR_COLUMNS)
        measurements = frame([{"indicator_id": "C", "period": "2026", "numerator": 4}], MEASUREMENT_COLUMNS)
        [record] = indicator_figures(indicators, measurements, YEAR, period=Period.parse("2026"), plan_year=2026)
        assert record["value"] is None
        assert record["reason"] == "la medición no tiene denominador ni el indicador meta"


class TestDerivedFromActivities:
    def test_whole_year(self) -> None:
        result = figures("2026")
        assert core(result["I5"]) == (3, 4, 75.0, None, "derived_from_activity_progress")
        assert result["I5"]["source_records"] == 3
        # No schedule: the whole programme belongs to every period. Factor is the indicator's.
        assert core(result["I8"]) == (2, 8, 250.0, None, "derived_from_activity_progress")
        assert result["I8"]["factor"] == 1000

    def test_a_semester_prorates_the_programme_by_its_scheduled_months(self) -> None:
        first = figures("2026S1", period_execution(TO_JUNE, None))
        # Y: 2 of its 4 months fall in the first semester → 4 × 2 ÷ 4 = 2 programmed; 1 executed.
        assert core(first["I5"]) == (1, 2, 50.0, None, "derived_from_activity_progress")
        second = figures("2026S2", period_execution(YEAR, TO_JUNE))
        assert core(second["I5"]) == (2, 2, 100.0, None, "derived_from_activity_progress")
        assert second["I5"]["source_records"] == 2

    def test_nothing_programmed_has_no_value(self) -> None:
        assert core(figures("2026")["I6"]) == (
            0,
            0,
            None,
            "sin mediciones en el periodo ni cantidad programada en sus meses",
            "derived_from_activity_progress",
        )

    def test_an_activity_without_execution_rows(self) -> None:
        indicators = frame([indicator("Q", "missing")], INDICATOR_COLUMNS)
        [record] = indicator_figures(
            indicators, MEASUREMENTS.iloc[0:0], YEAR, period=Period.parse("2026"), plan_year=2026
        )
        assert (record["value"], record["reason"]) == (None, "sin mediciones en el periodo ni actividad con ejecución")


class TestHelpers:
    def test_period_execution_subtracts_what_came_before(self) -> None:
        second = period_execution(YEAR, TO_JUNE)
        assert second["executed_quantity"].tolist() == [0, 2, 0, 1]
        assert second["months_reported"].tolist() == [0, 2, 0, 1]
        assert period_execution(YEAR, None)["executed_quantity"].tolist() == [2, 3, 0, 2]

    @pytest.mark.parametrize(
        ("period", "chosen"),
        [
            ("2026", ["2026S1", "2026S2", "2026", "2026Q1", "2026Q2", "2026", "2026"]),
            ("2026S1", ["2026S1", "2026Q1", "2026Q2"]),
            ("2026-03", ["2026-03"]),
            ("2025", []),
        ],
    )
    def test_select_measurements(self, period: str, chosen: list[str]) -> None:
        selected = pd.concat(
            [
                select_measurements(rows, Period.parse(period))
                for _, rows in MEASUREMENTS.groupby("indicator_id", sort=False)
            ]
        )
        assert selected["period"].tolist() == chosen

    def test_a_semester_and_the_months_after_it_make_up_the_year(self) -> None:
        periods = ["2026S1", *(f"2026-{month:02d}" for month in range(1, 13))]
        rows = pd.DataFrame({"indicator_id": ["i"] * len(periods), "period": periods})
        selected = select_measurements(rows, Period.parse("2026"))
        # January to June are in S1 already; July to December complete the year.
        assert selected["period"].tolist() == ["2026S1", *(f"2026-{month:02d}" for month in range(7, 13))]
