"""Complaint figures: fetch aggregates through `ApiClient` (concurrently), build frames, compute in a worker thread.

Only aggregates travel (`/v1/complaints/stats` and `/counts` grouped in PostgreSQL, `/v1/affiliate-counts`):
never pages of complaints.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import pandas as pd
from starlette.concurrency import run_in_threadpool

from services.analytics.clients.api import ApiClient, concurrently
from services.analytics.complaints import compute
from services.analytics.complaints.compute import Entity
from services.analytics.frames import affiliates_frame, counts_frame, stats_frame
from services.kit.errors import field_error
from shared.contract.analytics import (
    BimonthlyReport,
    PriorityReport,
    PriorityWeights,
    TrendReport,
)
from shared.contract.complaints import COMPLAINT_GROUP_KEYS, COMPLAINT_STATS_INCLUDES
from shared.enums import OrganizationKind, Risk
from shared.periods import BOGOTA, Granularity, Period

__all__ = [
    "BIMONTHLY_GROUPS",
    "BIMONTHLY_INCLUDES",
    "COMPARISONS",
    "TREND_GROUPS",
    "bimonthly",
    "cut_off_instant",
    "latest_complete_bimester",
    "parse_bimester",
    "parse_keys",
    "parse_period_bound",
    "priorities",
    "trend",
    "trend_bounds",
]

BIMONTHLY_INCLUDES = COMPLAINT_STATS_INCLUDES
BIMONTHLY_GROUPS = ("entity", "type", "channel", "risk", "motive", "municipality")
TREND_GROUPS = BIMONTHLY_GROUPS
COMPARISONS = ("previous", "same_last_year")


# Periods are compared with the year before and series reach back a few years: keep far from date limits.
_FIRST_YEAR, _LAST_YEAR = 1900, 9000


def cut_off_instant(as_of: str | None) -> datetime:
    """The data cut-off, in UTC as every instant on the wire: now when absent; a date means the end of that
    Bogotá day, a time without zone is Colombian time; never later than now (a bimester that has not ended
    must not pass for complete). 422 naming `as_of` otherwise."""
    now = datetime.now(UTC)
    if as_of is None:
        return now
    try:
        if len(as_of) == 10:
            return min(datetime.combine(date.fromisoformat(as_of), time.max, tzinfo=BOGOTA).astimezone(UTC), now)
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise field_error(
            "as_of", "Debe ser una fecha AAAA-MM-DD o un instante RFC 3339 (2026-03-15T12:00:00-05:00)."
        ) from None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=BOGOTA)
    if not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
        raise field_error("as_of", f"El corte debe estar entre los años {_FIRST_YEAR} y {_LAST_YEAR}.")
    return min(moment.astimezone(UTC), now)


def _in_range(field: str, period: Period) -> Period:
    if not _FIRST_YEAR <= period.year <= _LAST_YEAR:
        raise field_error(field, f"El periodo debe estar entre los años {_FIRST_YEAR} y {_LAST_YEAR}.")
    return period


def parse_keys(field: str, text: str | None, allowed: Sequence[str], default: Sequence[str]) -> list[str]:
    """A comma-separated list of allowed names, in the order given, without repeats; 422 naming `field`."""
    if text is None:
        return list(default)
    names: list[str] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        if name not in allowed:
            raise field_error(
                field, f"Valor no permitido: {name!r}; use una lista separada por comas de: {', '.join(allowed)}."
            )
        if name not in names:
            names.append(name)
    return names


def latest_complete_bimester(as_of: datetime) -> Period:
    """The last bimester that ended on or before the cut-off date."""
    current = Period.of(as_of.astimezone(BOGOTA).date(), Granularity.BIMESTER)
    return current if as_of >= compute.period_end(current) else current.previous()


def parse_bimester(period: str | None, year: int | None, bimester: int | None, as_of: datetime) -> Period:
    """`period` (`2026B1` or DHIS2 `202601B`) or `year` + `bimester`; the last complete one when none is given."""
    if period is not None:
        try:
            parsed = Period.parse(period)
        except ValueError as error:
            raise field_error("period", str(error)) from None
        if parsed.granularity is not Granularity.BIMESTER:
            raise field_error("period", f"{period!r} no es un bimestre; use por ejemplo 2026B1 o 202601B.")
        if (year is not None and year != parsed.year) or (bimester is not None and bimester != parsed.index):
            raise field_error("period", "`period` contradice `year` o `bimester`; envíe solo uno de los dos.")
        return _in_range("period", parsed)
    if year is None and bimester is None:
        return latest_complete_bimester(as_of)
    if year is None or bimester is None:
        missing = "year" if year is None else "bimester"
        raise field_error(missing, "Envíe `year` y `bimester` juntos, o `period`.")
    return Period(Granularity.BIMESTER, date(year, (bimester - 1) * 2 + 1, 1))


def _filed_to(period: Period, as_of: datetime) -> date | datetime:
    """The inclusive end of the filing range: the period's last day (whole months: the API sums them from its
    rollup), or the cut-off instant when it falls inside the period."""
    return period.end_date if as_of >= compute.period_end(period) else as_of


def _check_started(field: str, period: Period, as_of: datetime) -> None:
    if period.start_date > as_of.astimezone(BOGOTA).date():
        raise field_error(field, f"El periodo {period.code} empieza después del corte de los datos (as_of).")


def _months(period: Period) -> list[str]:
    return [f"{year:04d}-{month:02d}" for year, month in period.months]


async def _months_with_data(api: ApiClient, first: Period, last: Period, as_of: datetime) -> set[str]:
    counts = await api.complaint_counts(["month"], filed_from=first.start_date, filed_to=_filed_to(last, as_of))
    return {item.month for item in counts.items if item.month is not None and item.count > 0}


async def _stats(
    api: ApiClient, keys: Sequence[str], period: Period, as_of: datetime, include: Sequence[str] = ()
) -> pd.DataFrame:
    stats = await api.complaint_stats(
        keys, filed_from=period.start_date, filed_to=_filed_to(period, as_of), as_of=as_of, include=include
    )
    return stats_frame(stats, keys)


async def _counts_and_months(
    api: ApiClient, keys: Sequence[str], period: Period, as_of: datetime
) -> tuple[pd.DataFrame, set[str]]:
    """A period's counts per group and the months that have data: one question, asked per month too."""
    counts = await api.complaint_counts(
        [*keys, "month"], filed_from=period.start_date, filed_to=_filed_to(period, as_of)
    )
    months = {item.month for item in counts.items if item.month is not None and item.count > 0}
    by_month = counts_frame(counts, [*keys, "month"])
    return compute.over_months(by_month, [COMPLAINT_GROUP_KEYS[key] for key in keys]), months


