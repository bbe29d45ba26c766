"""The timeliness rule is defined once (`shared.deadlines.timeliness_of`); the SQL of the API and the rollup
trigger of a frozen migration restate it, so both are run here against it on the same edge cases."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import DateTime, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.complaints import reads, repository
from services.api.complaints.deadlines import derived_columns, filing_instant
from services.api.models import ComplaintRow
from shared import deadlines
from shared.enums import ComplaintType, DatePrecision, EventKind, Risk, Timeliness
from shared.periods import BOGOTA
from tests.api.complaints.test_complaints import file_complaint
from tests.api.conftest import Actor

NOW = datetime.now(UTC).replace(microsecond=0)
LONG_AGO = datetime(2025, 3, 10, 10, 0, tzinfo=BOGOTA)

Events = Callable[[datetime, deadlines.DeadlineState], list[deadlines.DeadlineEvent]]


def _answer(offset: timedelta) -> Events:
    """An answer `offset` after the due instant of the state filed without events."""

    def events(filed_at: datetime, state: deadlines.DeadlineState) -> list[deadlines.DeadlineEvent]:
        assert state.due_at is not None
        return [
            deadlines.DeadlineEvent(EventKind.EN_TRAMITE, filed_at + timedelta(minutes=30)),
            deadlines.DeadlineEvent(EventKind.RESPONDIDO, state.due_at + offset),
        ]

    return events


def _at(kind: EventKind, after: timedelta) -> Events:
    def events(filed_at: datetime, state: deadlines.DeadlineState) -> list[deadlines.DeadlineEvent]:
        return [deadlines.DeadlineEvent(kind, filed_at + after)]

    return events


def _none(filed_at: datetime, state: deadlines.DeadlineState) -> list[deadlines.DeadlineEvent]:
    return []


@dataclass(frozen=True)
class Case:
    name: str
    filed_at: datetime
    type: ComplaintType
    events: Events
    expected: Timeliness | None
    risk: Risk | None = None
    precision: DatePrecision = DatePrecision.DAY


CASES = (
    Case("answered on the due instant", LONG_AGO, ComplaintType.PETICION, _answer(timedelta(0)), Timeliness.EN_TERMINO),
    Case(
        "answered a second after",
        LONG_AGO,
        ComplaintType.PETICION,
        _answer(timedelta(seconds=1)),
        Timeliness.FUERA_DE_TERMINO,
    ),
    Case("answered a day before", LONG_AGO, ComplaintType.QUEJA, _answer(-timedelta(days=1)), Timeliness.EN_TERMINO),
    Case("no term", LONG_AGO, ComplaintType.FELICITACION, _none, None),
    Case(
        "month precision",
        datetime(2025, 3, 1, tzinfo=BOGOTA),
        ComplaintType.PETICION,
        _none,
        None,
        precision=DatePrecision.MONTH,
    ),
    Case(
        "riesgo vital answered at 24 h",
        LONG_AGO,
        ComplaintType.RECLAMO,
        _answer(timedelta(0)),
        Timeliness.EN_TERMINO,
        risk=Risk.RIESGO_VITAL,
    ),
    Case(
        "riesgo vital answered at 24 h and a second",
        LONG_AGO,
        ComplaintType.RECLAMO,
        _answer(timedelta(seconds=1)),
        Timeliness.FUERA_DE_TERMINO,
        risk=Risk.RIESGO_VITAL,
    ),
    Case(
        "riesgo vital unanswered after 24 h",
        NOW - timedelta(hours=25),
        ComplaintType.RECLAMO,
        _none,
        Timeliness.VENCIDA_SIN_RESPUESTA,
        risk=Risk.RIESGO_VITAL,
    ),
    Case(
        "riesgo vital unanswered within 24 h",
        NOW - timedelta(hours=23),
        ComplaintType.RECLAMO,
        _none,
        Timeliness.EN_TRAMITE_VIGENTE,
        risk=Risk.RIESGO_VITAL,
    ),
    Case("unanswered and overdue", LONG_AGO, ComplaintType.PETICION, _none, Timeliness.VENCIDA_SIN_RESPUESTA),
    Case(
        "unanswered within the term",
        NOW - timedelta(hours=1),
        ComplaintType.PETICION,
        _none,
        Timeliness.EN_TRAMITE_VIGENTE,
    ),
    Case("transferred", LONG_AGO, ComplaintType.PETICION, _at(EventKind.TRASLADADO, timedelta(days=1)), None),
    Case("withdrawn", LONG_AGO, ComplaintType.PETICION, _at(EventKind.DESISTIDO, timedelta(days=2)), None),
)

_GROUP = text(
    "SELECT coalesce(sum(answered_in_term), 0), coalesce(sum(answered_out_of_term), 0) "
    "FROM complaint_monthly_counts WHERE organization_id = :organization_id AND month = :month"
)


async def _group(session: AsyncSession, organization_id: uuid.UUID, filed_at: datetime) -> tuple[int, int]:
    month = filed_at.astimezone(BOGOTA).date().replace(day=1)
    row = (await session.execute(_GROUP, {"organization_id": organization_id, "month": month})).one()
    return int(row[0]), int(row[1])


async def _file(client: httpx.AsyncClient, eps: Actor, case: Case) -> tuple[uuid.UUID, deadlines.DeadlineState]:
    """A stored complaint whose deadline columns are the engine's state after the case's events."""
    filed_at = filing_instant(case.filed_at, case.precision)
    fields: dict[str, Any] = {"filed_at": case.filed_at.isoformat(), "type": case.type.value}
    if case.risk is not None:
        fields["risk"] = case.risk.value
    if case.precision is DatePrecision.MONTH:
        fields["date_precision"] = case.precision.value
    created = await file_complaint(client, eps, **fields)
    filed = deadlines.compute_deadline(filed_at, case.type, case.risk, False, (), now=NOW, precision=case.precision)
    state = deadlines.compute_deadline(
        filed_at, case.type, case.risk, False, case.events(filed_at, filed), now=NOW, precision=case.precision
    )
    return uuid.UUID(created["id"]), state


async def test_the_sql_the_trigger_and_the_read_model_agree_with_the_rule(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor
) -> None:
    assert eps.organization_id is not None
    at_now = repository.timeliness_expression(literal(NOW, DateTime(timezone=True)))
    for case in CASES:
        complaint_id, state = await _file(client, eps, case)
        pure = deadlines.timeliness(state, NOW)
        assert pure == case.expected, case.name  # the table says what the rule answers
        filed_at = filing_instant(case.filed_at, case.precision)
        before = await _group(session, eps.organization_id, filed_at)
        row = await repository.write_derived(session, complaint_id, derived_columns(state, filed_at))
        after = await _group(session, eps.organization_id, filed_at)

        in_sql = (await session.execute(select(at_now).where(col(ComplaintRow.id) == complaint_id))).scalar_one()
        assert in_sql == (pure.value if pure else None), case.name
        # The trigger counts an answer in or out of term as the rule does (a transferred original in no group).
        delta = (after[0] - before[0], after[1] - before[1])
        assert delta == (int(pure is Timeliness.EN_TERMINO), int(pure is Timeliness.FUERA_DE_TERMINO)), case.name
        # The read model reads the same rule from the stored columns.
        assert reads.clock_values(row.model_dump(), NOW)[0] == (pure.value if pure else None), case.name
