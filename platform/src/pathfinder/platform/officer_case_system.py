"""An LA's case system as the officer's journey drives it (``pathfinder-officer-journey``): each HTTP call printed
with its answer, the case read out as an officer reads it, and the LA's Kafka topic read for the events about
one child."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.platform.demo_setup import DemoFailed

_UUID = re.compile(r"([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_GIST = ("decision", "advice_kind", "limit", "within_statutory_limit")


def short(text: str) -> str:
    """Ids cut to their first 8 characters, as an officer reads them."""
    return _UUID.sub(r"\1", text)


def say(text: str) -> None:
    print(short(text), flush=True)


@dataclass
class Inbox:
    """The LA's Kafka topic as its case system reads it: the notification naming the child, then each event about
    that child (the record's ``ce_subject``)."""

    la: str
    bootstrap: str
    notification: str = ""
    person_id: str | None = None
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    shown: int = 0

    async def read(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            la_topic(self.la), bootstrap_servers=self.bootstrap, auto_offset_reset="earliest",
            enable_auto_commit=False, metadata_max_age_ms=1000,
        )  # fmt: skip
        await consumer.start()
        try:
            while not stop.is_set():
                for batch in (await consumer.getmany(timeout_ms=300)).values():
                    for record in batch:
                        self._take({key: (value or b"").decode() for key, value in record.headers or ()}, record.value)
        finally:
            await consumer.stop()

    def _take(self, headers: dict[str, str], value: bytes | None) -> None:
        text = (value or b"").decode()
        if self.person_id is None and self.notification and self.notification in text:
            self.person_id = headers.get("ce_subject")
        if self.person_id is not None and headers.get("ce_subject") == self.person_id:
            self.received.append((headers.get("ce_type", "?"), json.loads(text or "{}")))

    async def expect(self, *event_types: str, timeout: float) -> None:
        """Wait until each of ``event_types`` (as many of each as given) arrived since the last look; print all that
        arrived."""
        deadline, wanted = time.monotonic() + timeout, Counter(event_types)
        while wanted - Counter(kind for kind, _ in self.received[self.shown :]):
            if time.monotonic() > deadline:
                raise DemoFailed(
                    f"{self.la}'s subscription did not receive {', '.join(event_types)} in {timeout:.0f} s"
                )
            await asyncio.sleep(0.2)
        for kind, data in self.received[self.shown :]:
            gist = [f"{key} {value}" for key, value in data.items() if key.endswith("_on") or key in _GIST]
            say(f"   {self.la}'s subscription received {kind}" + (f" ({', '.join(gist)})" if gist else ""))
        self.shown = len(self.received)


@dataclass
class Officer:
    """The LA's case system as its officer drives it: each call printed, and its answer."""

    http: httpx.AsyncClient
    headers: dict[str, str]

    async def call(
        self, method: str, url: str, body: dict[str, Any] | None = None, *, expect: int = 200,
        key: str | None = None, headers: dict[str, str] | None = None,
    ) -> Any:  # fmt: skip
        sent = dict(headers or self.headers)
        if method == "POST":
            sent["Idempotency-Key"] = key or str(uuid4())
        answer = await self.http.request(method, url, json=body, headers=sent)
        say(f"   {method} {url.removeprefix('http://127.0.0.1')}" + (f" {json.dumps(body)}" if body else ""))
        replayed = "  Idempotent-Replayed: true" if answer.headers.get("Idempotent-Replayed") == "true" else ""
        say(f"   -> {answer.status_code} {answer.reason_phrase}{replayed}")
        if answer.status_code != expect:
            raise DemoFailed(f"{method} {url}: expected {expect}, answered {answer.status_code} {answer.text}")
        return answer.json() if answer.content else None


def show_case(view: dict[str, Any]) -> None:
    say(f"   stage: {view['stage']}; allowed next: {', '.join(view['allowed_steps']) or 'nothing (closed)'}")
    advice = {one["advice_request_id"]: one["kind"] for one in view.get("advice_requests", ())}
    for limit in view["limits"]:
        whose = f" [{advice[limit['subject']]}]" if limit["subject"] in advice else ""
        only_if = " [owed only if the LA decides not to issue]" if limit["owed_only_if"] else ""
        say(f"     {limit['state']:<12} {limit['says']}{whose}{only_if}")


def show_warning(view: dict[str, Any]) -> None:
    warning = view.get("early_warning")
    if warning is None:
        say("   early warning: none (the assessment is closed, or an exception with no end suspends its limit)")
        return
    verdict = "AT RISK" if warning["at_risk"] else "on track"
    say(f"   early warning: {verdict}. The final plan is due by {warning['due_on']} (20 weeks); expected "
        f"{warning['expected_on']}, at worst {warning['expected_at_worst_on']}; stage {warning['stage']}")  # fmt: skip
    for reason in warning["reasons"]:
        say(f"     because {reason['says']}")
    due = {limit["subject"]: limit["statutory_due_on"] for limit in view["limits"] if limit["subject"]}
    for one in view["advice_requests"]:
        if one["received_on"] is None:
            advisor = f" from {one['advisor']}" if one["advisor"] else ""
            say(f"   outstanding: {one['kind']} advice{advisor}, due {due.get(one['advice_request_id'])}")
