"""Finding persons without opening anything: by an identifier's blind index, by blocking keys, through merges."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from pathfinder.identity.persons.adapters.tables import person, person_blocking_key, person_link
from pathfinder.identity.persons.adapters.vault import PersonVault, advisory_lock_key
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

# Follows merges up from each id to the person it now counts as; only active persons are kept.
_ROOTS = text(
    "WITH RECURSIVE up(person_id, status, merged_into) AS ("
    "SELECT person_id, status, merged_into FROM person WHERE person_id = ANY(CAST(:ids AS uuid[])) UNION "
    "SELECT p.person_id, p.status, p.merged_into FROM person p JOIN up ON p.person_id = up.merged_into) "
    "SELECT DISTINCT person_id FROM up WHERE status = 'active'"
)
# Every id merged into a person (at any depth), and the person's own.
MEMBERS = text(
    "WITH RECURSIVE members(person_id) AS (SELECT CAST(:root AS uuid) UNION "
    "SELECT p.person_id FROM person p JOIN members m ON p.merged_into = m.person_id AND p.status = 'merged') "
    "SELECT person_id FROM members"
)
# Every id merged into each of many persons (at any depth), with the person's own: (root, member) pairs.
MEMBERS_OF = text(
    "WITH RECURSIVE members(root, person_id) AS (SELECT r, r FROM unnest(CAST(:roots AS uuid[])) AS r UNION "
    "SELECT m.root, p.person_id FROM person p JOIN members m ON p.merged_into = m.person_id AND p.status = 'merged') "
    "SELECT root, person_id FROM members"
)
_LOCK_BLOCKS = text(
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS keys"
)


class PersonLookup:
    def __init__(self, session: AsyncSession, vault: PersonVault) -> None:
        self._session = session
        self._vault = vault

    def digests(self, keys: Iterable[str]) -> list[bytes]:
        return sorted({self._vault.blind_index(key) for key in keys})

    async def lock_blocks(self, digests: Iterable[bytes]) -> None:
        """Serialise matching among requests that share a blocking key, so one child is not created twice."""
        keys = sorted({advisory_lock_key(digest) for digest in digests})
        if keys:
            await self._session.execute(_LOCK_BLOCKS, {"keys": keys})

    async def owner_of(self, identifier: AgencyIdentifier) -> UUID | None:
        """The person id an identifier is actively linked to (before following merges)."""
        digest = self._vault.blind_index(identifier.index_text)
        found = await self._session.execute(
            select(person_link.c.person_id).where(
                person_link.c.value_digest == digest, person_link.c.unlinked_at.is_(None)
            )
        )
        return found.scalar_one_or_none()

    async def active_roots(self, person_ids: Iterable[UUID]) -> set[UUID]:
        ids = list(set(person_ids))
        if not ids:
            return set()
        return set((await self._session.execute(_ROOTS, {"ids": ids})).scalars())

    async def responsible_las(self, person_ids: Iterable[UUID]) -> dict[UUID, str]:
        """The responsible LA of each active person among ``person_ids`` (merged ids answer for their survivor)."""
        found: dict[UUID, str] = {}
        for person_id in set(person_ids):
            roots = await self.active_roots([person_id])
            rows = await self._session.execute(select(person.c.responsible_la).where(person.c.person_id.in_(roots)))
            responsible_la = rows.scalar_one_or_none()
            if responsible_la is not None:
                found[person_id] = responsible_la
        return found

    async def candidate_ids(self, digests: list[bytes]) -> set[UUID]:
        owners = await self._session.execute(
            select(person_blocking_key.c.person_id).where(person_blocking_key.c.digest.in_(digests)).distinct()
        )
        return await self.active_roots(owners.scalars())
