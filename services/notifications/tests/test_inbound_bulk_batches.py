# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Bulk submissions kept in batches on PostgreSQL: a large NDJSON request answered entry by entry, in order, as
single submissions would be; sent again, the same answers and nothing stored twice; a batch that fails to commit
leaves nothing of itself."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import message
from notifications_kit.service import Api, api_for, migrated
from pathfinder.notifications.adapters.notification_repository import SqlEarlyYearsNotifications
from pathfinder.notifications.adapters.tables import early_years_notification, submission_key
from pathfinder.notifications.service_layer import bulk_submissions
from sqlalchemy import func, select

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await migrated(await fresh_database("inbound_bulk_batches"))
    async for running in api_for(url, FakeIdentity(), inbound_rate_burst=100):
        yield running


async def stored(api: Api) -> tuple[int, int]:
    async with api.service.engine.connect() as connection:
        notifications = await connection.scalar(select(func.count()).select_from(early_years_notification))
        keys = await connection.scalar(select(func.count()).select_from(submission_key))
    return notifications or 0, keys or 0


async def post(api: Api, documents: list[dict], request_id: str) -> list[dict]:
    body = "".join(json.dumps(document) + "\n" for document in documents)
    headers = {**api.trust(), **NDJSON, "X-Request-ID": request_id}
    response = await api.http.post("/fhir/$process-message/bulk", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


async def test_a_large_request_is_answered_in_order_and_sent_again_stores_nothing_twice(api) -> None:
    documents = [message() for _ in range(1_203)]
    documents[7] = message(parent_informed_on=None)
    documents[900] = documents[3]  # the same notification twice in one request
    used = documents[10]["entry"][0]["resource"]["id"]
    first = await post(api, documents, "backfill-a")
    assert [line["index"] for line in first] == list(range(1_203))
    assert [line["http_status"] for line in first] == [422 if index == 7 else 202 for index in range(1_203)]
    assert first[900]["id"] == first[3]["id"]
    assert await stored(api) == (1_202, 1_202 * 2), "the repeat's own retry key is not kept"
    again = await post(api, documents, "backfill-a")
    assert [line.get("id") for line in again] == [line.get("id") for line in first]
    assert [line["http_status"] for line in again] == [line["http_status"] for line in first]
    assert await stored(api) == (1_202, 1_202 * 2)
    changed = message()
    changed["entry"][0]["resource"]["id"] = used  # a used message id, another body
    answers = await post(api, [message(), changed, message()], "backfill-b")
    assert [line["http_status"] for line in answers] == [202, 409, 202]
    assert answers[1]["outcome"]["issue"][0]["code"] == "duplicate"
    assert await stored(api) == (1_204, 1_202 * 2 + 4)


async def test_a_batch_that_fails_to_commit_leaves_nothing_of_itself(api, monkeypatch) -> None:
    monkeypatch.setattr(bulk_submissions, "BATCH_SIZE", 4)
    real_add_many = SqlEarlyYearsNotifications.add_many
    batches: list[int] = []

    async def failing_second(self, notifications) -> None:
        batches.append(len(notifications))
        await real_add_many(self, notifications)
        if len(batches) == 2:
            raise ConnectionError("the database went away")

    monkeypatch.setattr(SqlEarlyYearsNotifications, "add_many", failing_second)
    documents = [message() for _ in range(10)]
    body = "".join(json.dumps(document) + "\n" for document in documents)
    headers = {**api.trust(), **NDJSON, "X-Request-ID": "backfill-c"}
    with pytest.raises(ConnectionError):
        await api.http.post("/fhir/$process-message/bulk", content=body, headers=headers)
    assert await stored(api) == (4, 8), "the first batch, whole; nothing of the second"
    monkeypatch.setattr(SqlEarlyYearsNotifications, "add_many", real_add_many)
    answers = await post(api, documents, "backfill-c")
    assert [line["http_status"] for line in answers] == [202] * 10
    assert await stored(api) == (10, 20)
