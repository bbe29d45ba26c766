"""The hostile-file scenario of `make bench` (`--only hostile-files`): how long the readers take to read or
refuse files built to make them slow (tests/files/hostile_workbooks.py), in this process, beside a plain
three-row workbook as the reference. Reported, never asserted: each once held the event loop for seconds.

Each file goes through both entry points, the plan reader (`read_plan_file`) and the complaint reader
(`read_complaint_file`), with no parse budget, so the time is the reader's own.
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from services.api.complaints.intake import read_complaint_file
from services.api.imports.spreadsheet import read_plan_file
from tests.files import hostile_workbooks as hostile

RESULTS = Path(__file__).parent / "results"

FILES: dict[str, Callable[[], bytes]] = {
    "reference: three rows": hostile.three_row_sheet,
    "attribute with 100,000 cell references": hostile.long_attribute,
    "empty cell with that attribute": hostile.long_attribute_empty_cell,
    "two merges of 50,000,000 rows": hostile.huge_merges,
    "number format of 10,000 «[»": lambda: hostile.number_format(b"[" * 10_000),
}


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _median_ms(read: Callable[[], object], rounds: int) -> float:
    times: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run_hostile_files(args: argparse.Namespace) -> int:
    rounds = max(int(getattr(args, "rounds", 5) or 5), 1)
    rows: list[dict[str, object]] = []
    for label, build in FILES.items():
        data = build()
        plan = read_plan_file(data, file_name="hostil.xlsx")

        def read_plan(data: bytes = data) -> object:
            return read_plan_file(data, file_name="hostil.xlsx")

        def read_complaints(data: bytes = data) -> object:
            return read_complaint_file(data, file_name="hostil.xlsx")

        rows.append(
            {
                "file": label,
                "bytes": len(data),
                "plan_ms": round(_median_ms(read_plan, rounds), 2),
                "complaints_ms": round(_median_ms(read_complaints, rounds), 2),
                "outcome": ", ".join(
                    sorted({problem.code for problem in plan.problems if problem.severity == "error"})
                ),
            }
        )
    _say(f"Hostile files, median of {rounds} reads (ms):\n")
    _say("| file | bytes | plan reader | complaint reader | plan reader's errors |")
    _say("|---|---:|---:|---:|---|")
    for row in rows:
        _say(f"| {row['file']} | {row['bytes']} | {row['plan_ms']} | {row['complaints_ms']} | {row['outcome']} |")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = RESULTS / f"hostile-files-{stamp}.json"
    output.write_text(json.dumps({"rounds": rounds, "files": rows}, ensure_ascii=False, indent=2) + "\n")
    _say(f"\n{output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_hostile_files(argparse.Namespace(rounds=5)))
