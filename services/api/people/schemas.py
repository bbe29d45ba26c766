"""Inputs of personal data: a person as a filing or a file gives it."""

from enum import StrEnum

from pydantic import ConfigDict, Field

from shared.contract.base import InputModel, WireDate
from shared.contract.complaints import Consent


class DocumentType(StrEnum):
    """Colombian identity documents."""

    CC = "CC"
    TI = "TI"
    CE = "CE"
    PA = "PA"
    RC = "RC"
    PEP = "PEP"
    PPT = "PPT"
    NIT = "NIT"


class PersonIn(InputModel):
    """Personal data of the petitioner or the affected person; stored apart from the complaint."""

    model_config = ConfigDict(extra="forbid")

    document_type: DocumentType | None = None
    document_number: str | None = Field(default=None, max_length=30, pattern=r"^[A-Za-z0-9-]+$")
    first_names: str | None = Field(default=None, max_length=200)
    last_names: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    address: str | None = Field(default=None, max_length=500)
    birth_date: WireDate | None = None
    sex: str | None = Field(default=None, max_length=20)
    population_group: str | None = Field(default=None, max_length=100)
    consent: Consent | None = None
