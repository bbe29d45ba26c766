"""DANE (DIVIPOLA) codes of Colombian departments and municipalities.

A department code has 2 digits (``05`` Antioquia); a municipality code has 5, the first 2 being its
department (``05604`` Remedios, Antioquia). Bogotá D.C. is department ``11`` and municipality ``11001``.
Codes are strings: the leading zero is significant.
"""

from __future__ import annotations

import re
from types import MappingProxyType

__all__ = [
    "DEPARTMENTS",
    "covers",
    "department_of",
    "is_department_code",
    "is_municipality_code",
    "validate_department_code",
    "validate_jurisdiction_code",
    "validate_municipality_code",
]

DEPARTMENTS = MappingProxyType(
    {
        "05": "Antioquia",
        "08": "Atlántico",
        "11": "Bogotá, D.C.",
        "13": "Bolívar",
        "15": "Boyacá",
        "17": "Caldas",
        "18": "Caquetá",
        "19": "Cauca",
        "20": "Cesar",
        "23": "Córdoba",
        "25": "Cundinamarca",
        "27": "Chocó",
        "41": "Huila",
        "44": "La Guajira",
        "47": "Magdalena",
        "50": "Meta",
        "52": "Nariño",
        "54": "Norte de Santander",
        "63": "Quindío",
        "66": "Risaralda",
        "68": "Santander",
        "70": "Sucre",
        "73": "Tolima",
        "76": "Valle del Cauca",
        "81": "Arauca",
        "85": "Casanare",
        "86": "Putumayo",
        "88": "Archipiélago de San Andrés, Providencia y Santa Catalina",
        "91": "Amazonas",
        "94": "Guainía",
        "95": "Guaviare",
        "97": "Vaupés",
        "99": "Vichada",
    }
)
"""The 32 departments and Bogotá D.C. by DANE code (DIVIPOLA)."""

# [0-9] rather than \d: \d also matches non-ASCII digits.
_DEPARTMENT = re.compile(r"[0-9]{2}")
_MUNICIPALITY = re.compile(r"[0-9]{5}")


def is_department_code(code: str) -> bool:
    """Whether ``code`` is the 2-digit DANE code of a department (or of Bogotá D.C., ``11``)."""
    return bool(_DEPARTMENT.fullmatch(code)) and code in DEPARTMENTS


def is_municipality_code(code: str) -> bool:
    """Whether ``code`` looks like a 5-digit DANE municipality code of an existing department.

    Only the shape is checked (department prefix known, municipal part not ``000``), not that the
    municipality exists.
    """
    return bool(_MUNICIPALITY.fullmatch(code)) and code[:2] in DEPARTMENTS and code[2:] != "000"


def validate_department_code(code: str) -> str:
    """Return ``code`` if it is a department code; raise ValueError with a Spanish message otherwise."""
    if not _DEPARTMENT.fullmatch(code):
        raise ValueError(f"El código DANE de departamento {code!r} debe tener 2 dígitos, por ejemplo 05.")
    if code not in DEPARTMENTS:
        raise ValueError(f"El código DANE {code!r} no corresponde a ningún departamento.")
    return code


def validate_municipality_code(code: str) -> str:
    """Return ``code`` if it is a municipality code; raise ValueError with a Spanish message otherwise."""
    if not _MUNICIPALITY.fullmatch(code):
        raise ValueError(f"El código DANE de municipio {code!r} debe tener 5 dígitos, por ejemplo 05604.")
    if code[:2] not in DEPARTMENTS:
        raise ValueError(f"El código DANE de municipio {code!r} empieza por {code[:2]}, que no es un departamento.")
    if code[2:] == "000":
        raise ValueError(f"El código DANE {code!r} no corresponde a un municipio (termina en 000).")
    return code


def validate_jurisdiction_code(code: str) -> str:
    """Return ``code`` if it is a department (2 digits) or municipality (5 digits) code.

    A secretaría's jurisdiction is given in either form. Raises ValueError with a Spanish message otherwise.
    """
    if len(code) == 2:
        return validate_department_code(code)
    if len(code) == 5:
        return validate_municipality_code(code)
    raise ValueError(
        f"El código DANE de jurisdicción {code!r} debe tener 2 dígitos (departamento) o 5 dígitos (municipio)."
    )


def department_of(municipality_code: str) -> str:
    """The department code of a municipality: ``department_of("05604") == "05"``."""
    return validate_municipality_code(municipality_code)[:2]


def covers(jurisdiction_code: str, municipality_code: str) -> bool:
    """Whether a jurisdiction includes a municipality.

    A 2-digit department code covers every municipality of that department; a 5-digit municipality code
    covers only itself. Raises ValueError with a Spanish message when either code is malformed.
    """
    jurisdiction = validate_jurisdiction_code(jurisdiction_code)
    municipality = validate_municipality_code(municipality_code)
    if len(jurisdiction) == 2:
        return municipality[:2] == jurisdiction
    return municipality == jurisdiction
