"""Identity's person index over HTTP (``POST /persons/$match``), with a platform access token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
from pathfinder.auth.client_credentials import ClientCredentialsTokens, TokenUnavailable
from pathfinder.auth.keys import SigningKey
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.service_layer.ports import ChildIdentity, IdentityUnavailable

PURPOSE = "early-years-notification"
UNREGISTERED_LA = "urn:pathfinder:problem:responsible-la-not-registered"


def _problem_type(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("type") if isinstance(body, dict) else None


def match_request(child: ChildDemographics, responsible_la: str, postcode_la: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "responsible_la": responsible_la,
        "demographics": {
            "given_names": list(child.given_names),
            "family_name": child.family_name,
            "birth_date": child.birth_date.isoformat(),
            "sex": child.sex,
            "postcode": child.postcode,
        },
        "identifiers": [{"kind": "nhs-number", "value": child.nhs_number}] if child.nhs_number else [],
    }
    if child.nhs_number_verification is not None:
        body["nhs_number_verification"] = child.nhs_number_verification.value
    if postcode_la is not None:
        body["postcode_la"] = postcode_la
    return body


class HttpIdentityClient:
    def __init__(self, base_url: str, tokens: ClientCredentialsTokens, http: httpx.AsyncClient) -> None:
        self._url = f"{base_url.rstrip('/')}/persons/$match"
        self._tokens = tokens
        self._http = http

    async def match_child(
        self, child: ChildDemographics, *, responsible_la: str, request_id: str, postcode_la: str | None = None
    ) -> ChildIdentity:
        try:
            token = await self._tokens.access_token()
            response = await self._http.post(
                self._url,
                json=match_request(child, responsible_la, postcode_la),
                params={"purpose": PURPOSE},
                headers={"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE, "X-Request-ID": request_id},
            )
        except (TokenUnavailable, httpx.HTTPError) as error:
            raise IdentityUnavailable(type(error).__name__) from None
        if response.status_code == 401:
            self._tokens.forget()
        if response.status_code == 422 and _problem_type(response) == UNREGISTERED_LA:
            return ChildIdentity(refused=NotificationRejectionReason.RESPONSIBLE_LA_UNKNOWN)
        if response.status_code != 200:
            # Refusals too are retried: they come from configuration (client, scopes) that an operator fixes,
            # and the notification must not be lost meanwhile.
            raise IdentityUnavailable(f"identity answered {response.status_code}")
        answer = response.json()
        responsible_la = answer.get("responsible_la")
        if answer.get("outcome") == "possible-match" and answer.get("review_id"):
            return ChildIdentity(review_id=UUID(answer["review_id"]), responsible_la=responsible_la)
        if answer.get("person_id"):
            return ChildIdentity(person_id=UUID(answer["person_id"]), responsible_la=responsible_la)
        raise IdentityUnavailable("identity answered without a person or a review")


class IdentityNotConfigured:
    """Without identity settings notifications are accepted and wait, as while identity is down."""

    async def match_child(
        self, child: ChildDemographics, *, responsible_la: str, request_id: str, postcode_la: str | None = None
    ) -> ChildIdentity:
        raise IdentityUnavailable("identity is not configured")


def identity_client(
    *,
    url: str | None,
    client_id: str | None,
    key_pem: bytes | None,
    http: httpx.AsyncClient,
) -> HttpIdentityClient | IdentityNotConfigured:
    if not (url and client_id and key_pem):
        return IdentityNotConfigured()
    token_url = f"{url.rstrip('/')}/oauth2/token"
    tokens = ClientCredentialsTokens(token_url, client_id, SigningKey.from_pem(key_pem), http)
    return HttpIdentityClient(url, tokens, http)
