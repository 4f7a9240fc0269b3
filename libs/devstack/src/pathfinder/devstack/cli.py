"""``pathfinder-platform up``: run the whole platform until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pathfinder.devstack.platform import PlatformFailed, PlatformOptions, run_platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pathfinder-platform", description="Run the Pathfinder platform locally.")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start broker, PostgreSQL, migrations and every service; Ctrl-C stops")
    up.add_argument("--state-dir", type=Path, default=Path(".state"), help="where PostgreSQL keeps its data")
    up.add_argument(
        "--kafka",
        default=os.environ.get("PATHFINDER_KAFKA_BOOTSTRAP_SERVERS"),
        help="bootstrap servers of an external Apache Kafka instead of the embedded broker",
    )
    up.add_argument("--postgres", help="URL of any database on an external PostgreSQL server to use instead")
    up.add_argument("--broker-port", type=int, default=9092, help="port of the embedded broker")
    args = parser.parse_args(argv)
    options = PlatformOptions(
        state_dir=args.state_dir.resolve(), kafka=args.kafka, postgres=args.postgres, broker_port=args.broker_port
    )
    try:
        return run_platform(options)
    except PlatformFailed as failure:
        print(f"pathfinder-platform: {failure}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
