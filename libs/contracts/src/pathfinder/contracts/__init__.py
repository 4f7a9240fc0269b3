"""Event catalogue and schemas: what messages between agencies mean."""

from pathfinder.contracts.base import ContractEvent, LaCode, OdsCode
from pathfinder.contracts.catalogue import EVENT_TYPES, UnknownEventType, event_class, topics_produced_by
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived

__all__ = [
    "EVENT_TYPES",
    "ContractEvent",
    "EarlyYearsNotificationReceived",
    "LaCode",
    "OdsCode",
    "UnknownEventType",
    "event_class",
    "topics_produced_by",
]
