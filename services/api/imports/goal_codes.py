"""Goal and activity codes of a plan sheet: written ones checked, missing ones made up so they never shift."""

from __future__ import annotations

from services.api.files.cells import column_letter
from services.api.files.problems import ParseProblem, problem
from services.api.imports.layout_text import CODE_RE, MADE_UP_CODE_RE, letter_suffixes, number_parts
from services.api.imports.parsed_plan import AxisDraft, GoalDraft
from shared.enums import Axis


class CodeBook:
    """The goal and activity codes one plan sheet has handed out, and the rules that hand them out."""

    def __init__(self, problems: list[ParseProblem]) -> None:
        self.problems = problems
        self.goal_numbers: set[int] = set()
        self.highest_goal_number = 0
        self.goal_codes: set[str] = set()
        """Every goal code given so far, for made-up codes to avoid."""
        self.written_goal_codes: set[tuple[Axis, str | None, str]] = set()

    def refuse_written(self, code: str, row: int, column: int, subject: str) -> None:
        reason = "no es válido (hasta 10 letras, dígitos, «.», «_» o «-»)" if code == "invalid_code" else "ya se usó"
        self.problems.append(
            problem("warning", code, f"{subject} {reason}; se le asignó otro código.", row, column_letter(column))
        )

    def numbered(self, row: int, number: str | None, goal_column: int) -> str:
        """Association layout: ``M`` + the written number, numbered per plan."""
        written = int(number.rstrip(".)")) if number is not None and number[:-1].isdigit() else None
        code_number = written
        if written is None or written == 0 or written in self.goal_numbers or f"M{written:02d}" in self.goal_codes:
            code_number = self.highest_goal_number + 1
            while f"M{code_number:02d}" in self.goal_codes:
                code_number += 1
            if written is not None and written in self.goal_numbers:
                self.problems.append(
                    problem(
                        "warning",
                        "duplicate_goal_number",
                        f"El número de meta {number} ya se usó en este plan; la meta recibe el código "
                        f"M{code_number:02d}.",
                        row,
                        column_letter(goal_column),
                    )
                )
        assert code_number is not None
        self.goal_numbers.add(code_number)
        self.highest_goal_number = max(self.highest_goal_number, code_number)
        return f"M{code_number:02d}"

    def action(self, row: int, number: str | None, axis: AxisDraft, goal_column: int) -> str:
        """EPS annex: two digits per level of the action's number (``1.2.`` → ``M0102``), else a lettered code."""
        parts = number_parts(number)
        if parts and len(parts) <= 4 and all(1 <= part <= 99 for part in parts):
            code = "M" + "".join(f"{part:02d}" for part in parts)
            if code not in self.goal_codes:
                return code
            self.problems.append(
                problem(
                    "warning",
                    "duplicate_goal_number",
                    f"El número de acción {number} ya se usó en este plan; se le asignó un código con letra.",
                    row,
                    column_letter(goal_column),
                )
            )
        # Base: the previous action of the eje (its code without a letter suffix), or the eje itself.
        axis_code = f"M{axis.axis.value[1:].zfill(2)}"
        previous = axis.goals[-1].code if axis.goals else axis_code
        made_up = MADE_UP_CODE_RE.match(previous)
        base = made_up["base"] if made_up is not None else previous
        for suffix in letter_suffixes():
            candidate = base + suffix
            if len(candidate) > 10:
                base = axis_code
                continue
            if candidate not in self.goal_codes:
                return candidate
        raise AssertionError("unreachable: the suffixes never end")

    def activity(self, row: int, written: str, goal: GoalDraft, column: int | None) -> str:
        if written:
            assert column is not None
            if CODE_RE.match(written) is None:
                self.refuse_written("invalid_code", row, column, f"El código de actividad «{written}»")
            elif written in goal.activity_codes:
                self.refuse_written("duplicate_code", row, column, f"El código de actividad {written}")
            else:
                return written
        number = len(goal.activities) + 1
        while f"A{number:02d}" in goal.activity_codes:
            number += 1
        return f"A{number:02d}"
