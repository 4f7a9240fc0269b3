# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Backfills in bulk (NDJSON and batch Bundles, each entry idempotent on its own) and the limits that guard
the FHIR endpoints: body size, JSON depth, media type, per-client rate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.messages import message, outcome_codes
from notifications_kit.service import Api, api_for, migrated
from pathfinder.notifications.service_layer.child_identification import ask_identity_again

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await migrated(await fresh_database("inbound_bulk"))
    limits = {"inbound_max_body_bytes": 20_000, "inbound_max_json_depth": 24, "inbound_rate_burst": 5}
    async for running in api_for(url, FakeIdentity(), inbound_rate_per_second=0.5, **limits):
        yield running


def ndjson(*documents: object) -> str:
    return "".join(json.dumps(document) + "\n" for document in documents)


async def test_ndjson_lines_each_get_their_own_outcome_and_are_idempotent(api) -> None:
    good, rejected = message(), message(parent_informed_on=None)
    body = ndjson(good, rejected) + "not json\n"
    headers = {**api.trust(), **NDJSON, "X-Request-ID": "backfill-1"}
    response = await api.http.post("/fhir/$process-message/bulk", content=body, headers=headers)
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(line["index"], line["http_status"]) for line in lines] == [(0, 202), (1, 422), (2, 400)]
    assert lines[0]["status"] == "awaiting-identity" and lines[0]["status_url"]
    assert lines[1]["outcome"]["resourceType"] == "OperationOutcome"
    again = await api.http.post("/fhir/$process-message/bulk", content=body, headers=headers)
    assert [json.loads(line).get("id") for line in again.text.splitlines()] == [line.get("id") for line in lines]
    assert await api.received_events() == [], "identity names backfilled children from the worker"
    later = lambda: datetime.now(UTC).replace(year=2100)  # noqa: E731
    await ask_identity_again(
        uow=api.service.unit_of_work(), identity=api.identity, postcodes=FakePostcodes(), now=later
    )
    [event] = await api.received_events()
    assert event["submission_format"] == "bulk"


async def test_a_batch_bundle_answers_with_a_batch_response(api) -> None:
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": message()}, {"resource": {"x": 1}}]}
    response = await api.http.post("/fhir/$process-message/bulk", json=batch, headers=api.trust())
    assert response.status_code == 200
    answer = response.json()
    assert answer["type"] == "batch-response"
    assert [entry["response"]["status"] for entry in answer["entry"]] == ["202", "400"]
    assert answer["entry"][0]["response"]["location"].startswith("http://n/fhir/early-years-notifications/")


async def test_too_large_too_deep_or_not_fhir_is_refused_with_an_operation_outcome(api) -> None:
    large = {**message(), "padding": "x" * 30_000}
    too_large = await api.submit(large)
    assert too_large.status_code == 413 and too_large.json()["resourceType"] == "OperationOutcome"
    deep: object = {}
    for _ in range(30):
        deep = {"a": deep}
    too_deep = await api.submit(deep)
    assert (too_deep.status_code, outcome_codes(too_deep)) == (400, ["MESSAGE_NOT_WELL_FORMED"])
    xml = await api.http.post(
        "/fhir/$process-message", content="<Bundle/>", headers={**api.trust(), "Content-Type": "application/xml"}
    )
    assert (xml.status_code, outcome_codes(xml)) == (415, ["UNSUPPORTED_MEDIA_TYPE"])
    not_fhir = await api.submit({"resourceType": "Patient"})
    assert (not_fhir.status_code, outcome_codes(not_fhir)) == (400, ["INVALID_RESOURCE"])


async def test_a_client_over_its_rate_is_told_when_to_come_back(api) -> None:
    headers = api.trust("RX1")
    answers = [await api.submit({"resourceType": "Patient"}, headers) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [400] * 5 + [429]
    assert answers[-1].headers["retry-after"] == "2"
    assert answers[-1].json()["issue"][0]["code"] == "throttled"
    assert (await api.submit({"resourceType": "Patient"}, api.trust("RX2"))).status_code == 400, "per client"


async def test_text_the_database_cannot_keep_is_refused_before_it_is_stored(api) -> None:
    document = message()
    assert document["entry"][2]["resource"]["name"][0]["family"] == "Smith"
    document["entry"][2]["resource"]["name"][0]["family"] = "Smi\x00th"
    with_nul = await api.submit(document)
    assert (with_nul.status_code, outcome_codes(with_nul)) == (400, ["MESSAGE_NOT_WELL_FORMED"])
    unpaired_surrogate = json.dumps(message()).replace('"Smith"', '"Smi\\ud800th"')
    bulk = await api.http.post(
        "/fhir/$process-message/bulk", content=unpaired_surrogate + "\n", headers={**api.trust(), **NDJSON}
    )
    [line] = [json.loads(text) for text in bulk.text.splitlines()]
    assert (line["http_status"], line["outcome"]["issue"][0]["code"]) == (400, "structure")
