"""What a consumer of a service handles: its event classes, each tied to a handler of that class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.messaging.delivery import Delivery
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork

UoW = TypeVar("UoW", bound=SqlUnitOfWork)
E = TypeVar("E", bound=ContractEvent)


@dataclass(frozen=True, slots=True)
class EventContext:
    consumer_group: str
    delivery: Delivery


EventHandler = Callable[[E, UoW, EventContext], Awaitable[None]]
"""A handler of events of type ``E``, run in the consumer's unit of work (which it never commits)."""


class Subscription(Generic[UoW]):
    """What one consumer of a service handles. ``name`` becomes the group ``<service>.<name>``.

    Handlers are added with :meth:`on`, which ties each event class to a handler of that class, so that mypy
    refuses a handler registered for an event it does not take.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: dict[type[ContractEvent], EventHandler[Any, UoW]] = {}

    def on(self, event_type: type[E], handler: EventHandler[E, UoW]) -> Subscription[UoW]:
        if event_type in self._handlers:
            raise ValueError(f"{self.name} already handles {event_type.event_type}")
        self._handlers[event_type] = handler
        return self

    @property
    def event_types(self) -> tuple[type[ContractEvent], ...]:
        return tuple(self._handlers)

    def topics(self) -> list[str]:
        return sorted({event_type.topic for event_type in self._handlers})

    def handler_for(self, event: ContractEvent) -> EventHandler[Any, UoW] | None:
        return self._handlers.get(type(event))

    def contract(self, service: str) -> ConsumerContract:
        """What this subscription reads, declared for the consumer-driven contract tests."""
        return ConsumerContract(service=service, group=f"{service}.{self.name}", reads=self.event_types)
