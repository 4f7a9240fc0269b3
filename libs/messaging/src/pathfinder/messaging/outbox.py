"""Writing events to the outbox inside the transaction that changed the state they describe."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from pathfinder.contracts import ContractEvent
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.outbox_message import OutboxMessage, decode_headers, encode_headers
from pathfinder.messaging.schema import OUTBOX_LANES, outbox
from pathfinder.messaging.tracing import messaging_attributes
from pathfinder.telemetry.correlation import current_correlation_id, new_correlation_id
from sqlalchemy.ext.asyncio import AsyncSession

_tracer = trace.get_tracer("pathfinder.messaging")


def message_for_event(
    event: ContractEvent,
    *,
    source: str,
    correlation_id: str | None = None,
    event_id: UUID | None = None,
    time: datetime | None = None,
) -> OutboxMessage:
    """Wrap a contract event in its CloudEvents envelope, in the trace context of a new "create" span."""
    event_id = event_id or uuid4()
    with _tracer.start_as_current_span(
        f"create {event.topic}",
        kind=SpanKind.PRODUCER,
        attributes=messaging_attributes("create", event.topic, message_id=str(event_id)),
    ):
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        envelope = EventEnvelope(
            id=event_id,
            source=source,
            type=event.event_type,
            time=time or datetime.now(UTC),
            subject=event.subject,
            la_code=event.audience_la,
            correlation_id=correlation_id or current_correlation_id() or new_correlation_id(),
            data=event.model_dump_json().encode(),
            traceparent=carrier.get("traceparent"),
            tracestate=carrier.get("tracestate"),
        )
    return OutboxMessage(
        event_id=event_id,
        topic=event.topic,
        key=envelope.subject,
        event_type=event.event_type,
        headers=envelope.to_headers(),
        payload=envelope.data,
    )


def lane_of(key: str) -> int:
    return zlib.crc32(key.encode()) % OUTBOX_LANES


async def stage(session: AsyncSession, messages: Sequence[OutboxMessage]) -> None:
    """Insert outbox rows in the session's open transaction; they become visible only if it commits."""
    if not messages:
        return
    await session.execute(
        outbox.insert(),
        [
            {
                "event_id": message.event_id,
                "lane": lane_of(message.key),
                "topic": message.topic,
                "key": message.key,
                "event_type": message.event_type,
                "headers": encode_headers(message.headers),
                "payload": message.payload,
            }
            for message in messages
        ],
    )


__all__ = ["OutboxMessage", "decode_headers", "encode_headers", "lane_of", "message_for_event", "stage"]
