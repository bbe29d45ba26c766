"""The legal-deadline engine: rules by filing date, the clock replayed from the event log, timeliness."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.calendar import add_business_days, business_days_between, is_business_day
from shared.deadlines import (
    RULES,
    DeadlineEvent,
    DeadlineFlag,
    DeadlineRuleError,
    DeadlineSettings,
    DeadlineState,
    Term,
    allowed_events,
    compute_deadline,
    end_of_day,
    preview,
    silence_deadline,
    term_end,
    term_for,
    time_left,
    timeliness,
)
from shared.enums import Clock, ComplaintStatus, ComplaintType, EventKind, Risk, TermUnit, Timeliness
from shared.periods import BOGOTA

T = ComplaintType
E = EventKind
S = ComplaintStatus


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An instant in Bogotá."""
    return datetime.combine(day, time(hour, minute), tzinfo=BOGOTA)


def ev(kind: EventKind, day: date, hour: int = 10, new_due_date: date | None = None) -> DeadlineEvent:
    return DeadlineEvent(kind, at(day, hour), new_due_date)


def days_term(n: int) -> Term:
    return Term(TermUnit.BUSINESS_DAYS, n, "prueba", "test")


# Filing instants anywhere in a day, in years the holidays package covers with margin for the terms.
def filings(first: date, last: date) -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime.combine(first, time.min),
        max_value=datetime.combine(last, time.max),
        timezones=st.just(BOGOTA),
    )


BUSINESS_DAY_TYPES = [t for t in T if t is not T.FELICITACION]
FILED = date(2026, 6, 26)  # Friday; Monday 06-29 is a holiday
PETICION_DUE = date(2026, 7, 22)


class TestRulesTable:
    def test_rule_ids_are_unique(self) -> None:
        ids = [rule.id for rule in RULES]
        assert len(ids) == len(set(ids))

    def test_every_rule_names_its_legal_basis(self) -> None:
        for rule in RULES:
            assert rule.basis
            assert rule.length > 0
            assert rule.valid_from is None or rule.valid_to is None or rule.valid_from <= rule.valid_to

    @pytest.mark.parametrize(
        ("kind", "length", "rule_id"),
        [
            (T.PETICION, 15, "ley-1755-2015-art14-general"),
            (T.QUEJA, 15, "ley-1755-2015-art14-general"),
            (T.RECLAMO, 15, "ley-1755-2015-art14-general"),
            (T.SUGERENCIA, 15, "ley-1755-2015-art14-general"),
            (T.DENUNCIA, 15, "ley-1755-2015-art14-general"),
            (T.SOLICITUD_INFORMACION, 10, "ley-1755-2015-art14-informacion"),
            (T.CONSULTA, 30, "ley-1755-2015-art14-consulta"),
        ],
    )
    def test_ley_1755(self, kind: ComplaintType, length: int, rule_id: str) -> None:
        term = term_for(kind, None, at(FILED))
        assert term is not None
        assert (term.unit, term.length, term.rule_id, term.adjustable) == (
            TermUnit.BUSINESS_DAYS,
            length,
            rule_id,
            True,
        )
        assert term.basis.startswith("Ley 1755 de 2015, art. 14")

    def test_felicitacion_has_no_term(self) -> None:
        assert term_for(T.FELICITACION, None, at(FILED)) is None

    @pytest.mark.parametrize(
        ("filed", "general", "information", "consulta"),
        [
            (date(2020, 3, 27), 15, 10, 30),
            (date(2020, 3, 28), 30, 20, 35),
            (date(2022, 5, 17), 30, 20, 35),
            (date(2022, 5, 18), 15, 10, 30),
        ],
    )
    def test_decreto_491_window_edges(self, filed: date, general: int, information: int, consulta: int) -> None:
        for kind, length in [(T.PETICION, general), (T.SOLICITUD_INFORMACION, information), (T.CONSULTA, consulta)]:
            term = term_for(kind, None, at(filed, 23, 59))
            assert term is not None
            assert term.length == length
            in_window = date(2020, 3, 28) <= filed <= date(2022, 5, 17)
            assert ("Decreto Legislativo 491 de 2020" in term.basis) is in_window

    def test_decreto_491_window_uses_the_bogota_date(self) -> None:
        # 2020-03-28T03:00Z is still 27 March in Bogotá.
        term = term_for(T.PETICION, None, datetime(2020, 3, 28, 3, 0, tzinfo=UTC))
        assert term is not None
        assert term.length == 15

    def test_decreto_491_due_dates(self) -> None:
        state = compute_deadline(at(date(2022, 5, 18)), T.PETICION)
        # Holidays: 30 May (Ascensión); day 15 is Thursday 9 June.
        assert state.due_date == date(2022, 6, 9)
        state = compute_deadline(at(date(2022, 5, 17)), T.PETICION)
        assert state.due_date == add_business_days(date(2022, 5, 17), 30)

    @pytest.mark.parametrize(("risk", "hours"), [(Risk.RIESGO_VITAL, 24), (Risk.PRIORIZADO, 48), (Risk.SIMPLE, 72)])
    def test_health_claims_from_2023_06_23(self, risk: Risk, hours: int) -> None:
        term = term_for(T.RECLAMO, risk, at(date(2023, 6, 23), 0, 0))
        assert term is not None
        assert (term.unit, term.length, term.adjustable) == (TermUnit.HOURS, hours, False)
        assert "2023151000000010-5" in term.basis

    @pytest.mark.parametrize(("risk", "days"), [(Risk.RIESGO_VITAL, 2), (Risk.PRIORIZADO, 5), (Risk.SIMPLE, 5)])
    def test_health_claims_before_2023_06_23(self, risk: Risk, days: int) -> None:
        term = term_for(T.RECLAMO, risk, datetime(2023, 6, 23, 4, 59, tzinfo=UTC))  # 22 June, 23:59 in Bogotá
        assert term is not None
        assert (term.unit, term.length, term.adjustable) == (TermUnit.BUSINESS_DAYS, days, False)
        assert "Circular Externa 008 de 2018" in term.basis

    def test_health_claims_keep_their_terms_under_decreto_491(self) -> None:
        term = term_for(T.RECLAMO, Risk.SIMPLE, at(date(2021, 5, 3)))
        assert term is not None
        assert term.rule_id == "supersalud-ce-008-2018-regular"

    def test_health_claims_before_circular_008_fall_back_to_ley_1755(self) -> None:
        term = term_for(T.RECLAMO, Risk.RIESGO_VITAL, at(date(2018, 9, 13)))
        assert term is not None
        assert term.rule_id == "ley-1755-2015-art14-general"
        term = term_for(T.RECLAMO, Risk.RIESGO_VITAL, at(date(2018, 9, 14)))
        assert term is not None
        assert term.rule_id == "supersalud-ce-008-2018-riesgo-vida"

    def test_reclamo_without_risk_follows_ley_1755(self) -> None:
        term = term_for(T.RECLAMO, None, at(FILED))
        assert term is not None
        assert (term.unit, term.length) == (TermUnit.BUSINESS_DAYS, 15)

    def test_risk_is_ignored_outside_reclamo(self) -> None:
        assert term_for(T.PETICION, Risk.RIESGO_VITAL, at(FILED)) == term_for(T.PETICION, None, at(FILED))

    def test_minor_rule_is_off_by_default(self) -> None:
        term = term_for(T.RECLAMO, Risk.RIESGO_VITAL, at(FILED), minor=True)
        assert term is not None
        assert term.length == 24

    def test_minor_rule_when_enabled(self) -> None:
        on = DeadlineSettings(minor_rule=True)
        term = term_for(T.RECLAMO, Risk.RIESGO_VITAL, at(FILED), True, on)
        assert term is not None
        assert (term.unit, term.length, term.rule_id) == (TermUnit.HOURS, 8, "supersalud-ce-2026151000000007-5-nna")
        # Only riesgo vital, only minors.
        priorizado = term_for(T.RECLAMO, Risk.PRIORIZADO, at(FILED), True, on)
        adult = term_for(T.RECLAMO, Risk.RIESGO_VITAL, at(FILED), False, on)
        assert priorizado is not None
        assert adult is not None
        assert (priorizado.length, adult.length) == (48, 24)

    def test_strings_are_accepted(self) -> None:
        assert term_for("reclamo", "simple", at(FILED)) == term_for(T.RECLAMO, Risk.SIMPLE, at(FILED))
        with pytest.raises(ValueError, match="not a valid ComplaintType"):
            term_for("tutela", None, at(FILED))

    @settings(deadline=None)
    @given(filed=st.dates(min_value=date(1990, 1, 1), max_value=date(2095, 12, 31)))
    def test_every_type_but_felicitacion_has_a_term(self, filed: date) -> None:
        for kind in BUSINESS_DAY_TYPES:
            for risk in (None, *Risk):
                assert term_for(kind, risk, filed) is not None


