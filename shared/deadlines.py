"""Legal deadlines of complaints (PQRD): which term applies, and the clock derived from the event log.

Two clocks:

- **Business days** (Ley 1755 de 2015 art. 14 and the rules that replaced it for a while). Day 1 is the
  first business day after the filing date (see :func:`shared.calendar.add_business_days`); ``due_date``
  is the last business day of the term and ``due_at`` the **last instant of that day** in America/Bogota,
  ``23:59:59.999999−05:00``. The end is inclusive: an answer at ``due_at`` is on time, and a complaint is
  overdue when ``now > due_at``. We chose the inclusive end rather than ``00:00`` of the next day so that
  ``due_at`` shows the due date itself when displayed in Bogotá time (PostgreSQL keeps microseconds, so the
  comparison is exact there too).
- **Calendar hours** ("horas corridas", nights and holidays included) for health claims classified by
  risk: ``due_at = filed_at + N h`` and ``due_date`` is the Bogotá date of ``due_at``. Colombia has no
  daylight saving time, so ``N`` hours are always ``N`` hours of wall-clock time in Bogotá.

Which term applies depends on the **filing date** (taken in America/Bogota): :data:`RULES` is the table of
rules with their validity and legal source, and :func:`term_for` picks the first rule that matches.

The **event log is the single source of truth**: :func:`compute_deadline` replays it (in ``occurred_at``
order, ties in log order) and returns the status, the clock and the due date; it raises
:class:`DeadlineRuleError` (with the events allowed instead) when an event is not allowed. Timeliness is
computed against a given ``now`` by :func:`timeliness`, the reference for the SQL version of the API.

Everything here is pure: no I/O, no reading of the system clock.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from shared.calendar import add_business_days, business_days_between, first_business_day_from, is_business_day
from shared.enums import Clock, ComplaintStatus, ComplaintType, DatePrecision, EventKind, Risk, TermUnit, Timeliness
from shared.periods import BOGOTA, bogota_date

__all__ = [
    "DEFAULT_SETTINGS",
    "INFORMATION_REQUEST_WINDOW",
    "RULES",
    "TRANSFER_WINDOW",
    "DeadlineEvent",
    "DeadlineFlag",
    "DeadlineRuleError",
    "DeadlineSettings",
    "DeadlineState",
    "Term",
    "TermRule",
    "allowed_events",
    "compute_deadline",
    "end_of_day",
    "month_start",
    "preview",
    "silence_deadline",
    "term_end",
    "term_for",
    "time_left",
    "timeliness",
    "timeliness_of",
]

# Ley 1755 art. 17: the entity asks for missing information within 10 (business) days of filing.
INFORMATION_REQUEST_WINDOW = 10
# Ley 1755 art. 21: a written petition to a non-competent entity is forwarded within 5 (business) days.
TRANSFER_WINDOW = 5

_GENERAL = frozenset(
    {
        ComplaintType.PETICION,
        ComplaintType.QUEJA,
        ComplaintType.RECLAMO,
        ComplaintType.SUGERENCIA,
        ComplaintType.DENUNCIA,
    }
)
_INFORMATION = frozenset({ComplaintType.SOLICITUD_INFORMACION})
_CONSULTA = frozenset({ComplaintType.CONSULTA})
_RECLAMO = frozenset({ComplaintType.RECLAMO})


class DeadlineRuleError(Exception):
    """An event the law or the workflow does not allow; ``allowed`` lists the events that are.

    The API answers it with 409 and the Spanish ``message``.
    """

    def __init__(self, message: str, allowed: Iterable[EventKind] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.allowed: tuple[EventKind, ...] = tuple(allowed)


class DeadlineFlag(StrEnum):
    """Irregularities recorded on a complaint; they never change the deadline."""

    # pendiente_informacion more than 10 business days after filing (or reopening): Ley 1755 art. 17.
    LATE_INFORMATION_REQUEST = "late_information_request"
    # informacion_recibida after the petitioner's month had run out (status desistimiento_pendiente).
    LATE_INFORMATION_RECEIVED = "late_information_received"
    # trasladado more than 5 business days after filing (or reopening): Ley 1755 art. 21.
    LATE_TRANSFER = "late_transfer"


@dataclass(frozen=True, slots=True)
class DeadlineSettings:
    """Deployment switches for rules that are not confirmed.

    ``minor_rule`` enables the 8-hour term for riesgo vital claims of children and adolescents
    (rule ``supersalud-ce-2026151000000007-5-nna`` in :data:`RULES`), seen only in third-party software.
    """

    minor_rule: bool = False


DEFAULT_SETTINGS = DeadlineSettings()


@dataclass(frozen=True, slots=True)
class Term:
    """The legal term of one complaint: ``length`` ``unit`` (business days or hours) and its legal basis.

    ``adjustable`` tells whether the term can be paused for missing information (Ley 1755 art. 17) and
    extended (art. 14 parágrafo); the terms of health claims cannot.
    """

    unit: TermUnit
    length: int
    basis: str
    rule_id: str
    adjustable: bool = True


@dataclass(frozen=True, slots=True)
class TermRule:
    """One row of the rules table: a term, the complaints it applies to and the filing dates it covers.

    ``valid_from`` and ``valid_to`` are filing dates in America/Bogota, both inclusive (``None``: no
    bound). ``risks`` restricts the rule to health claims (``reclamo``) with one of those risk
    classifications; an empty set means the rule does not look at the risk. ``minor_only`` rules apply only
    to minors and only when :attr:`DeadlineSettings.minor_rule` is on.
    """

    valid_from: date | None
    valid_to: date | None
    applies_to: frozenset[ComplaintType]
    unit: TermUnit
    length: int
    basis: str
    id: str
    risks: frozenset[Risk] = frozenset()
    minor_only: bool = False
    adjustable: bool = True

    def in_force(self, filed_on: date) -> bool:
        """Whether the rule covers complaints filed on ``filed_on`` (a Bogotá date)."""
        after_start = self.valid_from is None or self.valid_from <= filed_on
        before_end = self.valid_to is None or filed_on <= self.valid_to
        return after_start and before_end

    @property
    def term(self) -> Term:
        """The term this rule gives."""
        return Term(self.unit, self.length, self.basis, self.id, self.adjustable)


_DAYS = TermUnit.BUSINESS_DAYS
_HOURS = TermUnit.HOURS

_DL491_FROM = date(2020, 3, 28)  # Decreto Legislativo 491 de 2020, Diario Oficial 51.270 of 28 March 2020
_DL491_TO = date(2022, 5, 17)  # repealed by Ley 2207 de 2022 of 17 May 2022, in force from 18 May 2022
_CE_2023_FROM = date(2023, 6, 23)  # Circular Externa 2023151000000010-5, Diario Oficial 52.435 of 23 June 2023
_CE_008_FROM = date(2018, 9, 14)  # Circular Externa 008 de 2018, dated 14 Sep 2018 on a scanned copy [U]

_CE_2023 = "Superintendencia Nacional de Salud, Circular Externa 2023151000000010-5 de 2023"
_CE_008 = "Superintendencia Nacional de Salud, Circular Externa 008 de 2018 (modifica la Circular Única 047 de 2007)"
_DL491 = "Decreto Legislativo 491 de 2020, art. 5 (emergencia sanitaria; derogado por la Ley 2207 de 2022)"
_LEY_1755 = "Ley 1755 de 2015, art. 14"

#: The rules table, **in priority order**: :func:`term_for` takes the first rule that matches. Most specific
#: first: the optional minor rule, then the health-claim rules by risk, then the temporary Decreto 491
#: regime, then the general Ley 1755 regime. A ``reclamo`` with a risk that no health rule covers (filed
#: before Circular 008 de 2018) falls through to the general rules.
RULES: tuple[TermRule, ...] = (
    # [U] Seen only in one IPS's software README; number suggests 2026. Off unless settings.minor_rule;
    # valid_from is an assumption to confirm with the circular's text (domain.md (d) 4).
    TermRule(
        valid_from=date(2026, 1, 1),
        valid_to=None,
        applies_to=_RECLAMO,
        unit=_HOURS,
        length=8,
        basis=(
            "Superintendencia Nacional de Salud, Circular Externa 2026151000000007-5 (no confirmada): "
            "reclamo en salud de riesgo vital de niñas, niños y adolescentes, 8 horas"
        ),
        id="supersalud-ce-2026151000000007-5-nna",
        risks=frozenset({Risk.RIESGO_VITAL}),
        minor_only=True,
        adjustable=False,
    ),
    # Hours are "corridas" (calendar hours) per secondary sources; the full text of the circular was not
    # read (domain.md (d) 3). The circular also binds the 2018 rows below to end on 22 June 2023.
    TermRule(
        valid_from=_CE_2023_FROM,
        valid_to=None,
        applies_to=_RECLAMO,
        unit=_HOURS,
        length=24,
        basis=f"{_CE_2023}: reclamo en salud de riesgo vital, 24 horas",
        id="supersalud-ce-2023151000000010-5-riesgo-vital",
        risks=frozenset({Risk.RIESGO_VITAL}),
        adjustable=False,
    ),
    TermRule(
        valid_from=_CE_2023_FROM,
        valid_to=None,
        applies_to=_RECLAMO,
        unit=_HOURS,
        length=48,
        basis=f"{_CE_2023}: reclamo en salud de riesgo priorizado, 48 horas",
        id="supersalud-ce-2023151000000010-5-priorizado",
        risks=frozenset({Risk.PRIORIZADO}),
        adjustable=False,
    ),
    TermRule(
        valid_from=_CE_2023_FROM,
        valid_to=None,
        applies_to=_RECLAMO,
        unit=_HOURS,
        length=72,
        basis=f"{_CE_2023}: reclamo en salud de riesgo simple, 72 horas",
        id="supersalud-ce-2023151000000010-5-simple",
        risks=frozenset({Risk.SIMPLE}),
        adjustable=False,
    ),
    # [U] Before the 2023 circular the reports knew only "regulares" and "riesgo de vida" (REGULARES/SIS).
    # We map riesgo_vital to "riesgo de vida" and simple/priorizado to "regulares". Whether "2 días" were
    # business days, calendar days or 24 h is not confirmed (domain.md (d) 5); we count business days, the
    # default for terms in days set by official acts (Ley 4 de 1913 art. 62). Circular 047 de 2007's
    # earlier terms (filings before 14 Sep 2018) are not modelled: those claims fall to Ley 1755.
    TermRule(
        valid_from=_CE_008_FROM,
        valid_to=_CE_2023_FROM - timedelta(days=1),
        applies_to=_RECLAMO,
        unit=_DAYS,
        length=2,
        basis=f"{_CE_008}: reclamo en salud con riesgo de vida, 2 días (hábiles, no confirmado)",
        id="supersalud-ce-008-2018-riesgo-vida",
        risks=frozenset({Risk.RIESGO_VITAL}),
        adjustable=False,
    ),
    TermRule(
        valid_from=_CE_008_FROM,
        valid_to=_CE_2023_FROM - timedelta(days=1),
        applies_to=_RECLAMO,
        unit=_DAYS,
        length=5,
        basis=f"{_CE_008}: reclamo en salud regular, 5 días hábiles",
        id="supersalud-ce-008-2018-regular",
        risks=frozenset({Risk.SIMPLE, Risk.PRIORIZADO}),
        adjustable=False,
    ),
    # Decreto 491 art. 5 lengthened the terms of the general regime while the health emergency lasted; it
    # did not apply to petitions about other fundamental rights, so health claims keep the rows above.
    TermRule(
        valid_from=_DL491_FROM,
        valid_to=_DL491_TO,
        applies_to=_GENERAL,
        unit=_DAYS,
        length=30,
        basis=f"{_DL491}: toda petición, 30 días siguientes a su recepción",
        id="decreto-491-2020-art5-general",
    ),
    TermRule(
        valid_from=_DL491_FROM,
        valid_to=_DL491_TO,
        applies_to=_INFORMATION,
        unit=_DAYS,
        length=20,
        basis=f"{_DL491}, num. i: peticiones de documentos y de información, 20 días siguientes a su recepción",
        id="decreto-491-2020-art5-informacion",
    ),
    TermRule(
        valid_from=_DL491_FROM,
        valid_to=_DL491_TO,
        applies_to=_CONSULTA,
        unit=_DAYS,
        length=35,
        basis=f"{_DL491}, num. ii: consultas a las autoridades, 35 días siguientes a su recepción",
        id="decreto-491-2020-art5-consulta",
    ),
    # Ley 1755 de 2015 (30 June 2015) has no lower bound here: the codes before it set the same terms,
    # not modelled separately. Applying the 15 days to quejas, sugerencias, denuncias and reclamos not
    # classified by risk is the usual practice, not confirmed (domain.md b.2 and (d) 6).
    TermRule(
        valid_from=None,
        valid_to=None,
        applies_to=_GENERAL,
        unit=_DAYS,
        length=15,
        basis=f"{_LEY_1755}: toda petición, 15 días siguientes a su recepción",
        id="ley-1755-2015-art14-general",
    ),
    TermRule(
        valid_from=None,
        valid_to=None,
        applies_to=_INFORMATION,
        unit=_DAYS,
        length=10,
        basis=f"{_LEY_1755}, num. 1: peticiones de documentos y de información, 10 días siguientes a su recepción",
        id="ley-1755-2015-art14-informacion",
    ),
    TermRule(
        valid_from=None,
        valid_to=None,
        applies_to=_CONSULTA,
        unit=_DAYS,
        length=30,
        basis=f"{_LEY_1755}, num. 2: consultas a las autoridades, 30 días siguientes a su recepción",
        id="ley-1755-2015-art14-consulta",
    ),
    # felicitacion: no legal term, so no rule (domain.md b.2).
)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} debe incluir la zona horaria (por ejemplo 2026-06-26T10:00:00-05:00).")


def term_for(
    type: ComplaintType | str,
    risk: Risk | str | None,
    filed_at: datetime | date,
    minor: bool = False,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> Term | None:
    """The term of a complaint of ``type`` filed at ``filed_at``, or ``None`` when it has none (felicitación).

    ``risk`` is looked at only for a ``reclamo`` (it makes it a health claim); for other types it is
    ignored. A datetime counts by its Bogotá date.
    """
    kind = ComplaintType(type)
    health_risk = Risk(risk) if risk is not None and kind is ComplaintType.RECLAMO else None
    filed_on = bogota_date(filed_at)
    for rule in RULES:
        if kind not in rule.applies_to or not rule.in_force(filed_on):
            continue
        if rule.minor_only and not (minor and settings.minor_rule):
            continue
        if rule.risks and health_risk not in rule.risks:
            continue
        return rule.term
    return None


def month_start(moment: datetime | date) -> datetime:
    """The first instant, in America/Bogota, of the Bogotá month of ``moment``.

    The ``filed_at`` of a complaint known only by its month (``date_precision`` ``month``, as in
    Supersalud's open data, which has ``MES`` and no day). A datetime counts by its Bogotá date.
    """
    day = bogota_date(moment)
    return datetime.combine(day.replace(day=1), time.min, tzinfo=BOGOTA)


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in America/Bogota: the ``due_at`` of a term ending on ``day``."""
    return datetime.combine(day, time.max, tzinfo=BOGOTA)


def term_end(term: Term, started_at: datetime) -> tuple[datetime, date]:
    """``(due_at, due_date)`` of a full ``term`` that starts at ``started_at`` (a filing or a reopening).

    Business days: ``due_date`` is the ``length``-th business day after the Bogotá date of ``started_at``
    and ``due_at`` its :func:`end_of_day`. Hours: ``due_at = started_at + length`` hours (in Bogotá time)
    and ``due_date`` its Bogotá date.
    """
    _require_aware(started_at, "started_at")
    if term.unit is TermUnit.HOURS:
        due_at = started_at.astimezone(BOGOTA) + timedelta(hours=term.length)
        return due_at, due_at.date()
    due_date = add_business_days(started_at, term.length)
    return end_of_day(due_date), due_date


def _add_one_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, _gregorian.monthrange(year, month)[1]))


