"""Pure complaint figures on small hand-built frames, with exact expected values."""

import uuid
from datetime import UTC, datetime, time
from typing import Any

import pandas as pd
import pytest

from services.analytics.complaints import compute
from services.analytics.complaints.compute import Completeness, Entity
from services.analytics.frames import STAT_COLUMNS
from shared.contract.analytics import PriorityWeights
from shared.enums import OrganizationKind
from shared.periods import BOGOTA, Period

AS_OF = datetime(2026, 3, 15, 12, 0, tzinfo=BOGOTA)
B1 = Period.parse("2026B1")
B6 = Period.parse("2025B6")
LAST_B1 = Period.parse("2025B1")
EPS = str(uuid.UUID(int=1))
IPS = str(uuid.UUID(int=2))
ALL_MONTHS = {"2025-01", "2025-02", "2025-11", "2025-12", "2026-01", "2026-02"}


def stats(rows: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    defaults = dict.fromkeys(STAT_COLUMNS, 0) | {
        name: None for name, dtype in STAT_COLUMNS.items() if dtype == "float64"
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows], columns=[*keys, *STAT_COLUMNS])
    return frame.astype({**dict.fromkeys(keys, "object"), **STAT_COLUMNS})


def affiliates(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["organization_id", "month", "municipality_code", "count"])
    return frame.assign(records=1).astype({"count": "int64", "records": "int64"})


def complete(period: Period) -> Completeness:
    return Completeness(period, True)


class TestCompleteness:
    def test_a_bimester_ending_after_the_cut_off_is_incomplete(self) -> None:
        state = compute.completeness(Period.parse("2026B2"), AS_OF, ALL_MONTHS | {"2026-03"})
        assert not state.complete
        assert state.reason == "el periodo 2026B2 termina después del corte de los datos"

    def test_a_month_without_data_makes_it_incomplete(self) -> None:
        state = compute.completeness(B1, AS_OF, {"2026-01"})
        assert not state.complete
        assert state.reason == "el periodo 2026B1 no tiene datos en 2026-02"

    def test_ended_with_data_in_every_month_is_complete(self) -> None:
        assert compute.completeness(B1, AS_OF, ALL_MONTHS) == Completeness(B1, True)

    def test_complete_only_once_its_last_day_is_over(self) -> None:
        assert not compute.completeness(B1, datetime(2026, 2, 28, 23, 0, tzinfo=BOGOTA), ALL_MONTHS).complete
        end_of_february = datetime.combine(B1.end_date, time.max, tzinfo=BOGOTA)
        assert compute.completeness(B1, end_of_february, ALL_MONTHS).complete
        # 1 March 00:00 in Bogotá is 05:00 UTC: a cut-off given in UTC counts by the instant.
        assert not compute.completeness(B1, datetime(2026, 3, 1, 4, 0, tzinfo=UTC), ALL_MONTHS).complete


class TestMeanAffiliates:
    def test_the_mean_of_the_months_of_the_period(self) -> None:
        frame = affiliates([(EPS, "2026-01", "", 10_000), (EPS, "2026-02", "", 12_000), (EPS, "2026-03", "", 99_000)])
        result = compute.mean_affiliates(frame, ["2026-01", "2026-02"], ["organization_id"])
        assert result.to_dict("records") == [{"organization_id": EPS, "affiliates": 11_000.0, "affiliate_records": 2}]

    def test_a_missing_month_is_left_out_of_the_mean(self) -> None:
        frame = affiliates([(EPS, "2026-02", "", 12_000)])
        result = compute.mean_affiliates(frame, ["2026-01", "2026-02"], ["organization_id"])
        assert result["affiliates"].tolist() == [12_000.0]

    def test_without_group_the_organisations_add_up(self) -> None:
        frame = affiliates([(EPS, "2026-01", "", 10_000), (EPS, "2026-02", "", 12_000), (IPS, "2026-01", "", 3_000)])
        result = compute.mean_affiliates(frame, ["2026-01", "2026-02"], [])
        assert result.to_dict("records") == [{"affiliates": 14_000.0, "affiliate_records": 3}]


class TestOverMonths:
    def frame(self, rows: list[tuple[str, str, int]]) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=["entity_id", "month", "count"])
        return frame.astype({"entity_id": "object", "month": "object", "count": "int64"})

    def test_per_group_in_key_order(self) -> None:
        frame = self.frame([(IPS, "2026-01", 2), (EPS, "2026-01", 1), (EPS, "2026-02", 4)])
        result = compute.over_months(frame, ["entity_id"])
        assert result.to_dict("records") == [{"entity_id": EPS, "count": 5}, {"entity_id": IPS, "count": 2}]

    def test_without_groups_one_total(self) -> None:
        frame = self.frame([(EPS, "2026-01", 1), (EPS, "2026-02", 4)]).drop(columns=["entity_id"])
        assert compute.over_months(frame, []).to_dict("records") == [{"count": 5}]

    def test_no_counts_stay_empty(self) -> None:
        result = compute.over_months(self.frame([]), ["entity_id"])
        assert result.empty
        assert list(result.columns) == ["entity_id", "count"]


