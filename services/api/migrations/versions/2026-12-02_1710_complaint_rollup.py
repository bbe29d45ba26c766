"""Complaint aggregates: the monthly rollup kept current by PostgreSQL, and response times in business days.

`complaint_monthly_counts` holds the counted complaints (live, and not the original of a transfer, which
the receiver's linked complaint counts) per receiver, entity, Bogotá month of filing, type and
risk. Statement-level triggers on `complaints` keep it current from the transition tables, so a COPY or an
`INSERT ... SELECT` of a million rows costs one GROUP BY, and a single-row write one small upsert:
inserted live rows add one, deleted ones subtract one, an update subtracts the old group and adds the new
one (a soft delete through `deleted_at` leaves every group), a TRUNCATE empties it. Empty groups are
deleted. The upsert walks the groups in key order so concurrent writers lock them in the same order.
`complaint_monthly_counts_rebuild()` recomputes it from the table (after a load with triggers off).

Also: extended statistics on the grouping columns of the raw `counts` path (the planner then estimates
the number of groups and hashes instead of sorting a million rows), and `response_business_days`.

Reviewed by hand.

Revision ID: b4d6f8e01c23
Revises: a3c5e7d90b12
Create Date: 2026-12-02 17:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b4d6f8e01c23"
down_revision: str | None = "a3c5e7d90b12"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = "organization_id, entity_id, month, type, risk"
_ROW_KEYS = (
    "organization_id, entity_id, (date_trunc('month', filed_at AT TIME ZONE 'America/Bogota'))::date, type, risk"
)


def _upsert(deltas: str) -> str:
    """Add the per-group deltas of `deltas` (rows of the keys and a signed count) to the rollup."""
    return (
        f"INSERT INTO complaint_monthly_counts AS rollup ({_KEYS}, count) "
        f"SELECT {_KEYS}, sum(delta) FROM ({deltas}) AS deltas ({_KEYS}, delta) "
        f"GROUP BY {_KEYS} HAVING sum(delta) <> 0 ORDER BY {_KEYS} "
        f"ON CONFLICT ({_KEYS}) DO UPDATE SET count = rollup.count + excluded.count"
    )


def _apply(deltas: str) -> str:
    return f"{_upsert(deltas)}; DELETE FROM complaint_monthly_counts WHERE count = 0;"


# Counted: live, and not the original of a transfer (the receiver's linked complaint counts it once).
_COUNTED = "deleted_at IS NULL AND status <> 'trasladado'"
_ADDED = f"SELECT {_ROW_KEYS}, 1 FROM new_rows WHERE {_COUNTED}"
_REMOVED = f"SELECT {_ROW_KEYS}, -1 FROM old_rows WHERE {_COUNTED}"

_FUNCTIONS = {
    "complaint_monthly_counts_insert": _apply(_ADDED),
    "complaint_monthly_counts_update": _apply(f"{_REMOVED} UNION ALL {_ADDED}"),
    "complaint_monthly_counts_delete": _apply(_REMOVED),
    "complaint_monthly_counts_truncate": "DELETE FROM complaint_monthly_counts;",
}
_TRIGGERS = {
    "complaint_monthly_counts_insert": "AFTER INSERT ON complaints REFERENCING NEW TABLE AS new_rows",
    "complaint_monthly_counts_update": (
        "AFTER UPDATE ON complaints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    ),
    "complaint_monthly_counts_delete": "AFTER DELETE ON complaints REFERENCING OLD TABLE AS old_rows",
    "complaint_monthly_counts_truncate": "AFTER TRUNCATE ON complaints",
}


def upgrade() -> None:
    op.add_column("complaints", sa.Column("response_business_days", sa.Integer(), nullable=True))
    op.create_table(
        "complaint_monthly_counts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("risk", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["organizations.id"], name=op.f("fk_complaint_monthly_counts_entity_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_complaint_monthly_counts_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_monthly_counts")),
    )
    op.create_index(
        "uq_complaint_monthly_counts_group",
        "complaint_monthly_counts",
        ["organization_id", "entity_id", "month", "type", "risk"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index(
        "ix_complaint_monthly_counts_entity_month", "complaint_monthly_counts", ["entity_id", "month"], unique=False
    )
    op.create_index(
        "ix_complaint_monthly_counts_empty",
        "complaint_monthly_counts",
        ["month"],
        unique=False,
        postgresql_where=sa.text("count = 0"),
    )
    for name, body in _FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER {name} {_TRIGGERS[name]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    # Recomputes the rollup from the table: after a bulk load with triggers off (bench seeding, restores).
    op.execute(
        "CREATE FUNCTION complaint_monthly_counts_rebuild() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM complaint_monthly_counts; "
        f"{_upsert(f'SELECT {_ROW_KEYS}, 1 FROM complaints WHERE {_COUNTED}')}; END $$"
    )
    # Rows already there (an upgrade of a live database): the rollup starts equal to the table.
    op.execute("SELECT complaint_monthly_counts_rebuild()")
    op.execute(
        "CREATE STATISTICS complaints_group_stats (ndistinct) ON organization_id, entity_id, type, channel, status "
        "FROM complaints"
    )
    op.execute(
        "CREATE STATISTICS complaints_month_stats (ndistinct) ON entity_id, "
        "(date_trunc('month', filed_at AT TIME ZONE 'America/Bogota')) FROM complaints"
    )


def downgrade() -> None:
    op.execute("DROP STATISTICS IF EXISTS complaints_month_stats")
    op.execute("DROP STATISTICS IF EXISTS complaints_group_stats")
    op.execute("DROP FUNCTION IF EXISTS complaint_monthly_counts_rebuild()")
    for name in _FUNCTIONS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON complaints")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_complaint_monthly_counts_empty", table_name="complaint_monthly_counts")
    op.drop_index("ix_complaint_monthly_counts_entity_month", table_name="complaint_monthly_counts")
    op.drop_index("uq_complaint_monthly_counts_group", table_name="complaint_monthly_counts")
    op.drop_table("complaint_monthly_counts")
    op.drop_column("complaints", "response_business_days")