def silence_deadline(requested_at: datetime | date) -> date:
    """Last day the petitioner has to provide the information requested at ``requested_at``.

    One calendar month (Ley 1755 art. 17): the same day number of the next month (the last day of that
    month when it is shorter), moved to the next business day when it is not one (Ley 4 de 1913 art. 62).
    From the day after, silence makes the complaint ``desistimiento_pendiente``.
    """
    return first_business_day_from(_add_one_month(bogota_date(requested_at)))


@dataclass(frozen=True, slots=True)
class DeadlineEvent:
    """One event of a complaint's log, as far as deadlines are concerned.

    ``new_due_date`` is required for ``prorroga`` and not allowed on other kinds.
    """

    kind: EventKind
    occurred_at: datetime
    new_due_date: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        _require_aware(self.occurred_at, "occurred_at")
        if self.kind is EventKind.PRORROGA and self.new_due_date is None:
            raise ValueError("La prórroga necesita la nueva fecha de vencimiento (new_due_date).")
        if self.kind is not EventKind.PRORROGA and self.new_due_date is not None:
            raise ValueError(f"new_due_date solo se admite en una prórroga, no en «{self.kind}».")


@dataclass(frozen=True, slots=True)
class DeadlineState:
    """Status and clock of a complaint, derived from its filing and event log.

    ``due_at``/``due_date`` are ``None`` when there is no term, and while the clock is paused (the due date
    depends on when the information arrives). ``paused_business_days_used`` counts the business days of
    the term that had run when the clock was last paused (cumulative over pauses, reset by a reopening).
    ``information_due_date`` is the last day for the petitioner to answer a request for information
    (:func:`silence_deadline`), ``None`` unless waiting for it.
    """

    status: ComplaintStatus
    clock: Clock
    due_at: datetime | None
    due_date: date | None
    term: Term | None
    answered_at: datetime | None
    extended: bool
    paused_business_days_used: int
    flags: tuple[str, ...]
    information_due_date: date | None = None


