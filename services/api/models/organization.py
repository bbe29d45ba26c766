"""Organisations, the secretarías' oversight links, affiliate counts."""

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Index, String, func
from sqlmodel import Field, SQLModel

from services.api.models.base import LIVE_ROWS, RecordColumns


class OrganizationRow(RecordColumns, table=True):
    """An organisation; its own `organization_id` is its id, so tenancy filters work the same on every table."""

    __tablename__ = "organizations"

    kind: str = Field(max_length=40, index=True)
    name: str = Field(max_length=300)
    nit: str | None = Field(default=None, max_length=20, index=True)
    municipality_code: str | None = Field(default=None, max_length=5, index=True)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="organizations.id", index=True)
    reps_code: str | None = Field(default=None, max_length=20)
    jurisdiction: list[str] = Field(default_factory=list, sa_type=ARRAY(String(5)), nullable=False)


class OversightRow(SQLModel, table=True):
    """A secretaría oversees an EPS that operates in its territory (beyond its DANE jurisdiction)."""

    __tablename__ = "organization_oversight"

    secretaria_id: uuid.UUID = Field(foreign_key="organizations.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", primary_key=True, index=True)
    created_at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )


class AffiliateCountRow(RecordColumns, table=True):
    """Members of an organisation in one municipality and month."""

    __tablename__ = "affiliate_counts"
    __table_args__ = (
        Index(
            "uq_affiliate_counts_org_month_municipality",
            "organization_id",
            "month",
            "municipality_code",
            unique=True,
            postgresql_where=LIVE_ROWS,
        ),
    )

    month: str = Field(max_length=7)
    municipality_code: str = Field(max_length=5)
    count: int
