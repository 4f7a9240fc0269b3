# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""An LA learns that notifications naming it are held until identity names the child (identity away, or a
possible match under review), on a real PostgreSQL: only its own, only while held, page by page, and nothing
about the child."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.messages import child, message
from notifications_kit.service import Api, api_for, migrated
from pathfinder.auth import Scope
from pathfinder.notifications.service_layer.child_identification import ask_identity_again

HELD = "/early-years-notifications/held"
# What identifies the child in notifications_kit.messages: none of it may reach an LA through this list.
CHILD_DETAILS = ("9990000018", "Amelia", "Smith", "2024-04-12", "DL1", "Jacob", "Brown", "2023-09-01", "female")


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await migrated(await fresh_database("held_notifications"))
    async for running in api_for(url, FakeIdentity()):
        yield running


async def notified(api: Api, answer: str, **changes: Any) -> dict[str, Any]:
    api.identity.answer = answer
    accepted = await api.submit(message(**changes))
    assert accepted.status_code == 202, accepted.text
    return await api.status_of(accepted)


async def held_for(api: Api, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    while True:
        page = await api.http.get(HELD, params=query, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        listed += body["notifications"]
        if body["next_page"] is None:
            return listed
        query["page"] = body["next_page"]


async def test_an_la_sees_the_notifications_naming_it_that_are_held_and_nothing_of_the_child(api) -> None:
    before = datetime.now(UTC)
    review = await notified(api, "review")
    away = await notified(api, "down", child=child(given_names=("Jacob",), family_name="Brown"))
    named = await notified(api, "match")
    elsewhere = await notified(api, "down", responsible_la="805", child=child(postcode="TS24 8AA"))
    assert (review["status"], away["status"], named["status"]) == (
        "awaiting-identity-review",
        "awaiting-identity",
        "received",
    )

    listed = await held_for(api, api.la("841"), _count=1)
    assert [entry["id"] for entry in listed] == [away["id"], review["id"]], "newest first, each once, page by page"
    assert {entry["id"]: (entry["status"], entry["held_because"]) for entry in listed} == {
        review["id"]: ("awaiting-identity-review", "possible-match-review"),
        away["id"]: ("awaiting-identity", "identity-unavailable"),
    }
    for entry in listed:
        assert set(entry) == {"id", "status", "held_since", "held_because"}
        assert before <= datetime.fromisoformat(entry["held_since"]) <= datetime.now(UTC)
    answer = (await api.http.get(HELD, headers=api.la("841"))).text
    assert not [detail for detail in CHILD_DETAILS if detail in answer]

    darlington_only = await held_for(api, api.la("805"))
    assert [entry["id"] for entry in darlington_only] == [elsewhere["id"]], "805 sees its own, never 841's"
    assert review["id"] not in str(darlington_only) and away["id"] not in str(darlington_only)


async def test_a_notification_leaves_the_list_once_identity_names_the_child(api) -> None:
    away = await notified(api, "down")
    assert [entry["id"] for entry in await held_for(api, api.la("841"))] == [away["id"]]
    api.identity.answer = "match"
    later = datetime.now(UTC) + timedelta(hours=1)  # past the backoff that identity being away earned it
    asked = {"identity": api.identity, "postcodes": FakePostcodes(), "now": lambda: later}
    assert await ask_identity_again(uow=api.service.unit_of_work(), **asked) == 1
    async with api.service.unit_of_work() as uow:
        named = await uow.notifications.get(UUID(away["id"]))
    assert named is not None and named.status == "received"
    assert await held_for(api, api.la("841")) == []


async def test_only_an_la_with_notifications_read_lists_and_a_made_up_page_is_refused(api) -> None:
    await notified(api, "review")
    as_trust = await api.http.get(HELD, headers=api.trust())
    assert as_trust.status_code == 403
    assert as_trust.headers["content-type"] == "application/problem+json"
    assert "status=awaiting-identity" in as_trust.json()["detail"], "the trust is told where its own list is"
    without_scope = await api.http.get(HELD, headers=api.la("841", Scope.NOTIFICATIONS_ACKNOWLEDGE))
    assert without_scope.status_code == 403
    assert (await api.http.get(HELD)).status_code == 401
    made_up = await api.http.get(HELD, params={"page": "yesterday"}, headers=api.la("841"))
    assert made_up.status_code == 400
    assert made_up.headers["content-type"] == "application/problem+json"
