"""Superseded versions of person index events."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pathfinder.contracts.base import UtcInstant
from pathfinder.contracts.identity import IdentifierKind, IdentityEvent
from pydantic import Field


class PersonLinkedV1(IdentityEvent):
    """v1 could not say that a link came with the record that created the person, or from a probabilistic
    match, so such links went unannounced. Superseded by v2, whose ``linked_by`` has those two values."""

    event_type: ClassVar[str] = "pathfinder.identity.person-linked.v1"

    link_id: UUID = Field(description="Platform id of the link, for audit and unlinking")
    identifier_kind: IdentifierKind = Field(description="Which kind of identifier (never its value)")
    linked_by: Literal["deterministic-match", "reviewed-possible-match", "manual"] = Field(
        description="How: an exact NHS number match, a reviewer confirming a possible match, or a manual link"
    )
    linked_at: UtcInstant = Field(description="Instant of the link")
