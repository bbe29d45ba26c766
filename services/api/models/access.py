"""API keys, idempotency records and the audit log."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, LargeBinary, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class ApiKeyRow(SQLModel, table=True):
    """A caller's key: only its SHA-256 hash is stored."""

    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organizations.id", index=True)
    role: str = Field(max_length=20)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_by_key_id: uuid.UUID | None = Field(default=None)
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
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": text("1")})


class IdempotencyRow(SQLModel, table=True):
    """A POST answered under an Idempotency-Key, kept to replay the same response for 24 h.

    Written in the same transaction as the request's own writes, so a stored answer exists exactly when
    the write it answers was committed. Scoped to the calling key's id: a rotated or renamed key's secret
    changes nothing, a revoked key replays nothing (it no longer authenticates).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_keys_api_key_key", "api_key_id", "idempotency_key", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    api_key_id: uuid.UUID = Field(foreign_key="api_keys.id", ondelete="CASCADE")
    idempotency_key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    response_headers: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False, index=True)


class AuditEventRow(SQLModel, table=True):
    """Who wrote what, when: one row per create, update and delete."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, sa_type=BigInteger, primary_key=True)
    at: datetime = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"server_default": func.now()},
    )
    api_key_id: uuid.UUID | None = Field(default=None, index=True)
    organization_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=20)
    resource: str = Field(max_length=40)
    resource_id: uuid.UUID | None = Field(default=None)
