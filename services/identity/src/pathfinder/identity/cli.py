"""``pathfinder-identity``: onboarding organisations, API clients and people from a terminal.

    pathfinder-identity org add --code RH8 --role nhs-trust --name "Royal Devon University Healthcare NHS FT"
    pathfinder-identity org list | load-csv [FILE]        (no FILE: the organisations Pathfinder starts with)
    pathfinder-identity client keygen --out epr.pem --jwks-out epr.jwks.json      (on the client's side)
    pathfinder-identity client add --org RH8 --name "Trust EPR" --scopes notifications:submit --jwks epr.jwks.json
    pathfinder-identity client add-key | revoke-key | revoke | list | assertion
    pathfinder-identity person-account add --username dco@example.nhs.uk --org QJK --scopes advice:read
    pathfinder-identity signing-key rotate | retire --kid KID | new-kek

Commands that touch the registry use PATHFINDER_IDENTITY_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from pathfinder.auth import Scope
from pathfinder.auth.client_credentials import make_client_assertion
from pathfinder.auth.keys import SigningKey, jwks_document
from pathfinder.auth.settings import AuthSettings
from pathfinder.identity.access.domain.organisations import Organisation
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.bootstrap import Access, bootstrap
from pathfinder.identity.seed import parse_organisations, seed_organisations
from pathfinder.identity.settings import IdentitySettings
from pathfinder.persistence.sealing import new_key_text

# What a person can put right (a wrong code, an unreadable file) is told in one line, not a traceback.
_REFUSALS: tuple[type[Exception], ...] = (*onboarding.ONBOARDING_REFUSALS, OSError, ValueError)


def _scopes(values: list[str]) -> list[str]:
    return [scope for value in values for scope in value.replace(",", " ").split()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pathfinder-identity", description=(__doc__ or "").split("\n\n")[0])
    topics = parser.add_subparsers(dest="topic", required=True)

    org = topics.add_parser("org", help="the organisation registry").add_subparsers(dest="command", required=True)
    add = org.add_parser("add", help="register an organisation")
    add.add_argument("--code", required=True, help="DfE LA code, or ODS code of an ICB or trust")
    add.add_argument("--role", required=True, choices=["local-authority", "icb", "nhs-trust", "platform"])
    add.add_argument("--name", required=True)
    org.add_parser("list", help="every registered organisation")
    load = org.add_parser("load-csv", help="add or rename organisations from a CSV (code,role,name); idempotent")
    load.add_argument("file", nargs="?", type=Path, help="default: the organisations Pathfinder starts with")

    client = topics.add_parser("client", help="API clients").add_subparsers(dest="command", required=True)
    add = client.add_parser("add", help="register a client of an organisation")
    add.add_argument("--org", required=True)
    add.add_argument("--name", required=True, help="which system it is, e.g. 'Trust EPR'")
    add.add_argument("--scopes", required=True, nargs="+", help=" ".join(scope.value for scope in Scope))
    add.add_argument("--jwks", type=Path, help="the client's public keys (JWKS JSON)")
    listing = client.add_parser("list", help="an organisation's clients")
    listing.add_argument("--org", required=True)
    keygen = client.add_parser("keygen", help="make an RS512 key pair: private PEM, public JWKS")
    keygen.add_argument("--out", required=True, type=Path, help="where the private key PEM goes (never shared)")
    keygen.add_argument("--jwks-out", type=Path, help="where the public JWKS goes (default: printed)")
    keygen.add_argument("--bits", type=int, default=4096)
    keygen.add_argument("--kid", help="key id (default: the key's RFC 7638 thumbprint)")
    add_key = client.add_parser("add-key", help="register another public key (rotation)")
    add_key.add_argument("--client", required=True)
    add_key.add_argument("--jwks", required=True, type=Path)
    revoke_key = client.add_parser("revoke-key", help="stop accepting one key of a client")
    revoke_key.add_argument("--client", required=True)
    # A thumbprint kid may start with "-": give it as --kid=VALUE.
    revoke_key.add_argument("--kid", required=True, help="the key id, as --kid=VALUE")
    revoke = client.add_parser("revoke", help="stop accepting a client altogether")
    revoke.add_argument("--client", required=True)
    assertion = client.add_parser("assertion", help="print a signed client assertion, to try the token endpoint")
    assertion.add_argument("--client", required=True)
    assertion.add_argument("--key", required=True, type=Path, help="the client's private key PEM")
    assertion.add_argument("--kid", help="default: the key's thumbprint")
    assertion.add_argument("--token-url", help="default: PATHFINDER_AUTH_ISSUER + /oauth2/token")

    person = topics.add_parser("person-account", help="people who sign in")
    add = person.add_subparsers(dest="command", required=True).add_parser("add", help="open an account")
    add.add_argument("--username", required=True)
    add.add_argument("--display-name", default="")
    add.add_argument("--org", required=True)
    add.add_argument("--scopes", required=True, nargs="+")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    keys = topics.add_parser("signing-key", help="identity's own signing keys")
    key_commands = keys.add_subparsers(dest="command", required=True)
    key_commands.add_parser("rotate", help="add a key; it signs once verifiers have had time to fetch it")
    retire = key_commands.add_parser("retire", help="stop publishing a key once its tokens have expired")
    retire.add_argument("--kid", required=True, help="the key id, as --kid=VALUE")
    key_commands.add_parser("new-kek", help="print a new value for PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY")
    return parser


def _keygen(args: argparse.Namespace, out: TextIO) -> int:
    if args.out.exists():
        print(f"{args.out} exists: not overwriting a key", file=out)
        return 1
    key = SigningKey.generate(bits=args.bits, kid=args.kid)
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as pem:
        pem.write(key.private_pem())
    public = json.dumps(jwks_document([key.public_jwk()]), indent=2)
    if args.jwks_out:
        args.jwks_out.write_text(public + "\n", encoding="utf-8")
        print(f"private key: {args.out}\npublic JWKS: {args.jwks_out}\nkid: {key.kid}", file=out)
    else:
        print(public, file=out)
    return 0


def _assertion(args: argparse.Namespace, out: TextIO) -> int:
    key = SigningKey.from_pem(args.key.read_bytes(), kid=args.kid)
    token_url = args.token_url or f"{AuthSettings().issuer.rstrip('/')}/oauth2/token"
    print(make_client_assertion(key, client_id=args.client, token_url=token_url), file=out)
    return 0


def _password(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.password_stdin:
        return stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise onboarding.OnboardingRefused("the two passwords differ")
    return first


async def _with_registry(args: argparse.Namespace, access: Access, out: TextIO, stdin: TextIO) -> int:
    uow, now = access.unit_of_work(), access.clock()
    match (args.topic, args.command):
        case ("org", "add"):
            org = Organisation.register(args.code, args.name, args.role)
            await onboarding.register_organisation(org, uow=uow)
            print(f"registered {org.code} ({org.role.value}): {org.name}", file=out)
        case ("org", "list"):
            for org in await onboarding.organisations(uow=uow):
                print(f"{org.code}\t{org.role.value}\t{org.name}{'' if org.active else '  (inactive)'}", file=out)
        case ("org", "load-csv"):
            orgs = parse_organisations(args.file.read_text("utf-8")) if args.file else seed_organisations()
            report = await onboarding.load_organisations(orgs, uow=uow)
            for label in ("added", "renamed", "unchanged", "conflicting"):
                print(f"{label}: {' '.join(getattr(report, label)) or '-'}", file=out)
            return 1 if report.conflicting else 0
        case ("client", "add"):
            jwks = args.jwks.read_text("utf-8") if args.jwks else None
            client = await onboarding.register_client(
                args.org, args.name, _scopes(args.scopes), uow=uow, now=now, key_check=access.key_check, jwks=jwks
            )
            print(f"client_id: {client.client_id}", file=out)
            print(f"scopes: {' '.join(sorted(client.scopes))}\nkids: {' '.join(client.keys) or '-'}", file=out)
        case ("client", "list"):
            for client in await onboarding.clients_of(args.org, uow=uow):
                state = "active" if client.active else "revoked"
                kids = ",".join(kid for kid, key in client.keys.items() if key.active) or "-"
                print(
                    f"{client.client_id}\t{state}\t{client.name}\t{' '.join(sorted(client.scopes))}\t{kids}", file=out
                )
        case ("client", "add-key"):
            jwks = args.jwks.read_text("utf-8")
            added = await onboarding.add_client_keys(args.client, jwks, uow=uow, now=now, key_check=access.key_check)
            print(f"added: {' '.join(added)}", file=out)
        case ("client", "revoke-key"):
            await onboarding.revoke_client_key(args.client, args.kid, uow=uow, now=now)
            print(f"revoked key {args.kid}", file=out)
        case ("client", "revoke"):
            await onboarding.revoke_client(args.client, uow=uow, now=now)
            print(f"revoked client {args.client}", file=out)
        case ("person-account", "add"):
            account = await onboarding.open_person_account(
                args.username,
                args.display_name,
                args.org,
                _scopes(args.scopes),
                _password(args, stdin),
                uow=uow,
                passwords=access.passwords,
                now=now,
            )
            print(f"account_id: {account.account_id}", file=out)
        case ("signing-key", "rotate"):
            key = await access.key_ring.rotate()
            print(f"new key {key.kid} signs from {key.activates_at.isoformat()}", file=out)
        case ("signing-key", "retire"):
            await access.key_ring.retire(args.kid)
            print(f"retiring {args.kid}", file=out)
    return 0


async def run(
    argv: list[str], *, database_url: str | None = None, out: TextIO = sys.stdout, stdin: TextIO = sys.stdin
) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.topic == "client" and args.command == "keygen":
            return _keygen(args, out)
        if args.topic == "client" and args.command == "assertion":
            return _assertion(args, out)
        if args.topic == "signing-key" and args.command == "new-kek":
            print(new_key_text(), file=out)
            return 0
        settings = IdentitySettings(database_url=database_url) if database_url else IdentitySettings()
        service = bootstrap(settings.model_copy(update={"database_pool_size": 1}))
        try:
            return await _with_registry(args, service.access, out, stdin)
        finally:
            await service.engine.dispose()
    except _REFUSALS as refusal:
        print(f"refused: {refusal}", file=out)
        return 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(sys.argv[1:] if argv is None else argv))
