"""The forms on a request's timeline: accept it, assign it, record or end a reg 8(2) clock stop, record that the
advice was sent. Each runs the same use case as the FHIR API (``service_layer/advice_requests.py``), as the
signed-in person, and comes back to the timeline saying what happened or why not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pathfinder.auth import AccessDenied
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.domain.advice_request import AdviceStatus
from pathfinder.health_advice.domain.steps import InvalidStep, StepRefused
from pathfinder.health_advice.entrypoints.dashboard_http import (
    PREFIX,
    SECURITY_HEADERS,
    Dashboard,
    DashboardHttp,
    from_this_site,
    problem_page,
    read_form,
    render,
)
from pathfinder.health_advice.entrypoints.dashboard_session import Session, signed_in
from pathfinder.health_advice.service_layer import advice_requests
from pathfinder.health_advice.service_layer import dashboard as read_model
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound
from pathfinder.health_advice.service_layer.views import HOW_COUNTED, RequestTimeline

CLOCK_STOP_REASONS = {
    AdviceClockStopReason.EXCEPTIONAL_CIRCUMSTANCES: "Exceptional circumstances (reg 8(2)(a))",
    AdviceClockStopReason.ABSENT_FROM_AREA: "Child or parent away from the area for 4 weeks or more (reg 8(2)(b))",
    AdviceClockStopReason.MISSED_APPOINTMENT: "Missed examination or test appointment (reg 8(2)(c))",
}
ADVICE_FORMS = {AdviceForm.DOCUMENT: "A document (report)", AdviceForm.QUESTIONNAIRE_RESPONSE: "A questionnaire"}
_OPEN = (AdviceStatus.REQUESTED, AdviceStatus.ACCEPTED, AdviceStatus.IN_PROGRESS)

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Step = Callable[[UUID, dict[str, str], Session, DashboardHttp], Awaitable[str]]


def offered_steps(timeline: RequestTimeline) -> tuple[str, ...]:
    """Which forms the timeline offers; the request itself refuses any step out of turn."""
    if timeline.status not in _OPEN:
        return ()
    stopped = bool(timeline.clock_stops) and timeline.clock_stops[-1].ended_on is None
    return (
        *(("accept",) if timeline.status is AdviceStatus.REQUESTED else ("assign",)),
        "end-clock-stop" if stopped else "record-clock-stop",
        "submit",
    )


class _Unreadable(ValueError):
    pass


def _day(form: dict[str, str], name: str) -> date:
    try:
        return date.fromisoformat(form.get(name, ""))
    except ValueError:
        raise _Unreadable("Give the date as a day, month and year.") from None


async def _accept(request_id: UUID, form: dict[str, str], session: Session, dashboard: DashboardHttp) -> str:
    await advice_requests.accept(
        request_id, principal=session.principal, uow=dashboard.unit_of_work(), now=dashboard.now
    )
    return "accepted"


async def _assign(request_id: UUID, form: dict[str, str], session: Session, dashboard: DashboardHttp) -> str:
    to = form.get("assigned_to", "").strip()
    await advice_requests.assign(
        request_id, to=to, principal=session.principal, uow=dashboard.unit_of_work(), now=dashboard.now
    )
    return "assigned"


async def _stop(request_id: UUID, form: dict[str, str], session: Session, dashboard: DashboardHttp) -> str:
    reason = form.get("reason", "")
    if reason not in CLOCK_STOP_REASONS:
        raise _Unreadable("Choose one of the reg 8(2) exceptions: a waiting list is never one.")
    await advice_requests.record_clock_stop(
        request_id, reason=AdviceClockStopReason(reason), started_on=_day(form, "started_on"),
        principal=session.principal, uow=dashboard.unit_of_work(), now=dashboard.now,
    )  # fmt: skip
    return "clock-stopped"


async def _restart(request_id: UUID, form: dict[str, str], session: Session, dashboard: DashboardHttp) -> str:
    await advice_requests.end_clock_stop(
        request_id,
        ended_on=_day(form, "ended_on"),
        principal=session.principal,
        uow=dashboard.unit_of_work(),
        now=dashboard.now,
    )
    return "clock-restarted"


async def _submit(request_id: UUID, form: dict[str, str], session: Session, dashboard: DashboardHttp) -> str:
    kind = form.get("form", "")
    if kind not in ADVICE_FORMS:
        raise _Unreadable("Say how the advice was given: a document or a questionnaire.")
    await advice_requests.submit_advice(
        request_id, form=AdviceForm(kind), submitted_at=dashboard.now(), principal=session.principal,
        uow=dashboard.unit_of_work(), now=dashboard.now,
    )  # fmt: skip
    return "submitted"


STEPS: dict[str, Step] = {
    "accept": _accept, "assign": _assign, "clock-stop": _stop, "clock-restart": _restart, "submit": _submit,
}  # fmt: skip


@router.post("/requests/{advice_request_id}/{step}")
async def take_step(request: Request, advice_request_id: str, step: str, dashboard: Dashboard) -> Response:
    session = await signed_in(request, dashboard)
    if not isinstance(session, Session):
        return session
    missing = problem_page(404, "No such advice request", "There is no advice request here that you may see.")
    take = STEPS.get(step)
    try:
        request_id = UUID(advice_request_id)
    except ValueError:
        return missing
    if take is None:
        return missing
    if not from_this_site(request):
        return problem_page(403, "Use the dashboard's own forms", "This form came from another site.")
    form = await read_form(request)
    if form is None:
        return problem_page(400, "The form could not be read", "Go back to the request and try again.")
    try:
        done = await take(request_id, form, session, dashboard)
    except AdviceRequestNotFound:
        return missing
    except AccessDenied:
        return await _timeline_saying(request_id, session, dashboard, 403, "Your account may not change requests.")
    except StepRefused as refused:
        return await _timeline_saying(request_id, session, dashboard, 409, str(refused))
    except (InvalidStep, _Unreadable) as invalid:
        return await _timeline_saying(request_id, session, dashboard, 422, str(invalid))
    return RedirectResponse(f"{PREFIX}/requests/{request_id}?done={done}", status_code=303, headers=SECURITY_HEADERS)


async def _timeline_saying(
    request_id: UUID, session: Session, dashboard: DashboardHttp, status: int, error: str
) -> Response:
    try:
        timeline = await read_model.timeline(
            session.viewer, request_id, today=dashboard.today(), uow=dashboard.unit_of_work()
        )
    except AdviceRequestNotFound:
        return problem_page(404, "No such advice request", "There is no advice request here that you may see.")
    return timeline_page(session, dashboard, timeline, status=status, error=error)


def timeline_page(
    session: Session, dashboard: DashboardHttp, timeline: RequestTimeline, *, status: int = 200,
    done: str | None = None, error: str | None = None,
) -> Response:  # fmt: skip
    return render(
        "timeline.html", status=status, page="timeline", session=session, today=dashboard.today(),
        timeline=timeline, how=HOW_COUNTED, done=done, error=error,
        offered=offered_steps(timeline) if session.may_act else (), reasons=CLOCK_STOP_REASONS, forms=ADVICE_FORMS,
    )  # fmt: skip
