"""The advice request's use cases: opened from ehcp's request for health advice (in the consumer's transaction),
then accepted, assigned, its clock stopped and restarted, the advice submitted or the request cancelled, each in
one transaction with the events its step raised.

Every command may be repeated (a retry, a redelivery): the same step again answers as the first time and raises
nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from pathfinder.auth import Principal, withheld_as_missing
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.domain.access import ensure_may_act, may_read, may_read_in_full, visibility
from pathfinder.health_advice.domain.advice_request import AdviceRequest, AdviceStatus
from pathfinder.health_advice.domain.routing import route
from pathfinder.health_advice.domain.steps import Actor
from pathfinder.health_advice.service_layer.ports import Measurement
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.health_advice.service_layer.views import UNROUTED

Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class AdviceRequestNotFound(LookupError):
    """No such request, or not one the caller may see: the two are answered alike."""

    def __init__(self, advice_request_id: UUID) -> None:
        super().__init__(f"no advice request {advice_request_id}")
        self.advice_request_id = advice_request_id


@dataclass(frozen=True)
class SeenRequest:
    request: AdviceRequest
    in_full: bool
    """False for the requesting LA: its status only, not the timeline, clock stops or advice."""


async def open_from_ehcp(
    *, advice_request_id: UUID, assessment_id: UUID, person_id: UUID, requesting_la: str, icb: str,
    received_on: date, uow: HealthAdviceUnitOfWork, now: Now = utc_now,
) -> AdviceRequest:  # fmt: skip
    """Intake, in the caller's open unit of work (a consumer's: it commits): the request opened for the ICB asked
    and routed by its rules, raising ``HealthAdviceRequested``; a request already open is answered as it is."""
    existing = await uow.requests.get(advice_request_id)
    if existing is not None:
        return existing
    team_id = route(await uow.routing.rules(icb), icb=icb, requesting_la=requesting_la)
    team = await uow.routing.team(team_id) if team_id is not None else None
    request = AdviceRequest.open(
        advice_request_id=advice_request_id, assessment_id=assessment_id, person_id=person_id,
        requesting_la=requesting_la, icb=icb, received_on=received_on, team_id=team_id,
        provider_organisation=team.provider_organisation if team is not None else None, at=now(),
    )  # fmt: skip
    if not await uow.requests.add(request):
        request.events.clear()
        return await uow.requests.get(advice_request_id) or request
    uow.measure(Measurement("opened", icb, requesting_la, team.kind.code if team is not None else UNROUTED))
    return request


async def accept(
    advice_request_id: UUID, *, principal: Principal, uow: HealthAdviceUnitOfWork, now: Now = utc_now
) -> AdviceRequest:
    """The caller's organisation takes the request on (``HealthAdviceAccepted``)."""
    return await _step(advice_request_id, principal, lambda request, by, at: request.accept(by, at), uow, now)


async def assign(
    advice_request_id: UUID, *, to: str, principal: Principal, uow: HealthAdviceUnitOfWork, now: Now = utc_now
) -> AdviceRequest:
    """A clinician (account subject or clinician reference) gives the advice; in progress."""
    return await _step(advice_request_id, principal, lambda request, by, at: request.assign(to, by, at), uow, now)


async def record_clock_stop(
    advice_request_id: UUID, *, reason: AdviceClockStopReason | str, started_on: date, principal: Principal,
    uow: HealthAdviceUnitOfWork, now: Now = utc_now,
) -> AdviceRequest:  # fmt: skip
    """A reg 8(2) exception from ``started_on`` (``HealthAdviceClockStopped``); anything else is ``InvalidStep``."""

    def stop(request: AdviceRequest, by: Actor, at: datetime) -> None:
        request.stop_clock(reason, started_on, by, at)

    return await _step(advice_request_id, principal, stop, uow, now)


