"""``pathfinder-engineer-client``: an identity client for an integration engineer on a running platform.

With ``python3 dev.py up`` running, it registers (once) a client of the platform organisation holding
``events:engineer`` (``pathfinder-identity client add``), its private key kept in ``.state/engineer/`` readable
only by you, and prints the settings the ``pathfinder`` command reads:

    eval "$(.venv/bin/pathfinder-engineer-client)"
    pathfinder --reason "INC-1: checking" find --la 841

A second run prints the same client and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from pathlib import Path

from pathfinder.platform.dco_accounts import database_url
from pathfinder.platform.demo_setup import DemoFailed, seed

SCOPES = ("events:engineer",)
EVENT_HISTORY = "http://127.0.0.1:8005"
IDENTITY = "http://127.0.0.1:8004"


async def engineer_client(state_dir: Path) -> int:
    folder = state_dir / "engineer"
    clients = await seed(database_url(state_dir, "identity"), folder, {"pathfinder": SCOPES})
    client = clients["pathfinder"]
    client.key_file.chmod(0o600)
    settings = {
        "PATHFINDER_CLIENT_ID": client.client_id,
        "PATHFINDER_KEY_FILE": str(client.key_file.resolve()),
        "PATHFINDER_IDENTITY_URL": IDENTITY,
        "PATHFINDER_EVENT_HISTORY_URL": EVENT_HISTORY,
    }
    for name, value in settings.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pathfinder-engineer-client", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=Path(".state"), help="the platform's state directory")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(engineer_client(args.state_dir))
    except (DemoFailed, OSError) as error:
        print(f"pathfinder-engineer-client failed: {error}\nIs the platform running (python3 dev.py up)?",
              file=sys.stderr)  # fmt: skip
        return 1


if __name__ == "__main__":
    sys.exit(main())
