"""Medians over rounds, ratios to the same-run reference, DESIGN §5 targets, and the Markdown report."""

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.measure import Measurement

REFERENCE = "reference_pk"
# The reference each product scenario is paired with (REFERENCE when not listed): the same row, bare.
REFERENCE_OF = {"product_complaint": "reference_complaint", "product_complaints_list": "reference_complaint"}
REFERENCES = frozenset({REFERENCE, *REFERENCE_OF.values()})


@dataclass(frozen=True)
class Target:
    """A DESIGN §5 target: minimum throughput ratio, and optionally a maximum p99 ratio."""

    min_throughput: float
    max_p99: float | None = None

    def describe(self) -> str:
        text = f"≥ {self.min_throughput:.0%} of ref req/s"
        if self.max_p99 is not None:
            text += f", p99 ≤ {self.max_p99:g}×"
        return text


TARGETS: dict[str, Target] = {
    "product_plan": Target(min_throughput=0.50, max_p99=2.0),
    "product_activities": Target(min_throughput=0.30),
    "product_complaint": Target(min_throughput=0.50, max_p99=2.0),
    "product_complaints_list": Target(min_throughput=0.30),
}


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Spread | None":
        if not values:
            return None
        return cls(statistics.median(values), min(values), max(values))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


def _spread(rows: Sequence[Measurement], value: Callable[[Measurement], float | None]) -> Spread | None:
    return Spread.of([v for v in (value(row) for row in rows) if v is not None])


def summarise(measurements: Sequence[Measurement]) -> dict[str, dict[str, Any]]:
    by_scenario: dict[str, list[Measurement]] = {}
    for row in measurements:
        by_scenario.setdefault(row.scenario, []).append(row)
    summary: dict[str, dict[str, Any]] = {}
    for key, rows in by_scenario.items():
        summary[key] = {
            "rounds": len(rows),
            "requests": sum(row.requests for row in rows),
            "errors": sum(row.errors for row in rows),
            "requests_per_second": _spread(rows, lambda r: r.requests_per_second),
            "p50_ms": _spread(rows, lambda r: r.p50_ms),
            "p99_ms": _spread(rows, lambda r: r.p99_ms),
            "server_cpu_us_per_request": _spread(rows, lambda r: r.server_cpu_us_per_request),
            "postgres_cpu_us_per_request": _spread(rows, lambda r: r.postgres_cpu_us_per_request),
            "server_cores": _spread(rows, lambda r: r.server_cores),
            "load_generator_cores": _spread(rows, lambda r: r.load_generator_cores),
            "bytes_per_request": _spread(rows, lambda r: r.bytes_per_request),
        }
    return summary


def _paired(
    measurements: Sequence[Measurement], key: str, value: Callable[[Measurement], float | None], *, inverse: bool
) -> Spread | None:
    """Ratio of medians, with the spread of the per-round ratios (product and reference of the same round)."""
    reference_key = REFERENCE_OF.get(key, REFERENCE)
    reference = {row.round: value(row) for row in measurements if row.scenario == reference_key}
    product = {row.round: value(row) for row in measurements if row.scenario == key}
    per_round: list[float] = []
    for number, mine in product.items():
        theirs = reference.get(number)
        if mine and theirs:
            per_round.append(theirs / mine if inverse else mine / theirs)
    mine_all = [v for v in product.values() if v]
    theirs_all = [v for v in reference.values() if v]
    if not per_round or not mine_all or not theirs_all:
        return None
    mine_median, theirs_median = statistics.median(mine_all), statistics.median(theirs_all)
    ratio = theirs_median / mine_median if inverse else mine_median / theirs_median
    return Spread(ratio, min(per_round), max(per_round))


def ratios(measurements: Sequence[Measurement]) -> dict[str, dict[str, Any]]:
    keys = [key for key in dict.fromkeys(row.scenario for row in measurements) if key not in REFERENCES]
    result: dict[str, dict[str, Any]] = {}
    for key in keys:
        throughput = _paired(measurements, key, lambda r: r.requests_per_second, inverse=False)
        cpu = _paired(measurements, key, lambda r: r.server_cpu_us_per_request, inverse=False)
        cpu_throughput = _paired(measurements, key, lambda r: r.server_cpu_us_per_request, inverse=True)
        p99 = _paired(measurements, key, lambda r: r.p99_ms, inverse=False)
        postgres = _paired(measurements, key, lambda r: r.postgres_cpu_us_per_request, inverse=False)
        target = TARGETS.get(key)
        met: bool | None = None
        if target is not None and throughput is not None:
            met = throughput.median >= target.min_throughput
            if target.max_p99 is not None and p99 is not None:
                met = met and p99.median <= target.max_p99
        result[key] = {
            "throughput": throughput,
            "server_cpu_per_request": cpu,
            "cpu_derived_throughput": cpu_throughput,
            "p99": p99,
            "postgres_cpu_per_request": postgres,
            "target": target.describe() if target else None,
            "target_met": met,
        }
    return result