_S = ComplaintStatus
_E = EventKind

# Express withdrawal ("desistimiento expreso", Ley 1755 art. 18) is allowed while the complaint is open;
# the tacit one goes through desistimiento_pendiente for a person to confirm.
_TRANSITIONS: dict[ComplaintStatus, tuple[EventKind, ...]] = {
    _S.RADICADO: (_E.EN_TRAMITE, _E.PENDIENTE_INFORMACION, _E.PRORROGA, _E.TRASLADADO, _E.DESISTIDO),
    _S.EN_TRAMITE: (_E.RESPONDIDO, _E.PENDIENTE_INFORMACION, _E.PRORROGA, _E.TRASLADADO, _E.DESISTIDO),
    _S.REABIERTO: (_E.EN_TRAMITE, _E.PENDIENTE_INFORMACION, _E.PRORROGA, _E.TRASLADADO, _E.DESISTIDO),
    _S.PENDIENTE_INFORMACION: (_E.INFORMACION_RECIBIDA, _E.DESISTIDO),
    _S.DESISTIMIENTO_PENDIENTE: (_E.DESISTIDO, _E.INFORMACION_RECIBIDA),
    _S.RESPONDIDO: (_E.CERRADO, _E.REABIERTO),
    _S.CERRADO: (_E.REABIERTO,),
    _S.TRASLADADO: (),
    _S.DESISTIDO: (),
}
_ADJUSTMENTS = (_E.PENDIENTE_INFORMACION, _E.PRORROGA)
_RUNNING = frozenset({_S.RADICADO, _S.EN_TRAMITE, _S.REABIERTO})
_PAUSED = frozenset({_S.PENDIENTE_INFORMACION, _S.DESISTIMIENTO_PENDIENTE})


