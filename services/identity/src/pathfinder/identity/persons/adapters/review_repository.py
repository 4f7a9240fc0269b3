"""The review queue in PostgreSQL, and the answers given to match requests (so a retry gets the same answer).

A pending review's incoming record is sealed under a data key of its own; deciding the review deletes the
record and that key together, once the record has moved to a person.
"""

from __future__ import annotations

import json
from uuid import UUID

from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.adapters.tables import match_request, match_review
from pathfinder.identity.persons.adapters.vault import PersonVault
from pathfinder.identity.persons.domain.demographics import Demographics
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.matching_comparisons import Level
from pathfinder.identity.persons.domain.review import (
    IncomingRecord,
    MatchReview,
    ReviewCandidate,
    ReviewKind,
    ReviewStatus,
)
from pathfinder.identity.persons.service_layer.unit_of_work import MatchAnswer
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

_LABEL = "incoming-record"


def _record_json(record: IncomingRecord) -> bytes:
    return json.dumps(
        {
            "demographics": record.demographics.as_dict(),
            "identifiers": sorted([i.kind.value, i.value, i.issuer] for i in record.identifiers),
            "source_role": record.source_role,
            "nhs_number_verified": record.nhs_number_verified,
            "responsible_la": record.responsible_la,  # named: the review's own LA is the one that decides
            "postcode_la": record.postcode_la,
        },
        sort_keys=True,
    ).encode()


def _candidates(review: MatchReview) -> list[dict[str, object]]:
    return [{"person_id": str(c.person_id), "score": c.score, "levels": dict(c.levels)} for c in review.candidates]


class SqlMatchReviewRepository:
    def __init__(self, session: AsyncSession, vault: PersonVault) -> None:
        self._session = session
        self._vault = vault

    async def add(self, review: MatchReview) -> None:
        assert review.incoming is not None
        key, wrapped = self._vault.new_data_key(review.review_id)
        await self._session.execute(
            insert(match_review).values(
                review_id=review.review_id,
                kind=review.kind.value,
                responsible_la=review.responsible_la,
                source_organisation=review.source_organisation,
                status=review.status.value,
                candidates=_candidates(review),
                master_key_id=self._vault.master_key_id,
                wrapped_key=wrapped,
                sealed_record=self._vault.seal(key, _LABEL, _record_json(review.incoming)),
                created_at=review.created_at,
            )
        )

    async def get(self, review_id: UUID, *, lock: bool = False) -> MatchReview | None:
        query = select(match_review).where(match_review.c.review_id == review_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).one_or_none()
        return None if row is None else self._review(row)

    async def pending(self, responsible_la: str | None, *, limit: int) -> list[MatchReview]:
        query = select(match_review).where(match_review.c.status == ReviewStatus.PENDING.value)
        if responsible_la is not None:
            query = query.where(match_review.c.responsible_la == responsible_la)
        rows = await self._session.execute(query.order_by(match_review.c.created_at).limit(limit))
        return [self._review(row) for row in rows]

    async def save(self, review: MatchReview) -> None:
        """Record the decision and destroy the incoming record with its key; a review still pending was referred
        to another decider, and keeps its record."""
        if review.status is ReviewStatus.PENDING:
            await self._session.execute(
                update(match_review)
                .where(match_review.c.review_id == review.review_id)
                .values(kind=review.kind.value, responsible_la=review.responsible_la, candidates=_candidates(review))
            )
            return
        await self._session.execute(
            update(match_review)
            .where(match_review.c.review_id == review.review_id)
            .values(
                status=review.status.value,
                decided_at=review.decided_at,
                decided_by=review.decided_by,
                decided_person_id=review.decided_person_id,
                wrapped_key=None,
                sealed_record=None,
                master_key_id=None,
            )
        )

    def _review(self, row: Row[tuple[object, ...]]) -> MatchReview:
        mapping = row._mapping
        incoming = None
        if mapping["sealed_record"] is not None:
            review_id: UUID = mapping["review_id"]
            key = self._vault.unwrap(review_id, mapping["wrapped_key"])
            data = json.loads(self._vault.open(key, _LABEL, mapping["sealed_record"]))
            incoming = IncomingRecord(
                demographics=Demographics.from_dict(data["demographics"]),
                identifiers=frozenset(
                    AgencyIdentifier(IdentifierKind(kind), value, issuer) for kind, value, issuer in data["identifiers"]
                ),
                source_organisation=mapping["source_organisation"],
                source_role=data["source_role"],
                # Records sealed before the named LA was kept were held under it.
                responsible_la=data.get("responsible_la") or mapping["responsible_la"],
                nhs_number_verified=data["nhs_number_verified"],
                postcode_la=data.get("postcode_la"),
            )
        return MatchReview(
            review_id=mapping["review_id"],
            kind=ReviewKind(mapping["kind"]),
            responsible_la=mapping["responsible_la"],
            source_organisation=mapping["source_organisation"],
            created_at=mapping["created_at"],
            candidates=tuple(
                ReviewCandidate(
                    UUID(c["person_id"]),
                    float(c["score"]),
                    {field: Level(level) for field, level in c["levels"].items()},
                )
                for c in mapping["candidates"]
            ),
            incoming=incoming,
            status=ReviewStatus(mapping["status"]),
            decided_at=mapping["decided_at"],
            decided_by=mapping["decided_by"],
            decided_person_id=mapping["decided_person_id"],
        )

    async def prior_answer(self, organisation: str, request_id: str) -> MatchAnswer | None:
        row = (
            await self._session.execute(
                select(match_request).where(
                    match_request.c.source_organisation == organisation, match_request.c.request_id == request_id
                )
            )
        ).one_or_none()
        if row is None:
            return None
        digest = bytes(row.record_digest) if row.record_digest is not None else None
        return MatchAnswer(MatchOutcome(row.outcome), row.person_id, row.review_id, digest)

    async def answer_decided(self, review_id: UUID, answer: MatchAnswer) -> None:
        """Requests first answered with the review now answer with its decision."""
        await self._session.execute(
            update(match_request)
            .where(match_request.c.review_id == review_id)
            .values(outcome=answer.outcome.value, person_id=answer.person_id)
        )

    async def remember_answer(self, organisation: str, request_id: str, answer: MatchAnswer) -> None:
        await self._session.execute(
            insert(match_request).values(
                source_organisation=organisation,
                request_id=request_id,
                outcome=answer.outcome.value,
                person_id=answer.person_id,
                review_id=answer.review_id,
                record_digest=answer.record_digest,
            )
        )
