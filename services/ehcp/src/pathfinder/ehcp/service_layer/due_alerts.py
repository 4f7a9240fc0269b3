"""The worker's due timers, each alert fired once in the transaction that marks it fired, through the outbox; and
the early warning's sweep, which raises an assessment at risk once per due date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pathfinder.ehcp.domain.clock import LaHistory, early_warning
from pathfinder.ehcp.domain.due_alerts import LONDON, DueTimer, alert_event, at_risk, at_risk_event, still_owed
from pathfinder.ehcp.service_layer.commands import utc_now
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork


async def fire_due_timers(*, uow: EhcpUnitOfWork, batch: int = 100, now: Callable[[], datetime] = utc_now) -> int:
    """One step of the timer loop: the timers due by now, each published as its event and marked fired in one
    transaction (a crash before the commit leaves them due; after it, fired). A timer whose limit a step has
    met since is marked fired without an event (the step rescheduled the case's timers in its own transaction,
    so this happens only when they race). Returns how many it handled."""
    instant = now()
    async with uow:
        due = await uow.timers.claim_due(instant, batch)
        for timer in due:
            await _fire(timer, uow, instant)
        await uow.commit()
    return len(due)


async def _fire(timer: DueTimer, uow: EhcpUnitOfWork, instant: datetime) -> None:
    case = await (
        uow.assessments.get(timer.case_id) if timer.case_kind == "assessment" else uow.plans.get(timer.case_id)
    )
    if case is not None and still_owed(timer, case.facts(), instant):
        uow.publish(alert_event(timer, person_id=case.person_id, responsible_la=case.responsible_la))
    await uow.timers.fired(timer, instant)


async def watch_risk(
    *, uow_factory: Callable[[], EhcpUnitOfWork], page: int = 200, now: Callable[[], datetime] = utc_now
) -> int:
    """One sweep of the early warning over every open assessment, a page per transaction: an assessment newly
    expected to miss its limit raises ``AssessmentAtRisk``, once per due date. Returns how many it raised."""
    instant, after, raised = now(), None, 0
    today = instant.astimezone(LONDON).date()
    histories: dict[str, LaHistory] = {}
    while True:
        async with uow_factory() as uow:
            ids = await uow.views.open_assessments(after=after, limit=page)
            for assessment_id in ids:
                assessment = await uow.assessments.get(assessment_id)
                if assessment is None or not assessment.open:
                    continue
                la = assessment.responsible_la
                if la not in histories:
                    histories[la] = await uow.views.la_history(la, today=today)
                forecast = early_warning(assessment.facts(), today, histories[la])
                timer = at_risk(assessment_id, forecast, instant) if forecast is not None else None
                if timer is not None and forecast is not None and await uow.timers.raise_once(timer, instant):
                    uow.publish(
                        at_risk_event(forecast, assessment_id=assessment_id, person_id=assessment.person_id,
                                      responsible_la=la)
                    )  # fmt: skip
                    raised += 1
            await uow.commit()
        if len(ids) < page:
            return raised
        after = ids[-1]
