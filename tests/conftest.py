"""Cross-service fixtures: the notifications and ehcp services on a fresh embedded broker and their own
fresh databases, migrated exactly as the platform command migrates them."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.service import notify
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.ehcp.adapters.tables import early_years_notice
from pathfinder.ehcp.bootstrap import EhcpService
from pathfinder.ehcp.bootstrap import bootstrap as bootstrap_ehcp
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.schema import inbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.notifications.adapters.tables import early_years_notification
from pathfinder.notifications.bootstrap import NotificationsService
from pathfinder.notifications.bootstrap import bootstrap as bootstrap_notifications
from pathfinder.notifications.domain.early_years_notification import AWAITING_IDENTITY
from pathfinder.notifications.service_layer.child_identification import CLAIM_LEASE, ask_identity_again
from pathfinder.notifications.settings import NotificationsSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import func, select

# Settings that make recovery quick enough to exercise many times in one run; production keeps the defaults.
FAST_RECOVERY_ENV = {
    "PATHFINDER_KAFKA_PROFILE": "embedded",
    "PATHFINDER_KAFKA_TOPIC_PARTITIONS": "3",
    "PATHFINDER_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "PATHFINDER_OUTBOX_BROKER_CHECK_INTERVAL_SECONDS": "0.5",
    "PATHFINDER_OUTBOX_LEASE_SECONDS": "2",
    "PATHFINDER_CONSUMER_SESSION_TIMEOUT_MS": "6000",
    "PATHFINDER_CONSUMER_BACKOFF_INITIAL_SECONDS": "0.05",
    "PATHFINDER_TELEMETRY_EXPORTER": "none",
    # Small batches: many relay and consumer steps, so every fault point is reached during the load.
    "PATHFINDER_OUTBOX_BATCH_SIZE": "50",
    "PATHFINDER_CONSUMER_MAX_BATCH": "50",
}


@pytest.fixture(scope="session")
def tokens() -> TokenMint:
    """Real signed access tokens, trusted by every service the tests build (the JWKS given in settings)."""
    return token_mint()


@dataclass
class TwoServices:
    broker: EmbeddedBroker
    notifications: NotificationsService
    ehcp: EhcpService
    tokens: TokenMint
    identity: FakeIdentity
    """Identity as notifications asks it: by default a child of each notification's own."""

    def trust_headers(self, ods_code: str) -> dict[str, str]:
        """What an NHS trust's system sends: a token for its own organisation, allowed to submit and read."""
        trust = principal(OrganisationRole.NHS_TRUST, ods_code, Scope.NOTIFICATIONS_SUBMIT, Scope.NOTIFICATIONS_READ)
        return self.tokens.headers_for(trust)

    def la_headers(self, la_code: str) -> dict[str, str]:
        la = principal(OrganisationRole.LOCAL_AUTHORITY, la_code, Scope.NOTIFICATIONS_READ, Scope.CASES_READ)
        return self.tokens.headers_for(la)

    def worker_env(self, faults: str = "") -> dict[str, str]:
        env = {
            **os.environ,
            **FAST_RECOVERY_ENV,
            "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers,
            "PATHFINDER_NOTIFICATIONS_DATABASE_URL": self.notifications.settings.database_url,
            "PATHFINDER_EHCP_DATABASE_URL": self.ehcp.settings.database_url,
        }
        env["PATHFINDER_FAULTS"] = faults
        return env

    async def spawn_worker(self, package: str, faults: str = "") -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"pathfinder.{package}.worker",
            env=self.worker_env(faults),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def submit(self, count: int, *, concurrency: int = 8, la: str = "841") -> None:
        """Accept ``count`` FHIR notifications, each of its own child, through the submission use case."""
        remaining = iter(range(count))

        async def submitter() -> None:
            for _ in remaining:
                await notify(self.notifications, responsible_la=la)

        await asyncio.gather(*(submitter() for _ in range(concurrency)))
        await self.identify_the_rest()

    async def identify_the_rest(self, timeout: float = 60.0) -> None:
        """Every notification still waiting for identity named by this process's identity. A notifications
        worker a test spawns has its own identity client and sealing key: what it claimed and could not open, it
        left leased, so this asks as if the lease had run out."""

        def past_leases() -> datetime:
            return datetime.now(UTC) + CLAIM_LEASE + timedelta(seconds=1)

        deadline = asyncio.get_running_loop().time() + timeout
        while await self._awaiting_identity():
            assert asyncio.get_running_loop().time() < deadline, "notifications still wait for identity"
            await ask_identity_again(uow=self.notifications.unit_of_work(), identity=self.identity,
                                     postcodes=FakePostcodes(), now=past_leases)  # fmt: skip
            await asyncio.sleep(0.1)

    async def _awaiting_identity(self) -> int:
        waiting = [status.value for status in AWAITING_IDENTITY]
        async with self.notifications.engine.connect() as connection:
            query = (
                select(func.count())
                .select_from(early_years_notification)
                .where(early_years_notification.c.status.in_(waiting))
            )
            return int((await connection.execute(query)).scalar_one())

    async def notices_recorded(self) -> int:
        async with self.ehcp.engine.connect() as connection:
            result = await connection.execute(select(func.count()).select_from(early_years_notice))
            return int(result.scalar_one())

    async def inbox_rows(self) -> int:
        async with self.ehcp.engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(inbox))).scalar_one())

    async def wait_for_notices(self, expected: int, *, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while (recorded := await self.notices_recorded()) < expected:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {recorded} of {expected} notices recorded after {timeout} s")
            await asyncio.sleep(0.2)


@pytest.fixture
async def two_services(
    fresh_broker: EmbeddedBroker, fresh_database: Callable[[str], Awaitable[str]], tokens: TokenMint
) -> AsyncIterator[TwoServices]:
    notifications_url = await fresh_database("notifications")
    ehcp_url = await fresh_database("ehcp")
    await upgrade_to_head("pathfinder.notifications:migrations", notifications_url)
    await upgrade_to_head("pathfinder.ehcp:migrations", ehcp_url)
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    identity = FakeIdentity(answer="new-child")
    outbox = OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2)
    services = TwoServices(
        broker=fresh_broker,
        notifications=bootstrap_notifications(
            NotificationsSettings(database_url=notifications_url),
            kafka,
            outbox,
            auth=tokens.auth_settings(),
            identity=identity,
        ),
        ehcp=bootstrap_ehcp(
            EhcpSettings(database_url=ehcp_url),
            kafka,
            outbox,
            ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
            auth=tokens.auth_settings(),
        ),
        tokens=tokens,
        identity=identity,
    )
    try:
        yield services
    finally:
        await services.notifications.engine.dispose()
        await services.ehcp.engine.dispose()
