"""``pathfinder-officer-journey``: LA 841's SEND officer takes one child's case from a trust's notice to a final
EHC plan on a running platform, printing each HTTP call with what the case says after it.

With ``python3 dev.py up`` running in another terminal, the Royal Devon (RH8) notifies Darlington (LA 841) of a
child (s23); 841's Kafka subscription brings the child's pseudonymous person id; the officer records the case's
steps through ehcp's API, each dated on the day it happened (the request ten weeks ago), and reads after each the
case's stage, the steps it allows next, every statutory limit in words and the early warning, and what 841's
subscription received. Keys are kept in ``.state/officer-journey/``; the subscription is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.platform import demo_setup
from pathfinder.platform.demo import FHIR, POSTCODES
from pathfinder.platform.demo_setup import FAMILY, GIVEN, LA_SCOPES, NOTIFICATIONS, TRUST_SCOPES, DemoFailed
from pathfinder.platform.officer_case_system import Inbox, Officer, say, show_case, show_warning

TRUST, LA, NEIGHBOUR, ICB = "RH8", "841", "805", "QHM"
EHCP = "http://127.0.0.1:8002"
CASE_SCOPES = (*LA_SCOPES, "cases:manage", "cases:read")
LONDON = ZoneInfo("Europe/London")
EVENT = "pathfinder.ehcp.{}.v1"
HEALTH_NOTE = """\
   How the early warning reads it: outstanding advice is taken to come on its due date (later by as much as
   that advisor is usually late here), then the draft, then the parent's 15 days, each stage as long as this LA's
   own history says (none on a fresh platform). Expected after the 20 weeks, the case is at risk and the worker
   announces it once: pathfinder.ehcp.assessment-at-risk.v1 on the LA's subscriptions.
   The health advice is answered through the health-advice service: the ICB submits it there, and ehcp records
   it on this case when HealthAdviceSubmitted arrives. That service's API is not in use yet, so the officer
   records the ICB's advice by hand when it comes."""


async def notify_child(http: httpx.AsyncClient, trust: dict[str, str], inbox: Inbox, timeout: float) -> str:
    """The trust's notice of a new child, until 841's subscription names the child; another child if identity
    holds one for review (a possible match with an earlier run's child is never linked automatically)."""
    rng = random.Random()
    for _ in range(3):
        child = ChildDemographics(
            nhs_number=demo_setup.unissued_nhs_number(rng), given_names=(rng.choice(GIVEN),),
            family_name=rng.choice(FAMILY), sex=rng.choice(("female", "male")), postcode=POSTCODES[LA][0],
            birth_date=date(date.today().year - 2, rng.randrange(1, 13), rng.randrange(1, 29)),
        )  # fmt: skip
        url = f"{NOTIFICATIONS}/fhir/$process-message"
        answer = await http.post(url, json=demo_setup.message(TRUST, LA, child), headers={**trust, **FHIR})
        say(f"   POST {url.removeprefix('http://127.0.0.1')} (a FHIR message Bundle, child NHS {child.nhs_number})")
        say(f"   -> {answer.status_code} {answer.reason_phrase}  Location: {answer.headers.get('Location')}")
        if answer.status_code != 202:
            raise DemoFailed(f"$process-message: {answer.status_code} {answer.text}")
        inbox.notification = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        status_url = f"{NOTIFICATIONS}/fhir/early-years-notifications/{inbox.notification}"
        deadline = time.monotonic() + timeout
        while inbox.person_id is None and time.monotonic() < deadline:
            if (await http.get(status_url, headers=trust)).json().get("status") == "awaiting-identity-review":
                say("   held for a person's review in identity (a possible match): the trust notifies another child")
                break
            await asyncio.sleep(0.3)
        if inbox.person_id is not None:
            return inbox.person_id
    raise DemoFailed("no notice reached 841's subscription (see the platform's log)")


