"""Every service's OpenAPI document is one a developer can integrate from, and its docs page works offline:
each operation described, the FHIR routes declaring the bearer token, the acknowledgement's 201 documented,
the event schemas linked, and /docs using only assets the service serves itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pathfinder.auth.testing import token_mint
from pathfinder.ehcp.bootstrap import bootstrap as ehcp
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.identity.bootstrap import bootstrap as identity
from pathfinder.identity.settings import IdentitySettings
from pathfinder.notifications.bootstrap import bootstrap as notifications
from pathfinder.notifications.settings import NotificationsSettings

NOWHERE = "postgresql://nobody@/nothing?host=/nonexistent"  # the documents need no database


def apps() -> Iterator[tuple[str, FastAPI]]:
    auth = token_mint().auth_settings()
    yield "notifications", notifications(NotificationsSettings(database_url=NOWHERE), auth=auth).app()
    yield "identity", identity(IdentitySettings(database_url=NOWHERE)).app()
    yield "ehcp", ehcp(EhcpSettings(database_url=NOWHERE), auth=auth).app()


APPS = dict(apps())


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


def test_the_api_docs_link_the_event_schemas() -> None:
    document = APPS["notifications"].openapi()
    assert "/event-types" in document["paths"] and "/event-types/{event_type}/schema" in document["paths"]
    assert "libs/contracts/CATALOGUE.md" in document["info"]["description"]


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
