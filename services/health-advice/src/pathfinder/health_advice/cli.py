"""``pathfinder-health-advice``: an ICB's routing of advice requests, from a terminal.

    pathfinder-health-advice team add --id qhm-darlington-salt --icb QHM --provider RXP \\
        --kind speech-and-language-therapy --name "Darlington children's speech and language therapy"
    pathfinder-health-advice team add ... --kind continence --kind-name "Children's continence"   (a kind of its own)
    pathfinder-health-advice route add --icb QHM --la 841 --team qhm-darlington-salt [--priority 10]
    pathfinder-health-advice route add --icb QHM --team qhm-community-paediatrics          (the ICB's default)
    pathfinder-health-advice lead add --team qhm-darlington-salt --subject ACCOUNT_SUBJECT
    pathfinder-health-advice list [--icb QHM]
    pathfinder-health-advice seed                    (the demo's ICBs QHM and QHL with a team of every kind)

It uses PATHFINDER_HEALTH_ADVICE_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from pathfinder.health_advice.bootstrap import HealthAdviceService, bootstrap
from pathfinder.health_advice.domain.steps import InvalidStep
from pathfinder.health_advice.service_layer import routing
from pathfinder.health_advice.service_layer.routing_seed import seed_routing
from pathfinder.health_advice.settings import HealthAdviceSettings

Command = Callable[[argparse.Namespace, HealthAdviceService, TextIO], Awaitable[None]]


async def _team_add(args: argparse.Namespace, service: HealthAdviceService, out: TextIO) -> None:
    team = await routing.add_team(
        team_id=args.id, icb=args.icb, name=args.name, kind=args.kind, kind_name=args.kind_name,
        provider_organisation=args.provider, uow=service.unit_of_work(),
    )  # fmt: skip
    print(f"team {team.team_id}: {team.name} ({team.kind.name}), {team.icb}, run by {team.provider_organisation}",
          file=out)  # fmt: skip


async def _route_add(args: argparse.Namespace, service: HealthAdviceService, out: TextIO) -> None:
    rule = await routing.add_route(
        icb=args.icb, requesting_la=args.la, team_id=args.team, priority=args.priority, uow=service.unit_of_work()
    )
    print(f"{rule.icb}: requests of {rule.requesting_la or 'any LA'} go to {rule.team_id}", file=out)


async def _lead_add(args: argparse.Namespace, service: HealthAdviceService, out: TextIO) -> None:
    await routing.add_lead(team_id=args.team, subject=args.subject, uow=service.unit_of_work())
    print(f"{args.subject} leads {args.team}", file=out)


async def _list(args: argparse.Namespace, service: HealthAdviceService, out: TextIO) -> None:
    table = await routing.routing_table(icb=args.icb, uow=service.unit_of_work())
    print("teams:", file=out)
    for team in table.teams:
        print(f"  {team.team_id}  {team.icb}  {team.kind.code}  {team.provider_organisation}  {team.name}", file=out)
    print("rules (first match wins):", file=out)
    for rule in table.rules:
        print(f"  {rule.icb}  {rule.requesting_la or 'any'}  priority {rule.priority}  -> {rule.team_id}", file=out)
    print("leads:", file=out)
    for team_id, subject in table.leads:
        print(f"  {team_id}  {subject}", file=out)


async def _seed(_args: argparse.Namespace, service: HealthAdviceService, out: TextIO) -> None:
    teams = await seed_routing(unit_of_work=service.unit_of_work)
    print(f"seeded {teams} teams and their rules for ICBs QHM and QHL", file=out)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pathfinder-health-advice", description=__doc__.splitlines()[0])
    nouns = top.add_subparsers(dest="noun", required=True)
    team = nouns.add_parser("team", help="provider teams").add_subparsers(dest="verb", required=True)
    add = team.add_parser("add", help="add a team, or change the team of that id")
    add.add_argument("--id", required=True, help="kebab-case, e.g. qhm-darlington-salt")
    add.add_argument("--icb", required=True, help="ODS code of the ICB")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, help="community-paediatrics, camhs, ... or a kebab-case kind of yours")
    add.add_argument("--kind-name", help="display name of a kind of your own")
    add.add_argument("--provider", required=True, help="ODS code of the trust running the team")
    add.set_defaults(command=_team_add)
    route = nouns.add_parser("route", help="routing rules").add_subparsers(dest="verb", required=True)
    add = route.add_parser("add", help="route an LA's requests (or, without --la, any LA's) to a team")
    add.add_argument("--icb", required=True)
    add.add_argument("--la", help="DfE code of the requesting LA; leave out for the ICB's default")
    add.add_argument("--team", required=True)
    add.add_argument("--priority", type=int, default=100, help="lower wins among rules of the same LA")
    add.set_defaults(command=_route_add)
    lead = nouns.add_parser("lead", help="team leads").add_subparsers(dest="verb", required=True)
    add = lead.add_parser("add", help="a person (account subject) leads a team and sees its requests")
    add.add_argument("--team", required=True)
    add.add_argument("--subject", required=True)
    add.set_defaults(command=_lead_add)
    listing = nouns.add_parser("list", help="teams, rules and leads")
    listing.add_argument("--icb")
    listing.set_defaults(command=_list)
    nouns.add_parser("seed", help="the demo's ICBs, teams and rules").set_defaults(command=_seed)
    return top


async def _run(args: argparse.Namespace, out: TextIO) -> None:
    service = bootstrap(HealthAdviceSettings())
    try:
        await args.command(args, service, out)
    finally:
        await service.engine.dispose()


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        asyncio.run(_run(args, out or sys.stdout))
    except InvalidStep as refused:
        print(f"pathfinder-health-advice: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
