# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The identity adapter against the real identity app in-process: a platform client's signed assertion buys a
token at identity's token endpoint, and $match names the child; retries get the same answer; the LA of the
child's postcode goes with the LA named, and a new child whose two disagree is held for the platform."""

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
from pathfinder.notifications.adapters.identity_client import HttpIdentityClient, match_request
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


async def test_the_postcodes_la_goes_to_identity_which_holds_a_disputed_new_child_for_review(identity) -> None:
    client = await client_for(identity)
    assert "postcode_la" not in match_request(child(), "841", None), "nothing sent when the postcode's LA is unknown"
    disputed = child(given_names=("Nell",))
    held = await client.match_child(disputed, responsible_la="805", request_id="ey:4", postcode_la="841")
    assert held.review_id is not None and (held.person_id, held.responsible_la) == (None, None), "platform decides"
    assert await client.match_child(disputed, responsible_la="805", request_id="ey:4", postcode_la="841") == held
    agreed = await client.match_child(child(), responsible_la="841", request_id="ey:5", postcode_la="841")
    assert (agreed.person_id is not None, agreed.responsible_la) == (True, "841")
