"""``pathfinder-notifications-mesh``: onboarding MESH mailboxes, one command each.

    pathfinder-notifications-mesh platform add --mailbox X26PF0001 --password-stdin < password.txt
    pathfinder-notifications-mesh trust add --mailbox X26RH80001 --ods RH8
    pathfinder-notifications-mesh la add --mailbox X26LA84101 --la 841 [--content fhir-bundle]
    pathfinder-notifications-mesh list

A platform mailbox is one NHS England issued to Pathfinder: the worker collects trusts' notifications from it
(for the workflows given, by default PATHFINDER_S23_NOTIFICATION) and sends LA events and replies from it; its
password is sealed in the database under PATHFINDER_LA_DELIVERY_SECRETS_KEY. A trust's mailbox makes every
message from it that trust's; an LA's mailbox gets a MESH subscription to the LA's events. Uses
PATHFINDER_NOTIFICATIONS_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from typing import TextIO

from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.domain.la_subscription import InvalidSubscription
from pathfinder.notifications.domain.mesh_mailbox import S23_WORKFLOW, InvalidMailbox, MailboxRole, MeshMailbox
from pathfinder.notifications.service_layer import mesh_mailboxes
from pathfinder.notifications.service_layer.mesh_subscriptions import MeshContent, subscribe_la_mailbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pathfinder-notifications-mesh", description=(__doc__ or "").split("\n")[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    platform = kinds.add_parser("platform", help="one of Pathfinder's own mailboxes")
    add = platform.add_subparsers(dest="command", required=True).add_parser("add", help="register or update it")
    add.add_argument("--mailbox", required=True)
    add.add_argument("--workflow", action="append", help=f"collected workflow ids (default: {S23_WORKFLOW})")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    trust = kinds.add_parser("trust", help="an NHS trust's mailbox")
    add = trust.add_subparsers(dest="command", required=True).add_parser("add", help="register it to the trust")
    add.add_argument("--mailbox", required=True)
    add.add_argument("--ods", required=True, help="the trust's ODS code")
    la = kinds.add_parser("la", help="a local authority's mailbox")
    add = la.add_subparsers(dest="command", required=True).add_parser(
        "add", help="register it to the LA and subscribe it to the LA's events"
    )
    add.add_argument("--mailbox", required=True)
    add.add_argument("--la", required=True, help="the LA's three-digit DfE code")
    add.add_argument("--content", choices=[content.value for content in MeshContent], default=MeshContent.CLOUDEVENTS)
    add.add_argument("--event-types", nargs="+", help="catalogued event types (default: every one)")
    kinds.add_parser("list", help="every mailbox registered")
    return parser


def _password(arguments: argparse.Namespace, stdin: TextIO) -> str:
    if arguments.password_stdin:
        password = stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("MESH mailbox password: ")
    if not password:
        raise InvalidMailbox("the mailbox's password is needed")
    return password


def _shown(mailbox: MeshMailbox) -> str:
    workflows = f" workflows {','.join(sorted(mailbox.workflow_ids))}" if mailbox.workflow_ids else ""
    return f"{mailbox.mailbox_id}\t{mailbox.role}\t{mailbox.organisation}{workflows}"


async def run(argv: Sequence[str], *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    arguments = _parser().parse_args(argv)
    stdin, out = stdin or sys.stdin, out or sys.stdout
    service = bootstrap()
    try:
        uow = service.unit_of_work
        if arguments.kind == "platform":
            password = _password(arguments, stdin)
            workflows = arguments.workflow or [S23_WORKFLOW]
            mailbox = await mesh_mailboxes.register_platform_mailbox(arguments.mailbox, password, workflows, uow=uow())
            print(f"registered {_shown(mailbox)}", file=out)
        elif arguments.kind == "trust":
            mailbox = await mesh_mailboxes.register_partner_mailbox(
                arguments.mailbox, MailboxRole.NHS_TRUST, arguments.ods, uow=uow()
            )
            print(f"registered {_shown(mailbox)}", file=out)
        elif arguments.kind == "la":
            mailbox = await mesh_mailboxes.register_partner_mailbox(
                arguments.mailbox, MailboxRole.LOCAL_AUTHORITY, arguments.la, uow=uow()
            )
            event_types = frozenset(arguments.event_types) if arguments.event_types else None
            subscription = await subscribe_la_mailbox(
                mailbox.organisation, mailbox.mailbox_id, MeshContent(arguments.content), event_types, uow=uow()
            )
            print(f"registered {_shown(mailbox)}; subscription {subscription.id}", file=out)
        else:
            for mailbox in await mesh_mailboxes.known_mailboxes(uow=uow()):
                print(_shown(mailbox), file=out)
    except (InvalidMailbox, InvalidSubscription) as refusal:
        print(f"pathfinder-notifications-mesh: {refusal}", file=sys.stderr)
        return 2
    finally:
        await service.engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
