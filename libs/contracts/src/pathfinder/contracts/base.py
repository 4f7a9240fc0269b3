"""What every platform event shares: it is a fact about one child, for one responsible local authority."""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

LaCode = Annotated[str, StringConstraints(pattern=r"^\d{3}$"), Field(description="DfE 3-digit LA code, e.g. 841")]
OdsCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9]{3,10}$"),
    Field(description="NHS Organisation Data Service code of an ICB or trust, e.g. RR8"),
]


class ContractEvent(BaseModel):
    """A platform event as producers and consumers agree on it.

    Closed (unknown fields are rejected) and immutable. ``event_type`` is the versioned CloudEvents type,
    ``topic`` the Kafka topic it travels on. Events are thin and pseudonymous: a person is only ever named by
    the platform's pseudonymous id, never by name or NHS number.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    producer: ClassVar[str]

    person_id: UUID = Field(description="Pseudonymous platform person id of the child (the record key)")
    responsible_la: LaCode = Field(description="The LA responsible for the child; delivery is limited to it")
