"""The routing the demo and the platform start with: ICB QHM (North East and North Cumbria), serving LAs 841
(Darlington) and 805 (Hartlepool), with teams of every kind run by its trusts and some rules of each LA's own;
and ICB QHL (Birmingham and Solihull), routing every LA by its defaults."""

from __future__ import annotations

from collections.abc import Callable

from pathfinder.health_advice.domain.routing import KNOWN_KINDS
from pathfinder.health_advice.service_layer.routing import add_route, add_team
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork

# (ICB, trust running its teams by default, a short name for team ids)
_ICBS = (("QHM", "RXP", "qhm"), ("QHL", "RYW", "qhl"))
_OWN_PROVIDERS = {("QHM", "camhs"): "RX3", ("QHL", "camhs"): "RXT"}
# Hartlepool's children are seen by North Tees and Hartlepool's paediatricians and therapists.
_LA_TEAMS = (
    ("QHM", "805", "community-paediatrics", "RVW"),
    ("QHM", "805", "speech-and-language-therapy", "RVW"),
)


def seed_teams() -> list[tuple[str, str, str, str, str]]:
    """(team id, ICB, name, kind, provider) of every seeded team."""
    teams = [
        (f"{short}-{kind}", icb, f"{icb} {name}", kind, _OWN_PROVIDERS.get((icb, kind), trust))
        for icb, trust, short in _ICBS
        for kind, name in KNOWN_KINDS.items()
    ]
    teams += [(f"qhm-{la}-{kind}", icb, f"{icb} {KNOWN_KINDS[kind]} ({la})", kind, trust)
              for icb, la, kind, trust in _LA_TEAMS]  # fmt: skip
    return teams


# (ICB, requesting LA or None for the default, team id): a request for health advice goes to the paediatric
# team, which coordinates the other professions' contributions.
_RULES = (
    ("QHM", "805", "qhm-805-community-paediatrics"),
    ("QHM", "841", "qhm-community-paediatrics"),
    ("QHM", None, "qhm-community-paediatrics"),
    ("QHL", None, "qhl-community-paediatrics"),
)


async def seed_routing(*, unit_of_work: Callable[[], HealthAdviceUnitOfWork]) -> int:
    """Add (or refresh) the seeded teams and rules; returns how many teams. Running it again changes nothing."""
    teams = seed_teams()
    for team_id, icb, name, kind, provider in teams:
        await add_team(
            team_id=team_id, icb=icb, name=name, kind=kind, provider_organisation=provider, uow=unit_of_work()
        )
    for icb, la, team_id in _RULES:
        await add_route(icb=icb, requesting_la=la, team_id=team_id, uow=unit_of_work())
    return len(teams)
