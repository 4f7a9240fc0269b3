# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The identity adapter against the real identity app in-process: a platform client's signed assertion buys a
token at identity's token endpoint, and $match names the child; retries get the same answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from identity_kit import ISSUER, TEST_ENVIRONMENT, TOKEN_URL, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity
from identity_kit.children import nhs_number
from pathfinder.auth import Scope
from pathfinder.auth.client_credentials import ClientCredentialsTokens
from pathfinder.auth.keys import SigningKey
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.notifications.adapters.identity_client import HttpIdentityClient
from pathfinder.notifications.service_layer.ports import IdentityUnavailable


@pytest.fixture
async def identity(fresh_database, monkeypatch) -> AsyncIterator[IdentityUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("inbound_identity"))
    async with running_identity(url) as running:
        yield running


async def client_for(identity: IdentityUnderTest) -> HttpIdentityClient:
    tokens = await identity.client_credentials("pathfinder", Scope.PERSONS_MATCH)
    return HttpIdentityClient(ISSUER, tokens, identity.http)


def child(**changes: object) -> ChildDemographics:
    fields: dict[str, object] = {
        "nhs_number": nhs_number(),
        "nhs_number_verification": "01",
        "given_names": ("Amelia",),
        "family_name": "Smith",
        "birth_date": date(2024, 4, 12),
        "sex": "female",
        "postcode": "DL1 4AB",
    }
    fields.update(changes)
    return ChildDemographics.model_validate(fields)


async def test_a_platform_client_matches_a_child_with_its_own_token(identity) -> None:
    client = await client_for(identity)
    amelia = child()
    first = await client.match_child(amelia, responsible_la="841", request_id="early-years-notification:1")
    assert first.person_id is not None and first.review_id is None
    retried = await client.match_child(amelia, responsible_la="841", request_id="early-years-notification:1")
    assert retried == first
    again = await client.match_child(amelia, responsible_la="841", request_id="early-years-notification:2")
    assert again.person_id == first.person_id, "the same verified NHS number is the same child"


async def test_a_key_identity_does_not_know_gets_no_token_and_the_notification_waits(identity) -> None:
    registered = await identity.register_client("pathfinder", Scope.PERSONS_MATCH)
    unknown_key = SigningKey.generate(bits=2048)
    tokens = ClientCredentialsTokens(TOKEN_URL, registered.client_id, unknown_key, identity.http)
    stranger = HttpIdentityClient(ISSUER, tokens, identity.http)
    with pytest.raises(IdentityUnavailable):
        await stranger.match_child(child(), responsible_la="841", request_id="early-years-notification:3")
