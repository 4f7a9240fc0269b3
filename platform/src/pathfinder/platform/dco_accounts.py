"""``pathfinder-dco-accounts``: people to sign in to the DCO dashboard of a running platform.

With ``python3 dev.py up`` running, it opens two person accounts in identity (``pathfinder-identity
person-account add``), each with a password it generates: the Designated Clinical Officer of ICB QHM, who sees
QHM's requests from every LA it serves, and the lead of QHM's community paediatrics team, a person of the trust
running it (RXP), made the team's lead in health-advice (``pathfinder-health-advice lead add``). Both hold
``advice:read`` and ``advice:submit``. Usernames and passwords are kept in ``.state/dco/accounts.json``, readable
only by you; a second run prints the same ones and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from pathfinder.health_advice.bootstrap import bootstrap as health_advice
from pathfinder.health_advice.domain.steps import InvalidStep
from pathfinder.health_advice.service_layer.routing import add_lead
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.identity.cli import run as identity_cli
from pathfinder.platform.demo_setup import DemoFailed

DASHBOARD = "http://127.0.0.1:8003/dashboard"
SCOPES = ("advice:read", "advice:submit")
LED_TEAM = "qhm-community-paediatrics"


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    organisation: str
    role: str


def people(dco: str, lead: str) -> tuple[Person, Person]:
    return (
        Person(dco, "Designated Clinical Officer, QHM", "QHM", "The DCO of ICB QHM, who sees every LA's requests"),
        Person(
            lead, "Community paediatrics lead, RXP", "RXP",
            f"The lead of {LED_TEAM}, a person of trust RXP, who sees the requests of RXP's teams",
        ),
    )  # fmt: skip


def database_url(state_dir: Path, service: str) -> str:
    """The service's database on the platform's embedded PostgreSQL, unless its setting names another."""
    name = service.replace("-", "_")
    return os.environ.get(
        f"PATHFINDER_{name.upper()}_DATABASE_URL",
        f"postgresql://postgres@/pathfinder_{name}?host={(state_dir / 'postgres').resolve()}",
    )


async def _identity(database_url: str, *args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = await identity_cli(list(args), database_url=database_url, out=out, stdin=io.StringIO(stdin))
    return status, out.getvalue().strip()


async def open_account(database_url: str, person: Person) -> tuple[str, str]:
    """A new account for ``person`` with a generated password: (account id, password)."""
    password = secrets.token_urlsafe(18)
    status, said = await _identity(
        database_url, "person-account", "add", "--username", person.username, "--display-name",
        person.display_name, "--org", person.organisation, "--scopes", *SCOPES, "--password-stdin",
        stdin=password + "\n",
    )  # fmt: skip
    if status != 0:
        # An account made by an earlier state directory, or by hand: its password was never kept here.
        hint = "; its password is not kept here: name another with --dco or --lead" if "exists" in said else ""
        raise DemoFailed(f"pathfinder-identity person-account add {person.username}: {said}{hint}")
    return said.split("account_id:", 1)[1].split()[0], password


def _load(saved_file: Path) -> dict[str, dict[str, str]]:
    if not saved_file.exists():
        return {}
    loaded: dict[str, dict[str, str]] = json.loads(saved_file.read_text())
    return loaded


def _save(saved_file: Path, saved: dict[str, dict[str, str]]) -> None:
    saved_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(saved_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(json.dumps(saved, indent=2) + "\n")
    saved_file.chmod(0o600)


async def accounts(state_dir: Path, dco: str, lead: str) -> int:
    identity_url = database_url(state_dir, "identity")
    saved_file = state_dir / "dco" / "accounts.json"
    saved = _load(saved_file)
    status, said = await _identity(identity_url, "org", "load-csv")
    if status != 0:
        raise DemoFailed(f"pathfinder-identity org load-csv: {said}")
    for person in people(dco, lead):
        if person.username not in saved:
            account_id, password = await open_account(identity_url, person)
            saved[person.username] = {"account_id": account_id, "password": password}
            _save(saved_file, saved)
    service = health_advice(HealthAdviceSettings(database_url=database_url(state_dir, "health-advice")))
    try:
        await add_lead(team_id=LED_TEAM, subject=saved[lead]["account_id"], uow=service.unit_of_work())
    finally:
        await service.engine.dispose()
    for person in people(dco, lead):
        account = saved[person.username]
        print(f"{person.role} ({' '.join(SCOPES)}):")
        print(f"  username: {person.username}\n  password: {account['password']}")
    print(f"Passwords kept in {saved_file} (only you may read it). Sign in at {DASHBOARD}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pathfinder-dco-accounts", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=Path(".state"), help="the platform's state directory")
    parser.add_argument("--dco", default="dco@qhm.example.nhs.uk", help="the DCO's username")
    parser.add_argument("--lead", default="lead@rxp.example.nhs.uk", help="the team lead's username")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(accounts(args.state_dir, args.dco, args.lead))
    except (DemoFailed, InvalidStep, OSError) as error:
        print(f"pathfinder-dco-accounts failed: {error}\nIs the platform running (python3 dev.py up)?", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
