"""How an event travels on Kafka, as part of the contract: CloudEvents 1.0 in Kafka binary mode.

The record key is the event's key (the child's pseudonymous person id); the value is the event's JSON; the
CloudEvents attributes are ``ce_*`` headers. Consumers in any language read these with a standard Kafka client.
"""

from __future__ import annotations

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

# Extension attribute names: lower-case alphanumerics only (CloudEvents 1.0, "Attribute Naming Convention").
LA_CODE_EXTENSION = "lacode"
CORRELATION_EXTENSION = "correlationid"
SEQUENCE_EXTENSION = "sequence"  # the CloudEvents "sequence" extension: producer order, as a padded string
TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
# The relay's broker epoch: changes when the broker lost its log and the outbox was published again.
EPOCH_HEADER = "pathfinder_epoch"
# Headers a consumer adds when it dead-letters a record (the original headers are kept beside them).
DEAD_LETTER_PREFIX = "pathfinder_dlt_"
# On a dead-lettered record sent back to its consumer: the event id the consumer dead-lettered it under (the
# dead-letter record's ``pathfinder_dlt_original_event_id``, its ``ce_id`` when it had a readable one).
REDRIVE_OF_HEADER = "pathfinder-redrive-of"

HEADERS: dict[str, tuple[bool, str]] = {
    "ce_specversion": (True, "CloudEvents spec version: 1.0"),
    "ce_id": (True, "Event id (UUID), unique per event: consumers deduplicate on it"),
    "ce_source": (True, "The producing service, e.g. /pathfinder/notifications"),
    "ce_type": (True, "Versioned event type, e.g. pathfinder.ehcp.advice-requested.v1"),
    "ce_time": (True, "When the fact happened (RFC 3339, UTC)"),
    "ce_subject": (True, "The record key: the child's pseudonymous person id for child events"),
    f"ce_{CORRELATION_EXTENSION}": (True, "Correlation id of the request or message that caused it"),
    "content-type": (True, "application/json"),
    f"ce_{LA_CODE_EXTENSION}": (False, "DfE code of the only LA that may receive it; absent: no LA may"),
    f"ce_{SEQUENCE_EXTENSION}": (False, "Producer order within its outbox lane (zero-padded decimal)"),
    TRACEPARENT: (False, "W3C trace context"),
    TRACESTATE: (False, "W3C trace context"),
    EPOCH_HEADER: (False, "Relay broker epoch; a new epoch means the topic was re-published from the outbox"),
}

DEAD_LETTER_HEADERS: dict[str, str] = {
    f"{DEAD_LETTER_PREFIX}original_topic": "Topic the record was read from",
    f"{DEAD_LETTER_PREFIX}original_partition": "Its partition",
    f"{DEAD_LETTER_PREFIX}original_offset": "Its offset",
    f"{DEAD_LETTER_PREFIX}original_event_id": "Its ce_id, or a synthetic id when it had none",
    f"{DEAD_LETTER_PREFIX}consumer_group": "The consumer group that gave up on it",
    f"{DEAD_LETTER_PREFIX}reason": "malformed | unknown-event-type | handler-failed | replay-refused",
    f"{DEAD_LETTER_PREFIX}error": "What went wrong, without the record's content",
    f"{DEAD_LETTER_PREFIX}attempts": "How many times it was tried",
    f"{DEAD_LETTER_PREFIX}failed_at": "When it was dead-lettered (RFC 3339)",
}


def dead_letter_topic(consumer_group: str) -> str:
    return f"{consumer_group}.dead-letter"


def redrive_topic(consumer_group: str) -> str:
    """Where dead letters of ``consumer_group`` are sent back to it once the fault is fixed."""
    return f"{consumer_group}.redrive"


# Replaying archived events to one LA subscription (ADR 0011). The event-history service writes each archived record
# to this topic exactly as it was first published (its ce_* headers, key and value) plus the two headers below;
# notifications delivers it to that subscription only.
REPLAY_LA_DELIVERY_TOPIC = "pathfinder.replay.la-delivery"
REPLAY_ID_HEADER = "pathfinder-replay-id"  # the replay's id (UUID)
REPLAY_SUBSCRIPTION_HEADER = "pathfinder-replay-subscription"  # the target LA subscription's id (UUID)
# What marks a replayed delivery to an LA system: a CloudEvents extension attribute holding the replay's id
# (``ce_replayid`` on the LA's Kafka topic, ``replayid`` in a webhook body). The event's id stays its own.
REPLAY_EXTENSION = "replayid"
