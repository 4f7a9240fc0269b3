"""Deciding a review: the held record joins the chosen person or becomes a new one, under the LA the index or
the platform's decision names, and the decision is announced so held notifications are released."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from pathfinder.auth import OrganisationRole
from pathfinder.contracts.identity import PossibleMatchResolved
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.person import LinkMethod, PersonStatus
from pathfinder.identity.persons.domain.review import MatchReview, ReviewDecisionRefused, ReviewKind
from pathfinder.identity.persons.service_layer.attempts import Attempt, Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, Search, attach, audit_withheld, register
from pathfinder.identity.persons.service_layer.ports import LocalAuthorities
from pathfinder.identity.persons.service_layer.refusals import Conflict, ReviewNotFound, UnregisteredLa
from pathfinder.identity.persons.service_layer.unit_of_work import MatchAnswer, PersonIndexUnitOfWork


async def decide_review(
    review_id: UUID,
    decision: Literal["same-person", "new-person"],
    person_id: UUID | None,
    caller: Caller,
    *,
    uow: PersonIndexUnitOfWork,
    local_authorities: LocalAuthorities,
    now: datetime,
    responsible_la: str | None = None,
) -> MatchResult:
    """A possible match is decided by the LA whose children the candidates are (or the platform); a
    responsible-LA review by the platform alone, "new-person" naming the LA responsible (``responsible_la``)."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.DECIDE_REVIEW, now, review_id=review_id)
        review = await uow.reviews.get(review_id, lock=True)
        if review is None:
            await attempt.refuse(ReviewNotFound(), AuditOutcome.NOT_FOUND)
        attempt.responsible_la = review.responsible_la
        if caller.is_nhs:
            await attempt.deny("NHS bodies do not decide match reviews")
        principal = caller.principal
        if review.kind is ReviewKind.RESPONSIBLE_LA and principal.role is not OrganisationRole.PLATFORM:
            await attempt.deny("the platform decides which LA is responsible for a child")
        if review.responsible_la is not None:
            await attempt.may_act_for(review.responsible_la, withheld_as=ReviewNotFound())
        attempt.detail["decision"] = decision
        within_la = principal.organisation if principal.role is OrganisationRole.LOCAL_AUTHORITY else None
        try:
            if review.kind is ReviewKind.RESPONSIBLE_LA:
                result, search = await _responsible_la(review, decision, responsible_la, attempt, local_authorities)
            elif decision == "same-person":
                result, search = await _same_person(review, person_id, attempt, now, within_la)
            elif review.incoming is not None and review.incoming.la_in_dispute:
                review.refer_for_responsible_la()
                result = MatchResult(MatchOutcome.POSSIBLE_MATCH, None, review_id, None, (), ReviewKind.RESPONSIBLE_LA)
                search = Search(review.incoming, attempt, now, within_la)
                attempt.detail["referred"] = ReviewKind.RESPONSIBLE_LA.value
            else:
                new_id = uuid4()
                search = Search(review.decide_new_person(new_id, by=principal.subject, at=now), attempt, now, within_la)
                result = await _registered(new_id, search)
        except ReviewDecisionRefused as refused:
            await attempt.refuse(Conflict(str(refused)), AuditOutcome.DENIED)
        await uow.reviews.save(review)
        if result.person_id is not None and result.responsible_la is not None:
            # A service that asks again with its request id gets the decision, not the review it was first told of.
            await uow.reviews.answer_decided(review_id, MatchAnswer(result.outcome, result.person_id, review_id))
            uow.publish(
                PossibleMatchResolved(
                    person_id=result.person_id,
                    responsible_la=result.responsible_la,
                    review_id=review_id,
                    decision=decision,
                    resolved_at=now,
                )
            )
        attempt.person_id = result.person_id
        attempt.responsible_la = result.responsible_la or attempt.responsible_la
        await attempt.allowed()
        await audit_withheld(search)
        await uow.commit()
    return result


async def _registered(new_id: UUID, search: Search) -> MatchResult:
    person, held = await register(new_id, search)
    return MatchResult(MatchOutcome.NO_MATCH, person.person_id, None, person.responsible_la, held)


async def _responsible_la(
    review: MatchReview,
    decision: str,
    chosen: str | None,
    attempt: Attempt,
    local_authorities: LocalAuthorities,
) -> tuple[MatchResult, Search]:
    if decision != "new-person" or chosen is None:
        raise ReviewDecisionRefused("a responsible-LA review is decided 'new-person', naming the LA responsible")
    if not await local_authorities.registered(chosen):
        await attempt.refuse(UnregisteredLa(chosen), AuditOutcome.DENIED)
    new_id, now = uuid4(), attempt.at
    incoming = review.decide_responsible_la(new_id, chosen, by=attempt.caller.principal.subject, at=now)
    search = Search(incoming, attempt, now, within_la=None)
    attempt.detail["responsible_la"] = chosen
    return await _registered(new_id, search), search


async def _same_person(
    review: MatchReview, chosen: UUID | None, attempt: Attempt, now: datetime, within_la: str | None
) -> tuple[MatchResult, Search]:
    if chosen is None:
        raise ReviewDecisionRefused("a same-person decision names the person chosen")
    uow = attempt.uow
    incoming = review.decide_same_person(chosen, by=attempt.caller.principal.subject, at=now)
    roots = await uow.persons.active_roots([chosen])
    person = await uow.persons.get(roots.pop()) if roots else None
    if person is None or person.status is not PersonStatus.ACTIVE:
        raise ReviewDecisionRefused("the person chosen has since been erased")
    await attempt.may_act_on(person)
    search = Search(incoming, attempt, now, within_la)
    held = await attach(person, search, LinkMethod.REVIEWED)
    return MatchResult(MatchOutcome.MATCH, person.person_id, None, person.responsible_la, held), search
