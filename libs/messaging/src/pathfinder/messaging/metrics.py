"""Messaging metrics: outbox backlog and publish latency, consumer lag, handler errors, dead letters."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

_meter = metrics.get_meter("pathfinder.messaging")

# Last observed values, read by the observable gauges' callbacks at each export.
_outbox_backlog: dict[str, int] = {}
_consumer_lag: dict[tuple[str, str, int], int] = {}


def _observe_backlog(_options: CallbackOptions) -> Iterable[Observation]:
    return [Observation(rows, {"pathfinder.service": service}) for service, rows in list(_outbox_backlog.items())]


def _observe_lag(_options: CallbackOptions) -> Iterable[Observation]:
    return [
        Observation(
            lag,
            {
                "messaging.consumer.group.name": group,
                "messaging.destination.name": topic,
                "messaging.destination.partition.id": str(partition),
            },
        )
        for (group, topic, partition), lag in list(_consumer_lag.items())
    ]


_meter.create_observable_gauge(
    "pathfinder.outbox.backlog",
    callbacks=[_observe_backlog],
    unit="{event}",
    description="Outbox rows not yet published",
)
_meter.create_observable_gauge(
    "messaging.kafka.consumer.lag",
    callbacks=[_observe_lag],
    unit="{message}",
    description="High watermark minus the next offset to process, per partition",
)
publish_latency = _meter.create_histogram(
    "pathfinder.outbox.publish.duration",
    unit="s",
    description="From the outbox write to the broker's acknowledgement",
)
published_events = _meter.create_counter(
    "pathfinder.outbox.published", unit="{event}", description="Outbox rows published"
)
processed_events = _meter.create_counter(
    "pathfinder.consumer.processed", unit="{event}", description="Events whose effect was committed"
)
handler_errors = _meter.create_counter(
    "pathfinder.consumer.handler.errors", unit="{error}", description="Failed handler attempts"
)
dead_lettered_events = _meter.create_counter(
    "pathfinder.consumer.dead_lettered", unit="{event}", description="Events sent to a dead-letter topic"
)


def record_outbox_backlog(service: str, rows: int) -> None:
    _outbox_backlog[service] = rows


def record_consumer_lag(group: str, topic: str, partition: int, lag: int) -> None:
    _consumer_lag[(group, topic, partition)] = lag


def forget_consumer_lag(group: str) -> None:
    for key in [key for key in _consumer_lag if key[0] == group]:
        del _consumer_lag[key]


def consumer_lag_snapshot(group: str) -> dict[tuple[str, int], int]:
    return {(topic, partition): lag for (g, topic, partition), lag in _consumer_lag.items() if g == group}
