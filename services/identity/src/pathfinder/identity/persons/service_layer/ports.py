"""What the person index asks of the rest of identity: whether an LA code names a registered local authority
(the organisation registry belongs to the access context; the composition root answers for it)."""

from __future__ import annotations

from typing import Protocol


class LocalAuthorities(Protocol):
    async def registered(self, la_code: str) -> bool:
        """An active organisation of the local-authority role holds ``la_code``."""
        ...
