"""Analytics figures: every value explainable (numerator, denominator, factor, method, period, cut-off).

Also the aggregates the API serves only for analytics (monthly affiliate totals), so both services read one shape.
"""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from shared.contract.base import ContractModel
from shared.contract.organizations import Organization
from shared.enums import Channel, ComplaintType, OrganizationKind, Risk

__all__ = [
    "AffiliateMonthlyCount",
    "AffiliateMonthlyCounts",
    "BimonthlyItem",
    "BimonthlyReport",
    "Comparison",
    "Figure",
    "PriorityItem",
    "PriorityReport",
    "PriorityWeights",
    "ScopeEntities",
    "TrendPoint",
    "TrendReport",
]


class Figure(ContractModel):
    """An explainable value: `value = numerator ÷ denominator × factor`, null with a `reason` when the
    denominator is 0 (never 0 % or 100 %)."""

    numerator: float
    denominator: float
    factor: int = Field(description="Multiplicador: 100 para porcentajes, 10000 para tasas por 10.000.")
    value: float | None = Field(description="Redondeado a 2 decimales; nulo cuando el denominador es 0.")
    reason: str | None = Field(default=None, description="Por qué no hay valor (denominador 0).")
    method: str = Field(description="Cómo se calculó, por ejemplo `answered_in_term_over_due`.")
    period: str = Field(description="Código del periodo (`2026B1`, `2026-03`, `2026`).")
    source_records: int = Field(description="Registros de origen que sustentan la cifra.")
    as_of: datetime = Field(description="Corte de los datos.")
    over_100: bool = Field(description="El valor supera 100 (sobre-ejecución o numerador mayor que la base).")


class AffiliateMonthlyCount(ContractModel):
    """Members of one organisation in one month: the sum over its municipalities (or one municipality)."""

    organization_id: UUID
    month: str = Field(description="Mes `AAAA-MM`.")
    municipality_code: str | None = Field(
        default=None, description="Solo con `group_by=municipality`: el municipio del conteo."
    )
    count: int
    records: int = Field(description="Conteos (municipio y mes) sumados en esta fila.")


class AffiliateMonthlyCounts(ContractModel):
    """Monthly member counts of every organisation in the caller's scope, in organisation and month order."""

    items: list[AffiliateMonthlyCount]


class ScopeEntities(ContractModel):
    """The EPS, IPS and ESE of a secretaría's scope (its jurisdiction and the EPS it oversees), by name."""

    items: list[Organization]


class Comparison(ContractModel):
    """One group's count against another period's: absolute and relative change."""

    period: str
    complete: bool = Field(description="El periodo de comparación terminó antes del corte y tiene datos.")
    count: int = Field(description="PQRD del periodo de comparación (también si está incompleto).")
    change: int | None = Field(description="Conteo actual menos el del periodo de comparación.")
    change_pct: float | None = Field(description="Cambio ÷ conteo de comparación × 100; nulo si la base es 0.")
    reason: str | None = Field(default=None, description="Por qué no hay cambio o cambio porcentual.")


class BimonthlyItem(ContractModel):
    """One group of the bimonthly consolidation; only the keys asked for in `group_by` appear."""

    entity_id: UUID | None = None
    entity_name: str | None = None
    type: ComplaintType | None = None
    channel: Channel | None = None
    risk: Risk | None = None
    motive_code: str | None = None
    municipality_code: str | None = None
    count: int = Field(description="PQRD radicadas en el bimestre (hasta el corte).")
    rate_per_10k: Figure = Field(description="PQRD ÷ afiliados (promedio de los conteos mensuales) × 10.000.")
    timeliness: Figure = Field(description="Oportunidad de respuesta (ver `method`).")
    answered: int
    answered_in_term: int
    answered_out_of_term: int
    overdue_unanswered: int = Field(description="Vencidas sin respuesta (rezago) contra el instante actual.")
    mean_response_hours: float | None = Field(default=None, description="Horas de radicación a respuesta, media.")
    median_response_hours: float | None = Field(
        default=None,
        description="Horas de radicación a respuesta, mediana; solo con `include=median_response_hours` (nula en "
        "otro caso).",
    )
    mean_response_business_days: float | None = Field(
        default=None, description="Días hábiles de radicación a respuesta (unidad de los términos legales), media."
    )
    median_response_business_days: float | None = Field(
        default=None, description="Días hábiles de radicación a respuesta, mediana."
    )
    previous: Comparison | None = Field(default=None, description="Contra el bimestre anterior.")
    same_last_year: Comparison | None = Field(default=None, description="Contra el mismo bimestre del año anterior.")


class BimonthlyReport(ContractModel):
    """The bimonthly complaint consolidation ("consolidado de quejas") of the caller's scope."""

    period: str = Field(description="Bimestre, `2026B1`.")
    dhis2_period: str = Field(description="El mismo bimestre como lo escribe DHIS2, `202601B`.")
    start_date: date
    end_date: date
    complete: bool = Field(description="Falso si el bimestre termina después del corte o le falta un mes con datos.")
    incomplete_reason: str | None = None
    as_of: datetime
    group_by: list[str]
    compare: list[str]
    items: list[BimonthlyItem]


class TrendPoint(ContractModel):
    """One period of a series (and one group when `group_by` is given)."""

    period: str
    complete: bool
    entity_id: UUID | None = None
    type: ComplaintType | None = None
    channel: Channel | None = None
    risk: Risk | None = None
    motive_code: str | None = None
    municipality_code: str | None = None
    count: int


class TrendReport(ContractModel):
    """Complaint counts per period between two months, long format (one row per period and group)."""

    granularity: str
    from_period: str
    to_period: str
    as_of: datetime
    group_by: list[str]
    items: list[TrendPoint]


class PriorityWeights(ContractModel):
    """Weights of the priority score components; the score is Σ weight × normalised component ÷ Σ weights × 100."""

    rate: float
    growth: float
    vital_risk: float
    out_of_term: float


class PriorityItem(ContractModel):
    """An entity of the secretaría's scope with the figures that rank it (a visit freezes them)."""

    rank: int
    entity_id: UUID
    entity_name: str
    entity_kind: OrganizationKind
    score: float = Field(description="Puntaje de 0 a 100.")
    count: int
    rate_per_10k: Figure
    growth: Figure = Field(description="Cambio % del conteo frente al bimestre anterior.")
    vital_risk: Figure = Field(description="% de PQRD con riesgo vital.")
    out_of_term: Figure = Field(
        description="% fuera de término: respondidas tarde + vencidas ÷ respondidas + vencidas."
    )
    components: dict[str, float] = Field(description="Componentes normalizados (0 a 1) que suman el puntaje.")


class PriorityReport(ContractModel):
    """The entities of a secretaría's scope ranked for technical-assistance visits."""

    secretaria_id: UUID
    period: str
    complete: bool
    as_of: datetime
    weights: PriorityWeights
    items: list[PriorityItem]
