"""The LA subscription API: subscriptions, their delivery logs and redelivery. Every route keeps an LA to its own
subscriptions; the platform's operators may act for the LA they name."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pathfinder.auth import AccessDenied, Principal, Scope, ensure_la_may_see, withheld_as_missing
from pathfinder.contracts import LaCode
from pathfinder.notifications.domain.la_subscription import InvalidSubscription
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies
from pathfinder.notifications.entrypoints.subscription_views import (
    DeliveryView,
    Instant,
    Redelivered,
    RedeliveryRequest,
    SubscriptionChange,
    SubscriptionRequest,
    SubscriptionView,
    delivery_view,
    subscription_view,
    terms,
)
from pathfinder.notifications.service_layer import la_subscriptions
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem, problem_responses

router = APIRouter(tags=["LA subscriptions"])
PERSON_DATA = "person-data"
NOT_FOUND = Problem(404, "Not Found", "No subscription has that id.")
ONE_SUBSCRIPTION = problem_responses(401, 403, 404, 422)
T = TypeVar("T")

Manage = Annotated[Principal, Depends(require_scopes(Scope.SUBSCRIPTIONS_MANAGE))]
Read = Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_READ))]


def _authorise(principal: Principal) -> la_subscriptions.Authorise:
    return lambda la_code: ensure_la_may_see(principal, la_code)


def _invalid(error: InvalidSubscription) -> Problem:
    if isinstance(error, la_subscriptions.MailboxNotOnboarded):
        return Problem(422, "MESH mailbox not onboarded", str(error), mailbox=error.mailbox)
    return Problem(422, "Invalid subscription", str(error))


async def _one(call: Awaitable[T]) -> T:
    """One subscription by its id: another LA's is answered as one that does not exist."""
    try:
        with withheld_as_missing(NOT_FOUND):
            return await call
    except la_subscriptions.SubscriptionNotFound:
        raise NOT_FOUND from None
    except InvalidSubscription as error:
        raise _invalid(error) from None


def _kafka_taken(error: la_subscriptions.SubscriptionConflict) -> Problem:
    where = f"/subscriptions/{error.existing}" if error.existing else "/subscriptions"
    detail = (
        f"LA {error.la_code} already has its Kafka subscription ({where}): an LA's topic carries what its one Kafka "
        f"subscription says. Read it with GET {where}, change its event types with PATCH {where}, or DELETE it first."
    )
    if error.existing is None:
        return Problem(409, "Conflict", detail)
    return Problem(409, "Conflict", detail, existing=where)


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionView,
    summary="Subscribe an LA",
    responses=problem_responses(401, 403, 409, 422),
)
async def create(
    asked: SubscriptionRequest, dependencies: Dependencies, principal: Manage, response: Response
) -> SubscriptionView:
    """The calling LA subscribes on one channel: ``kafka`` (its own topic ``pathfinder.la.<code>.events``; one per
    LA), ``webhook`` (Standard Webhooks-signed HTTPS POSTs to ``endpoint``, with ``secrets``), ``fhir-rest-hook``
    (FHIR Subscriptions Backport notification bundles) or ``mesh`` (one MESH message per event, workflow
    ``PATHFINDER_LA_EVENT``, to ``endpoint``: the LA's MESH mailbox, which the platform must have onboarded as
    the LA's; ``mesh_content`` says what each carries). Without ``event_types`` it receives
    every event type an LA may receive, and new ones as they are catalogued (``GET /event-types``). Only events
    about its own children are ever delivered. 409 when it has its Kafka subscription already (the answer says
    where), or holds the most subscriptions an LA may; 422 names the rule an endpoint breaks, such as a private,
    loopback or cloud metadata address, or a MESH mailbox not onboarded as the LA's."""
    la_code = asked.la_code or principal.la_code
    if la_code is None:
        raise AccessDenied("an LA subscribes only for itself; the platform names the LA")
    ensure_la_may_see(principal, la_code)
    try:
        made = await la_subscriptions.subscribe(
            la_code,
            asked.channel,
            terms(asked),
            uow=dependencies.unit_of_work(),
            rules=dependencies.subscription_rules,
        )
    except InvalidSubscription as error:
        raise _invalid(error) from None
    except la_subscriptions.SubscriptionConflict as error:
        raise _kafka_taken(error) from None
    except la_subscriptions.SubscriptionLimitReached as error:
        raise Problem(409, "Conflict", str(error)) from None
    response.headers["Location"] = f"/subscriptions/{made.id}"
    return subscription_view(made)


