"""Shared columns and the metadata naming convention of every table."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, MetaData, func, text
from sqlmodel import Field, SQLModel

# Stable, predictable constraint names: migrations stay reviewable and 409s can name the broken rule.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: MetaData = SQLModel.metadata

LIVE_ROWS = text("deleted_at IS NULL")
"""Partial-index predicate: uniqueness rules apply to live records, never to tombstones."""


class RecordColumns(SQLModel):
    """id, owner organisation, timestamps, soft-delete tombstone and optimistic-lock version."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", index=True)
    created_at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )
    updated_at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )
    deleted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": text("1")})
