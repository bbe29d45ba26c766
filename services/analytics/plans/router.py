"""Endpoints of /v1/analytics/plans."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.analytics.dependencies import ApiDep
from services.analytics.output import FORMAT_RESPONSES, Document, FormatDep, OutputFormat, respond
from services.analytics.plans import service
from services.analytics.plans.compute import AMBER, GREEN
from services.analytics.plans.frames import EXECUTION_TABLE_COLUMNS, execution_table
from services.analytics.routing import ANALYTICS_PROBLEMS
from services.kit.responses import JSON_MEDIA_TYPE
from shared.contract.analytics_plans import ExecutionMethod, PlanExecution

router = APIRouter(prefix="/v1/analytics/plans", tags=["plans"], responses=ANALYTICS_PROBLEMS)


@router.get("/{plan_id}/execution", response_model=PlanExecution, responses=FORMAT_RESPONSES)
async def plan_execution(
    api: ApiDep,
    plan_id: uuid.UUID,
    as_of: Annotated[
        str | None,
        Query(
            max_length=40,
            examples=["2026-06"],
            description="Mes de corte `YYYY-MM`, incluido (o una fecha o instante: su mes); por defecto el actual.",
        ),
    ] = None,
    method: Annotated[
        ExecutionMethod,
        Query(
            description="`sum`: Σ ejecutado ÷ Σ programado; `mean_capped`: media de los avances por actividad, "
            "cada uno con tope de 100 %."
        ),
    ] = ExecutionMethod.SUM,
    green: Annotated[float, Query(gt=0, le=1, description="Umbral verde del semáforo (ejecutado ÷ esperado).")] = GREEN,
    amber: Annotated[float, Query(gt=0, le=1, description="Umbral amarillo del semáforo.")] = AMBER,
    output: FormatDep = OutputFormat.JSON,
) -> Response:
    """Physical and budget execution of a plan per activity, goal, axis and plan, against its schedule."""
    answer = await service.plan_execution(api, plan_id, as_of=as_of, method=method, green=green, amber=amber)
    if output is OutputFormat.JSON:
        # The computed data is the contract's shape (the tests validate it against `PlanExecution`);
        # orjson writes it in a few milliseconds where model validation and dumping take ~50.
        return Response(orjson.dumps(answer.payload, option=orjson.OPT_SERIALIZE_NUMPY), media_type=JSON_MEDIA_TYPE)
    execution = answer.model()
    return respond(
        output,
        execution,
        table=lambda: execution_table(execution, answer.title),
        columns=EXECUTION_TABLE_COLUMNS,
        document=Document(
            title=f"Ejecución del plan de acción: {answer.title}",
            filename=f"ejecucion-plan-{execution.year}-{execution.cut_off_month}",
            lines=[
                ("Corte", execution.cut_off_month),
                ("Método", execution.method.value),
                ("Ejecución presupuestal (%)", _value(execution.budget.value, execution.budget.reason)),
                (
                    "Actividades cumplidas (%)",
                    _value(execution.completed_activities.value, execution.completed_activities.reason),
                ),
            ],
            sheet="Ejecución",
        ),
        generated_at=datetime.now(UTC),
    )


def _value(value: float | None, reason: str | None) -> str:
    return f"{value:.2f}".replace(".", ",") if value is not None else (reason or "")
