"""Sending to LA endpoints: a delivery as a signed Standard Webhooks POST or a FHIR rest-hook notification
Bundle, and rest-hook heartbeats.

Each request goes to the address checked against SSRF (:mod:`.destination`), follows no redirect, and is
bounded in time and in how much of the answer is read (the answer is never stored: it is the LA's, and may hold
anything). A subscription's webhook secrets and rest-hook header values are opened here, for the request being
sent, and nowhere else; secrets sealed under another key than this process's fail the attempt with an error
saying so, rather than sending unsigned or garbled requests.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import UTC, datetime

import httpx
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.notifications.adapters.destination import Destination, RefusedDestination, resolve
from pathfinder.notifications.adapters.subscription_secrets import SubscriptionSecrets
from pathfinder.notifications.adapters.webhook_signing import webhook_headers
from pathfinder.notifications.domain.la_delivery import (
    STRUCTURED_CONTENT_TYPE,
    LaDelivery,
    SendOutcome,
    structured_event,
)
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription
from pathfinder.notifications.service_layer.rest_hook_bundles import rest_hook_bundle
from pathfinder.notifications.settings import LaDeliverySettings
from pathfinder.persistence.sealing import SealingError

log = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"


class HttpLaEndpoints:
    """The LA endpoints as the dispatcher reaches them."""

    def __init__(self, settings: LaDeliverySettings, secrets: SubscriptionSecrets) -> None:
        self._settings = settings
        self._secrets = secrets
        self._sender = EndpointSender(settings)

    async def send(self, subscription: LaSubscription, delivery: LaDelivery) -> SendOutcome:
        assert subscription.endpoint is not None
        try:
            headers, body = self._request(subscription, delivery)
        except SealingError as error:
            log.error("delivery not sent: %s", error, extra={"subscription_id": str(subscription.id)})
            return SendOutcome(None, f"not sent: {error}")
        return await self._sender.post(subscription.endpoint, subscription.allowed_hosts, headers, body)

    async def send_heartbeat(self, subscription: LaSubscription) -> SendOutcome:
        assert subscription.endpoint is not None
        try:
            opened = self._secrets.open_headers(subscription)
        except SealingError as error:
            log.error("heartbeat not sent: %s", error, extra={"subscription_id": str(subscription.id)})
            return SendOutcome(None, f"not sent: {error}")
        now = datetime.now(UTC)
        base = self._settings.notifications_public_url
        body = rest_hook_bundle(subscription, NotificationType.HEARTBEAT, [], base, now)
        headers = {**opened, "Content-Type": FHIR_JSON}
        return await self._sender.post(subscription.endpoint, subscription.allowed_hosts, headers, body)

    def _request(self, subscription: LaSubscription, delivery: LaDelivery) -> tuple[dict[str, str], bytes]:
        now = datetime.now(UTC)
        if subscription.channel is Channel.FHIR_REST_HOOK:
            base = self._settings.notifications_public_url
            bundle = rest_hook_bundle(subscription, NotificationType.EVENT_NOTIFICATION, [delivery], base, now)
            return {**self._secrets.open_headers(subscription), "Content-Type": FHIR_JSON}, bundle
        body = cloudevent_body(delivery)
        # webhook-id is the event id on every attempt and redelivery: receivers deduplicate on it.
        event_id = str(delivery.event.event_id)
        signed = webhook_headers(self._secrets.open_secrets(subscription), event_id, int(now.timestamp()), body)
        return {**signed, "Content-Type": STRUCTURED_CONTENT_TYPE}, body


def cloudevent_body(delivery: LaDelivery) -> bytes:
    """The delivery's event in CloudEvents JSON (structured mode): a webhook's body, or a MESH message's."""
    envelope = EventEnvelope.from_record(delivery.event.headers, delivery.event.payload)
    assert envelope.la_code is not None
    return structured_event(
        event_id=envelope.id,
        source=envelope.source,
        event_type=envelope.type,
        time=envelope.time,
        subject=envelope.subject,
        la_code=envelope.la_code,
        correlation_id=envelope.correlation_id,
        data=envelope.data,
        link=delivery.event.link,
        replay_id=delivery.event.replay_id,
    )


class EndpointSender:
    def __init__(self, settings: LaDeliverySettings) -> None:
        self._settings = settings
        # Building a verifying context loads the CA bundle (tens of ms of CPU): once, not per delivery.
        self._tls = ssl.create_default_context()

    async def post(
        self, endpoint: str, allowed_hosts: frozenset[str], headers: dict[str, str], body: bytes
    ) -> SendOutcome:
        try:
            destination = await resolve(endpoint, allowed_hosts, allow_loopback=self._settings.allow_loopback_http)
        except RefusedDestination as refusal:
            return SendOutcome(None, f"refused: {refusal}")
        try:
            status = await asyncio.wait_for(
                self._send(destination, headers, body), timeout=self._settings.request_timeout_seconds
            )
        except TimeoutError:
            return SendOutcome(None, "timed out")
        except httpx.HTTPError as error:
            return SendOutcome(None, f"{type(error).__name__}")
        if 300 <= status < 400:
            return SendOutcome(status, "redirect refused")
        return SendOutcome(status, None if 200 <= status < 300 else f"answered {status}")

    async def _send(self, destination: Destination, headers: dict[str, str], body: bytes) -> int:
        timeout = httpx.Timeout(self._settings.request_timeout_seconds, connect=self._settings.connect_timeout_seconds)
        url = httpx.URL(scheme=destination.scheme, host=destination.address, port=destination.port)
        url = url.copy_with(raw_path=destination.target.encode())
        extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
        # A client per request: its pool is keyed by address, and two hosts sharing one must not share a
        # connection made with the other's TLS name.
        client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False, verify=self._tls)
        async with client:
            request = client.build_request(
                "POST",
                url,
                content=body,
                headers={**headers, "Host": destination.host_header, "User-Agent": "Pathfinder-LA-delivery/1"},
                extensions=extensions,
            )
            response = await client.send(request, stream=True)
            try:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= self._settings.response_read_limit_bytes:
                        break
            finally:
                await response.aclose()
            return response.status_code
