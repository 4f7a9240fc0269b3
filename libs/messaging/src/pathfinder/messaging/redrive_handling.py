"""How an event consumer applies a record from its redrive topic (see :mod:`pathfinder.messaging.redrive`).

The record is applied only while the consumer's inbox holds the event it names as dead-lettered; its effect and
the inbox row turning ``processed`` commit together, so a second redrive of the same event, or a redrive of an
event the consumer never dead-lettered, changes nothing. A redriven event that fails again is retried like any
other and then dead-lettered again, as it was read the first time (its original topic, partition and offset),
so it can be redriven again later; one its handler refuses is dead-lettered again at once. Where the subscription
keys its inbox otherwise than by event id, the dead letter is found by the key of the redrive record.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Generic, TypeVar
from uuid import UUID

from pathfinder.messaging import inbox, metrics
from pathfinder.messaging.dead_letter import dead_letter_message
from pathfinder.messaging.delivery import DeadLetterReason, Delivery, read_record
from pathfinder.messaging.processing import process_span
from pathfinder.messaging.redrive import REDRIVE_OF_HEADER, redrive_of
from pathfinder.messaging.settings import ConsumerSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Refused, Subscription
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

UoW = TypeVar("UoW", bound=SqlUnitOfWork)


class RedriveHandler(Generic[UoW]):
    def __init__(
        self,
        *,
        group: str,
        subscription: Subscription[UoW],
        uow_factory: Callable[[], UoW],
        engine: AsyncEngine,
        settings: ConsumerSettings,
        back_off: Callable[[int], Awaitable[None]],
    ) -> None:
        self._group = group
        self._subscription = subscription
        self._uow_factory = uow_factory
        self._engine = engine
        self._settings = settings
        self._back_off = back_off
        self._labels = {"messaging.consumer.group.name": group}

    async def handle(self, record: Any) -> None:
        """``record`` is an aiokafka ConsumerRecord read from the group's redrive topic."""
        event_id = redrive_of(record.headers or ())
        if event_id is None:
            log.warning("record on the redrive topic names no dead letter: ignored", extra=self._where(record))
            return
        redriven = read_record(record)
        key = event_id if self._subscription.keyed_by_event_id else self._subscription.inbox_key(redriven)
        attempts = 0
        while True:
            try:
                await self._apply(redriven, event_id, key)
                return
            except Refused as refusal:
                await self._dead_letter_again(redriven, event_id, key, refusal.reason, refusal.message, attempts + 1)
                return
            except Exception as error:
                metrics.handler_errors.add(1, self._labels)
                problem = inbox.failure_text(error)
                await inbox.record_failure(self._engine, self._group, key, problem)
                attempts += 1
                log.warning(
                    "redriven event failed",
                    extra={"group": self._group, "event_id": str(event_id), "attempts": attempts},
                )
                if attempts >= self._settings.max_attempts:
                    failed = DeadLetterReason.HANDLER_FAILED
                    await self._dead_letter_again(redriven, event_id, key, failed, problem, attempts)
                    return
                await self._back_off(attempts)

    async def _apply(self, redriven: Delivery, event_id: UUID, key: UUID) -> None:
        async with self._uow_factory() as uow:
            original = await self._original(uow, redriven, event_id, key)
            if original is None:
                return
            if original.rejection is not None:
                self._publish_dead_letter(uow, original, event_id, original.rejection, original.problem or "", 1)
            else:
                assert original.event is not None
                handler = self._subscription.handler_for(original.event)
                if handler is None:
                    log.warning("redriven event is of a type this consumer no longer handles: left dead-lettered")
                    return
                with process_span(self._group, original):
                    await handler(original.event, uow, EventContext(self._group, original))
                await inbox.mark_applied(uow.session, self._group, key)
                metrics.processed_events.add(1, self._labels)
                log.info("redriven event applied", extra={"group": self._group, "event_id": str(event_id)})
            await uow.commit()

    async def _dead_letter_again(
        self, redriven: Delivery, event_id: UUID, key: UUID, reason: DeadLetterReason, error: str, attempts: int
    ) -> None:
        async with self._uow_factory() as uow:
            original = await self._original(uow, redriven, event_id, key)
            if original is None:
                return
            self._publish_dead_letter(uow, original, event_id, reason, error, attempts)
            await uow.commit()

    async def _original(self, uow: UoW, redriven: Delivery, event_id: UUID, key: UUID) -> Delivery | None:
        """The redriven record as the consumer first read it, if it is the event the consumer dead-lettered."""
        entry = await inbox.dead_lettered(uow.session, self._group, key)
        if entry is None:
            log.info(
                "redrive ignored: not dead-lettered by this consumer, or applied since",
                extra={"group": self._group, "event_id": str(event_id)},
            )
            return None
        original = replace(
            redriven,
            topic=entry.topic,
            partition=entry.partition,
            offset=entry.offset,
            headers=tuple((name, value) for name, value in redriven.headers if name != REDRIVE_OF_HEADER),
        )
        # A record read without a usable id was dead-lettered under an id made from where it was read.
        if event_id not in (original.event_id, replace(original, envelope=None).event_id):
            log.warning(
                "redrive ignored: the record is not the event it names",
                extra={"group": self._group, "event_id": str(event_id)},
            )
            return None
        return original

    def _publish_dead_letter(
        self, uow: UoW, original: Delivery, event_id: UUID, reason: DeadLetterReason, error: str, attempts: int
    ) -> None:
        # Dead-lettered again under the id the inbox holds, so that the next redrive finds it.
        letter = original if original.event_id == event_id else replace(original, envelope=None, event=None)
        uow.publish_raw(
            dead_letter_message(letter, consumer_group=self._group, reason=reason, error=error, attempts=attempts)
        )
        metrics.dead_lettered_events.add(1, {**self._labels, "reason": reason.value})
        log.warning(
            "redriven event dead-lettered again",
            extra={"group": self._group, "event_id": str(event_id), "reason": reason.value},
        )

    @staticmethod
    def _where(record: Any) -> dict[str, Any]:
        return {"topic": record.topic, "partition": record.partition, "offset": record.offset}
