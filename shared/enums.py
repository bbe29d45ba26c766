"""Domain vocabularies shared by both services.

Values keep the official Spanish vocabulary in lower snake case, because that is what users, Supersalud
and the Ministry write; code and JSON keys around them are English.
"""

from enum import StrEnum


class OrganizationKind(StrEnum):
    """Kind of organisation taking part in the health system."""

    EPS = "eps"
    IPS = "ips"
    ESE = "ese"
    SECRETARIA_DEPARTAMENTAL = "secretaria_departamental"
    SECRETARIA_DISTRITAL = "secretaria_distrital"
    SECRETARIA_MUNICIPAL = "secretaria_municipal"
    ASOCIACION_USUARIOS = "asociacion_usuarios"
    MINISTERIO = "ministerio"
    SUPERINTENDENCIA = "superintendencia"

    @property
    def is_secretaria(self) -> bool:
        return self in SECRETARIA_KINDS

    @property
    def is_health_entity(self) -> bool:
        """EPS, IPS or ESE: the entities that receive complaints and keep PPSS plans."""
        return self in (OrganizationKind.EPS, OrganizationKind.IPS, OrganizationKind.ESE)


SECRETARIA_KINDS = frozenset(
    {
        OrganizationKind.SECRETARIA_DEPARTAMENTAL,
        OrganizationKind.SECRETARIA_DISTRITAL,
        OrganizationKind.SECRETARIA_MUNICIPAL,
    }
)


class Role(StrEnum):
    """What an API key may do. A non-admin key belongs to one organisation."""

    ADMIN = "admin"
    SECRETARIA = "secretaria"
    EPS_IPS = "eps_ips"
    ASOCIACION = "asociacion"
    BI_READONLY = "bi_readonly"


class PlanStatus(StrEnum):
    """Life cycle of a PPSS action plan: borrador → formulado → en_ejecucion → evaluado."""

    BORRADOR = "borrador"
    FORMULADO = "formulado"
    EN_EJECUCION = "en_ejecucion"
    EVALUADO = "evaluado"


PLAN_STATUS_TRANSITIONS: dict[PlanStatus, tuple[PlanStatus, ...]] = {
    PlanStatus.BORRADOR: (PlanStatus.FORMULADO,),
    PlanStatus.FORMULADO: (PlanStatus.EN_EJECUCION,),
    PlanStatus.EN_EJECUCION: (PlanStatus.EVALUADO,),
    PlanStatus.EVALUADO: (),
}


class Axis(StrEnum):
    """The five strategic axes (ejes) of Resolución 2063 de 2017, coded as in the Ministry's PISIS files."""

    E1 = "E1"
    E2 = "E2"
    E3 = "E3"
    E4 = "E4"
    E5 = "E5"

    @property
    def label(self) -> str:
        return AXIS_LABELS[self]


AXIS_LABELS: dict[Axis, str] = {
    Axis.E1: "Fortalecimiento institucional",
    Axis.E2: "Empoderamiento de la ciudadanía y las organizaciones sociales en salud",
    Axis.E3: "Impulso a la cultura de la salud",
    Axis.E4: "Control social en salud",
    Axis.E5: "Gestión y garantía en salud con participación en el proceso de decisión",
}


class IndicatorKind(StrEnum):
    """How an indicator is measured."""

    PROPORCION = "proporcion"
    CONTEO = "conteo"
    SI_NO = "si_no"


class Periodicity(StrEnum):
    """How often an indicator is measured."""

    MENSUAL = "mensual"
    BIMESTRAL = "bimestral"
    TRIMESTRAL = "trimestral"
    SEMESTRAL = "semestral"
    ANUAL = "anual"


class ComplaintType(StrEnum):
    """Kind of complaint (PQRD), split by legal term (Ley 1755 de 2015 art. 14)."""

    PETICION = "peticion"
    SOLICITUD_INFORMACION = "solicitud_informacion"
    CONSULTA = "consulta"
    QUEJA = "queja"
    RECLAMO = "reclamo"
    SUGERENCIA = "sugerencia"
    DENUNCIA = "denuncia"
    FELICITACION = "felicitacion"


class Channel(StrEnum):
    """Channel through which a complaint was received."""

    PRESENCIAL = "presencial"
    BUZON_SUGERENCIAS = "buzon_sugerencias"
    TELEFONO = "telefono"
    WHATSAPP = "whatsapp"
    CORREO = "correo"
    WEB = "web"
    REDES_SOCIALES = "redes_sociales"
    ESCRITO = "escrito"
    API = "api"


class Risk(StrEnum):
    """Risk classification of a health claim (reclamo en salud), Supersalud Circular Externa 2023151000000010-5."""

    SIMPLE = "simple"
    PRIORIZADO = "priorizado"
    RIESGO_VITAL = "riesgo_vital"


class ComplaintStatus(StrEnum):
    """Status of a complaint, derived from its event log: radicado → en_tramite → respondido → cerrado."""

    RADICADO = "radicado"
    EN_TRAMITE = "en_tramite"
    RESPONDIDO = "respondido"
    CERRADO = "cerrado"
    REABIERTO = "reabierto"
    TRASLADADO = "trasladado"
    DESISTIDO = "desistido"
    PENDIENTE_INFORMACION = "pendiente_informacion"
    DESISTIMIENTO_PENDIENTE = "desistimiento_pendiente"


class Clock(StrEnum):
    """State of a complaint's legal clock: running, paused (waiting for the petitioner), stopped, or none (no term)."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    NONE = "none"


class Timeliness(StrEnum):
    """Whether a complaint was (or is being) answered within its legal term ("oportunidad")."""

    EN_TRAMITE_VIGENTE = "en_tramite_vigente"
    VENCIDA_SIN_RESPUESTA = "vencida_sin_respuesta"
    EN_TERMINO = "en_termino"
    FUERA_DE_TERMINO = "fuera_de_termino"


class EventKind(StrEnum):
    """Kind of event in a complaint's log; the log is the single source of truth for status and deadline."""

    EN_TRAMITE = "en_tramite"
    RESPONDIDO = "respondido"
    CERRADO = "cerrado"
    REABIERTO = "reabierto"
    TRASLADADO = "trasladado"
    PENDIENTE_INFORMACION = "pendiente_informacion"
    INFORMACION_RECIBIDA = "informacion_recibida"
    PRORROGA = "prorroga"
    DESISTIDO = "desistido"


class TermUnit(StrEnum):
    """Unit of a legal term: business days (días hábiles) or calendar hours (horas corridas)."""

    BUSINESS_DAYS = "business_days"
    HOURS = "hours"


class DatePrecision(StrEnum):
    """How precise a complaint's filing instant is: a day (the default) or only a month (Supersalud open data).

    A complaint known only by its month is kept for statistics: its `filed_at` is the first instant of the
    month in America/Bogota and it has no legal term.
    """

    DAY = "day"
    MONTH = "month"


class MotiveLevel(StrEnum):
    """Level of a motive in the Supersalud hierarchy: macromotivo, motivo general, motivo específico."""

    MACRO = "macro"
    GENERAL = "general"
    ESPECIFICO = "especifico"
