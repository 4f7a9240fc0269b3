"""Granting a service's runtime role refuses a role that could act as the owner of the tables, rather than
granting it and leaving the tables to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from pathfinder.persistence.database import asyncpg_dsn, with_login
from pathfinder.persistence.runtime_role import RuntimeRoleRefused, grant_runtime_role


async def _run(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def test_a_role_that_could_act_as_the_owner_is_refused(
    fresh_database: Callable[[str], Awaitable[str]], fresh_role: Callable[[str], str]
) -> None:
    url = await fresh_database("runtime_role")
    owner, member, powerful = fresh_role("owner"), fresh_role("member"), fresh_role("powerful")
    await _run(
        url,
        f'CREATE ROLE "{owner}" LOGIN',
        f'CREATE ROLE "{member}" LOGIN IN ROLE "{owner}"',
        f'CREATE ROLE "{powerful}" LOGIN SUPERUSER',
        f'CREATE TABLE log (id int) ; ALTER TABLE log OWNER TO "{owner}"',
    )
    owner_url = with_login(url, owner)
    with pytest.raises(RuntimeRoleRefused, match="owns its tables"):
        await grant_runtime_role(owner_url, owner_url)
    with pytest.raises(RuntimeRoleRefused, match=f"can act as {owner}"):
        await grant_runtime_role(url, with_login(url, member))
    with pytest.raises(RuntimeRoleRefused, match="superuser"):
        await grant_runtime_role(url, with_login(url, powerful))
    with pytest.raises(RuntimeRoleRefused, match="no table ledger"):
        await grant_runtime_role(url, with_login(url, fresh_role("runtime")), append_only=["ledger"])


async def test_an_owner_that_may_not_create_roles_says_what_to_do(
    fresh_database: Callable[[str], Awaitable[str]], fresh_role: Callable[[str], str]
) -> None:
    url = await fresh_database("runtime_role_missing")
    owner = fresh_role("owner")
    await _run(url, f'CREATE ROLE "{owner}" LOGIN', f'GRANT CREATE ON SCHEMA public TO "{owner}"')
    with pytest.raises(RuntimeRoleRefused, match="create it first"):
        await grant_runtime_role(with_login(url, owner), with_login(url, fresh_role("runtime")))
