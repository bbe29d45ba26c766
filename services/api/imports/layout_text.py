"""The rows of a plan sheet told by their text: ejes, líneas, title block lines, bullets, goal numbers, codes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Final

from services.api.files.cells import fold
from services.api.files.problems import ParseProblem, problem
from shared.enums import Axis

# Matched on whitespace-collapsed text. "No"/"N°"/"Nº"/"Nro."/"#" may precede the number; the number
# may be missing when the name is there ("EJE ESTRATÉGICO: CONTROL SOCIAL EN SALUD").
AXIS_RE: Final = re.compile(
    r"^eje\b(?P<strategic>\s+estrat[eé]gico)?\s*"
    r"(?:(?:(?:no|n[°º]|nro|n[uú]m(?:ero)?)\.?\s*|#\s*)?(?P<number>\d{1,2})(?!\d))?"
    r"(?:\s*[.:)\-–—]+)?\s*(?P<name>.*)$",
    re.IGNORECASE,
)
# Distinctive words of each official eje name (folded), enough to tell them apart as sheets write them.
AXIS_PHRASES: Final[dict[Axis, tuple[str, ...]]] = {
    Axis.E1: ("fortalecimiento institucional",),
    Axis.E2: ("empoderamiento",),
    Axis.E3: ("cultura de la salud", "cultura en salud", "cultura de salud", "impulso a la cultura"),
    Axis.E4: ("control social",),
    Axis.E5: ("gestion y garantia", "garantia en salud", "proceso de decision"),
}
LINES_RE: Final = re.compile(
    r"^l[ií]neas?\s+(?:del\s+eje|de\s+acci[oó]n(?:\s+del\s+eje)?)\s*:?\s*(?P<text>.*)$", re.IGNORECASE
)
OBJECTIVE_RE: Final = re.compile(r"^objetivo(?:\s+(?:general|estrat[eé]gico))?\s*:\s*(?P<text>.*)$", re.IGNORECASE)
EAPB_RE: Final = re.compile(
    r"^(?:nombre\s+de\s+la\s+)?(?:eapb|eps)(?:\s*/\s*(?:eapb|eps))?\s*:\s*(?P<text>.*)$", re.IGNORECASE
)
RESPONSIBLE_RE: Final = re.compile(r"^responsables?\s*:\s*(?P<text>.*)$", re.IGNORECASE)
BULLETS: Final = "•▪◦●○■□‣⁃➢►▸·-*–—"
BULLET_RE: Final = re.compile(rf"^[{re.escape(BULLETS)}]\s*(?P<text>.*)$")
# "1." / "1)" / "1.1." / "1.1 " before the goal text. The text must start with a non-digit so that
# figures ("3.000 usuarios", "2025 asociados") are never taken for a number.
GOAL_NUMBER_RE: Final = re.compile(
    r"^(?P<number>\d{1,3}(?:\.\d{1,2})*[.)]|\d{1,3}(?:\.\d{1,2})+(?=\s))\s*(?P<text>[^\d\s].*)$"
)
YEAR_RE: Final = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
LEGAL_REFERENCE_RE: Final = re.compile(r"\b(?:resoluci[oó]n|decreto|ley|circular|acuerdo)\b", re.IGNORECASE)
CODE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,9}$")
MADE_UP_CODE_RE: Final = re.compile(r"^(?P<base>M\d+)[A-Z]\d*$")


def axis_from_name(name: str) -> Axis | None:
    """The official eje a name refers to (``Impulso a la cultura de la salud`` → ``E3``), if exactly one."""
    words = f" {' '.join(re.findall(r'[a-z0-9]+', fold(name)))} "
    found = {axis for axis, phrases in AXIS_PHRASES.items() if any(f" {phrase} " in words for phrase in phrases)}
    return found.pop() if len(found) == 1 else None


def split_goal_number(text: str) -> tuple[str | None, str]:
    match = GOAL_NUMBER_RE.match(text)
    if match is None:
        return None, text
    return match["number"], match["text"]


def number_parts(number: str | None) -> tuple[int, ...]:
    """``1.2.`` → ``(1, 2)``; ``()`` without a number."""
    if number is None:
        return ()
    return tuple(int(part) for part in re.findall(r"\d+", number))


def bullet_text(filled: list[tuple[int, str]]) -> str | None:
    """The text of a bullet row: ``• texto`` alone, or a bare bullet cell followed by one text cell."""
    if len(filled) == 1:
        match = BULLET_RE.match(filled[0][1])
        return match["text"] if match is not None and match["text"] else None
    if len(filled) == 2 and len(filled[0][1]) == 1 and filled[0][1] in BULLETS:
        return filled[1][1]
    return None


def letter_suffixes() -> Iterator[str]:
    """``A`` … ``Z``, then ``A1`` … ``Z9``, ``A10`` …: suffixes for codes the parser makes up."""
    letters = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    yield from letters
    number = 1
    while True:
        for letter in letters:
            yield f"{letter}{number}"
        number += 1


def line_letter(value: str) -> str | None:
    """``a``, ``B``, ``Lb``, ``E1Lb`` → the línea letter, lower case; ``None`` for anything else."""
    match = re.fullmatch(r"(?:e\d)?l?([a-z])", fold(value).replace(" ", ""))
    return match.group(1) if match is not None else None


def next_text(filled: list[tuple[int, str]]) -> str:
    """The second non-empty cell of a row: where a label's value lands when the label has its own cell."""
    return filled[1][1] if len(filled) > 1 else ""


def plan_year(title_block: Sequence[tuple[int, str]], file_name: str, problems: list[ParseProblem]) -> int | None:
    """The plan's year: from the title, else another title row that is no legal reference, else the file name
    (warned)."""
    candidates = [text for _, text in title_block[:1]]
    candidates += [text for _, text in title_block[1:] if not LEGAL_REFERENCE_RE.search(text)]
    for text in candidates:
        match = YEAR_RE.search(text)
        if match is not None:
            return int(match.group(1))
    match = YEAR_RE.search(PurePath(file_name).name)
    if match is not None:
        problems.append(
            problem(
                "warning",
                "year_from_file_name",
                f"El título no dice el año del plan; se tomó {match.group(1)} del nombre del archivo.",
            )
        )
        return int(match.group(1))
    return None
