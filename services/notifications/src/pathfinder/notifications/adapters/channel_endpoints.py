"""The LA endpoints by channel: MESH subscriptions to the LAs' MESH mailboxes (while MESH is on), the others
over HTTPS."""

from __future__ import annotations

from pathfinder.notifications.domain.la_delivery import LaDelivery, SendOutcome
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription
from pathfinder.notifications.service_layer.ports import LaEndpoints

MESH_OFF = SendOutcome(None, "not sent: MESH is off here (PATHFINDER_MESH_URL is not set)")


class ChannelEndpoints:
    """``mesh`` None: MESH is off, and a MESH delivery fails (it is retried, then parked, as any other)."""

    def __init__(self, http: LaEndpoints, mesh: LaEndpoints | None) -> None:
        self._http = http
        self._mesh = mesh

    async def send(self, subscription: LaSubscription, delivery: LaDelivery) -> SendOutcome:
        if subscription.channel is not Channel.MESH:
            return await self._http.send(subscription, delivery)
        return MESH_OFF if self._mesh is None else await self._mesh.send(subscription, delivery)

    async def send_heartbeat(self, subscription: LaSubscription) -> SendOutcome:
        if subscription.channel is not Channel.MESH:
            return await self._http.send_heartbeat(subscription)
        return MESH_OFF if self._mesh is None else await self._mesh.send_heartbeat(subscription)