class TestBimonthly:
    def items(self, **overrides: Any) -> list[Any]:
        arguments: dict[str, Any] = {
            "current": stats(
                [
                    {
                        "entity_id": EPS,
                        "count": 5,
                        "answered": 2,
                        "answered_in_term": 1,
                        "answered_out_of_term": 1,
                        "overdue_unanswered": 3,
                    }
                ],
                ["entity_id"],
            ),
            "comparisons": {
                "previous": (stats([{"entity_id": EPS, "count": 2}], ["entity_id"]), complete(B6)),
                "same_last_year": (stats([{"entity_id": EPS, "count": 4}], ["entity_id"]), complete(LAST_B1)),
            },
            "affiliates": affiliates([(EPS, "2026-01", "", 10_000), (EPS, "2026-02", "", 12_000)]),
            "keys": ["entity_id"],
            "state": complete(B1),
            "as_of": AS_OF,
            "method": "answered_in_term_over_due",
            "entity_names": {EPS: "EPS Sanitas"},
        }
        arguments.update(overrides)
        return compute.bimonthly_items(**arguments)

    def test_rate_with_changing_affiliates_and_changes(self) -> None:
        (item,) = self.items()
        assert item.entity_name == "EPS Sanitas"
        assert item.rate_per_10k.numerator == 5
        assert item.rate_per_10k.denominator == 11_000
        assert item.rate_per_10k.value == 4.55
        assert item.previous.period == "2025B6"
        assert (item.previous.count, item.previous.change, item.previous.change_pct) == (2, 3, 150.0)
        assert (item.same_last_year.count, item.same_last_year.change, item.same_last_year.change_pct) == (4, 1, 25.0)

    def test_response_times_in_hours_and_business_days(self) -> None:
        current = stats(
            [
                {
                    "entity_id": EPS,
                    "count": 3,
                    "answered": 3,
                    "mean_response_hours": 109.833333,
                    "mean_response_business_days": 5 / 3,
                    "median_response_business_days": 1.0,
                }
            ],
            ["entity_id"],
        )
        (item,) = self.items(current=current)
        assert (item.mean_response_hours, item.median_response_hours) == (109.83, None)
        assert (item.mean_response_business_days, item.median_response_business_days) == (1.67, 1.0)

    def test_no_complaints_and_no_groups(self) -> None:
        (item,) = self.items(current=stats([], []), comparisons={}, keys=[], entity_names={})
        assert (item.count, item.answered, item.overdue_unanswered) == (0, 0, 0)
        assert item.timeliness.value is None
        assert item.timeliness.reason
        assert (item.mean_response_hours, item.median_response_business_days) == (None, None)

    def test_timeliness_methods(self) -> None:
        (recommended,) = self.items()
        assert (recommended.timeliness.numerator, recommended.timeliness.denominator) == (1, 5)
        assert recommended.timeliness.value == 20.0
        current = stats(
            [
                {
                    "entity_id": EPS,
                    "count": 37,
                    "answered": 30,
                    "answered_in_term": 21,
                    "answered_out_of_term": 9,
                    "overdue_unanswered": 1,
                }
            ],
            ["entity_id"],
        )
        (ese,) = self.items(current=current, method="ese_siau")
        # The ESE's own quarterly report: 21 ÷ 37 = 56.76 %.
        assert (ese.timeliness.numerator, ese.timeliness.denominator, ese.timeliness.value) == (21, 37, 56.76)
        assert ese.timeliness.method == "ese_siau"

    def test_zero_denominators_are_null_with_a_reason(self) -> None:
        current = stats([{"entity_id": EPS, "count": 1}], ["entity_id"])
        comparisons = {"previous": (stats([], ["entity_id"]), complete(B6))}
        (item,) = self.items(current=current, comparisons=comparisons, affiliates=affiliates([]))
        assert item.rate_per_10k.value is None
        assert item.rate_per_10k.reason == "sin conteos de afiliados en el periodo"
        assert item.timeliness.value is None
        assert item.timeliness.reason == "sin PQRD respondidas ni vencidas en el periodo"
        assert item.timeliness.over_100 is False
        assert (item.previous.count, item.previous.change, item.previous.change_pct) == (0, 1, None)
        assert item.previous.reason == "el periodo de comparación no tiene PQRD (base 0)"
        assert item.same_last_year is None

    def test_an_incomplete_bimester_is_not_compared(self) -> None:
        state = Completeness(Period.parse("2026B2"), False, "el periodo 2026B2 termina después del corte de los datos")
        (item,) = self.items(state=state)
        assert item.previous.count == 2
        assert item.previous.change is None
        assert item.previous.change_pct is None
        assert item.previous.reason == "no se compara: el periodo 2026B2 termina después del corte de los datos"

    def test_an_incomplete_base_is_not_compared(self) -> None:
        base = Completeness(B6, False, "el periodo 2025B6 no tiene datos en 2025-12")
        comparisons = {"previous": (stats([{"entity_id": EPS, "count": 2}], ["entity_id"]), base)}
        (item,) = self.items(comparisons=comparisons)
        assert item.previous.complete is False
        assert item.previous.change is None
        assert item.previous.reason == "no se compara: el periodo 2025B6 no tiene datos en 2025-12"

    def test_groups_only_in_the_base_appear_with_zero(self) -> None:
        keys = ["type"]
        current = stats([{"type": "queja", "count": 3}], keys)
        previous = stats([{"type": "queja", "count": 1}, {"type": "reclamo", "count": 4}], keys)
        items = self.items(
            current=current,
            comparisons={"previous": (previous, complete(B6))},
            keys=keys,
            affiliates=affiliates([(EPS, "2026-01", "", 1_000), (IPS, "2026-01", "", 1_000)]),
        )
        assert [(item.type, item.count, item.previous.change, item.previous.change_pct) for item in items] == [
            ("queja", 3, 2, 200.0),
            ("reclamo", 0, -4, -100.0),
        ]
        # Not grouped by entity: every organisation in scope is the denominator.
        assert items[0].rate_per_10k.denominator == 2_000
        assert items[0].rate_per_10k.value == 15.0

    def test_rate_by_municipality_uses_that_municipalitys_members(self) -> None:
        keys = ["municipality_code"]
        current = stats([{"municipality_code": "47001", "count": 6}, {"municipality_code": "", "count": 1}], keys)
        members = affiliates(
            [
                (EPS, "2026-01", "47001", 2_000),
                (EPS, "2026-02", "47001", 4_000),
                (IPS, "2026-01", "47001", 1_000),
                (EPS, "2026-01", "47189", 9_000),
            ]
        )
        items = self.items(current=current, comparisons={}, keys=keys, affiliates=members)
        unknown, santa_marta = items
        # EPS mean 3,000 + IPS 1,000 in Santa Marta; complaints without a municipality have no denominator.
        assert (santa_marta.municipality_code, santa_marta.rate_per_10k.denominator) == ("47001", 4_000)
        assert santa_marta.rate_per_10k.value == 15.0
        assert unknown.municipality_code is None
        assert unknown.rate_per_10k.value is None

    def test_a_missing_key_value_stays_a_group(self) -> None:
        keys = ["risk"]
        current = stats([{"risk": "", "count": 2}, {"risk": "riesgo_vital", "count": 1}], keys)
        items = self.items(current=current, comparisons={}, keys=keys)
        assert [(item.risk, item.count) for item in items] == [(None, 2), ("riesgo_vital", 1)]

    def test_without_group_keys_one_total(self) -> None:
        current = stats([{"count": 7, "answered": 7, "answered_in_term": 7}], [])
        (item,) = self.items(
            current=current, comparisons={"previous": (stats([{"count": 7}], []), complete(B6))}, keys=[]
        )
        assert (item.count, item.previous.change, item.previous.change_pct) == (7, 0, 0.0)
        assert item.timeliness.value == 100.0
        assert item.timeliness.over_100 is False


