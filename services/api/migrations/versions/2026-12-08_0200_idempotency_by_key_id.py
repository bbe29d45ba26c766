"""Idempotency answers scoped to the calling key's id and written with the request's own transaction.

A stored answer now exists only for a committed write, so the `state` column (`running` / `done`) goes: an
answer in progress is an advisory lock held by the request's transaction, not a row. Rows are re-keyed from
the calling key's id. The stored answers are dropped: their request hashes were computed another way (JSON
with escaped accents, multipart with its boundary), so a retry across the upgrade would be refused as a
reused key; they live 24 hours at most, and a dropped answer only means its retry runs again.

Reviewed by hand.

Revision ID: d7f1b3c5e902
Revises: c5e7a9f12d34
Create Date: 2026-12-08 02:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7f1b3c5e902"
down_revision: str | None = "c5e7a9f12d34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    op.add_column("idempotency_keys", sa.Column("api_key_id", sa.Uuid(), nullable=False))
    op.alter_column("idempotency_keys", "status_code", nullable=False)
    op.drop_index("uq_idempotency_keys_owner_key", table_name="idempotency_keys")
    op.drop_column("idempotency_keys", "owner_hash")
    op.drop_column("idempotency_keys", "state")
    op.create_index(
        "uq_idempotency_keys_api_key_key", "idempotency_keys", ["api_key_id", "idempotency_key"], unique=True
    )
    op.create_foreign_key(
        "fk_idempotency_keys_api_key_id_api_keys",
        "idempotency_keys",
        "api_keys",
        ["api_key_id"],
        ["id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    # Stored answers are kept 24 hours at most: the downgrade drops them rather than re-hashing secrets.
    op.execute("DELETE FROM idempotency_keys")
    op.drop_constraint("fk_idempotency_keys_api_key_id_api_keys", "idempotency_keys", type_="foreignkey")
    op.drop_index("uq_idempotency_keys_api_key_key", table_name="idempotency_keys")
    op.add_column("idempotency_keys", sa.Column("state", sa.String(length=10), nullable=False))
    op.add_column("idempotency_keys", sa.Column("owner_hash", sa.String(length=64), nullable=False))
    op.drop_column("idempotency_keys", "api_key_id")
    op.alter_column("idempotency_keys", "status_code", nullable=True)
    op.create_index("uq_idempotency_keys_owner_key", "idempotency_keys", ["owner_hash", "idempotency_key"], unique=True)
