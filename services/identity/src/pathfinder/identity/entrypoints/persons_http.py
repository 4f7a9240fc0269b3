"""The person index's HTTP API. Every route that exposes a person carries the tag ``person-data``.

Reads must say why (``purpose`` query parameter or ``X-Purpose`` header, from a fixed list); every call is
authorised per person and audited, refusals included.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response
from pathfinder.auth import Principal, Scope
from pathfinder.identity.entrypoints.dependencies import PersonIndexDependencies, person_index_dependencies
from pathfinder.identity.entrypoints.persons_inputs import (
    DecisionIn,
    LinkIn,
    MatchIn,
    MergeIn,
    TransferIn,
    agency_identifier,
    incoming_record,
)
from pathfinder.identity.entrypoints.persons_views import (
    AuditEventOut,
    AuditEventsOut,
    ErasureOut,
    IdentifiersOut,
    LinkOut,
    MatchOut,
    MergeOut,
    PersonOut,
    ReviewOut,
    ReviewsOut,
    SourceRecordOut,
    TransferOut,
)
from pathfinder.identity.persons.domain.audit import Purpose
from pathfinder.identity.persons.service_layer import corrections, matching, reading, review_decisions
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.telemetry.correlation import current_correlation_id
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem

PERSON_DATA = "person-data"
router = APIRouter(tags=[PERSON_DATA])


PersonIndex = Annotated[PersonIndexDependencies, Depends(person_index_dependencies)]
PurposeQuery = Annotated[Purpose | None, Query(description="Why the caller acts (or the X-Purpose header)")]
PurposeHeader = Annotated[Purpose | None, Header(alias="X-Purpose")]


async def stated_purpose(purpose: PurposeQuery = None, x_purpose: PurposeHeader = None) -> Purpose:
    stated = purpose or x_purpose
    if stated is None:
        raise Problem(400, "Bad Request", "Say why: a 'purpose' query parameter or X-Purpose header is required.")
    return stated


def caller(principal: Principal, purpose: Purpose) -> Caller:
    return Caller(principal, purpose, current_correlation_id())


@router.post("/persons/$match", response_model=MatchOut, summary="Find or create the person a record is about")
async def match_person(
    body: MatchIn,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_MATCH))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
    x_request_id: Annotated[str | None, Header(alias="X-Request-ID", max_length=200)] = None,
) -> MatchOut:
    """Finds the person a record is about, or creates one: deterministic on a verified NHS number, else
    probabilistic. A possible match is never linked: it waits for a person's review (``review_id``). Audited, with
    the purpose stated."""
    now = index.clock()
    incoming = incoming_record(body, principal, now.date())
    stated = caller(principal, purpose or Purpose.RECORD_LINKAGE)
    result = await matching.match_person(
        incoming,
        stated,
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=now,
        request_id=x_request_id,
    )
    return MatchOut.of(result)


@router.get("/persons/{person_id}", response_model=PersonOut, summary="A person's details, as the caller may see them")
async def person_details(
    person_id: UUID,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_READ))],
    purpose: Annotated[Purpose, Depends(stated_purpose)],
    index: PersonIndex,
) -> PersonOut:
    """The person's details as the caller may see them (an LA only its own children), with the responsible LA. The
    ``purpose`` query parameter (or ``X-Purpose`` header) says why, e.g. ``early-years-notification``; every read is
    audited."""
    details = await reading.person_details(
        person_id, caller(principal, purpose), uow=index.unit_of_work(), now=index.clock()
    )
    return PersonOut(
        person_id=details.person_id,
        responsible_la=details.responsible_la,
        records=[SourceRecordOut.of(record) for record in details.records],
    )


@router.get("/persons/{person_id}/identifiers", response_model=IdentifiersOut, summary="Identifiers linked to a person")
async def person_identifiers(
    person_id: UUID,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_READ))],
    purpose: Annotated[Purpose, Depends(stated_purpose)],
    index: PersonIndex,
) -> IdentifiersOut:
    """NHS number, UPN, ULN and LA case ids linked to the person, as the caller may see them; audited."""
    links = await reading.person_identifiers(
        person_id, caller(principal, purpose), uow=index.unit_of_work(), now=index.clock()
    )
    return IdentifiersOut(person_id=person_id, identifiers=[LinkOut.of(link) for link in links])


@router.get("/match-reviews", response_model=ReviewsOut, summary="Possible matches waiting for a decision")
async def match_reviews(
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_REVIEW))],
    purpose: Annotated[Purpose, Depends(stated_purpose)],
    index: PersonIndex,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReviewsOut:
    """Possible matches waiting for a person's decision, for the LA whose children the candidates are."""
    views = await reading.match_reviews(
        caller(principal, purpose), uow=index.unit_of_work(), now=index.clock(), limit=limit
    )
    return ReviewsOut(reviews=[ReviewOut.of(view) for view in views])


