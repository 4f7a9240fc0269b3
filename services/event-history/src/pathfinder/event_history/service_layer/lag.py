"""Consumer lag: per consumer group and partition, how far its committed offset is behind the partition's end.
Audited like every call; the platform's engineers only (it shows every service's consumers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pathfinder.contracts.consumers import declared_consumer_contracts
from pathfinder.event_history.domain.access import ensure_engineer
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import InvalidQuery
from pathfinder.event_history.service_layer.ports import ConsumerGroups, PartitionLag
from pathfinder.event_history.service_layer.reading import Call, audited
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork


def platform_groups(extra: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Every consumer group the platform runs, with the topics it reads: the services' declared consumers, and
    ``extra`` (the archive's own)."""
    groups: dict[str, set[str]] = {}
    for contract in declared_consumer_contracts():
        groups.setdefault(contract.group, set()).update(contract.topics())
    for group, topics in extra.items():
        groups.setdefault(group, set()).update(topics)
    return {group: sorted(topics) for group, topics in sorted(groups.items())}


async def consumer_lag(
    call: Call, group: str | None, *, uow: EventHistoryUnitOfWork, groups: ConsumerGroups,
    known: Mapping[str, list[str]], topic: str | None = None,
) -> list[PartitionLag]:  # fmt: skip
    """Every platform group's lag, or one group's; a group the platform does not run (an LA's own consumer of
    its topic, say) on the ``topic`` given."""
    asked = {"group": group, "topic": topic}

    async def work() -> tuple[list[PartitionLag], Mapping[str, Any]]:
        ensure_engineer(call.principal)
        checked = EventSlice(topic=topic)  # refuses a name that cannot be a topic's
        if group is None:
            if checked.topic is not None:
                raise InvalidQuery("Give --group with --topic: the lag of which consumer group on it?")
            return await groups.lag(dict(known)), asked
        topics = [checked.topic] if checked.topic is not None else list(known.get(group, []))
        if not topics:
            raise InvalidQuery(
                f"No platform consumer group is called {group}; `pathfinder lag` lists them all. For a group of "
                "your own, give the topic it reads (--topic)."
            )
        return await groups.lag({group: topics}), asked

    return await audited(call, "lag.read", asked, uow, work)
