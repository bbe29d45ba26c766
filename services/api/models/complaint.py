"""Complaints (PQRD): the complaint with its derived deadline columns, its event log, personal data, access log.

The event log (`complaint_events`) is the source of truth; the deadline columns of `complaints` (status,
clock, due_at, …) are derived from it by `shared.deadlines` on every event and by the bulk re-derivation
command, and stored so lists can filter and sort on them in SQL.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Computed, DateTime, Index, Numeric, func, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from services.api.models.base import LIVE_ROWS, RecordColumns

# The complaints whose timeliness still depends on the cut-off: unanswered, with a term, not transferred or
# withdrawn. A partial index holds only these, and queries restate it word for word (as constants, not
# parameters) so the planner can prove they fit it.
UNANSWERED_WITH_TERM = (
    "answered_at IS NULL AND term_unit IS NOT NULL AND deleted_at IS NULL AND status NOT IN ('trasladado', 'desistido')"
)

# Far-future stand-in for "no due date" in the sort column: keyset pages need a non-null value.
NO_DUE_AT = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


class ComplaintRow(RecordColumns, table=True):
    """A complaint received by `organization_id` about `entity_id` (which may be the same organisation)."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index(
            "uq_complaints_org_radicado",
            "organization_id",
            "radicado",
            unique=True,
            postgresql_where=LIVE_ROWS,
        ),
        Index("ix_complaints_org_filed_at", "organization_id", "filed_at"),
        Index("ix_complaints_entity_filed_at", "entity_id", "filed_at"),
        Index("ix_complaints_due_sort_at", "due_sort_at"),
        # The overdue backlog at a cut-off, read beside the rollup: an index-only scan over open complaints.
        Index(
            "ix_complaints_unanswered_filed_at",
            "filed_at",
            postgresql_include=["organization_id", "entity_id", "type", "risk", "due_at"],
            postgresql_where=text(UNANSWERED_WITH_TERM),
        ),
    )

    entity_id: uuid.UUID = Field(foreign_key="organizations.id")
    radicado: str = Field(max_length=60)
    filed_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False, index=True)
    # `month`: only the month of filing is known (Supersalud open data); `filed_at` is its first instant.
    date_precision: str = Field(default="day", max_length=5, sa_column_kwargs={"server_default": "day"})
    type: str = Field(max_length=30, index=True)
    channel: str = Field(max_length=30)
    risk: str | None = Field(default=None, max_length=20)
    minor: bool = False
    municipality_code: str | None = Field(default=None, max_length=5, index=True)
    motive_code: str | None = Field(default=None, max_length=60)
    text: str
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB, nullable=False)
    transferred_from_id: uuid.UUID | None = Field(default=None, foreign_key="complaints.id", index=True)
    # Derived from the event log by shared.deadlines (never written by clients).
    status: str = Field(max_length=30, index=True)
    clock: str = Field(max_length=10)
    due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    due_date: date | None = None
    due_sort_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    term_unit: str | None = Field(default=None, max_length=20)
    term_length: int | None = None
    term_basis: str | None = None
    term_rule_id: str | None = Field(default=None, max_length=80)
    extended: bool = False
    information_due_date: date | None = None
    flags: list[str] = Field(default_factory=list, sa_type=JSONB, nullable=False)
    # Business days from filing to the answer (day 1 = first business day after filing), derived once when
    # the answer is stored, so `stats` stays one GROUP BY without a calendar in SQL.
    response_business_days: int | None = None


# Spanish full text behind `q`, kept by PostgreSQL itself. A table column outside the mapper, so that
# loading a complaint never reads the tsvector back.
COMPLAINT_SEARCH = Column("search", TSVECTOR, Computed("to_tsvector('spanish', text)", persisted=True))
ComplaintRow.__table__.append_column(COMPLAINT_SEARCH)  # type: ignore[attr-defined]
Index("ix_complaints_search", COMPLAINT_SEARCH, postgresql_using="gin")


class ComplaintEventRow(SQLModel, table=True):
    """One event of a complaint's log; append-only. `id` is the log order (ties of `occurred_at`)."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_complaint_occurred", "complaint_id", "occurred_at"),)

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaints.id")
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", index=True)
    kind: str = Field(max_length=30)
    occurred_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    note: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB, nullable=False)
    created_at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )
    api_key_id: uuid.UUID | None = None


class ComplaintPersonRow(SQLModel, table=True):
    """Personal data of the petitioner or the affected person (Ley 1581 de 2012: sensitive health data)."""

    __tablename__ = "complaint_people"
    __table_args__ = (Index("uq_complaint_people_complaint_role", "complaint_id", "role", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaints.id")
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", index=True)
    role: str = Field(max_length=20)
    document_type: str | None = Field(default=None, max_length=5)
    document_number: str | None = Field(default=None, max_length=30)
    first_names: str | None = Field(default=None, max_length=200)
    last_names: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    address: str | None = Field(default=None, max_length=500)
    birth_date: date | None = None
    sex: str | None = Field(default=None, max_length=20)
    population_group: str | None = Field(default=None, max_length=100)
    consent: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )


class PersonalDataAccessRow(SQLModel, table=True):
    """Who read a complaint's personal data, when and through which route (Ley 1581 de 2012)."""

    __tablename__ = "personal_data_access"

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )
    api_key_id: uuid.UUID = Field(index=True)
    organization_id: uuid.UUID | None = Field(default=None, index=True)
    complaint_id: uuid.UUID = Field(foreign_key="complaints.id", index=True)
    purpose: str = Field(max_length=200)


