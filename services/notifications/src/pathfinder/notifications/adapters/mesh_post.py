"""The platform's own MESH mailboxes through NHS England's ``mesh-client``.

``mesh-client`` is synchronous (requests), so each call runs in a worker thread, one at a time per mailbox (a
client's session is not shared between threads). It retries a busy (429) or failing (502-504) MESH itself with
backoff, except the first request of a new message, which it never repeats so as not to send a message twice:
that failure, and any left after its retries, comes back as :class:`MeshUnavailable` for the caller to try
again later. A mailbox's password is opened here, to log in, and nowhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self, TypeVar, cast

import requests
import urllib3
from mesh_client import MeshClient, MeshError, MeshRetry
from pathfinder.notifications.adapters.mesh_passwords import MeshPasswords
from pathfinder.notifications.domain.mesh_mailbox import MeshMailbox
from pathfinder.notifications.service_layer.ports import (
    MeshLetter,
    MeshMessage,
    MeshRefused,
    MeshTracking,
    MeshUnavailable,
)
from pathfinder.notifications.settings import MeshSettings

_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
_RETRIED = (425, 429, 502, 503, 504)  # mesh-client's own choice
_APPLICATION = "pathfinder-notifications"
T = TypeVar("T")


class MeshPostOffice:
    def __init__(self, settings: MeshSettings, passwords: MeshPasswords) -> None:
        if settings.url is None:
            raise ValueError("MESH is off: PATHFINDER_MESH_URL is not set")
        self._settings = settings
        self._passwords = passwords
        self._clients: dict[str, tuple[MeshClient, asyncio.Lock]] = {}

    async def waiting(self, mailbox: MeshMailbox) -> list[str]:
        return await self._call(mailbox, lambda client: list(client.list_messages()))

    async def collect(self, mailbox: MeshMailbox, message_id: str) -> MeshMessage:
        def collect(client: MeshClient) -> MeshMessage:
            message = client.retrieve_message(message_id)
            try:
                body = message.read()
            finally:
                message.close()  # type: ignore[no-untyped-call]
            return MeshMessage(
                message_id=message_id,
                sender=str(message.sender or "").upper(),
                workflow_id=message.mex_header("workflowid"),
                content_type=message.mex_header("content-type") or getattr(message, "content_type", None),
                local_id=message.mex_header("localid"),
                body=body,
            )

        return await self._call(mailbox, collect)

    async def acknowledge(self, mailbox: MeshMailbox, message_id: str) -> None:
        await self._call(mailbox, lambda client: client.acknowledge_message(message_id))

    async def send(self, mailbox: MeshMailbox, letter: MeshLetter) -> str:
        def send(client: MeshClient) -> str:
            return str(
                client.send_message(
                    letter.recipient,
                    letter.body,
                    max_chunk_size=self._settings.max_chunk_bytes,
                    workflow_id=letter.workflow_id,
                    local_id=letter.local_id,
                    subject=letter.subject,
                    content_type=letter.content_type,
                )
            )

        return await self._call(mailbox, send)

    async def tracking(self, mailbox: MeshMailbox, message_id: str) -> MeshTracking:
        found = await self._call(mailbox, lambda client: dict(client.track_message(message_id)))
        return MeshTracking(status=str(found.get("status") or "unknown"), acknowledged_at=_instant(found))

    async def close(self) -> None:
        for client, _ in self._clients.values():
            client.close()  # type: ignore[no-untyped-call]
        self._clients.clear()

    async def _call(self, mailbox: MeshMailbox, call: Callable[[MeshClient], T]) -> T:
        client, lock = self._client(mailbox)
        async with lock:
            try:
                result = await asyncio.to_thread(call, client)
            except requests.HTTPError as error:
                raise _failure(error.response, error) from error
            except (requests.ConnectionError, requests.Timeout) as error:
                raise MeshUnavailable(f"MESH did not answer: {type(error).__name__}") from error
            except (requests.exceptions.RetryError, urllib3.exceptions.ResponseError) as error:
                # mesh-client gives up at once on a new message's first request, else after its retries.
                raise MeshUnavailable(f"MESH stayed busy or failing: {error}") from error
            except MeshError as error:
                raise MeshRefused(f"MESH refused the message: {error.args[0] if error.args else error}") from error
        return result

    def _client(self, mailbox: MeshMailbox) -> tuple[MeshClient, asyncio.Lock]:
        found = self._clients.get(mailbox.mailbox_id)
        if found is None:
            settings = self._settings
            assert settings.url is not None
            cert = (
                (str(settings.client_cert_file), str(settings.client_key_file))
                if settings.client_cert_file and settings.client_key_file
                else None
            )
            client = MeshClient(
                settings.url,
                mailbox.mailbox_id,
                self._passwords.open(mailbox),
                shared_key=settings.shared_key.get_secret_value().encode() if settings.shared_key else None,
                cert=cert,
                verify=str(settings.ca_file) if settings.ca_file else None,
                max_chunk_size=settings.max_chunk_bytes,
                max_retries=_ReleasingRetry(
                    total=settings.retries,
                    backoff_factor=settings.retry_backoff_seconds,
                    status_forcelist=_RETRIED,
                    allowed_methods=("HEAD", "GET", "PUT", "POST", "DELETE"),
                ),
                timeout=settings.timeout_seconds,
                application_name=_APPLICATION,
            )
            found = self._clients[mailbox.mailbox_id] = (client, asyncio.Lock())
        return found


class _ReleasingRetry(MeshRetry):
    """mesh-client's retry, which refuses to repeat a new message's first POST by raising; first it puts that
    answer's connection back in the pool, which mesh-client leaves open (5.0.2)."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Self:
        if response is not None and method == "POST" and url is not None and url.endswith("/outbox"):
            response.drain_conn()
            response.release_conn()
        return cast(Self, super().increment(method, url, response, error, _pool, _stacktrace))


def _failure(response: requests.Response | None, error: Exception) -> Exception:
    status = response.status_code if response is not None else None
    if status is None or status in _TRANSIENT:
        return MeshUnavailable(f"MESH answered {status}: try again later")
    return MeshRefused(f"MESH answered {status}: {error}")


def _instant(tracking: dict[str, Any]) -> datetime | None:
    if str(tracking.get("status") or "").lower() != "acknowledged" or not tracking.get("status_timestamp"):
        return None
    try:
        return datetime.fromisoformat(str(tracking["status_timestamp"]).replace("Z", "+00:00"))
    except ValueError:
        return None
