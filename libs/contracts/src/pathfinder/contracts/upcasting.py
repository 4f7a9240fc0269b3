"""Reading any version of an event as the version a consumer expects.

Producers emit the current version. Old versions stay on topics, in the archive and in replays, so each
superseded version has one upcaster to the next version: a pure function over the JSON data, written when the
new version is introduced and never changed afterwards. Reading validates the data against the version it was
written as, then lifts it step by step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.catalogue import current_class, event_class
from pathfinder.contracts.identity import PersonLinked
from pathfinder.contracts.notifications import EarlyYearsNotificationDeliveredToLa, EarlyYearsNotificationReceived
from pathfinder.contracts.superseded.identity import PersonLinkedV1
from pathfinder.contracts.superseded.notifications import (
    EarlyYearsNotificationDeliveredToLaV1,
    EarlyYearsNotificationReceivedV1,
)

E = TypeVar("E", bound=ContractEvent)
JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Upcaster:
    source: type[ContractEvent]
    target: type[ContractEvent]
    lift: Callable[[JsonObject], JsonObject]


def _early_years_received_v1_to_v2(data: JsonObject) -> JsonObject:
    # v1 was only ever emitted by the platform's JSON API, and that API took no sender message id.
    return {**data, "submission_format": "json", "source_message_id": None}


def _delivered_to_la_v1_to_v2(data: JsonObject) -> JsonObject:
    # v2 only added a value to channel (mesh): every v1 event is already a valid v2 event.
    return dict(data)


def _person_linked_v1_to_v2(data: JsonObject) -> JsonObject:
    # v2 only added values to linked_by: every v1 event is already a valid v2 event.
    return dict(data)


UPCASTERS: dict[str, Upcaster] = {
    upcaster.source.event_type: upcaster
    for upcaster in (
        Upcaster(EarlyYearsNotificationReceivedV1, EarlyYearsNotificationReceived, _early_years_received_v1_to_v2),
        Upcaster(EarlyYearsNotificationDeliveredToLaV1, EarlyYearsNotificationDeliveredToLa, _delivered_to_la_v1_to_v2),
        Upcaster(PersonLinkedV1, PersonLinked, _person_linked_v1_to_v2),
    )
}


class NotReadable(LookupError):
    """The event is newer than the version the reader knows, or no upcaster chain leads to it."""


def upcast(event: ContractEvent, target: type[E]) -> E:
    """Lift ``event`` through the upcasters until it is a ``target``."""
    if event.family() != target.family():
        raise NotReadable(f"{event.event_type} is not a version of {target.family()}")
    current: ContractEvent = event
    while type(current) is not target:
        if current.version() > target.version():
            raise NotReadable(f"{current.event_type} is newer than {target.event_type}: the reader must upgrade")
        step = UPCASTERS.get(current.event_type)
        if step is None:
            raise NotReadable(f"no upcaster from {current.event_type}")
        current = step.target.model_validate_json(json.dumps(step.lift(current.model_dump(mode="json"))), strict=True)
    assert isinstance(current, target)
    return current


def read_event(event_type: str, data: bytes | str, *, as_version: type[E] | None = None) -> ContractEvent:
    """Validate ``data`` as ``event_type`` and return it as ``as_version`` (default: the current version).

    Reading is strict: the data must be exactly what the version's JSON Schema allows (no numbers for dates,
    no strings for booleans). Raises UnknownEventType, pydantic.ValidationError (the data does not match its
    own version) or NotReadable.
    """
    written_as = event_class(event_type)
    event = written_as.model_validate_json(data, strict=True)
    target: type[ContractEvent] = as_version or current_class(written_as.family())
    return upcast(event, target)
