"""Identity's person index over HTTP (``POST /persons/$match``, and ``$match-batch`` for many children), with a
platform access token."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import httpx
from pathfinder.auth.client_credentials import ClientCredentialsTokens, TokenUnavailable
from pathfinder.auth.keys import SigningKey
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.service_layer.ports import ChildIdentity, ChildToIdentify, IdentityUnavailable

PURPOSE = "early-years-notification"
UNREGISTERED_LA = "urn:pathfinder:problem:responsible-la-not-registered"
_SMALLEST_CALL = 25  # a claim is not split below this: each call costs a request and a token check


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


def _identity_of(status_code: int, problem_type: str | None, answer: dict[str, Any] | None) -> ChildIdentity:
    if status_code == 422 and problem_type == UNREGISTERED_LA:
        return ChildIdentity(refused=NotificationRejectionReason.RESPONSIBLE_LA_UNKNOWN)
    if status_code != 200 or answer is None:
        # Refusals too are retried: they come from configuration (client, scopes) that an operator fixes,
        # and the notification must not be lost meanwhile.
        raise IdentityUnavailable(f"identity answered {status_code}")
    responsible_la = answer.get("responsible_la")
    if answer.get("outcome") == "possible-match" and answer.get("review_id"):
        return ChildIdentity(review_id=UUID(answer["review_id"]), responsible_la=responsible_la)
    if answer.get("person_id"):
        return ChildIdentity(person_id=UUID(answer["person_id"]), responsible_la=responsible_la)
    raise IdentityUnavailable("identity answered without a person or a review")


class HttpIdentityClient:
    def __init__(
        self,
        base_url: str,
        tokens: ClientCredentialsTokens,
        http: httpx.AsyncClient,
        *,
        batch_size: int = 100,
        in_flight: int = 4,
        batch_timeout_seconds: float = 60.0,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/persons/$match"
        self._batch_url = f"{base_url.rstrip('/')}/persons/$match-batch"
        self._tokens = tokens
        self._http = http
        self._batch_size = batch_size
        self._in_flight = in_flight
        # Identity matches a batch's records one after another: the single call's timeout would cut it short.
        self._batch_timeout = batch_timeout_seconds

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
        answer = response.json() if response.status_code == 200 else None
        return _identity_of(response.status_code, _problem_type(response), answer)

    async def match_children(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
        """In calls of at most ``batch_size`` records, ``in_flight`` at once: identity matches a call's records one
        after another, mostly waiting on its database, so calls side by side answer a large claim sooner."""
        share = -(-len(children) // self._in_flight)
        size = min(self._batch_size, max(_SMALLEST_CALL, share))
        gate = asyncio.Semaphore(self._in_flight)

        async def asked(batch: Sequence[ChildToIdentify]) -> list[ChildIdentity | None] | IdentityUnavailable:
            async with gate:
                try:
                    return await self._match_batch(batch)
                except IdentityUnavailable as unavailable:
                    return unavailable  # these wait for the next try; the calls answered stand

        batches = [children[start : start + size] for start in range(0, len(children), size)]
        answered = await asyncio.gather(*(asked(batch) for batch in batches))
        answers = [
            answer
            for batch, found in zip(batches, answered, strict=True)
            for answer in ([None] * len(batch) if isinstance(found, IdentityUnavailable) else found)
        ]
        failures = [found for found in answered if isinstance(found, IdentityUnavailable)]
        if failures and all(answer is None for answer in answers):
            raise failures[0]
        return answers

    async def _match_batch(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
        records = [
            {**match_request(asked.child, asked.responsible_la, asked.postcode_la), "request_id": asked.request_id}
            for asked in children
        ]
        try:
            token = await self._tokens.access_token()
            response = await self._http.post(
                self._batch_url,
                json={"records": records},
                params={"purpose": PURPOSE},
                headers={"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE},
                timeout=self._batch_timeout,
            )
        except (TokenUnavailable, httpx.HTTPError) as error:
            raise IdentityUnavailable(type(error).__name__) from None
        if response.status_code == 401:
            self._tokens.forget()
        if response.status_code != 200:
            raise IdentityUnavailable(f"identity answered {response.status_code} to a batch")
        given = response.json().get("answers")
        if not isinstance(given, list) or len(given) != len(children):
            raise IdentityUnavailable("identity answered a batch with another number of answers")
        return [_answer_in_batch(answer) for answer in given]


def _answer_in_batch(answer: dict[str, Any]) -> ChildIdentity | None:
    problem = answer.get("problem") or {}
    try:
        return _identity_of(int(answer.get("status", 0)), problem.get("type"), answer.get("match"))
    except IdentityUnavailable:
        return None


class IdentityNotConfigured:
    """Without identity settings notifications are accepted and wait, as while identity is down."""

    async def match_child(
        self, child: ChildDemographics, *, responsible_la: str, request_id: str, postcode_la: str | None = None
    ) -> ChildIdentity:
        raise IdentityUnavailable("identity is not configured")

    async def match_children(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
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
