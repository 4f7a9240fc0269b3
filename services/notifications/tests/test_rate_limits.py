# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Each client's rate limits, in token buckets in the service's database: two API processes on one database
spend from the same buckets; FHIR submissions have a bucket of their own, every other route a client calls
another; over a limit, 429 with Retry-After, as an OperationOutcome on FHIR routes and problem+json elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import FHIR, outcome_codes
from notifications_kit.service import Api, api_for, migrated
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal

SLOW = 0.001  # a token a quarter of an hour: a bucket spent in a test stays spent
NOT_FHIR = {"resourceType": "Patient"}  # refused 400 after the limit, so nothing is stored


@asynccontextmanager
async def api_process(url: str, **settings) -> AsyncIterator[Api]:
    async for running in api_for(url, FakeIdentity(), **settings):
        yield running


def as_client(api: Api, subject: str, role: OrganisationRole, organisation: str, *scopes: Scope) -> dict[str, str]:
    """The same client's token, minted by whichever process's test issuer ``api`` trusts."""
    return api.mint.headers_for(principal(role, organisation, *scopes, subject=subject))


def assert_limited(response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Too Many Requests"
    assert int(response.headers["retry-after"]) >= 800


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.text
    assert outcome_codes(response) == []  # throttled carries no Spine code
    assert response.json()["issue"][0]["code"] == "throttled"
    assert int(response.headers["retry-after"]) >= 1


async def test_two_api_processes_on_one_database_share_a_clients_submissions(fresh_database) -> None:
    url = await migrated(await fresh_database("notifications_rate_shared"))
    limits = {"inbound_rate_per_second": SLOW, "inbound_rate_burst": 3}
    async with api_process(url, **limits) as first, api_process(url, **limits) as second:

        def trust(api: Api, subject: str = "client-rx1") -> dict[str, str]:
            return {**FHIR, **as_client(api, subject, OrganisationRole.NHS_TRUST, "RX1", Scope.NOTIFICATIONS_SUBMIT)}

        answers = [await api.submit(NOT_FHIR, trust(api)) for api in (first, second, first, second)]
        assert [answer.status_code for answer in answers[:3]] == [400, 400, 400]
        assert_throttled(answers[3])
        assert 800 <= int(answers[3].headers["retry-after"]) <= 1000
        bulk = await first.http.post("/fhir/$process-message/bulk", json=NOT_FHIR, headers=trust(first))
        assert_throttled(bulk)  # the bulk route spends from the same bucket
        assert (await second.submit(NOT_FHIR, trust(second, "client-rx2"))).status_code == 400, "per client"


async def test_every_other_route_a_client_calls_is_limited_by_its_own_bucket(fresh_database) -> None:
    url = await migrated(await fresh_database("notifications_rate_client"))
    limits = {"client_rate_per_second": SLOW, "client_rate_burst": 4, "inbound_rate_burst": 100}
    async with api_process(url, **limits) as api:
        scopes = (Scope.SUBSCRIPTIONS_MANAGE, Scope.NOTIFICATIONS_READ, Scope.NOTIFICATIONS_ACKNOWLEDGE)
        la = as_client(api, "client-la841", OrganisationRole.LOCAL_AUTHORITY, "841", *scopes)
        somewhere = uuid4()
        answers = [
            await api.http.get("/subscriptions", headers=la),
            await api.http.post(f"/early-years-notifications/{somewhere}/acknowledgement", json={}, headers=la),
            await api.http.get(f"/fhir/early-years-notifications/{somewhere}", headers=la),
            await api.http.get(f"/fhir/Subscription/{somewhere}/$status", headers=la),
        ]
        assert all(answer.status_code < 429 for answer in answers), [answer.status_code for answer in answers]
        assert_limited(await api.http.get("/subscriptions", headers=la))
        assert_limited(await api.http.post(f"/subscriptions/{somewhere}/deliveries/$redeliver", headers=la))
        assert_throttled(await api.http.get(f"/fhir/Subscription/{somewhere}/$events", headers=la))
        # Its submissions, another client, and the public event types are not in that bucket.
        submitting = {**FHIR, **as_client(api, "client-la841", OrganisationRole.NHS_TRUST, "RX1", *scopes)}
        assert (await api.submit(NOT_FHIR, submitting)).status_code == 403  # past the limit, to the scope check
        other = as_client(api, "client-la805", OrganisationRole.LOCAL_AUTHORITY, "805", *scopes)
        assert (await api.http.get("/subscriptions", headers=other)).status_code == 200
        assert all([(await api.http.get("/event-types")).status_code == 200 for _ in range(6)])
