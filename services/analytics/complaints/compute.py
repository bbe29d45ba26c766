"""Pure complaint figures over frames from `services.analytics.frames`: no I/O, no FastAPI, no settings.

Rules (domain.md b.6 and c.2):
- A bimester is complete when it ended on or before the cut-off (`as_of`, Bogotá date) and every one of
  its months has data in the caller's scope; an incomplete bimester is reported but never compared as if
  complete (its changes are null with a reason).
- Rate per 10,000 members: count ÷ affiliates × 10,000, affiliates = mean of the period's monthly counts
  of each organisation (months without a count are left out of the mean), summed over the organisations
  of the group: the entity itself when grouped by entity, the municipality's counts when grouped by
  municipality, and every organisation in scope otherwise.
- Timeliness `answered_in_term_over_due` (recommended): answered in term ÷ (answered + overdue unanswered);
  `ese_siau` (as an ESE reports it): answered in term ÷ filed.
- Priority score: each component (rate per 10,000, growth % vs the previous bimester, % riesgo vital,
  % out of term) is divided by its largest value among the entities (negative growth and null values count
  as 0), and the score is Σ weight × component ÷ Σ weights × 100. Ties: more complaints first, then name.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from uuid import UUID

import pandas as pd

from services.analytics.figures import figure, percentage_change
from services.analytics.frames import STAT_COLUMNS, key_value
from shared.contract.analytics import (
    BimonthlyItem,
    Comparison,
    Figure,
    PriorityItem,
    PriorityWeights,
    TrendPoint,
)
from shared.enums import OrganizationKind
from shared.periods import BOGOTA, Period

__all__ = [
    "TIMELINESS_METHODS",
    "Completeness",
    "bimonthly_items",
    "completeness",
    "mean_affiliates",
    "over_months",
    "period_end",
    "priority_items",
    "trend_points",
]

RATE_METHOD = "count_over_mean_monthly_affiliates"
TIMELINESS_METHODS = {
    "answered_in_term_over_due": "sin PQRD respondidas ni vencidas en el periodo",
    "ese_siau": "sin PQRD radicadas en el periodo",
}
NO_AFFILIATES = "sin conteos de afiliados en el periodo"


@dataclass(frozen=True)
class Completeness:
    """Whether a period can be compared, and why not."""

    period: Period
    complete: bool
    reason: str | None = None


def period_end(period: Period) -> datetime:
    """The last instant of a period in Bogotá: a cut-off at or after it sees the whole period."""
    return datetime.combine(period.end_date, time.max, tzinfo=BOGOTA)


def completeness(period: Period, as_of: datetime, months_with_data: set[str]) -> Completeness:
    """Complete when the period ended by the cut-off and each of its months has data."""
    if as_of < period_end(period):
        return Completeness(period, False, f"el periodo {period.code} termina después del corte de los datos")
    missing = [f"{year:04d}-{month:02d}" for year, month in period.months]
    missing = [month for month in missing if month not in months_with_data]
    if missing:
        return Completeness(period, False, f"el periodo {period.code} no tiene datos en {', '.join(missing)}")
    return Completeness(period, True)


def mean_affiliates(affiliates: pd.DataFrame, months: Sequence[str], by: Sequence[str]) -> pd.DataFrame:
    """Members per group: each organisation's mean over the period's months that have a count, summed by `by`.

    `affiliates` has `organization_id`, `month`, `municipality_code`, `count`; `by` is a subset of
    `organization_id`, `municipality_code`. Returns `by` + `affiliates` (float64) + `affiliate_records` (int64).
    """
    rows = affiliates[affiliates["month"].isin(list(months))]
    # Plain per-column aggregations: named aggregation (`agg(affiliates=("count", "mean"), …)`) costs 2–3× more.
    counts = rows.groupby(["organization_id", "municipality_code"], dropna=False)["count"]
    per_unit = pd.DataFrame({"affiliates": counts.mean(), "affiliate_records": counts.size()}).reset_index()
    if not by:
        total = pd.DataFrame(
            {
                "affiliates": [float(per_unit["affiliates"].sum())],
                "affiliate_records": [int(per_unit["affiliate_records"].sum())],
            }
        )
        return total.astype({"affiliates": "float64", "affiliate_records": "int64"})
    grouped = per_unit.groupby(list(by), dropna=False)[["affiliates", "affiliate_records"]].sum().reset_index()
    return grouped.astype({"affiliates": "float64", "affiliate_records": "int64"})


def _affiliate_keys(keys: Sequence[str]) -> dict[str, str]:
    """Item fields of the group -> columns of the affiliates frame that set its denominator."""
    mapping = {}
    if "entity_id" in keys:
        mapping["entity_id"] = "organization_id"
    if "municipality_code" in keys:
        mapping["municipality_code"] = "municipality_code"
    return mapping


def _with_rates(
    groups: pd.DataFrame, keys: Sequence[str], affiliates: pd.DataFrame, months: Sequence[str]
) -> pd.DataFrame:
    mapping = _affiliate_keys(keys)
    by = list(mapping.values())
    members = mean_affiliates(affiliates, months, by).rename(columns={v: k for k, v in mapping.items()})
    if mapping:
        merged = groups.merge(members, on=list(mapping), how="left")
    else:
        merged = groups.assign(
            affiliates=float(members["affiliates"].iloc[0]),
            affiliate_records=int(members["affiliate_records"].iloc[0]),
        )
    return merged.fillna({"affiliates": 0.0, "affiliate_records": 0}).astype({"affiliate_records": "int64"})


def _timeliness(row: Mapping[Hashable, Any], method: str, period: str, as_of: datetime) -> Figure:
    if method == "ese_siau":
        denominator = int(row["count"])
    else:
        # Complaints with a term only (domain.md c.2): answered ones without a term (felicitaciones,
        # month-precision rows) are neither in nor out of term.
        denominator = int(row["answered_in_term"]) + int(row["answered_out_of_term"]) + int(row["overdue_unanswered"])
    return figure(
        int(row["answered_in_term"]),
        denominator,
        factor=100,
        method=method,
        period=period,
        source_records=denominator,
        as_of=as_of,
        zero_reason=TIMELINESS_METHODS[method],
    )


def _rate(count: int, affiliates: float, period: str, as_of: datetime) -> Figure:
    return figure(
        count,
        round(affiliates, 2),
        factor=10_000,
        method=RATE_METHOD,
        period=period,
        source_records=count,
        as_of=as_of,
        zero_reason=NO_AFFILIATES,
    )


def _comparison(current: int, base: int, current_state: Completeness, base_state: Completeness) -> Comparison:
    if not current_state.complete or not base_state.complete:
        reason = current_state.reason if not current_state.complete else base_state.reason
        return Comparison(
            period=base_state.period.code,
            complete=base_state.complete,
            count=base,
            change=None,
            change_pct=None,
            reason=f"no se compara: {reason}",
        )
    change_pct = percentage_change(current, base)
    return Comparison(
        period=base_state.period.code,
        complete=True,
        count=base,
        change=current - base,
        change_pct=change_pct,
        reason="el periodo de comparación no tiene PQRD (base 0)" if change_pct is None else None,
    )


def _zero_stats(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({**{key: pd.Series(dtype="object") for key in keys}, **_empty_stats()})
    return frame


def _empty_stats() -> dict[str, pd.Series]:
    return {name: pd.Series(dtype=dtype) for name, dtype in STAT_COLUMNS.items()}


def over_months(counts: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Counts per group and month summed over the months: per group (in key order), or one total row."""
    if counts.empty:
        return counts.drop(columns=["month"])
    if not keys:
        return pd.DataFrame({"count": [int(counts["count"].sum())]}).astype({"count": "int64"})
    summed: pd.DataFrame = counts.groupby(list(keys), as_index=False, sort=True)[["count"]].sum()
    return summed.astype({"count": "int64"})


