"""Early warning: will an open assessment miss its 20-week limit (14 weeks for a re-assessment)?

Read from the stage it is in, the advice still outstanding and how late each advisor usually is, against the
LA's own history of how long each stage takes (a plain input: medians and 90th percentiles in days, worked out
elsewhere). The reasons are written for the officer who has to act on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from pathfinder.contracts.vocabulary import AdviceKind, RiskReason, StatutoryLimit
from pathfinder.ehcp.domain.clock.facts import AdviceRequestFacts, AssessmentFacts, CaseFacts
from pathfinder.ehcp.domain.clock.limits import Limit, LimitState, limits
from pathfinder.ehcp.domain.clock.periods import london_date
from pathfinder.ehcp.domain.clock.rules import RuleBook
from pathfinder.ehcp.domain.clock.statute import CURRENT_RULES

DAY = timedelta(days=1)
_ORDER = (RiskReason.ADVICE_OUTSTANDING, RiskReason.STAGE_SLOWER_THAN_USUAL, RiskReason.TOO_LITTLE_TIME_LEFT)


class Stage(StrEnum):
    DECISION = "decision"  # request received to the decision whether to assess (reg 5)
    ADVICE = "advice"  # the decision to the last advice received (regs 6-8)
    DRAFTING = "drafting"  # the last advice to the draft plan served
    FINALISING = "finalising"  # the draft served to the final plan (reg 13)


WORDS = {
    Stage.DECISION: "the decision whether to assess",
    Stage.ADVICE: "gathering advice",
    Stage.DRAFTING: "drafting the plan",
    Stage.FINALISING: "finalising the plan",
}
AFTER = {stage: tuple(Stage)[index + 1 :] for index, stage in enumerate(Stage)}


@dataclass(frozen=True, slots=True)
class Usual:
    """How many days something usually takes (or, for an advisor, how many days late it usually is; negative is
    early) in this LA: the median and the 90th percentile."""

    median: int
    p90: int


@dataclass(frozen=True, slots=True)
class LaHistory:
    """The LA's own history: days per stage; days late per advisor (ODS code, or the name the LA keeps), and per
    kind of advice for advisors it has no history of."""

    stages: Mapping[Stage, Usual]
    advisors: Mapping[str, Usual] = field(default_factory=dict)
    advice_kinds: Mapping[AdviceKind, Usual] = field(default_factory=dict)

    def stage(self, stage: Stage) -> Usual:
        return self.stages.get(stage, Usual(0, 0))

    def lateness(self, advice: AdviceRequestFacts) -> tuple[Usual, str] | None:
        if advice.advisor is not None and advice.advisor in self.advisors:
            return self.advisors[advice.advisor], "this ICB's" if advice.kind is AdviceKind.HEALTH else "their"
        if advice.kind in self.advice_kinds:
            return self.advice_kinds[advice.kind], f"this LA's {_kind(advice)} advisors'"
        return None


@dataclass(frozen=True, slots=True)
class RiskNote:
    """One reason, and how many days it weighs (days late expected, days over the usual, days short)."""

    reason: RiskReason
    text: str
    days: int


@dataclass(frozen=True, slots=True)
class Forecast:
    """``expected_on`` from the medians, ``expected_at_worst_on`` from the 90th percentiles; ``reasons`` are
    given when ``at_risk``, most telling first."""

    limit: StatutoryLimit
    due_on: date
    stage: Stage
    expected_on: date
    expected_at_worst_on: date
    at_risk: bool
    reasons: tuple[RiskNote, ...]


def early_warning(
    facts: CaseFacts, today: date, history: LaHistory, rules: RuleBook = CURRENT_RULES
) -> Forecast | None:
    """The forecast for the case's open assessment; None when it has none open, or while an exception with no end
    yet suspends its limit (there is no date to judge it by)."""
    today = london_date(today)
    assessment = facts.assessment
    if assessment is None or not assessment.open:
        return None
    found = limits(facts, today, rules)
    wanted = StatutoryLimit.REASSESSMENT if assessment.reassessment else StatutoryLimit.FINAL_PLAN
    target = next((one for one in found if one.limit is wanted), None)
    if target is None or target.effective_due_on == date.max:
        return None
    advice_due = {one.subject: one for one in found if one.limit is StatutoryLimit.ADVICE}
    stage = _stage(assessment)
    expected = _project(assessment, stage, today, history, advice_due, lambda usual: usual.median)
    worst = _project(assessment, stage, today, history, advice_due, lambda usual: usual.p90)
    due = target.effective_due_on
    at_risk = expected > due
    reasons = _reasons(assessment, stage, today, history, advice_due, target) if at_risk else ()
    return Forecast(wanted, due, stage, expected, max(worst, expected), at_risk, reasons)


def _stage(assessment: AssessmentFacts) -> Stage:
    if assessment.decided_on is None:
        return Stage.DECISION
    if assessment.draft_served_on is not None:
        return Stage.FINALISING
    if not assessment.advice or any(one.received_on is None for one in assessment.advice):
        return Stage.ADVICE
    return Stage.DRAFTING


def _stage_start(assessment: AssessmentFacts, stage: Stage) -> date:
    match stage:
        case Stage.DECISION:
            return assessment.request_received_on
        case Stage.ADVICE:
            return assessment.decided_on or assessment.request_received_on
        case Stage.DRAFTING:
            return max(one.received_on or one.requested_on for one in assessment.advice)
        case Stage.FINALISING:
            return assessment.draft_served_on or assessment.request_received_on


def _advice_expected(
    advice: AdviceRequestFacts, today: date, history: LaHistory, due: dict[str | None, Limit], pick: Pick
) -> date:
    limit = due.get(str(advice.advice_request_id))
    base = today if limit is None or limit.effective_due_on == date.max else limit.effective_due_on
    usual = history.lateness(advice)
    return max(base + pick(usual[0]) * DAY if usual else base, today)


Pick = Callable[[Usual], int]


def _project(
    assessment: AssessmentFacts, stage: Stage, today: date, history: LaHistory, due: dict[str | None, Limit], pick: Pick
) -> date:
    def after(start: date, usual_stage: Stage) -> date:
        return max(start + pick(history.stage(usual_stage)) * DAY, today)

    decided = assessment.decided_on or after(assessment.request_received_on, Stage.DECISION)
    if stage in (Stage.DECISION, Stage.ADVICE) and not assessment.advice:
        advice_done = after(decided, Stage.ADVICE)
    else:
        advice_done = max(
            (one.received_on or _advice_expected(one, today, history, due, pick) for one in assessment.advice),
            default=decided,
        )
    draft = assessment.draft_served_on or after(advice_done, Stage.DRAFTING)
    final = after(draft, Stage.FINALISING)
    if assessment.representations_received_on is None:
        final = max(final, draft + 15 * DAY)  # reg 13(1): not before the parent's 15 days are over
    return final


def _reasons(
    assessment: AssessmentFacts,
    stage: Stage,
    today: date,
    history: LaHistory,
    due: dict[str | None, Limit],
    limit: Limit,
) -> tuple[RiskNote, ...]:
    notes = [note for one in assessment.advice if (note := _advice_note(one, today, history, due))]
    elapsed = (today - _stage_start(assessment, stage)).days
    usual = history.stage(stage).median
    if elapsed > usual:
        text = f"{WORDS[stage]} has taken {_days(elapsed)}; this LA's median is {_days(usual)}"
        notes.append(RiskNote(RiskReason.STAGE_SLOWER_THAN_USUAL, text, elapsed - usual))
    left = (limit.effective_due_on - today).days
    remaining = max(usual - elapsed, 0) + sum(history.stage(later).median for later in AFTER[stage])
    weeks = "14-week" if limit.limit is StatutoryLimit.REASSESSMENT else "20-week"
    if left < 0:
        text = f"the {weeks} limit passed on {limit.effective_due_on}, {_days(-left)} ago"
        notes.append(RiskNote(RiskReason.TOO_LITTLE_TIME_LEFT, text, -left))
    elif remaining > left:
        what = ", ".join(WORDS[one] for one in (stage, *AFTER[stage]))
        verb = "remains" if left == 1 else "remain"
        text = (
            f"{_days(left)} {verb} to the {weeks} limit ({limit.effective_due_on}); what remains ({what}) usually "
            f"takes {_days(remaining)} here"
        )
        notes.append(RiskNote(RiskReason.TOO_LITTLE_TIME_LEFT, text, remaining - left))
    if not notes:
        notes.append(RiskNote(RiskReason.TOO_LITTLE_TIME_LEFT, f"the {weeks} limit is {limit.effective_due_on}", 0))
    return tuple(sorted(notes, key=lambda note: (-note.days, _ORDER.index(note.reason), note.text)))


def _advice_note(
    advice: AdviceRequestFacts, today: date, history: LaHistory, due: dict[str | None, Limit]
) -> RiskNote | None:
    limit = due.get(str(advice.advice_request_id))
    if advice.received_on is not None or limit is None or limit.state is LimitState.DISAPPLIED:
        return None
    usual = history.lateness(advice)
    late_usually = usual[0].median if usual else 0
    left = (limit.statutory_due_on - today).days
    if late_usually <= 0 and left >= 0:
        return None
    source = f"{_kind(advice)} advice" + (f" from {_advisor(advice)}" if advice.advisor else "")
    when = f"overdue by {_days(-left)}" if left < 0 else "due today" if left == 0 else f"due in {_days(left)}"
    text = f"{source} {when} ({limit.statutory_due_on})"
    if usual:
        text += f"; {usual[1]} median is {_days(late_usually)} late" if late_usually > 0 else ""
    return RiskNote(RiskReason.ADVICE_OUTSTANDING, text, max(late_usually, -left, 0))


def _kind(advice: AdviceRequestFacts) -> str:
    return advice.kind.value.replace("-", " ")


def _advisor(advice: AdviceRequestFacts) -> str:
    return f"ICB {advice.advisor}" if advice.kind is AdviceKind.HEALTH else f"{advice.advisor}"


def _days(count: int) -> str:
    return f"{count} day" + ("" if count == 1 else "s")
