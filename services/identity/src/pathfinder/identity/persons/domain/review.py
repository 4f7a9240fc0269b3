"""Records the matcher may not settle alone wait here for a person to decide.

A possible-match review holds the incoming record as the agency sent it and the candidates that scored between
the two thresholds; the LA whose children they are decides "same person" (one of the candidates) or "new
person". A responsible-LA review holds the record of a child new to the index whose named LA and postcode's LA
disagree; the platform decides which of the two is responsible (``docs/decisions/0007-responsible-la.md``).
Either way the incoming record leaves the review for a person's record, and the review keeps only who decided
what, when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
    postcode_la: str | None = None
    """The LA of the child's postcode, as the sender's postcode directory gave it: evidence about the LA, weighed
    only for a child new to the index."""

    def __repr__(self) -> str:
        return f"IncomingRecord(from {self.source_organisation}, for LA {self.responsible_la}, <details withheld>)"

    @property
    def la_in_dispute(self) -> bool:
        """The LA the record names is not the LA of the child's postcode."""
        return self.postcode_la is not None and self.postcode_la != self.responsible_la

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
            # Only when given, so that records remembered before the field existed keep their digest.
            + ([self.postcode_la] if self.postcode_la is not None else [])
        )


class ReviewKind(StrEnum):
    POSSIBLE_MATCH = "possible-match"  # the LA whose children the candidates are decides
    RESPONSIBLE_LA = "responsible-la"  # the platform decides which LA a new child belongs to


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
    responsible_la: str | None  # the LA that decides; None: the platform
    source_organisation: str
    created_at: datetime
    candidates: tuple[ReviewCandidate, ...]
    incoming: IncomingRecord | None  # None once decided: the record has gone to a person
    status: ReviewStatus = ReviewStatus.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
    decided_person_id: UUID | None = None
    request_id: str | None = field(default=None, compare=False)
    kind: ReviewKind = ReviewKind.POSSIBLE_MATCH

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

    @classmethod
    def hold_for_responsible_la(cls, review_id: UUID, incoming: IncomingRecord, at: datetime) -> MatchReview:
        """A child new to the index whose named LA and postcode's LA disagree: neither LA is told of the child
        until the platform decides which is responsible."""
        return cls(
            review_id=review_id,
            responsible_la=None,
            source_organisation=incoming.source_organisation,
            created_at=at,
            candidates=(),
            incoming=incoming,
            kind=ReviewKind.RESPONSIBLE_LA,
        )

    @property
    def la_choices(self) -> tuple[str, ...]:
        """The LAs a responsible-LA review may decide for: the one named, the one of the postcode."""
        if self.kind is not ReviewKind.RESPONSIBLE_LA or self.incoming is None:
            return ()
        return tuple(la for la in (self.incoming.responsible_la, self.incoming.postcode_la) if la is not None)

    def _ensure_pending(self) -> IncomingRecord:
        if self.status is not ReviewStatus.PENDING or self.incoming is None:
            raise ReviewDecisionRefused(f"review {self.review_id} has already been decided")
        return self.incoming

    def decide_same_person(self, person_id: UUID, *, by: str, at: datetime) -> IncomingRecord:
        incoming = self._ensure_possible_match()
        if person_id not in {candidate.person_id for candidate in self.candidates}:
            raise ReviewDecisionRefused("the person chosen is not one of the review's candidates")
        self._decided(ReviewStatus.SAME_PERSON, person_id, by, at)
        return incoming

    def decide_new_person(self, person_id: UUID, *, by: str, at: datetime) -> IncomingRecord:
        incoming = self._ensure_possible_match()
        self._decided(ReviewStatus.NEW_PERSON, person_id, by, at)
        return incoming

    def refer_for_responsible_la(self) -> None:
        """The LA deciding the possible match found none of its children in it, but the record's LA is in dispute:
        the review stays pending, for the platform to decide which LA is responsible."""
        incoming = self._ensure_possible_match()
        if not incoming.la_in_dispute:
            raise ReviewDecisionRefused("the record's LA is not in dispute")
        self.kind, self.responsible_la, self.candidates = ReviewKind.RESPONSIBLE_LA, None, ()

    def decide_responsible_la(self, person_id: UUID, la_code: str, *, by: str, at: datetime) -> IncomingRecord:
        """The child is new, ``person_id``, and ``la_code`` is responsible: the record, as it is to be
        registered."""
        incoming = self._ensure_pending()
        if self.kind is not ReviewKind.RESPONSIBLE_LA:
            raise ReviewDecisionRefused("a possible-match review is decided same-person or new-person, not by LA")
        if la_code not in self.la_choices:
            raise ReviewDecisionRefused("the LA chosen is neither the LA named nor the LA of the child's postcode")
        self._decided(ReviewStatus.NEW_PERSON, person_id, by, at)
        return replace(incoming, responsible_la=la_code)

    def _ensure_possible_match(self) -> IncomingRecord:
        incoming = self._ensure_pending()
        if self.kind is not ReviewKind.POSSIBLE_MATCH:
            raise ReviewDecisionRefused("a responsible-LA review is decided by naming the LA responsible")
        return incoming

    def _decided(self, status: ReviewStatus, person_id: UUID, by: str, at: datetime) -> None:
        self.status, self.decided_person_id, self.decided_by, self.decided_at = status, person_id, by, at
        self.incoming = None
