"""Endpoints of /v1/analytics/complaints and /v1/analytics/priorities."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.analytics.complaints import service
from services.analytics.dependencies import ApiDep
from services.analytics.frames import flat_frame
from services.analytics.output import FORMAT_RESPONSES, Document, FormatDep, OutputFormat, respond
from services.analytics.routing import ANALYTICS_PROBLEMS
from shared.contract.analytics import BimonthlyReport, PriorityReport, PriorityWeights, TrendReport
from shared.contract.complaints import COMPLAINT_GROUP_KEYS
from shared.periods import BOGOTA, Granularity

router = APIRouter(prefix="/v1/analytics/complaints", tags=["complaints"], responses=ANALYTICS_PROBLEMS)
priorities_router = APIRouter(prefix="/v1/analytics/priorities", tags=["complaints"], responses=ANALYTICS_PROBLEMS)

AsOf = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9:.]+([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$",
        description="Corte de los datos: instante RFC 3339 (sin zona, hora de Colombia) o fecha `AAAA-MM-DD` "
        "(hasta el final de ese día). Por defecto, ahora.",
    ),
]
PeriodCode = Annotated[
    str | None,
    Query(max_length=10, description="Bimestre `2026B1` (o `202601B` de DHIS2). Por defecto, el último completo."),
]

_GROUP_LABELS: dict[str, str] = {
    "entity_name": "Entidad",
    "entity_id": "Identificador de la entidad",
    "type": "Tipo de PQRD",
    "channel": "Canal",
    "risk": "Riesgo",
    "motive_code": "Motivo (código)",
    "municipality_code": "Municipio (DANE)",
}

BIMONTHLY_COLUMNS: dict[str, str] = {
    **_GROUP_LABELS,
    "count": "PQRD radicadas",
    "rate_per_10k.value": "Tasa por 10.000 afiliados",
    "rate_per_10k.denominator": "Afiliados (promedio mensual)",
    "rate_per_10k.reason": "Observación de la tasa",
    "timeliness.value": "Oportunidad de respuesta (%)",
    "timeliness.numerator": "Respondidas en término",
    "timeliness.denominator": "Base de la oportunidad",
    "timeliness.method": "Método de oportunidad",
    "answered": "Respondidas",
    "answered_out_of_term": "Respondidas fuera de término",
    "overdue_unanswered": "Vencidas sin respuesta",
    "mean_response_hours": "Tiempo medio de respuesta (horas)",
    "median_response_hours": "Mediana del tiempo de respuesta (horas)",
    "mean_response_business_days": "Tiempo medio de respuesta (días hábiles)",
    "median_response_business_days": "Mediana del tiempo de respuesta (días hábiles)",
    "previous.period": "Bimestre anterior",
    "previous.count": "PQRD del bimestre anterior",
    "previous.change": "Variación absoluta",
    "previous.change_pct": "Variación (%)",
    "previous.reason": "Observación de la variación",
    "same_last_year.period": "Mismo bimestre del año anterior",
    "same_last_year.count": "PQRD del mismo bimestre del año anterior",
    "same_last_year.change": "Variación anual absoluta",
    "same_last_year.change_pct": "Variación anual (%)",
    "same_last_year.reason": "Observación de la variación anual",
}

BIMONTHLY_TOTALS = (
    "count",
    "answered",
    "answered_out_of_term",
    "overdue_unanswered",
    "timeliness.numerator",
    "timeliness.denominator",
    "previous.count",
    "same_last_year.count",
)

TREND_COLUMNS: dict[str, str] = {
    "period": "Periodo",
    "complete": "Periodo completo",
    **_GROUP_LABELS,
    "count": "PQRD radicadas",
}

PRIORITY_COLUMNS: dict[str, str] = {
    "rank": "Puesto",
    "entity_name": "Entidad",
    "entity_kind": "Tipo de entidad",
    "entity_id": "Identificador de la entidad",
    "score": "Puntaje (0 a 100)",
    "count": "PQRD radicadas",
    "rate_per_10k.value": "Tasa por 10.000 afiliados",
    "rate_per_10k.denominator": "Afiliados (promedio mensual)",
    "growth.value": "Crecimiento frente al bimestre anterior (%)",
    "growth.reason": "Observación del crecimiento",
    "vital_risk.value": "Riesgo vital (%)",
    "out_of_term.value": "Fuera de término (%)",
    "components.rate": "Componente tasa",
    "components.growth": "Componente crecimiento",
    "components.vital_risk": "Componente riesgo vital",
    "components.out_of_term": "Componente fuera de término",
}


def _only_groups(columns: dict[str, str], group_by: list[str]) -> dict[str, str]:
    """Spreadsheet columns without the group keys that were not asked for."""
    asked = {COMPLAINT_GROUP_KEYS[name] for name in group_by} | ({"entity_name"} if "entity" in group_by else set())
    return {name: label for name, label in columns.items() if name not in _GROUP_LABELS or name in asked}


def _cut_off_line(as_of: datetime) -> tuple[str, str]:
    return ("Corte de los datos", as_of.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M (hora de Colombia)"))


@router.get("/bimonthly", response_model=BimonthlyReport, responses=FORMAT_RESPONSES)
async def complaints_bimonthly(
    request: Request,
    api: ApiDep,
    period: PeriodCode = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    bimester: Annotated[int | None, Query(ge=1, le=6)] = None,
    group_by: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Separadas por comas: `entity` (por defecto), `type`, `channel`, `risk`, "
            "`motive`, `municipality`.",
        ),
    ] = None,
    compare: Annotated[
        str | None,
        Query(max_length=100, description="`previous` y/o `same_last_year`, separadas por comas (por defecto ambas)."),
    ] = None,
    method: Annotated[
        Literal["answered_in_term_over_due", "ese_siau"],
        Query(description="Oportunidad: en término ÷ (respondidas + vencidas), o `ese_siau`: en término ÷ radicadas."),
    ] = "answered_in_term_over_due",
    include: Annotated[
        str | None,
        Query(
            max_length=100,
            description="`median_response_hours`: también la mediana en horas (la API la calcula sobre cada "
            "respuesta y no sobre su consolidado mensual: más lenta con muchos datos).",
        ),
    ] = None,
    as_of: AsOf = None,
    output: FormatDep = OutputFormat.JSON,
) -> Response:
    """The bimonthly complaint consolidation of the caller's scope, with changes against earlier bimesters."""
    cut_off = service.cut_off_instant(as_of)
    extras = service.parse_keys("include", include, service.BIMONTHLY_INCLUDES, [])
    report = await service.bimonthly(
        api,
        period=service.parse_bimester(period, year, bimester, cut_off),
        group_by=service.parse_keys("group_by", group_by, service.BIMONTHLY_GROUPS, ["entity"]),
        compare=service.parse_keys("compare", compare, service.COMPARISONS, service.COMPARISONS),
        as_of=cut_off,
        method=method,
        include=extras,
    )
    state = "completo" if report.complete else f"incompleto ({report.incomplete_reason})"
    document = Document(
        title="Consolidado bimestral de PQRD",
        filename=f"consolidado-pqrd-{report.period}",
        sheet=f"Consolidado {report.period}",
        totals=BIMONTHLY_TOTALS,
        lines=[
            ("Periodo", f"{report.period} ({report.start_date.isoformat()} a {report.end_date.isoformat()})"),
            ("Estado del periodo", state),
            _cut_off_line(report.as_of),
        ],
    )
    return respond(
        output,
        report,
        table=lambda: flat_frame(report.items),
        columns={
            name: label
            for name, label in _only_groups(BIMONTHLY_COLUMNS, report.group_by).items()
            if name != "median_response_hours" or extras
        },
        document=document,
        generated_at=datetime.now(BOGOTA),
        request=request,
    )


