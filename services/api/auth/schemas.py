"""Inputs of the API-key endpoints."""

import uuid
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from shared.contract.base import InputModel
from shared.enums import Role


class ApiKeyCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "9c1d6f1e-3f43-4b0e-9a57-0d7d2f6a1b11",
                    "role": "eps_ips",
                    "name": "Portal PQRD de la EPS",
                }
            ]
        },
    )

    organization_id: uuid.UUID | None = Field(default=None, description="Organización de la clave; null para admin.")
    role: Role
    # Surrounding spaces are dropped, so a name of only spaces is empty and refused.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Para qué o quién es la clave."
    )
