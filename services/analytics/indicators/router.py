"""Endpoints of /v1/analytics/indicators."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.analytics.dependencies import ApiDep
from services.analytics.frames import flat_frame
from services.analytics.indicators import service
from services.analytics.output import FORMAT_RESPONSES, Document, FormatDep, OutputFormat, respond
from services.analytics.routing import ANALYTICS_PROBLEMS
from shared.contract.analytics_plans import IndicatorReport

router = APIRouter(prefix="/v1/analytics/indicators", tags=["plans"], responses=ANALYTICS_PROBLEMS)

# Spreadsheet columns, in order, with their Spanish headers.
INDICATOR_TABLE_COLUMNS: dict[str, str] = {
    "name": "Indicador",
    "formula_text": "Fórmula (como se escribió)",
    "numerator_label": "Numerador",
    "denominator_label": "Denominador",
    "kind": "Tipo",
    "period": "Periodo",
    "numerator": "Logrado (numerador)",
    "denominator": "Programado (denominador)",
    "factor": "Factor",
    "value": "Cumplimiento",
    "over_100": "Supera 100",
    "reason": "Motivo sin valor",
    "target": "Meta del indicador",
    "method": "Método",
    "source_records": "Registros de origen",
    "indicator_id": "Id del indicador",
    "activity_id": "Id de la actividad",
}


@router.get("", response_model=IndicatorReport, responses=FORMAT_RESPONSES)
async def indicator_figures(
    api: ApiDep,
    plan_id: uuid.UUID,
    period: Annotated[
        str | None,
        Query(
            max_length=10,
            examples=["2026S1"],
            description="`2026`, `2026S1`, `2026Q2`, `2026B3` o `2026-03`; por defecto el año del plan.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            max_length=40,
            examples=["2026-06"],
            description="Mes de corte `YYYY-MM` de la ejecución (o una fecha o instante: su mes); "
            "por defecto el actual.",
        ),
    ] = None,
    output: FormatDep = OutputFormat.JSON,
) -> Response:
    """Each indicator of a plan: achieved ÷ programmed × factor, from measurements or from activity execution."""
    report = await service.indicator_report(api, plan_id, period=period, as_of=as_of)
    return respond(
        output,
        report,
        table=lambda: flat_frame(report.items),
        columns=INDICATOR_TABLE_COLUMNS,
        document=Document(
            title="Indicadores del plan de acción",
            filename=f"indicadores-{report.period}",
            lines=[("Periodo", report.period), ("Plan", str(report.plan_id))],
            sheet="Indicadores",
        ),
        generated_at=datetime.now(UTC),
    )
