"""Event catalogue and schemas: what messages between agencies mean.

Every event the platform emits or consumes is a closed pydantic model in one of the domain modules
(:mod:`~pathfinder.contracts.notifications`, :mod:`~pathfinder.contracts.assessment`,
:mod:`~pathfinder.contracts.plans`, :mod:`~pathfinder.contracts.health_advice`,
:mod:`~pathfinder.contracts.identity`); :mod:`~pathfinder.contracts.catalogue` lists them all.
"""

from pathfinder.contracts.base import ChildEvent, ContractEvent, LaCode, LondonDate, OdsCode, Reference, UtcInstant
from pathfinder.contracts.catalogue import (
    EVENT_TYPES,
    UnknownEventType,
    current_class,
    current_event_classes,
    event_class,
    topics_produced_by,
)
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.contracts.upcasting import NotReadable, read_event

__all__ = [
    "EVENT_TYPES",
    "ChildEvent",
    "ContractEvent",
    "EarlyYearsNotificationReceived",
    "LaCode",
    "LondonDate",
    "NotReadable",
    "OdsCode",
    "Reference",
    "UnknownEventType",
    "UtcInstant",
    "current_class",
    "current_event_classes",
    "event_class",
    "read_event",
    "topics_produced_by",
]
