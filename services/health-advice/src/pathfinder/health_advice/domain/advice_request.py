"""A request for health advice for an EHC needs assessment, from the health body receiving it to the advice given
(SEND Regulations 2014 reg 8): a state machine whose every step is kept for the timeline and raises its event.

    requested --accept--> accepted --assign--> in-progress --submit--> submitted
        (cancel from any open status; clock stops and restarts while open)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts import health_advice as events
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.domain.clock import (
    DUE_SOON_DAYS,
    ClockStop,
    DueTerms,
    Rag,
    due_on,
    due_terms,
    london_date,
    rag,
    reg_8_2_reason,
)
from pathfinder.health_advice.domain.steps import PLATFORM, Actor, HistoryEntry, InvalidStep, StepRefused


class AdviceStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


_CLOCK = ("record-clock-stop", "end-clock-stop")
_ALLOWED: dict[AdviceStatus, tuple[str, ...]] = {
    AdviceStatus.REQUESTED: ("accept", *_CLOCK, "submit", "cancel"),
    AdviceStatus.ACCEPTED: ("assign", *_CLOCK, "submit", "cancel"),
    AdviceStatus.IN_PROGRESS: ("assign", *_CLOCK, "submit", "cancel"),
}


@dataclass
class AdviceRequest:
    advice_request_id: UUID
    assessment_id: UUID
    person_id: UUID
    requesting_la: str
    icb: str
    received_on: date
    team_id: str | None = None
    provider_organisation: str | None = None
    status: AdviceStatus = AdviceStatus.REQUESTED
    accepted_on: date | None = None
    accepted_by: Actor | None = None
    assigned_to: str | None = None
    submitted_at: datetime | None = None
    form: AdviceForm | None = None
    advice: dict[str, Any] | None = None
    """The submitted DocumentReference or QuestionnaireResponse as given, for the LA to fetch."""
    clock_stops: list[ClockStop] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    due_soon_raised_for: date | None = None
    overdue_raised_for: date | None = None
    events: list[ContractEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def open(
        cls, *, advice_request_id: UUID, assessment_id: UUID, person_id: UUID, requesting_la: str, icb: str,
        received_on: date, team_id: str | None, provider_organisation: str | None, at: datetime,
    ) -> AdviceRequest:  # fmt: skip
        """The health body received the request: day 0 of its 6 weeks. Routed to ``team_id`` (None: no rule)."""
        if received_on > london_date(at):
            raise InvalidStep(f"the request cannot be received in the future ({received_on})")
        made = cls(
            advice_request_id, assessment_id, person_id, requesting_la, icb, received_on, team_id,
            provider_organisation,
        )  # fmt: skip
        made._happened("requested", received_on, at, PLATFORM, team=team_id or "unrouted")
        made.events.append(
            events.HealthAdviceRequested(
                **made._keys(), assessment_id=assessment_id, health_body=icb, received_on=received_on,
                advice_due_on=made.due_on(received_on),
            )
        )  # fmt: skip
        return made

    @property
    def open_request(self) -> bool:
        return self.status in _ALLOWED

    @property
    def clock_stopped(self) -> bool:
        return any(stop.open for stop in self.clock_stops)

    @property
    def allowed_steps(self) -> tuple[str, ...]:
        allowed = _ALLOWED.get(self.status, ())
        return tuple(
            step
            for step in allowed
            if not (step == "record-clock-stop" and self.clock_stopped)
            and not (step == "end-clock-stop" and not self.clock_stopped)
        )

    def due_on(self, today: date) -> date:
        """The statutory due date as it stands on ``today`` (an open stop holding through it)."""
        return due_on(self.received_on, self.clock_stops, today)

    def due_terms(self) -> DueTerms:
        return due_terms(self.received_on, self.clock_stops)

    def rag(self, today: date) -> Rag | None:
        """Red, amber or green while open; None once submitted or cancelled."""
        if not self.open_request:
            return None
        return rag(self.due_on(today), today, clock_stopped=self.clock_stopped)

    @property
    def submitted_on(self) -> date | None:
        return london_date(self.submitted_at) if self.submitted_at is not None else None

    @property
    def submitted_due_on(self) -> date | None:
        """The due date the advice was judged against: as it stood the day it was submitted."""
        submitted = self.submitted_on
        return self.due_on(submitted) if submitted is not None else None

    @property
    def on_time(self) -> bool | None:
        submitted, due = self.submitted_on, self.submitted_due_on
        return submitted <= due if submitted is not None and due is not None else None

    @property
    def days_late(self) -> int:
        submitted, due = self.submitted_on, self.submitted_due_on
        return max(0, (submitted - due).days) if submitted is not None and due is not None else 0

    @property
    def turnaround_days(self) -> int | None:
        submitted = self.submitted_on
        return (submitted - self.received_on).days if submitted is not None else None

    def accept(self, by: Actor, at: datetime) -> None:
        """A health service took the request on; accepting it again (a retry) changes nothing."""
        if self.accepted_by is not None:
            return
        self._expect("accept")
        self.status, self.accepted_on, self.accepted_by = AdviceStatus.ACCEPTED, london_date(at), by
        self._happened("accepted", self.accepted_on, at, by)
        self.events.append(events.HealthAdviceAccepted(**self._keys(), accepted_by=by.organisation,
                                                       accepted_on=self.accepted_on))  # fmt: skip

    def assign(self, to: str, by: Actor, at: datetime) -> None:
        """A clinician (an account subject or a clinician reference, never a name) gives the advice."""
        if not to.strip() or len(to) > 200:
            raise InvalidStep("say whom the request is assigned to: an account or a clinician reference")
        if self.assigned_to == to:
            return
        self._expect("assign")
        self.status, self.assigned_to = AdviceStatus.IN_PROGRESS, to
        self._happened("assigned", london_date(at), at, by, assigned_to=to)

    def stop_clock(self, reason: AdviceClockStopReason | str, started_on: date, by: Actor, at: datetime) -> None:
        """A reg 8(2) exception applies from ``started_on``; the same stop recorded again (a retry) changes nothing."""
        reg_8_2 = reg_8_2_reason(reason)
        if any((stop.reason, stop.started_on) == (reg_8_2, started_on) for stop in self.clock_stops):
            return
        self._expect("record-clock-stop")
        today = london_date(at)
        if started_on < self.received_on:
            raise InvalidStep(f"a clock stop cannot start ({started_on}) before the request was received "
                              f"({self.received_on})")  # fmt: skip
        if started_on > today:
            raise InvalidStep(f"a clock stop cannot start in the future ({started_on})")
        if started_on > (due := self.due_on(started_on)):
            raise InvalidStep(f"the advice was already overdue (due {due}) when the clock stop would start")
        self.clock_stops.append(ClockStop(reg_8_2, started_on, None, by.subject, at))
        self._happened("clock-stopped", started_on, at, by, reason=reg_8_2.value)
        self.events.append(events.HealthAdviceClockStopped(**self._keys(), reason=reg_8_2, stopped_on=started_on))

    def restart_clock(self, ended_on: date, by: Actor, at: datetime) -> None:
        """The exception ended: ``ended_on`` is its last day, the clock runs again the day after. Ending the stop
        that already ended on that day changes nothing."""
        last = self.clock_stops[-1] if self.clock_stops else None
        if last is not None and not last.open and last.ended_on == ended_on:
            return
        self._expect("end-clock-stop")
        assert last is not None and last.open
        if ended_on < last.started_on:
            raise InvalidStep(f"a clock stop cannot end ({ended_on}) before it started ({last.started_on})")
        if ended_on > london_date(at):
            raise InvalidStep(f"a clock stop cannot end in the future ({ended_on})")
        self.clock_stops[-1] = replace(last, ended_on=ended_on, ended_by=by.subject, ended_at=at)
        restarted_on = ended_on + timedelta(days=1)
        self._happened("clock-restarted", restarted_on, at, by, reason=last.reason.value)
        self.events.append(events.HealthAdviceClockRestarted(**self._keys(), restarted_on=restarted_on,
                                                             advice_due_on=self.due_on(ended_on)))  # fmt: skip

    def submit(self, form: AdviceForm, submitted_at: datetime, by: Actor, at: datetime,
               advice: dict[str, Any] | None = None) -> None:  # fmt: skip
        """The advice was given at ``submitted_at``; submitting again answers as the first time. Given while a
        stop holds, the stop ends that day: the advice came while the duty did not bind, so in time."""
        if self.status is AdviceStatus.SUBMITTED:
            return
        self._expect("submit")
        submitted_on = london_date(submitted_at)
        if submitted_at > at:
            raise InvalidStep(f"advice cannot be submitted in the future ({submitted_at.isoformat()})")
        if submitted_on < self.received_on:
            raise InvalidStep(f"advice cannot be given ({submitted_on}) before the request was received "
                              f"({self.received_on})")  # fmt: skip
        self._close_stops(submitted_on, by, at)
        self.status, self.submitted_at, self.form, self.advice = AdviceStatus.SUBMITTED, submitted_at, form, advice
        self._happened("submitted", submitted_on, at, by, form=form.value, on_time=str(self.on_time).lower())
        self.events.append(events.HealthAdviceSubmitted(**self._keys(), submitted_at=submitted_at, form=form,
                                                        within_statutory_limit=bool(self.on_time)))  # fmt: skip

    def cancel(self, reason: str, by: Actor, at: datetime) -> None:
        """The request is withdrawn (the LA no longer needs the advice); no alert is owed after."""
        if self.status is AdviceStatus.CANCELLED:
            return
        self._expect("cancel")
        if not reason.strip() or len(reason) > 200:
            raise InvalidStep("say why the request is cancelled, in a few words")
        self._close_stops(london_date(at), by, at)
        self.status = AdviceStatus.CANCELLED
        self._happened("cancelled", london_date(at), at, by, reason=reason)

    def next_alert_on(self) -> date | None:
        """The London day the next alert not yet raised for the current due date falls due; None when none is
        owed (closed, or the clock stopped: its due date is not known until it runs again)."""
        if not self.open_request or self.clock_stopped:
            return None
        due = self.due_terms().running_due_on
        if self.due_soon_raised_for != due and self.overdue_raised_for != due:
            return due - timedelta(days=DUE_SOON_DAYS)
        if self.overdue_raised_for != due:
            return due + timedelta(days=1)
        return None

    def raise_alerts(self, at: datetime) -> None:
        """Raise what is owed on the day of ``at``: overdue once past the due date, else due soon once within 14
        days of it; each once per due date (a due date moved by a clock stop is owed them again)."""
        owed_on = self.next_alert_on()
        today = london_date(at)
        if owed_on is None or owed_on > today:
            return
        due = self.due_on(today)
        if today > due:
            self.due_soon_raised_for = self.overdue_raised_for = due
            self.events.append(events.HealthAdviceOverdue(**self._keys(), advice_due_on=due))
        else:
            self.due_soon_raised_for = due
            self.events.append(events.HealthAdviceDueSoon(**self._keys(), advice_due_on=due,
                                                          days_remaining=(due - today).days))  # fmt: skip

    def _close_stops(self, on: date, by: Actor, at: datetime) -> None:
        self.clock_stops = [
            replace(stop, ended_on=max(on, stop.started_on), ended_by=by.subject, ended_at=at) if stop.open else stop
            for stop in self.clock_stops
        ]

    def _expect(self, step: str) -> None:
        if step not in self.allowed_steps:
            raise StepRefused(step, self.status.value, self.allowed_steps)

    def _happened(self, step: str, on: date, at: datetime, by: Actor, **detail: str) -> None:
        self.history.append(HistoryEntry(step, on, at, by, tuple(detail.items())))

    def _keys(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "responsible_la": self.requesting_la,
            "advice_request_id": self.advice_request_id,
        }
