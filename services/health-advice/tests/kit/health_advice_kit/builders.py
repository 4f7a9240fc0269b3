"""Principals, teams and requests for the health-advice tests: ICB QHM serving LAs 841 and 805, ICB QHL."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time
from uuid import UUID, uuid4

from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal
from pathfinder.health_advice.domain.clock import LONDON
from pathfinder.health_advice.domain.routing import ProviderTeam, RoutingRule, TeamKind
from pathfinder.health_advice.service_layer.advice_requests import open_from_ehcp
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork

READ, SUBMIT = Scope.ADVICE_READ, Scope.ADVICE_SUBMIT


def at(day: date, hour: int = 10) -> datetime:
    """An instant on a London day."""
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def clock(day: date, hour: int = 10) -> Callable[[], datetime]:
    return lambda: at(day, hour)


def dco(icb: str = "QHM", *scopes: Scope) -> Principal:
    return principal(OrganisationRole.ICB, icb, *(scopes or (READ, SUBMIT)), kind="person", subject=f"dco-{icb}")


def trust(ods: str = "RXP", *scopes: Scope) -> Principal:
    return principal(OrganisationRole.NHS_TRUST, ods, *(scopes or (READ, SUBMIT)))


def la(code: str = "841") -> Principal:
    return principal(OrganisationRole.LOCAL_AUTHORITY, code, READ)


def team(
    team_id: str, icb: str = "QHM", kind: str = "community-paediatrics", provider: str = "RXP", name: str | None = None
) -> ProviderTeam:
    return ProviderTeam(team_id, icb, name or f"Team {team_id}", TeamKind.of(kind), provider)


TEAMS = (
    team("qhm-paeds"),
    # A name a spreadsheet would take for a formula, with a comma and quotes: the CSV must keep it as text.
    team("qhm-805-paeds", provider="RVW", name='=Stockton paediatrics, "north" team'),
    team("qhm-salt", kind="speech-and-language-therapy"),
    team("qhl-paeds", icb="QHL", provider="RYW"),
)
RULES = (
    RoutingRule("QHM", None, "qhm-paeds"),
    RoutingRule("QHM", "805", "qhm-805-paeds", priority=200),
    RoutingRule("QHL", None, "qhl-paeds"),
)


async def configure(uow: HealthAdviceUnitOfWork) -> None:
    async with uow:
        for one in TEAMS:
            await uow.routing.add_team(one)
        for rule in RULES:
            await uow.routing.add_rule(rule)
        await uow.commit()


async def opened(
    uow: HealthAdviceUnitOfWork, received_on: date, *, la_code: str = "841", icb: str = "QHM",
    advice_request_id: UUID | None = None, assessment_id: UUID | None = None, now: date | None = None,
) -> UUID:  # fmt: skip
    """A request opened as the consumer opens it, and committed."""
    request_id = advice_request_id or uuid4()
    async with uow:
        await open_from_ehcp(
            advice_request_id=request_id, assessment_id=assessment_id or uuid4(), person_id=uuid4(),
            requesting_la=la_code, icb=icb, received_on=received_on, uow=uow, now=clock(now or received_on),
        )  # fmt: skip
        await uow.commit()
    return request_id


async def exported(chunks: AsyncIterator[list[str]]) -> list[tuple[str, ...]]:
    """The rows of an export, read to its end and parsed back into cells."""
    lines = [line async for chunk in chunks for line in chunk]
    return [tuple(row) for row in csv.reader(lines)]
