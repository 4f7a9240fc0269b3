"""What section 23 of the Children and Families Act 2014 requires before an NHS body notifies an LA.

s23(1) applies where an NHS body, "in the course of exercising functions in relation to a child who is under
compulsory school age", forms the opinion that the child has (or probably has) SEN or a disability: so the
child's age is judged on the day the opinion was formed. (2)(a) the parent is informed of the opinion, then
(2)(b) given the chance to discuss it, and only then (2)(c) the LA is told. The checks only read dates and
return every reason that applies, so the sender learns all of them at once.

A notification sent some time after the opinion (even after the child reached compulsory school age) still
meets s23: how long it took is a fact the LA and the sender can see (:class:`Timeliness`), not a refusal.

Dates that cannot be true are not statutory failures but wrong input (:func:`impossible_dates`), refused and
never stored: a notification sent, an opinion formed or a parent informed after the day the platform received
it (Europe/London dates), or an opinion formed after the notification about it was sent. A parent informed or
offered a discussion after the notification was sent is a true story of s23(2) not followed: that notification
is recorded as rejected (STATUTORY_ORDER_NOT_FOLLOWED), so the sender and the audit see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise

from pathfinder.contracts.notifications import NotificationRejectionReason as Reason
from pathfinder.notifications.domain.school_age import is_under_compulsory_school_age


@dataclass(frozen=True)
class Section23Facts:
    notified_on: date
    """The Europe/London date the NHS body brought the opinion to the LA's attention (Communication.sent)."""
    opinion_formed_on: date
    parent_informed_on: date | None
    discussion_offered_on: date | None
    birth_date: date
    responsible_la: str | None


@dataclass(frozen=True)
class Timeliness:
    """How long the NHS body took to bring its opinion to the LA's attention."""

    notified_on: date
    days_from_opinion: int
    notified_after_compulsory_school_age: bool
    """The child had reached compulsory school age by the day of the notification (the opinion came before)."""


def section_23_breaches(facts: Section23Facts) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    if not is_under_compulsory_school_age(facts.birth_date, facts.opinion_formed_on):
        reasons.append(Reason.NOT_UNDER_COMPULSORY_SCHOOL_AGE)
    if facts.parent_informed_on is None:
        reasons.append(Reason.PARENT_NOT_INFORMED)
    if facts.discussion_offered_on is None:
        reasons.append(Reason.DISCUSSION_NOT_OFFERED)
    if not _in_statutory_order(facts):
        reasons.append(Reason.STATUTORY_ORDER_NOT_FOLLOWED)
    if facts.responsible_la is None:
        reasons.append(Reason.RESPONSIBLE_LA_UNKNOWN)
    return tuple(reasons)


def timeliness(facts: Section23Facts) -> Timeliness:
    return Timeliness(
        notified_on=facts.notified_on,
        days_from_opinion=(facts.notified_on - facts.opinion_formed_on).days,
        notified_after_compulsory_school_age=not is_under_compulsory_school_age(facts.birth_date, facts.notified_on),
    )


def _in_statutory_order(facts: Section23Facts) -> bool:
    # Same-day steps are in order: a clinician may inform, discuss and notify in one appointment.
    steps = [facts.opinion_formed_on, facts.parent_informed_on, facts.discussion_offered_on, facts.notified_on]
    known = [step for step in steps if step is not None]
    return all(earlier <= later for earlier, later in pairwise(known))


class DatedStep(StrEnum):
    SENT = "sent"
    OPINION_FORMED = "opinion-formed"
    PARENT_INFORMED = "parent-informed"
    DISCUSSION_OFFERED = "discussion-offered"


@dataclass(frozen=True)
class ImpossibleDate:
    step: DatedStep
    explanation: str


def impossible_dates(
    *,
    received_on: date,
    notified_on: date,
    opinion_formed_on: date,
    parent_informed_on: date | None,
    discussion_offered_on: date | None,
) -> tuple[ImpossibleDate, ...]:
    """The dates that cannot be true of a notification received on ``received_on``; all of them at once."""
    found: list[ImpossibleDate] = []
    if notified_on > received_on:
        found.append(ImpossibleDate(DatedStep.SENT, "The notification is dated as sent after the day it was received"))
    for step, on in (
        (DatedStep.OPINION_FORMED, opinion_formed_on),
        (DatedStep.PARENT_INFORMED, parent_informed_on),
        (DatedStep.DISCUSSION_OFFERED, discussion_offered_on),
    ):
        if on is not None and on > received_on:
            found.append(ImpossibleDate(step, f"The {step.value} date is after the day the notification was received"))
    if received_on >= opinion_formed_on > notified_on:
        explanation = "The opinion is dated after the notification about it was sent"
        found.append(ImpossibleDate(DatedStep.OPINION_FORMED, explanation))
    return tuple(found)


EXPLANATIONS: dict[Reason, str] = {
    Reason.NOT_UNDER_COMPULSORY_SCHOOL_AGE: "s23(1) applies only where the opinion is formed while the child is "
    "under compulsory school age",
    Reason.PARENT_NOT_INFORMED: "s23(2)(a): the date the parent was informed of the opinion is required",
    Reason.DISCUSSION_NOT_OFFERED: "s23(2)(b): the date the parent was offered a discussion is required",
    Reason.STATUTORY_ORDER_NOT_FOLLOWED: "s23(2): the opinion, informing the parent, offering a discussion and "
    "notifying the LA must happen in that order (the parent is informed and offered a discussion before the LA is "
    "told)",
    Reason.RESPONSIBLE_LA_UNKNOWN: "The responsible LA is neither named (recipient with a DfE LA code) nor "
    "derivable from the child's postcode",
    Reason.NOTIFYING_BODY_NOT_ELIGIBLE: "s23 notifications come from ICBs and NHS (foundation) trusts",
}
