"""Colombian NIT (Número de Identificación Tributaria) with the DIAN check digit."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Nit", "nit_check_digit", "parse_nit"]

# DIAN weights, applied from the rightmost digit of the number leftwards.
_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)
_MAX_DIGITS = len(_WEIGHTS)

_NUMBER = re.compile(r"[1-9][0-9]*")
# Either plain digits or dots every three digits, then a dash and exactly one check digit.
_NIT_TEXT = re.compile(r"(?P<number>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)-(?P<dv>[0-9])")
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")


def _validate_number(number: str) -> None:
    if not _NUMBER.fullmatch(number):
        raise ValueError(f"El número de NIT {number!r} no es válido: debe tener solo dígitos y no empezar por 0.")
    if len(number) > _MAX_DIGITS:
        raise ValueError(f"El número de NIT {number!r} tiene más de {_MAX_DIGITS} dígitos.")


def nit_check_digit(number: str) -> int:
    """Return the DIAN check digit (dígito de verificación) of a NIT number.

    ``number`` holds only digits (no dots, no dash, no leading zero), at most 15 of them.
    Raises ValueError with a Spanish message otherwise.
    """
    _validate_number(number)
    total = sum(int(digit) * weight for digit, weight in zip(reversed(number), _WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder in (0, 1) else 11 - remainder


@dataclass(frozen=True, slots=True)
class Nit:
    """A NIT whose check digit has been verified; ``str(nit)`` gives ``890985092-3``."""

    number: str
    check_digit: int

    def __post_init__(self) -> None:
        expected = nit_check_digit(self.number)
        if self.check_digit != expected:
            raise ValueError(f"El dígito de verificación de {self.number} es {expected}, no {self.check_digit}.")

    @classmethod
    def from_number(cls, number: str) -> Nit:
        """Build the NIT of ``number`` (digits only), computing its check digit."""
        return cls(number, nit_check_digit(number))

    @property
    def with_dots(self) -> str:
        """The NIT with thousands dots, as printed on letterheads: ``890.985.092-3``."""
        return f"{int(self.number):,}".replace(",", ".") + f"-{self.check_digit}"

    def __str__(self) -> str:
        return f"{self.number}-{self.check_digit}"


def parse_nit(text: str) -> Nit:
    """Parse ``890985092-3`` or ``890.985.092-3`` into a verified :class:`Nit`.

    The dash before the check digit is required: ``8909850923`` could be a NIT without its digit
    or one with it, so it is rejected. Raises ValueError with a Spanish message that names the
    expected digit when the given one is wrong.
    """
    cleaned = text.strip()
    match = _NIT_TEXT.fullmatch(cleaned)
    if match is None:
        if _DIGITS_AND_DOTS.fullmatch(cleaned):
            raise ValueError(
                f"El NIT {text!r} debe llevar el dígito de verificación separado por un guion, por ejemplo 890985092-3."
            )
        raise ValueError(
            f"El NIT {text!r} no es válido: use el formato 890985092-3 o 890.985.092-3 "
            "(número, guion y dígito de verificación)."
        )
    return Nit(match["number"].replace(".", ""), int(match["dv"]))
