"""Every delivered event links (``ce_dataref``) to the service that holds its details, on that service's own
public URL: the link works as delivered, with or without a gateway in front."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from notifications_kit.messages import received_event
from pathfinder.contracts.identity import PersonErased
from pathfinder.contracts.plans import ReviewDue
from pathfinder.notifications.domain.la_delivery import PublicUrls, dataref
from pathfinder.notifications.settings import LaDeliverySettings

URLS = PublicUrls("https://notifications.la.test", "https://identity.la.test/", "https://ehcp.la.test")


def test_a_notification_event_links_to_the_notification_on_notifications_url() -> None:
    event = received_event()
    assert (
        dataref(event, URLS) == f"https://notifications.la.test/fhir/early-years-notifications/{event.notification_id}"
    )


def test_an_identity_event_links_to_the_person_with_a_stated_purpose() -> None:
    person_id = uuid4()
    erased = PersonErased(person_id=person_id, responsible_la="841", erased_at=datetime.now(UTC))
    assert dataref(erased, URLS) == f"https://identity.la.test/persons/{person_id}?purpose=record-linkage"


def test_an_ehcp_event_links_to_the_childs_case() -> None:
    person_id = uuid4()
    due = ReviewDue(person_id=person_id, responsible_la="841", plan_id=uuid4(), review_due_on=date(2027, 3, 1))
    assert dataref(due, URLS) == f"https://ehcp.la.test/children/{person_id}"


def test_the_default_urls_are_the_services_on_this_machine() -> None:
    urls = LaDeliverySettings().public_urls
    assert (urls.notifications, urls.ehcp, urls.identity) == (
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8002",
        "http://127.0.0.1:8004",
    )
