"""API keys: who calls, with which role, for which organisation."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared.contract.base import ContractModel
from shared.enums import Role


class ApiKey(ContractModel):
    """An API key as listed: never the secret, only its first characters to recognise it."""

    id: UUID
    organization_id: UUID | None = Field(description="Null only for global admin keys.")
    role: Role
    name: str
    prefix: str = Field(description="Primeros caracteres de la clave, para reconocerla.")
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    version: int


class ApiKeyCreated(ApiKey):
    """The response to a key's creation: the only time the secret is shown."""

    key: str = Field(description="La clave secreta. Se muestra solo en esta respuesta: guárdela.")
