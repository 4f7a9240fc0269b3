"""What a consumer of a service handles: its event classes, each tied to a handler of that class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.messaging.delivery import DeadLetterReason, Delivery
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork

UoW = TypeVar("UoW", bound=SqlUnitOfWork)
E = TypeVar("E", bound=ContractEvent)


@dataclass(frozen=True, slots=True)
class EventContext:
    consumer_group: str
    delivery: Delivery


EventHandler = Callable[[E, UoW, EventContext], Awaitable[None]]
"""A handler of events of type ``E``, run in the consumer's unit of work (which it never commits)."""

InboxKey = Callable[[Delivery], UUID]
"""What a consumer's inbox knows a delivery by: what it applies once."""


class Refused(Exception):
    """Raised by a handler for an event it must never apply: the consumer rolls back the handler's transaction and
    dead-letters the event at once with ``reason``, without retrying it."""

    def __init__(self, reason: DeadLetterReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Subscription(Generic[UoW]):
    """What one consumer of a service handles. ``name`` becomes the group ``<service>.<name>``.

    Handlers are added with :meth:`on`, which ties each event class to a handler of that class, so that mypy
    refuses a handler registered for an event it does not take. The consumer reads the topics of those classes,
    or ``topics`` when given (events sent to the service on a topic of their own). Its inbox applies each event
    id once, or each ``inbox_key`` of a delivery when given; a redriven dead letter is found again by the key of
    the redrive record, so such a key depends on the record's headers and value, not on where it was read.
    """

    def __init__(self, name: str, *, topics: Sequence[str] = (), inbox_key: InboxKey | None = None) -> None:
        self.name = name
        self._handlers: dict[type[ContractEvent], EventHandler[Any, UoW]] = {}
        self._topics = tuple(topics)
        self._inbox_key = inbox_key

    def on(self, event_type: type[E], handler: EventHandler[E, UoW]) -> Subscription[UoW]:
        if event_type in self._handlers:
            raise ValueError(f"{self.name} already handles {event_type.event_type}")
        self._handlers[event_type] = handler
        return self

    @property
    def event_types(self) -> tuple[type[ContractEvent], ...]:
        return tuple(self._handlers)

    def topics(self) -> list[str]:
        return sorted(set(self._topics) or {event_type.topic for event_type in self._handlers})

    @property
    def keyed_by_event_id(self) -> bool:
        return self._inbox_key is None

    def inbox_key(self, delivery: Delivery) -> UUID:
        return delivery.event_id if self._inbox_key is None else self._inbox_key(delivery)

    def handler_for(self, event: ContractEvent) -> EventHandler[Any, UoW] | None:
        return self._handlers.get(type(event))

    def contract(self, service: str) -> ConsumerContract:
        """What this subscription reads, declared for the consumer-driven contract tests."""
        return ConsumerContract(service=service, group=f"{service}.{self.name}", reads=self.event_types)