@router.get(
    "/subscriptions",
    response_model=list[SubscriptionView],
    summary="An LA's subscriptions: the caller's own, or for the platform's operators the LA named",
    responses=problem_responses(401, 403, 422),
)
async def list_subscriptions(
    dependencies: Dependencies,
    principal: Manage,
    la_code: Annotated[LaCode | None, Query(description="Whose; an LA may name only itself")] = None,
) -> list[SubscriptionView]:
    """Every subscription of the LA, oldest first: how an LA finds its Kafka subscription's id."""
    # As for one subscription: the LA sees its own, the platform any LA's (operators looking into a delivery).
    wanted = la_code or principal.la_code
    if wanted is None:
        raise Problem(422, "LA required", "Name the LA whose subscriptions to list: ?la_code=<code>.")
    ensure_la_may_see(principal, wanted)
    found = await la_subscriptions.subscriptions_of(wanted, uow=dependencies.unit_of_work())
    return [subscription_view(subscription) for subscription in found]


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionView,
    summary="One subscription",
    responses=ONE_SUBSCRIPTION,
)
async def read(subscription_id: UUID, dependencies: Dependencies, principal: Manage) -> SubscriptionView:
    """The subscription's terms and state (paused after a delivery ran out of retries); never its secrets."""
    call = la_subscriptions.subscription(
        subscription_id, uow=dependencies.unit_of_work(), authorise=_authorise(principal)
    )
    return subscription_view(await _one(call))


@router.patch(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionView,
    summary="Change a subscription, or resume it",
    responses=ONE_SUBSCRIPTION,
)
async def change(
    subscription_id: UUID, asked: SubscriptionChange, dependencies: Dependencies, principal: Manage
) -> SubscriptionView:
    """Fields left out are kept. New ``secrets`` replace the old (send old and new together while rolling over);
    a new ``endpoint`` drops the old host's ``allowed_hosts``; ``"status": "active"`` resumes a paused one."""
    call = la_subscriptions.change_subscription(
        subscription_id,
        terms(asked),
        resume=asked.status == "active",
        uow=dependencies.unit_of_work(),
        authorise=_authorise(principal),
        rules=dependencies.subscription_rules,
    )
    return subscription_view(await _one(call))


@router.delete(
    "/subscriptions/{subscription_id}", status_code=204, summary="Remove a subscription", responses=ONE_SUBSCRIPTION
)
async def remove(subscription_id: UUID, dependencies: Dependencies, principal: Manage) -> Response:
    """Nothing more is delivered on it; its delivery log goes with it."""
    uow = dependencies.unit_of_work()
    await _one(la_subscriptions.remove_subscription(subscription_id, uow=uow, authorise=_authorise(principal)))
    return Response(status_code=204)


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=list[DeliveryView],
    tags=[PERSON_DATA],
    summary="The delivery log of a subscription",
    responses=ONE_SUBSCRIPTION,
)
async def deliveries(
    subscription_id: UUID,
    dependencies: Dependencies,
    principal: Read,
    since: Annotated[Instant | None, Query(description="Deliveries made at or after this time")] = None,
    until: Annotated[Instant | None, Query(description="Deliveries made before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryView]:
    """Each delivery with its event id, type, the child's pseudonymous id, state, attempts and the endpoint's last
    answer, oldest first."""
    call = la_subscriptions.delivery_log(
        subscription_id,
        uow=dependencies.unit_of_work(),
        authorise=_authorise(principal),
        since=since,
        until=until,
        limit=limit,
    )
    return [delivery_view(delivery) for delivery in await _one(call)]


@router.post(
    "/subscriptions/{subscription_id}/deliveries/$redeliver",
    response_model=Redelivered,
    summary="Queue again the deliveries created in a time range (and resume a paused subscription)",
    responses=ONE_SUBSCRIPTION,
)
async def redeliver(
    subscription_id: UUID, asked: RedeliveryRequest, dependencies: Dependencies, principal: Manage
) -> Redelivered:
    """Every delivery made in [since, until) is sent again with the same event id (receivers deduplicate on
    it); on Kafka the records are written to the topic again. A paused webhook or rest-hook subscription resumes."""
    call = la_subscriptions.redeliver(
        subscription_id, asked.since, asked.until, uow=dependencies.unit_of_work(), authorise=_authorise(principal)
    )
    return Redelivered(queued=await _one(call))
