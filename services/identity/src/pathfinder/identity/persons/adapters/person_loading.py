"""Loading persons from PostgreSQL: one person with everything merged into it (locked, to change it), or many
at once to score (five statements however many), their details opened with each person's key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.adapters.person_lookup import MEMBERS, MEMBERS_OF, PersonLookup
from pathfinder.identity.persons.adapters.tables import person, person_key, person_link, person_merge, person_record
from pathfinder.identity.persons.adapters.vault import DataKey, PersonVault
from pathfinder.identity.persons.domain.demographics import Demographics
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.person import (
    IdentifierLink,
    LinkMethod,
    Merge,
    Person,
    PersonStatus,
    SourceRecord,
)
from sqlalchemy import ARRAY, Row, any_, bindparam, select
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession


def _uuids(ids: Sequence[UUID]) -> Any:
    """``= ANY($1)`` of a uuid array: one statement text however many ids."""
    return bindparam("ids", list(ids), type_=ARRAY(PG_UUID(as_uuid=True)))


def record_label(organisation: str) -> str:
    return f"record|{organisation}"


def link_label(link_id: UUID) -> str:
    return f"link|{link_id}"


class PersonLoader(PersonLookup):
    """What was loaded is remembered, so that saving a person writes only what changed."""

    def __init__(self, session: AsyncSession, vault: PersonVault) -> None:
        super().__init__(session, vault)
        self._keys: dict[UUID, DataKey] = {}
        self._persons: dict[UUID, tuple[PersonStatus, UUID | None, str]] = {}
        self._records: dict[tuple[UUID, str], datetime] = {}
        self._links: dict[UUID, datetime | None] = {}
        self._merges: dict[UUID, datetime | None] = {}
        self._unindexed: set[UUID] = set()  # added in this transaction, blocking keys not yet written
        self.seen: list[Person] = []

    async def get(self, person_id: UUID, *, lock: bool = True) -> Person | None:
        query = select(person).where(person.c.person_id == person_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).one_or_none()
        if row is None:
            return None
        members = list((await self._session.execute(MEMBERS, {"root": person_id})).scalars())
        if lock:
            await self._session.execute(
                select(person.c.person_id).where(person.c.person_id.in_(members)).with_for_update()
            )
        return (await self._assembled([row], {person_id: members}))[0]

    async def get_many(self, person_ids: Sequence[UUID]) -> list[Person]:
        """The persons among ``person_ids``; none asked or none found costs no further statement (a record of a
        child new to the index has no candidates, and assembling nobody had cost five)."""
        ids = sorted(set(person_ids))
        if not ids:
            return []
        rows = (await self._session.execute(select(person).where(person.c.person_id == any_(_uuids(ids))))).all()
        if not rows:
            return []
        members: dict[UUID, list[UUID]] = {row.person_id: [] for row in rows}
        for root, member in await self._session.execute(MEMBERS_OF, {"roots": list(members)}):
            members[root].append(member)
        return await self._assembled(sorted(rows, key=lambda row: row.person_id), members)

    async def _assembled(self, rows: Sequence[Row[Any]], members: dict[UUID, list[UUID]]) -> list[Person]:
        """Persons from their rows, with their members' keys, links, records and merges in one query each."""
        owners = [member for row in rows for member in members[row.person_id]]
        await self._load_keys(owners)
        links, records = await self._load_links(owners), await self._load_records(owners)
        merges = await self._load_merges([row.person_id for row in rows])
        found = []
        for row in rows:
            own = set(members[row.person_id])
            person_found = Person(
                person_id=row.person_id,
                responsible_la=row.responsible_la,
                status=PersonStatus(row.status),
                created_at=row.created_at,
                merged_into=row.merged_into,
                members=own,
                links=[link for link in links if link.owner_id in own],
                records=[record for record in records if record.owner_id in own],
                merges=[merge for merge in merges if merge.person_id == row.person_id],
                erased_at=row.erased_at,
            )
            self._persons[row.person_id] = (person_found.status, person_found.merged_into, row.responsible_la)
            found.append(person_found)
        self.seen.extend(found)
        return found

    async def _load_keys(self, owners: list[UUID]) -> None:
        rows = await self._session.execute(select(person_key).where(person_key.c.person_id.in_(owners)))
        for row in rows:
            if row.person_id not in self._keys:
                self._keys[row.person_id] = self._vault.unwrap(row.person_id, row.wrapped_key)

    async def _load_links(self, owners: list[UUID]) -> list[IdentifierLink]:
        rows = await self._session.execute(
            select(person_link).where(person_link.c.person_id.in_(owners)).order_by(person_link.c.linked_at)
        )
        links = []
        for row in rows:
            identifier = None
            if row.sealed_value is not None:
                value = self._vault.open(self._keys[row.person_id], link_label(row.link_id), row.sealed_value)
                identifier = AgencyIdentifier(IdentifierKind(row.kind), value.decode(), row.issuer)
            links.append(
                IdentifierLink(
                    row.link_id,
                    row.person_id,
                    IdentifierKind(row.kind),
                    row.issuer,
                    identifier,
                    LinkMethod(row.method),
                    row.source_organisation,
                    row.linked_at,
                    row.unlinked_at,
                    row.contested,
                )
            )
            self._links[row.link_id] = row.unlinked_at
        return links

    async def _load_records(self, owners: list[UUID]) -> list[SourceRecord]:
        rows = await self._session.execute(
            select(person_record)
            .where(person_record.c.person_id.in_(owners))
            .order_by(person_record.c.last_supplied_at)
        )
        records = []
        for row in rows:
            sealed = self._vault.open(
                self._keys[row.person_id], record_label(row.source_organisation), row.sealed_demographics
            )
            records.append(
                SourceRecord(
                    row.person_id,
                    row.source_organisation,
                    row.source_role,
                    Demographics.from_dict(json.loads(sealed)),
                    frozenset(IdentifierKind(kind) for kind in row.identifier_kinds),
                    row.first_supplied_at,
                    row.last_supplied_at,
                )
            )
            self._records[(row.person_id, row.source_organisation)] = row.last_supplied_at
        return records

    async def _load_merges(self, person_ids: list[UUID]) -> list[Merge]:
        rows = await self._session.execute(
            select(person_merge).where(person_merge.c.person_id == any_(_uuids(person_ids)))
        )
        merges = [Merge(r.merge_id, r.person_id, r.merged_person_id, r.merged_at, r.unmerged_at) for r in rows]
        self._merges.update({merge.merge_id: merge.unmerged_at for merge in merges})
        return merges
