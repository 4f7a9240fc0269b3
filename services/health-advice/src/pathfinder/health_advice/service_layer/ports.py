"""What the use cases ask of the world besides the database: the turnaround metrics an ICB puts on its dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pathfinder.health_advice.domain.clock import Rag

Outcome = Literal["opened", "submitted", "overdue"]


@dataclass(frozen=True)
class Measurement:
    """One request opened, submitted (with its turnaround and whether on time) or gone overdue."""

    outcome: Outcome
    icb: str
    requesting_la: str
    team_kind: str
    """The routed team's kind, or "unrouted"."""
    turnaround_days: int | None = None
    on_time: bool | None = None


class AdviceMetrics(Protocol):
    def record(self, measurement: Measurement) -> None:
        """Count a measurement; called only once the transaction that caused it committed."""
        ...

    def open_by_rag(self, counts: dict[tuple[str, Rag], int]) -> None:
        """The open requests now, by ICB and RAG: the gauge reports these until the next call."""
        ...


class NoMetrics:
    def record(self, measurement: Measurement) -> None:
        return None

    def open_by_rag(self, counts: dict[tuple[str, Rag], int]) -> None:
        return None
