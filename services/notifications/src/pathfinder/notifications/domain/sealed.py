"""A value the service keeps sealed at rest (AES-256-GCM under a key outside the database): it stays sealed
through the domain, and only the adapter that sealed it opens it, where the value is needed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sealed:
    """A value as stored: sealed under key ``key_id``, opened only where it is used."""

    value: bytes = field(repr=False)
    key_id: str
