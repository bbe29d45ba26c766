"""Plan execution on a small hand-built plan, with every expected figure worked out by hand.

The plan (year 2026, cut-off 2026-06):
- A1 (E2, M01): programmed 3, executed 4 (over-executed), months 3, 6, 9; budget 300 → 250; 3 reports.
- A2 (E2, M01): programmed 10, executed 5, months 2, 4, 6, 8, 10, 12; no budget; 2 reports.
- A3 (E1, M02): programmed 2, executed 0, months 4, 5; budget 100 → 0; no reports.
- A4 (E1, M02): programmed 0, executed 1 (work nobody programmed), month 11; 1 report.
Months due by June: A1 2 of 3, A2 3 of 6, A3 2 of 2, A4 0 of 1 → 7 of 12 for the plan.
"""

from typing import Any

import pandas as pd
import pytest

from services.analytics.plans.compute import (
    ACTIVITY_COLUMNS,
    PlanExecutionResult,
    months_to_date,
    plan_execution,
    ratio,
    traffic_light,
)
from shared.contract.analytics_plans import ExecutionMethod, TrafficLight

G1, G2 = "goal-1", "goal-2"


def activity(
    activity_id: str,
    goal_id: str,
    axis: str,
    goal_code: str,
    *,
    planned: int,
    executed: int,
    months: list[int],
    planned_budget: int = 0,
    executed_budget: int = 0,
    reports: int = 0,
) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "goal_id": goal_id,
        "axis": axis,
        "line": "a",
        "goal_code": goal_code,
        "code": activity_id,
        "planned_quantity": planned,
        "planned_budget": planned_budget,
        "schedule_months": months,
        "executed_quantity": executed,
        "people_reached": 10 * executed,
        "executed_budget": executed_budget,
        "months_reported": reports,
        "flagged_months": [],
    }


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(ACTIVITY_COLUMNS)).astype(ACTIVITY_COLUMNS)


PLAN = [
    activity(
        "A1",
        G1,
        "E2",
        "M01",
        planned=3,
        executed=4,
        months=[3, 6, 9],
        planned_budget=300,
        executed_budget=250,
        reports=3,
    ),
    activity("A2", G1, "E2", "M01", planned=10, executed=5, months=[2, 4, 6, 8, 10, 12], reports=2),
    activity("A3", G2, "E1", "M02", planned=2, executed=0, months=[4, 5], planned_budget=100),
    activity("A4", G2, "E1", "M02", planned=0, executed=1, months=[11], reports=1),
]


def execution(rows: list[dict[str, Any]], method: ExecutionMethod, cut_off: str = "2026-06") -> PlanExecutionResult:
    year, month = (int(part) for part in cut_off.split("-"))
    return plan_execution(frame(rows), method=method, plan_year=2026, cut_off_year=year, cut_off_month=month)


def core(figure: dict[str, Any]) -> tuple[Any, ...]:
    return (figure["numerator"], figure["denominator"], figure["value"], figure["reason"], figure["over_100"])


