"""Reading a person's details, the review queue and the audit log: each read authorised and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pathfinder.auth import OrganisationRole
from pathfinder.identity.persons.domain.audit import AuditAction
from pathfinder.identity.persons.domain.person import IdentifierLink, SourceRecord
from pathfinder.identity.persons.domain.review import IncomingRecord, MatchReview, ReviewCandidate
from pathfinder.identity.persons.service_layer.attempts import Attempt, Caller
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork, StoredAuditEntry


@dataclass(frozen=True)
class PersonDetails:
    person_id: UUID
    responsible_la: str
    records: list[SourceRecord]


async def person_details(
    person_id: UUID, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime
) -> PersonDetails:
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.READ_DETAILS, now)
        person = await attempt.person(person_id, lock=False, reading=True)
        disclosure = await attempt.disclosure(person)
        await attempt.allowed(viewer=disclosure.role.value)
        await uow.commit()
    return PersonDetails(person.person_id, person.responsible_la, disclosure.records(person))


async def person_identifiers(
    person_id: UUID, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime
) -> list[IdentifierLink]:
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.READ_IDENTIFIERS, now)
        person = await attempt.person(person_id, lock=False, reading=True)
        disclosure = await attempt.disclosure(person)
        await attempt.allowed(viewer=disclosure.role.value)
        await uow.commit()
    return disclosure.links(person)


@dataclass(frozen=True)
class ReviewView:
    """A review as one reviewer may see it: candidates of other LAs are only counted, and the incoming
    record is shown to the responsible LA alone (platform reviewers decide on scores)."""

    review: MatchReview
    incoming: IncomingRecord | None
    candidates: list[ReviewCandidate]
    hidden_candidates: int


async def match_reviews(caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime, limit: int) -> list[ReviewView]:
    principal = caller.principal
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.READ_REVIEW, now)
        if principal.role is OrganisationRole.LOCAL_AUTHORITY:
            la: str | None = principal.organisation
        elif principal.role is OrganisationRole.PLATFORM:
            la = None
        else:
            await attempt.deny("NHS bodies do not review matches")
        views = []
        for review in await uow.reviews.pending(la, limit=limit):
            owners = await uow.persons.responsible_las(candidate.person_id for candidate in review.candidates)
            visible = [c for c in review.candidates if la is None or owners.get(c.person_id) == la]
            views.append(
                ReviewView(review, review.incoming if la else None, visible, len(review.candidates) - len(visible))
            )
            entry = Attempt(uow, caller, AuditAction.READ_REVIEW, now, review_id=review.review_id)
            entry.responsible_la = review.responsible_la
            await entry.allowed(record_shown=str(la is not None).lower())
        await uow.commit()
    return views


async def audit_events(
    person_id: UUID | None, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime, before: int | None, limit: int
) -> list[StoredAuditEntry]:
    """Newest first. An LA reads the entries about its own children, the platform all; NHS bodies none."""
    principal = caller.principal
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.READ_AUDIT, now, person_id=person_id)
        la: str | None = None
        if principal.role is OrganisationRole.LOCAL_AUTHORITY:
            la = principal.organisation
            if person_id is not None:
                held = await uow.persons.get(person_id, lock=False)
                attempt.responsible_la = held.responsible_la if held is not None else None
                if held is not None and held.responsible_la != la:
                    # Answered as an id with no entries, as for a child never held; the child's LA sees the attempt.
                    reason = f"LA {la} read the audit of another LA's child"
                    await attempt.withheld(person_id, held.responsible_la, reason)
                    await uow.commit()
                    return []
        elif principal.role is not OrganisationRole.PLATFORM:
            await attempt.deny("NHS bodies do not read the person index's audit log")
        entries = await uow.audit.entries(person_id=person_id, responsible_la=la, before=before, limit=limit)
        attempt.responsible_la = attempt.responsible_la or la
        await attempt.allowed()
        await uow.commit()
    return entries
