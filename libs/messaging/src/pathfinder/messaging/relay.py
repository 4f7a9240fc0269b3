"""The outbox relay: publishes committed outbox rows to Kafka in order per key, then marks them published.

At-least-once: a row is marked only after the broker acknowledged it, so a crash between the two publishes
it again (consumers' inboxes make that a no-op). Rows are spread over lanes by key; a relay leases lanes, so
several relays can run side by side while each key is published by one relay at a time, in outbox order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaProducer
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind
from pathfinder.messaging import metrics
from pathfinder.messaging.broker import TopicAdmin, new_producer, topic_specs, track_topics
from pathfinder.messaging.envelope import EPOCH_HEADER, SEQUENCE_EXTENSION
from pathfinder.messaging.epoch import BrokerEpoch
from pathfinder.messaging.faults import fault_point
from pathfinder.messaging.outbox import decode_headers
from pathfinder.messaging.schema import OUTBOX_CHANNEL, outbox
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.messaging.tracing import messaging_attributes
from pathfinder.messaging.workers import keep_stepping
from pathfinder.persistence.notified_channel import NotifiedChannel
from sqlalchemy import Row, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("pathfinder.messaging")

_CLAIM_LANES = text(
    """
    WITH candidate AS (
        SELECT lane FROM outbox_lane
        WHERE owner = :me OR owner IS NULL OR lease_until < now()
        ORDER BY (owner = :me) DESC NULLS LAST, lane
        LIMIT :max_lanes
        FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox_lane SET owner = :me, lease_until = now() + make_interval(secs => :lease)
    FROM candidate WHERE outbox_lane.lane = candidate.lane
    RETURNING outbox_lane.lane
    """
)
_RELEASE_LANES = text("UPDATE outbox_lane SET owner = NULL, lease_until = NULL WHERE owner = :me")
_RETENTION_SWEEP_SECONDS = 60.0


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        listen_dsn: str,
        kafka: KafkaSettings,
        settings: OutboxSettings,
        topics: Sequence[str],
    ) -> None:
        self.service = service
        self.relay_id = f"{service}-relay-{uuid4().hex[:12]}"
        self._engine = engine
        self._notices = NotifiedChannel(listen_dsn, OUTBOX_CHANNEL)
        self._kafka = kafka
        self._settings = settings
        self._topics = list(topics)
        self._producer: AIOKafkaProducer | None = None
        self._admin: TopicAdmin | None = None
        self._epoch: BrokerEpoch | None = None
        self._next_broker_check = 0.0
        self._next_sweep = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set; survives broker and database outages by retrying."""

        async def step() -> bool:
            await self._connect()
            ticket = self._notices.ticket()
            if await self.publish_once() < self._settings.batch_size:
                await self._notices.wait(ticket, stop, self._settings.poll_interval_seconds)
            return True

        try:
            await keep_stepping(
                stop,
                step,
                name="outbox relay",
                idle_seconds=0,
                after_failure=self._disconnect,
                failure_pause_seconds=1.0,
            )
        finally:
            await self._release_lanes()
            await self._disconnect()

    async def publish_once(self) -> int:
        """One relay step: check the broker, lease lanes, publish a batch, mark it. Returns rows published."""
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_broker_check:
            assert self._epoch is not None
            await self._epoch.verify()
            await self._record_backlog()
            self._next_broker_check = loop.time() + self._settings.broker_check_interval_seconds
        if loop.time() >= self._next_sweep:
            await self._sweep_retained()
            self._next_sweep = loop.time() + _RETENTION_SWEEP_SECONDS
        lanes = await self._claim_lanes()
        fault_point("relay.after_claim")
        if not lanes:
            return 0
        rows = await self._unpublished(lanes)
        if not rows:
            return 0
        sent = await self._send(rows)
        fault_point("relay.after_send")
        await self._mark_published(sent)
        fault_point("relay.after_mark")
        if len(sent) < len(rows):
            self._next_broker_check = 0.0  # a failed send may mean the broker restarted
            raise RuntimeError(f"{len(rows) - len(sent)} of {len(rows)} outbox rows were not acknowledged")
        return len(sent)

    async def _connect(self) -> None:
        if self._producer is None:
            producer = new_producer(self._kafka, client_id=self.relay_id)
            await producer.start()
            self._producer = producer
        if self._admin is None:
            admin = TopicAdmin(self._kafka, client_id=f"{self.relay_id}-admin")
            await admin.start()
            self._admin = admin
            specs = topic_specs(self._kafka, self._topics)
            self._epoch = BrokerEpoch(service=self.service, engine=self._engine, admin=admin, topics=specs)
            self._next_broker_check = 0.0

    async def _disconnect(self) -> None:
        producer, self._producer = self._producer, None
        admin, self._admin = self._admin, None
        for closing in (
            producer.stop() if producer else None,
            admin.close() if admin else None,
            self._notices.close(),
        ):
            if closing is not None:
                try:
                    await closing
                except Exception:
                    log.warning("error while closing a relay connection", exc_info=True)

    async def _claim_lanes(self) -> list[int]:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                _CLAIM_LANES,
                {
                    "me": self.relay_id,
                    "max_lanes": self._settings.max_lanes_per_relay,
                    "lease": self._settings.lease_seconds,
                },
            )
            return [row.lane for row in result]

    async def _release_lanes(self) -> None:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(_RELEASE_LANES, {"me": self.relay_id})
        except Exception:
            log.warning("could not release outbox lanes; their leases will expire", exc_info=True)

    async def _unpublished(self, lanes: list[int]) -> Sequence[Row[Any]]:
        query = (
            select(outbox.c.position, outbox.c.topic, outbox.c.key, outbox.c.headers, outbox.c.payload)
            .add_columns(outbox.c.created_at, outbox.c.event_id)
            .where(outbox.c.published_at.is_(None), outbox.c.lane.in_(lanes))
            .order_by(outbox.c.position)
            .limit(self._settings.batch_size)
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).all()

    async def _send(self, rows: Sequence[Row[Any]]) -> list[Row[Any]]:
        producer, epoch = self._producer, self._epoch
        assert producer is not None and epoch is not None and epoch.current is not None
        epoch_header = (EPOCH_HEADER, str(epoch.current).encode())
        await track_topics(producer, (row.topic for row in rows))
        links = [Link(_creation_context(row.headers)) for row in rows[:128]]
        topic = rows[0].topic if len({row.topic for row in rows}) == 1 else "multiple"
        with _tracer.start_as_current_span(
            f"send {topic}",
            kind=SpanKind.PRODUCER,
            links=links,
            attributes=messaging_attributes("send", topic, batch_size=len(rows)),
        ):
            futures = []
            for row in rows:
                headers = decode_headers(row.headers)
                headers.append((f"ce_{SEQUENCE_EXTENSION}", f"{row.position:020d}".encode()))
                headers.append(epoch_header)
                futures.append(
                    await producer.send(
                        row.topic,
                        value=row.payload,
                        key=row.key.encode(),
                        headers=headers,
                        timestamp_ms=int(row.created_at.timestamp() * 1000),
                    )
                )
            outcomes = await asyncio.gather(*futures, return_exceptions=True)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            log.warning("broker rejected outbox rows", extra={"failed": len(failures), "error": repr(failures[0])})
        return [row for row, outcome in zip(rows, outcomes, strict=True) if not isinstance(outcome, BaseException)]

    async def _mark_published(self, rows: Sequence[Row[Any]]) -> None:
        if not rows:
            return
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            await connection.execute(
                update(outbox).where(outbox.c.position.in_([row.position for row in rows])).values(published_at=now)
            )
        for row in rows:
            metrics.publish_latency.record((now - row.created_at).total_seconds(), {"topic": row.topic})
        metrics.published_events.add(len(rows), {"pathfinder.service": self.service})

    async def _record_backlog(self) -> None:
        async with self._engine.connect() as connection:
            count = (await connection.execute(select(func.count()).where(outbox.c.published_at.is_(None)))).scalar_one()
        metrics.record_outbox_backlog(self.service, int(count))

    async def _sweep_retained(self) -> None:
        cutoff = datetime.now(UTC) - timedelta(hours=self._settings.retention_hours)
        expired = select(outbox.c.position).where(outbox.c.published_at < cutoff).limit(5000).scalar_subquery()
        async with self._engine.begin() as connection:
            await connection.execute(delete(outbox).where(outbox.c.position.in_(expired)))


def _creation_context(stored_headers: Sequence[Sequence[str]]) -> trace.SpanContext:
    carrier = {entry[0]: entry[1] for entry in stored_headers if entry[0] in ("traceparent", "tracestate")}
    return trace.get_current_span(propagate.extract(carrier)).get_span_context()
