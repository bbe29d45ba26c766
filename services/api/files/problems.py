"""What a reader finds wrong in a file, located as a spreadsheet user would look for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["ParseProblem", "Severity", "blocks", "problem"]

Severity = Literal["error", "warning"]
"""``error`` blocks an import; ``warning`` must be accepted by the caller."""


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Something wrong or doubtful in the file, located as a spreadsheet user would look for it."""

    severity: Severity
    code: str
    row: int | None
    """1-based line number in the file where the row starts; ``None`` for problems of the whole file."""
    column: str | None
    """Spreadsheet column letter (``A``, ``B``, … ``AA``) when one cell is at fault."""
    message: str
    """Human explanation, in Spanish."""


def problem(
    severity: Severity, code: str, message: str, row: int | None = None, column: str | None = None
) -> ParseProblem:
    """The one way readers build a problem: what, why, then where (row and column when one is at fault)."""
    return ParseProblem(severity, code, row, column, message)


def blocks(problems: Iterable[ParseProblem]) -> bool:
    """Whether any of the problems is an error, which stops reading the file any further."""
    return any(found.severity == "error" for found in problems)