async def journey(state_dir: Path, bootstrap: str, timeout: float) -> int:
    database_url = os.environ.get(
        "PATHFINDER_IDENTITY_DATABASE_URL",
        f"postgresql://postgres@/pathfinder_identity?host={(state_dir / 'postgres').resolve()}",
    )
    wanted = {TRUST: TRUST_SCOPES, LA: CASE_SCOPES, NEIGHBOUR: CASE_SCOPES}
    clients = await demo_setup.seed(database_url, state_dir / "officer-journey", wanted)
    async with httpx.AsyncClient(timeout=15, trust_env=False) as http:
        headers = {org: await demo_setup.token(http, client) for org, client in clients.items()}
        officer, inbox, stop = Officer(http, headers[LA]), Inbox(LA, bootstrap), asyncio.Event()
        say(f"LA {LA}'s officer, with a client holding {' '.join(CASE_SCOPES)} (tokens from identity's /oauth2/token)")
        made = await demo_setup.resubscribe(http, headers[LA], channel="kafka")
        reader = asyncio.create_task(inbox.read(stop))
        try:
            case = Case(officer, inbox, headers, timeout)
            await case.maintained(await case.assessed(await case.noticed()))
        finally:
            stop.set()
            await reader
            await demo_setup.unsubscribe(http, headers[LA], made["id"])
    say(f"\nLA {LA}'s subscription on {la_topic(LA)} removed. The case went from a trust's notice to a final plan.")
    return 0