class TestFormatsTable:
    """The "Business-day deadlines" table of formats.md."""

    ROWS = [
        (date(2025, 6, 20), 15, date(2025, 7, 15)),
        (date(2026, 7, 3), 10, date(2026, 7, 21)),
        (date(2024, 3, 22), 15, date(2024, 4, 17)),
        (date(2025, 12, 19), 15, date(2026, 1, 14)),
        (date(2026, 6, 26), 5, date(2026, 7, 6)),
        (date(2027, 3, 19), 10, date(2027, 4, 7)),
    ]

    @pytest.mark.parametrize(("filed", "n", "due"), ROWS)
    def test_row(self, filed: date, n: int, due: date) -> None:
        due_at, due_date = term_end(days_term(n), at(filed, 16))
        assert due_date == due
        assert due_at == datetime(due.year, due.month, due.day, 23, 59, 59, 999999, tzinfo=BOGOTA)

    @pytest.mark.parametrize(("filed", "n", "due"), [row for row in ROWS if row[1] in (10, 15)])
    def test_row_through_the_engine(self, filed: date, n: int, due: date) -> None:
        kind = T.PETICION if n == 15 else T.SOLICITUD_INFORMACION
        state = compute_deadline(at(filed, 16), kind)
        assert state.term is not None
        assert state.term.length == n
        assert state.due_date == due
        assert state.due_at == end_of_day(due)
        assert (state.status, state.clock) == (S.RADICADO, Clock.RUNNING)


class TestFridayBeforeHolidayMonday:
    """Filed on Friday 2026-06-26; Monday 06-29 (San Pedro y San Pablo) is a holiday: day 1 is Tuesday 06-30."""

    def test_day_one_is_tuesday(self) -> None:
        assert term_end(days_term(1), at(FILED, 17))[1] == date(2026, 6, 30)

    def test_peticion(self) -> None:
        due_at, due_date, term = preview(at(FILED, 17, 45), T.PETICION)
        assert due_date == PETICION_DUE
        assert due_at == end_of_day(PETICION_DUE)
        assert term is not None
        assert term.length == 15

    def test_late_friday_night_in_utc_is_still_friday(self) -> None:
        # 03:30 UTC on Saturday is 22:30 on Friday in Bogotá.
        state = compute_deadline(datetime(2026, 6, 27, 3, 30, tzinfo=UTC), T.PETICION)
        assert state.due_date == PETICION_DUE

    def test_two_holidays_on_one_monday(self) -> None:
        # Friday 2025-06-27; Monday 2025-06-30 is both Sagrado Corazón and San Pedro y San Pablo.
        state = compute_deadline(at(date(2025, 6, 27)), T.SOLICITUD_INFORMACION)
        assert state.due_date == date(2025, 7, 14)  # day 1 is Tuesday 07-01
        assert business_days_between(date(2025, 6, 28), state.due_date) == 10


