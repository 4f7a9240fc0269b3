"""An assessment or a plan as the JSON snapshot its row keeps, and back: every field but the events it raised,
which are the outbox's and come back empty."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pathfinder.contracts.vocabulary import AdviceClockStopReason, AssessmentException
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.clock import AdviceRequestFacts, RecordedException
from pathfinder.ehcp.domain.plan import EhcPlan
from pydantic import TypeAdapter

_ASSESSMENT = TypeAdapter(EhcNeedsAssessment)
_PLAN = TypeAdapter(EhcPlan)
_NOT_STATE = {"events"}
_CLOCK_STOPS = frozenset(reason.value for reason in AdviceClockStopReason)


def assessment_state(assessment: EhcNeedsAssessment) -> dict[str, Any]:
    state: dict[str, Any] = _ASSESSMENT.dump_python(assessment, mode="json", exclude=_NOT_STATE)
    return state


def assessment_from(state: dict[str, Any]) -> EhcNeedsAssessment:
    assessment = _ASSESSMENT.validate_python(state)
    assessment.advice = {key: _clock_stops_read_as_reg_8(one) for key, one in assessment.advice.items()}
    return assessment


def plan_state(plan: EhcPlan) -> dict[str, Any]:
    state: dict[str, Any] = _PLAN.dump_python(plan, mode="json", exclude=_NOT_STATE)
    return state


def plan_from(state: dict[str, Any]) -> EhcPlan:
    return _PLAN.validate_python(state)


def _clock_stops_read_as_reg_8(advice: AdviceRequestFacts) -> AdviceRequestFacts:
    """A ground is stored as its bare value, and "absent-from-area" is both a reg 5(4) exception and a reg 8(2)
    clock stop: read back, it is the first; on a request for advice it can only be the second."""
    if not any(_misread(stop) for stop in advice.clock_stops):
        return advice
    stops = tuple(
        replace(stop, ground=AdviceClockStopReason(stop.ground.value)) if _misread(stop) else stop
        for stop in advice.clock_stops
    )
    return replace(advice, clock_stops=stops)


def _misread(stop: RecordedException) -> bool:
    return isinstance(stop.ground, AssessmentException) and stop.ground.value in _CLOCK_STOPS