@dataclass
class Case:
    """One child's case as the officer takes it through, each step dated the day it happened."""

    officer: Officer
    inbox: Inbox
    headers: dict[str, dict[str, str]]
    timeout: float
    today: date = field(default_factory=lambda: datetime.now(LONDON).date())
    reference: str = field(default_factory=lambda: f"DAR-EHC-{random.randrange(1000, 10000)}")

    def ago(self, days: int) -> str:
        return (self.today - timedelta(days=days)).isoformat()

    async def received(self, *steps: str) -> None:
        await self.inbox.expect(*(EVENT.format(step) for step in steps), timeout=self.timeout)

    async def noticed(self) -> str:
        """The child's person id, once the trust's notice reached the LA and ehcp holds the child."""
        say(f"\n1. The Royal Devon ({TRUST}) tells LA {LA} of a child who may have SEN (s23); {LA} subscribed on "
            f"its Kafka topic {la_topic(LA)} first, every event type")  # fmt: skip
        person = await notify_child(self.officer.http, self.headers[TRUST], self.inbox, self.timeout)
        await self.inbox.expect("pathfinder.notifications.early-years-notification-received.v2", timeout=self.timeout)
        say(f"   the event names the child by pseudonymous person id {person}; ehcp learns of the child from it too")
        deadline, child = time.monotonic() + self.timeout, f"{EHCP}/children/{person}"
        while (await self.officer.http.get(child, headers=self.officer.headers)).status_code == 404:
            if time.monotonic() > deadline:
                raise DemoFailed(f"ehcp did not learn of child {person} in {self.timeout:.0f} s")
            await asyncio.sleep(0.3)
        held = await self.officer.call("GET", child)
        say(f"   ehcp holds the child for LA {held['responsible_la']}, with the trust's notice on the child's case")
        acknowledgement = f"{NOTIFICATIONS}/early-years-notifications/{self.inbox.notification}/acknowledgement"
        await self.officer.call("POST", acknowledgement, {"la_reference": self.reference}, expect=201)
        say("   the officer acknowledges the notice with the LA's own reference: the trust sees it acknowledged")
        return person

    async def assessed(self, person: str) -> str:
        """The assessment from the request to the final plan; the plan's id."""
        call, ago = self.officer.call, self.ago
        say(f"\nEach step below is dated the day it happened, from the request on {ago(70)} (ten weeks ago). Every "
            f"answer is the case as of today ({self.today}), with the steps recorded so far.")  # fmt: skip
        say(f"\n2. The parent asked LA {LA} for an EHC needs assessment on {ago(70)}: the clock starts")
        body: dict[str, Any] = {
            "person_id": person, "requested_by": "parent", "received_on": ago(70), "la_reference": self.reference,
            "early_years_notification_id": self.inbox.notification,
        }  # fmt: skip
        view = await call("POST", f"{EHCP}/assessments", body, expect=201)
        assessment = f"{EHCP}/assessments/{view['assessment_id']}"
        show_case(view)
        say(f"   (overdue as of today: the decision, made in time on {ago(41)}, is recorded at step 4)")
        await self.received("assessment-requested")

        say(f"\n3. Reg 4(2): LA {LA} tells the ICB, social care and the setting it is considering an assessment")
        notified = ["responsible-commissioning-body", "social-care", "school-or-setting"]
        show_case(
            await call("POST", f"{assessment}/consideration-notices", {"notified_on": ago(69), "notified": notified})
        )
        await self.received("assessment-consideration-notified")

        say(f"\n4. Reg 5(1): LA {LA} decides to assess and tells the parent; its system sends it twice (same key)")
        key, body = str(uuid4()), {"decision": "assess", "decided_on": ago(41)}
        show_case(await call("POST", f"{assessment}/decision", body, key=key))
        await call("POST", f"{assessment}/decision", body, key=key)
        say("   the first answer again, the decision applied once: one event")
        await self.received("assessment-decision-made")
        problem = await call("POST", f"{assessment}/final-plan", {"issued_on": ago(41), "icb": ICB}, expect=409)
        say(f"   refused: {problem['step']} while {problem['stage']}; allowed now: {', '.join(problem['allowed'])}")

        say(f"\n5. Reg 6(1): advice sought from health (ICB {ICB}) and an educational psychologist: 6 weeks each")
        health, psychology = str(uuid4()), str(uuid4())
        body = {"advice_request_id": health, "kind": "health", "advisor_organisation": ICB, "requested_on": ago(40)}
        await call("POST", f"{assessment}/advice-requests", body)
        body = {"advice_request_id": psychology, "kind": "educational-psychology", "requested_on": ago(40)}
        show_case(await call("POST", f"{assessment}/advice-requests", body))
        await self.received("advice-requested", "advice-requested")

        say("\n6. The educational psychologist's advice arrives")
        await call("POST", f"{assessment}/advice-requests/{psychology}/received", {"received_on": ago(12)})
        await self.received("advice-received")

        say("\n7. The officer reads the case: each limit, and the early warning")
        view = await call("GET", assessment)
        show_case(view)
        show_warning(view)
        say(HEALTH_NOTE)
        await call("GET", assessment, headers=self.headers[NEIGHBOUR], expect=404)
        say(f"   LA {NEIGHBOUR} asking for {LA}'s case is answered as if there were none")

        say(f"\n8. ICB {ICB}'s health advice arrived on {ago(9)}: the officer records it by hand")
        await call("POST", f"{assessment}/advice-requests/{health}/received", {"received_on": ago(9)})
        await self.received("advice-received")

        say("\n9. Reg 13(1): the draft plan is served on the parent, who has 15 days to comment")
        show_case(await call("POST", f"{assessment}/draft-plan", {"on": ago(7)}))
        await self.received("draft-plan-issued")

        say("\n10. The parent's representations on the draft")
        body = {"received_on": ago(3), "particular_setting_requested": False}
        await call("POST", f"{assessment}/representations", body)
        await self.received("draft-plan-representations-received")

        say(f"\n11. s39(5), reg 13(2): the final plan is issued, a copy to ICB {ICB}")
        view = await call("POST", f"{assessment}/final-plan", {"issued_on": ago(1), "icb": ICB})
        show_case(view)
        await self.received("final-plan-issued")
        return str(view["plan_id"])

    async def maintained(self, plan_id: str) -> None:
        say(f"\n12. The plan, maintained from {self.ago(1)}: its first review is due within 12 months (s44)")
        plan = await self.officer.call("GET", f"{EHCP}/plans/{plan_id}")
        show_case(plan)
        review = next(limit["due_on"] for limit in plan["limits"] if limit["limit"] == "review")
        say(f"\n13. The officer's worklist: LA {LA}'s maintained plans with a limit due by {review}, soonest first")
        url = f"{EHCP}/open-cases?stage=maintained&due_on_or_before={review}&limit=500"
        page = await self.officer.call("GET", url)
        mine = [row for row in page["cases"] if row["case_id"] == plan_id]
        if not mine:
            raise DemoFailed("the plan is not on the officer's worklist")
        row = mine[0]
        say(f"   {len(page['cases'])} case(s) on the page; this child's: {row['case_kind']} {row['case_id']}, "
            f"{row['next_limit']} due {row['next_due_on']}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pathfinder-officer-journey", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=Path(".state"), help="the platform's state directory")
    parser.add_argument("--kafka", default=os.environ.get("PATHFINDER_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each event to arrive")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(journey(args.state_dir, args.kafka, args.timeout))
    except (DemoFailed, httpx.HTTPError, OSError) as error:
        print(f"officer journey failed: {error}\nIs the platform running (python3 dev.py up)?", file=sys.stderr)
        return 1
