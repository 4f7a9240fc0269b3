"""The platform's own client of identity, so that notifications can resolve children on a developer's machine.

Before the services start, the platform command registers (once) a client of the ``pathfinder`` platform
organisation holding ``persons:match``, with a key pair kept in ``<state dir>/platform-client/``, using the
``pathfinder-identity`` command on identity's migrated database. Notifications gets the client's id and key
through its ``PATHFINDER_NOTIFICATIONS_IDENTITY_*`` settings. Development only: production registers its
platform clients through the same command, with keys from its secret store.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PLATFORM_ORG = "pathfinder"
CLIENT_NAME = "notifications (development platform)"
_IDENTITY_CLI = "from pathfinder.identity.cli import main; raise SystemExit(main())"


class PlatformClientFailed(RuntimeError):
    pass


def _identity(args: list[str], env: Mapping[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _IDENTITY_CLI, *args], env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise PlatformClientFailed(f"pathfinder-identity {' '.join(args[:2])}: {done.stdout}{done.stderr}".strip())
    return done.stdout


def ensure_platform_client(state_dir: Path, env: Mapping[str, str]) -> tuple[str, Path]:
    """The client id and private key file of the platform's identity client, registering it if needed.

    ``env`` must carry identity's ``PATHFINDER_IDENTITY_DATABASE_URL`` (and its development keys).
    """
    folder = state_dir / "platform-client"
    folder.mkdir(parents=True, exist_ok=True)
    key, jwks, id_file = folder / "client.pem", folder / "client.jwks.json", folder / "client_id"
    if not key.exists():
        id_file.unlink(missing_ok=True)
        _identity(["client", "keygen", "--bits", "2048", "--out", str(key), "--jwks-out", str(jwks)], env)
    if id_file.exists():
        client_id = id_file.read_text().strip()
        if client_id in _identity(["client", "list", "--org", PLATFORM_ORG], env):
            return client_id, key
    _identity(["org", "load-csv"], env)
    scopes = ["--scopes", "persons:match"]
    added = _identity(
        ["client", "add", "--org", PLATFORM_ORG, "--name", CLIENT_NAME, *scopes, "--jwks", str(jwks)], env
    )
    client_id = next(line.split(":", 1)[1].strip() for line in added.splitlines() if line.startswith("client_id:"))
    id_file.write_text(client_id + "\n")
    return client_id, key
