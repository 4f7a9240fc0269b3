"""Persons in PostgreSQL: sealing their details on the way in (loading and opening them is
:mod:`.person_loading`), keeping the blind indexes in step, and shredding it all on erasure."""

from __future__ import annotations

import json
from uuid import UUID

from pathfinder.identity.persons.adapters.person_loading import PersonLoader, link_label, record_label
from pathfinder.identity.persons.adapters.tables import (
    person,
    person_blocking_key,
    person_key,
    person_link,
    person_merge,
    person_record,
)
from pathfinder.identity.persons.domain.matching_profile import MatchProfile, blocking_keys
from pathfinder.identity.persons.domain.person import (
    IdentifierLink,
    Merge,
    Person,
    PersonStatus,
    SourceRecord,
)
from sqlalchemy import delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert


class SqlPersonRepository(PersonLoader):
    async def add(self, new: Person) -> None:
        key, wrapped = self._vault.new_data_key(new.person_id)
        self._keys[new.person_id] = key
        await self._session.execute(
            insert(person).values(
                person_id=new.person_id,
                responsible_la=new.responsible_la,
                status=new.status.value,
                merged_into=new.merged_into,
                created_at=new.created_at,
            )
        )
        await self._session.execute(
            insert(person_key).values(
                person_id=new.person_id, master_key_id=self._vault.master_key_id, wrapped_key=wrapped
            )
        )
        self._persons[new.person_id] = (new.status, new.merged_into, new.responsible_la)
        self._unindexed.add(new.person_id)
        self.seen.append(new)
        await self.save(new)

    async def save(self, changed: Person) -> None:
        if changed.status is PersonStatus.ERASED and self._persons[changed.person_id][0] is not PersonStatus.ERASED:
            await self._shred(changed)
            return
        held = self._persons[changed.person_id]
        if held != (changed.status, changed.merged_into, changed.responsible_la):
            await self._session.execute(
                update(person)
                .where(person.c.person_id == changed.person_id)
                .values(status=changed.status.value, merged_into=changed.merged_into)
            )
            if held[2] != changed.responsible_la:
                # Every id the person stands for moves with it, so an unmerge restores the child under its new LA.
                moved = update(person).where(person.c.person_id.in_(sorted(changed.members)))
                await self._session.execute(moved.values(responsible_la=changed.responsible_la))
            self._persons[changed.person_id] = (changed.status, changed.merged_into, changed.responsible_la)
        touched: set[UUID] = set()
        for record in changed.records:
            if self._records.get((record.owner_id, record.organisation)) != record.last_supplied_at:
                await self._save_record(record)
                touched.add(record.owner_id)
        for link in changed.links:
            if link.link_id not in self._links:
                await self._insert_link(link)
                touched.add(link.owner_id)
            elif self._links[link.link_id] != link.unlinked_at:
                await self._session.execute(
                    update(person_link)
                    .where(person_link.c.link_id == link.link_id)
                    .values(unlinked_at=link.unlinked_at)
                )
                self._links[link.link_id] = link.unlinked_at
                touched.add(link.owner_id)
        for merge in changed.merges:
            await self._save_merge(merge)
        for owner in touched:
            await self._reindex(changed, owner)

    async def _save_record(self, record: SourceRecord) -> None:
        sealed = self._vault.seal(
            self._keys[record.owner_id],
            record_label(record.organisation),
            json.dumps(record.demographics.as_dict(), sort_keys=True).encode(),
        )
        values = {
            "source_role": record.role,
            "identifier_kinds": sorted(kind.value for kind in record.identifier_kinds),
            "sealed_demographics": sealed,
            "last_supplied_at": record.last_supplied_at,
        }
        statement = pg_insert(person_record).values(
            person_id=record.owner_id,
            source_organisation=record.organisation,
            first_supplied_at=record.first_supplied_at,
            **values,
        )
        await self._session.execute(
            statement.on_conflict_do_update(index_elements=["person_id", "source_organisation"], set_=values)
        )
        self._records[(record.owner_id, record.organisation)] = record.last_supplied_at

    async def _insert_link(self, link: IdentifierLink) -> None:
        assert link.identifier is not None
        await self._session.execute(
            insert(person_link).values(
                link_id=link.link_id,
                person_id=link.owner_id,
                kind=link.kind.value,
                issuer=link.issuer,
                value_digest=self._vault.blind_index(link.identifier.index_text) if link.in_force else None,
                sealed_value=self._vault.seal(
                    self._keys[link.owner_id], link_label(link.link_id), link.identifier.value.encode()
                ),
                method=link.method.value,
                source_organisation=link.source_organisation,
                linked_at=link.linked_at,
                unlinked_at=link.unlinked_at,
                contested=link.contested,
            )
        )
        self._links[link.link_id] = link.unlinked_at

    async def _save_merge(self, merge: Merge) -> None:
        if merge.merge_id not in self._merges:
            await self._session.execute(
                insert(person_merge).values(
                    merge_id=merge.merge_id,
                    person_id=merge.person_id,
                    merged_person_id=merge.merged_person_id,
                    merged_at=merge.merged_at,
                    unmerged_at=merge.unmerged_at,
                )
            )
        elif self._merges[merge.merge_id] != merge.unmerged_at:
            await self._session.execute(
                update(person_merge)
                .where(person_merge.c.merge_id == merge.merge_id)
                .values(unmerged_at=merge.unmerged_at)
            )
        self._merges[merge.merge_id] = merge.unmerged_at

    async def _reindex(self, changed: Person, owner: UUID) -> None:
        """Rebuild the blocking keys of one person id from its own records and the identifiers in force."""
        identifiers = frozenset(
            link.identifier for link in changed.links_in_force if link.owner_id == owner and link.identifier
        )
        keys: set[str] = {f"identifier|{identifier.index_text}" for identifier in identifiers}
        for record in changed.records:
            if record.owner_id == owner:
                keys |= blocking_keys(MatchProfile.of(record.demographics))
        if owner in self._unindexed:
            self._unindexed.discard(owner)  # a person added in this transaction has no keys to clear yet
        else:
            await self._session.execute(delete(person_blocking_key).where(person_blocking_key.c.person_id == owner))
        digests = self.digests(keys)
        if digests:
            await self._session.execute(
                insert(person_blocking_key), [{"digest": digest, "person_id": owner} for digest in digests]
            )

    async def _shred(self, erased: Person) -> None:
        """Destroy the data keys, sealed details and blind indexes of every id the person stands for."""
        members = sorted(erased.members)
        for table in (person_key, person_record, person_blocking_key):
            await self._session.execute(delete(table).where(table.c.person_id.in_(members)))
        await self._session.execute(
            update(person_link).where(person_link.c.person_id.in_(members)).values(value_digest=None, sealed_value=None)
        )
        await self._session.execute(
            update(person)
            .where(person.c.person_id.in_(members))
            .values(status=PersonStatus.ERASED.value, merged_into=None, erased_at=erased.erased_at)
        )
        for member in members:
            self._keys.pop(member, None)
            self._persons[member] = (PersonStatus.ERASED, None, erased.responsible_la)
