"""Who may do what to a person, and the audit entry every attempt leaves, allowed or not.

Refusals follow one path: undo whatever the transaction did, write the audit entry, commit it, raise. So a
denied or failed attempt is in the log, and nothing else of it is in the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NoReturn
from uuid import UUID

from pathfinder.auth import AccessDenied, OrganisationRole, Principal, ensure_la_may_see
from pathfinder.identity.persons.domain.audit import Actor, AuditAction, AuditEntry, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.disclosure import Disclosure, NotEntitled
from pathfinder.identity.persons.domain.person import Person, PersonStatus
from pathfinder.identity.persons.service_layer.refusals import (
    PersonErased,
    PersonIndexRefusal,
    PersonMerged,
    PersonNotFound,
)
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork

NHS_ROLES = frozenset({OrganisationRole.ICB, OrganisationRole.NHS_TRUST})


@dataclass(frozen=True)
class Caller:
    """A request's principal, and why it is acting (every read must say)."""

    principal: Principal
    purpose: Purpose
    correlation_id: str | None = None

    @property
    def actor(self) -> Actor:
        p = self.principal
        return Actor(subject=p.subject, kind=p.kind, organisation=p.organisation, role=p.role.value)

    @property
    def is_nhs(self) -> bool:
        return self.principal.role in NHS_ROLES


@dataclass
class Attempt:
    """One audited action on the person index."""

    uow: PersonIndexUnitOfWork
    caller: Caller
    action: AuditAction
    at: datetime
    person_id: UUID | None = None
    review_id: UUID | None = None
    responsible_la: str | None = None
    detail: dict[str, str] = field(default_factory=dict)

    def entry(self, outcome: AuditOutcome, detail: Mapping[str, str] | None = None) -> AuditEntry:
        return AuditEntry(
            actor=self.caller.actor,
            action=self.action,
            outcome=outcome,
            purpose=self.caller.purpose,
            occurred_at=self.at,
            person_id=self.person_id,
            review_id=self.review_id,
            responsible_la=self.responsible_la,
            correlation_id=self.caller.correlation_id,
            detail={**self.detail, **(detail or {})},
        )

    async def allowed(self, **detail: str) -> None:
        await self.uow.audit.record(self.entry(AuditOutcome.ALLOWED, detail))

    async def refuse(self, error: Exception, outcome: AuditOutcome, **detail: str) -> NoReturn:
        await self.uow.rollback()
        await self.uow.audit.record(self.entry(outcome, detail))
        await self.uow.commit()
        raise error

    async def withheld(self, person_id: UUID, responsible_la: str, reason: str) -> None:
        """The attempt touched a child of ``responsible_la`` that the caller may not know of: that LA's audit shows
        it (refused), while the caller is answered as though the child did not exist."""
        entry = self.entry(AuditOutcome.DENIED, {"reason": reason})
        await self.uow.audit.record(replace(entry, person_id=person_id, review_id=None, responsible_la=responsible_la))

    async def deny(self, reason: str) -> NoReturn:
        await self.refuse(AccessDenied(reason), AuditOutcome.DENIED)

    async def withhold(self, missing: PersonIndexRefusal, reason: str) -> NoReturn:
        """Another party's record: answered exactly as one that does not exist (``missing``), so that an id tells
        the caller nothing; audited as refused, under the LA responsible for the child."""
        await self.refuse(missing, AuditOutcome.DENIED, reason=reason)

    async def person(self, person_id: UUID, *, lock: bool, reading: bool = False) -> Person:
        """The person under ``person_id``, if it is one a caller can act on: refused (and audited) if unknown,
        erased or merged into another (the survivor is named only to a caller allowed to see it).
        Authorisation on the person returned is the caller's next step."""
        self.person_id = person_id
        found = await self.uow.persons.get(person_id, lock=lock)
        if found is None:
            await self.refuse(PersonNotFound(), AuditOutcome.NOT_FOUND)
        self.responsible_la = found.responsible_la
        if found.status is PersonStatus.ERASED:
            await self.refuse(PersonErased(), AuditOutcome.GONE)
        if found.status is PersonStatus.MERGED:
            roots = await self.uow.persons.active_roots([person_id])
            survivor = await self.uow.persons.get(next(iter(roots)), lock=False) if roots else None
            if survivor is None:
                await self.refuse(PersonErased(), AuditOutcome.GONE)
            if reading:
                await self.disclosure(survivor)
            else:
                await self.may_act_on(survivor)
            await self.refuse(
                PersonMerged(survivor.person_id), AuditOutcome.NOT_FOUND, merged_into=str(survivor.person_id)
            )
        return found

    async def disclosure(self, person: Person) -> Disclosure:
        """What of ``person`` the caller may read: refused for platform principals (they match, not read)."""
        principal = self.caller.principal
        if principal.role is OrganisationRole.LOCAL_AUTHORITY:
            await self.may_act_on(person)
            return Disclosure.for_responsible_la(principal.organisation)
        if principal.role in NHS_ROLES:
            try:
                return Disclosure.for_nhs_body(principal.organisation, person)
            except NotEntitled as refused:
                await self.withhold(PersonNotFound(), refused.reason)
        await self.deny("platform principals match persons; they do not read their details")

    async def may_act_on(self, person: Person) -> None:
        """Only the responsible LA (or the platform, for changes) acts on a person; to anyone else the person is
        not there."""
        await self.may_act_for(person.responsible_la, withheld_as=PersonNotFound())

    async def may_act_for(self, responsible_la: str, *, withheld_as: PersonIndexRefusal | None = None) -> None:
        """Refused (403) unless the caller may act for ``responsible_la``; with ``withheld_as``, the refusal of a
        record is answered as that record's absence."""
        try:
            ensure_la_may_see(self.caller.principal, responsible_la)
        except AccessDenied as refused:
            if withheld_as is not None:
                await self.withhold(withheld_as, refused.reason)
            await self.deny(refused.reason)
