"""The FastAPI dependency every service guards its routes with: 401 and 403 as problem+json."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from pathfinder.auth import OrganisationRole, Principal, Scope, ensure_la_may_see
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.web.access import SESSION_COOKIE, install_access_control, require_scopes
from pathfinder.web.problems import install_problem_handlers

READER = Annotated[Principal, Depends(require_scopes(Scope.PERSONS_READ))]
ANYONE = Annotated[Principal, Depends(require_scopes())]


def children_api(mint: TokenMint, *, with_handlers: bool = True) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    if with_handlers:
        install_access_control(app, mint.verifier())
    else:
        app.state.access_tokens = mint.verifier()

    @app.get("/children/{responsible_la}")
    async def child(responsible_la: str, who: READER) -> dict[str, str]:
        ensure_la_may_see(who, responsible_la)
        return {"seen_by": who.organisation}

    @app.get("/me")
    async def me(who: ANYONE) -> dict[str, str]:
        return {"subject": who.subject}

    return app


@pytest.fixture(scope="module")
def mint() -> TokenMint:
    return token_mint()


@pytest.fixture
async def api(mint: TokenMint) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=children_api(mint))
    async with httpx.AsyncClient(transport=transport, base_url="https://api.test") as client:
        yield client


def la(code: str, *scopes: Scope) -> Principal:
    return principal(OrganisationRole.LOCAL_AUTHORITY, code, *scopes)


def assert_unauthorised(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith('Bearer realm="pathfinder", error="invalid_token"')
    assert response.json()["status"] == 401


async def test_no_token_is_401(api: httpx.AsyncClient) -> None:
    assert_unauthorised(await api.get("/children/841"))


@pytest.mark.parametrize("authorization", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "])
async def test_a_bad_authorization_header_is_401(api: httpx.AsyncClient, authorization: str) -> None:
    assert_unauthorised(await api.get("/children/841", headers={"Authorization": authorization}))


async def test_an_expired_token_is_401_and_says_why(api: httpx.AsyncClient, mint: TokenMint) -> None:
    old = datetime.now(UTC) - timedelta(hours=1)
    response = await api.get("/children/841", headers=mint.headers_for(la("841", Scope.PERSONS_READ), now=old))
    assert_unauthorised(response)
    assert "expired" in response.headers["www-authenticate"]


async def test_a_missing_scope_is_403_insufficient_scope(api: httpx.AsyncClient, mint: TokenMint) -> None:
    response = await api.get("/children/841", headers=mint.headers_for(la("841", Scope.NOTIFICATIONS_READ)))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == "insufficient_scope"
    assert response.json()["required_scopes"] == ["persons:read"]
    assert 'error="insufficient_scope", scope="persons:read"' in response.headers["www-authenticate"]


async def test_an_la_sees_its_own_child(api: httpx.AsyncClient, mint: TokenMint) -> None:
    response = await api.get("/children/841", headers=mint.headers_for(la("841", Scope.PERSONS_READ)))
    assert response.status_code == 200
    assert response.json() == {"seen_by": "841"}


async def test_another_las_child_is_403_without_saying_more(api: httpx.AsyncClient, mint: TokenMint) -> None:
    response = await api.get("/children/841", headers=mint.headers_for(la("878", Scope.PERSONS_READ)))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "You are not allowed to do this.",
    }


async def test_the_session_cookie_serves_browser_pages(api: httpx.AsyncClient, mint: TokenMint) -> None:
    person = principal(OrganisationRole.LOCAL_AUTHORITY, "805", Scope.PERSONS_READ, kind="person")
    api.cookies.set(SESSION_COOKIE, mint.token_for(person))
    assert (await api.get("/children/805")).status_code == 200


async def test_an_authorization_header_wins_over_the_cookie(api: httpx.AsyncClient, mint: TokenMint) -> None:
    api.cookies.set(SESSION_COOKIE, mint.token_for(la("805", Scope.PERSONS_READ)))
    assert_unauthorised(await api.get("/children/805", headers={"Authorization": "Bearer forged"}))


async def test_no_scopes_asked_means_any_valid_token(api: httpx.AsyncClient, mint: TokenMint) -> None:
    who = principal(OrganisationRole.NHS_TRUST, "RH8")
    response = await api.get("/me", headers=mint.headers_for(who))
    assert response.json() == {"subject": who.subject}


async def test_without_the_extra_handlers_the_answers_are_still_problems(mint: TokenMint) -> None:
    app = children_api(mint, with_handlers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://api.test") as api:
        missing = await api.get("/children/841")
        assert (missing.status_code, missing.headers["content-type"]) == (401, "application/problem+json")
        wrong = await api.get("/children/841", headers=mint.headers_for(la("841")))
        assert (wrong.status_code, wrong.headers["content-type"]) == (403, "application/problem+json")
