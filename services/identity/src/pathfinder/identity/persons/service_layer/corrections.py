"""Correcting the index by hand: link and unlink identifiers, merge and unmerge persons, hand a child to another
LA, erase a person.

Each change commits with its contract events in the outbox and its audit entry, or not at all. Only the
responsible LA or the platform changes a person.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from pathfinder.auth import OrganisationRole
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.person import (
    IdentifierLink,
    LinkMethod,
    LinkNotFound,
    Merge,
    MergeRefused,
    TransferRefused,
)
from pathfinder.identity.persons.service_layer.attempts import Attempt, Caller
from pathfinder.identity.persons.service_layer.matching import IDENTIFIER_WITHHELD
from pathfinder.identity.persons.service_layer.ports import LocalAuthorities
from pathfinder.identity.persons.service_layer.refusals import (
    Conflict,
    LinkNotHeld,
    MergeNotHeld,
    PersonNotFound,
    UnregisteredLa,
)
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork


async def link_identifier(
    person_id: UUID, identifier: AgencyIdentifier, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime
) -> IdentifierLink:
    """An identifier another LA's child holds is linked contested, answered and audited for the caller as any
    link: an LA learns nothing of other LAs' children by trying their identifiers; the holding LA's audit shows
    the attempt. Held by a child the caller may see, it is refused: a merge may be due."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.LINK, now, detail={"identifier_kind": identifier.kind.value})
        person = await attempt.person(person_id, lock=True)
        await attempt.may_act_on(person)
        await uow.persons.lock_blocks(uow.persons.digests([f"identifier|{identifier.index_text}"]))
        owner = await uow.persons.owner_of(identifier)
        contested = False
        if owner is not None and owner not in person.members:
            roots = await uow.persons.active_roots([owner])
            holder = await uow.persons.get(roots.pop(), lock=False) if roots else None
            la_caller = caller.principal.role is OrganisationRole.LOCAL_AUTHORITY
            if holder is not None and la_caller and holder.responsible_la != caller.principal.organisation:
                contested = True
                await attempt.withheld(holder.person_id, holder.responsible_la, IDENTIFIER_WITHHELD)
            else:
                await attempt.refuse(
                    Conflict("The identifier is linked to another person: merge the two if they are one child."),
                    AuditOutcome.DENIED,
                    reason="identifier-held-elsewhere",
                )
        method, source = LinkMethod.MANUAL, caller.principal.organisation
        link = person.link(identifier, method, source, now, uuid4(), contested=contested)
        await uow.persons.save(person)
        await attempt.allowed(link_id=str(link.link_id))
        await uow.commit()
    return link


async def unlink_identifier(
    person_id: UUID, link_id: UUID, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime
) -> None:
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.UNLINK, now, detail={"link_id": str(link_id)})
        person = await attempt.person(person_id, lock=True)
        await attempt.may_act_on(person)
        try:
            link = person.unlink(link_id, now)
        except LinkNotFound:
            await attempt.refuse(LinkNotHeld(), AuditOutcome.NOT_FOUND)
        await uow.persons.save(person)
        await attempt.allowed(identifier_kind=link.kind.value)
        await uow.commit()


async def merge_persons(
    person_id: UUID, merged_person_id: UUID, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime
) -> Merge:
    """Retire ``merged_person_id`` into ``person_id``: the caller must be allowed to change both."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.MERGE, now, detail={"merged_person_id": str(merged_person_id)})
        if merged_person_id == person_id:
            await attempt.refuse(Conflict("A person cannot be merged into itself."), AuditOutcome.DENIED)
        # Lock in id order, so two merges of the same pair cannot deadlock.
        first, second = sorted((person_id, merged_person_id))
        found = {first: await attempt.person(first, lock=True), second: await attempt.person(second, lock=True)}
        survivor, retired = found[person_id], found[merged_person_id]
        attempt.person_id, attempt.responsible_la = person_id, survivor.responsible_la
        await attempt.may_act_on(survivor)
        await attempt.may_act_on(retired)
        if retired.responsible_la != survivor.responsible_la:
            # PersonsMerged reaches the survivor's LA only: the other LA would never hear its child was retired.
            await attempt.refuse(
                Conflict("The two persons have different responsible LAs: that must be resolved before a merge."),
                AuditOutcome.DENIED,
            )
        try:
            merge = survivor.absorb(retired, uuid4(), now)
        except MergeRefused as refused:
            await attempt.refuse(Conflict(str(refused)), AuditOutcome.DENIED)
        await uow.persons.save(retired)
        await uow.persons.save(survivor)
        await attempt.allowed(merge_id=str(merge.merge_id))
        attempt.person_id, attempt.detail = merged_person_id, {"merged_into": str(person_id)}
        attempt.responsible_la = retired.responsible_la
        await attempt.allowed(merge_id=str(merge.merge_id))
        await uow.commit()
    return merge


async def unmerge_persons(
    person_id: UUID, merge_id: UUID, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime
) -> Merge:
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.UNMERGE, now, detail={"merge_id": str(merge_id)})
        survivor = await attempt.person(person_id, lock=True)
        await attempt.may_act_on(survivor)
        try:
            merge = survivor.unmerge(merge_id, now)
        except MergeRefused:
            await attempt.refuse(MergeNotHeld(), AuditOutcome.NOT_FOUND)
        restored = await uow.persons.get(merge.merged_person_id)
        if restored is None:
            await attempt.refuse(PersonNotFound(), AuditOutcome.NOT_FOUND)
        restored.restore()
        await uow.persons.save(restored)
        await uow.persons.save(survivor)
        await attempt.allowed(restored_person_id=str(restored.person_id))
        attempt.person_id, attempt.detail = restored.person_id, {"merge_id": str(merge_id)}
        await attempt.allowed(restored_from=str(person_id))
        await uow.commit()
    return merge


async def transfer_person(
    person_id: UUID,
    to_la: str,
    caller: Caller,
    *,
    uow: PersonIndexUnitOfWork,
    local_authorities: LocalAuthorities,
    now: datetime,
) -> str:
    """Hand the child to ``to_la`` (the responsible LA or the platform may): both LAs' audits show it, and
    ResponsibleLaChanged tells the services that route by LA. Returns the LA that was responsible."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.TRANSFER, now, detail={"to_la": to_la})
        person = await attempt.person(person_id, lock=True)
        await attempt.may_act_on(person)
        if not await local_authorities.registered(to_la):
            await attempt.refuse(UnregisteredLa(to_la), AuditOutcome.DENIED)
        try:
            previous = person.transfer(to_la, now)
        except TransferRefused as refused:
            await attempt.refuse(Conflict(str(refused)), AuditOutcome.DENIED)
        await uow.persons.save(person)
        await attempt.allowed()
        attempt.responsible_la, attempt.detail = to_la, {"from_la": previous}
        await attempt.allowed()
        await uow.commit()
    return previous


async def erase_person(person_id: UUID, caller: Caller, *, uow: PersonIndexUnitOfWork, now: datetime) -> datetime:
    """Crypto-shred the person: keys, sealed details and blind indexes of every id they stand for go, the
    audit log keeps the fact, and PersonErased tells every consumer to delete what it holds."""
    async with uow:
        attempt = Attempt(uow, caller, AuditAction.ERASE, now)
        person = await attempt.person(person_id, lock=True)
        await attempt.may_act_on(person)
        person.erase(now)
        await uow.persons.save(person)
        await attempt.allowed(person_ids_erased=" ".join(str(member) for member in sorted(person.members)))
        await uow.commit()
    return now
