"""Events of the person index, produced by identity. They say that identifiers were linked, merged or erased,
never what the identifiers are: values stay in identity, behind its authorised, audited API."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pathfinder.contracts.base import ChildEvent, LaCode, UtcInstant
from pydantic import Field

IDENTITY_TOPIC = "pathfinder.identity.persons"


class IdentifierKind(StrEnum):
    NHS_NUMBER = "nhs-number"
    UPN = "upn"  # unique pupil number
    ULN = "uln"  # unique learner number, 16+
    LA_CASE_ID = "la-case-id"


class IdentityEvent(ChildEvent):
    topic: ClassVar[str] = IDENTITY_TOPIC
    producer: ClassVar[str] = "identity"


class PersonLinked(IdentityEvent):
    """An agency's identifier was linked to the person: with the record that created the person, by a match,
    or by a person's decision."""

    event_type: ClassVar[str] = "pathfinder.identity.person-linked.v2"

    link_id: UUID = Field(description="Platform id of the link, for audit and unlinking")
    identifier_kind: IdentifierKind = Field(description="Which kind of identifier (never its value)")
    linked_by: Literal[
        "registered", "deterministic-match", "probabilistic-match", "reviewed-possible-match", "manual"
    ] = Field(
        description="How: it came with the record that created the person, an exact verified NHS number match, "
        "a probabilistic match above the match threshold, a reviewer confirming a possible match, or a manual link"
    )
    linked_at: UtcInstant = Field(description="Instant of the link")


class PossibleMatchResolved(IdentityEvent):
    """A person decided a possible match the matcher had held for review: the record it was held with is now
    the child ``person_id``'s, either one of the candidates or a new person. Services that held work for the
    review (``review_id`` was the answer to their match request) go on with that child."""

    event_type: ClassVar[str] = "pathfinder.identity.possible-match-resolved.v1"

    review_id: UUID = Field(description="The review decided, as the match request's answer named it")
    decision: Literal["same-person", "new-person"] = Field(
        description="One of the candidates was the child, or none was and the child is a new person"
    )
    resolved_at: UtcInstant = Field(description="Instant of the decision")


class PersonUnlinked(IdentityEvent):
    """A link was found wrong and removed."""

    event_type: ClassVar[str] = "pathfinder.identity.person-unlinked.v1"

    link_id: UUID = Field(description="The link removed")
    identifier_kind: IdentifierKind = Field(description="Which kind of identifier (never its value)")
    unlinked_at: UtcInstant = Field(description="Instant of the unlink")


class PersonsMerged(IdentityEvent):
    """Two person ids turned out to be one child: ``merged_person_id`` is retired and its records now belong to
    ``person_id``. Consumers re-key what they hold under the retired id."""

    event_type: ClassVar[str] = "pathfinder.identity.persons-merged.v1"

    merge_id: UUID = Field(description="Platform id of the merge, for audit and unmerging")
    merged_person_id: UUID = Field(description="The retired person id")
    merged_at: UtcInstant = Field(description="Instant of the merge")


class PersonsUnmerged(IdentityEvent):
    """A merge was wrong: ``restored_person_id`` exists again beside ``person_id``."""

    event_type: ClassVar[str] = "pathfinder.identity.persons-unmerged.v1"

    merge_id: UUID = Field(description="The merge undone")
    restored_person_id: UUID = Field(description="The person id restored")
    unmerged_at: UtcInstant = Field(description="Instant of the unmerge")


class ResponsibleLaChanged(IdentityEvent):
    """The child was handed to another LA: ``responsible_la`` (the only LA this is delivered to) is responsible
    from now on, and ``previous_la`` no longer is. Services that keep or route the child's work by LA move it."""

    event_type: ClassVar[str] = "pathfinder.identity.responsible-la-changed.v1"

    previous_la: LaCode = Field(description="The LA that was responsible for the child until now")
    changed_at: UtcInstant = Field(description="Instant of the transfer")


class PersonErased(IdentityEvent):
    """The person's details were erased (their key destroyed). Every consumer deletes what it holds about the
    person beyond what the law requires it to keep."""

    event_type: ClassVar[str] = "pathfinder.identity.person-erased.v1"

    erased_at: UtcInstant = Field(description="Instant of the erasure")
