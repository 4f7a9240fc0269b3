"""OpenTelemetry attributes for messaging spans (semantic conventions for messaging, Kafka)."""

from __future__ import annotations

from opentelemetry.util.types import AttributeValue


def messaging_attributes(
    operation: str,
    destination: str,
    *,
    message_id: str | None = None,
    key: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    consumer_group: str | None = None,
    batch_size: int | None = None,
) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "send" if operation == "publish" else operation,
        "messaging.operation.name": operation,
        "messaging.destination.name": destination,
    }
    optional: dict[str, AttributeValue | None] = {
        "messaging.message.id": message_id,
        "messaging.kafka.message.key": key,
        "messaging.destination.partition.id": str(partition) if partition is not None else None,
        "messaging.kafka.offset": offset,
        "messaging.consumer.group.name": consumer_group,
        "messaging.batch.message_count": batch_size,
    }
    attributes.update({name: value for name, value in optional.items() if value is not None})
    return attributes
