"""The AsyncAPI 3.0 document of every channel: topics, keys, headers, messages, who sends and who receives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pathfinder.contracts.artefacts.json_schemas import routing_metadata
from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.catalogue import EVENT_TYPES, is_current
from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.contracts.wire import CONTENT_TYPE, DEAD_LETTER_HEADERS, HEADERS, dead_letter_topic
from pydantic.json_schema import models_json_schema

KAFKA_BINDING = "0.5.0"
SCHEMAS = "#/components/schemas"
DEAD_LETTER_MESSAGE = "dead-letter"
Json = dict[str, Any]


def asyncapi_document(contracts: Sequence[ConsumerContract], *, version: str) -> Json:
    classes = sorted(EVENT_TYPES.values(), key=lambda cls: (cls.topic, cls.event_type))
    channels: Json = {}
    operations: Json = {}
    for topic in sorted({cls.topic for cls in classes}):
        on_topic = [cls for cls in classes if cls.topic == topic]
        channels[topic] = _channel(topic, on_topic)
        for producer in sorted({cls.producer for cls in on_topic}):
            sent = [cls for cls in on_topic if cls.producer == producer and is_current(cls)]
            sent_types = [cls.event_type for cls in sent]
            operations[f"{producer}.send.{topic}"] = _operation("send", topic, sent_types, producer, group=None)
    for contract in contracts:
        for topic in contract.topics():
            read = [cls.event_type for cls in contract.reads if cls.topic == topic]
            operations[f"{contract.group}.receive.{topic}"] = _operation(
                "receive", topic, read, contract.service, group=contract.group
            )
        dead_letters = dead_letter_topic(contract.group)
        channels[dead_letters] = _dead_letter_channel(dead_letters, contract)
        operations[f"{contract.group}.send.{dead_letters}"] = _operation(
            "send", dead_letters, [DEAD_LETTER_MESSAGE], contract.service, group=None
        )
    return {
        "asyncapi": "3.0.0",
        "id": "urn:pathfinder:platform-events",
        "info": {
            "title": "Pathfinder platform events",
            "version": version,
            "description": (
                "Every event Pathfinder services exchange over Kafka. Events are thin and pseudonymous: a child "
                "appears only as a pseudonymous person id; details are fetched through authorised, audited APIs. "
                "Records are CloudEvents 1.0 in Kafka binary mode, keyed by the child, so everything about one "
                "child stays in order. Generated from libs/contracts; do not edit."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "production": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "protocolVersion": "4.1",
                "description": "Apache Kafka in KRaft mode (see deploy/)",
            },
            "embedded": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The embedded Kafka-compatible broker the development platform runs",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": _messages(classes), "schemas": _schemas(classes)},
    }


def _channel(topic: str, classes: Sequence[type[ContractEvent]]) -> Json:
    producers = sorted({cls.producer for cls in classes})
    return {
        "address": topic,
        "title": topic,
        "description": f"Produced by {', '.join(producers)}. Key: the event's key (see each message).",
        "messages": {cls.event_type: {"$ref": f"#/components/messages/{cls.event_type}"} for cls in classes},
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
    }


def _dead_letter_channel(topic: str, contract: ConsumerContract) -> Json:
    return {
        "address": topic,
        "title": topic,
        "description": (
            f"Records consumer group {contract.group} could not apply, with the original headers and value and "
            "pathfinder_dlt_* headers saying where they came from and why (a malformed record keeps its bytes)."
        ),
        "messages": {
            DEAD_LETTER_MESSAGE: {
                "name": DEAD_LETTER_MESSAGE,
                "title": f"A record {contract.group} gave up on",
                "summary": f"One of {', '.join(cls.event_type for cls in contract.reads)}, or an unreadable record",
                "headers": {"$ref": f"{SCHEMAS}/DeadLetterKafkaHeaders"},
                "payload": {"description": "The original record value, byte for byte"},
            }
        },
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
    }


def _operation(action: str, topic: str, messages: Sequence[str], service: str, *, group: str | None) -> Json:
    verb = "sends" if action == "send" else "receives"
    operation: Json = {
        "action": action,
        "channel": {"$ref": f"#/channels/{_pointer(topic)}"},
        "title": f"{service} {verb}",
        "summary": f"{service} {verb} on {topic}",
        "tags": [{"name": service}],
        "messages": [{"$ref": f"#/channels/{_pointer(topic)}/messages/{_pointer(name)}"} for name in messages],
    }
    if group is not None:
        operation["bindings"] = {
            "kafka": {"groupId": {"type": "string", "enum": [group]}, "bindingVersion": KAFKA_BINDING}
        }
    return operation


def _messages(classes: Sequence[type[ContractEvent]]) -> Json:
    messages: Json = {}
    for cls in classes:
        metadata = routing_metadata(cls)
        key_schema = {
            "type": "string",
            "format": "uuid",
            "description": f"The event's {cls.key_field}, as text: what one key's events are ordered by",
        }
        messages[cls.event_type] = {
            "name": cls.event_type,
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "),
            "contentType": CONTENT_TYPE,
            "headers": {"$ref": f"{SCHEMAS}/CloudEventsKafkaHeaders"},
            "payload": {"$ref": f"{SCHEMAS}/{cls.__name__}"},
            "correlationId": {"location": "$message.header#/ce_correlationid"},
            "bindings": {"kafka": {"key": key_schema, "bindingVersion": KAFKA_BINDING}},
            "x-pathfinder": {**metadata, "current": is_current(cls)},
        }
    return messages


def _schemas(classes: Sequence[type[ContractEvent]]) -> Json:
    _, schema = models_json_schema(
        [(cls, "validation") for cls in classes], ref_template=SCHEMAS + "/{model}", title="Pathfinder events"
    )
    schemas: Json = dict(sorted(schema.get("$defs", {}).items()))
    schemas["CloudEventsKafkaHeaders"] = {
        "type": "object",
        "description": "CloudEvents 1.0 Kafka binary-mode headers (UTF-8 strings).",
        "required": sorted(name for name, (required, _) in HEADERS.items() if required),
        "properties": {name: {"type": "string", "description": text} for name, (_, text) in HEADERS.items()},
        "additionalProperties": {"type": "string"},
    }
    schemas["DeadLetterKafkaHeaders"] = {
        "type": "object",
        "description": "The original headers plus these, on a dead-letter topic.",
        "properties": {name: {"type": "string", "description": text} for name, text in DEAD_LETTER_HEADERS.items()},
        "additionalProperties": {"type": "string"},
    }
    return schemas


def _pointer(segment: str) -> str:
    """A JSON Pointer segment (RFC 6901)."""
    return segment.replace("~", "~0").replace("/", "~1")
