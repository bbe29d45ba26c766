"""Reports of plan imports: who sent which file, when, what it held and what was wrong with it."""

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.api.models.base import RecordColumns


class ImportRow(RecordColumns, table=True):
    """One import attempt, dry run or committed; the file itself is not kept, only its name and sha256."""

    __tablename__ = "plan_imports"

    # What the file held: a plan (`plan`) or complaints (`complaints`); one report table for every importer.
    kind: str = Field(default="plan", max_length=20, index=True, sa_column_kwargs={"server_default": "plan"})

    api_key_id: uuid.UUID | None = Field(default=None, index=True)
    file_name: str = Field(max_length=300)
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    format: str = Field(max_length=20)
    layout: str | None = Field(default=None, max_length=30)
    status: str = Field(max_length=20)
    plan_id: uuid.UUID | None = Field(default=None, foreign_key="plans.id", index=True)
    year: int | None = None
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB, nullable=False)
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB, nullable=False)
    differences: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB, nullable=False)
