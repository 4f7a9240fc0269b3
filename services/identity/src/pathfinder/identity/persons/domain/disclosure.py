"""Who may see which of a child's details.

- The responsible LA sees the child's records from every source and the identifiers linked, except case ids
  other LAs issued (those belong to another authority's system).
- An NHS body sees a child only if it supplied something for them, and then only what it supplied: its own
  record and the identifiers it sent. It learns no more from the index than it already knew, beyond the
  person id and the responsible LA it needs to tell that LA.
- Platform services match; they do not read details.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.person import IdentifierLink, Person, SourceRecord


class ViewerRole(StrEnum):
    RESPONSIBLE_LA = "responsible-la"
    SOURCE = "source"


class NotEntitled(Exception):
    """The viewer may not see this person; ``reason`` is for the audit log, never for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Disclosure:
    organisation: str
    role: ViewerRole

    @classmethod
    def for_nhs_body(cls, organisation: str, person: Person) -> Disclosure:
        if organisation not in person.sources:
            raise NotEntitled(f"{organisation} supplied nothing for person {person.person_id}")
        return cls(organisation, ViewerRole.SOURCE)

    @classmethod
    def for_responsible_la(cls, la_code: str) -> Disclosure:
        return cls(la_code, ViewerRole.RESPONSIBLE_LA)

    def records(self, person: Person) -> list[SourceRecord]:
        if self.role is ViewerRole.RESPONSIBLE_LA:
            return list(person.records)
        return [record for record in person.records if record.organisation == self.organisation]

    def links(self, person: Person) -> list[IdentifierLink]:
        if self.role is ViewerRole.SOURCE:
            return [link for link in person.active_links if link.source_organisation == self.organisation]
        return [
            link
            for link in person.active_links
            if link.kind is not IdentifierKind.LA_CASE_ID or link.issuer == self.organisation
        ]
