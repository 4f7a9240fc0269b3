# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The audit log of the person index: every read says who, for which organisation, why, about whom and
when; the database refuses to change or remove an entry; each LA reads only the entries about its children."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from pathfinder.identity.persons.adapters.tables import person_audit_event
from pathfinder.persistence.database import with_login
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError


@pytest.fixture(params=["as-owner", "as-runtime-role"])
async def index(request, fresh_database, fresh_role, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    """The service as tests usually run it (the superuser owns every table), and as it is deployed: migrated
    by the owner, running as a role of its own that does not own the tables."""
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    url = await fresh_database("person_audit")
    runs_as = with_login(url, fresh_role("identity_runtime")) if request.param == "as-runtime-role" else None
    async with running_person_index(url, runs_as=runs_as) as running:
        yield running


async def test_the_database_refuses_to_change_or_remove_an_entry(index) -> None:
    await index.match(trust("RR8"), child())
    for statement in (
        update(person_audit_event).values(purpose="direct-care"),
        delete(person_audit_event),
        text("TRUNCATE person_audit_event"),
    ):
        # As the owner, the trigger refuses; as the runtime role, the missing privilege already does.
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
            async with index.service.engine.begin() as connection:
                await connection.execute(statement)
    assert len(await index.rows(person_audit_event)) == 1


async def test_the_api_only_reads_the_log(index) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = await index.http.request(method, "/audit-events", headers=index.headers(platform()))
        assert response.status_code == 405, method


async def test_a_read_is_recorded_with_who_why_whom_and_when(index) -> None:
    number = nhs_number()
    person_id = (await index.match(trust("RR8"), child(identifiers=[nhs(number)])))["person_id"]
    reader = la("841")
    read = await index.http.get(
        f"/persons/{person_id}",
        headers={**index.headers(reader, purpose=None), "X-Correlation-ID": "case-review-7"},
        params={"purpose": "ehc-plan-review"},
    )
    assert read.status_code == 200
    events = (await index.http.get("/audit-events", headers=index.headers(reader, purpose="audit-oversight"))).json()
    by_action = {event["action"]: event for event in events["events"]}
    seen = by_action["read-details"]
    assert seen["actor"] == {
        "subject": reader.subject,
        "kind": "client",
        "organisation": "841",
        "role": "local-authority",
    }
    assert (seen["person_id"], seen["purpose"], seen["outcome"], seen["correlation_id"]) == (
        person_id,
        "ehc-plan-review",
        "allowed",
        "case-review-7",
    )
    assert seen["occurred_at"]
    assert by_action["match"]["actor"]["organisation"] == "RR8"
    # Reading the log is itself in the log (newest first).
    again = (await index.http.get("/audit-events", headers=index.headers(reader, purpose="audit-oversight"))).json()
    assert again["events"][0]["action"] == "read-audit"
    stored = json.dumps([dict(row._mapping) for row in await index.rows(person_audit_event)], default=str)
    assert number not in stored and "Amelia" not in stored and "Smith" not in stored


async def test_each_la_reads_the_entries_about_its_own_children_only(index) -> None:
    ours = (await index.match(trust("RR8"), child("841")))["person_id"]
    theirs = (await index.match(trust("RR8"), child("805", given=["Oliver"], born="2014-01-01")))["person_id"]
    await index.http.get(f"/persons/{ours}", headers=index.headers(la("805")))  # refused, and audited

    as_841 = (await index.http.get("/audit-events", headers=index.headers(la("841")))).json()["events"]
    assert {event["responsible_la"] for event in as_841} == {"841"}
    assert theirs not in {event["person_id"] for event in as_841}
    [snoop] = [event for event in as_841 if event["outcome"] == "denied"]
    assert (snoop["actor"]["organisation"], snoop["person_id"], snoop["action"]) == ("805", ours, "read-details")

    refused = await index.http.get("/audit-events", params={"person_id": ours}, headers=index.headers(la("805")))
    assert (refused.status_code, refused.json()["events"]) == (200, []), "as for a child never held"
    everything = (await index.http.get("/audit-events", headers=index.headers(platform()))).json()["events"]
    assert {ours, theirs} <= {event["person_id"] for event in everything}
    assert (await index.http.get("/audit-events", headers=index.headers(trust("RR8")))).status_code == 403


async def test_the_log_pages_backwards(index) -> None:
    for given in ("Ada", "Ivy", "Mia"):
        await index.match(trust("RR8"), child(given=[given], born="2018-01-01"))
    first = (await index.http.get("/audit-events", params={"limit": 2}, headers=index.headers(platform()))).json()
    assert len(first["events"]) == 2 and first["next_before"] == first["events"][-1]["audit_id"]
    rest = await index.http.get(
        "/audit-events", params={"limit": 2, "before": first["next_before"]}, headers=index.headers(platform())
    )
    assert [event["action"] for event in rest.json()["events"]] == ["match"]


async def test_a_page_before_an_id_past_the_largest_is_refused_not_a_server_error(index) -> None:
    for before in (2**63 - 1, 2**63, 10**30):
        response = await index.http.get("/audit-events", params={"before": before}, headers=index.headers(platform()))
        if before < 2**63:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
