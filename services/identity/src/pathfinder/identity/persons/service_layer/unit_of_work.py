"""The unit of work of the person index, as its use cases see it: persons, the review queue and the audit log
change together with the events they raise, in one transaction.

The repositories are described here by what the use cases ask of them; ``persons.adapters`` keeps them sealed in
PostgreSQL, and the fast tests keep them in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from pathfinder.identity.persons.domain.audit import AuditEntry
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.person import Person
from pathfinder.identity.persons.domain.review import MatchReview
from pathfinder.messaging.unit_of_work import TracksAggregates, UnitOfWork


class PersonRepository(Protocol):
    @property
    def seen(self) -> Iterable[Person]:
        """Every person handed out or added, so their events are published when the unit of work commits."""
        ...

    async def get(self, person_id: UUID, *, lock: bool = True) -> Person | None:
        """The person under ``person_id`` with everything of the ids merged into it; ``lock`` holds them all
        against concurrent changes until the transaction ends."""
        ...

    async def get_many(self, person_ids: Sequence[UUID]) -> list[Person]:
        """Those of ``person_ids`` that exist, as ``get`` loads them unlocked, in id order: candidates to score,
        loaded together rather than one by one."""
        ...

    async def add(self, new: Person) -> None: ...

    async def save(self, changed: Person) -> None:
        """Store what changed; saving an erased person destroys what erasure must remove."""
        ...

    def digests(self, keys: Iterable[str]) -> list[bytes]:
        """The blind indexes of blocking keys, sorted."""
        ...

    async def lock_blocks(self, digests: Iterable[bytes]) -> None:
        """Serialise matching among requests that share a blocking key, so one child is not created twice."""
        ...

    async def owner_of(self, identifier: AgencyIdentifier) -> UUID | None:
        """The person id an identifier is actively linked to (before following merges)."""
        ...

    async def active_roots(self, person_ids: Iterable[UUID]) -> set[UUID]:
        """The active persons these ids count as, following merges."""
        ...

    async def responsible_las(self, person_ids: Iterable[UUID]) -> dict[UUID, str]:
        """The responsible LA of each active person among ``person_ids`` (merged ids answer for their survivor)."""
        ...

    async def candidate_ids(self, digests: list[bytes]) -> set[UUID]:
        """The active persons sharing a blocking key with these digests."""
        ...


@dataclass(frozen=True)
class MatchAnswer:
    outcome: MatchOutcome
    person_id: UUID | None
    review_id: UUID | None
    record_digest: bytes | None = None
    """The keyed digest of the record the request carried (None on answers kept from before it was)."""


class MatchReviewRepository(Protocol):
    async def add(self, review: MatchReview) -> None: ...

    async def get(self, review_id: UUID, *, lock: bool = False) -> MatchReview | None: ...

    async def pending(self, responsible_la: str | None, *, limit: int) -> list[MatchReview]:
        """Oldest first; all LAs' when ``responsible_la`` is None."""
        ...

    async def save(self, review: MatchReview) -> None:
        """Record the decision; the incoming record it held goes with its key."""
        ...

    async def prior_answer(self, organisation: str, request_id: str) -> MatchAnswer | None:
        """What a match request with this organisation's request id was answered before."""
        ...

    async def remember_answer(self, organisation: str, request_id: str, answer: MatchAnswer) -> None: ...

    async def answer_decided(self, review_id: UUID, answer: MatchAnswer) -> None:
        """Requests first answered with the review now answer with its decision."""
        ...


@dataclass(frozen=True)
class StoredAuditEntry:
    audit_id: int
    entry: AuditEntry


class AuditLog(Protocol):
    """Append-only: entries are recorded and read, never changed."""

    async def record(self, entry: AuditEntry) -> None: ...

    async def entries(
        self, *, person_id: UUID | None, responsible_la: str | None, before: int | None, limit: int
    ) -> list[StoredAuditEntry]:
        """Newest first. ``responsible_la`` keeps to entries about that LA's children; ``before`` is an
        ``audit_id`` to page back from."""
        ...


class PersonIndexUnitOfWork(UnitOfWork):
    persons: PersonRepository
    reviews: MatchReviewRepository
    audit: AuditLog

    def repositories(self) -> Iterable[TracksAggregates]:
        return (self.persons,)
