"""Files built to make the XLSX reader slow are read in time linear in their size, or refused before the
costly step; and the parse deadline stops a parser that runs over it. Behaviour only: the times are in
`bench/hostile_files.py`."""

import re
import threading

import pytest

from services.api.files import budget as parse_budget
from services.api.files import xlsx, xlsx_guards
from services.api.files.budget import ParseBudget, ParseDeadlineExceeded, ParseTimeout, check_deadline
from services.api.files.xlsx import read_xlsx_rows
from services.api.imports.association_layout import is_plan_header
from services.api.imports.spreadsheet import read_plan_file
from tests.files import hostile_workbooks as hostile


def test_a_long_attribute_is_read_like_any_other_cell() -> None:
    rows, problems = read_xlsx_rows(hostile.long_attribute(), is_header=is_plan_header)
    assert problems == []
    assert rows == [(1, ["EJE 1"]), (2, ["x"]), (3, ["y"])]


def test_an_empty_cell_with_a_long_attribute_is_still_dropped() -> None:
    rows, problems = read_xlsx_rows(hostile.long_attribute_empty_cell(), is_header=is_plan_header)
    assert problems == []
    assert rows == [(1, ["EJE 1"]), (2, ["x"]), (3, ["y"])]


def test_the_empty_cell_filter_keeps_cells_with_values_or_without_reference() -> None:
    kept = [b'<c r="A1"><v>1</v></c>', b'<c s="1"/>', b'<col r="A1"/>', b'<c r="A1" t="s">']
    dropped = [b'<c r="A1" s="3"/>', b'<x:c r="B12"/>', b'<c r="A1" t="s" />', b'<c x=\'r="A1"\' r="B1"/>']
    for tag in kept:
        assert xlsx._EMPTY_CELL.sub(b"", tag) == tag
    for tag in dropped:
        assert xlsx._EMPTY_CELL.sub(b"", tag) == b""


def test_merges_fifty_million_rows_tall_fill_only_the_rows_the_sheet_has() -> None:
    rows, problems = read_xlsx_rows(hostile.huge_merges(), is_header=is_plan_header)
    assert problems == []
    assert rows == [(1, ["EJE 1"]), (2, ["EJE 1"]), (3, ["EJE 1"])]


def test_overlapping_merges_of_a_column_fill_it_once() -> None:
    values = {1: {1: "a"}, 2: {1: "b"}, 3: {2: "z"}, 4: {2: "w"}}
    # A1:A4 first; A2:A3 starts inside it (Excel never writes that) and is ignored.
    xlsx._fill_down(values, [(1, 2, 1, 3), (1, 1, 1, 4)])
    assert values == {1: {1: "a"}, 2: {1: "a"}, 3: {2: "z", 1: "a"}, 4: {2: "w", 1: "a"}}


@pytest.mark.parametrize(
    "code", [b"[$-es-CO]#,##0.0;[Red]-#,##0.0", b"&quot;[&quot; 0.0 &quot;]&quot;", b"[h]:mm", b"0.0%"]
)
def test_ordinary_number_formats_are_read(code: bytes) -> None:
    _, problems = read_xlsx_rows(hostile.number_format(code), is_header=is_plan_header)
    assert problems == []


@pytest.mark.parametrize("code", [b"[" * 10_000, b"[h" * 100, b"0" * 256, b"[[Red]0.0]"])
def test_number_formats_the_library_would_backtrack_on_are_refused(code: bytes) -> None:
    rows, problems = read_xlsx_rows(hostile.number_format(code), is_header=is_plan_header)
    assert rows == []
    assert [(problem.code, "formato de número" in problem.message) for problem in problems] == [("invalid_xlsx", True)]


def test_more_cell_formats_than_excel_writes_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real limit (65,490) needs a part the zip-bomb ratio check refuses first; the rule is the same.
    monkeypatch.setattr(xlsx_guards, "MAX_CELL_FORMATS", 10)
    assert read_xlsx_rows(hostile.many_cell_formats(10), is_header=is_plan_header)[1] == []
    _, problems = read_xlsx_rows(hostile.many_cell_formats(11), is_header=is_plan_header)
    assert [(problem.code, "formatos de celda" in problem.message) for problem in problems] == [("invalid_xlsx", True)]


def test_many_sheets_over_one_part_are_refused() -> None:
    def repeat_sheet(body: bytes) -> bytes:
        sheet = re.search(rb"<sheet [^>]*/>", body)
        assert sheet is not None
        return body.replace(sheet.group(), sheet.group() * 1_000, 1)

    rows, problems = read_xlsx_rows(
        hostile.rewrite_member(hostile.three_row_sheet(), "xl/workbook.xml", repeat_sheet), is_header=is_plan_header
    )
    assert rows == []
    assert [(problem.code, "misma parte" in problem.message) for problem in problems] == [("invalid_xlsx", True)]


def test_an_expired_deadline_is_not_mistaken_for_a_damaged_workbook() -> None:
    token = parse_budget._DEADLINE.set(0.0)  # long past
    try:
        with pytest.raises(ParseDeadlineExceeded):
            read_plan_file(hostile.huge_merges(), file_name="plan.xlsx")
    finally:
        parse_budget._DEADLINE.reset(token)


def test_parsers_run_unbounded_outside_a_budget() -> None:
    check_deadline()  # no budget: nothing to exceed


async def test_a_parser_over_its_budget_answers_parse_timeout_and_stops() -> None:
    stopped = threading.Event()

    def endless() -> None:
        try:
            while True:
                check_deadline()
        finally:
            stopped.set()

    with pytest.raises(ParseTimeout) as raised:
        await ParseBudget(0.01).run(endless)
    error = raised.value
    assert not isinstance(error, TimeoutError)  # the database layer turns those into 503
    assert (error.status_code, error.slug, error.extra) == (422, "parse-timeout", {"code": "parse_timeout"})
    assert [item.field for item in error.errors or []] == ["file"]
    assert stopped.wait(10), "the worker thread kept running past its deadline"


async def test_the_budget_is_shared_by_the_steps_of_a_request() -> None:
    budget = ParseBudget(0.05)

    def endless() -> None:
        while True:
            check_deadline()

    with pytest.raises(ParseTimeout):
        await budget.run(endless)
    with pytest.raises(ParseTimeout):
        await budget.run(lambda: None)  # nothing left for a second step


async def test_a_parser_within_its_budget_returns_its_result() -> None:
    rows, problems = await ParseBudget(60).run(read_xlsx_rows, hostile.huge_merges(), is_header=is_plan_header)
    assert problems == []
    assert len(rows) == 3
