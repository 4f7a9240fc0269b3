"""Matching an incoming record to a person, and deciding the possible matches a reviewer was shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from pathfinder.auth import OrganisationRole
from pathfinder.contracts.identity import IdentifierKind, PossibleMatchResolved
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import Candidate, MatchOutcome, decide
from pathfinder.identity.persons.domain.matching_profile import MatchProfile, blocking_keys
from pathfinder.identity.persons.domain.person import LinkMethod, Person, PersonStatus, SourceRecord
from pathfinder.identity.persons.domain.review import IncomingRecord, MatchReview, ReviewDecisionRefused
from pathfinder.identity.persons.service_layer.attempts import Attempt, Caller
from pathfinder.identity.persons.service_layer.refusals import Conflict, ReviewNotFound
from pathfinder.identity.persons.service_layer.unit_of_work import MatchAnswer, PersonIndexUnitOfWork


@dataclass(frozen=True)
class MatchResult:
    outcome: MatchOutcome
    person_id: UUID | None = None
    review_id: UUID | None = None
    held_elsewhere: tuple[IdentifierKind, ...] = ()  # not linked: already linked to another person


async def match_person(
    incoming: IncomingRecord,
    caller: Caller,
    *,
    uow: PersonIndexUnitOfWork,
    now: datetime,
    request_id: str | None = None,
) -> MatchResult:
    """Find the child the record is about: a verified NHS number the index holds decides at once; otherwise
    the probabilistic matcher links, queues for review, or creates a new person."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.MATCH, now, responsible_la=incoming.responsible_la)
        principal = caller.principal
        if principal.role is OrganisationRole.LOCAL_AUTHORITY and principal.organisation != incoming.responsible_la:
            await attempt.deny(f"LA {principal.organisation} matched a record naming LA {incoming.responsible_la}")
        if request_id is not None:
            prior = await uow.reviews.prior_answer(principal.organisation, request_id)
            if prior is not None:
                attempt.person_id, attempt.review_id = prior.person_id, prior.review_id
                await attempt.allowed(outcome=prior.outcome.value, answered="earlier")
                await uow.commit()
                return MatchResult(prior.outcome, prior.person_id, prior.review_id)
        profile = MatchProfile.of(incoming.demographics, incoming.identifiers)
        digests = uow.persons.digests(blocking_keys(profile))
        await uow.persons.lock_blocks(digests)
        result = await _deterministic(incoming, uow, now) or await _probabilistic(incoming, profile, digests, uow, now)
        attempt.person_id, attempt.review_id = result.person_id, result.review_id
        await attempt.allowed(outcome=result.outcome.value)
        if request_id is not None:
            answer = MatchAnswer(result.outcome, result.person_id, result.review_id)
            await uow.reviews.remember_answer(principal.organisation, request_id, answer)
        await uow.commit()
    return result


async def _deterministic(incoming: IncomingRecord, uow: PersonIndexUnitOfWork, now: datetime) -> MatchResult | None:
    if not incoming.nhs_number_verified:
        return None
    nhs_number = next((i for i in incoming.identifiers if i.kind is IdentifierKind.NHS_NUMBER), None)
    owner = await uow.persons.owner_of(nhs_number) if nhs_number else None
    roots = await uow.persons.active_roots([owner]) if owner else set()
    if not roots:
        return None
    person = await uow.persons.get(roots.pop())
    assert person is not None
    held = await _attach(person, incoming, LinkMethod.DETERMINISTIC, uow, now)
    return MatchResult(MatchOutcome.MATCH, person_id=person.person_id, held_elsewhere=held)


async def _probabilistic(
    incoming: IncomingRecord, profile: MatchProfile, digests: list[bytes], uow: PersonIndexUnitOfWork, now: datetime
) -> MatchResult:
    candidates = []
    for person_id in sorted(await uow.persons.candidate_ids(digests)):
        candidate = await uow.persons.get(person_id, lock=False)
        if candidate is not None:
            candidates.append(Candidate(person_id, candidate.match_profiles()))
    decision = decide(profile, candidates)
    if decision.outcome is MatchOutcome.MATCH and decision.person_id is not None:
        person = await uow.persons.get(decision.person_id)
        assert person is not None
        held = await _attach(person, incoming, LinkMethod.PROBABILISTIC, uow, now)
        return MatchResult(MatchOutcome.MATCH, person_id=person.person_id, held_elsewhere=held)
    if decision.outcome is MatchOutcome.POSSIBLE_MATCH:
        review = MatchReview.open(uuid4(), incoming, decision.review_candidates, now)
        await uow.reviews.add(review)
        return MatchResult(MatchOutcome.POSSIBLE_MATCH, review_id=review.review_id)
    person, held = await _register(uuid4(), incoming, uow, now)
    return MatchResult(MatchOutcome.NO_MATCH, person_id=person.person_id, held_elsewhere=held)


