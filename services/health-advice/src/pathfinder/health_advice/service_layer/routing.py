"""An ICB's routing configuration, kept through the ``pathfinder-health-advice`` command: teams, the rules that
route each LA's requests to them, and the teams' leads."""

from __future__ import annotations

from dataclasses import dataclass

from pathfinder.health_advice.domain.routing import ProviderTeam, RoutingRule, TeamKind, la_code, ods_code
from pathfinder.health_advice.domain.steps import InvalidStep
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork


@dataclass(frozen=True)
class RoutingTable:
    teams: list[ProviderTeam]
    rules: list[RoutingRule]
    leads: list[tuple[str, str]]


async def add_team(
    *, team_id: str, icb: str, name: str, kind: str, provider_organisation: str, uow: HealthAdviceUnitOfWork,
    kind_name: str | None = None,
) -> ProviderTeam:  # fmt: skip
    """A provider team of the ICB (or the team of that id as now given)."""
    team = ProviderTeam(team_id, icb, name.strip(), TeamKind.of(kind, kind_name), provider_organisation)
    async with uow:
        known = await uow.routing.team(team_id)
        if known is not None and known.icb != icb:
            raise InvalidStep(f"team {team_id} is {known.icb}'s, not {icb}'s")
        await uow.routing.add_team(team)
        await uow.commit()
    return team


async def add_route(
    *, icb: str, requesting_la: str | None, team_id: str, uow: HealthAdviceUnitOfWork, priority: int = 100
) -> RoutingRule:
    """Route the LA's requests to the ICB (every LA's without a rule of its own, when None) to the team."""
    rule = RoutingRule(ods_code(icb, "the ICB"), la_code(requesting_la) if requesting_la else None, team_id, priority)
    async with uow:
        team = await uow.routing.team(team_id)
        if team is None or team.icb != icb:
            raise InvalidStep(f"{icb} has no team {team_id}: add it first")
        await uow.routing.add_rule(rule)
        await uow.commit()
    return rule


async def add_lead(*, team_id: str, subject: str, uow: HealthAdviceUnitOfWork) -> None:
    """The person with the account ``subject`` (identity's person account) leads the team: sees its requests."""
    if not subject.strip() or len(subject) > 200:
        raise InvalidStep("give the lead's account subject")
    async with uow:
        if await uow.routing.team(team_id) is None:
            raise InvalidStep(f"there is no team {team_id}")
        await uow.routing.add_lead(team_id, subject.strip())
        await uow.commit()


async def routing_table(*, uow: HealthAdviceUnitOfWork, icb: str | None = None) -> RoutingTable:
    async with uow:
        teams = await uow.routing.teams(icb)
        ids = {team.team_id for team in teams}
        leads = [lead for lead in await uow.routing.leads() if lead[0] in ids]
        return RoutingTable(teams, await uow.routing.rules(icb), leads)
