"""Complaint statistics in the monthly rollup: answered, in and out of term, summed response times, and a
histogram of response business days; an index over the unanswered complaints with a term.

The same statement-level triggers that keep `complaint_monthly_counts` now keep, per group, what
`/v1/complaints/stats` needs and can be added and subtracted exactly: answered, answered in term and out of
term, the timed answers (answered, filed with a day) with their response seconds (`numeric`, so adding and
subtracting never drifts) and business days, and `last_answered_at`, the latest answer the group ever held
(never lowered: a stats question at a cut-off before it goes to the table). `complaint_response_days` counts
the timed answers per group and number of business days, so the median in business days is exact. What
depends on the cut-off (overdue and unanswered) is read from the table through a partial index that holds
only the unanswered complaints with a term.

Reviewed by hand.

Revision ID: c5e7a9f12d34
Revises: b4d6f8e01c23
Create Date: 2026-12-03 11:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c5e7a9f12d34"
down_revision: str | None = "b4d6f8e01c23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = "organization_id, entity_id, month, type, risk"
_ROW_KEYS = (
    "organization_id, entity_id, (date_trunc('month', filed_at AT TIME ZONE 'America/Bogota'))::date, type, risk"
)
# Counted: live, and not the original of a transfer (the receiver's linked complaint counts it once).
_COUNTED = "deleted_at IS NULL AND status <> 'trasladado'"
# `shared.deadlines.timeliness` of an answered complaint: in term when answered by the due instant.
_TIMED = "(answered_at IS NOT NULL AND date_precision = 'day')"
_IN_TERM = "coalesce(answered_at <= due_at, false)"

# Per-row measures of the rollup: (column, value of one counted row). Removed rows subtract the same value.
_STATS: tuple[tuple[str, str], ...] = (
    ("count", "1"),
    ("answered", "(answered_at IS NOT NULL)::int"),
    ("answered_in_term", f"(term_unit IS NOT NULL AND answered_at IS NOT NULL AND {_IN_TERM})::int"),
    ("answered_out_of_term", f"(term_unit IS NOT NULL AND answered_at IS NOT NULL AND NOT {_IN_TERM})::int"),
    ("timed", f"{_TIMED}::int"),
    ("response_seconds", f"CASE WHEN {_TIMED} THEN extract(epoch FROM answered_at - filed_at) ELSE 0 END"),
    ("timed_business_days", f"({_TIMED} AND response_business_days IS NOT NULL)::int"),
    ("response_business_days", f"CASE WHEN {_TIMED} THEN coalesce(response_business_days, 0) ELSE 0 END"),
)
# The rollup as the previous revision kept it (the downgrade writes its functions back).
_COUNT_ONLY = _STATS[:1]


def _upsert_counts(deltas: str, measures: Sequence[tuple[str, str]]) -> str:
    """Add the per-group deltas of `deltas` (the keys, the signed measures, an answer instant) to the rollup."""
    names = [name for name, _ in measures]
    sums = ", ".join(f"sum({name})" for name in names)
    columns = ", ".join(names)
    changed = " OR ".join(f"sum({name}) <> 0" for name in names)
    updates = ", ".join(f"{name} = rollup.{name} + excluded.{name}" for name in names)
    if len(measures) == 1:
        return (
            f"INSERT INTO complaint_monthly_counts AS rollup ({_KEYS}, {columns}) "
            f"SELECT {_KEYS}, {sums} FROM ({deltas}) AS deltas ({_KEYS}, {columns}) "
            f"GROUP BY {_KEYS} HAVING {changed} ORDER BY {_KEYS} "
            f"ON CONFLICT ({_KEYS}) DO UPDATE SET {updates}"
        )
    # The upsert walks the groups in key order so concurrent writers lock them in the same order.
    return (
        f"INSERT INTO complaint_monthly_counts AS rollup ({_KEYS}, {columns}, last_answered_at) "
        f"SELECT {_KEYS}, {sums}, max(last_answered_at) "
        f"FROM ({deltas}) AS deltas ({_KEYS}, {columns}, last_answered_at) "
        f"GROUP BY {_KEYS} HAVING {changed} OR max(last_answered_at) IS NOT NULL ORDER BY {_KEYS} "
        f"ON CONFLICT ({_KEYS}) DO UPDATE SET {updates}, "
        "last_answered_at = greatest(rollup.last_answered_at, excluded.last_answered_at)"
    )


def _count_deltas(table: str, sign: str, measures: Sequence[tuple[str, str]]) -> str:
    values = ", ".join(f"{sign}({value})" for _, value in measures)
    # Only added rows raise `last_answered_at`; a removed answer leaves it where it was.
    answered = ", CASE WHEN answered_at IS NOT NULL THEN answered_at END" if sign == "" else ", NULL::timestamptz"
    return f"SELECT {_ROW_KEYS}, {values}{answered if len(measures) > 1 else ''} FROM {table} WHERE {_COUNTED}"


def _upsert_days(deltas: str) -> str:
    return (
        f"INSERT INTO complaint_response_days AS histogram ({_KEYS}, business_days, count) "
        f"SELECT {_KEYS}, business_days, sum(delta) FROM ({deltas}) AS deltas ({_KEYS}, business_days, delta) "
        f"GROUP BY {_KEYS}, business_days HAVING sum(delta) <> 0 ORDER BY {_KEYS}, business_days "
        f"ON CONFLICT ({_KEYS}, business_days) DO UPDATE SET count = histogram.count + excluded.count"
    )


def _days_deltas(table: str, sign: str) -> str:
    return (
        f"SELECT {_ROW_KEYS}, response_business_days, {sign}1 FROM {table} "
        f"WHERE {_COUNTED} AND {_TIMED} AND response_business_days IS NOT NULL"
    )


def _functions(measures: Sequence[tuple[str, str]], *, days: bool) -> dict[str, str]:
    """The trigger function bodies: the rollup's upsert (and the histogram's), then empty groups deleted."""

    def apply(*sources: tuple[str, str]) -> str:
        counts = " UNION ALL ".join(_count_deltas(table, sign, measures) for table, sign in sources)
        body = f"{_upsert_counts(counts, measures)}; DELETE FROM complaint_monthly_counts WHERE count = 0;"
        if days:
            histogram = " UNION ALL ".join(_days_deltas(table, sign) for table, sign in sources)
            body += f" {_upsert_days(histogram)}; DELETE FROM complaint_response_days WHERE count = 0;"
        return body

    truncate = "DELETE FROM complaint_monthly_counts;" + (" DELETE FROM complaint_response_days;" if days else "")
    return {
        "complaint_monthly_counts_insert": apply(("new_rows", "")),
        "complaint_monthly_counts_update": apply(("old_rows", "-"), ("new_rows", "")),
        "complaint_monthly_counts_delete": apply(("old_rows", "-")),
        "complaint_monthly_counts_truncate": truncate,
    }


def _rebuild(measures: Sequence[tuple[str, str]], *, days: bool) -> str:
    counts = _upsert_counts(_count_deltas("complaints", "", measures), measures)
    body = f"DELETE FROM complaint_monthly_counts; {counts};"
    if days:
        body += f" DELETE FROM complaint_response_days; {_upsert_days(_days_deltas('complaints', ''))};"
    return body


def _write_functions(measures: Sequence[tuple[str, str]], *, days: bool) -> None:
    for name, body in _functions(measures, days=days).items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body} RETURN NULL; END $$"
        )
    # Recomputes the rollup from the table: after a bulk load with triggers off (bench seeding, restores).
    op.execute(
        "CREATE OR REPLACE FUNCTION complaint_monthly_counts_rebuild() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        f"{_rebuild(measures, days=days)} END $$"
    )


_NEW_COLUMNS = (
    "answered",
    "answered_in_term",
    "answered_out_of_term",
    "timed",
    "timed_business_days",
    "response_business_days",
)
_UNANSWERED_WITH_TERM = (
    "answered_at IS NULL AND term_unit IS NOT NULL AND deleted_at IS NULL AND status NOT IN ('trasladado', 'desistido')"
)


def upgrade() -> None:
    for name in _NEW_COLUMNS:
        op.add_column("complaint_monthly_counts", sa.Column(name, sa.BigInteger(), server_default="0", nullable=False))
    op.add_column(
        "complaint_monthly_counts",
        sa.Column("response_seconds", sa.Numeric(), server_default="0", nullable=False),
    )
    op.add_column("complaint_monthly_counts", sa.Column("last_answered_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "complaint_response_days",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("risk", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("business_days", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["organizations.id"], name=op.f("fk_complaint_response_days_entity_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_complaint_response_days_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_response_days")),
    )
    op.create_index(
        "uq_complaint_response_days_group",
        "complaint_response_days",
        ["organization_id", "entity_id", "month", "type", "risk", "business_days"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    # Covering indexes by month: the usual question (some months, every group) is an index-only scan.
    op.create_index(
        "ix_complaint_response_days_month",
        "complaint_response_days",
        ["month"],
        unique=False,
        postgresql_include=["organization_id", "entity_id", "type", "risk", "business_days", "count"],
    )
    op.create_index(
        "ix_complaint_response_days_empty",
        "complaint_response_days",
        ["month"],
        unique=False,
        postgresql_where=sa.text("count = 0"),
    )
    op.create_index(
        "ix_complaint_monthly_counts_month",
        "complaint_monthly_counts",
        ["month"],
        unique=False,
        postgresql_include=[
            "organization_id",
            "entity_id",
            "type",
            "risk",
            "count",
            "answered",
            "answered_in_term",
            "answered_out_of_term",
            "timed",
            "response_seconds",
            "timed_business_days",
            "response_business_days",
            "last_answered_at",
        ],
    )
    op.create_index(
        "ix_complaints_unanswered_filed_at",
        "complaints",
        ["filed_at"],
        unique=False,
        postgresql_include=["organization_id", "entity_id", "type", "risk", "due_at"],
        postgresql_where=sa.text(_UNANSWERED_WITH_TERM),
    )
    _write_functions(_STATS, days=True)
    # Rows already there (an upgrade of a live database): the rollup starts equal to the table.
    op.execute("SELECT complaint_monthly_counts_rebuild()")


def downgrade() -> None:
    _write_functions(_COUNT_ONLY, days=False)
    op.drop_index("ix_complaints_unanswered_filed_at", table_name="complaints")
    op.drop_index("ix_complaint_monthly_counts_month", table_name="complaint_monthly_counts")
    op.drop_index("ix_complaint_response_days_empty", table_name="complaint_response_days")
    op.drop_index("ix_complaint_response_days_month", table_name="complaint_response_days")
    op.drop_index("uq_complaint_response_days_group", table_name="complaint_response_days")
    op.drop_table("complaint_response_days")
    for name in (*_NEW_COLUMNS, "response_seconds", "last_answered_at"):
        op.drop_column("complaint_monthly_counts", name)
