"""Sending one HTTPS request to an LA endpoint: to the checked address, no redirects, bounded in time and in
how much of the answer is read (the answer is never stored: it is the LA's, and may hold anything)."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import httpx
from pathfinder.notifications.delivery.destination import Destination, RefusedDestination, resolve
from pathfinder.notifications.delivery.settings import LaDeliverySettings


@dataclass(frozen=True)
class SendOutcome:
    status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


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