class TestPause:
    """Ley 1755 art. 17: the worked example of formats.md and its edges."""

    EVENTS = (ev(E.PENDIENTE_INFORMACION, date(2026, 7, 1)), ev(E.INFORMACION_RECIBIDA, date(2026, 7, 8)))

    def test_formats_example(self) -> None:
        state = compute_deadline(at(FILED), T.PETICION, events=self.EVENTS)
        assert state.due_date == date(2026, 7, 29)
        assert state.due_at == end_of_day(date(2026, 7, 29))
        assert state.paused_business_days_used == 2
        assert (state.status, state.clock, state.flags) == (S.EN_TRAMITE, Clock.RUNNING, ())

    def test_while_paused(self) -> None:
        state = compute_deadline(at(FILED), T.PETICION, events=self.EVENTS[:1])
        assert (state.status, state.clock) == (S.PENDIENTE_INFORMACION, Clock.PAUSED)
        assert (state.due_at, state.due_date) == (None, None)
        assert state.paused_business_days_used == 2
        # One month: 1 August 2026 is a Saturday, so the petitioner has until Monday 3 August.
        assert state.information_due_date == date(2026, 8, 3)
        assert timeliness(state, at(date(2026, 9, 30))) is Timeliness.EN_TRAMITE_VIGENTE
        assert time_left(state, at(date(2026, 7, 2))) is None

    def test_events_are_replayed_in_time_order(self) -> None:
        reordered = compute_deadline(at(FILED), T.PETICION, events=tuple(reversed(self.EVENTS)))
        assert reordered == compute_deadline(at(FILED), T.PETICION, events=self.EVENTS)

    def test_request_on_filing_day_uses_no_days(self) -> None:
        events = [ev(E.PENDIENTE_INFORMACION, FILED, 15), ev(E.INFORMACION_RECIBIDA, date(2026, 7, 1))]
        state = compute_deadline(at(FILED, 9), T.PETICION, events=events)
        assert state.paused_business_days_used == 0
        assert state.due_date == add_business_days(date(2026, 7, 1), 15)

    def test_request_within_ten_business_days_is_not_flagged(self) -> None:
        # Business day 10 after filing is 07-14 (07-13 is the Ley 2578 holiday).
        assert business_days_between(date(2026, 6, 27), date(2026, 7, 14)) == 10
        state = compute_deadline(at(FILED), T.PETICION, events=[ev(E.PENDIENTE_INFORMACION, date(2026, 7, 14))])
        assert state.flags == ()
        assert state.paused_business_days_used == 10

    def test_late_request_is_flagged_and_still_applied(self) -> None:
        events = [ev(E.PENDIENTE_INFORMACION, date(2026, 7, 15)), ev(E.INFORMACION_RECIBIDA, date(2026, 7, 20))]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert state.flags == (DeadlineFlag.LATE_INFORMATION_REQUEST,)
        assert state.paused_business_days_used == 11
        assert state.due_date == add_business_days(date(2026, 7, 20), 4)

    def test_request_after_expiry_is_refused(self) -> None:
        with pytest.raises(DeadlineRuleError, match="antes del vencimiento") as error:
            compute_deadline(at(FILED), T.PETICION, events=[ev(E.PENDIENTE_INFORMACION, date(2026, 7, 23))])
        assert E.PENDIENTE_INFORMACION not in error.value.allowed
        assert E.PRORROGA not in error.value.allowed
        assert E.EN_TRAMITE in error.value.allowed

    def test_request_on_the_last_day_leaves_one_day(self) -> None:
        events = [ev(E.PENDIENTE_INFORMACION, PETICION_DUE, 18), ev(E.INFORMACION_RECIBIDA, date(2026, 7, 24))]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert state.paused_business_days_used == 15
        assert state.due_date == date(2026, 7, 27)

    def test_two_pauses_add_up(self) -> None:
        events = [
            *self.EVENTS,
            ev(E.PENDIENTE_INFORMACION, date(2026, 7, 10)),  # 07-09 and 07-10 run: 4 days used
            ev(E.INFORMACION_RECIBIDA, date(2026, 7, 15)),
        ]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert state.paused_business_days_used == 4
        assert state.due_date == add_business_days(date(2026, 7, 15), 11)
        # 07-10 is business day 9 after filing: still within the 10 days of art. 17.
        assert business_days_between(date(2026, 6, 27), date(2026, 7, 10)) == 9
        assert state.flags == ()

    def test_pause_refused_on_hour_clocks(self) -> None:
        for kind in (E.PENDIENTE_INFORMACION, E.PRORROGA):
            event = DeadlineEvent(kind, at(FILED, 11), date(2026, 7, 1) if kind is E.PRORROGA else None)
            with pytest.raises(DeadlineRuleError, match="no se suspende ni se prorroga") as error:
                compute_deadline(at(FILED), T.RECLAMO, Risk.PRIORIZADO, events=[event])
            assert error.value.allowed == (E.EN_TRAMITE, E.TRASLADADO, E.DESISTIDO)

    def test_pause_refused_on_pre_2023_health_claims(self) -> None:
        with pytest.raises(DeadlineRuleError, match="no se suspende ni se prorroga"):
            compute_deadline(
                at(date(2022, 6, 1)),
                T.RECLAMO,
                Risk.SIMPLE,
                events=[ev(E.PENDIENTE_INFORMACION, date(2022, 6, 2))],
            )