class TestTrend:
    def test_periods_are_filled_with_zeros_and_flagged(self) -> None:
        counts = pd.DataFrame(
            [["2025-12", "web", 1], ["2026-01", "web", 3], ["2026-02", "telefono", 2]],
            columns=["month", "channel", "count"],
        )
        points = compute.trend_points(
            counts,
            keys=["channel"],
            first=Period.parse("2025B6"),
            last=Period.parse("2026B2"),
            as_of=AS_OF,
            months_with_data=ALL_MONTHS,
        )
        assert [(point.period, point.channel, point.count, point.complete) for point in points] == [
            ("2025B6", "telefono", 0, True),
            ("2025B6", "web", 1, True),
            ("2026B1", "telefono", 2, True),
            ("2026B1", "web", 3, True),
            ("2026B2", "telefono", 0, False),
            ("2026B2", "web", 0, False),
        ]

    def test_quarters_without_groups(self) -> None:
        counts = pd.DataFrame([["2026-01", 1], ["2026-03", 2], ["2026-04", 5]], columns=["month", "count"])
        points = compute.trend_points(
            counts,
            keys=[],
            first=Period.parse("2026Q1"),
            last=Period.parse("2026Q2"),
            as_of=datetime(2026, 7, 1, tzinfo=BOGOTA),
            months_with_data={"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"},
        )
        assert [(point.period, point.count, point.complete) for point in points] == [
            ("2026Q1", 3, True),
            ("2026Q2", 5, True),
        ]


