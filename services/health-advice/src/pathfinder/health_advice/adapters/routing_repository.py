"""Each ICB's provider teams, routing rules and team leads on PostgreSQL."""

from __future__ import annotations

from typing import Any

from pathfinder.health_advice.adapters.tables import provider_team, routing_rule, team_lead
from pathfinder.health_advice.domain.routing import ProviderTeam, RoutingRule, TeamKind
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

_t, _rule, _lead = provider_team.c, routing_rule.c, team_lead.c


class SqlRouting:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rules(self, icb: str | None = None) -> list[RoutingRule]:
        query = select(_rule.icb, _rule.requesting_la, _rule.team_id, _rule.priority)
        if icb is not None:
            query = query.where(_rule.icb == icb)
        rows = await self._session.execute(
            query.order_by(_rule.icb, _rule.requesting_la.is_(None), _rule.requesting_la, _rule.priority, _rule.team_id)
        )
        return [RoutingRule(row.icb, row.requesting_la, row.team_id, row.priority) for row in rows]

    async def team(self, team_id: str) -> ProviderTeam | None:
        row = (await self._session.execute(select(provider_team).where(_t.team_id == team_id))).first()
        return _team(row) if row is not None else None

    async def teams(self, icb: str | None = None) -> list[ProviderTeam]:
        query = select(provider_team)
        if icb is not None:
            query = query.where(_t.icb == icb)
        return [_team(row) for row in await self._session.execute(query.order_by(_t.icb, _t.team_id))]

    async def add_team(self, team: ProviderTeam) -> None:
        values = {
            "icb": team.icb,
            "name": team.name,
            "kind": team.kind.code,
            "kind_name": team.kind.name,
            "provider_organisation": team.provider_organisation,
        }
        statement = pg_insert(provider_team).values(team_id=team.team_id, **values)
        await self._session.execute(statement.on_conflict_do_update(index_elements=[_t.team_id], set_=values))

    async def add_rule(self, rule: RoutingRule) -> None:
        same = (
            _rule.icb == rule.icb,
            _rule.team_id == rule.team_id,
            _rule.requesting_la.is_(None) if rule.requesting_la is None else _rule.requesting_la == rule.requesting_la,
        )
        changed = await self._session.execute(
            update(routing_rule).where(*same).values(priority=rule.priority).returning(_rule.rule_id)
        )
        if changed.first() is None:
            await self._session.execute(
                routing_rule.insert().values(
                    icb=rule.icb, requesting_la=rule.requesting_la, team_id=rule.team_id, priority=rule.priority
                )
            )

    async def add_lead(self, team_id: str, subject: str) -> None:
        await self._session.execute(
            pg_insert(team_lead).values(team_id=team_id, subject=subject).on_conflict_do_nothing()
        )

    async def leads(self, team_id: str | None = None) -> list[tuple[str, str]]:
        query = select(_lead.team_id, _lead.subject)
        if team_id is not None:
            query = query.where(_lead.team_id == team_id)
        rows = await self._session.execute(query.order_by(_lead.team_id, _lead.subject))
        return [(row.team_id, row.subject) for row in rows]

    async def teams_led_by(self, subject: str) -> frozenset[str]:
        return frozenset(await self._session.scalars(select(_lead.team_id).where(_lead.subject == subject)))


def _team(row: Any) -> ProviderTeam:
    return ProviderTeam(row.team_id, row.icb, row.name, TeamKind(row.kind, row.kind_name), row.provider_organisation)
