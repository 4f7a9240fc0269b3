"""The composition root: wires adapters to handlers for the API, the workers and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.auth.settings import AuthSettings
from pathfinder.web.access import install_access_control
from pathfinder.messaging.consumer import EventConsumer, Subscription
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.notifications.adapters.identity_http_client import identity_client
from pathfinder.notifications.adapters.postcode_lookup import PostcodeDirectory
from pathfinder.notifications.adapters.subscription_repository import SubscriptionSecrets
from pathfinder.notifications.delivery.dispatcher import DeliveryDispatcher
from pathfinder.notifications.delivery.la_delivery import la_delivery_subscription
from pathfinder.notifications.delivery.la_topics import LaTopics
from pathfinder.notifications.delivery.settings import LaDeliverySettings
from pathfinder.notifications.domain.identity_client import IdentityClient
from pathfinder.notifications.entrypoints import fhir_bulk_http, fhir_http, inbound_status_http
from pathfinder.notifications.entrypoints.http import router
from pathfinder.notifications.entrypoints.inbound_input import RateLimiter, install_fhir_errors
from pathfinder.notifications.entrypoints.inbound_worker import acknowledgement_deadline_worker, identity_retry_worker
from pathfinder.notifications.entrypoints.subscriptions_fhir_http import router as subscriptions_fhir_router
from pathfinder.notifications.entrypoints.subscriptions_http import router as subscriptions_router
from pathfinder.notifications.identity_reviews import IDENTITY_REVIEWS
from pathfinder.notifications.settings import SERVICE, NotificationsSettings
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from pathfinder.web.runtime import ServiceRuntime


@dataclass
class NotificationsService(ServiceRuntime):
    service = SERVICE
    title = "Pathfinder notifications"
    description = "NHS bodies notify LAs of young children who may have SEN or a disability (CFA 2014 s23)."

    auth: AuthSettings = field(default_factory=AuthSettings)
    identity: IdentityClient | None = None
    delivery: LaDeliverySettings = field(default_factory=LaDeliverySettings)
    _subscription_secrets: SubscriptionSecrets | None = field(default=None, init=False, repr=False)

    def unit_of_work(self) -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(self.sessions, source=self.source)

    def routers(self) -> list[APIRouter]:
        return [
            router,
            subscriptions_router,
            subscriptions_fhir_router,
            fhir_http.router,
            fhir_bulk_http.router,
            inbound_status_http.router,
        ]

    def configure_app(self, app: FastAPI) -> None:
        app.state.unit_of_work = self.unit_of_work
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth))
        app.state.la_delivery = self.delivery
        app.state.subscription_secrets = self.subscription_secrets()
        install_fhir_errors(app)
        app.state.inbound = self.inbound_components()

    def subscription_secrets(self) -> SubscriptionSecrets:
        """One sealer per service object: its API and dispatcher seal and open with the same key."""
        if self._subscription_secrets is None:
            self._subscription_secrets = SubscriptionSecrets.from_settings(self.delivery)
        return self._subscription_secrets

    def identity_client(self) -> IdentityClient:
        if self.identity is None:
            settings = self.settings
            assert isinstance(settings, NotificationsSettings)
            key = settings.identity_client_key_pem
            key_pem = key.get_secret_value().encode() if key else None
            if key_pem is None and settings.identity_client_key_file is not None:
                key_pem = settings.identity_client_key_file.read_bytes()
            self.identity = identity_client(
                url=settings.identity_url,
                client_id=settings.identity_client_id,
                key_pem=key_pem,
                http=httpx.AsyncClient(timeout=settings.identity_timeout_seconds),
            )
        return self.identity

    def inbound_components(self) -> fhir_http.InboundComponents:
        settings = self.settings
        assert isinstance(settings, NotificationsSettings)
        return fhir_http.InboundComponents(
            unit_of_work=self.unit_of_work,
            postcodes=PostcodeDirectory(self.engine),
            identity=self.identity_client(),
            limiter=RateLimiter(settings.inbound_rate_per_second, settings.inbound_rate_burst),
            max_body_bytes=settings.inbound_max_body_bytes,
            max_bulk_body_bytes=settings.inbound_max_bulk_body_bytes,
            max_json_depth=settings.inbound_max_json_depth,
            max_bulk_entries=settings.inbound_max_bulk_entries,
            acknowledgement_due_after=settings.acknowledgement_due_after,
        )

    def identity_retry(self) -> Worker:
        settings = self.settings
        assert isinstance(settings, NotificationsSettings)
        interval = settings.identity_retry_interval_seconds
        return identity_retry_worker(self.unit_of_work, self.identity_client(), interval_seconds=interval)

    def acknowledgement_deadlines(self) -> Worker:
        settings = self.settings
        assert isinstance(settings, NotificationsSettings)
        return acknowledgement_deadline_worker(
            self.unit_of_work,
            due_after=settings.acknowledgement_due_after,
            interval_seconds=settings.acknowledgement_check_interval_seconds,
        )

    def consumers(self) -> list[EventConsumer[Any]]:
        subscriptions: list[Subscription[NotificationsUnitOfWork]] = [
            la_delivery_subscription(self.delivery.api_base_url),
            IDENTITY_REVIEWS,
        ]
        return [
            EventConsumer(
                service=SERVICE,
                subscription=subscription,
                uow_factory=self.unit_of_work,
                engine=self.engine,
                kafka=self.kafka,
                settings=self.consumer,
            )
            for subscription in subscriptions
        ]

    def dispatcher(self) -> DeliveryDispatcher:
        return DeliveryDispatcher(
            uow_factory=self.unit_of_work, settings=self.delivery, secrets=self.subscription_secrets()
        )

    def la_topics(self) -> LaTopics:
        return LaTopics(
            uow_factory=self.unit_of_work, kafka=self.kafka, interval_seconds=self.delivery.topic_check_interval_seconds
        )

    def workers(self) -> list[Worker]:
        return [
            *super().workers(),
            self.la_topics().run,
            self.dispatcher().run,
            self.identity_retry(),
            self.acknowledgement_deadlines(),
        ]


def bootstrap(
    settings: NotificationsSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    auth: AuthSettings | None = None,
    consumer: ConsumerSettings | None = None,
    delivery: LaDeliverySettings | None = None,
) -> NotificationsService:
    return NotificationsService(
        settings=settings or NotificationsSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        auth=auth or AuthSettings(),
        consumer=consumer or ConsumerSettings(),
        delivery=delivery or LaDeliverySettings(),
    )
