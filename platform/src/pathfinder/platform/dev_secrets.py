"""Keys a developer's platform keeps between runs.

A service that seals data with a key from its settings (identity's signing keys and children's details,
notifications' LA webhook secrets and rest-hook headers) would otherwise make a throwaway key on every start,
and data written by one run could not be read by the next. The platform command therefore keeps one random
value per named secret in ``<state dir>/dev-secrets.env`` (owner read/write only), created on first use, and
gives it to the service's processes and migrations. A value already in the environment always wins. Never for
production.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pathfinder.persistence.sealing import new_key_text

FILE_NAME = "dev-secrets.env"


def dev_secrets(state_dir: Path, names: Iterable[str]) -> dict[str, str]:
    """The value of each named secret: from the environment, else from the state file (added if missing)."""
    path = state_dir / FILE_NAME
    stored = _read(path)
    missing = [name for name in names if name not in stored]
    if missing:
        stored.update({name: new_key_text() for name in missing})
        _write(path, stored)
    return {name: os.environ.get(name, stored[name]) for name in names}


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def _write(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Development keys made by the platform command; never use them outside this machine.\n"
    text += "".join(f"{name}={value}\n" for name, value in sorted(values.items()))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
