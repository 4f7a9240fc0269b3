"""The readiness checks every service has: its database answers, and the broker does."""

from __future__ import annotations

from pathfinder.messaging.broker import TopicAdmin
from pathfinder.web.health import ReadinessCheck
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check


def broker_check(admin: TopicAdmin) -> ReadinessCheck:
    async def check() -> None:
        await admin.existing_topics()

    return check