def _record(owner: UUID, incoming: IncomingRecord, now: datetime) -> SourceRecord:
    kinds = frozenset(identifier.kind for identifier in incoming.identifiers)
    return SourceRecord(
        owner, incoming.source_organisation, incoming.source_role, incoming.demographics, kinds, now, now
    )


async def _owners(incoming: IncomingRecord, uow: PersonIndexUnitOfWork) -> list[tuple[AgencyIdentifier, UUID | None]]:
    """Each incoming identifier with the person id it is already linked to, if any."""
    identifiers = sorted(incoming.identifiers, key=lambda identifier: identifier.index_text)
    return [(identifier, await uow.persons.owner_of(identifier)) for identifier in identifiers]


async def _attach(
    person: Person, incoming: IncomingRecord, method: LinkMethod, uow: PersonIndexUnitOfWork, now: datetime
) -> tuple[IdentifierKind, ...]:
    """Keep the incoming record as its source's record of ``person`` and link its identifiers, except those
    already linked to someone else (returned: a merge may be due, which is a person's decision)."""
    person.supply(_record(person.person_id, incoming, now))
    held = []
    for identifier, owner in await _owners(incoming, uow):
        if owner is None or owner in person.members:
            person.link(identifier, method, incoming.source_organisation, now, uuid4())
        else:
            held.append(identifier.kind)
    await uow.persons.save(person)
    return tuple(sorted(held))


async def _register(
    person_id: UUID, incoming: IncomingRecord, uow: PersonIndexUnitOfWork, now: datetime
) -> tuple[Person, tuple[IdentifierKind, ...]]:
    owners = await _owners(incoming, uow)
    free = frozenset(identifier for identifier, owner in owners if owner is None)
    person = Person.register(
        person_id,
        responsible_la=incoming.responsible_la,
        record=_record(person_id, incoming, now),
        identifiers=free,
        link_ids={identifier: uuid4() for identifier in free},
        at=now,
    )
    await uow.persons.add(person)
    return person, tuple(sorted(identifier.kind for identifier, owner in owners if owner is not None))


async def decide_review(
    review_id: UUID,
    decision: Literal["same-person", "new-person"],
    person_id: UUID | None,
    caller: Caller,
    *,
    uow: PersonIndexUnitOfWork,
    now: datetime,
) -> MatchResult:
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.DECIDE_REVIEW, now, review_id=review_id)
        review = await uow.reviews.get(review_id, lock=True)
        if review is None:
            await attempt.refuse(ReviewNotFound(), AuditOutcome.NOT_FOUND)
        attempt.responsible_la = review.responsible_la
        if caller.is_nhs:
            await attempt.deny("NHS bodies do not decide match reviews")
        await attempt.may_act_for(review.responsible_la)
        attempt.detail["decision"] = decision
        try:
            if decision == "same-person":
                result = await _same_person(review, person_id, attempt, now)
            else:
                new_id = uuid4()
                incoming = review.decide_new_person(new_id, by=caller.principal.subject, at=now)
                person, held = await _register(new_id, incoming, uow, now)
                result = MatchResult(MatchOutcome.NO_MATCH, person_id=person.person_id, held_elsewhere=held)
        except ReviewDecisionRefused as refused:
            await attempt.refuse(Conflict(str(refused)), AuditOutcome.DENIED)
        await uow.reviews.save(review)
        assert result.person_id is not None
        # A service that asks again with its request id gets the decision, not the review it was first told of.
        await uow.reviews.answer_decided(review_id, MatchAnswer(result.outcome, result.person_id, review_id))
        uow.publish(
            PossibleMatchResolved(
                person_id=result.person_id,
                responsible_la=review.responsible_la,
                review_id=review_id,
                decision=decision,
                resolved_at=now,
            )
        )
        attempt.person_id = result.person_id
        await attempt.allowed()
        await uow.commit()
    return result


async def _same_person(review: MatchReview, chosen: UUID | None, attempt: Attempt, now: datetime) -> MatchResult:
    if chosen is None:
        raise ReviewDecisionRefused("a same-person decision names the person chosen")
    uow = attempt.uow
    incoming = review.decide_same_person(chosen, by=attempt.caller.principal.subject, at=now)
    roots = await uow.persons.active_roots([chosen])
    person = await uow.persons.get(roots.pop()) if roots else None
    if person is None or person.status is not PersonStatus.ACTIVE:
        raise ReviewDecisionRefused("the person chosen has since been erased")
    await attempt.may_act_on(person)
    held = await _attach(person, incoming, LinkMethod.REVIEWED, uow, now)
    return MatchResult(MatchOutcome.MATCH, person_id=person.person_id, held_elsewhere=held)
