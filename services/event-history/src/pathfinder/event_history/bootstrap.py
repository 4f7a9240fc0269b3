"""The composition root: builds every adapter once and wires them to the use cases, for the API, the worker, the
command line and the tests."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing.process import BaseProcess

from fastapi import APIRouter, FastAPI
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.contracts.catalogue import all_event_classes
from pathfinder.event_history.adapters.archive_feed import ARCHIVE_GROUP, KafkaArchiveFeed
from pathfinder.event_history.adapters.consumer_groups import KafkaConsumerGroups
from pathfinder.event_history.adapters.outbox_reader import SqlOutboxes
from pathfinder.event_history.adapters.replay_sender import KafkaReplaySender
from pathfinder.event_history.adapters.topic_scanner import KafkaTopicScanner
from pathfinder.event_history.adapters.unit_of_work import SqlEventHistoryUnitOfWork
from pathfinder.event_history.domain.topics import ArchiveTopics
from pathfinder.event_history.entrypoints import (
    audit_http,
    dead_letters_http,
    events_http,
    http_dependencies,
    lag_http,
    replay_lanes,
    replays_http,
    workers,
)
from pathfinder.event_history.service_layer.lag import platform_groups
from pathfinder.event_history.settings import SERVICE, EventHistorySettings
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker, run_worker_process
from pathfinder.runtime.service import ServiceRuntime
from pathfinder.web.access import install_access_control


@dataclass
class EventHistoryService(ServiceRuntime[EventHistorySettings]):
    service = SERVICE
    title = "Pathfinder event history"
    description = (
        "The platform's event history for integration engineers: every event published on every platform topic, "
        "and every dead letter, archived and searchable; an LA's client reads its own LA's events only. Every call "
        "says why (`Pathfinder-Reason`) and is audited.\n\n"
        "What each event's data holds is catalogued: the JSON Schema of each event type is at notifications' "
        "`GET /event-types/{event_type}/schema` (the same documents as `libs/contracts/schemas/` in the "
        "repository, explained field by field in `libs/contracts/CATALOGUE.md`)."
    )

    auth: AuthSettings = field(default_factory=AuthSettings)

    @cached_property
    def archived_topics(self) -> ArchiveTopics:
        return ArchiveTopics.of(cls.topic for cls in all_event_classes())

    def replay_sender(self, *, client_id: str = "event-history-replays") -> KafkaReplaySender:
        """A producer of replays and redrives (started on first use, on the event loop that uses it)."""
        return KafkaReplaySender(self.kafka, client_id=client_id)

    @cached_property
    def api_sender(self) -> KafkaReplaySender:
        """The API's (redrives), closed when the API stops."""
        return self.replay_sender(client_id="event-history-api")

    def consumer_groups(self) -> KafkaConsumerGroups:
        return KafkaConsumerGroups(self.kafka)

    def known_groups(self) -> dict[str, list[str]]:
        """The consumer groups whose lag is shown: those of the services installed beside this one (the
        service's own image may have none), and the archive's own."""
        return platform_groups({ARCHIVE_GROUP: sorted(self.archived_topics.platform)})

    def unit_of_work(self) -> SqlEventHistoryUnitOfWork:
        return SqlEventHistoryUnitOfWork(self.sessions, source=self.source)

    def routers(self) -> Sequence[APIRouter]:
        return (events_http.router, replays_http.router, dead_letters_http.router, lag_http.router, audit_http.router)

    def configure_app(self, app: FastAPI) -> None:
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth, audience=audience_of(self.service)))
        provided = http_dependencies.EventHistoryHttp(
            unit_of_work=self.unit_of_work, sender=self.api_sender, groups=self.consumer_groups(),
            known_groups=self.known_groups(), replay_shards=self.settings.replay_shards,
        )  # fmt: skip
        http_dependencies.provided.install(app, provided)

    def closers(self) -> Sequence[Callable[[], Awaitable[None]]]:
        return (self.api_sender.close,)

    def archive_feed(self, *, group: str = ARCHIVE_GROUP) -> KafkaArchiveFeed:
        return KafkaArchiveFeed(self.kafka, self.consumer, self.archived_topics, group=group)

    def topic_scanner(self) -> KafkaTopicScanner:
        return KafkaTopicScanner(self.kafka)

    def outboxes(self) -> SqlOutboxes:
        return SqlOutboxes(self.settings.gap_check_outbox_urls)

    def other_workers(self) -> Sequence[Worker]:
        settings = self.settings
        return (
            workers.archive_ingest(self.archive_feed(), self.unit_of_work),
            workers.retention_prune(
                settings.retention, self.unit_of_work, chunk=settings.prune_chunk,
                interval_seconds=settings.prune_interval_seconds,
            ),
            self.replay_lanes() if settings.replay_processes else self.replay_worker(),
        )  # fmt: skip

    def replay_worker(self, *, batch_size: int | None = None) -> Worker:
        sender = self.replay_sender()
        return workers.replay_sending(
            sender, self.unit_of_work, batch_size=batch_size or self.settings.replay_batch_size,
            idle_seconds=self.settings.replay_idle_seconds, close=sender.close,
        )  # fmt: skip

    def replay_lanes(self, count: int | None = None) -> Worker:
        """``count`` (``replay_processes``) processes that send replays, each bootstrapped from this service's
        settings and running :meth:`replay_worker`, started and watched by the worker that runs this one."""
        spawning = multiprocessing.get_context("spawn")  # a fresh interpreter: no event loop or pool carried over
        given = (self.settings, self.kafka, self.outbox, self.consumer, self.auth, os.getpid())

        def start() -> BaseProcess:
            lane = spawning.Process(target=run_replay_lane, args=given, name="event-history-replays", daemon=True)
            lane.start()
            return lane

        return replay_lanes.replay_processes(start, count or self.settings.replay_processes)

    def workers(self) -> list[Worker]:
        # No outbox relay: the event history publishes no events of its own (ADR 0011).
        return list(self.other_workers())


def bootstrap(
    settings: EventHistorySettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    consumer: ConsumerSettings | None = None,
    auth: AuthSettings | None = None,
) -> EventHistoryService:
    return EventHistoryService(
        settings=settings or EventHistorySettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        consumer=consumer or ConsumerSettings(),
        auth=auth or AuthSettings(),
    )


def run_replay_lane(
    settings: EventHistorySettings, kafka: KafkaSettings, outbox: OutboxSettings, consumer: ConsumerSettings,
    auth: AuthSettings, parent: int,
) -> None:  # fmt: skip
    """The body of a replay lane's process: the replay worker's loop alone, until it is asked to stop or the worker
    that started it (``parent``) is gone."""
    service = bootstrap(settings, kafka, outbox, consumer, auth)
    run_worker_process(SERVICE, lambda: [service.replay_worker(), replay_lanes.parent_watch(parent)])
