"""Sending an LA's events to its MESH mailbox: one MESH message per delivery, from the platform's sending mailbox.

The message is of workflow ``PATHFINDER_LA_EVENT``, its subject the event type and its local id the event id, on
every attempt and redelivery (LAs deduplicate on it, as on a webhook's ``webhook-id``). It carries the thin
event in CloudEvents JSON, or a FHIR Subscriptions Backport notification Bundle, as the subscription chose.
MESH busy or failing is a failed attempt with a 503, so the dispatcher's backoff, budget and parking apply as
to an endpoint answering 503; a refusal is a failed attempt with MESH's reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.notifications.adapters.la_endpoints import FHIR_JSON, cloudevent_body
from pathfinder.notifications.domain.la_delivery import STRUCTURED_CONTENT_TYPE, LaDelivery, SendOutcome
from pathfinder.notifications.domain.la_subscription import LaSubscription, MeshContent
from pathfinder.notifications.domain.mesh_mailbox import LA_EVENT_WORKFLOW, MeshMailbox
from pathfinder.notifications.service_layer.mesh_subscriptions import sending_mailbox
from pathfinder.notifications.service_layer.ports import MeshLetter, MeshPost, MeshRefused, MeshUnavailable
from pathfinder.notifications.service_layer.rest_hook_bundles import rest_hook_bundle
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from pathfinder.notifications.settings import LaDeliverySettings, MeshSettings

log = logging.getLogger(__name__)
MESH_BUSY = 503
"""The status a failed attempt records when MESH is busy (429), failing (5xx) or did not answer."""
MESH_ACCEPTED = 202
"""The status a delivery records when MESH accepted its message (MESH answers 202 to a send)."""


def mesh_send_seconds(settings: MeshSettings) -> float:
    """The longest one send is waited for: every try of a request, as many as MESH's retries allow. A send still
    going then may yet arrive; the attempt fails, and the one after it carries the same local id."""
    return settings.timeout_seconds * (settings.retries + 1)


class MeshLaEndpoints:
    """The LAs' MESH mailboxes as the dispatcher reaches them, from the platform mailbox the settings name (else
    the first registered), found through ``unit_of_work`` for each send."""

    def __init__(
        self,
        post: MeshPost,
        settings: MeshSettings,
        delivery: LaDeliverySettings,
        unit_of_work: Callable[[], NotificationsUnitOfWork],
    ) -> None:
        self._post = post
        self._sending_mailbox: Callable[[], Awaitable[MeshMailbox | None]] = lambda: sending_mailbox(
            settings.sending_mailbox, uow=unit_of_work()
        )
        self._notifications_url = delivery.notifications_public_url
        self._timeout_seconds = mesh_send_seconds(settings)

    @classmethod
    def when_on(
        cls,
        post: MeshPost | None,
        settings: MeshSettings,
        delivery: LaDeliverySettings,
        unit_of_work: Callable[[], NotificationsUnitOfWork],
    ) -> MeshLaEndpoints | None:
        """None while MESH is off (no ``post``)."""
        return cls(post, settings, delivery, unit_of_work) if post is not None else None

    async def send(self, subscription: LaSubscription, delivery: LaDelivery) -> SendOutcome:
        assert subscription.endpoint is not None, "a mesh subscription names the LA's mailbox"
        mailbox = await self._sending_mailbox()
        if mailbox is None:
            log.error("LA delivery by MESH not sent: no platform MESH mailbox is registered to send from")
            return SendOutcome(None, "not sent: no platform MESH mailbox to send from")
        content_type, body = self._content(subscription, delivery)
        letter = MeshLetter(
            recipient=subscription.endpoint,
            body=body,
            workflow_id=LA_EVENT_WORKFLOW,
            content_type=content_type,
            local_id=str(delivery.event.event_id),
            subject=delivery.event.event_type,
        )
        try:
            message_id = await asyncio.wait_for(self._post.send(mailbox, letter), timeout=self._timeout_seconds)
        except TimeoutError:
            return SendOutcome(MESH_BUSY, "MESH did not answer in time")
        except MeshUnavailable as error:
            return SendOutcome(MESH_BUSY, f"MESH unavailable: {error}")
        except MeshRefused as error:
            return SendOutcome(None, f"MESH refused: {error}")
        return SendOutcome(MESH_ACCEPTED, None, reference=message_id, sender=mailbox.mailbox_id)

    async def send_heartbeat(self, subscription: LaSubscription) -> SendOutcome:
        return SendOutcome(None, "a mesh subscription has no heartbeat")

    def _content(self, subscription: LaSubscription, delivery: LaDelivery) -> tuple[str, bytes]:
        if subscription.mesh_content is MeshContent.FHIR_BUNDLE:
            now = datetime.now(UTC)
            notification = NotificationType.EVENT_NOTIFICATION
            return FHIR_JSON, rest_hook_bundle(subscription, notification, [delivery], self._notifications_url, now)
        return STRUCTURED_CONTENT_TYPE, cloudevent_body(delivery)
