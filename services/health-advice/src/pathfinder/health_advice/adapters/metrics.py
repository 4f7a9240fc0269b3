"""Turnaround metrics through OpenTelemetry, for an ICB's own dashboards (names in ADR 0010):

- ``pathfinder.health_advice.turnaround`` (histogram, days from receipt to advice) by ICB, team kind, requesting
  LA and on time or late;
- ``pathfinder.health_advice.requests.opened`` / ``.submitted`` / ``.overdue`` (counters), the same attributes;
- ``pathfinder.health_advice.requests.open`` (gauge) by ICB and RAG, as the worker last counted them.
"""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from pathfinder.health_advice.domain.clock import Rag
from pathfinder.health_advice.service_layer.ports import Measurement

_meter = metrics.get_meter("pathfinder.health_advice")

# Bucket bounds in days: the dashboard's buckets, so an ICB's histogram reads the same.
_TURNAROUND_BOUNDS = (14.0, 28.0, 42.0, 56.0, 84.0)

_open: dict[tuple[str, Rag], int] = {}


def _observe_open(_options: CallbackOptions) -> Iterable[Observation]:
    return [
        Observation(count, {"pathfinder.icb": icb, "pathfinder.rag": colour.value})
        for (icb, colour), count in list(_open.items())
    ]


_meter.create_observable_gauge(
    "pathfinder.health_advice.requests.open",
    callbacks=[_observe_open],
    unit="{request}",
    description="Advice requests not yet submitted or cancelled, by ICB and red/amber/green",
)
_turnaround = _meter.create_histogram(
    "pathfinder.health_advice.turnaround",
    unit="d",
    description="Days from the health body receiving the request to the advice submitted",
    explicit_bucket_boundaries_advisory=list(_TURNAROUND_BOUNDS),
)
_counters = {
    outcome: _meter.create_counter(
        f"pathfinder.health_advice.requests.{outcome}", unit="{request}", description=description
    )
    for outcome, description in (
        ("opened", "Advice requests opened from ehcp's requests for health advice"),
        ("submitted", "Advice submitted"),
        ("overdue", "Advice requests gone past their due date without advice (once per due date)"),
    )
}


class OpenTelemetryAdviceMetrics:
    def record(self, measurement: Measurement) -> None:
        attributes: dict[str, str] = {
            "pathfinder.icb": measurement.icb,
            "pathfinder.team_kind": measurement.team_kind,
            "pathfinder.requesting_la": measurement.requesting_la,
        }
        if measurement.on_time is not None:
            attributes["pathfinder.on_time"] = "on-time" if measurement.on_time else "late"
        _counters[measurement.outcome].add(1, attributes)
        if measurement.outcome == "submitted" and measurement.turnaround_days is not None:
            _turnaround.record(measurement.turnaround_days, attributes)

    def open_by_rag(self, counts: dict[tuple[str, Rag], int]) -> None:
        _open.clear()
        _open.update(counts)