def allowed_events(status: ComplaintStatus | str, *, adjustable: bool = True) -> tuple[EventKind, ...]:
    """Events the workflow allows in ``status``.

    radicado → en_tramite → respondido → cerrado; reabierto from respondido or cerrado; trasladado and
    desistido (express withdrawal) while open; pendiente_informacion ↔ informacion_recibida;
    desistimiento_pendiente → desistido; prorroga keeps the status. With ``adjustable=False`` (health
    claims, complaints without a term) pendiente_informacion and prorroga are left out.
    """
    events = _TRANSITIONS[ComplaintStatus(status)]
    return events if adjustable else tuple(kind for kind in events if kind not in _ADJUSTMENTS)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M")


class _Replay:
    """Mutable state while replaying an event log; see :func:`compute_deadline`."""

    def __init__(self, filed_at: datetime, term: Term | None) -> None:
        self.filed_at = filed_at
        self.term = term
        self.status = ComplaintStatus.RADICADO
        self.answered_at: datetime | None = None
        self.extended = False
        self.used = 0
        self.flags: list[str] = []
        self.information_due_date: date | None = None
        self.due_at: datetime | None = None
        self.due_date: date | None = None
        # Business-day clock: the term ends ``remaining`` business days after ``count_from`` and may be
        # extended up to ``cap_remaining`` business days after it (twice the original term, art. 14).
        self.origin = bogota_date(filed_at)  # filing or last reopening: start of the art. 17/21 windows
        self.count_from = self.origin
        self.remaining = 0
        self.cap_remaining = 0
        self._start(filed_at)

    # -- clock ------------------------------------------------------------------------------------

    def _start(self, at: datetime) -> None:
        """Start a full term at ``at`` (the filing, or a reopening)."""
        self.origin = bogota_date(at)
        self.count_from = self.origin
        self.used = 0
        self.extended = False
        self.information_due_date = None
        term = self.term
        if term is None:
            return
        self.due_at, self.due_date = term_end(term, at)
        if term.unit is TermUnit.BUSINESS_DAYS:
            self.remaining = term.length
            self.cap_remaining = 2 * term.length

    def _set_business_due(self) -> None:
        self.due_date = add_business_days(self.count_from, self.remaining)
        self.due_at = end_of_day(self.due_date)

    def _flag(self, flag: DeadlineFlag) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    # -- workflow ---------------------------------------------------------------------------------

    @property
    def adjustable(self) -> bool:
        return self.term is not None and self.term.adjustable

    def _expired(self, at: datetime) -> bool:
        return self.due_at is not None and at > self.due_at

    def allowed(self, at: datetime) -> tuple[EventKind, ...]:
        events = allowed_events(self.status, adjustable=self.adjustable)
        if self._expired(at):
            events = tuple(kind for kind in events if kind not in _ADJUSTMENTS)
        return events

    def _refuse(self, message: str, at: datetime) -> DeadlineRuleError:
        allowed = self.allowed(at)
        listed = ", ".join(allowed) if allowed else "ninguno"
        return DeadlineRuleError(f"{message} Eventos permitidos: {listed}.", allowed)

    def _check(self, event: DeadlineEvent) -> None:
        kind, at = event.kind, event.occurred_at
        if at < self.filed_at:
            raise self._refuse(
                f"El evento «{kind}» ({_fmt(at)}) no puede ser anterior a la radicación ({_fmt(self.filed_at)}).", at
            )
        if kind not in allowed_events(self.status):
            raise self._refuse(f"No se puede registrar «{kind}» en estado «{self.status}».", at)
        if kind in _ADJUSTMENTS and not self.adjustable:
            action = "suspender" if kind is EventKind.PENDIENTE_INFORMACION else "prorrogar"
            if self.term is None:
                reason = "Este caso no tiene término legal"
            else:
                unit = "horas" if self.term.unit is TermUnit.HOURS else "días hábiles"
                reason = (
                    f"El término de los reclamos en salud ({self.term.length} {unit}, "
                    f"regla {self.term.rule_id}) no se suspende ni se prorroga"
                )
            raise self._refuse(f"{reason}: no se puede {action}.", at)
        if kind in _ADJUSTMENTS and self._expired(at):
            assert self.due_at is not None
            what = (
                "La prórroga debe anunciarse"
                if kind is EventKind.PRORROGA
                else "La solicitud de información debe hacerse"
            )
            raise self._refuse(
                f"{what} antes del vencimiento del término: venció el {_fmt(self.due_at)} "
                f"y el evento es del {_fmt(at)}.",
                at,
            )

    def apply(self, event: DeadlineEvent) -> None:
        at = event.occurred_at
        if self.status is ComplaintStatus.PENDIENTE_INFORMACION:
            self.promote_silence(at)
        self._check(event)
        match event.kind:
            case EventKind.EN_TRAMITE:
                self.status = ComplaintStatus.EN_TRAMITE
            case EventKind.RESPONDIDO:
                self.status = ComplaintStatus.RESPONDIDO
                self.answered_at = at.astimezone(BOGOTA)
            case EventKind.CERRADO:
                self.status = ComplaintStatus.CERRADO
            case EventKind.REABIERTO:
                self.status = ComplaintStatus.REABIERTO
                self.answered_at = None
                self._start(at)
            case EventKind.TRASLADADO:
                self.status = ComplaintStatus.TRASLADADO
                if business_days_between(self.origin + timedelta(days=1), at) > TRANSFER_WINDOW:
                    self._flag(DeadlineFlag.LATE_TRANSFER)
            case EventKind.PENDIENTE_INFORMACION:
                self._pause(at)
            case EventKind.INFORMACION_RECIBIDA:
                self._resume(at)
            case EventKind.PRORROGA:
                assert event.new_due_date is not None  # DeadlineEvent checks it
                self._extend(event.new_due_date, at)
            case EventKind.DESISTIDO:
                self.status = ComplaintStatus.DESISTIDO

    def _pause(self, at: datetime) -> None:
        requested_on = bogota_date(at)
        if business_days_between(self.origin + timedelta(days=1), requested_on) > INFORMATION_REQUEST_WINDOW:
            self._flag(DeadlineFlag.LATE_INFORMATION_REQUEST)
        # Business days after the last (re)start up to and including the request day have been used.
        ran = business_days_between(self.count_from + timedelta(days=1), requested_on)
        self.used += ran
        self.remaining -= ran
        self.cap_remaining -= ran
        self.status = ComplaintStatus.PENDIENTE_INFORMACION
        self.information_due_date = silence_deadline(requested_on)
        self.due_at = self.due_date = None

    def _resume(self, at: datetime) -> None:
        if self.status is ComplaintStatus.DESISTIMIENTO_PENDIENTE:
            self._flag(DeadlineFlag.LATE_INFORMATION_RECEIVED)
        # Counting resumes the next business day with the days that remained (art. 17). A request made on
        # the last day leaves none; the petitioner's answer then reopens one day, not zero.
        self.count_from = bogota_date(at)
        self.remaining = max(self.remaining, 1)
        self.cap_remaining = max(self.cap_remaining, self.remaining)
        self.status = ComplaintStatus.EN_TRAMITE
        self.information_due_date = None
        self._set_business_due()

    def _extend(self, new_due_date: date, at: datetime) -> None:
        assert self.due_date is not None
        cap = add_business_days(self.count_from, self.cap_remaining)
        if not is_business_day(new_due_date):
            raise self._refuse(f"La nueva fecha de vencimiento ({new_due_date}) debe ser un día hábil.", at)
        if new_due_date <= self.due_date:
            raise self._refuse(
                f"La nueva fecha de vencimiento ({new_due_date}) debe ser posterior al vencimiento actual "
                f"({self.due_date}).",
                at,
            )
        if new_due_date > cap:
            raise self._refuse(
                f"La prórroga no puede exceder el doble del término inicial: la nueva fecha ({new_due_date}) "
                f"debe ser a más tardar el {cap}.",
                at,
            )
        self.remaining = business_days_between(self.count_from + timedelta(days=1), new_due_date)
        self.extended = True
        self._set_business_due()

    def promote_silence(self, at: datetime) -> None:
        """A petitioner silent past the month: the complaint awaits a person's confirmation of desistimiento."""
        if (
            self.status is ComplaintStatus.PENDIENTE_INFORMACION
            and self.information_due_date is not None
            and bogota_date(at) > self.information_due_date
        ):
            self.status = ComplaintStatus.DESISTIMIENTO_PENDIENTE

    def state(self) -> DeadlineState:
        if self.term is None:
            clock = Clock.NONE
        elif self.status in _RUNNING:
            clock = Clock.RUNNING
        elif self.status in _PAUSED:
            clock = Clock.PAUSED
        else:
            clock = Clock.STOPPED
        return DeadlineState(
            status=self.status,
            clock=clock,
            due_at=self.due_at,
            due_date=self.due_date,
            term=self.term,
            answered_at=self.answered_at,
            extended=self.extended,
            paused_business_days_used=self.used,
            flags=tuple(self.flags),
            information_due_date=self.information_due_date,
        )


