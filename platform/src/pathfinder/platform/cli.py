"""``pathfinder-platform up``: run the whole platform on this machine until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pathfinder.devstack.broker import BrokerDidNotStart
from pathfinder.devstack.postgres import PostgresDidNotStart
from pathfinder.platform.mesh import DEFAULT_PORT as MESH_PORT
from pathfinder.platform.mesh import MeshFailed
from pathfinder.platform.running import PlatformFailed, PlatformOptions, run_platform


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pathfinder-platform", description="Run the Pathfinder platform locally.")
    commands = root.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up", help="start the broker, PostgreSQL, migrations and every service's API and worker; Ctrl-C stops all"
    )
    up.add_argument(
        "--state-dir", type=Path, default=Path(".state"), help="where the embedded servers keep data and logs"
    )
    up.add_argument(
        "--kafka",
        metavar="BOOTSTRAP",
        default=os.environ.get("PATHFINDER_KAFKA_BOOTSTRAP_SERVERS") or None,
        help="bootstrap servers of an Apache Kafka to use instead of the embedded broker "
        "(default: $PATHFINDER_KAFKA_BOOTSTRAP_SERVERS)",
    )
    up.add_argument("--postgres", metavar="URL", help="URL of any database on a PostgreSQL server to use instead")
    up.add_argument("--broker-port", type=int, default=9092, help="port of the embedded broker (default: 9092)")
    up.add_argument(
        "--mesh",
        action="store_true",
        help="run NHS England's MESH sandbox as the platform's MESH, with the platform's and the demo's mailboxes "
        "(data kept in STATE_DIR/mesh)",
    )
    up.add_argument("--mesh-port", type=int, default=MESH_PORT, help=f"port of the MESH sandbox (default: {MESH_PORT})")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    options = PlatformOptions(
        state_dir=args.state_dir.resolve(),
        kafka=args.kafka,
        postgres=args.postgres,
        broker_port=args.broker_port,
        mesh=args.mesh,
        mesh_port=args.mesh_port,
    )
    try:
        return run_platform(options)
    except (PlatformFailed, BrokerDidNotStart, PostgresDidNotStart, MeshFailed) as failure:
        print(f"pathfinder-platform: {failure}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