async def _entity_names(api: ApiClient, wanted: bool) -> dict[str, str]:
    if not wanted:
        return {}
    return {str(organization.id): organization.name for organization in await api.organizations()}


async def bimonthly(
    api: ApiClient,
    *,
    period: Period,
    group_by: Sequence[str],
    compare: Sequence[str],
    as_of: datetime,
    method: str,
    include: Sequence[str] = (),
) -> BimonthlyReport:
    """The bimonthly consolidation: counts, rates, timeliness and response times per group, with comparisons.

    Over a complete bimester grouped by entity, type or risk every figure comes from the API's monthly rollup;
    `include=median_response_hours` (every answer's value) and the other keys make the API read complaints.
    """
    _check_started("period", period, as_of)
    keys = list(group_by)
    bases = {"previous": period.previous(), "same_last_year": period.same_last_year()}
    wanted = {name: bases[name] for name in compare}
    async with concurrently() as group:
        months_task = group.create_task(_months_with_data(api, period, period, as_of))
        current_task = group.create_task(_stats(api, keys, period, as_of, include))
        affiliates_task = group.create_task(
            api.affiliate_counts(_months(period)[0], _months(period)[-1], by_municipality="municipality" in keys)
        )
        names_task = group.create_task(_entity_names(api, "entity" in keys))
        # Comparisons need only counts: over whole months the API sums them from its monthly rollup.
        base_tasks = [group.create_task(_counts_and_months(api, keys, base, as_of)) for base in wanted.values()]
    months, current, affiliates = months_task.result(), current_task.result(), affiliates_task.result()
    entity_names = names_task.result()
    base_frames = [task.result()[0] for task in base_tasks]
    for task in base_tasks:
        months |= task.result()[1]
    state = compute.completeness(period, as_of, months)
    comparisons = {
        name: (frame, compute.completeness(base, as_of, months))
        for (name, base), frame in zip(wanted.items(), base_frames, strict=True)
    }
    items = await run_in_threadpool(
        compute.bimonthly_items,
        current,
        comparisons,
        affiliates_frame(affiliates),
        keys=[COMPLAINT_GROUP_KEYS[key] for key in keys],
        state=state,
        as_of=as_of,
        method=method,
        entity_names=entity_names,
    )
    return BimonthlyReport(
        period=period.code,
        dhis2_period=period.dhis2_code,
        start_date=period.start_date,
        end_date=period.end_date,
        complete=state.complete,
        incomplete_reason=state.reason,
        as_of=as_of,
        group_by=keys,
        compare=list(wanted),
        items=items,
    )