class TestSilence:
    """A petitioner silent for one calendar month: desistimiento_pendiente, for a person to confirm."""

    REQUEST = ev(E.PENDIENTE_INFORMACION, date(2026, 7, 1))

    @pytest.mark.parametrize(
        ("requested", "deadline"),
        [
            (date(2026, 7, 1), date(2026, 8, 3)),  # 1 August is a Saturday
            (date(2026, 7, 8), date(2026, 8, 10)),  # 8 August is a Saturday
            (date(2026, 3, 10), date(2026, 4, 10)),
            (date(2026, 1, 31), date(2026, 3, 2)),  # 28 February 2026 is a Saturday
            (date(2024, 1, 31), date(2024, 2, 29)),  # leap year
            (date(2026, 12, 1), date(2027, 1, 4)),  # 1 January is a holiday
        ],
    )
    def test_silence_deadline(self, requested: date, deadline: date) -> None:
        assert silence_deadline(requested) == deadline
        assert silence_deadline(at(requested, 23)) == deadline

    def test_status_given_now(self) -> None:
        def status(now: datetime | None) -> ComplaintStatus:
            return compute_deadline(at(FILED), T.PETICION, events=[self.REQUEST], now=now).status

        assert status(None) is S.PENDIENTE_INFORMACION
        assert status(at(date(2026, 8, 3), 23, 59)) is S.PENDIENTE_INFORMACION
        assert status(at(date(2026, 8, 4), 0, 0)) is S.DESISTIMIENTO_PENDIENTE

    def test_confirmed_withdrawal(self) -> None:
        events = [self.REQUEST, ev(E.DESISTIDO, date(2026, 8, 4))]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert (state.status, state.clock) == (S.DESISTIDO, Clock.STOPPED)
        assert timeliness(state, at(date(2026, 9, 1))) is None

    def test_information_after_the_month_is_flagged(self) -> None:
        events = [self.REQUEST, ev(E.INFORMACION_RECIBIDA, date(2026, 8, 10))]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert state.status is S.EN_TRAMITE
        assert state.flags == (DeadlineFlag.LATE_INFORMATION_RECEIVED,)
        assert state.due_date == add_business_days(date(2026, 8, 10), 13)

    def test_desistimiento_pendiente_only_allows_its_events(self) -> None:
        with pytest.raises(DeadlineRuleError) as error:
            compute_deadline(at(FILED), T.PETICION, events=[self.REQUEST, ev(E.RESPONDIDO, date(2026, 8, 5))])
        assert error.value.allowed == (E.DESISTIDO, E.INFORMACION_RECIBIDA)
        assert "desistimiento_pendiente" in error.value.message


class TestExtension:
    """Ley 1755 art. 14 parágrafo: before expiry, at most twice the original term counted from filing."""

    def test_maximum_is_twice_the_term(self) -> None:
        events = [ev(E.EN_TRAMITE, date(2026, 7, 2)), ev(E.PRORROGA, date(2026, 7, 20), new_due_date=date(2026, 8, 13))]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert state.due_date == date(2026, 8, 13)
        assert state.due_at == end_of_day(date(2026, 8, 13))
        assert (state.status, state.extended) == (S.EN_TRAMITE, True)

    def test_beyond_twice_is_refused(self) -> None:
        with pytest.raises(DeadlineRuleError, match="doble del término inicial.*2026-08-13") as error:
            compute_deadline(
                at(FILED), T.PETICION, events=[ev(E.PRORROGA, date(2026, 7, 20), new_due_date=date(2026, 8, 14))]
            )
        assert E.PRORROGA in error.value.allowed

    def test_on_the_due_date_is_still_before_expiry(self) -> None:
        events = [ev(E.PRORROGA, PETICION_DUE, 23, new_due_date=date(2026, 8, 5))]
        assert compute_deadline(at(FILED), T.PETICION, events=events).due_date == date(2026, 8, 5)

    def test_after_expiry_is_refused(self) -> None:
        with pytest.raises(DeadlineRuleError, match="La prórroga debe anunciarse antes del vencimiento") as error:
            compute_deadline(
                at(FILED), T.PETICION, events=[ev(E.PRORROGA, date(2026, 7, 23), 8, new_due_date=date(2026, 8, 5))]
            )
        assert E.PRORROGA not in error.value.allowed

    def test_new_date_must_be_later_and_a_business_day(self) -> None:
        for new_due, message in [(date(2026, 7, 21), "posterior"), (date(2026, 8, 8), "día hábil")]:
            with pytest.raises(DeadlineRuleError, match=message):
                compute_deadline(
                    at(FILED), T.PETICION, events=[ev(E.PRORROGA, date(2026, 7, 10), new_due_date=new_due)]
                )

    def test_cap_counts_paused_days_out(self) -> None:
        # After the formats pause, 28 of the 30 days remain from 07-08.
        cap = add_business_days(date(2026, 7, 8), 28)
        events = [*TestPause.EVENTS, ev(E.PRORROGA, date(2026, 7, 20), new_due_date=cap)]
        assert compute_deadline(at(FILED), T.PETICION, events=events).due_date == cap
        beyond = add_business_days(cap, 1)
        with pytest.raises(DeadlineRuleError, match="doble"):
            compute_deadline(
                at(FILED),
                T.PETICION,
                events=[*TestPause.EVENTS, ev(E.PRORROGA, date(2026, 7, 20), new_due_date=beyond)],
            )

    def test_extension_refused_on_hour_clock_and_without_term(self) -> None:
        prorroga = ev(E.PRORROGA, FILED, 12, new_due_date=date(2026, 7, 1))
        with pytest.raises(DeadlineRuleError, match="no se suspende ni se prorroga"):
            compute_deadline(at(FILED), T.RECLAMO, Risk.RIESGO_VITAL, events=[prorroga])
        with pytest.raises(DeadlineRuleError, match="no tiene término legal"):
            compute_deadline(at(FILED), T.FELICITACION, events=[prorroga])

    def test_event_needs_its_date(self) -> None:
        with pytest.raises(ValueError, match="new_due_date"):
            DeadlineEvent(E.PRORROGA, at(FILED))
        with pytest.raises(ValueError, match="solo se admite en una prórroga"):
            DeadlineEvent(E.RESPONDIDO, at(FILED), date(2026, 8, 1))


