"""The health-advice unit of work in memory: committed requests, teams, rules and leads in a store, each unit of
work on copies of them, its writes applied on commit. The read model answers as the SQL one does (same filters,
same order), over the store and the unit of work's own writes."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.health_advice.domain.access import Visibility, may_read
from pathfinder.health_advice.domain.advice_request import AdviceRequest, AdviceStatus
from pathfinder.health_advice.domain.clock import Rag, london_midnight
from pathfinder.health_advice.domain.routing import ProviderTeam, RoutingRule
from pathfinder.health_advice.service_layer.ports import Measurement
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.messaging.outbox_message import OutboxMessage

from health_advice_kit.fake_views import FakeAdviceViews


def stored(request: AdviceRequest) -> AdviceRequest:
    """A copy as the database keeps it: without the events it raised, which go to the outbox."""
    kept = copy.deepcopy(request)
    kept.events = []
    return kept


@dataclass
class RecordingMetrics:
    recorded: list[Measurement] = field(default_factory=list)
    open: dict[tuple[str, Rag], int] = field(default_factory=dict)

    def record(self, measurement: Measurement) -> None:
        self.recorded.append(measurement)

    def open_by_rag(self, counts: dict[tuple[str, Rag], int]) -> None:
        self.open = dict(counts)


@dataclass
class FakeAdviceStore:
    requests: dict[UUID, AdviceRequest] = field(default_factory=dict)
    teams: dict[str, ProviderTeam] = field(default_factory=dict)
    rules: list[RoutingRule] = field(default_factory=list)
    leads: set[tuple[str, str]] = field(default_factory=set)
    events: list[ContractEvent] = field(default_factory=list)
    metrics: RecordingMetrics = field(default_factory=RecordingMetrics)
    claimed: set[UUID] = field(default_factory=set)
    """Requests an open unit of work holds (as ``FOR UPDATE``): another one's claim skips them."""
    commits: int = 0

    def unit_of_work(self) -> FakeHealthAdviceUnitOfWork:
        return FakeHealthAdviceUnitOfWork(self)

    def events_of(self, kind: type[ContractEvent]) -> list[ContractEvent]:
        return [event for event in self.events if isinstance(event, kind)]


class FakeAdviceRequests:
    """One copy per request in a unit of work, as the SQL repository hands out one object."""

    def __init__(self, store: FakeAdviceStore) -> None:
        self._store = store
        self.handed: dict[UUID, AdviceRequest] = {}
        self.written: dict[UUID, AdviceRequest] = {}
        self.claimed: set[UUID] = set()

    @property
    def seen(self) -> list[AdviceRequest]:
        return list(self.handed.values())

    def all(self) -> dict[UUID, AdviceRequest]:
        return {**self._store.requests, **self.written}

    async def get(self, advice_request_id: UUID) -> AdviceRequest | None:
        if advice_request_id not in self.handed:
            found = self.all().get(advice_request_id)
            if found is None:
                return None
            self.handed[advice_request_id] = copy.deepcopy(found)
        return self.handed[advice_request_id]

    async def add(self, request: AdviceRequest) -> bool:
        if request.advice_request_id in self.all():
            return False
        await self.save(request)
        return True

    async def save(self, request: AdviceRequest) -> None:
        self.handed[request.advice_request_id] = request
        self.written[request.advice_request_id] = stored(request)

    async def claim_alerts_due(self, now: datetime, limit: int) -> list[AdviceRequest]:
        def alert_at(request: AdviceRequest) -> datetime | None:
            day = request.next_alert_on()
            return london_midnight(day) if day is not None else None

        due = sorted(
            (
                (at, key)
                for key, request in self.all().items()
                if (at := alert_at(request)) is not None and at <= now and key not in self._store.claimed
            ),
        )[:limit]
        self.claimed.update(key for _, key in due)
        self._store.claimed.update(key for _, key in due)
        return [request for _, key in due if (request := await self.get(key)) is not None]

    async def search(
        self, seen: Visibility, *, statuses: tuple[AdviceStatus, ...] = (), team_id: str | None = None,
        limit: int = 100,
    ) -> list[AdviceRequest]:  # fmt: skip
        found = [
            copy.deepcopy(request)
            for request in self.all().values()
            if may_read(seen, request)
            and (not statuses or request.status in statuses)
            and (team_id is None or request.team_id == team_id)
        ]
        return sorted(found, key=lambda one: (one.received_on, one.advice_request_id))[:limit]

    def release(self) -> None:
        self._store.claimed.difference_update(self.claimed)
        self.claimed = set()


