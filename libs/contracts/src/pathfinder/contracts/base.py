"""What every platform event shares, and the value types events are made of."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

LaCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{3}$"),
    Field(description="DfE 3-digit local authority code, e.g. 841 (Darlington)"),
]
OdsCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9]{3,10}$"),
    Field(description="NHS Organisation Data Service code of an ICB, trust or other NHS body, e.g. RH8 (Royal Devon)"),
]
LondonDate = Annotated[
    date,
    Field(description="A calendar date in England (Europe/London): statutory periods count these, not instants"),
]
UtcInstant = Annotated[AwareDatetime, Field(description="An instant with its UTC offset, normally UTC")]
Reference = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}$"),
    Field(description="A reference a system gave a record: letters, digits and / _ . : - only, never free text"),
]

_EVENT_TYPE = re.compile(r"^pathfinder\.[a-z-]+\.[a-z-]+\.v(?P<version>[1-9]\d*)$")


class ContractEvent(BaseModel):
    """A platform event as producers and consumers agree on it: a fact in the past tense.

    Closed (unknown fields are rejected) and immutable. Class attributes, not fields:
    ``event_type`` the versioned CloudEvents ``type`` (``pathfinder.<domain>.<name>.v<N>``), ``topic`` the Kafka
    topic, ``producer`` the only service that emits it, ``la_deliverable`` whether it may ever be delivered to
    the responsible LA's systems, ``key_field`` the field whose value is the record key (events with the same
    key stay in order). Events are thin and pseudonymous: never a name, NHS number, date of birth,
    address or free text; the details are fetched through an authorised, audited API.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    producer: ClassVar[str]
    la_deliverable: ClassVar[bool] = True
    key_field: ClassVar[str]

    @property
    def subject(self) -> str:
        """The record key (CloudEvents ``subject``)."""
        return str(getattr(self, self.key_field))

    @property
    def audience_la(self) -> str | None:
        """The only LA whose systems may receive this event (None: no LA may)."""
        return None

    @classmethod
    def family(cls) -> str:
        """The event type without its version: every version of one event shares it."""
        return cls.event_type.rsplit(".", 1)[0]

    @classmethod
    def version(cls) -> int:
        found = _EVENT_TYPE.match(cls.event_type)
        if found is None:
            raise ValueError(f"{cls.__name__}.event_type {cls.event_type!r} is not pathfinder.<domain>.<name>.v<N>")
        return int(found["version"])


class ChildEvent(ContractEvent):
    """A fact about one child, keyed by the child's pseudonymous person id, for the LA responsible for them."""

    key_field: ClassVar[str] = "person_id"

    person_id: UUID = Field(description="Pseudonymous platform person id of the child; the record key")
    responsible_la: LaCode = Field(description="The LA responsible for the child; the only LA it is delivered to")

    @property
    def audience_la(self) -> str | None:
        return self.responsible_la if self.la_deliverable else None
