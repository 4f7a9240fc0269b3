"""The catalogue of every event type the platform knows: current versions, and superseded ones still read."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from pathfinder.contracts import assessment, health_advice, identity, notifications, plans
from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.superseded import identity as superseded_identity
from pathfinder.contracts.superseded import notifications as superseded_notifications

# Domains in the order the catalogue page lists them, each with the modules defining its events.
DOMAINS: dict[str, tuple[ModuleType, ...]] = {
    "Early-years notifications": (notifications, superseded_notifications),
    "EHC needs assessment": (assessment,),
    "EHC plans": (plans,),
    "Health advice": (health_advice,),
    "Identity": (identity, superseded_identity),
}


def _defined_in(module: ModuleType) -> list[type[ContractEvent]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ContractEvent)
        and value.__module__ == module.__name__
        and "event_type" in vars(value)
    ]


EVENT_TYPES: dict[str, type[ContractEvent]] = {
    cls.event_type: cls for modules in DOMAINS.values() for module in modules for cls in _defined_in(module)
}
DOMAIN_OF: dict[str, str] = {
    cls.event_type: domain for domain, modules in DOMAINS.items() for module in modules for cls in _defined_in(module)
}
# Every version of each event, oldest first: read on every delivery, so worked out once.
_VERSIONS: dict[str, list[type[ContractEvent]]] = {}
for _event in sorted(EVENT_TYPES.values(), key=lambda cls: cls.version()):
    _VERSIONS.setdefault(_event.family(), []).append(_event)


class UnknownEventType(LookupError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"event type {event_type!r} is not in the catalogue")
        self.event_type = event_type


def event_class(event_type: str) -> type[ContractEvent]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def versions_of(family: str) -> list[type[ContractEvent]]:
    """Every version of one event, oldest first."""
    return list(_VERSIONS.get(family, ()))


def current_class(family: str) -> type[ContractEvent]:
    """The version producers emit now: the newest."""
    found = _VERSIONS.get(family)
    if not found:
        raise UnknownEventType(family)
    return found[-1]


def current_event_classes() -> list[type[ContractEvent]]:
    return [cls for cls in EVENT_TYPES.values() if current_class(cls.family()) is cls]


def is_current(cls: type[ContractEvent]) -> bool:
    return current_class(cls.family()) is cls


def topics_produced_by(service: str) -> list[str]:
    return sorted({cls.topic for cls in EVENT_TYPES.values() if cls.producer == service})


def all_event_classes() -> Iterable[type[ContractEvent]]:
    return EVENT_TYPES.values()