class TestHealthClaims:
    """Calendar hours: nights, weekends and holidays count; Bogotá has no daylight saving time."""

    @pytest.mark.parametrize(
        ("risk", "filed", "due"),
        [
            (Risk.RIESGO_VITAL, at(date(2026, 3, 10), 22, 30), at(date(2026, 3, 11), 22, 30)),
            (Risk.PRIORIZADO, at(date(2026, 6, 26), 23, 15), at(date(2026, 6, 28), 23, 15)),
            # Friday night to Monday night, across a weekend and the 06-29 holiday.
            (Risk.SIMPLE, at(date(2026, 6, 26), 20, 0), at(date(2026, 6, 29), 20, 0)),
            (Risk.RIESGO_VITAL, at(date(2026, 12, 31), 23, 59), at(date(2027, 1, 1), 23, 59)),
        ],
    )
    def test_hours(self, risk: Risk, filed: datetime, due: datetime) -> None:
        state = compute_deadline(filed, T.RECLAMO, risk)
        assert state.due_at == due
        assert state.due_date == due.date()
        assert state.clock is Clock.RUNNING
        assert state.term is not None
        assert state.term.unit is TermUnit.HOURS

    def test_due_at_is_given_in_bogota_time(self) -> None:
        # 02:00 UTC on 11 March is 21:00 on 10 March in Bogotá.
        state = compute_deadline(datetime(2026, 3, 11, 2, 0, tzinfo=UTC), T.RECLAMO, Risk.RIESGO_VITAL)
        assert state.due_at is not None
        assert state.due_at.utcoffset() == timedelta(hours=-5)
        assert (state.due_at.date(), state.due_at.time()) == (date(2026, 3, 11), time(21, 0))
        assert state.due_date == date(2026, 3, 11)

    def test_no_daylight_saving_time(self) -> None:
        # The United States moved its clocks on 2026-03-08; Bogotá's 24 hours are still 24 wall-clock hours.
        filed = at(date(2026, 3, 7), 23, 0)
        state = compute_deadline(filed, T.RECLAMO, Risk.RIESGO_VITAL)
        assert state.due_at == at(date(2026, 3, 8), 23, 0)
        assert state.due_at is not None
        assert state.due_at.utcoffset() == filed.utcoffset() == timedelta(hours=-5)

    def test_agrees_with_the_iana_zone(self) -> None:
        try:
            bogota, new_york = ZoneInfo("America/Bogota"), ZoneInfo("America/New_York")
        except ZoneInfoNotFoundError:  # pragma: no cover - slim images without tzdata
            pytest.skip("tzdata is not installed")
        # Filed at 23:00 in New York (UTC−5) the night before the change; due at 00:00 EDT (UTC−4) there.
        filed = datetime(2026, 3, 7, 23, 0, tzinfo=new_york)
        state = compute_deadline(filed, T.RECLAMO, Risk.RIESGO_VITAL)
        assert state.due_at is not None
        assert state.due_at.astimezone(new_york).replace(tzinfo=None) == datetime(2026, 3, 9, 0, 0)
        assert state.due_at.astimezone(bogota).replace(tzinfo=None) == datetime(2026, 3, 8, 23, 0)
        for moment in (filed, state.due_at, datetime(2026, 7, 1, tzinfo=UTC)):
            assert moment.astimezone(bogota).utcoffset() == BOGOTA.utcoffset(None)

    def test_timeliness_by_the_hour(self) -> None:
        filed = at(date(2026, 3, 10), 22, 30)
        on_time = compute_deadline(
            filed,
            T.RECLAMO,
            Risk.RIESGO_VITAL,
            events=[
                DeadlineEvent(E.EN_TRAMITE, filed + timedelta(hours=1)),
                DeadlineEvent(E.RESPONDIDO, filed + timedelta(hours=24)),
            ],
        )
        late = compute_deadline(
            filed,
            T.RECLAMO,
            Risk.RIESGO_VITAL,
            events=[
                DeadlineEvent(E.EN_TRAMITE, filed + timedelta(hours=1)),
                DeadlineEvent(E.RESPONDIDO, filed + timedelta(hours=24, seconds=1)),
            ],
        )
        now = filed + timedelta(days=3)
        assert timeliness(on_time, now) is Timeliness.EN_TERMINO
        assert timeliness(late, now) is Timeliness.FUERA_DE_TERMINO


