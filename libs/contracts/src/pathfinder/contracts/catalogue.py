"""The catalogue of every event type the platform knows, by its versioned CloudEvents type."""

from __future__ import annotations

from collections.abc import Iterable

from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived

_EVENT_CLASSES: tuple[type[ContractEvent], ...] = (EarlyYearsNotificationReceived,)

EVENT_TYPES: dict[str, type[ContractEvent]] = {cls.event_type: cls for cls in _EVENT_CLASSES}


class UnknownEventType(LookupError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"event type {event_type!r} is not in the catalogue")
        self.event_type = event_type


def event_class(event_type: str) -> type[ContractEvent]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def topics_produced_by(service: str) -> list[str]:
    return sorted({cls.topic for cls in EVENT_TYPES.values() if cls.producer == service})


def all_event_classes() -> Iterable[type[ContractEvent]]:
    return EVENT_TYPES.values()