def jsonable(value: Any) -> Any:
    if isinstance(value, Spread):
        return value.as_dict()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(spread: Spread | None, *, ratio: bool = False) -> str:
    if spread is None:
        return "-"
    if ratio:
        return f"{spread.median:.2f} [{spread.low:.2f}–{spread.high:.2f}]"
    return f"{_number(spread.median)} [{_number(spread.low)}–{_number(spread.high)}]"


def facts_lines(facts: dict[str, Any], *, reads: bool = True) -> list[str]:
    """The machine, versions, servers, load and data of a run, as Markdown bullets."""
    seed = facts["data"]
    lines = [
        f"- Machine: {facts['nproc']} cores ({facts['cpu_model']}), {facts['memory_gib']:.0f} GiB, {facts['platform']}",
        f"- Python {facts['python']}; PostgreSQL {facts['postgresql']} ({facts['postgresql_source']}); "
        + ", ".join(f"{name} {version}" for name, version in facts["packages"].items()),
        f"- Servers: uvicorn, 1 worker each, {facts['uvicorn_options']}; product pool "
        f"{facts['product_pool']}, reference asyncpg pool {facts['reference_pool']}",
    ]
    if reads:
        lines.append(
            f"- Load: {facts['generator']} ({facts['generator_version']}), {facts['connections']} connections, "
            f"{facts['duration_s']:g} s measured after {facts['warmup_s']:g} s of warm-up, {facts['rounds']} rounds "
            "(scenario order reversed every other round); all traffic on 127.0.0.1"
        )
    lines += [
        f"- Data: {seed['organizations']:,} organisations, {seed['plans']:,} plans, {seed['goals']:,} goals, "
        f"{seed['activities']:,} activities, {seed['indicators']:,} indicators, "
        f"{seed.get('complaints', 0):,} complaints with {seed.get('complaint_events', 0):,} events "
        f"(COPY in {facts['seed_seconds']:.1f} s)"
        + (
            f"; plan scenarios cycle over all {seed['plans']:,} plan ids, complaint scenarios over all "
            f"{seed.get('complaints', 0):,} complaint ids (the list over 40 `filed_from` days)"
            if reads
            else ""
        ),
        f"- Host load average (1 min) at start / end: {facts['load_average_start']:.2f} / "
        f"{facts['load_average_end']:.2f} on {facts['nproc']} cores (other jobs on the host inflate absolute figures)",
    ]
    return lines


def markdown(
    *,
    title: str,
    facts: dict[str, Any],
    labels: dict[str, str],
    summary: dict[str, dict[str, Any]],
    ratio_rows: dict[str, dict[str, Any]],
) -> str:
    lines = [
        f"# {title}",
        "",
        *facts_lines(facts),
        "",
        "Figures are medians of the rounds [min–max]. Absolute numbers move 10–30 % between runs on this shared "
        "host; compare the ratios, and prefer the CPU-per-request ones.",
        "",
        "## Ratios to the bare reference, same run",
        "",
        "| product scenario | req/s ÷ ref | CPU µs/req ÷ ref | ref CPU ÷ CPU (CPU-bound req/s ratio) | p99 ÷ ref "
        "| postgres CPU/req ÷ ref | DESIGN §5 target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, row in ratio_rows.items():
        met = row["target_met"]
        lines.append(
            f"| {labels[key]} | {_cell(row['throughput'], ratio=True)} | "
            f"{_cell(row['server_cpu_per_request'], ratio=True)} | "
            f"{_cell(row['cpu_derived_throughput'], ratio=True)} | "
            f"{_cell(row['p99'], ratio=True)} | {_cell(row['postgres_cpu_per_request'], ratio=True)} | "
            f"{row['target'] or '-'} | {'-' if met is None else ('yes' if met else '**no**')} |"
        )
    lines += [
        "",
        "Per-round ratios pair the product and the reference of the same round; the bracket is their range. "
        "Complaint scenarios are paired with the `/pk-complaint/{id}` reference (the same complaint row), the "
        "others with `/pk/{id}`.",
        "",
        "## Measured",
        "",
        "| scenario | req/s | p50 ms | p99 ms | server CPU µs/req | postgres CPU µs/req | server cores "
        "| load generator cores | bytes/resp | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, row in summary.items():
        bytes_per = row["bytes_per_request"]
        lines.append(
            f"| {labels[key]} | {_cell(row['requests_per_second'])} | {_cell(row['p50_ms'])} | "
            f"{_cell(row['p99_ms'])} | "
            f"{_cell(row['server_cpu_us_per_request'])} | {_cell(row['postgres_cpu_us_per_request'])} | "
            f"{_cell(row['server_cores'])} | {_cell(row['load_generator_cores'])} | "
            f"{_number(bytes_per.median) if bytes_per else '-'} | "
            f"{row['errors']} |"
        )
    lines += [
        "",
        "server CPU µs/req: user+system CPU of the uvicorn process from the start of the load until it is idle "
        "again, over the requests it served (wrk's completed ones plus the one per connection wrk abandons at the "
        "end). postgres CPU µs/req: the same for the PostgreSQL backends of that server. server cores: its CPU "
        "over the load's wall time (about 1 = one core saturated, so req/s is CPU-bound).",
        "",
    ]
    return "\n".join(lines)