def by(records: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {record[key]: record for record in records}


class TestSum:
    def test_plan(self) -> None:
        result = execution(PLAN, ExecutionMethod.SUM)
        assert core(result.plan) == (10, 15, 66.67, None, False)
        assert result.plan["method"] == "sum_executed_over_sum_programmed"
        assert (result.plan["factor"], result.plan["source_records"]) == (100, 6)
        assert core(result.plan["expected_to_date"]) == (7, 12, 58.33, None, False)
        assert result.plan["expected_to_date"]["method"] == "scheduled_months_to_date"
        assert result.plan["traffic_light"] is TrafficLight.VERDE  # 120 / 105 = 1.14

    def test_goals(self) -> None:
        goals = by(execution(PLAN, ExecutionMethod.SUM).goals, "goal_id")
        assert list(goals) == [G1, G2]
        assert core(goals[G1]) == (9, 13, 69.23, None, False)
        assert core(goals[G1]["expected_to_date"]) == (5, 9, 55.56, None, False)
        assert goals[G1]["traffic_light"] is TrafficLight.VERDE
        assert (goals[G1]["axis"], goals[G1]["code"], goals[G1]["activities"]) == ("E2", "M01", 2)
        assert core(goals[G2]) == (1, 2, 50.0, None, False)
        assert core(goals[G2]["expected_to_date"]) == (2, 3, 66.67, None, False)
        assert goals[G2]["traffic_light"] is TrafficLight.AMARILLO  # (1 × 3) / (2 × 2) = 0.75

    def test_axes_are_all_five_and_empty_ones_have_no_value(self) -> None:
        axes = execution(PLAN, ExecutionMethod.SUM).axes
        assert [axis["axis"] for axis in axes] == ["E1", "E2", "E3", "E4", "E5"]
        assert axes[0]["name"] == "Fortalecimiento institucional"
        assert core(axes[0]) == (1, 2, 50.0, None, False)
        assert core(axes[1]) == (9, 13, 69.23, None, False)
        for empty in axes[2:]:
            assert core(empty) == (0, 0, None, "el eje no tiene actividades", False)
            assert core(empty["expected_to_date"]) == (0, 0, None, "el eje no tiene actividades", False)
            assert (empty["traffic_light"], empty["activities"]) == (None, 0)

    def test_activities_keep_over_execution_uncapped(self) -> None:
        activities = by(execution(PLAN, ExecutionMethod.SUM).activities, "activity_id")
        a1 = activities["A1"]
        assert core(a1) == (4, 3, 133.33, None, True)
        assert a1["uncapped_value"] == 133.33
        assert core(a1["expected_to_date"]) == (2, 3, 66.67, None, False)
        assert a1["traffic_light"] is TrafficLight.VERDE
        assert (a1["people_reached"], a1["planned_budget"], a1["executed_budget"], a1["months_reported"]) == (
            40,
            300,
            250,
            3,
        )
        assert core(activities["A2"]) == (5, 10, 50.0, None, False)
        assert activities["A2"]["traffic_light"] is TrafficLight.VERDE  # 50 % executed, 50 % expected
        assert core(activities["A3"]) == (0, 2, 0.0, None, False)
        assert activities["A3"]["traffic_light"] is TrafficLight.ROJO
        # Nothing programmed: no ratio, and so no light, though its expected-to-date is a plain 0 %.
        assert core(activities["A4"]) == (1, 0, None, "sin cantidad programada", False)
        assert core(activities["A4"]["expected_to_date"]) == (0, 1, 0.0, None, False)
        assert activities["A4"]["traffic_light"] is None

    def test_budget_completed_and_over_executed(self) -> None:
        result = execution(PLAN, ExecutionMethod.SUM)
        assert core(result.budget) == (250, 400, 62.5, None, False)
        assert result.budget["source_records"] == 6
        # A4 has nothing programmed: it is neither completed nor pending.
        assert core(result.completed_activities) == (1, 3, 33.33, None, False)
        assert result.completed_activities["source_records"] == 4
        assert result.over_executed == ["A1", "A4"]


class TestMeanCapped:
    def test_plan_goals_and_axes(self) -> None:
        result = execution(PLAN, ExecutionMethod.MEAN_CAPPED)
        # Capped ratios: A1 1.0 (4 of 3), A2 0.5, A3 0.0; A4 has none and is left out of the mean.
        assert core(result.plan) == (1.5, 3, 50.0, None, False)
        assert result.plan["method"] == "mean_of_capped_activity_ratios"
        assert result.plan["traffic_light"] is TrafficLight.AMARILLO  # (1.5 × 12) / (3 × 7) = 0.857
        goals = by(result.goals, "goal_id")
        assert core(goals[G1]) == (1.5, 2, 75.0, None, False)
        assert goals[G1]["traffic_light"] is TrafficLight.VERDE
        assert core(goals[G2]) == (0, 1, 0.0, None, False)
        assert goals[G2]["traffic_light"] is TrafficLight.ROJO
        assert core(result.axes[1]) == (1.5, 2, 75.0, None, False)

    def test_activities_are_capped_but_still_flag_over_execution(self) -> None:
        result = execution(PLAN, ExecutionMethod.MEAN_CAPPED)
        a1 = by(result.activities, "activity_id")["A1"]
        assert core(a1) == (4, 3, 100.0, None, True)
        assert a1["uncapped_value"] == 133.33
        assert a1["method"] == "mean_of_capped_activity_ratios"
        assert result.over_executed == ["A1", "A4"]

    def test_budget_and_completed_do_not_depend_on_the_method(self) -> None:
        by_sum, by_mean = execution(PLAN, ExecutionMethod.SUM), execution(PLAN, ExecutionMethod.MEAN_CAPPED)
        assert by_sum.budget == by_mean.budget
        assert by_sum.completed_activities == by_mean.completed_activities


class TestZeroDenominators:
    def test_nothing_programmed(self) -> None:
        rows = [activity("A1", G1, "E2", "M01", planned=0, executed=0, months=[])]
        by_sum, by_mean = execution(rows, ExecutionMethod.SUM), execution(rows, ExecutionMethod.MEAN_CAPPED)
        assert core(by_sum.plan) == (0, 0, None, "sin cantidad programada", False)
        assert core(by_mean.plan) == (0, 0, None, "sin actividades con cantidad programada", False)
        assert core(by_sum.plan["expected_to_date"]) == (0, 0, None, "sin meses programados en el cronograma", False)
        assert by_sum.plan["traffic_light"] is None
        assert core(by_sum.budget) == (0, 0, None, "sin presupuesto programado", False)
        assert core(by_sum.completed_activities) == (0, 0, None, "sin actividades con cantidad programada", False)
        assert by_sum.over_executed == []

    def test_a_plan_without_activities(self) -> None:
        result = execution([], ExecutionMethod.SUM)
        assert core(result.plan) == (0, 0, None, "el plan no tiene actividades", False)
        assert core(result.budget) == (0, 0, None, "el plan no tiene actividades", False)
        assert core(result.completed_activities) == (0, 0, None, "el plan no tiene actividades", False)
        assert (result.goals, result.activities, result.over_executed) == ([], [], [])
        assert [axis["reason"] for axis in result.axes] == ["el eje no tiene actividades"] * 5


class TestExpectedToDate:
    @pytest.mark.parametrize(
        ("cut_off", "due"),
        [
            ("2025-12", 0),
            ("2026-01", 0),
            ("2026-02", 0),
            ("2026-03", 1),
            ("2026-08", 2),
            ("2026-09", 3),
            ("2027-01", 3),
        ],
    )
    def test_months_due_by_the_cut_off(self, cut_off: str, due: int) -> None:
        year, month = (int(part) for part in cut_off.split("-"))
        assert months_to_date([3, 6, 9], plan_year=2026, cut_off_year=year, cut_off_month=month) == due

    @pytest.mark.parametrize(
        ("cut_off", "expected", "light"),
        [
            ("2026-02", (0, 3, 0.0), TrafficLight.VERDE),  # nothing due yet: cannot be late
            ("2026-03", (1, 3, 33.33), TrafficLight.VERDE),  # 1 of 3 done, 1 of 3 due
            ("2026-06", (2, 3, 66.67), TrafficLight.ROJO),  # 1 of 3 done, 2 of 3 due: ratio 0.5
            ("2026-12", (3, 3, 100.0), TrafficLight.ROJO),
        ],
    )
    def test_expected_and_light_move_with_the_cut_off(
        self, cut_off: str, expected: tuple[int, int, float], light: TrafficLight
    ) -> None:
        rows = [activity("A1", G1, "E2", "M01", planned=3, executed=1, months=[3, 6, 9], reports=1)]
        result = execution(rows, ExecutionMethod.SUM, cut_off)
        figure = result.plan["expected_to_date"]
        assert (figure["numerator"], figure["denominator"], figure["value"]) == expected
        assert result.plan["traffic_light"] is light

    def test_repeated_months_count_once(self) -> None:
        assert months_to_date([3, 3, 6], plan_year=2026, cut_off_year=2026, cut_off_month=12) == 2


class TestTrafficLight:
    @pytest.mark.parametrize(
        ("physical", "light"),
        [
            ((9, 20), TrafficLight.VERDE),  # 45 % against 50 %: exactly 0.9
            ((89, 200), TrafficLight.AMARILLO),  # 0.89
            ((7, 20), TrafficLight.AMARILLO),  # exactly 0.7
            ((69, 200), TrafficLight.ROJO),  # 0.69
            ((0, 20), TrafficLight.ROJO),
            ((30, 20), TrafficLight.VERDE),  # over-executed
        ],
    )
    def test_default_thresholds(self, physical: tuple[int, int], light: TrafficLight) -> None:
        assert traffic_light(physical, (1, 2)) is light

    def test_thresholds_are_parameters(self) -> None:
        assert traffic_light((17, 20), (1, 1), green=0.8, amber=0.5) is TrafficLight.VERDE
        assert traffic_light((11, 20), (1, 1), green=0.8, amber=0.5) is TrafficLight.AMARILLO
        assert traffic_light((9, 20), (1, 1), green=0.8, amber=0.5) is TrafficLight.ROJO
        rows = [activity("A1", G1, "E2", "M01", planned=20, executed=17, months=[1])]
        result = plan_execution(
            frame(rows),
            method=ExecutionMethod.SUM,
            plan_year=2026,
            cut_off_year=2026,
            cut_off_month=12,
            green=0.95,
            amber=0.8,
        )
        assert result.plan["traffic_light"] is TrafficLight.AMARILLO

    def test_a_mean_at_the_threshold_is_not_lost_to_rounding(self) -> None:
        # 0.7 + 0.2 is 0.8999999999999999 in binary floating point.
        assert traffic_light((0.7 + 0.2, 1), (1, 1)) is TrafficLight.VERDE

    def test_capped_activity_against_its_schedule(self) -> None:
        # 4 of 3 capped at 1.0 against 1 of 2 months due: green: capping never hides being ahead.
        assert traffic_light((4, 3), (1, 2), cap=True) is TrafficLight.VERDE

    def test_no_light_without_both_figures(self) -> None:
        assert traffic_light((1, 0), (1, 2)) is None
        assert traffic_light((1, 2), (0, 0)) is None


class TestRatio:
    def test_rounding_and_over_100(self) -> None:
        figure = ratio(2, 3, method="m", source_records=2, zero_reason="x")
        assert figure == {
            "numerator": 2,
            "denominator": 3,
            "factor": 100,
            "value": 66.67,
            "reason": None,
            "method": "m",
            "source_records": 2,
            "over_100": False,
        }
        assert ratio(4, 3, method="m", source_records=1, zero_reason="x", cap=True)["value"] == 100.0

    def test_zero_denominator_is_never_a_percentage(self) -> None:
        figure = ratio(5, 0, method="m", source_records=0, zero_reason="sin base")
        assert (figure["value"], figure["reason"], figure["over_100"]) == (None, "sin base", False)
