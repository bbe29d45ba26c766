"""A time budget for reading uploaded files, spent off the event loop.

Parsing a spreadsheet is CPU work on untrusted bytes. On the event loop, one slow file stalls every other
request of the worker, health checks included, for as long as it takes. :meth:`ParseBudget.run` runs a
parser in a worker thread and answers ``422 parse-timeout`` once the budget
(``PARTICIPA_PARSE_TIMEOUT_S``) is spent.

A thread cannot be killed, so the deadline is enforced twice:

* the parsers call :func:`check_deadline` in their row loops (a few tens of nanoseconds a call), so the
  thread stops itself soon after the budget instead of burning CPU for a request nobody waits for;
* the awaiting side stops waiting at the deadline, so the answer never depends on the parser reaching a
  check (openpyxl's own loading has none).

:class:`ParseDeadlineExceeded` is deliberately not a :class:`TimeoutError`: the database layer maps those
to ``503 unavailable``, which would tell the client to retry a file that will never fit the budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread
from starlette.requests import Request

from services.api.config import get_settings
from services.kit.errors import Unprocessable
from shared.contract import ProblemFieldError

__all__ = [
    "ParseBudget",
    "ParseDeadlineExceeded",
    "ParseTimeout",
    "check_deadline",
    "parse_timeout_of",
]

P = ParamSpec("P")
T = TypeVar("T")

# Set only inside the worker thread running a parser: parsers called directly (tests, scripts) run unbounded.
_DEADLINE: ContextVar[float | None] = ContextVar("parse_deadline", default=None)


class ParseDeadlineExceeded(Exception):
    """Raised by :func:`check_deadline` inside a parser whose budget is spent; never leaves :class:`ParseBudget`."""


class ParseTimeout(Unprocessable):
    """422: the file could not be read within the parse budget."""

    slug = "parse-timeout"
    title = "El archivo tardó demasiado en leerse"


def check_deadline() -> None:
    """Stop the running parser if its budget is spent; a no-op outside :meth:`ParseBudget.run`."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise ParseDeadlineExceeded


def parse_timeout_of(request: Request) -> float:
    """The app's parse budget (``create_app`` stores it), or the process settings' for an app built otherwise."""
    configured = getattr(request.app.state, "parse_timeout_s", None)
    return float(configured) if configured is not None else get_settings().parse_timeout_s


class ParseBudget:
    """One budget shared by the parsing steps of a request (reading the file, then drafting its rows).

    Only the time spent in :meth:`run` counts: the database work between the steps is not parsing.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.spent_s = 0.0

    @classmethod
    def within(cls, timeout_s: float | None) -> ParseBudget:
        """A budget of ``timeout_s``, or of the settings' ``PARTICIPA_PARSE_TIMEOUT_S`` when none is given."""
        return cls(timeout_s if timeout_s is not None else get_settings().parse_timeout_s)

    async def run(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(*args, **kwargs)`` in a worker thread; :class:`ParseTimeout` once the budget is spent."""
        remaining = self.timeout_s - self.spent_s
        if remaining <= 0:
            raise self.exceeded()
        started = time.monotonic()
        deadline = started + remaining

        def bounded() -> T:
            token = _DEADLINE.set(deadline)
            try:
                return function(*args, **kwargs)
            finally:
                _DEADLINE.reset(token)

        try:
            # move_on_after cancels quietly (no TimeoutError to leak); abandon_on_cancel lets the request
            # answer while the thread runs on to its next check_deadline().
            with anyio.move_on_after(remaining):
                try:
                    return await anyio.to_thread.run_sync(bounded, abandon_on_cancel=True)
                except ParseDeadlineExceeded:
                    raise self.exceeded() from None
            raise self.exceeded()
        finally:
            self.spent_s += time.monotonic() - started

    def exceeded(self) -> ParseTimeout:
        message = (
            f"Leer el archivo tomó más de {self.timeout_s:g} s, el máximo permitido: guárdelo solo con la hoja de "
            "los datos, sin celdas combinadas ni formatos que sobren, o divídalo en varios archivos."
        )
        return ParseTimeout(
            message, errors=[ProblemFieldError(field="file", message=message)], extra={"code": "parse_timeout"}
        )
