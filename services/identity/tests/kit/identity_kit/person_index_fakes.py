"""The person index in memory, for the fast tier: a unit of work whose repositories keep what PostgreSQL would.
As there, each person id owns its own links and records, a person is read back with those of every id merged
into it, erasure destroys the values, and one identifier is actively linked to one person id at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pathfinder.identity.persons.domain.audit import AuditEntry
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching_profile import MatchProfile, blocking_keys
from pathfinder.identity.persons.domain.person import IdentifierLink, Merge, Person, PersonStatus, SourceRecord
from pathfinder.identity.persons.domain.review import MatchReview, ReviewStatus
from pathfinder.identity.persons.service_layer.unit_of_work import (
    MatchAnswer,
    PersonIndexUnitOfWork,
    StoredAuditEntry,
)

from identity_kit.in_memory import Committed, InMemoryUnitOfWork


@dataclass
class PersonRow:
    person_id: UUID
    responsible_la: str
    status: PersonStatus
    created_at: datetime
    merged_into: UUID | None = None
    erased_at: datetime | None = None


@dataclass
class PersonIndexState:
    persons: dict[UUID, PersonRow] = field(default_factory=dict)
    links: dict[UUID, IdentifierLink] = field(default_factory=dict)
    records: dict[tuple[UUID, str], SourceRecord] = field(default_factory=dict)
    merges: dict[UUID, Merge] = field(default_factory=dict)
    blocking: dict[UUID, set[bytes]] = field(default_factory=dict)
    reviews: dict[UUID, MatchReview] = field(default_factory=dict)
    answers: dict[tuple[str, str], MatchAnswer] = field(default_factory=dict)
    audit: list[StoredAuditEntry] = field(default_factory=list)


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class FakePersonRepository:
    def __init__(self, state: PersonIndexState) -> None:
        self._state = state
        self.seen: list[Person] = []
        self.locked_blocks: list[bytes] = []

    def _members(self, root: UUID) -> set[UUID]:
        members, added = {root}, True
        while added:
            more = {
                row.person_id
                for row in self._state.persons.values()
                if row.status is PersonStatus.MERGED and row.merged_into in members
            }
            added = bool(more - members)
            members |= more
        return members

    async def get(self, person_id: UUID, *, lock: bool = True) -> Person | None:
        row = self._state.persons.get(person_id)
        if row is None:
            return None
        members = self._members(person_id)
        links = [link for link in self._state.links.values() if link.owner_id in members]
        records = [record for record in self._state.records.values() if record.owner_id in members]
        found = Person(
            person_id=row.person_id,
            responsible_la=row.responsible_la,
            status=row.status,
            created_at=row.created_at,
            merged_into=row.merged_into,
            members=members,
            links=deepcopy(sorted(links, key=lambda link: link.linked_at)),
            records=deepcopy(sorted(records, key=lambda record: record.last_supplied_at)),
            merges=deepcopy([merge for merge in self._state.merges.values() if merge.person_id == person_id]),
            erased_at=row.erased_at,
        )
        self.seen.append(found)
        return found

    async def get_many(self, person_ids: Sequence[UUID]) -> list[Person]:
        found = [await self.get(person_id, lock=False) for person_id in sorted(set(person_ids))]
        return [person for person in found if person is not None]

    async def add(self, new: Person) -> None:
        assert new.person_id not in self._state.persons, "the primary key refuses a second row"
        self._state.persons[new.person_id] = PersonRow(new.person_id, new.responsible_la, new.status, new.created_at)
        self.seen.append(new)
        await self.save(new)

    async def save(self, changed: Person) -> None:
        row = self._state.persons[changed.person_id]
        if changed.status is PersonStatus.ERASED and row.status is not PersonStatus.ERASED:
            self._shred(changed)
            return
        row.status, row.merged_into = changed.status, changed.merged_into
        if row.responsible_la != changed.responsible_la:
            for member in changed.members:
                self._state.persons[member].responsible_la = changed.responsible_la
        for record in changed.records:
            self._state.records[(record.owner_id, record.organisation)] = deepcopy(record)
        for link in changed.links:
            if link.in_force and link.identifier is not None:
                holder = next(
                    (
                        held
                        for held in self._state.links.values()
                        if held.in_force and held.identifier == link.identifier
                    ),
                    None,
                )
                assert holder is None or holder.link_id == link.link_id, "one identifier is linked to one person"
            self._state.links[link.link_id] = deepcopy(link)
        for merge in changed.merges:
            self._state.merges[merge.merge_id] = deepcopy(merge)
        for owner in changed.members:
            self._reindex(changed, owner)

    def _reindex(self, changed: Person, owner: UUID) -> None:
        keys = {
            f"identifier|{link.identifier.index_text}"
            for link in changed.links_in_force
            if link.owner_id == owner and link.identifier is not None
        }
        for record in changed.records:
            if record.owner_id == owner:
                keys |= blocking_keys(MatchProfile.of(record.demographics))
        self._state.blocking[owner] = set(self.digests(keys))

    def _shred(self, erased: Person) -> None:
        for member in erased.members:
            for held in [key for key, record in self._state.records.items() if record.owner_id == member]:
                del self._state.records[held]
            self._state.blocking.pop(member, None)
            for link in self._state.links.values():
                if link.owner_id == member:
                    link.identifier = None
            row = self._state.persons[member]
            row.status, row.merged_into, row.erased_at = PersonStatus.ERASED, None, erased.erased_at

    def digests(self, keys: Iterable[str]) -> list[bytes]:
        return sorted({digest(key) for key in keys})

    async def lock_blocks(self, digests: Iterable[bytes]) -> None:
        self.locked_blocks.extend(digests)

    async def owner_of(self, identifier: AgencyIdentifier) -> UUID | None:
        links = self._state.links.values()
        return next((link.owner_id for link in links if link.in_force and link.identifier == identifier), None)

    async def active_roots(self, person_ids: Iterable[UUID]) -> set[UUID]:
        roots = set()
        for person_id in person_ids:
            row = self._state.persons.get(person_id)
            while row is not None and row.merged_into is not None:
                row = self._state.persons.get(row.merged_into)
            if row is not None and row.status is PersonStatus.ACTIVE:
                roots.add(row.person_id)
        return roots

    async def responsible_las(self, person_ids: Iterable[UUID]) -> dict[UUID, str]:
        found = {}
        for person_id in set(person_ids):
            for root in await self.active_roots([person_id]):
                found[person_id] = self._state.persons[root].responsible_la
        return found

    async def candidate_ids(self, digests: list[bytes]) -> set[UUID]:
        wanted = set(digests)
        return await self.active_roots(owner for owner, keys in self._state.blocking.items() if keys & wanted)


class FakeMatchReviewRepository:
    def __init__(self, state: PersonIndexState) -> None:
        self._state = state

    async def add(self, review: MatchReview) -> None:
        assert review.incoming is not None
        self._state.reviews[review.review_id] = deepcopy(review)

    async def get(self, review_id: UUID, *, lock: bool = False) -> MatchReview | None:
        return deepcopy(self._state.reviews.get(review_id))

    async def pending(self, responsible_la: str | None, *, limit: int) -> list[MatchReview]:
        pending = [
            review
            for review in self._state.reviews.values()
            if review.status is ReviewStatus.PENDING and responsible_la in (None, review.responsible_la)
        ]
        return deepcopy(sorted(pending, key=lambda review: review.created_at)[:limit])

    async def save(self, review: MatchReview) -> None:
        self._state.reviews[review.review_id] = deepcopy(review)

    async def prior_answer(self, organisation: str, request_id: str) -> MatchAnswer | None:
        return self._state.answers.get((organisation, request_id))

    async def remember_answer(self, organisation: str, request_id: str, answer: MatchAnswer) -> None:
        assert (organisation, request_id) not in self._state.answers, "the primary key refuses a second row"
        self._state.answers[(organisation, request_id)] = answer

    async def answer_decided(self, review_id: UUID, answer: MatchAnswer) -> None:
        for asked, given in self._state.answers.items():
            if given.review_id == review_id:
                self._state.answers[asked] = MatchAnswer(answer.outcome, answer.person_id, given.review_id)


class FakeAuditLog:
    def __init__(self, state: PersonIndexState) -> None:
        self._state = state

    async def record(self, entry: AuditEntry) -> None:
        self._state.audit.append(StoredAuditEntry(len(self._state.audit) + 1, entry))

    async def entries(
        self, *, person_id: UUID | None, responsible_la: str | None, before: int | None, limit: int
    ) -> list[StoredAuditEntry]:
        found = [
            stored
            for stored in reversed(self._state.audit)
            if person_id in (None, stored.entry.person_id)
            and responsible_la in (None, stored.entry.responsible_la)
            and (before is None or stored.audit_id < before)
        ]
        return found[:limit]


class FakePersonIndexUnitOfWork(InMemoryUnitOfWork[PersonIndexState], PersonIndexUnitOfWork):
    def open_repositories(self, state: PersonIndexState) -> None:
        self.persons = FakePersonRepository(state)
        self.reviews = FakeMatchReviewRepository(state)
        self.audit = FakeAuditLog(state)


@dataclass
class FakeLocalAuthorities:
    """The organisation registry as the person index asks it: the seed areas' LAs are registered."""

    codes: frozenset[str] = frozenset({"841", "805", "878"})

    async def registered(self, la_code: str) -> bool:
        return la_code in self.codes


@dataclass
class FakePersonIndex:
    """One fake database of the person index."""

    committed: Committed[PersonIndexState] = field(default_factory=lambda: Committed(PersonIndexState()))
    local_authorities: FakeLocalAuthorities = field(default_factory=lambda: FakeLocalAuthorities())

    @property
    def state(self) -> PersonIndexState:
        return self.committed.state

    def unit_of_work(self) -> FakePersonIndexUnitOfWork:
        return FakePersonIndexUnitOfWork(self.committed)

    def audited(self) -> list[AuditEntry]:
        return [stored.entry for stored in self.state.audit]
