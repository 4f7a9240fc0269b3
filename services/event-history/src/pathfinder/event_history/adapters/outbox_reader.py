"""Reading the published rows of each service's outbox, over the read-only database URLs the gap check is given
(a row stays in its outbox for the relay's retention after it was published)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime

from pathfinder.event_history.service_layer.ports import OutboxRecord
from pathfinder.messaging.outbox_message import decode_headers
from pathfinder.messaging.schema import outbox
from pathfinder.persistence.database import create_engine
from sqlalchemy import select, text


class SqlOutboxes:
    def __init__(self, urls: Mapping[str, str], *, batch: int = 5000) -> None:
        self._urls = dict(urls)
        self._batch = batch

    def services(self) -> list[str]:
        return sorted(self._urls)

    async def published(self, service: str, *, before: datetime) -> AsyncIterator[list[OutboxRecord]]:
        engine = create_engine(self._urls[service], pool_size=1)
        after = 0
        try:
            while True:
                query = (
                    select(outbox.c.position, outbox.c.topic, outbox.c.headers, outbox.c.published_at)
                    .where(outbox.c.published_at < before, outbox.c.position > after)
                    .order_by(outbox.c.position)
                    .limit(self._batch)
                )
                async with engine.connect() as connection:
                    await connection.execute(text("SET TRANSACTION READ ONLY"))
                    rows = (await connection.execute(query)).all()
                if not rows:
                    return
                after = rows[-1].position
                yield [OutboxRecord(row.topic, tuple(decode_headers(row.headers)), row.published_at) for row in rows]
        finally:
            await engine.dispose()