def bimonthly_items(
    current: pd.DataFrame,
    comparisons: Mapping[str, tuple[pd.DataFrame, Completeness]],
    affiliates: pd.DataFrame,
    *,
    keys: Sequence[str],
    state: Completeness,
    as_of: datetime,
    method: str,
    entity_names: Mapping[str, str],
) -> list[BimonthlyItem]:
    """One item per group present in the bimester or in a comparison period, in group-key order.

    `current` is a stats frame (`frames.stats_frame`) and each comparison frame a counts frame
    (`frames.counts_frame`), both with the item fields `keys`; `comparisons` maps `previous` /
    `same_last_year` to (frame, completeness of that period).
    """
    keys = list(keys)
    current = _zero_stats(current, keys)
    universe = current[keys] if keys else pd.DataFrame(index=[0])
    for frame, _ in comparisons.values():
        if keys and not frame.empty:
            universe = pd.concat([universe, frame[keys]], ignore_index=True)
    if keys:
        universe = universe.drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
        merged = universe.merge(current, on=keys, how="left")
    else:
        merged = pd.concat([universe, current.reset_index(drop=True)], axis=1) if not current.empty else universe
    for name, dtype in STAT_COLUMNS.items():
        if name not in merged:
            # No stats at all (no complaints in the bimester): zero counts, no response times.
            merged[name] = 0 if dtype == "int64" else float("nan")
        if dtype == "int64":
            merged[name] = merged[name].fillna(0).astype("int64")
        else:
            merged[name] = merged[name].astype("float64")
    for name, (frame, _) in comparisons.items():
        column = f"{name}_count"
        if keys:
            counts = frame[[*keys, "count"]].rename(columns={"count": column}) if not frame.empty else None
            merged = merged.merge(counts, on=keys, how="left") if counts is not None else merged.assign(**{column: 0})
        else:
            merged[column] = int(frame["count"].sum()) if not frame.empty else 0
        merged[column] = merged[column].fillna(0).astype("int64")
    months = [f"{year:04d}-{month:02d}" for year, month in state.period.months]
    merged = _with_rates(merged, keys, affiliates, months)

    items: list[BimonthlyItem] = []
    period = state.period.code
    for row in merged.to_dict("records"):
        count = int(row["count"])
        fields: dict[str, Any] = {key: key_value(str(row[key])) for key in keys}
        if "entity_id" in keys and fields["entity_id"] is not None:
            fields["entity_name"] = entity_names.get(fields["entity_id"])
        for name, (_, base_state) in comparisons.items():
            fields[name] = _comparison(count, int(row[f"{name}_count"]), state, base_state)
        items.append(
            BimonthlyItem(
                **fields,
                count=count,
                rate_per_10k=_rate(count, float(row["affiliates"]), period, as_of),
                timeliness=_timeliness(row, method, period, as_of),
                answered=int(row["answered"]),
                answered_in_term=int(row["answered_in_term"]),
                answered_out_of_term=int(row["answered_out_of_term"]),
                overdue_unanswered=int(row["overdue_unanswered"]),
                mean_response_hours=_rounded(row["mean_response_hours"]),
                median_response_hours=_rounded(row["median_response_hours"]),
                mean_response_business_days=_rounded(row["mean_response_business_days"]),
                median_response_business_days=_rounded(row["median_response_business_days"]),
            )
        )
    return items