class FakeRouting:
    def __init__(self, store: FakeAdviceStore) -> None:
        self._store = store
        self.teams_written: dict[str, ProviderTeam] = {}
        self.rules_written: list[RoutingRule] | None = None
        self.leads_written: set[tuple[str, str]] = set()

    def _rules(self) -> list[RoutingRule]:
        return self.rules_written if self.rules_written is not None else list(self._store.rules)

    def all_teams(self) -> dict[str, ProviderTeam]:
        return {**self._store.teams, **self.teams_written}

    async def rules(self, icb: str | None = None) -> list[RoutingRule]:
        found = [rule for rule in self._rules() if icb is None or rule.icb == icb]
        return sorted(found, key=lambda r: (r.icb, r.requesting_la is None, r.requesting_la or "", r.priority,
                                            r.team_id))  # fmt: skip

    async def team(self, team_id: str) -> ProviderTeam | None:
        return self.all_teams().get(team_id)

    async def teams(self, icb: str | None = None) -> list[ProviderTeam]:
        found = [team for team in self.all_teams().values() if icb is None or team.icb == icb]
        return sorted(found, key=lambda team: (team.icb, team.team_id))

    async def add_team(self, team: ProviderTeam) -> None:
        self.teams_written[team.team_id] = team

    async def add_rule(self, rule: RoutingRule) -> None:
        same = (rule.icb, rule.requesting_la, rule.team_id)
        rules = [one for one in self._rules() if (one.icb, one.requesting_la, one.team_id) != same]
        self.rules_written = [*rules, rule]

    async def add_lead(self, team_id: str, subject: str) -> None:
        self.leads_written.add((team_id, subject))

    async def leads(self, team_id: str | None = None) -> list[tuple[str, str]]:
        return sorted(lead for lead in self._store.leads | self.leads_written if team_id in (None, lead[0]))

    async def teams_led_by(self, subject: str) -> frozenset[str]:
        return frozenset(team for team, who in self._store.leads | self.leads_written if who == subject)


class FakeHealthAdviceUnitOfWork(HealthAdviceUnitOfWork):
    requests: FakeAdviceRequests
    routing: FakeRouting
    views: FakeAdviceViews

    def __init__(self, store: FakeAdviceStore) -> None:
        super().__init__()
        self.store = store
        self.metrics = store.metrics

    async def _begin(self) -> None:
        self.requests = FakeAdviceRequests(self.store)
        self.routing = FakeRouting(self.store)
        self.views = FakeAdviceViews(self.requests.all, self.routing.all_teams)
        self._staged: list[ContractEvent] = []

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        self._staged.extend(events)

    async def _commit(self) -> None:
        store = self.store
        store.requests.update({key: stored(one) for key, one in self.requests.written.items()})
        store.teams.update(self.routing.teams_written)
        if self.routing.rules_written is not None:
            store.rules = list(self.routing.rules_written)
        store.leads |= self.routing.leads_written
        store.events.extend(self._staged)
        store.commits += 1
        self.requests.release()
        await self._begin()

    async def _rollback(self) -> None:
        if hasattr(self, "requests"):
            self.requests.release()
        await self._begin()

    async def _close(self) -> None:
        return None
