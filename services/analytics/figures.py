"""Building explainable figures: the one place a ratio becomes a `Figure` (value null with a reason at 0)."""

from datetime import datetime

from shared.contract.analytics import Figure

__all__ = ["figure", "percentage_change"]


def figure(
    numerator: float,
    denominator: float,
    *,
    factor: int,
    method: str,
    period: str,
    source_records: int,
    as_of: datetime,
    zero_reason: str,
) -> Figure:
    """`numerator ÷ denominator × factor` rounded to 2 decimals; null with `zero_reason` when the base is 0."""
    if denominator == 0:
        return Figure(
            numerator=numerator,
            denominator=denominator,
            factor=factor,
            value=None,
            reason=zero_reason,
            method=method,
            period=period,
            source_records=source_records,
            as_of=as_of,
            over_100=False,
        )
    value = numerator / denominator * factor
    return Figure(
        numerator=numerator,
        denominator=denominator,
        factor=factor,
        value=round(value, 2),
        method=method,
        period=period,
        source_records=source_records,
        as_of=as_of,
        over_100=factor == 100 and value > 100,
    )


def percentage_change(current: float, base: float) -> float | None:
    """`(current − base) ÷ base × 100` rounded to 2 decimals; None when the base is 0."""
    if base == 0:
        return None
    return round((current - base) / base * 100, 2)
