"""The Supersalud motive catalogue as packaged with the code: our own stable codes for the source's names.

The source (`shared/data/supersalud_pqrd_vocabularios.csv`) lists motives by name only, one vocabulary per
version of the taxonomy, which Supersalud changed in July 2023. Codes are assigned here, deterministically
from the file: `ME21-01`, `ME21-02`, … for the 2021–2023 specific motives and `ME23-01`, … for those from
July 2023, numbered in the order of the file within each version. New rows are only ever appended to a
version, so a code never changes meaning. The migration loads this catalogue into `complaint_motives`.

Pure: reads the packaged file with `importlib.resources`, no database.
"""

import csv
import functools
import io
from dataclasses import dataclass
from datetime import date
from importlib.resources import files

from services.api.files.cells import fold
from shared.enums import MotiveLevel

PACKAGED_FILE = "supersalud_pqrd_vocabularios.csv"


@dataclass(frozen=True, slots=True)
class MotiveVersion:
    """One version of a level of the taxonomy as the packaged file names it (its `campo`)."""

    field: str
    prefix: str
    level: MotiveLevel
    valid_from: date
    valid_to: date | None


# The vocabularies of the file that are motives; every other `campo` is another vocabulary (channels, …).
VERSIONS = (
    MotiveVersion("motivo_especifico (2021-2023)", "ME21", MotiveLevel.ESPECIFICO, date(2021, 1, 1), date(2023, 6, 30)),
    MotiveVersion("motivo_especifico (jul 2023+)", "ME23", MotiveLevel.ESPECIFICO, date(2023, 7, 1), None),
)


@dataclass(frozen=True, slots=True)
class Motive:
    code: str
    level: MotiveLevel
    name: str
    parent_code: str | None
    valid_from: date
    valid_to: date | None
    source: str

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@functools.cache
def catalogue() -> tuple[Motive, ...]:
    """Every motive of the packaged file with its code, in code order."""
    text = (files("shared") / "data" / PACKAGED_FILE).read_text(encoding="utf-8")
    versions = {version.field: version for version in VERSIONS}
    numbers: dict[str, int] = {}
    motives: list[Motive] = []
    source = ""
    for record in csv.DictReader(io.StringIO(text)):
        # "same" repeats the source of the row above.
        source = source if record["fuente"].strip() == "same" else record["fuente"].strip()
        version = versions.get(record["campo"])
        if version is None:
            continue
        numbers[version.prefix] = numbers.get(version.prefix, 0) + 1
        motives.append(
            Motive(
                code=f"{version.prefix}-{numbers[version.prefix]:02d}",
                level=version.level,
                name=" ".join(record["valor"].split()),
                parent_code=None,
                valid_from=version.valid_from,
                valid_to=version.valid_to,
                source=f"Supersalud ({source})"[:500],
            )
        )
    return tuple(motives)


def name_key(name: str) -> str:
    """A motive or entity name reduced for matching: folded (no case, no accents), single spaces."""
    return " ".join(fold(name).split())
