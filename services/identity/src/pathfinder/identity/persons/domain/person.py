"""The person index: one pseudonymous person id for a child, whatever each agency calls them.

A person is the child as the index knows them: the LA responsible, what each organisation supplied (a
record of demographics per source), and the agencies' identifiers linked to them. When two person ids turn out
to be one child they are merged: the retired id's records and links stay its own (sealed with its own key,
ready to be given back by an unmerge) but count as the surviving person's. ``members`` are the ids a person
stands for: its own and those merged into it.

An identifier another LA's child holds, supplied by an LA, is a contested link: shown to that LA like any other
(so it learns nothing of the other child) but never matched on. Only a transfer changes the responsible LA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.identity import (
    IdentifierKind,
    PersonErased,
    PersonLinked,
    PersonsMerged,
    PersonsUnmerged,
    PersonUnlinked,
    ResponsibleLaChanged,
)
from pathfinder.identity.persons.domain.demographics import Demographics
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching_profile import MatchProfile


class PersonStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"  # retired into another person
    ERASED = "erased"


class LinkMethod(StrEnum):
    REGISTERED = "registered"  # came with the record that created the person
    DETERMINISTIC = "deterministic-match"
    PROBABILISTIC = "probabilistic-match"
    REVIEWED = "reviewed-possible-match"
    MANUAL = "manual"


class PersonIndexError(Exception):
    """A change the person index refuses; the message is safe to show (no personal data)."""


class PersonNotActive(PersonIndexError):
    def __init__(self, person_id: UUID, status: PersonStatus) -> None:
        super().__init__(f"person {person_id} is {status.value}")
        self.status = status


class LinkNotFound(PersonIndexError):
    pass


class MergeRefused(PersonIndexError):
    pass


class TransferRefused(PersonIndexError):
    pass


@dataclass
class IdentifierLink:
    link_id: UUID
    owner_id: UUID  # the person id whose key seals the value
    kind: IdentifierKind
    issuer: str | None
    identifier: AgencyIdentifier | None  # None once erased
    method: LinkMethod
    source_organisation: str
    linked_at: datetime
    unlinked_at: datetime | None = None
    contested: bool = False  # the value is linked to another LA's child: shown, never matched on

    @property
    def active(self) -> bool:
        return self.unlinked_at is None and self.identifier is not None

    @property
    def in_force(self) -> bool:
        """Active and the identifier's one owner: what matching and blocking use."""
        return self.active and not self.contested


@dataclass
class SourceRecord:
    """What one organisation last supplied about the child."""

    owner_id: UUID
    organisation: str
    role: str
    demographics: Demographics
    identifier_kinds: frozenset[IdentifierKind]
    first_supplied_at: datetime
    last_supplied_at: datetime


@dataclass
class Merge:
    merge_id: UUID
    person_id: UUID
    merged_person_id: UUID
    merged_at: datetime
    unmerged_at: datetime | None = None


