"""``pathfinder-demo``: watch early-years notifications flow from a trust to three LAs on a running platform.

With ``python3 dev.py up`` running in another terminal, it onboards the Royal Devon (RH8) and LAs 841, 805 and
878 with API clients, subscribes 841 on its Kafka topic, 805 by signed webhook (a receiver it runs itself on
127.0.0.1) and 878 by FHIR rest-hook, submits FHIR message Bundles as the trust, shows what each LA receives,
acknowledges as the LA and shows the trust's view turning to acknowledged. The subscriptions it made are removed
before it ends. With ``--mesh``, one trust and one LA on MESH instead (``pathfinder.platform.mesh_demo``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from mesh_client import MeshError
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.webhook_receiver import WebhookReceiver, new_secret, running_receiver
from pathfinder.platform import demo_setup, mesh_demo
from pathfinder.platform.demo_setup import LA_SCOPES, NOTIFICATIONS, TRUST_SCOPES, DemoFailed
from pathfinder.platform.demo_watching import matching, say, wait_until, watch_topic

TRUST = "RH8"
RECEIVED = EarlyYearsNotificationReceived.event_type
POSTCODES = {"841": ("DL1 4AB", "DL3 6QZ"), "805": ("TS24 8AA", "TS25 1PD"), "878": ("EX1 2LB", "EX4 3SR")}
CHANNEL = {"841": "kafka", "805": "webhook", "878": "fhir-rest-hook"}
FHIR = {"Content-Type": "application/fhir+json"}


def poll_receiver(la_code: str, kind: str, receiver: WebhookReceiver, ids: dict[str, str], seen: set[str]) -> None:
    for item in list(receiver.accepted):
        found = matching(json.dumps(item.body), ids)
        if found and found not in seen:
            seen.add(found)
            signed = "signature verified" if "webhook-signature" in item.headers else "unsigned"
            summary = str(item.body.get("type") or item.body.get("resourceType"))
            summary = summary.split(".")[-2] if summary.count(".") > 1 else f"FHIR {summary} bundle"
            say(f"LA {la_code} {kind}", f"POST {receiver.url}: {summary} ({signed}) for notification {found[:8]}")


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
                    child = demo_setup.young_child(rng, postcode)
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
    parser.add_argument(
        "--mesh", action="store_true", help="one trust and one LA on MESH instead (python3 dev.py up --mesh)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    run = mesh_demo.demo if args.mesh else demo
    try:
        return asyncio.run(run(args.state_dir, args.kafka, args.timeout))
    except (DemoFailed, httpx.HTTPError, OSError, MeshError) as error:
        up = "python3 dev.py up --mesh" if args.mesh else "python3 dev.py up"
        print(f"demo failed: {error}\nIs the platform running ({up})?", file=sys.stderr)
        return 1