@router.get("/trend", response_model=TrendReport, responses=FORMAT_RESPONSES)
async def complaints_trend(
    request: Request,
    api: ApiDep,
    from_: Annotated[
        str | None,
        Query(alias="from", max_length=10, description="Primer mes o periodo (`2026-01`, `2026B1`, `2026`)."),
    ] = None,
    to: Annotated[
        str | None, Query(max_length=10, description="Último mes o periodo, inclusive. Por defecto, el del corte.")
    ] = None,
    granularity: Annotated[
        Literal["month", "bimester", "quarter", "year"], Query(description="Longitud de cada periodo de la serie.")
    ] = "month",
    group_by: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Separadas por comas: `entity`, `type`, `channel`, `risk`, `motive`, `municipality`.",
        ),
    ] = None,
    as_of: AsOf = None,
    output: FormatDep = OutputFormat.JSON,
) -> Response:
    """Complaint counts per month, bimester, quarter or year between two periods (by default the last 12 months)."""
    cut_off = service.cut_off_instant(as_of)
    first, last = service.trend_bounds(from_, to, Granularity(granularity), cut_off)
    report = await service.trend(
        api,
        first=first,
        last=last,
        group_by=service.parse_keys("group_by", group_by, service.TREND_GROUPS, []),
        as_of=cut_off,
    )
    document = Document(
        title="Tendencia de PQRD",
        filename=f"tendencia-pqrd-{report.from_period}-{report.to_period}",
        sheet="Tendencia",
        lines=[("Periodos", f"{report.from_period} a {report.to_period} ({granularity})"), _cut_off_line(report.as_of)],
    )
    return respond(
        output,
        report,
        table=lambda: flat_frame(report.items),
        columns=_only_groups(TREND_COLUMNS, report.group_by),
        document=document,
        generated_at=datetime.now(BOGOTA),
        request=request,
    )


