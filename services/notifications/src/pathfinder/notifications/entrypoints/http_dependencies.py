"""What the HTTP routes depend on: one object, built by the composition root, reached by every route through
the one ``Dependencies`` annotation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.notifications.entrypoints.fhir_guards import FhirLimits
from pathfinder.notifications.service_layer.la_subscriptions import SubscriptionRules
from pathfinder.notifications.service_layer.ports import PostcodeLookup
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from pathfinder.web.dependencies import RouteDependencies


@dataclass(frozen=True)
class NotificationsHttp:
    unit_of_work: Callable[[], NotificationsUnitOfWork]
    postcodes: PostcodeLookup
    limits: FhirLimits
    acknowledgement_due_after: timedelta
    public_urls: PublicUrls
    subscription_rules: SubscriptionRules


provided = RouteDependencies(NotificationsHttp)
Dependencies = Annotated[NotificationsHttp, Depends(provided)]