class TestReopening:
    def test_restarts_a_full_term(self) -> None:
        events = [
            ev(E.EN_TRAMITE, date(2026, 6, 30)),
            ev(E.RESPONDIDO, date(2026, 7, 10)),
            ev(E.CERRADO, date(2026, 7, 15)),
            ev(E.REABIERTO, date(2026, 8, 3)),
        ]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        # Day 1 is 08-04; 08-07 (Boyacá) and 08-17 (Asunción, moved) are holidays.
        assert state.due_date == date(2026, 8, 26)
        assert (state.status, state.clock, state.answered_at) == (S.REABIERTO, Clock.RUNNING, None)
        assert timeliness(state, at(date(2026, 8, 10))) is Timeliness.EN_TRAMITE_VIGENTE

    def test_reopening_clears_pause_and_extension(self) -> None:
        events = [
            *TestPause.EVENTS,
            ev(E.PRORROGA, date(2026, 7, 20), new_due_date=date(2026, 8, 5)),
            ev(E.RESPONDIDO, date(2026, 8, 4)),
            ev(E.REABIERTO, date(2026, 8, 10)),
        ]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert (state.extended, state.paused_business_days_used) == (False, 0)
        assert state.due_date == add_business_days(date(2026, 8, 10), 15)
        # A new extension may again reach twice the term, counted from the reopening.
        longest = add_business_days(date(2026, 8, 10), 30)
        again = [*events, ev(E.PRORROGA, date(2026, 8, 12), new_due_date=longest)]
        assert compute_deadline(at(FILED), T.PETICION, events=again).due_date == longest

    def test_hour_clock_restarts_from_the_reopening(self) -> None:
        filed = at(date(2026, 6, 26), 8)
        reopened = at(date(2026, 6, 27), 9, 30)
        events = [
            DeadlineEvent(E.EN_TRAMITE, filed + timedelta(hours=1)),
            DeadlineEvent(E.RESPONDIDO, filed + timedelta(hours=5)),
            DeadlineEvent(E.REABIERTO, reopened),
        ]
        state = compute_deadline(filed, T.RECLAMO, Risk.RIESGO_VITAL, events=events)
        assert state.due_at == reopened + timedelta(hours=24)

    def test_answer_after_reopening(self) -> None:
        events = [
            ev(E.EN_TRAMITE, date(2026, 6, 30)),
            ev(E.RESPONDIDO, date(2026, 7, 10)),
            ev(E.REABIERTO, date(2026, 8, 3)),
            ev(E.EN_TRAMITE, date(2026, 8, 4)),
            ev(E.RESPONDIDO, date(2026, 8, 20)),
        ]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert state.answered_at == at(date(2026, 8, 20))
        assert timeliness(state, at(date(2026, 9, 1))) is Timeliness.EN_TERMINO


class TestWorkflow:
    def test_happy_path(self) -> None:
        events = [
            ev(E.EN_TRAMITE, date(2026, 6, 30)),
            ev(E.RESPONDIDO, date(2026, 7, 10)),
            ev(E.CERRADO, date(2026, 7, 11)),
        ]
        state = compute_deadline(at(FILED), T.PETICION, events=events)
        assert (state.status, state.clock) == (S.CERRADO, Clock.STOPPED)
        assert state.answered_at == at(date(2026, 7, 10))
        assert state.due_date == PETICION_DUE

    @pytest.mark.parametrize(
        ("status", "allowed"),
        [
            (S.RADICADO, (E.EN_TRAMITE, E.PENDIENTE_INFORMACION, E.PRORROGA, E.TRASLADADO, E.DESISTIDO)),
            (S.EN_TRAMITE, (E.RESPONDIDO, E.PENDIENTE_INFORMACION, E.PRORROGA, E.TRASLADADO, E.DESISTIDO)),
            (S.REABIERTO, (E.EN_TRAMITE, E.PENDIENTE_INFORMACION, E.PRORROGA, E.TRASLADADO, E.DESISTIDO)),
            (S.PENDIENTE_INFORMACION, (E.INFORMACION_RECIBIDA, E.DESISTIDO)),
            (S.DESISTIMIENTO_PENDIENTE, (E.DESISTIDO, E.INFORMACION_RECIBIDA)),
            (S.RESPONDIDO, (E.CERRADO, E.REABIERTO)),
            (S.CERRADO, (E.REABIERTO,)),
            (S.TRASLADADO, ()),
            (S.DESISTIDO, ()),
        ],
    )
    def test_allowed_events(self, status: ComplaintStatus, allowed: tuple[EventKind, ...]) -> None:
        assert allowed_events(status) == allowed
        assert allowed_events(status.value) == allowed

    def test_every_status_has_transitions(self) -> None:
        for status in S:
            allowed_events(status)

    def test_not_adjustable_drops_pause_and_extension(self) -> None:
        assert allowed_events(S.EN_TRAMITE, adjustable=False) == (E.RESPONDIDO, E.TRASLADADO, E.DESISTIDO)

    @pytest.mark.parametrize(
        ("events", "status", "allowed"),
        [
            ([ev(E.CERRADO, date(2026, 7, 1))], "radicado", allowed_events(S.RADICADO)),
            ([ev(E.RESPONDIDO, date(2026, 7, 1))], "radicado", allowed_events(S.RADICADO)),
            (
                [ev(E.EN_TRAMITE, date(2026, 7, 1)), ev(E.REABIERTO, date(2026, 7, 2))],
                "en_tramite",
                allowed_events(S.EN_TRAMITE),
            ),
            (
                [ev(E.TRASLADADO, date(2026, 7, 1)), ev(E.EN_TRAMITE, date(2026, 7, 2))],
                "trasladado",
                (),
            ),
            (
                [ev(E.EN_TRAMITE, date(2026, 7, 1)), ev(E.INFORMACION_RECIBIDA, date(2026, 7, 2))],
                "en_tramite",
                allowed_events(S.EN_TRAMITE),
            ),
        ],
    )
    def test_invalid_transitions_list_the_allowed_ones(
        self, events: list[DeadlineEvent], status: str, allowed: tuple[EventKind, ...]
    ) -> None:
        with pytest.raises(DeadlineRuleError) as error:
            compute_deadline(at(FILED), T.PETICION, events=events)
        assert error.value.allowed == allowed
        assert f"en estado «{status}»" in error.value.message
        listed = ", ".join(allowed) if allowed else "ninguno"
        assert error.value.message.endswith(f"Eventos permitidos: {listed}.")

    def test_event_before_filing_is_refused(self) -> None:
        with pytest.raises(DeadlineRuleError, match="anterior a la radicación"):
            compute_deadline(at(FILED, 10), T.PETICION, events=[ev(E.EN_TRAMITE, FILED, 9)])

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="zona horaria"):
            compute_deadline(datetime(2026, 6, 26, 10), T.PETICION)
        with pytest.raises(ValueError, match="zona horaria"):
            DeadlineEvent(E.EN_TRAMITE, datetime(2026, 6, 26, 10))
        with pytest.raises(ValueError, match="zona horaria"):
            timeliness(compute_deadline(at(FILED), T.PETICION), datetime(2026, 6, 26, 10))

    @pytest.mark.parametrize(("day", "flagged"), [(date(2026, 7, 6), False), (date(2026, 7, 7), True)])
    def test_transfer_stops_the_clock_and_late_ones_are_flagged(self, day: date, flagged: bool) -> None:
        state = compute_deadline(at(FILED), T.PETICION, events=[ev(E.TRASLADADO, day)])
        assert (state.status, state.clock) == (S.TRASLADADO, Clock.STOPPED)
        assert state.flags == ((DeadlineFlag.LATE_TRANSFER,) if flagged else ())
        assert timeliness(state, at(date(2026, 9, 1))) is None
        assert time_left(state, at(date(2026, 7, 8))) is None

    def test_express_withdrawal(self) -> None:
        state = compute_deadline(at(FILED), T.PETICION, events=[ev(E.DESISTIDO, date(2026, 7, 1))])
        assert (state.status, state.clock) == (S.DESISTIDO, Clock.STOPPED)