@priorities_router.get("", response_model=PriorityReport, responses=FORMAT_RESPONSES)
async def complaint_priorities(
    request: Request,
    api: ApiDep,
    secretaria_id: uuid.UUID,
    period: PeriodCode = None,
    weight_rate: Annotated[float, Query(ge=0, le=100, description="Peso de la tasa por 10.000 afiliados.")] = 0.4,
    weight_growth: Annotated[
        float, Query(ge=0, le=100, description="Peso del crecimiento frente al bimestre anterior.")
    ] = 0.2,
    weight_vital_risk: Annotated[float, Query(ge=0, le=100, description="Peso del % de riesgo vital.")] = 0.2,
    weight_out_of_term: Annotated[float, Query(ge=0, le=100, description="Peso del % fuera de término.")] = 0.2,
    as_of: AsOf = None,
    output: FormatDep = OutputFormat.JSON,
) -> Response:
    """Entities of a secretaría's scope ranked for technical-assistance visits, with the figures behind each score."""
    cut_off = service.cut_off_instant(as_of)
    report = await service.priorities(
        api,
        secretaria_id=secretaria_id,
        period=service.parse_bimester(period, None, None, cut_off),
        weights=PriorityWeights(
            rate=weight_rate, growth=weight_growth, vital_risk=weight_vital_risk, out_of_term=weight_out_of_term
        ),
        as_of=cut_off,
    )
    weights = report.weights
    document = Document(
        title="Priorización de entidades para asistencia técnica",
        filename=f"priorizacion-{report.period}",
        sheet=f"Priorización {report.period}",
        lines=[
            ("Periodo", report.period + ("" if report.complete else " (incompleto)")),
            (
                "Pesos",
                f"tasa {weights.rate}, crecimiento {weights.growth}, riesgo vital {weights.vital_risk}, "
                f"fuera de término {weights.out_of_term}",
            ),
            _cut_off_line(report.as_of),
        ],
    )
    return respond(
        output,
        report,
        table=lambda: flat_frame(report.items),
        columns=PRIORITY_COLUMNS,
        document=document,
        generated_at=datetime.now(BOGOTA),
        request=request,
    )
