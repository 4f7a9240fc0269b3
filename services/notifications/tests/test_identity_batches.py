# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Backfilled children named in batches against the real identity app in-process and the notifications database:
one ``$match-batch`` call for many children, each answered as ``$match`` would; identity failing in the middle
of the timer's batches loses nothing, and asking again names each child once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from identity_kit import ISSUER, TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity
from identity_kit.children import nhs_number
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import child, message
from notifications_kit.service import Api, api_for, migrated
from pathfinder.auth import Scope
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.adapters.identity_client import HttpIdentityClient
from pathfinder.notifications.adapters.postcode_directory import PostcodeDirectory
from pathfinder.notifications.service_layer import child_identification
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.ports import ChildToIdentify

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
async def identity(fresh_database, monkeypatch) -> AsyncIterator[IdentityUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("identity_batches_identity"))
    async with running_identity(url) as running:
        yield running


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await migrated(await fresh_database("identity_batches_notifications"))
    async for running in api_for(url, FakeIdentity()):
        yield running


class FailingBatch(httpx.AsyncBaseTransport):
    """Identity's app, except that the ``failing``-th ``$match-batch`` call never reaches it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, failing: int) -> None:
        self.inner, self.failing, self.batches = inner, failing, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("$match-batch"):
            self.batches += 1
            if self.batches == self.failing:
                raise httpx.ConnectError("identity went away", request=request)
        return await self.inner.handle_async_request(request)


async def client_for(identity: IdentityUnderTest, *, batch_size: int = 500, failing: int = 0) -> HttpIdentityClient:
    tokens = await identity.client_credentials("pathfinder", Scope.PERSONS_MATCH)
    transport = FailingBatch(identity.http._transport, failing)
    http = httpx.AsyncClient(transport=transport, base_url=ISSUER)
    return HttpIdentityClient(ISSUER, tokens, http, batch_size=batch_size)


async def test_a_batch_is_answered_in_order_as_match_answers_each(identity) -> None:
    client = await client_for(identity, batch_size=2)
    amelia, nell = child(nhs_number=nhs_number()), child(nhs_number=nhs_number(), given_names=("Nell",))
    asked = [
        ChildToIdentify(amelia, "841", "ey:1"),
        ChildToIdentify(nell, "841", "ey:2", postcode_la="841"),
        ChildToIdentify(amelia, "999", "ey:3"),  # an LA no one registered
    ]
    answers = await client.match_children(asked)
    assert answers[0] is not None and answers[0].person_id is not None
    assert answers[1] is not None and answers[1].person_id not in (None, answers[0].person_id)
    assert answers[2] is not None and answers[2].refused is NotificationRejectionReason.RESPONSIBLE_LA_UNKNOWN
    assert await client.match_child(amelia, responsible_la="841", request_id="ey:1") == answers[0]
    assert await client.match_children(asked[:2]) == answers[:2], "retries answered as the first time"


async def test_identity_failing_mid_batch_loses_nothing_and_names_each_child_once(api, identity) -> None:
    names = [("Ada", "Okafor"), ("Bram", "Nowak"), ("Cleo", "Haddad"), ("Dev", "Lindqvist"), ("Esme", "Brennan")]
    documents = [
        message(
            child=child(
                nhs_number=nhs_number(), given_names=(given,), family_name=family, birth_date=date(2024, 1, n + 1)
            )
        )
        for n, (given, family) in enumerate(names)
    ]
    body = "".join(json.dumps(document) + "\n" for document in documents)
    response = await api.http.post("/fhir/$process-message/bulk", content=body, headers={**api.trust(), **NDJSON})
    assert [json.loads(line)["http_status"] for line in response.text.splitlines()] == [202] * 5
    later = datetime.now(UTC).replace(year=2100)
    failing = await client_for(identity, batch_size=2, failing=2)  # the second of three calls fails
    retry = {
        "uow": api.service.unit_of_work(),
        "postcodes": PostcodeDirectory(api.service.engine),
        "now": lambda: later,
    }
    assert await ask_identity_again(identity=failing, **retry) == 5
    named = await api.received_events()
    assert len(named) == 3, "the first and third calls' answers applied; the second's children wait"
    after_lease = later + child_identification.CLAIM_LEASE * 100
    working = await client_for(identity, batch_size=2)
    retry["now"], retry["uow"] = lambda: after_lease, api.service.unit_of_work()
    assert await ask_identity_again(identity=working, **retry) == 2, "only those still waiting"
    received = await api.received_events()
    assert len(received) == 5 and len({event["notification_id"] for event in received}) == 5
    assert received[:3] == named, "those named before are not named again"
    assert len({event["person_id"] for event in received}) == 5
    assert await ask_identity_again(identity=working, **retry) == 0
    assert len(await api.received_events()) == 5