def _rounded(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 2)


def trend_points(
    counts: pd.DataFrame,
    *,
    keys: Sequence[str],
    first: Period,
    last: Period,
    as_of: datetime,
    months_with_data: set[str],
) -> list[TrendPoint]:
    """Counts per period from monthly counts (`month` + `keys` + `count`): every period × group, zeros filled."""
    keys = list(keys)
    granularity = first.granularity
    frame = counts.assign(period=[Period.of(Period.parse(month).start, granularity).code for month in counts["month"]])
    summed = frame.groupby(["period", *keys])["count"].sum()
    groups: list[tuple[str, ...]] = (
        sorted({tuple(row) for row in frame[keys].itertuples(index=False, name=None)}) if keys else [()]
    )
    points: list[TrendPoint] = []
    for period in Period.between(first, last):
        state = completeness(period, as_of, months_with_data)
        for group in groups:
            found = summed.get((period.code, *group) if keys else period.code)
            fields = {key: key_value(str(part)) for key, part in zip(keys, group, strict=True)}
            points.append(
                TrendPoint(
                    period=period.code, complete=state.complete, count=int(found) if found is not None else 0, **fields
                )
            )
    return points


@dataclass(frozen=True)
class Entity:
    """An entity of the secretaría's scope, as the ranking needs it."""

    id: UUID
    name: str
    kind: OrganizationKind


