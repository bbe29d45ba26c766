"""Settings of the API service, read from the environment once (see `get_settings`)."""

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def asyncpg_url(url: str) -> str:
    """Accept plain `postgresql://` / `postgres://` URLs and point SQLAlchemy at asyncpg."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL debe ser una URL postgresql://")


class Settings(BaseSettings):
    """Environment variables honoured by the API (and by `make run`)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/participa",
        description="PostgreSQL server of record; plain postgresql:// URLs are accepted.",
    )
    api_port: int = 8000
    participa_admin_api_key: SecretStr | None = None
    # 64 concurrent reads on one worker keep ~20 connections busy: each read holds its connection for an
    # event-loop turn or two, and fewer connections left the worker idle, waiting for them (see bench/).
    db_pool_size: int = 20
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a request waits for a pooled connection before answering 503."
    )
    db_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long opening a database connection may take before answering 503."
    )
    max_json_body_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="Largest JSON request body (a :batch of 1,000 complaints fits); larger ones answer 413.",
    )
    max_upload_body_bytes: int = Field(
        default=12 * 1024 * 1024,
        gt=0,
        description="Largest multipart body (a 10 MB import file and its form fields); larger ones answer 413.",
    )
    idempotency_sweep_seconds: float = Field(
        default=600.0, gt=0, description="How often expired Idempotency-Key answers are deleted."
    )
    parse_timeout_s: float = Field(
        default=20.0,
        gt=0,
        # Named like the other PARTICIPA_ variables; the field name still works for Settings(parse_timeout_s=…).
        validation_alias=AliasChoices("PARTICIPA_PARSE_TIMEOUT_S", "parse_timeout_s"),
        description="How long reading an uploaded plan or complaint file may take before answering 422 parse-timeout.",
    )
    page_limit_default: int = 50
    page_limit_max: int = 500
    idempotency_ttl_hours: int = 24
    caller_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a process remembers an authenticated key (0 turns it off)."
    )
    problem_base_uri: str = "https://participa.example/problems/"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return asyncpg_url(value)

    @field_validator("participa_admin_api_key")
    @classmethod
    def _reject_short_admin_key(cls, value: SecretStr | None) -> SecretStr | None:
        # An admin key guards every organisation's data: refuse guessable values outright.
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError("PARTICIPA_ADMIN_API_KEY debe tener al menos 24 caracteres")
        return value


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once; tests clear the cache to change them."""
    return Settings()