class ComplaintMotiveRow(SQLModel, table=True):
    """A motive of the Supersalud catalogue, valid for filings from `valid_from` to `valid_to` (inclusive).

    The source names motives without codes; ours (`ME21-01`, `ME23-01`, …) are assigned from the packaged
    file by `services.api.complaints.motives` and loaded by the migration.
    """

    __tablename__ = "complaint_motives"

    code: str = Field(primary_key=True, max_length=20)
    level: str = Field(max_length=12)
    name: str = Field(max_length=500)
    parent_code: str | None = Field(default=None, max_length=20, foreign_key="complaint_motives.code")
    valid_from: date
    valid_to: date | None = None
    source: str = Field(max_length=500)


class ComplaintSequenceRow(SQLModel, table=True):
    """The last generated radicado number of an organisation in a year; its row lock serialises generation."""

    __tablename__ = "complaint_sequences"

    organization_id: uuid.UUID = Field(foreign_key="organizations.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_value: int = 0


# Columns the covering index of the rollup by month carries besides the month.
_ROLLUP_BY_MONTH_COLUMNS = [
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
]


class RollupGroupColumns(SQLModel):
    """The group of both rollup tables: receiver, entity, Bogotá month of filing, type and risk."""

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id")
    entity_id: uuid.UUID = Field(foreign_key="organizations.id")
    month: date
    type: str = Field(max_length=30)
    risk: str | None = Field(default=None, max_length=20)


class ComplaintMonthlyCountRow(RollupGroupColumns, table=True):
    """Live complaints per receiver, entity, Bogotá month of filing, type and risk, with what `stats` needs
    that adds up: kept by triggers.

    Only the keys whose product stays small: with channel, motive, municipality or status as well, a
    million complaints make nearly as many groups, and the rollup would be no faster than the table
    (measured: see bench/README.md). Status and timeliness change with time and are never rolled up.

    The triggers (statement level, over the transition tables, in the rollup migration) add the inserted
    rows, subtract the deleted ones and move updated ones between groups; soft-deleted complaints count in
    no group. `counts` and `stats` read this table instead of `complaints` when the question fits it.

    Timed answers are those of complaints filed with a day (month-precision rows have no response time).
    `last_answered_at` is the latest answer the group ever held and is never lowered, so "no answer after
    this cut-off" can be trusted; a `stats` question at an earlier cut-off goes to the table.
    """

    __tablename__ = "complaint_monthly_counts"
    __table_args__ = (
        Index(
            "uq_complaint_monthly_counts_group",
            "organization_id",
            "entity_id",
            "month",
            "type",
            "risk",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_complaint_monthly_counts_entity_month", "entity_id", "month"),
        # The usual question (some months, every group): an index-only scan of just those months.
        Index("ix_complaint_monthly_counts_month", "month", postgresql_include=_ROLLUP_BY_MONTH_COLUMNS),
        # Groups whose last complaint left: the triggers delete them through this small index.
        Index("ix_complaint_monthly_counts_empty", "month", postgresql_where=text("count = 0")),
    )

    count: int = Field(sa_type=BigInteger)
    answered: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    answered_in_term: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    answered_out_of_term: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    timed: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    # Seconds from filing to answer, summed exactly (`numeric`): adding and subtracting never drifts.
    response_seconds: Decimal = Field(default=Decimal(0), sa_type=Numeric, sa_column_kwargs={"server_default": "0"})
    timed_business_days: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    response_business_days: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    last_answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ComplaintResponseDaysRow(RollupGroupColumns, table=True):
    """Timed answers per rollup group and number of response business days: the exact median's histogram.

    Kept by the same triggers as `complaint_monthly_counts` (a rollup group holds a few dozen distinct day
    counts at most, as terms are 15 business days, extensions double them).
    """

    __tablename__ = "complaint_response_days"
    __table_args__ = (
        Index(
            "uq_complaint_response_days_group",
            "organization_id",
            "entity_id",
            "month",
            "type",
            "risk",
            "business_days",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index(
            "ix_complaint_response_days_month",
            "month",
            postgresql_include=["organization_id", "entity_id", "type", "risk", "business_days", "count"],
        ),
        Index("ix_complaint_response_days_empty", "month", postgresql_where=text("count = 0")),
    )

    business_days: int
    count: int = Field(sa_type=BigInteger)
