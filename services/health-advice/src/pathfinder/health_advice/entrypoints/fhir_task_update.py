"""Reading a Task sent with ``PUT /fhir/Task/{id}`` into the one step it asks for, by comparing it with the Task
as it stands:

- ``status`` ``accepted``: accept; ``in-progress`` with ``owner`` a Practitioner identified by
  ``ASSIGNEE_IDENTIFIER_SYSTEM``: assign (``owner`` changed alone reassigns); ``completed`` with ``output``
  referencing the advice, a DocumentReference or QuestionnaireResponse contained in the Task: submit.
- ``businessStatus`` a reg 8(2) reason (``CLOCK_STOP_REASON_SYSTEM``): a clock stop from today, or from the
  ``period.start`` of the clock-stop extension added for it; ``on-clock``: the open stop ends, on the
  ``period.end`` its extension gives, else yesterday (the clock runs again today). A completed Task's clock is
  closed: its businessStatus is the platform's.

Everything else is the platform's to set: it must come back as it was read (``meta``, ``text`` and the computed
``restriction`` are ignored). One step per update, so that each is one transaction with its event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.task import Task
from pathfinder.contracts.fhir import FhirInputRejected, OutcomeIssue, SpineErrorCode, SubmittedAdvice
from pathfinder.contracts.fhir import parse_submitted_advice as parse_advice
from pathfinder.contracts.fhir.advice_codes import (
    ASSIGNEE_IDENTIFIER_SYSTEM,
    CLOCK_STATE_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    ON_CLOCK,
)
from pathfinder.contracts.fhir.reading import FoundIssues, london_date
from pathfinder.contracts.vocabulary import AdviceClockStopReason
from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pathfinder.web.fhir import FhirError

Step = Literal["accept", "assign", "record-clock-stop", "end-clock-stop", "submit"]
CHANGEABLE: Final = frozenset({"status", "businessStatus", "owner", "output", "contained", "extension"})
IGNORED: Final = frozenset({"resourceType", "id", "meta", "text", "restriction"})
_REASONS: Final = ", ".join(reason.value for reason in AdviceClockStopReason)


@dataclass(frozen=True)
class TaskChange:
    step: Step
    expression: str
    """The element that asks for the step: where a refusal of it points."""
    to: str | None = None
    reason: str | None = None
    on: date | None = None
    advice: SubmittedAdvice | None = None
    document: dict[str, Any] | None = None
    """The advice as given, kept for the LA to fetch."""


def requested_change(
    sent: dict[str, Any], task: Task, current: dict[str, Any], request: AdviceRequest, today: date
) -> TaskChange | None:
    """The step the sent Task asks of ``request`` (whose Task, as its actor reads it, is ``current``); None if
    it asks for none. ``FhirError`` (422, or 400 for advice that cannot be read) names every problem."""
    given = task.model_dump(mode="json")
    issues = [
        OutcomeIssue(
            "business-rule",
            "Set by the platform: send it back as it was read",
            SpineErrorCode.INVALID_VALUE,
            (f"Task.{element}",),
        )
        for element in sorted((set(given) | set(current)) - CHANGEABLE - IGNORED)
        if given.get(element) != current.get(element)
    ]
    changes: list[TaskChange] = []
    status_changed = given["status"] != current["status"]
    if status_changed:
        status = _status_change(given["status"], sent, task, request, issues)
        changes.extend([status] if status is not None else [])
    if _owner(given) != _owner(current) and not (status_changed and given["status"] == "in-progress"):
        assignee = _assignee(task.owner)
        if assignee is None:
            issues.append(
                _refused(
                    "Task.owner",
                    "The owner changes only to the clinician assigned: a Practitioner "
                    f"identified by {ASSIGNEE_IDENTIFIER_SYSTEM}",
                )
            )
        else:
            changes.append(TaskChange("assign", "Task.owner", to=assignee))
    # A completed Task's clock is closed, whatever the sender still had (a retry of completing, say).
    clock = _clock_change(given, current, task, request, today, issues) if given["status"] != "completed" else None
    if clock is not None:
        changes.append(clock)
    advice = (given.get("output"), given.get("contained"))
    # Completed already, the advice sent again is answered as the first submission: it stands.
    if given["status"] != "completed" and advice != (current.get("output"), current.get("contained")):
        issues.append(_refused("Task.output", "The advice is given as output only with status completed"))
    if len(changes) > 1:
        where = tuple(change.expression for change in changes)
        issues.append(
            OutcomeIssue(
                "business-rule",
                "One step per update: send these changes one at a time",
                SpineErrorCode.INVALID_VALUE,
                where,
            )
        )
    if issues:
        raise FhirError(422, issues)
    return changes[0] if changes else None


def _status_change(
    status: str, sent: dict[str, Any], task: Task, request: AdviceRequest, issues: list[OutcomeIssue]
) -> TaskChange | None:
    if status == "accepted":
        return TaskChange("accept", "Task.status")
    if status == "in-progress":
        assignee = _assignee(task.owner)
        if assignee is None:
            issues.append(
                _refused(
                    "Task.owner",
                    f"In progress names the clinician assigned as owner: a "
                    f"Practitioner identified by {ASSIGNEE_IDENTIFIER_SYSTEM}",
                    "required",
                )
            )
        return TaskChange("assign", "Task.status", to=assignee)
    if status == "completed":
        document, advice = _advice_output(sent, task, request)
        return TaskChange("submit", "Task.output", advice=advice, document=document)
    issues.append(
        _refused(
            "Task.status",
            "The status changes only to accepted, in-progress (with the assignee as "
            "owner) or completed (with the advice as output)",
            "code-invalid",
        )
    )
    return None


def _clock_change(
    given: dict[str, Any],
    current: dict[str, Any],
    task: Task,
    request: AdviceRequest,
    today: date,
    issues: list[OutcomeIssue],
) -> TaskChange | None:
    codes = _codes(given.get("businessStatus"))
    if codes == _codes(current.get("businessStatus")):
        return None
    if len(codes) != 1:
        issues.append(_refused("Task.businessStatus", "One coding: a reg 8(2) reason, on-clock or closed"))
        return None
    system, code = codes[0]
    if system == CLOCK_STOP_REASON_SYSTEM and code is not None and code in set(AdviceClockStopReason):
        started_on = _new_stop_start(task, request, code, issues)
        return TaskChange("record-clock-stop", "Task.businessStatus", reason=code, on=started_on or today)
    if (system, code) == (CLOCK_STATE_SYSTEM, ON_CLOCK[0]):
        return TaskChange("end-clock-stop", "Task.businessStatus", on=_stop_end(task, request, today))
    issues.append(
        _refused(
            "Task.businessStatus",
            f"Only a reg 8(2) exception stops the clock (a waiting list never "
            f"does): {_REASONS} from {CLOCK_STOP_REASON_SYSTEM}; on-clock ends the stop; closed "
            "follows from completing",
            "code-invalid",
        )
    )
    return None


def _new_stop_start(task: Task, request: AdviceRequest, reason: str, issues: list[OutcomeIssue]) -> date | None:
    """The first day of the stop, from the clock-stop extension added for it, if one was."""
    stops = _clock_stop_extensions(task)
    if len(stops) <= len(request.clock_stops):
        return None
    index, given_reason, start, _end = stops[-1]
    if given_reason != reason:
        issues.append(
            _refused(
                f"Task.extension[{index}]",
                "The new clock stop's reason is not the businessStatus",
                "invariant",
                SpineErrorCode.CONFLICTING_VALUES,
            )
        )
    if start is None:
        issues.append(_refused(f"Task.extension[{index}]", "The new clock stop's period.start is required", "required"))
    return start


def _stop_end(task: Task, request: AdviceRequest, today: date) -> date:
    """The open stop's last day, from its extension's period.end, else yesterday (not before it started). With
    no stop open, yesterday: the domain says which steps are allowed, or that the stop already ended so."""
    yesterday = today - timedelta(days=1)
    open_stops = [index for index, stop in enumerate(request.clock_stops) if stop.open]
    if not open_stops:
        return yesterday
    stops = _clock_stop_extensions(task)
    end = stops[open_stops[-1]][3] if open_stops[-1] < len(stops) else None
    return end or max(yesterday, request.clock_stops[open_stops[-1]].started_on)


def _clock_stop_extensions(task: Task) -> list[tuple[int, str | None, date | None, date | None]]:
    """(index in Task.extension, reason, first day, last day) of each clock-stop extension, in order."""
    read: list[tuple[int, str | None, date | None, date | None]] = []
    found = FoundIssues()
    for index, extension in enumerate(task.extension or []):
        if extension.url != CLOCK_STOP_EXTENSION:
            continue
        parts = {part.url: part for part in extension.extension or []}
        reason = parts["reason"].valueCoding if "reason" in parts else None
        period = parts["period"].valuePeriod if "period" in parts else None
        where = f"Task.extension[{index}]"
        start = london_date(period.start, where, found) if period and period.start else None
        end = london_date(period.end, where, found) if period and period.end else None
        read.append((index, reason.code if reason else None, start, end))
    if found.issues:
        raise FhirError(422, found.issues)
    return read


def _advice_output(sent: dict[str, Any], task: Task, request: AdviceRequest) -> tuple[dict[str, Any], SubmittedAdvice]:
    """The advice the output references, read from the contained resource as sent."""
    references = [output.valueReference for output in task.output or [] if output.valueReference is not None]
    local = [found[1:] for found in (reference.reference or "" for reference in references) if found.startswith("#")]
    found = [
        (index, one)
        for index, one in enumerate(sent.get("contained") or [])
        if isinstance(one, dict) and local and one.get("id") == local[0]
    ]
    if len(local) != 1 or len(references) != len(task.output or []) or not found:
        diagnostics = (
            "Completing needs one output: a reference (#id) to the advice, a DocumentReference or "
            "QuestionnaireResponse contained in the Task"
        )
        raise FhirError(422, [_refused("Task.output", diagnostics, "required")])
    index, document = found[0]
    try:
        return document, parse_advice(document, advice_request_id=request.advice_request_id)
    except FhirInputRejected as rejected:
        raise FhirError(400, [_contained(issue, index) for issue in rejected.issues]) from None


def _contained(issue: OutcomeIssue, index: int) -> OutcomeIssue:
    """An issue of the contained advice, located in the Task."""
    expression = tuple(
        f"Task.contained[{index}]" + (path[path.index(".") :] if "." in path else "") for path in issue.expression
    )
    return OutcomeIssue(issue.code, issue.diagnostics, issue.spine_code, expression, issue.severity)


def _assignee(owner: Reference | None) -> str | None:
    identifier = owner.identifier if owner is not None else None
    if owner is None or identifier is None or identifier.system != ASSIGNEE_IDENTIFIER_SYSTEM:
        return None
    if owner.type not in (None, "Practitioner", "PractitionerRole"):
        return None
    return identifier.value or None


def _owner(task: dict[str, Any]) -> tuple[object, object]:
    identifier = (task.get("owner") or {}).get("identifier") or {}
    return identifier.get("system"), identifier.get("value")


def _codes(concept: dict[str, Any] | None) -> list[tuple[str | None, str | None]]:
    return [(coding.get("system"), coding.get("code")) for coding in (concept or {}).get("coding") or []]


def _refused(
    expression: str, diagnostics: str, code: str = "business-rule", spine: SpineErrorCode = SpineErrorCode.INVALID_VALUE
) -> OutcomeIssue:
    if code == "required":
        spine = SpineErrorCode.MISSING_VALUE
    elif code == "code-invalid":
        spine = SpineErrorCode.INVALID_CODE_VALUE
    return OutcomeIssue(code, diagnostics, spine, (expression,))