def parse_period_bound(field: str, text: str, granularity: Granularity, *, end: bool) -> Period:
    """A period code or month (`2026-01`, `2026B1`, `2026`) → the period of `granularity` at its start or end."""
    try:
        parsed = Period.parse(text)
    except ValueError as error:
        raise field_error(field, str(error)) from None
    return _in_range(field, Period.of(parsed.end_date if end else parsed.start_date, granularity))


def trend_bounds(
    first_text: str | None, last_text: str | None, granularity: Granularity, as_of: datetime
) -> tuple[Period, Period]:
    """The series' first and last periods: by default the 12 months (5 years) up to the cut-off's period."""
    if last_text is not None:
        last = parse_period_bound("to", last_text, granularity, end=True)
    else:
        last = Period.of(as_of.astimezone(BOGOTA).date(), granularity)
    if first_text is not None:
        return parse_period_bound("from", first_text, granularity, end=False), last
    if granularity is Granularity.YEAR:
        return last.shift(-4), last
    twelve_months_back = Period.of(last.end_date, Granularity.MONTH).shift(-11)
    return Period.of(twelve_months_back.start_date, granularity), last


async def trend(
    api: ApiClient, *, first: Period, last: Period, group_by: Sequence[str], as_of: datetime
) -> TrendReport:
    """Complaint counts per period from `first` to `last`, from monthly counts grouped in PostgreSQL."""
    if last < first:
        raise field_error("to", f"El periodo final ({last.code}) es anterior al inicial ({first.code}).")
    if len(Period.between(first, last)) > 240:
        raise field_error("from", "La serie no puede tener más de 240 periodos; acote `from` y `to`.")
    _check_started("from", first, as_of)
    keys = list(group_by)
    counts = await api.complaint_counts(["month", *keys], filed_from=first.start_date, filed_to=_filed_to(last, as_of))
    frame = counts_frame(counts, ["month", *keys])
    months = {str(month) for month, count in frame.groupby("month")["count"].sum().items() if count > 0}
    points = await run_in_threadpool(
        compute.trend_points,
        frame,
        keys=[COMPLAINT_GROUP_KEYS[key] for key in keys],
        first=first,
        last=last,
        as_of=as_of,
        months_with_data=months,
    )
    return TrendReport(
        granularity=first.granularity.value,
        from_period=first.code,
        to_period=last.code,
        as_of=as_of,
        group_by=keys,
        items=points,
    )


async def priorities(
    api: ApiClient, *, secretaria_id: uuid.UUID, period: Period, weights: PriorityWeights, as_of: datetime
) -> PriorityReport:
    """The entities of a secretaría's scope ranked for technical-assistance visits (score in compute.py)."""
    if sum(weights.model_dump().values()) <= 0:
        raise field_error("weight_rate", "Al menos un peso debe ser mayor que 0.")
    _check_started("period", period, as_of)
    previous = period.previous()
    months = _months(period)
    async with concurrently() as group:
        entities_task = group.create_task(api.scope_entities(secretaria_id))
        current_task = group.create_task(_stats(api, ["entity"], period, as_of))
        before_task = group.create_task(
            api.complaint_counts(["entity"], filed_from=previous.start_date, filed_to=previous.end_date)
        )
        vital_task = group.create_task(
            api.complaint_counts(
                ["entity"], filed_from=period.start_date, filed_to=_filed_to(period, as_of), risk=Risk.RIESGO_VITAL
            )
        )
        affiliates_task = group.create_task(api.affiliate_counts(months[0], months[-1]))
        with_data_task = group.create_task(_months_with_data(api, previous, period, as_of))
    entities, current, before = entities_task.result(), current_task.result(), before_task.result()
    vital, affiliates, with_data = vital_task.result(), affiliates_task.result(), with_data_task.result()
    state = compute.completeness(period, as_of, with_data)
    items = await run_in_threadpool(
        compute.priority_items,
        [Entity(id=entity.id, name=entity.name, kind=OrganizationKind(entity.kind)) for entity in entities],
        current,
        counts_frame(before, ["entity"]),
        counts_frame(vital, ["entity"]),
        affiliates_frame(affiliates),
        state=state,
        previous_state=compute.completeness(previous, as_of, with_data),
        weights=weights,
        as_of=as_of,
    )
    return PriorityReport(
        secretaria_id=secretaria_id,
        period=period.code,
        complete=state.complete,
        as_of=as_of,
        weights=weights,
        items=items,
    )
