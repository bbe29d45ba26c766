"""Contract models <-> DataFrames, with explicit columns and dtypes: the only place rows become frames.

Group keys are strings with missing values as "" (not NA), so groups with a missing key (a complaint without
risk or motive) still group and join; `key_value` turns "" back into None for the contract.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from pydantic import BaseModel

from shared.contract.analytics import AffiliateMonthlyCounts
from shared.contract.complaints import COMPLAINT_GROUP_KEYS, ComplaintCounts, ComplaintStats

__all__ = [
    "STAT_COLUMNS",
    "affiliates_frame",
    "counts_frame",
    "flat_frame",
    "key_value",
    "stats_frame",
]

STAT_COLUMNS: dict[str, str] = {
    "count": "int64",
    "answered": "int64",
    "answered_in_term": "int64",
    "answered_out_of_term": "int64",
    "overdue_unanswered": "int64",
    "mean_response_hours": "float64",
    "median_response_hours": "float64",
    "mean_response_business_days": "float64",
    "median_response_business_days": "float64",
}


def _key_text(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def key_value(text: str) -> str | None:
    """A group key of a frame back to the contract's value ("" means the key was missing)."""
    return text or None


def _frame(items: Iterable[BaseModel], keys: Sequence[str], measures: Mapping[str, str]) -> pd.DataFrame:
    # Column by column with their dtypes: building rows and converting afterwards costs 2.5× as much (pandas
    # first infers Arrow strings, then converts them back to objects).
    rows = list(items)
    columns: dict[str, pd.Series] = {
        name: pd.Series([_key_text(getattr(item, name)) for item in rows], dtype="object")
        for name in (COMPLAINT_GROUP_KEYS[key] for key in keys)
    }
    for name, dtype in measures.items():
        columns[name] = pd.Series([getattr(item, name) for item in rows], dtype=dtype)
    return pd.DataFrame(columns)


def counts_frame(counts: ComplaintCounts, keys: Sequence[str]) -> pd.DataFrame:
    """Columns: the item fields of `keys` (str) and `count` (int64)."""
    return _frame(counts.items, keys, {"count": "int64"})


def stats_frame(stats: ComplaintStats, keys: Sequence[str]) -> pd.DataFrame:
    """Columns: the item fields of `keys` (str) and `STAT_COLUMNS`."""
    return _frame(stats.items, keys, STAT_COLUMNS)


def affiliates_frame(counts: AffiliateMonthlyCounts) -> pd.DataFrame:
    """Columns: `organization_id` (str), `month` (str `AAAA-MM`), `municipality_code` (str, "" for totals),
    `count` (int64), `records` (int64)."""
    rows = [
        [str(item.organization_id), item.month, item.municipality_code or "", item.count, item.records]
        for item in counts.items
    ]
    frame = pd.DataFrame(rows, columns=["organization_id", "month", "municipality_code", "count", "records"])
    return frame.astype(
        {
            "organization_id": "object",
            "month": "object",
            "municipality_code": "object",
            "count": "int64",
            "records": "int64",
        }
    )


def _flatten(prefix: str, value: Any, row: dict[str, Any]) -> None:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _flatten(f"{prefix}.{name}" if prefix else name, getattr(value, name), row)
    elif isinstance(value, dict):
        for name, inner in value.items():
            _flatten(f"{prefix}.{name}" if prefix else str(name), inner, row)
    else:
        row[prefix] = value


def flat_frame(items: Iterable[BaseModel]) -> pd.DataFrame:
    """Response items flattened for CSV/XLSX: nested figures become `rate_per_10k.value`, `previous.count`…"""
    rows: list[dict[str, Any]] = []
    for item in items:
        row: dict[str, Any] = {}
        _flatten("", item, row)
        rows.append(row)
    return pd.DataFrame(rows)