class TestPriorities:
    ENTITIES = [
        Entity(uuid.UUID(EPS), "EPS Sanitas", OrganizationKind.EPS),
        Entity(uuid.UUID(IPS), "IPS Ciénaga", OrganizationKind.IPS),
        Entity(uuid.UUID(int=3), "ESE Sin Quejas", OrganizationKind.ESE),
    ]

    def rank(self, weights: PriorityWeights, *, previous_state: Completeness | None = None) -> list[Any]:
        current = stats(
            [
                # EPS: 10 complaints, 10,000 members -> 10 per 10,000; 2 riesgo vital; 1 of 5 due out of term.
                {
                    "entity_id": EPS,
                    "count": 10,
                    "answered": 4,
                    "answered_in_term": 4,
                    "answered_out_of_term": 0,
                    "overdue_unanswered": 1,
                },
                # IPS: 4 complaints, 1,000 members -> 40 per 10,000; none vital; 3 of 4 out of term.
                {
                    "entity_id": IPS,
                    "count": 4,
                    "answered": 3,
                    "answered_in_term": 1,
                    "answered_out_of_term": 2,
                    "overdue_unanswered": 1,
                },
            ],
            ["entity_id"],
        )
        previous = pd.DataFrame([[EPS, 5], [IPS, 4]], columns=["entity_id", "count"])
        vital = pd.DataFrame([[EPS, 2]], columns=["entity_id", "count"])
        members = affiliates([(EPS, "2026-01", "", 10_000), (EPS, "2026-02", "", 10_000), (IPS, "2026-01", "", 1_000)])
        return compute.priority_items(
            self.ENTITIES,
            current,
            previous,
            vital,
            members,
            state=complete(B1),
            previous_state=previous_state or complete(B6),
            weights=weights,
            as_of=AS_OF,
        )

    def test_default_weights_rank_and_explain(self) -> None:
        items = self.rank(PriorityWeights(rate=0.4, growth=0.2, vital_risk=0.2, out_of_term=0.2))
        assert [(item.rank, item.entity_name) for item in items] == [
            (1, "IPS Ciénaga"),
            (2, "EPS Sanitas"),
            (3, "ESE Sin Quejas"),
        ]
        ips, eps, ese = items
        assert ips.rate_per_10k.value == 40.0
        assert ips.growth.value == 0.0
        assert ips.out_of_term.value == 75.0
        assert ips.components == {"rate": 1.0, "growth": 0.0, "vital_risk": 0.0, "out_of_term": 1.0}
        assert ips.score == 60.0
        assert eps.rate_per_10k.value == 10.0
        assert eps.growth.value == 100.0
        assert eps.vital_risk.value == 20.0
        assert eps.out_of_term.value == 20.0
        assert eps.components == {"rate": 0.25, "growth": 1.0, "vital_risk": 1.0, "out_of_term": pytest.approx(0.2667)}
        assert eps.score == pytest.approx((0.4 * 0.25 + 0.2 + 0.2 + 0.2 * 0.2667) * 100, abs=0.01)
        assert ese.score == 0.0
        assert ese.vital_risk.value is None
        assert ese.vital_risk.reason == "sin PQRD radicadas en el periodo"

    def test_weights_change_the_order(self) -> None:
        items = self.rank(PriorityWeights(rate=0, growth=1, vital_risk=1, out_of_term=0))
        assert [item.entity_name for item in items][:2] == ["EPS Sanitas", "IPS Ciénaga"]
        assert items[0].score == 100.0

    def test_growth_against_an_incomplete_bimester_is_null(self) -> None:
        state = Completeness(B6, False, "el periodo 2025B6 no tiene datos en 2025-12")
        items = self.rank(PriorityWeights(rate=0, growth=1, vital_risk=0, out_of_term=0), previous_state=state)
        assert all(item.growth.value is None for item in items)
        assert items[0].growth.reason == "no se compara: el periodo 2025B6 no tiene datos en 2025-12"
        # Every score is 0: ties go to the entity with more complaints, then by name.
        assert [item.entity_name for item in items] == ["EPS Sanitas", "IPS Ciénaga", "ESE Sin Quejas"]