@dataclass
class Person:
    person_id: UUID
    responsible_la: str
    status: PersonStatus
    created_at: datetime
    merged_into: UUID | None = None
    members: set[UUID] = field(default_factory=set)
    links: list[IdentifierLink] = field(default_factory=list)
    records: list[SourceRecord] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    erased_at: datetime | None = None
    events: list[ContractEvent] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.members.add(self.person_id)

    @classmethod
    def register(
        cls,
        person_id: UUID,
        *,
        responsible_la: str,
        record: SourceRecord,
        identifiers: frozenset[AgencyIdentifier],
        link_ids: dict[AgencyIdentifier, UUID],
        at: datetime,
    ) -> Person:
        person = cls(person_id=person_id, responsible_la=responsible_la, status=PersonStatus.ACTIVE, created_at=at)
        person.supply(record)
        for identifier in sorted(identifiers, key=lambda i: i.index_text):
            person.link(identifier, LinkMethod.REGISTERED, record.organisation, at, link_ids[identifier])
        return person

    def ensure_active(self) -> None:
        if self.status is not PersonStatus.ACTIVE:
            raise PersonNotActive(self.person_id, self.status)

    @property
    def active_links(self) -> list[IdentifierLink]:
        return [link for link in self.links if link.active]

    @property
    def links_in_force(self) -> list[IdentifierLink]:
        return [link for link in self.links if link.in_force]

    @property
    def sources(self) -> frozenset[str]:
        """Every organisation that supplied demographics or an identifier for the child."""
        return frozenset({record.organisation for record in self.records}) | {
            link.source_organisation for link in self.links if link.active
        }

    def match_profiles(self) -> list[MatchProfile]:
        identifiers = frozenset(link.identifier for link in self.links_in_force if link.identifier is not None)
        return [MatchProfile.of(record.demographics, identifiers) for record in self.records]

    def supply(self, record: SourceRecord) -> None:
        """Keep the organisation's latest record (one per organisation and person id)."""
        self.ensure_active()
        for index, held in enumerate(self.records):
            if held.owner_id == record.owner_id and held.organisation == record.organisation:
                record.first_supplied_at = held.first_supplied_at
                self.records[index] = record
                return
        self.records.append(record)

    def link(
        self,
        identifier: AgencyIdentifier,
        method: LinkMethod,
        source: str,
        at: datetime,
        link_id: UUID,
        *,
        contested: bool = False,
    ) -> IdentifierLink:
        """Link ``identifier`` (one already held: no change); a contested link is announced like any other."""
        self.ensure_active()
        for held in self.active_links:
            if held.identifier == identifier:
                return held
        link = IdentifierLink(
            link_id, self.person_id, identifier.kind, identifier.issuer, identifier, method, source, at, None, contested
        )
        self.links.append(link)
        self.events.append(
            PersonLinked(
                person_id=self.person_id,
                responsible_la=self.responsible_la,
                link_id=link_id,
                identifier_kind=identifier.kind,
                linked_by=method.value,
                linked_at=at,
            )
        )
        return link

    def unlink(self, link_id: UUID, at: datetime) -> IdentifierLink:
        self.ensure_active()
        link = next((held for held in self.active_links if held.link_id == link_id), None)
        if link is None:
            raise LinkNotFound(f"person {self.person_id} has no active link {link_id}")
        link.unlinked_at = at
        self.events.append(
            PersonUnlinked(
                person_id=self.person_id,
                responsible_la=self.responsible_la,
                link_id=link_id,
                identifier_kind=link.kind,
                unlinked_at=at,
            )
        )
        return link

    def transfer(self, to_la: str, at: datetime) -> str:
        """Hand the child to ``to_la``, with every id merged into it; returns the LA that was responsible."""
        self.ensure_active()
        previous = self.responsible_la
        if to_la == previous:
            raise TransferRefused(f"LA {to_la} is already responsible for person {self.person_id}")
        self.responsible_la = to_la
        self.events.append(
            ResponsibleLaChanged(person_id=self.person_id, responsible_la=to_la, previous_la=previous, changed_at=at)
        )
        return previous

    def absorb(self, other: Person, merge_id: UUID, at: datetime) -> Merge:
        """Merge ``other`` into this person: ``other`` is retired and its records and links count as ours."""
        self.ensure_active()
        other.ensure_active()
        if other.person_id in self.members:
            raise MergeRefused("a person cannot be merged into itself")
        other.status, other.merged_into = PersonStatus.MERGED, self.person_id
        merge = Merge(merge_id, self.person_id, other.person_id, at)
        self.merges.append(merge)
        self.members |= other.members
        self.links.extend(other.links)
        self.records.extend(other.records)
        self.events.append(
            PersonsMerged(
                person_id=self.person_id,
                responsible_la=self.responsible_la,
                merge_id=merge_id,
                merged_person_id=other.person_id,
                merged_at=at,
            )
        )
        return merge

    def unmerge(self, merge_id: UUID, at: datetime) -> Merge:
        """Undo a merge: the retired id is a person again, with the records and links it brought."""
        self.ensure_active()
        merge = next((held for held in self.merges if held.merge_id == merge_id and held.unmerged_at is None), None)
        if merge is None:
            raise MergeRefused(f"person {self.person_id} has no merge {merge_id} to undo")
        merge.unmerged_at = at
        self.events.append(
            PersonsUnmerged(
                person_id=self.person_id,
                responsible_la=self.responsible_la,
                merge_id=merge_id,
                restored_person_id=merge.merged_person_id,
                unmerged_at=at,
            )
        )
        return merge

    def restore(self) -> None:
        """Make a retired id a person again; the survivor's ``unmerge`` raised the event."""
        if self.status is not PersonStatus.MERGED:
            raise MergeRefused(f"person {self.person_id} is not merged")
        self.status, self.merged_into = PersonStatus.ACTIVE, None

    def erase(self, at: datetime) -> None:
        """Forget who the child is: every record and identifier value of every member id goes."""
        self.ensure_active()
        self.status, self.erased_at = PersonStatus.ERASED, at
        self.records.clear()
        for link in self.links:
            link.identifier = None
        self.events.extend(
            PersonErased(person_id=member, responsible_la=self.responsible_la, erased_at=at)
            for member in sorted(self.members)
        )
