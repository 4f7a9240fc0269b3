"""Matching an incoming record to a person: found, new, or a possible match held for a reviewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from pathfinder.auth import OrganisationRole
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Candidate,
    MatchOutcome,
    best_score,
    decide,
)
from pathfinder.identity.persons.domain.matching_profile import MatchProfile, blocking_keys
from pathfinder.identity.persons.domain.person import LinkMethod, Person, SourceRecord
from pathfinder.identity.persons.domain.review import IncomingRecord, MatchReview, ReviewKind
from pathfinder.identity.persons.service_layer.attempts import Attempt, Caller
from pathfinder.identity.persons.service_layer.ports import LocalAuthorities
from pathfinder.identity.persons.service_layer.refusals import Conflict, UnregisteredLa
from pathfinder.identity.persons.service_layer.unit_of_work import MatchAnswer, PersonIndexUnitOfWork

ANOTHER_RECORD = "This X-Request-ID was used before for another record: use a new one for each record."
IDENTIFIER_WITHHELD = "another LA's record carried this child's identifier: not linked, and that LA was not told"
SCORE_WITHHELD = "another LA's record scored as {band} against this child: not shown, and that LA was not told"


@dataclass(frozen=True)
class MatchResult:
    outcome: MatchOutcome
    person_id: UUID | None = None
    review_id: UUID | None = None
    responsible_la: str | None = None
    """The LA the index holds the child under (a match), the LA of the new person, or the LA whose children the
    review's candidates are: never simply the LA the record named."""
    held_elsewhere: tuple[IdentifierKind, ...] = ()  # not linked: already linked to another person
    review_kind: ReviewKind | None = None


