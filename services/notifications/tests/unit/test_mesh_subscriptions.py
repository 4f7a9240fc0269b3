"""An LA's MESH subscription: its terms (the LA's mailbox id, what each message carries, nothing of the HTTP
channels) and the rule that it names only a mailbox the platform registered to that LA, however it is made."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from notifications_kit.fakes import FakeStore, subscription_rules
from notifications_kit.mesh_fakes import REGISTERED_AT, platform_mailbox, trust_mailbox
from pathfinder.notifications.domain.la_subscription import (
    Channel,
    InvalidSubscription,
    LaSubscription,
    MeshContent,
    SubscriptionTerms,
)
from pathfinder.notifications.domain.mesh_mailbox import MailboxRole, MeshMailbox
from pathfinder.notifications.service_layer.la_subscriptions import (
    MailboxNotOnboarded,
    change_subscription,
    subscribe,
)
from pathfinder.notifications.service_layer.mesh_subscriptions import (
    MailboxAlreadySubscribed,
    sending_mailbox,
    subscribe_la_mailbox,
)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
LA_MAILBOX = "X26LA84101"


def la_mailbox(mailbox_id: str = LA_MAILBOX, la_code: str = "841") -> MeshMailbox:
    return MeshMailbox(mailbox_id, MailboxRole.LOCAL_AUTHORITY, la_code, REGISTERED_AT)


def store_with(*mailboxes: MeshMailbox) -> FakeStore:
    return FakeStore(mailboxes={mailbox.mailbox_id: mailbox for mailbox in mailboxes})


def mesh(endpoint: str = LA_MAILBOX, **terms: object) -> SubscriptionTerms:
    return SubscriptionTerms(endpoint=endpoint, **terms)  # type: ignore[arg-type]


def test_a_mesh_subscription_names_the_las_mailbox_as_mesh_spells_it_and_sends_cloudevents_by_default() -> None:
    made = LaSubscription.subscribe(uuid4(), "841", Channel.MESH, mesh(" x26la84101 "), NOW)
    assert (made.endpoint, made.mesh_content, made.allowed_hosts) == (LA_MAILBOX, MeshContent.CLOUDEVENTS, frozenset())
    assert not made.numbers_events, "thin events carry no event numbers"
    bundles = LaSubscription.subscribe(uuid4(), "841", Channel.MESH, mesh(mesh_content=MeshContent.FHIR_BUNDLE), NOW)
    assert bundles.numbers_events, "Backport bundles are numbered as a rest-hook's are"
    assert not bundles.heartbeat_due(NOW.replace(year=2027)), "MESH has no heartbeat"


@pytest.mark.parametrize(
    ("terms", "rule"),
    [
        (SubscriptionTerms(), "needs the LA's MESH mailbox id"),
        (mesh("https://la841.example/hook"), "MESH mailbox id"),
        (mesh("X2"), "MESH mailbox id"),
        (mesh(secrets=("whsec_" + "A" * 32,)), "no allowed hosts, secrets, headers or heartbeat"),
        (mesh(headers={"Authorization": "Bearer x"}), "no allowed hosts, secrets, headers or heartbeat"),
        (mesh(heartbeat_seconds=3600), "no allowed hosts, secrets, headers or heartbeat"),
        (mesh(allowed_hosts=frozenset({"la841.example"})), "no allowed hosts, secrets, headers or heartbeat"),
    ],
)
def test_a_mesh_subscription_has_a_mailbox_and_nothing_of_the_http_channels(
    terms: SubscriptionTerms, rule: str
) -> None:
    with pytest.raises(InvalidSubscription, match=rule):
        LaSubscription.subscribe(uuid4(), "841", Channel.MESH, terms, NOW)


def test_only_a_mesh_subscription_says_what_its_messages_carry() -> None:
    terms = SubscriptionTerms(endpoint="https://la841.example/hook", mesh_content=MeshContent.FHIR_BUNDLE)
    with pytest.raises(InvalidSubscription, match="only a mesh subscription"):
        LaSubscription.subscribe(uuid4(), "841", Channel.FHIR_REST_HOOK, terms, NOW)


@pytest.mark.parametrize(
    "registered",
    [(), (la_mailbox(la_code="805"),), (trust_mailbox(LA_MAILBOX),)],
    ids=["not registered", "another LA's", "a trust's"],
)
async def test_an_la_subscribes_by_mesh_only_to_a_mailbox_registered_as_its_own(
    registered: tuple[MeshMailbox, ...],
) -> None:
    store = store_with(*registered)
    with pytest.raises(MailboxNotOnboarded, match="have the platform onboard"):
        await subscribe("841", Channel.MESH, mesh(), uow=store.unit_of_work(), rules=subscription_rules())
    assert store.subscriptions == {}


async def test_an_la_subscribes_by_mesh_to_its_onboarded_mailbox_and_may_not_move_it_to_another() -> None:
    store = store_with(la_mailbox(), la_mailbox("X26LA80501", "805"))
    made = await subscribe("841", Channel.MESH, mesh(), uow=store.unit_of_work(), rules=subscription_rules())
    assert store.subscriptions[made.id].endpoint == LA_MAILBOX
    with pytest.raises(MailboxNotOnboarded):
        await change_subscription(
            made.id,
            SubscriptionTerms(endpoint="X26LA80501"),
            resume=False,
            uow=store.unit_of_work(),
            authorise=lambda _: None,
            rules=subscription_rules(),
        )
    assert store.subscriptions[made.id].endpoint == LA_MAILBOX
    changed = await change_subscription(
        made.id,
        SubscriptionTerms(mesh_content=MeshContent.FHIR_BUNDLE),
        resume=False,
        uow=store.unit_of_work(),
        authorise=lambda _: None,
        rules=subscription_rules(),
    )
    assert store.subscriptions[changed.id].mesh_content is MeshContent.FHIR_BUNDLE


async def test_onboarding_subscribes_the_las_mailbox_once() -> None:
    store = store_with(la_mailbox(), la_mailbox("X26LA80501", "805"))
    made = await subscribe_la_mailbox(
        "841", LA_MAILBOX.lower(), MeshContent.FHIR_BUNDLE, uow=store.unit_of_work(), now=lambda: NOW
    )
    stored = store.subscriptions[made.id]
    assert (stored.channel, stored.endpoint, stored.mesh_content) == (Channel.MESH, LA_MAILBOX, MeshContent.FHIR_BUNDLE)
    assert stored.every_event_type
    with pytest.raises(MailboxAlreadySubscribed, match=str(made.id)):
        await subscribe_la_mailbox("841", LA_MAILBOX, uow=store.unit_of_work())
    with pytest.raises(MailboxNotOnboarded):
        await subscribe_la_mailbox("841", "X26LA80501", uow=store.unit_of_work())
    assert len(store.subscriptions) == 1


async def test_events_go_from_the_platform_mailbox_the_settings_name_else_the_first_registered() -> None:
    first, second = platform_mailbox("X26PF0001"), platform_mailbox("X26PF0002")
    store = store_with(la_mailbox(), first, second)
    assert await sending_mailbox(None, uow=store.unit_of_work()) == first
    assert await sending_mailbox("x26pf0002", uow=store.unit_of_work()) == second
    assert await sending_mailbox(LA_MAILBOX, uow=store.unit_of_work()) is None, "an LA's mailbox is no sender"
    assert await sending_mailbox(None, uow=store_with(la_mailbox()).unit_of_work()) is None
