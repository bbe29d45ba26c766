"""Cell text as people write it: folding for matching, whitespace, column letters, numbered rows."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

__all__ = ["SheetRow", "cell_key", "cell_text", "clean", "column_letter", "fold"]

SheetRow = tuple[int, Sequence[str]]
"""One spreadsheet row: its 1-based line number in the file and its cells, left to right."""


def fold(value: str) -> str:
    """Lower case without accents, for matching words the way people misspell them.

    The one folding of the platform: headers, vocabularies, motive and entity names and indicator texts all
    meet through it, so ``Radicación``, ``RADICACION`` and ``radicacion`` are the same word everywhere.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def clean(value: str) -> str:
    """Collapse every run of whitespace (line breaks, tabs, non-breaking spaces) to one space."""
    return " ".join(value.split())


@functools.lru_cache(maxsize=4096)
def cell_key(value: str) -> str:
    """A cell reduced to its letters and digits: ``Enero:`` and ``ENERO`` meet."""
    return "".join(char for char in fold(value) if char.isalnum())


def cell_text(cells: Sequence[str], index: int | None) -> str:
    """The cleaned text of one cell of a row, empty when the row has no such cell."""
    return clean(cells[index]) if index is not None and index < len(cells) else ""


def column_letter(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA``: how spreadsheet users name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