@dataclass
class Search:
    """One match request: what it supplied, whose children it may find, and what it touched of others'."""

    incoming: IncomingRecord
    attempt: Attempt
    now: datetime
    within_la: str | None
    """An LA finds only the children it is responsible for; an NHS body or the platform, any child."""
    withheld: dict[UUID, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    """Children of other LAs the record touched (their identifiers, or scoring against them), with their LA and
    why: the caller is told nothing of them; their LA's audit shows it."""

    @property
    def uow(self) -> PersonIndexUnitOfWork:
        return self.attempt.uow

    def may_find(self, person: Person) -> bool:
        return self.within_la is None or person.responsible_la == self.within_la

    def withhold(self, person: Person, reason: str) -> None:
        _, reasons = self.withheld.get(person.person_id, (person.responsible_la, ()))
        self.withheld[person.person_id] = (person.responsible_la, (*reasons, reason))


async def match_person(
    incoming: IncomingRecord,
    caller: Caller,
    *,
    uow: PersonIndexUnitOfWork,
    local_authorities: LocalAuthorities,
    now: datetime,
    request_id: str | None = None,
) -> MatchResult:
    """Find the child the record is about: a verified NHS number the index holds decides at once; otherwise
    the probabilistic matcher links, queues for review, or creates a new person.

    The index owns each child's responsible LA (``docs/decisions/0007-responsible-la.md``). The LA a record names
    is evidence for a new child only, and when the LA of the child's postcode disagrees the record waits for the
    platform's review; a child the index already holds stays with its LA whatever a record names (the answer
    says which). An LA never finds, links to or learns of another LA's child: its answers are those it would get
    were the child not there, and the holding LA's audit shows that it was asked."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.MATCH, now, responsible_la=incoming.responsible_la)
        principal = caller.principal
        is_la = principal.role is OrganisationRole.LOCAL_AUTHORITY
        if is_la and principal.organisation != incoming.responsible_la:
            await attempt.deny(f"LA {principal.organisation} matched a record naming LA {incoming.responsible_la}")
        if not await local_authorities.registered(incoming.responsible_la):
            await attempt.refuse(UnregisteredLa(incoming.responsible_la), AuditOutcome.DENIED)
        record_digest = uow.persons.digests([incoming.canonical_text])[0]
        if request_id is not None:
            prior = await uow.reviews.prior_answer(principal.organisation, request_id)
            if prior is not None and prior.record_digest not in (None, record_digest):
                await attempt.refuse(Conflict(ANOTHER_RECORD), AuditOutcome.DENIED, answered="refused: another record")
            if prior is not None:
                answered = await _answered_before(prior, uow)
                attempt.person_id, attempt.review_id = answered.person_id, answered.review_id
                attempt.responsible_la = answered.responsible_la
                await attempt.allowed(outcome=prior.outcome.value, answered="earlier")
                await uow.commit()
                return answered
        search = Search(incoming, attempt, now, within_la=principal.organisation if is_la else None)
        profile = MatchProfile.of(incoming.demographics, incoming.identifiers)
        digests = uow.persons.digests(blocking_keys(profile))
        await uow.persons.lock_blocks(digests)
        result = await _deterministic(search) or await _probabilistic(search, profile, digests)
        attempt.person_id, attempt.review_id, attempt.responsible_la = (
            result.person_id,
            result.review_id,
            result.responsible_la,
        )
        if result.responsible_la != incoming.responsible_la:
            attempt.detail["named_la"] = incoming.responsible_la
        if incoming.postcode_la is not None and result.responsible_la != incoming.postcode_la:
            attempt.detail["postcode_la"] = incoming.postcode_la
        await attempt.allowed(outcome=result.outcome.value)
        await audit_withheld(search)
        if request_id is not None:
            answer = MatchAnswer(result.outcome, result.person_id, result.review_id, record_digest)
            await uow.reviews.remember_answer(principal.organisation, request_id, answer)
        await uow.commit()
    return result


async def _answered_before(prior: MatchAnswer, uow: PersonIndexUnitOfWork) -> MatchResult:
    """The earlier answer to a retried request, with the LA the index holds the child under now."""
    if prior.person_id is not None:
        roots = await uow.persons.active_roots([prior.person_id])
        person = await uow.persons.get(next(iter(roots)), lock=False) if roots else None
        la = person.responsible_la if person is not None else None
        return MatchResult(prior.outcome, prior.person_id, prior.review_id, la)
    review = await uow.reviews.get(prior.review_id) if prior.review_id is not None else None
    if review is None:
        return MatchResult(prior.outcome, None, prior.review_id)
    return MatchResult(prior.outcome, None, review.review_id, review.responsible_la, review_kind=review.kind)


async def _deterministic(search: Search) -> MatchResult | None:
    incoming, uow = search.incoming, search.uow
    if not incoming.nhs_number_verified:
        return None
    nhs_number = next((i for i in incoming.identifiers if i.kind is IdentifierKind.NHS_NUMBER), None)
    owner = await uow.persons.owner_of(nhs_number) if nhs_number else None
    roots = await uow.persons.active_roots([owner]) if owner else set()
    if not roots:
        return None
    person = await uow.persons.get(roots.pop())
    assert person is not None
    if not search.may_find(person):
        return None
    held = await attach(person, search, LinkMethod.DETERMINISTIC)
    return MatchResult(MatchOutcome.MATCH, person.person_id, None, person.responsible_la, held)


async def _probabilistic(search: Search, profile: MatchProfile, digests: list[bytes]) -> MatchResult:
    uow = search.uow
    candidates, la_of = [], {}
    for candidate in await uow.persons.get_many(sorted(await uow.persons.candidate_ids(digests))):
        person_id = candidate.person_id
        if search.may_find(candidate):
            candidates.append(Candidate(person_id, candidate.match_profiles()))
            la_of[person_id] = candidate.responsible_la
        else:
            _withhold_if_scored(search, profile, candidate)
    decision = decide(profile, candidates)
    if decision.outcome is MatchOutcome.MATCH and decision.person_id is not None:
        person = await uow.persons.get(decision.person_id)
        assert person is not None
        held = await attach(person, search, LinkMethod.PROBABILISTIC)
        return MatchResult(MatchOutcome.MATCH, person.person_id, None, person.responsible_la, held)
    if decision.outcome is MatchOutcome.POSSIBLE_MATCH:
        # The LA whose child the best candidate is decides; it is shown none of another LA's children.
        deciding_la = la_of[decision.review_candidates[0].person_id]
        shown = tuple(found for found in decision.review_candidates if la_of[found.person_id] == deciding_la)
        review = MatchReview.open(uuid4(), search.incoming, shown, search.now, responsible_la=deciding_la)
        await uow.reviews.add(review)
        return MatchResult(
            MatchOutcome.POSSIBLE_MATCH, None, review.review_id, deciding_la, review_kind=ReviewKind.POSSIBLE_MATCH
        )
    return await _new_child(search)


def _withhold_if_scored(search: Search, profile: MatchProfile, hidden: Person) -> None:
    """A child the caller may not find, scoring as a match or possible match: its LA's audit shows the probe."""
    scored = best_score(profile, Candidate(hidden.person_id, hidden.match_profiles()))
    if scored.score.total >= POSSIBLE_THRESHOLD:
        band = "a match" if scored.score.total >= MATCH_THRESHOLD else "a possible match"
        search.withhold(hidden, SCORE_WITHHELD.format(band=band))


async def _new_child(search: Search) -> MatchResult:
    """A child new to the index: a person under the LA the record names, unless the LA of the child's postcode
    disagrees; then the record waits, told to neither LA, for the platform to decide which is responsible."""
    if search.incoming.la_in_dispute:
        review = MatchReview.hold_for_responsible_la(uuid4(), search.incoming, search.now)
        await search.uow.reviews.add(review)
        return MatchResult(MatchOutcome.POSSIBLE_MATCH, None, review.review_id, None, (), ReviewKind.RESPONSIBLE_LA)
    person, held = await register(uuid4(), search)
    return MatchResult(MatchOutcome.NO_MATCH, person.person_id, None, person.responsible_la, held)


async def audit_withheld(search: Search) -> None:
    """Each child of another LA the search touched: in that LA's audit, refused; the caller was told nothing."""
    for person_id, (la_code, reasons) in sorted(search.withheld.items()):
        await search.attempt.withheld(person_id, la_code, "; ".join(reasons))


def _record(owner: UUID, incoming: IncomingRecord, now: datetime) -> SourceRecord:
    kinds = frozenset(identifier.kind for identifier in incoming.identifiers)
    return SourceRecord(
        owner, incoming.source_organisation, incoming.source_role, incoming.demographics, kinds, now, now
    )


@dataclass(frozen=True)
class _Claims:
    """The record's identifiers as one person may take them, in one order whoever holds them."""

    linkable: list[tuple[AgencyIdentifier, bool]]
    """Each with whether the link is contested: another LA's child holds it, and the caller is not told so."""
    held_elsewhere: tuple[IdentifierKind, ...]  # a child the caller may know holds them: reported, not linked


async def _claims(search: Search, own: frozenset[UUID]) -> _Claims:
    linkable, held = [], []
    for identifier in sorted(search.incoming.identifiers, key=lambda identifier: identifier.index_text):
        owner = await search.uow.persons.owner_of(identifier)
        if owner is None or owner in own:
            linkable.append((identifier, False))
            continue
        roots = await search.uow.persons.active_roots([owner])
        holder = await search.uow.persons.get(roots.pop(), lock=False) if roots else None
        if holder is not None and not search.may_find(holder):
            search.withhold(holder, IDENTIFIER_WITHHELD)
            linkable.append((identifier, True))
        else:
            held.append(identifier.kind)
    return _Claims(linkable, tuple(sorted(held)))


def _link_claims(person: Person, claims: _Claims, method: LinkMethod, search: Search) -> None:
    for identifier, contested in claims.linkable:
        person.link(identifier, method, search.incoming.source_organisation, search.now, uuid4(), contested=contested)


async def attach(person: Person, search: Search, method: LinkMethod) -> tuple[IdentifierKind, ...]:
    """Keep the incoming record as its source's record of ``person`` and link its identifiers, except those
    already linked to a child the caller may know of (returned: a merge may be due, which is a person's
    decision)."""
    person.supply(_record(person.person_id, search.incoming, search.now))
    claims = await _claims(search, frozenset(person.members))
    _link_claims(person, claims, method, search)
    await search.uow.persons.save(person)
    return claims.held_elsewhere


async def register(person_id: UUID, search: Search) -> tuple[Person, tuple[IdentifierKind, ...]]:
    incoming = search.incoming
    claims = await _claims(search, frozenset({person_id}))
    person = Person.register(
        person_id,
        responsible_la=incoming.responsible_la,
        record=_record(person_id, incoming, search.now),
        identifiers=frozenset(),
        link_ids={},
        at=search.now,
    )
    _link_claims(person, claims, LinkMethod.REGISTERED, search)
    await search.uow.persons.add(person)
    return person, claims.held_elsewhere