def compute_deadline(
    filed_at: datetime,
    type: ComplaintType | str,
    risk: Risk | str | None = None,
    minor: bool = False,
    events: Sequence[DeadlineEvent] = (),
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    *,
    now: datetime | None = None,
    precision: DatePrecision | str = DatePrecision.DAY,
) -> DeadlineState:
    """Replay a complaint's event log and derive its status, clock and deadline.

    A complaint whose filing is known only to the month (``precision`` ``month``) has no term: no day
    to count from, so its clock is ``none`` and it has no due date, whatever its type; it is kept for
    statistics. Its events still move its status.

    Events are taken in ``occurred_at`` order (ties keep the log order). Semantics, per kind:

    - ``en_tramite``, ``cerrado``: status only. ``respondido`` stops the clock and sets ``answered_at``.
    - ``pendiente_informacion`` (Ley 1755 art. 17) stops a business-day clock: the business days after
      filing up to and including the request day are used. A request more than 10 business days after
      filing is flagged ``late_information_request`` and still applied; after expiry it is refused.
    - ``informacion_recibida`` resumes counting the next business day with the remaining days.
    - ``prorroga`` (art. 14 parágrafo) moves the due date to ``new_due_date``: only up to ``due_at``, to a
      later business day, at most twice the original term counted from filing (paused days excluded).
    - ``reabierto`` restarts a full term from the reopening (pauses, extension and answer are cleared).
    - ``trasladado`` stops the clock for this organisation (flagged ``late_transfer`` after 5 business
      days); ``desistido`` stops it.
    - Terms in hours (health claims), all health-claim terms and complaints without a term are never
      paused or extended.

    A petitioner silent past :func:`silence_deadline` makes a ``pendiente_informacion`` complaint
    ``desistimiento_pendiente``: checked at each later event, and at ``now`` when given (without ``now``
    the result does not depend on the current time). Raises :class:`DeadlineRuleError` on an event not
    allowed at its point in the log, with the events allowed there; ValueError on a naive datetime.
    """
    _require_aware(filed_at, "filed_at")
    if DatePrecision(precision) is DatePrecision.MONTH:
        term = None
    else:
        term = term_for(type, risk, filed_at, minor, settings)
    replay = _Replay(filed_at, term)
    for event in sorted(events, key=lambda event: event.occurred_at):
        replay.apply(event)
    if now is not None:
        _require_aware(now, "now")
        replay.promote_silence(now)
    return replay.state()


