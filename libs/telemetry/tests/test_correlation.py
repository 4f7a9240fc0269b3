from __future__ import annotations

import asyncio
import uuid

import pytest
from pathfinder.telemetry.correlation import correlation_scope, current_correlation_id, new_correlation_id


def test_no_correlation_id_outside_a_scope() -> None:
    assert current_correlation_id() is None


def test_scope_sets_and_restores_the_id() -> None:
    with correlation_scope("outer-1") as outer:
        assert outer == "outer-1"
        assert current_correlation_id() == "outer-1"
        with correlation_scope("inner-2") as inner:
            assert inner == "inner-2"
            assert current_correlation_id() == "inner-2"
        assert current_correlation_id() == "outer-1"
    assert current_correlation_id() is None


def test_scope_generates_a_uuid4_when_given_none() -> None:
    with correlation_scope(None) as generated:
        assert current_correlation_id() == generated
        assert uuid.UUID(generated).version == 4
        assert str(uuid.UUID(generated)) == generated


def test_scope_is_reset_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), correlation_scope("doomed"):
        raise RuntimeError("boom")
    assert current_correlation_id() is None


def test_new_ids_are_distinct_uuids() -> None:
    ids = {new_correlation_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(uuid.UUID(value).version == 4 for value in ids)


async def test_concurrent_tasks_keep_their_own_ids() -> None:
    async def work(name: str) -> str | None:
        with correlation_scope(name):
            await asyncio.sleep(0.01)
            return current_correlation_id()

    assert list(await asyncio.gather(work("a"), work("b"), work("c"))) == ["a", "b", "c"]
    assert current_correlation_id() is None
