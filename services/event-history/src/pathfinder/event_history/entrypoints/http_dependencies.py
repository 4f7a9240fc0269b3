"""What the HTTP routes depend on: one object, built by the composition root, reached through ``Dependencies``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from pathfinder.event_history.service_layer.ports import ConsumerGroups, ReplaySender
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork
from pathfinder.web.dependencies import RouteDependencies


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EventHistoryHttp:
    unit_of_work: Callable[[], EventHistoryUnitOfWork]
    sender: ReplaySender
    groups: ConsumerGroups
    known_groups: Mapping[str, list[str]]
    now: Callable[[], datetime] = field(default=utc_now)
    replay_shards: int = 1  # how many shards a replay asked for is split into


provided = RouteDependencies(EventHistoryHttp)
Dependencies = Annotated[EventHistoryHttp, Depends(provided)]
