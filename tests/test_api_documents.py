"""Every service's OpenAPI document is one a developer can integrate from, and its docs page works offline:
each operation described, the FHIR routes declaring the bearer token, the acknowledgement's 201 documented,
the event schemas linked, every notification status explained, examples that work against the seed
organisations, and /docs using only assets the service serves itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI
from pathfinder.auth import OrganisationRole
from pathfinder.auth.testing import token_mint
from pathfinder.contracts import LaCode, OdsCode
from pathfinder.contracts.catalogue import current_event_classes
from pathfinder.contracts.fhir import parse_early_years_notification
from pathfinder.ehcp.bootstrap import bootstrap as ehcp
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.event_history.bootstrap import bootstrap as event_history
from pathfinder.event_history.settings import EventHistorySettings
from pathfinder.health_advice.bootstrap import bootstrap as health_advice
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.identity.bootstrap import bootstrap as identity
from pathfinder.identity.seed import seed_organisations
from pathfinder.identity.settings import IdentitySettings
from pathfinder.notifications.bootstrap import bootstrap as notifications
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.notifications.settings import NotificationsSettings
from pydantic.fields import FieldInfo

NOWHERE = "postgresql://nobody@/nothing?host=/nonexistent"  # the documents need no database
README = Path(__file__).resolve().parents[1] / "README.md"
LA, NHS_BODIES = OrganisationRole.LOCAL_AUTHORITY, {OrganisationRole.NHS_TRUST, OrganisationRole.ICB}
SEED = {organisation.code: organisation.role for organisation in seed_organisations()}


def apps() -> Iterator[tuple[str, FastAPI]]:
    auth = token_mint().auth_settings()
    yield "notifications", notifications(NotificationsSettings(database_url=NOWHERE), auth=auth).app()
    yield "identity", identity(IdentitySettings(database_url=NOWHERE)).app()
    yield "ehcp", ehcp(EhcpSettings(database_url=NOWHERE), auth=auth).app()
    yield "health-advice", health_advice(HealthAdviceSettings(database_url=NOWHERE)).app()
    yield "event-history", event_history(EventHistorySettings(database_url=NOWHERE), auth=auth).app()


APPS = dict(apps())
PUBLISHERS = sorted(set(APPS) - {"event-history"})  # the event history archives events and publishes none


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_operation_says_what_it_does(service: str) -> None:
    undescribed = [
        f"{method} {path}" for method, path, op in operations(APPS[service].openapi()) if not op.get("description")
    ]
    assert undescribed == []


def test_the_fhir_routes_declare_the_bearer_token() -> None:
    document = APPS["notifications"].openapi()
    fhir = [(method, path, op) for method, path, op in operations(document) if path.startswith("/fhir/")]
    assert len(fhir) >= 6
    for method, path, op in fhir:
        assert op.get("security") == [{"accessToken": []}], f"{method} {path}"
    assert document["components"]["securitySchemes"]["accessToken"]["scheme"] == "bearer"


def test_the_acknowledgement_documents_its_201_and_its_conflict() -> None:
    document = APPS["notifications"].openapi()
    answers = document["paths"]["/early-years-notifications/{notification_id}/acknowledgement"]["post"]["responses"]
    assert {"200", "201", "409"} <= set(answers)


@pytest.mark.parametrize("service", sorted(APPS))
async def test_the_api_docs_link_the_event_schemas(service: str) -> None:
    description = APPS[service].openapi()["info"]["description"]
    assert "/event-types/{event_type}/schema" in description and "libs/contracts/CATALOGUE.md" in description
    served = APPS["notifications"].openapi()["paths"]
    assert "/event-types" in served and "/event-types/{event_type}/schema" in served
    published = [cls.event_type for cls in current_event_classes() if cls.producer == service]
    assert bool(published) == (service in PUBLISHERS), f"{service} publishes events, or says why it does not"
    transport = httpx.ASGITransport(app=APPS["notifications"])
    async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as http:
        for event_type in published:
            schema = await http.get(f"/event-types/{event_type}/schema")
            assert schema.status_code == 200, event_type
            assert schema.json()["x-pathfinder"]["producer"] == service


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema or len(schema.get("allOf", ())) == 1:
        reference = schema["$ref"] if "$ref" in schema else schema["allOf"][0]["$ref"]
        found: dict[str, Any] = document
        for part in reference.removeprefix("#/").split("/"):
            found = found[part]
        schema = found
    return schema


def test_every_notification_status_is_explained_in_the_api_document_and_the_readme() -> None:
    document = APPS["notifications"].openapi()
    answer = document["paths"]["/fhir/early-years-notifications/{notification_id}"]["get"]["responses"]["200"]
    view = resolved(document, answer["content"]["application/json"]["schema"])
    status = resolved(document, view["properties"]["status"])
    assert set(status["enum"]) == {member.value for member in NotificationStatus}
    readme = README.read_text()
    for value in status["enum"]:
        assert re.search(rf"``{re.escape(value)}``: \w", status["description"]), f"{value} in the OpenAPI document"
        assert re.search(rf"^ *- `{re.escape(value)}`: \w", readme, flags=re.M), f"{value} in the README"


def submission_examples() -> Iterator[tuple[str, object]]:
    document = APPS["notifications"].openapi()
    for path in ("/fhir/$process-message", "/fhir/$process-message/bulk"):
        for media_type, content in document["paths"][path]["post"]["requestBody"]["content"].items():
            bodies = [example["value"] for example in content.get("examples", {}).values()]
            bodies += [content["example"]] if "example" in content else []
            for body in bodies:
                if isinstance(body, str):  # NDJSON
                    yield from ((f"{path} {media_type}", json.loads(line)) for line in body.splitlines())
                elif body.get("type") == "batch":
                    yield from ((f"{path} {media_type}", entry["resource"]) for entry in body["entry"])
                else:
                    yield f"{path} {media_type}", body


def test_the_submission_examples_name_organisations_of_the_identity_seed() -> None:
    examples = list(submission_examples())
    assert len(examples) >= 6, "every example of both operations"
    for where, example in examples:
        notification = parse_early_years_notification(example)
        assert SEED.get(notification.notifying_organisation) in NHS_BODIES, where
        assert notification.responsible_la is not None
        assert SEED.get(notification.responsible_la) is LA, where


@pytest.mark.parametrize(("code_type", "role"), [(OdsCode, OrganisationRole.NHS_TRUST), (LaCode, LA)])
def test_the_codes_the_contracts_give_as_examples_are_seed_organisations(code_type: Any, role: str) -> None:
    (description,) = [part.description for part in get_args(code_type)[1:] if isinstance(part, FieldInfo)]
    assert description is not None
    (code,) = re.findall(r"e\.g\. (\w+)", description)
    assert SEED.get(code) is role, description


@pytest.mark.parametrize("service", sorted(APPS))
async def test_the_docs_pages_work_with_no_internet(service: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APPS[service]), base_url="http://docs") as http:
        for page in ("/docs", "/redoc"):
            html = (await http.get(page)).text
            references = re.findall(r"""(?:src|href)=["']([^"']+)["']|url:\s*["']([^"']+)["']""", html)
            found = [next(part for part in pair if part) for pair in references]
            assert found, f"{page} references its assets"
            assert not [url for url in found if re.match(r"(https?:)?//", url)], f"{page}: {found}"
            assert "cdn" not in html.lower()
            for url in found:
                answer = await http.get(url)
                assert answer.status_code == 200, url
                assert answer.content, url
