"""Possible matches wait here for a person to decide: never linked by the matcher alone.

A review holds the incoming record as the agency sent it and the candidates that scored between the two
thresholds. The reviewer decides "same person" (one of the candidates) or "new person"; either way the
incoming record leaves the review for a person's record, and the review keeps only who decided what, when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pathfinder.identity.persons.domain.demographics import Demographics
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import ScoredCandidate
from pathfinder.identity.persons.domain.matching_comparisons import Level


@dataclass(frozen=True)
class IncomingRecord:
    """What a match request supplied about one child, and who supplied it."""

    demographics: Demographics
    identifiers: frozenset[AgencyIdentifier]
    source_organisation: str
    source_role: str
    responsible_la: str
    nhs_number_verified: bool = False

    def __repr__(self) -> str:
        return f"IncomingRecord(from {self.source_organisation}, for LA {self.responsible_la}, <details withheld>)"

    @property
    def canonical_text(self) -> str:
        """Everything the record says, one way: two requests carry the same record exactly when these agree. For
        a keyed digest only (it holds personal details)."""
        given = self.demographics
        return "\x1f".join(
            [
                self.responsible_la,
                "|".join(sorted(identifier.index_text for identifier in self.identifiers)),
                "verified" if self.nhs_number_verified else "",
                "|".join(given.given_names),
                given.family_name or "",
                given.birth_date.isoformat() if given.birth_date else "",
                given.sex.value if given.sex else "",
                given.postcode or "",
                "|".join(given.address_lines),
            ]
        )


class ReviewStatus(StrEnum):
    PENDING = "pending"
    SAME_PERSON = "same-person"
    NEW_PERSON = "new-person"


class ReviewDecisionRefused(Exception):
    """The decision does not fit the review; the message is safe to show."""


@dataclass(frozen=True)
class ReviewCandidate:
    person_id: UUID
    score: float
    levels: Mapping[str, Level]

    @classmethod
    def of(cls, scored: ScoredCandidate) -> ReviewCandidate:
        return cls(scored.person_id, scored.score.total, dict(scored.score.levels))


@dataclass
class MatchReview:
    review_id: UUID
    responsible_la: str
    source_organisation: str
    created_at: datetime
    candidates: tuple[ReviewCandidate, ...]
    incoming: IncomingRecord | None  # None once decided: the record has gone to a person
    status: ReviewStatus = ReviewStatus.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
    decided_person_id: UUID | None = None
    request_id: str | None = field(default=None, compare=False)

    @classmethod
    def open(
        cls,
        review_id: UUID,
        incoming: IncomingRecord,
        candidates: tuple[ScoredCandidate, ...],
        at: datetime,
        *,
        responsible_la: str | None = None,
    ) -> MatchReview:
        """``responsible_la``: the LA that decides, whose children the candidates are (the record's LA if none)."""
        return cls(
            review_id=review_id,
            responsible_la=responsible_la or incoming.responsible_la,
            source_organisation=incoming.source_organisation,
            created_at=at,
            candidates=tuple(ReviewCandidate.of(candidate) for candidate in candidates),
            incoming=incoming,
        )

    def _ensure_pending(self) -> IncomingRecord:
        if self.status is not ReviewStatus.PENDING or self.incoming is None:
            raise ReviewDecisionRefused(f"review {self.review_id} has already been decided")
        return self.incoming

    def decide_same_person(self, person_id: UUID, *, by: str, at: datetime) -> IncomingRecord:
        incoming = self._ensure_pending()
        if person_id not in {candidate.person_id for candidate in self.candidates}:
            raise ReviewDecisionRefused("the person chosen is not one of the review's candidates")
        self._decided(ReviewStatus.SAME_PERSON, person_id, by, at)
        return incoming

    def decide_new_person(self, person_id: UUID, *, by: str, at: datetime) -> IncomingRecord:
        incoming = self._ensure_pending()
        self._decided(ReviewStatus.NEW_PERSON, person_id, by, at)
        return incoming

    def _decided(self, status: ReviewStatus, person_id: UUID, by: str, at: datetime) -> None:
        self.status, self.decided_person_id, self.decided_by, self.decided_at = status, person_id, by, at
        self.incoming = None