async def end_clock_stop(
    advice_request_id: UUID, *, ended_on: date, principal: Principal, uow: HealthAdviceUnitOfWork,
    now: Now = utc_now,
) -> AdviceRequest:  # fmt: skip
    """The open stop's last day; the clock runs again the day after (``HealthAdviceClockRestarted``)."""
    return await _step(
        advice_request_id, principal, lambda request, by, at: request.restart_clock(ended_on, by, at), uow, now
    )


async def submit_advice(
    advice_request_id: UUID, *, form: AdviceForm, submitted_at: datetime, principal: Principal,
    uow: HealthAdviceUnitOfWork, advice: dict[str, Any] | None = None, now: Now = utc_now,
) -> AdviceRequest:  # fmt: skip
    """The advice given at ``submitted_at`` as a document or a questionnaire response (``HealthAdviceSubmitted``,
    on time or not); submitted again, the first submission stands."""

    def submit(request: AdviceRequest, by: Actor, at: datetime) -> None:
        request.submit(form, submitted_at, by, at, advice)

    return await _step(advice_request_id, principal, submit, uow, now)


async def cancel(
    advice_request_id: UUID, *, reason: str, principal: Principal, uow: HealthAdviceUnitOfWork, now: Now = utc_now
) -> AdviceRequest:
    """The request withdrawn; no alert is owed after it (no event: the contracts have none)."""
    return await _step(advice_request_id, principal, lambda request, by, at: request.cancel(reason, by, at), uow, now)


async def read_request(advice_request_id: UUID, *, principal: Principal, uow: HealthAdviceUnitOfWork) -> SeenRequest:
    """The request as the caller may see it; ``AdviceRequestNotFound`` if it may not."""
    async with uow:
        request = await uow.requests.get(advice_request_id)
        seen = visibility(principal, await led_teams(principal, uow))
        if request is None or not may_read(seen, request):
            raise AdviceRequestNotFound(advice_request_id)
        return SeenRequest(request, may_read_in_full(seen, request))


async def search_requests(
    principal: Principal, *, uow: HealthAdviceUnitOfWork, statuses: tuple[AdviceStatus, ...] = (),
    team_id: str | None = None, limit: int = 100,
) -> list[SeenRequest]:  # fmt: skip
    """The requests the caller may see, oldest received first."""
    async with uow:
        seen = visibility(principal, await led_teams(principal, uow))
        if seen.nothing:
            return []
        found = await uow.requests.search(seen, statuses=statuses, team_id=team_id, limit=limit)
        return [SeenRequest(request, may_read_in_full(seen, request)) for request in found]


async def led_teams(principal: Principal, uow: HealthAdviceUnitOfWork) -> frozenset[str]:
    return await uow.routing.teams_led_by(principal.subject) if principal.kind == "person" else frozenset()


async def _step(
    advice_request_id: UUID, principal: Principal, step: Callable[[AdviceRequest, Actor, datetime], None],
    uow: HealthAdviceUnitOfWork, now: Now,
) -> AdviceRequest:  # fmt: skip
    async with uow:
        request = await uow.requests.get(advice_request_id)
        if request is None:
            raise AdviceRequestNotFound(advice_request_id)
        led = await led_teams(principal, uow)
        if may_read(visibility(principal, led), request):
            ensure_may_act(principal, request, led)
        else:
            with withheld_as_missing(AdviceRequestNotFound(advice_request_id)):
                ensure_may_act(principal, request, led)
        was = request.status
        step(request, Actor(principal.organisation, principal.subject), now())
        if was is not AdviceStatus.SUBMITTED and request.status is AdviceStatus.SUBMITTED:
            uow.measure(await submitted_measurement(request, uow))
        await uow.requests.save(request)
        await uow.commit()
        return request


async def submitted_measurement(request: AdviceRequest, uow: HealthAdviceUnitOfWork) -> Measurement:
    team = await uow.routing.team(request.team_id) if request.team_id is not None else None
    return Measurement(
        "submitted", request.icb, request.requesting_la, team.kind.code if team is not None else UNROUTED,
        request.turnaround_days, request.on_time,
    )  # fmt: skip