def priority_items(
    entities: Sequence[Entity],
    current: pd.DataFrame,
    previous: pd.DataFrame,
    vital: pd.DataFrame,
    affiliates: pd.DataFrame,
    *,
    state: Completeness,
    previous_state: Completeness,
    weights: PriorityWeights,
    as_of: datetime,
) -> list[PriorityItem]:
    """Entities ranked by the documented score (module docstring), each with its figures and components.

    `current`: stats frame by `entity_id`; `previous`: counts frame by `entity_id`; `vital`: counts frame by
    `entity_id` of the bimester's riesgo vital complaints.
    """
    period = state.period.code
    months = [f"{year:04d}-{month:02d}" for year, month in state.period.months]
    members = mean_affiliates(affiliates, months, ["organization_id"]).set_index("organization_id")["affiliates"]
    stats = current.set_index("entity_id") if not current.empty else pd.DataFrame()
    before = previous.set_index("entity_id")["count"] if not previous.empty else pd.Series(dtype="int64")
    vital_counts = vital.set_index("entity_id")["count"] if not vital.empty else pd.Series(dtype="int64")

    def stat(entity: str, name: str) -> int:
        value: Any = stats.at[entity, name] if entity in stats.index else 0
        return int(value)

    rows: list[dict[str, Any]] = []
    for entity in entities:
        key = str(entity.id)
        count = stat(key, "count")
        answered = stat(key, "answered_in_term") + stat(key, "answered_out_of_term")
        overdue = stat(key, "overdue_unanswered")
        base = int(before.get(key, 0))
        rate = _rate(count, float(members.get(key, 0.0)), period, as_of)
        if state.complete and previous_state.complete:
            growth_value = percentage_change(count, base)
            growth_reason = "el bimestre anterior no tiene PQRD (base 0)"
        else:
            growth_value = None
            growth_reason = f"no se compara: {state.reason or previous_state.reason}"
        growth = Figure(
            numerator=count - base,
            denominator=base,
            factor=100,
            value=growth_value,
            reason=growth_reason if growth_value is None else None,
            method="change_over_previous_bimester",
            period=period,
            source_records=count + base,
            as_of=as_of,
            over_100=growth_value is not None and growth_value > 100,
        )
        vital_risk = figure(
            int(vital_counts.get(key, 0)),
            count,
            factor=100,
            method="riesgo_vital_over_filed",
            period=period,
            source_records=count,
            as_of=as_of,
            zero_reason="sin PQRD radicadas en el periodo",
        )
        out_of_term = figure(
            stat(key, "answered_out_of_term") + overdue,
            answered + overdue,
            factor=100,
            method="out_of_term_over_due",
            period=period,
            source_records=answered + overdue,
            as_of=as_of,
            zero_reason=TIMELINESS_METHODS["answered_in_term_over_due"],
        )
        rows.append(
            {
                "entity": entity,
                "count": count,
                "rate_per_10k": rate,
                "growth": growth,
                "vital_risk": vital_risk,
                "out_of_term": out_of_term,
            }
        )

    components = {"rate": "rate_per_10k", "growth": "growth", "vital_risk": "vital_risk", "out_of_term": "out_of_term"}
    largest = {
        name: max((max(row[field].value or 0.0, 0.0) for row in rows), default=0.0)
        for name, field in components.items()
    }
    weight_of = weights.model_dump()
    total_weight = sum(weight_of.values())
    for row in rows:
        normalised = {
            name: round(max(row[field].value or 0.0, 0.0) / largest[name], 4) if largest[name] > 0 else 0.0
            for name, field in components.items()
        }
        row["components"] = normalised
        score = sum(weight_of[name] * value for name, value in normalised.items()) / total_weight * 100
        row["score"] = round(score, 2)
    rows.sort(key=lambda row: (-row["score"], -row["count"], row["entity"].name, str(row["entity"].id)))
    return [
        PriorityItem(
            rank=rank,
            entity_id=row["entity"].id,
            entity_name=row["entity"].name,
            entity_kind=row["entity"].kind,
            score=row["score"],
            count=row["count"],
            rate_per_10k=row["rate_per_10k"],
            growth=row["growth"],
            vital_risk=row["vital_risk"],
            out_of_term=row["out_of_term"],
            components=row["components"],
        )
        for rank, row in enumerate(rows, start=1)
    ]