class TestFelicitacion:
    def test_no_term_and_no_clock(self) -> None:
        state = compute_deadline(at(FILED), T.FELICITACION)
        assert state == DeadlineState(
            status=S.RADICADO,
            clock=Clock.NONE,
            due_at=None,
            due_date=None,
            term=None,
            answered_at=None,
            extended=False,
            paused_business_days_used=0,
            flags=(),
        )
        assert timeliness(state, at(date(2027, 1, 1))) is None
        assert time_left(state, at(date(2027, 1, 1))) is None
        assert preview(at(FILED), T.FELICITACION) == (None, None, None)

    def test_workflow_still_applies(self) -> None:
        events = [ev(E.EN_TRAMITE, date(2026, 6, 29)), ev(E.RESPONDIDO, date(2026, 6, 30))]
        state = compute_deadline(at(FILED), T.FELICITACION, events=events)
        assert (state.status, state.clock, state.answered_at) == (S.RESPONDIDO, Clock.NONE, at(date(2026, 6, 30)))
        assert timeliness(state, at(date(2026, 7, 1))) is None

    def test_no_information_request(self) -> None:
        with pytest.raises(DeadlineRuleError, match="no tiene término legal") as error:
            compute_deadline(at(FILED), T.FELICITACION, events=[ev(E.PENDIENTE_INFORMACION, date(2026, 6, 30))])
        assert error.value.allowed == (E.EN_TRAMITE, E.TRASLADADO, E.DESISTIDO)


class TestTimeliness:
    STATE = compute_deadline(at(FILED), T.PETICION)

    def answered(self, when: datetime) -> DeadlineState:
        events = [ev(E.EN_TRAMITE, date(2026, 6, 30)), DeadlineEvent(E.RESPONDIDO, when)]
        return compute_deadline(at(FILED), T.PETICION, events=events)

    def test_running(self) -> None:
        due_at = end_of_day(PETICION_DUE)
        assert timeliness(self.STATE, due_at) is Timeliness.EN_TRAMITE_VIGENTE
        assert timeliness(self.STATE, due_at + timedelta(microseconds=1)) is Timeliness.VENCIDA_SIN_RESPUESTA
        assert time_left(self.STATE, at(PETICION_DUE, 23, 59)) == timedelta(seconds=59, microseconds=999999)
        assert time_left(self.STATE, at(date(2026, 7, 23))) == -timedelta(hours=10, microseconds=1)

    def test_answered(self) -> None:
        on_time = self.answered(at(PETICION_DUE, 23, 30))
        late = self.answered(at(date(2026, 7, 23), 0, 0))
        now = at(date(2026, 12, 1))
        assert timeliness(on_time, now) is Timeliness.EN_TERMINO
        assert timeliness(late, now) is Timeliness.FUERA_DE_TERMINO
        assert time_left(on_time, now) is None
        assert on_time.clock is Clock.STOPPED

    def test_answer_in_another_offset(self) -> None:
        # 04:30 UTC on 07-23 is 23:30 on 07-22 in Bogotá: still on time.
        state = self.answered(datetime(2026, 7, 23, 4, 30, tzinfo=UTC))
        assert timeliness(state, at(date(2026, 8, 1))) is Timeliness.EN_TERMINO
        assert state.answered_at is not None
        assert state.answered_at.utcoffset() == timedelta(hours=-5)


# -- properties -------------------------------------------------------------------------------------


def due(filed: datetime, kind: ComplaintType, risk: Risk | None = None) -> date:
    state = compute_deadline(filed, kind, risk)
    assert state.due_date is not None
    return state.due_date