def timeliness(state: DeadlineState, now: datetime) -> Timeliness | None:
    """Timeliness ("oportunidad") of a complaint at ``now``; ``None`` without a term (see :func:`timeliness_of`)."""
    _require_aware(now, "now")
    return timeliness_of(state.term is not None, state.status, state.due_at, state.answered_at, now)


_NO_TERM_RUNNING = frozenset({ComplaintStatus.TRASLADADO, ComplaintStatus.DESISTIDO})


def timeliness_of(
    has_term: bool, status: ComplaintStatus | str, due_at: datetime | None, answered_at: datetime | None, now: datetime
) -> Timeliness | None:
    """The timeliness rule, once, on the values a complaint stores (the API reads them from its columns).

    Answered by ``due_at`` → en_termino; answered after → fuera_de_termino; unanswered and past
    ``due_at`` → vencida_sin_respuesta; otherwise (including a paused clock) en_tramite_vigente. A complaint
    transferred or withdrawn without an answer no longer runs a term here, so it gets ``None`` too; so does
    one without a term. The SQL of the API and the rollup trigger restate it; a test runs both against this
    on the same cases (tests/api/complaints/test_timeliness.py).
    """
    if not has_term:
        return None
    if answered_at is not None:
        assert due_at is not None  # an answer is only recorded on a running clock
        return Timeliness.EN_TERMINO if answered_at <= due_at else Timeliness.FUERA_DE_TERMINO
    if status in _NO_TERM_RUNNING:
        return None
    if due_at is not None and now > due_at:
        return Timeliness.VENCIDA_SIN_RESPUESTA
    return Timeliness.EN_TRAMITE_VIGENTE


def time_left(state: DeadlineState, now: datetime) -> timedelta | None:
    """Time until ``due_at`` while the clock runs (negative once overdue); ``None`` otherwise."""
    _require_aware(now, "now")
    if state.clock is not Clock.RUNNING or state.due_at is None:
        return None
    return state.due_at - now


def preview(
    filed_at: datetime,
    type: ComplaintType | str,
    risk: Risk | str | None = None,
    minor: bool = False,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> tuple[datetime | None, date | None, Term | None]:
    """``(due_at, due_date, term)`` of a complaint that would be filed at ``filed_at``, for portals."""
    state = compute_deadline(filed_at, type, risk, minor, (), settings)
    return state.due_at, state.due_date, state.term
