"""`make lint`'s duplicate-code check: pylint's `duplicate-code` at six lines, with the project's own limits.

It fails when the tree holds 60 repeated blocks or more, or when any block is repeated between two areas
of the API (an area copies another's internals instead of using the platform under both).
"""

import re
import subprocess
import sys

from services.api.areas import AREA_PACKAGES

MAX_BLOCKS = 60
MIN_LINES = 6
SCANNED = ("services", "shared", "tests", "bench")
_PLACE = re.compile(r"^==([\w.]+):\[(\d+):(\d+)\]$")


def _area(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["services", "api"] and len(parts) > 2 and parts[2] in AREA_PACKAGES:
        return parts[2]
    return None


def main() -> int:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pylint",
            "--disable=all",
            "--enable=duplicate-code",
            f"--min-similarity-lines={MIN_LINES}",
            "--ignore-imports=yes",
            "--score=no",
            *SCANNED,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    blocks: list[list[str]] = []
    for line in result.stdout.splitlines():
        if "R0801" in line:
            blocks.append([])
        elif (match := _PLACE.match(line.strip())) and blocks:
            blocks[-1].append(match.group(1))
    between_areas = [places for places in blocks if len({area for area in map(_area, places) if area is not None}) > 1]
    print(f"duplicate code: {len(blocks)} repeated blocks of {MIN_LINES}+ lines (limit {MAX_BLOCKS - 1})")
    for places in between_areas:
        print("  between areas: " + " ~ ".join(places))
    if len(blocks) >= MAX_BLOCKS or between_areas:
        print(result.stdout)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