@router.post("/match-reviews/{review_id}/decision", response_model=MatchOut, summary="Decide a possible match")
async def decide_review(
    review_id: UUID,
    body: DecisionIn,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_REVIEW))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> MatchOut:
    """A person decides a possible match: the same child (linked) or a different one (a new person); the platform
    decides a responsible-LA review (a new person, under the LA it names). Identity announces it
    (PossibleMatchResolved), which releases notifications held for it."""
    result = await review_decisions.decide_review(
        review_id,
        body.decision,
        body.person_id,
        caller(principal, purpose or Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=index.clock(),
        responsible_la=body.responsible_la,
    )
    return MatchOut.of(result)


@router.post("/persons/{person_id}/links", response_model=LinkOut, status_code=201, summary="Link an identifier")
async def link_identifier(
    person_id: UUID,
    body: LinkIn,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_LINK))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> LinkOut:
    """Links an identifier (UPN, ULN, LA case id) to the person; announced as PersonLinked."""
    identifier = agency_identifier(body)
    stated = caller(principal, purpose or Purpose.RECORD_LINKAGE)
    return LinkOut.of(
        await corrections.link_identifier(person_id, identifier, stated, uow=index.unit_of_work(), now=index.clock())
    )


@router.delete("/persons/{person_id}/links/{link_id}", status_code=204, summary="Remove a wrong link")
async def unlink_identifier(
    person_id: UUID,
    link_id: UUID,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_LINK))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> Response:
    """Removes a wrong link; announced as PersonUnlinked."""
    stated = caller(principal, purpose or Purpose.RECORD_LINKAGE)
    await corrections.unlink_identifier(person_id, link_id, stated, uow=index.unit_of_work(), now=index.clock())
    return Response(status_code=204)


@router.post("/persons/{person_id}/merges", response_model=MergeOut, status_code=201, summary="Merge two persons")
async def merge_persons(
    person_id: UUID,
    body: MergeIn,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_LINK))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> MergeOut:
    """Merges two persons found to be one child; the merge can be undone."""
    stated = caller(principal, purpose or Purpose.RECORD_LINKAGE)
    return MergeOut.of(
        await corrections.merge_persons(
            person_id, body.merged_person_id, stated, uow=index.unit_of_work(), now=index.clock()
        )
    )


@router.delete("/persons/{person_id}/merges/{merge_id}", response_model=MergeOut, summary="Undo a merge")
async def unmerge_persons(
    person_id: UUID,
    merge_id: UUID,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_LINK))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> MergeOut:
    """Undoes a merge."""
    stated = caller(principal, purpose or Purpose.RECORD_LINKAGE)
    return MergeOut.of(
        await corrections.unmerge_persons(person_id, merge_id, stated, uow=index.unit_of_work(), now=index.clock())
    )


@router.post("/persons/{person_id}/$transfer", response_model=TransferOut, summary="Hand a child to another LA")
async def transfer_person(
    person_id: UUID,
    body: TransferIn,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_LINK))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> TransferOut:
    """The responsible LA (or the platform) hands the child to another registered LA; both LAs' audits show it,
    and ResponsibleLaChanged is announced to the new LA and the services that route by LA."""
    previous = await corrections.transfer_person(
        person_id,
        body.responsible_la,
        caller(principal, purpose or Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=index.clock(),
    )
    return TransferOut(person_id=person_id, responsible_la=body.responsible_la, previous_la=previous)


@router.post("/persons/{person_id}/$erase", response_model=ErasureOut, summary="Erase a person (crypto-shredding)")
async def erase_person(
    person_id: UUID,
    principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_ERASE))],
    index: PersonIndex,
    purpose: PurposeQuery = None,
) -> ErasureOut:
    """Erases a person by destroying their data key (crypto-shredding): the sealed details can never be read again;
    announced as PersonErased."""
    stated = caller(principal, purpose or Purpose.ERASURE_REQUEST)
    erased_at = await corrections.erase_person(person_id, stated, uow=index.unit_of_work(), now=index.clock())
    return ErasureOut(person_id=person_id, erased_at=erased_at)


@router.get("/audit-events", response_model=AuditEventsOut, summary="Who touched which child's details, and why")
async def audit_events(
    principal: Annotated[Principal, Depends(require_scopes(Scope.AUDIT_READ))],
    purpose: Annotated[Purpose, Depends(stated_purpose)],
    index: PersonIndex,
    person_id: UUID | None = None,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,  # audit ids are PostgreSQL bigints
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditEventsOut:
    """The append-only audit log: who read or changed which child's details, when, and for what purpose."""
    stored = await reading.audit_events(
        person_id, caller(principal, purpose), uow=index.unit_of_work(), now=index.clock(), before=before, limit=limit
    )
    events = [AuditEventOut.of(item) for item in stored]
    return AuditEventsOut(events=events, next_before=stored[-1].audit_id if len(stored) == limit else None)