class TestProperties:
    @settings(deadline=None)
    @given(filed=filings(date(1990, 1, 1), date(2095, 12, 31)), kind=st.sampled_from(BUSINESS_DAY_TYPES))
    def test_due_date_is_a_business_day_after_the_filing_date(self, filed: datetime, kind: ComplaintType) -> None:
        state = compute_deadline(filed, kind)
        assert state.due_date is not None
        assert state.due_at == end_of_day(state.due_date)
        assert is_business_day(state.due_date)
        assert state.due_date > filed.date()
        assert state.term is not None
        assert business_days_between(filed.date() + timedelta(days=1), state.due_date) == state.term.length

    @settings(deadline=None)
    @given(filed=filings(date(2018, 9, 14), date(2095, 12, 31)), risk=st.sampled_from(list(Risk)))
    def test_health_claims_end_after_filing(self, filed: datetime, risk: Risk) -> None:
        state = compute_deadline(filed, T.RECLAMO, risk)
        assert state.term is not None
        assert state.due_at is not None
        assert state.due_date is not None
        assert state.due_at > filed
        assert state.due_date > filed.date()
        if state.term.unit is TermUnit.HOURS:
            assert state.due_at - filed == timedelta(hours=state.term.length)
        else:
            assert is_business_day(state.due_date)

    @settings(deadline=None)
    @given(
        filed=filings(date(1990, 1, 1), date(2095, 12, 31)),
        n=st.integers(min_value=1, max_value=60),
        extra=st.integers(min_value=0, max_value=30),
    )
    def test_monotone_in_the_term_length(self, filed: datetime, n: int, extra: int) -> None:
        assert term_end(days_term(n), filed)[1] <= term_end(days_term(n + extra), filed)[1]
        if extra:
            assert term_end(days_term(n), filed)[1] < term_end(days_term(n + extra), filed)[1]

    @settings(deadline=None)
    @given(filed=filings(date(1990, 1, 1), date(2095, 12, 31)))
    def test_longer_terms_by_type_end_later(self, filed: datetime) -> None:
        information, general, consulta = (
            due(filed, kind) for kind in (T.SOLICITUD_INFORMACION, T.PETICION, T.CONSULTA)
        )
        assert information < general < consulta

    @settings(deadline=None)
    @given(filed=filings(date(2023, 6, 23), date(2095, 12, 31)))
    def test_risk_orders_health_claims(self, filed: datetime) -> None:
        vital, priorizado, simple = (
            compute_deadline(filed, T.RECLAMO, risk).due_at
            for risk in (Risk.RIESGO_VITAL, Risk.PRIORIZADO, Risk.SIMPLE)
        )
        assert vital is not None
        assert priorizado is not None
        assert simple is not None
        assert vital < priorizado < simple

    @settings(deadline=None)
    @given(
        first=filings(date(2022, 5, 18), date(2095, 12, 31)),
        later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=120)),
        kind=st.sampled_from(BUSINESS_DAY_TYPES),
        risk=st.sampled_from([None, *Risk]),
    )
    def test_monotone_in_the_filing_date(
        self, first: datetime, later_by: timedelta, kind: ComplaintType, risk: Risk | None
    ) -> None:
        # Within one version of the rules (here after Decreto 491; and health claims after 2023-06-23).
        second = first + later_by
        assume(risk is None or kind is not T.RECLAMO or first.date() >= date(2023, 6, 23))
        assume(second.year <= 2095)
        a, b = compute_deadline(first, kind, risk), compute_deadline(second, kind, risk)
        assert a.due_at is not None
        assert b.due_at is not None
        assert a.due_at <= b.due_at

    def test_filing_date_is_not_monotone_across_rule_versions(self) -> None:
        # The end of Decreto 491 shortened the term: a later filing can be due earlier.
        assert due(at(date(2022, 5, 18)), T.PETICION) < due(at(date(2022, 5, 17)), T.PETICION)

    @settings(deadline=None)
    @given(
        filed=filings(date(2024, 1, 1), date(2027, 6, 30)),
        kind=st.sampled_from([T.PETICION, T.SOLICITUD_INFORMACION, T.CONSULTA, T.QUEJA]),
        request_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=50)),
        answer_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    )
    def test_a_pause_never_makes_the_due_date_earlier(
        self, filed: datetime, kind: ComplaintType, request_after: timedelta, answer_after: timedelta
    ) -> None:
        plain = compute_deadline(filed, kind)
        assert plain.due_at is not None
        requested = filed + request_after
        assume(requested <= plain.due_at)
        events = [
            DeadlineEvent(E.PENDIENTE_INFORMACION, requested),
            DeadlineEvent(E.INFORMACION_RECIBIDA, requested + answer_after),
        ]
        paused = compute_deadline(filed, kind, events=events)
        assert paused.due_date is not None
        assert plain.due_date is not None
        assert paused.due_date >= plain.due_date
        assert is_business_day(paused.due_date)
        assert paused.due_date > (requested + answer_after).date()

    @settings(deadline=None)
    @given(
        filed=filings(date(2024, 1, 1), date(2027, 6, 30)),
        announce_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=25)),
        extra=st.integers(min_value=1, max_value=20),
    )
    def test_extension_is_later_and_within_twice_the_term(
        self, filed: datetime, announce_after: timedelta, extra: int
    ) -> None:
        plain = compute_deadline(filed, T.PETICION)
        assert plain.due_date is not None
        assert plain.due_at is not None
        announced = filed + announce_after
        assume(announced <= plain.due_at)
        new_due = add_business_days(plain.due_date, extra)
        events = [DeadlineEvent(E.PRORROGA, announced, new_due)]
        cap = add_business_days(filed, 30)
        if new_due <= cap:
            assert compute_deadline(filed, T.PETICION, events=events).due_date == new_due
        else:
            with pytest.raises(DeadlineRuleError, match="doble"):
                compute_deadline(filed, T.PETICION, events=events)
