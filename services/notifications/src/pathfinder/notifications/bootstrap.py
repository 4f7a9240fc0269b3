"""The composition root: builds every adapter once and wires them to the use cases, for the API, the worker
and the tests. Nothing else constructs an adapter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.contracts.wire import REPLAY_LA_DELIVERY_TOPIC
from pathfinder.messaging.broker import TopicAdmin, topic_specs
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.notifications.adapters.channel_endpoints import ChannelEndpoints
from pathfinder.notifications.adapters.destination import RegistrationDestinations
from pathfinder.notifications.adapters.identity_client import identity_client
from pathfinder.notifications.adapters.la_endpoints import HttpLaEndpoints
from pathfinder.notifications.adapters.mesh_la_endpoints import MeshLaEndpoints, mesh_send_seconds
from pathfinder.notifications.adapters.mesh_passwords import MeshPasswords
from pathfinder.notifications.adapters.mesh_post import MeshPostOffice
from pathfinder.notifications.adapters.pending_child_sealing import PendingChildSealing
from pathfinder.notifications.adapters.postcode_directory import PostcodeDirectory
from pathfinder.notifications.adapters.subscription_repository import warn_of_secrets_sealed_elsewhere
from pathfinder.notifications.adapters.subscription_secrets import SubscriptionSecrets, service_sealer
from pathfinder.notifications.adapters.tables import AWAITING_IDENTITY_CHANNEL, LA_DELIVERY_DUE_CHANNEL
from pathfinder.notifications.adapters.unit_of_work import SqlNotificationsUnitOfWork
from pathfinder.notifications.domain.la_delivery import RetryPolicy
from pathfinder.notifications.entrypoints import (
    acknowledgement_http,
    consumers,
    event_types_http,
    fhir_bulk_submission_http,
    fhir_status_http,
    fhir_submission_http,
    held_notifications_http,
    http_dependencies,
    mesh_inbox,
    replay_delivery,
    subscriptions_fhir_http,
    subscriptions_http,
    timers,
)
from pathfinder.notifications.entrypoints.fhir_guards import (
    FhirLimits,
    FhirRateLimits,
    fhir_error_responses,
    install_fhir_errors,
)
from pathfinder.notifications.service_layer.la_subscriptions import SubscriptionRules
from pathfinder.notifications.service_layer.ports import IdentityClient, LaEndpoints, MeshPost
from pathfinder.notifications.settings import SERVICE, LaDeliverySettings, MeshSettings, NotificationsSettings
from pathfinder.runtime.service import ServiceRuntime
from pathfinder.web.access import bearer_token_documented, install_access_control
from pathfinder.web.problems import problem_responses
from pathfinder.web.rate_limits import ClientRateLimits, Rate, RateLimit

# A claimed delivery's lease outlives its request, so no other dispatcher sends it meanwhile.
_LEASE_MARGIN = timedelta(seconds=30)


@dataclass
class NotificationsService(ServiceRuntime[NotificationsSettings]):
    service = SERVICE
    title = "Pathfinder notifications"
    description = (
        "NHS bodies notify LAs of young children who may have SEN or a disability (CFA 2014 s23); LAs subscribe "
        "to the events about their own children on Kafka, a signed webhook or a FHIR rest-hook.\n\n"
        "Every call needs an access token from identity (`POST /oauth2/token`). The events an LA may receive are "
        "listed at [`GET /event-types`](#/event%20types/event_types_event_types_get), each with the JSON Schema of "
        "its data at `GET /event-types/{event_type}/schema` (the same documents as `libs/contracts/schemas/` in "
        "the repository, explained field by field in `libs/contracts/CATALOGUE.md`)."
    )

    auth: AuthSettings = field(default_factory=AuthSettings)
    delivery: LaDeliverySettings = field(default_factory=LaDeliverySettings)
    identity: IdentityClient | None = None
    """Identity's person index; from the settings unless given (tests give an in-memory one)."""
    endpoints: LaEndpoints | None = None
    """The LAs' endpoints: webhook and rest-hook over HTTPS, MESH mailboxes by MESH (when on), unless given."""
    mesh: MeshSettings = field(default_factory=MeshSettings)
    mesh_post: MeshPost | None = None
    """The platform's MESH mailboxes, when ``PATHFINDER_MESH_URL`` is set."""
    keeps_token_buckets = True

    def __post_init__(self) -> None:
        super().__post_init__()
        self._http = httpx.AsyncClient(timeout=self.settings.identity_timeout_seconds)
        if self.identity is None:
            self.identity = identity_client(
                url=self.settings.identity_url,
                client_id=self.settings.identity_client_id,
                key_pem=self.settings.identity_key(),
                http=self._http,
            )
        if self.mesh_post is None and self.mesh.enabled:
            self.mesh_post = MeshPostOffice(self.mesh, self.mesh_passwords)
        if self.endpoints is None:
            mesh = MeshLaEndpoints.when_on(self.mesh_post, self.mesh, self.delivery, self.unit_of_work)
            self.endpoints = ChannelEndpoints(HttpLaEndpoints(self.delivery, self.secrets), mesh)

    @cached_property
    def secrets(self) -> SubscriptionSecrets:
        """One sealer for the service: its API seals what its dispatcher opens."""
        return SubscriptionSecrets.from_key(self.delivery.secrets_key)

    @cached_property
    def pending_children(self) -> PendingChildSealing:
        """The same key seals the details of children waiting for identity."""
        return PendingChildSealing.from_key(self.delivery.secrets_key)

    @cached_property
    def mesh_passwords(self) -> MeshPasswords:
        """... and the passwords of the platform's own MESH mailboxes."""
        return MeshPasswords(service_sealer(self.delivery.secrets_key))

    def unit_of_work(self) -> SqlNotificationsUnitOfWork:
        return SqlNotificationsUnitOfWork(
            self.sessions,
            source=self.source,
            secrets=self.secrets,
            children=self.pending_children,
            mesh_passwords=self.mesh_passwords,
        )

    def identity_client(self) -> IdentityClient:
        assert self.identity is not None
        return self.identity

    def la_endpoints(self) -> LaEndpoints:
        assert self.endpoints is not None
        return self.endpoints

    # The API.

    def client_rate_limits(self) -> ClientRateLimits:
        """Each client's requests: its FHIR submissions in one bucket, everything else it does in another."""
        settings = self.settings
        rate = Rate(settings.inbound_rate_per_second, settings.inbound_rate_burst)
        submissions = RateLimit("submissions", rate, self.token_buckets)
        others = Rate(settings.client_rate_per_second, settings.client_rate_burst)
        return ClientRateLimits(
            RateLimit("client", others, self.token_buckets),
            routes={"POST /fhir/$process-message": submissions, "POST /fhir/$process-message/bulk": submissions},
        )

    def routers(self) -> Sequence[APIRouter]:
        limits = self.client_rate_limits()
        # The FHIR routes check the token themselves (to answer with an OperationOutcome): declared here.
        fhir = APIRouter(
            dependencies=[bearer_token_documented, Depends(FhirRateLimits(limits))],
            responses=fhir_error_responses(429),
        )
        for router in (fhir_submission_http.router, fhir_bulk_submission_http.router, fhir_status_http.router):
            fhir.include_router(router)
        fhir.include_router(subscriptions_fhir_http.router)
        la_routes = APIRouter(dependencies=[Depends(limits)], responses=problem_responses(429))
        for router in (acknowledgement_http.router, held_notifications_http.router, subscriptions_http.router):
            la_routes.include_router(router)
        # The event types are public documents, read without a token.
        return (fhir, la_routes, event_types_http.router)

    def body_allowances(self) -> Mapping[str, int | None]:
        # The FHIR submissions read their bodies through fhir_guards.read_body after the token, with their own
        # limits (inbound_max_*body_bytes), and answer an OperationOutcome when a body is over.
        return {"/fhir/$process-message": None, "/fhir/$process-message/bulk": None}

    def configure_app(self, app: FastAPI) -> None:
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth, audience=audience_of(self.service)))
        install_fhir_errors(app)
        http_dependencies.provided.install(app, self.http_dependencies())

    def http_dependencies(self) -> http_dependencies.NotificationsHttp:
        settings = self.settings
        return http_dependencies.NotificationsHttp(
            unit_of_work=self.unit_of_work,
            postcodes=PostcodeDirectory(self.engine),
            limits=FhirLimits(
                max_body_bytes=settings.inbound_max_body_bytes,
                max_bulk_body_bytes=settings.inbound_max_bulk_body_bytes,
                max_json_depth=settings.inbound_max_json_depth,
                max_bulk_entries=settings.inbound_max_bulk_entries,
            ),
            acknowledgement_due_after=settings.acknowledgement_due_after,
            public_urls=self.delivery.public_urls,
            subscription_rules=SubscriptionRules(
                allow_loopback_http=self.delivery.allow_loopback_http,
                max_per_la=self.delivery.max_subscriptions_per_la,
                destinations=RegistrationDestinations(allow_loopback=self.delivery.allow_loopback_http),
            ),
        )

    def closers(self) -> Sequence[Callable[[], Awaitable[None]]]:
        return (self._http.aclose, *((self.mesh_post.close,) if self.mesh_post is not None else ()))

    # The worker.

    def consumers(self) -> list[EventConsumer[Any]]:
        return [
            self.consumer_of(consumers.la_delivery(self.delivery.public_urls), self.unit_of_work),
            self.consumer_of(consumers.identity_reviews(), self.unit_of_work),
            # Events replayed from the archive to one LA subscription (ADR 0011).
            self.consumer_of(replay_delivery.replay_delivery(self.delivery.public_urls), self.unit_of_work),
        ]

    def other_workers(self) -> Sequence[Worker]:
        settings, delivery = self.settings, self.delivery
        return (
            timers.la_topic_keeper(
                self.unit_of_work,
                TopicAdmin(self.kafka, client_id="notifications-la-topics"),
                topic_specs=lambda topics: topic_specs(self.kafka, topics),
                interval_seconds=delivery.topic_check_interval_seconds,
                # The topic the event-history service replays into; no relay of this service makes it.
                also=(REPLAY_LA_DELIVERY_TOPIC,),
            ),
            self.dispatcher(),
            timers.child_identification(
                self.unit_of_work,
                self.identity_client(),
                PostcodeDirectory(self.engine),
                interval_seconds=settings.identity_retry_interval_seconds,
                notices=self.notices(AWAITING_IDENTITY_CHANNEL),
            ),
            timers.acknowledgement_deadlines(
                self.unit_of_work,
                due_after=settings.acknowledgement_due_after,
                interval_seconds=settings.acknowledgement_check_interval_seconds,
            ),
            *self.mesh_workers(),
        )

    def mesh_workers(self) -> Sequence[Worker]:
        if self.mesh_post is None:
            return ()
        inbox = mesh_inbox.MeshInbox(self.http_dependencies(), self.mesh_post, self.delivery.public_urls)
        collector = mesh_inbox.collector(inbox, interval_seconds=self.mesh.collect_interval_seconds)
        ack, every = self.settings.acknowledgement_due_after, self.mesh.track_interval_seconds
        return collector, timers.mesh_tracking(self.unit_of_work, self.mesh_post, due_after=ack, interval_seconds=every)

    def dispatcher(self) -> Worker:
        return timers.dispatcher(
            self.unit_of_work,
            self.la_endpoints(),
            policy=self.retry_policy,
            lease=self.delivery_lease,
            lanes=self.delivery.dispatchers,
            per_la=self.delivery.in_flight_per_la,
            poll_interval_seconds=self.delivery.poll_interval_seconds,
            before_start=self.check_secrets_key,
            notices=self.notices(LA_DELIVERY_DUE_CHANNEL),
        )

    @property
    def delivery_lease(self) -> timedelta:
        mesh = mesh_send_seconds(self.mesh) if self.mesh_post is not None else 0.0
        return timedelta(seconds=max(self.delivery.request_timeout_seconds, mesh)) + _LEASE_MARGIN

    @property
    def retry_policy(self) -> RetryPolicy:
        delivery = self.delivery
        return RetryPolicy(delivery.retry_initial_seconds, delivery.retry_max_seconds, delivery.retry_budget)

    async def check_secrets_key(self) -> int:
        async with self.sessions() as session:
            return await warn_of_secrets_sealed_elsewhere(session, self.secrets)


def bootstrap(
    settings: NotificationsSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    *,
    auth: AuthSettings | None = None,
    consumer: ConsumerSettings | None = None,
    delivery: LaDeliverySettings | None = None,
    identity: IdentityClient | None = None,
    endpoints: LaEndpoints | None = None,
    mesh: MeshSettings | None = None,
    mesh_post: MeshPost | None = None,
) -> NotificationsService:
    return NotificationsService(
        settings=settings or NotificationsSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        consumer=consumer or ConsumerSettings(),
        auth=auth or AuthSettings(),
        delivery=delivery or LaDeliverySettings(),
        identity=identity,
        endpoints=endpoints,
        mesh=mesh or MeshSettings(),
        mesh_post=mesh_post,
    )
