"""``pathfinder-demo``: watch early-years notifications flow from a trust to three LAs on a running platform.

With ``python3 dev.py up`` running in another terminal, it onboards the Royal Devon (RH8) and LAs 841, 805 and
878 with API clients, subscribes 841 on its Kafka topic, 805 by signed webhook (a receiver it runs itself on
127.0.0.1) and 878 by FHIR rest-hook, submits FHIR message Bundles as the trust, shows what each LA receives,
acknowledges as the LA and shows the trust's view turning to acknowledged. The subscriptions it made are removed
before it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.webhook_receiver import WebhookReceiver, new_secret, running_receiver
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.platform import demo_setup
from pathfinder.platform.demo_setup import LA_SCOPES, NOTIFICATIONS, TRUST_SCOPES, DemoFailed

TRUST = "RH8"
RECEIVED = EarlyYearsNotificationReceived.event_type
POSTCODES = {"841": ("DL1 4AB", "DL3 6QZ"), "805": ("TS24 8AA", "TS25 1PD"), "878": ("EX1 2LB", "EX4 3SR")}
GIVEN = ("Amelia", "Noah", "Isla", "Leo", "Ava", "Oscar", "Freya", "Arlo", "Maya", "Theo", "Ivy", "Jude", "Elsie")
FAMILY = ("Hughes", "Bell", "Thompson", "Walker", "Pearce", "Mudge", "Okafor", "Nowak", "Patel", "Moyo", "Reid")
CHANNEL = {"841": "kafka", "805": "webhook", "878": "fhir-rest-hook"}
FHIR = {"Content-Type": "application/fhir+json"}


def say(who: str, text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {who:<14} {text}", flush=True)


def _matching(text: str, ids: dict[str, str]) -> str | None:
    return next((notification for notification in ids if notification in text), None)


async def watch_topic(la_code: str, bootstrap: str, ids: dict[str, str], seen: set[str], stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        la_topic(la_code), bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        while not stop.is_set():
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                for record in batch:
                    found = _matching((record.value or b"").decode(), ids)
                    if found and found not in seen:
                        seen.add(found)
                        event = json.loads(record.value or b"{}")
                        where = f"{la_topic(la_code)} p{record.partition}@{record.offset}"
                        say(f"LA {la_code} kafka", f"{where}: received for person {event.get('person_id')}")
    finally:
        await consumer.stop()


def poll_receiver(la_code: str, kind: str, receiver: WebhookReceiver, ids: dict[str, str], seen: set[str]) -> None:
    for item in list(receiver.accepted):
        found = _matching(json.dumps(item.body), ids)
        if found and found not in seen:
            seen.add(found)
            signed = "signature verified" if "webhook-signature" in item.headers else "unsigned"
            summary = str(item.body.get("type") or item.body.get("resourceType"))
            summary = summary.split(".")[-2] if summary.count(".") > 1 else f"FHIR {summary} bundle"
            say(f"LA {la_code} {kind}", f"POST {receiver.url}: {summary} ({signed}) for notification {found[:8]}")


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.3)
    return True


async def demo(state_dir: Path, bootstrap: str, timeout: float) -> int:
    database_url = os.environ.get(
        "PATHFINDER_IDENTITY_DATABASE_URL",
        f"postgresql://postgres@/pathfinder_identity?host={(state_dir / 'postgres').resolve()}",
    )
    wanted = {TRUST: TRUST_SCOPES, **{la: LA_SCOPES for la in POSTCODES}}
    clients = await demo_setup.seed(database_url, state_dir / "demo", wanted)
    say(
        "identity",
        "seed organisations loaded; clients: " + ", ".join(f"{o} {c.client_id[:8]}" for o, c in clients.items()),
    )
    rng = random.Random()
    ids: dict[str, str] = {}  # notification id -> LA
    seen: dict[str, set[str]] = {la: set() for la in POSTCODES}
    held: set[str] = set()  # possible matches with an earlier child: a person reviews them in identity
    stop = asyncio.Event()
    async with httpx.AsyncClient(timeout=15, trust_env=False) as http:
        headers = {org: await demo_setup.token(http, client) for org, client in clients.items()}
        say("identity", "access tokens issued for a signed JWT client assertion each (private_key_jwt)")
        # The subscriptions go when the demo's receivers do: a rerun finds none on a port nobody listens on.
        async with AsyncExitStack() as stack:
            receivers: dict[str, WebhookReceiver] = {}
            tasks = []
            for la, channel in CHANNEL.items():
                terms: dict[str, Any] = {"channel": channel, "event_types": [RECEIVED]}
                if channel == "webhook":
                    secret = new_secret()
                    receivers[la] = stack.enter_context(running_receiver(secret))
                    terms.update(endpoint=receivers[la].url, secrets=[secret])
                elif channel == "fhir-rest-hook":
                    receivers[la] = stack.enter_context(running_receiver())
                    terms.update(endpoint=receivers[la].url)
                made = await demo_setup.resubscribe(http, headers[la], **terms)
                stack.push_async_callback(demo_setup.unsubscribe, http, headers[la], made["id"])
                where = made.get("kafka_topic") or made.get("endpoint")
                say(f"LA {la}", f"subscribed: {channel} -> {where}")
                if channel == "kafka":
                    tasks.append(asyncio.create_task(watch_topic(la, bootstrap, ids, seen[la], stop)))
            trust = {**FHIR, **headers[TRUST]}
            for la, postcodes in POSTCODES.items():
                for postcode in postcodes:
                    given, family, sex = rng.choice(GIVEN), rng.choice(FAMILY), rng.choice(("female", "male"))
                    child = ChildDemographics(
                        nhs_number=demo_setup.unissued_nhs_number(rng), given_names=(given,), family_name=family,
                        birth_date=date(date.today().year - 2, rng.randrange(1, 13), rng.randrange(1, 29)),
                        sex=sex, postcode=postcode,
                    )  # fmt: skip
                    answer = await http.post(
                        f"{NOTIFICATIONS}/fhir/$process-message",
                        json=demo_setup.message(TRUST, la, child),
                        headers=trust,
                    )
                    if answer.status_code not in (200, 201, 202):
                        raise DemoFailed(f"$process-message: {answer.status_code} {answer.text}")
                    notification = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
                    ids[notification] = la
                    say(f"trust {TRUST}", f"$process-message {answer.status_code}: child NHS {child.nhs_number} "
                        f"for LA {la} -> {notification[:8]}")  # fmt: skip

            async def everyone_has_theirs() -> bool:
                for la, receiver in receivers.items():
                    poll_receiver(la, CHANNEL[la], receiver, ids, seen[la])
                waiting = [n for n, la in ids.items() if n not in seen[la] and n not in held]
                for notification in waiting:
                    url = f"{NOTIFICATIONS}/fhir/early-years-notifications/{notification}"
                    if (await http.get(url, headers=trust)).json().get("status") == "awaiting-identity-review":
                        held.add(notification)
                        say(f"trust {TRUST}", f"{notification[:8]} held: a possible match with an earlier child "
                            "waits for a person's review in identity")  # fmt: skip
                return not waiting

            delivered = await wait_until(everyone_has_theirs, timeout)
            stop.set()
            await asyncio.gather(*tasks)
        if not delivered:
            missing = [n[:8] for n, la in ids.items() if n not in seen[la] and n not in held]
            say("demo", f"not delivered within {timeout:.0f} s: {', '.join(missing)} (see the platform's log)")
            return 1
        for notification, la in ids.items():
            if notification in held:
                continue
            ack = await http.post(
                f"{NOTIFICATIONS}/early-years-notifications/{notification}/acknowledgement",
                json={"la_reference": f"EY-{la}-{rng.randrange(10000, 99999)}"},
                headers=headers[la],
            )
            say(f"LA {la}", f"acknowledged {notification[:8]}: {ack.status_code}")
            status = await http.get(f"{NOTIFICATIONS}/fhir/early-years-notifications/{notification}", headers=trust)
            view = status.json()
            via, at = view.get("delivery_channel"), view.get("acknowledged_at")
            say(f"trust {TRUST}", f"status of {notification[:8]}: {view.get('status')} (via {via}, at {at})")
    print(
        "\nEach LA received its own children's notifications and acknowledged them; the trust saw each acknowledged.",
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pathfinder-demo", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=Path(".state"), help="the platform's state directory")
    parser.add_argument("--kafka", default=os.environ.get("PATHFINDER_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    parser.add_argument("--timeout", type=float, default=45.0, help="seconds to wait for every delivery")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(demo(args.state_dir, args.kafka, args.timeout))
    except (DemoFailed, httpx.HTTPError, OSError) as error:
        print(f"demo failed: {error}\nIs the platform running (python3 dev.py up)?", file=sys.stderr)
        return 1
