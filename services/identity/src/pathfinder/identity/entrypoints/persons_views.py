"""What the person index's HTTP API answers (``persons_inputs`` holds what it accepts)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.demographics import Demographics, Sex
from pathfinder.identity.persons.domain.person import IdentifierLink, Merge, SourceRecord
from pathfinder.identity.persons.domain.review import IncomingRecord, ReviewCandidate
from pathfinder.identity.persons.service_layer.matching import MatchResult
from pathfinder.identity.persons.service_layer.reading import ReviewView
from pathfinder.identity.persons.service_layer.unit_of_work import StoredAuditEntry
from pydantic import BaseModel, Field


class MatchOut(BaseModel):
    outcome: Literal["match", "possible-match", "no-match"]
    person_id: UUID | None = None
    review_id: UUID | None = None
    responsible_la: str | None = Field(
        default=None,
        description="The LA the index holds the child under (it owns that fact: a record's LA counts only for a "
        "child new to the index), or, for a possible match, the LA that will decide it",
    )
    identifiers_held_elsewhere: list[IdentifierKind] = Field(
        default_factory=list, description="Supplied but not linked: already linked to another person"
    )
    review_kind: Literal["possible-match", "responsible-la"] | None = Field(
        default=None,
        description="What the review named by review_id decides: which candidate the child is, or (the named LA and "
        "the postcode's LA disagreeing for a new child) which LA is responsible",
    )

    @classmethod
    def of(cls, result: MatchResult) -> MatchOut:
        return cls(
            outcome=result.outcome.value,
            person_id=result.person_id,
            review_id=result.review_id,
            responsible_la=result.responsible_la,
            identifiers_held_elsewhere=list(result.held_elsewhere),
            review_kind=result.review_kind.value if result.review_kind else None,
        )


class DemographicsOut(BaseModel):
    given_names: list[str]
    family_name: str | None
    birth_date: date | None
    sex: Sex | None
    postcode: str | None
    address_lines: list[str]

    @classmethod
    def of(cls, demographics: Demographics) -> DemographicsOut:
        return cls(
            given_names=list(demographics.given_names),
            family_name=demographics.family_name,
            birth_date=demographics.birth_date,
            sex=demographics.sex,
            postcode=demographics.postcode,
            address_lines=list(demographics.address_lines),
        )


class SourceRecordOut(BaseModel):
    source_organisation: str
    source_role: str
    identifier_kinds: list[IdentifierKind]
    first_supplied_at: datetime
    last_supplied_at: datetime
    demographics: DemographicsOut

    @classmethod
    def of(cls, record: SourceRecord) -> SourceRecordOut:
        return cls(
            source_organisation=record.organisation,
            source_role=record.role,
            identifier_kinds=sorted(record.identifier_kinds),
            first_supplied_at=record.first_supplied_at,
            last_supplied_at=record.last_supplied_at,
            demographics=DemographicsOut.of(record.demographics),
        )


class PersonOut(BaseModel):
    person_id: UUID
    responsible_la: str
    records: list[SourceRecordOut]


class LinkOut(BaseModel):
    link_id: UUID
    kind: IdentifierKind
    value: str
    issuer: str | None
    linked_by: str
    source_organisation: str
    linked_at: datetime

    @classmethod
    def of(cls, link: IdentifierLink) -> LinkOut:
        assert link.identifier is not None
        return cls(
            link_id=link.link_id,
            kind=link.kind,
            value=link.identifier.value,
            issuer=link.issuer,
            linked_by=link.method.value,
            source_organisation=link.source_organisation,
            linked_at=link.linked_at,
        )


class IdentifiersOut(BaseModel):
    person_id: UUID
    identifiers: list[LinkOut]


class CandidateOut(BaseModel):
    person_id: UUID
    score: float
    levels: dict[str, str] = Field(description="How each field agreed, e.g. birth_date: exact, surname: part")

    @classmethod
    def of(cls, candidate: ReviewCandidate) -> CandidateOut:
        return cls(
            person_id=candidate.person_id,
            score=candidate.score,
            levels={field: level.value for field, level in candidate.levels.items()},
        )


class IncomingOut(BaseModel):
    demographics: DemographicsOut
    identifiers: list[dict[str, str | None]]

    @classmethod
    def of(cls, incoming: IncomingRecord) -> IncomingOut:
        return cls(
            demographics=DemographicsOut.of(incoming.demographics),
            identifiers=[
                {"kind": i.kind.value, "value": i.value, "issuer": i.issuer}
                for i in sorted(incoming.identifiers, key=lambda i: i.index_text)
            ],
        )


class ReviewOut(BaseModel):
    review_id: UUID
    kind: Literal["possible-match", "responsible-la"]
    responsible_la: str | None = Field(description="The LA that decides; none when the platform does")
    la_choices: list[str] = Field(
        description="For a responsible-LA review: the LA the record named and the LA of the child's postcode"
    )
    source_organisation: str
    created_at: datetime
    incoming: IncomingOut | None = Field(description="Shown to the responsible LA only")
    candidates: list[CandidateOut]
    hidden_candidates: int = Field(description="Candidates held for other LAs, counted but not shown")

    @classmethod
    def of(cls, view: ReviewView) -> ReviewOut:
        return cls(
            review_id=view.review.review_id,
            kind=view.review.kind.value,
            responsible_la=view.review.responsible_la,
            la_choices=list(view.review.la_choices),
            source_organisation=view.review.source_organisation,
            created_at=view.review.created_at,
            incoming=IncomingOut.of(view.incoming) if view.incoming else None,
            candidates=[CandidateOut.of(candidate) for candidate in view.candidates],
            hidden_candidates=view.hidden_candidates,
        )


class ReviewsOut(BaseModel):
    reviews: list[ReviewOut]


class MergeOut(BaseModel):
    merge_id: UUID
    person_id: UUID
    merged_person_id: UUID
    merged_at: datetime
    unmerged_at: datetime | None

    @classmethod
    def of(cls, merge: Merge) -> MergeOut:
        return cls(
            merge_id=merge.merge_id,
            person_id=merge.person_id,
            merged_person_id=merge.merged_person_id,
            merged_at=merge.merged_at,
            unmerged_at=merge.unmerged_at,
        )


class TransferOut(BaseModel):
    person_id: UUID
    responsible_la: str
    previous_la: str


class ErasureOut(BaseModel):
    person_id: UUID
    erased_at: datetime


class ActorOut(BaseModel):
    subject: str
    kind: str
    organisation: str
    role: str


class AuditEventOut(BaseModel):
    audit_id: int
    occurred_at: datetime
    actor: ActorOut
    action: str
    outcome: str
    purpose: str
    person_id: UUID | None
    review_id: UUID | None
    responsible_la: str | None
    correlation_id: str | None
    detail: dict[str, str]

    @classmethod
    def of(cls, stored: StoredAuditEntry) -> AuditEventOut:
        entry = stored.entry
        return cls(
            audit_id=stored.audit_id,
            occurred_at=entry.occurred_at,
            actor=ActorOut(**vars(entry.actor)),
            action=entry.action.value,
            outcome=entry.outcome.value,
            purpose=entry.purpose.value,
            person_id=entry.person_id,
            review_id=entry.review_id,
            responsible_la=entry.responsible_la,
            correlation_id=entry.correlation_id,
            detail=dict(entry.detail),
        )


class AuditEventsOut(BaseModel):
    events: list[AuditEventOut]
    next_before: int | None = Field(description="Pass as 'before' for the next, older page")
