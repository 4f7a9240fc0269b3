"""What tests send and expect: s23 FHIR message Bundles, Received events, OperationOutcome codes, and polling."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from pathfinder.contracts.fhir import EarlyYearsNotificationSubmission, early_years_message_bundle
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived

FHIR = {"Content-Type": "application/fhir+json"}


def child(**changes: Any) -> ChildDemographics:
    fields: dict[str, Any] = {
        "nhs_number": "9990000018",
        "given_names": ("Amelia",),
        "family_name": "Smith",
        "birth_date": date(2024, 4, 12),
        "sex": "female",
        "postcode": "DL1 4AB",
    }
    fields.update(changes)
    return ChildDemographics(**fields)


def submission(**changes: Any) -> EarlyYearsNotificationSubmission:
    """An s23 notification as a trust's system would send it, in order and for a young child; ``changes`` win."""
    fields: dict[str, Any] = {
        "message_id": str(uuid4()),
        "submission_format": "fhir-message",
        "notifying_organisation": "RR8",
        "responsible_la": "841",
        "opinion_formed_on": date(2026, 11, 2),
        "parent_informed_on": date(2026, 11, 5),
        "discussion_offered_on": date(2026, 11, 9),
        "sent_at": datetime(2026, 11, 23, 10, tzinfo=UTC),
        "child": child(),
    }
    fields.update(changes)
    return EarlyYearsNotificationSubmission(**fields)


def message(**changes: Any) -> dict[str, Any]:
    """The FHIR message Bundle of :func:`submission`."""
    return early_years_message_bundle(submission(**changes), bundle_id=str(uuid4()))


def outcome_codes(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return [issue["details"]["coding"][0]["code"] for issue in body["issue"] if "details" in issue]


def received_event(person_id: UUID | None = None, la_code: str = "841") -> EarlyYearsNotificationReceived:
    """A Received event about a new notification of ``person_id`` (a new child if not given) for ``la_code``."""
    return EarlyYearsNotificationReceived(
        person_id=person_id or uuid4(),
        responsible_la=la_code,
        notification_id=uuid4(),
        notifying_organisation="RR8",
        opinion_formed_on=date(2026, 10, 1),
        received_at=datetime.now(UTC),
        submission_format="fhir-message",
        source_message_id=None,
    )


async def wait_for(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float = 30.0, *, interval: float = 0.1, what: str = ""
) -> None:
    """Poll ``condition`` (plain or async) until it holds; fail the test after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert asyncio.get_running_loop().time() < deadline, (
            f"timed out after {timeout} s waiting for {what or condition}"
        )
        await asyncio.sleep(interval)
