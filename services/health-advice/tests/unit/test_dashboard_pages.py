"""The DCO dashboard's pages over the hand-worked data set (health_advice_kit.dataset) on the fakes: signing in
through identity's answer into the dashboard's own cookie, who sees what, the figures as the read model gives
them, the CSV, the forms, and what a page refuses."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from health_advice_kit.builders import at, dco
from health_advice_kit.dataset import TODAY, build, request_id
from health_advice_kit.fakes import FakeAdviceStore
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.health_advice.entrypoints import dashboard
from pathfinder.health_advice.entrypoints.dashboard_http import DashboardHttp
from pathfinder.health_advice.service_layer.dashboard_sign_in import SignedIn, SignInRefused
from pathfinder.health_advice.service_layer.views import CSV_HEADER, HOW_COUNTED
from pathfinder.web.access import install_access_control

PASSWORD = "correct horse battery staple"
OUTSIDER = principal(OrganisationRole.ICB, "QHL", Scope.ADVICE_READ, kind="person", subject="dco-QHL")
NO_READ = principal(OrganisationRole.ICB, "QHM", Scope.NOTIFICATIONS_READ, kind="person", subject="clerk-QHM")
LEAD = principal(OrganisationRole.NHS_TRUST, "RX3", Scope.ADVICE_READ, kind="person", subject="lead-805")


@dataclass
class FakeIdentity:
    """Identity's sign-in: a token from the test mint for each known username with the right password."""

    mint: TokenMint
    people: dict[str, Principal] = field(default_factory=dict)
    sources: list[str | None] = field(default_factory=list)

    async def sign_in(self, username: str, password: str, *, source: str | None) -> SignedIn:
        self.sources.append(source)
        person = self.people.get(username)
        if person is None or password != PASSWORD:
            raise SignInRefused("The username or password is not right, or the account cannot sign in just now.")
        return SignedIn(self.mint.token_for(person), 600)


@dataclass
class Pages:
    http: httpx.AsyncClient
    store: FakeAdviceStore
    identity: FakeIdentity

    async def sign_in(self, username: str, password: str = PASSWORD, next_page: str = "/dashboard") -> httpx.Response:
        return await self.http.post(
            "/dashboard/sign-in", data={"username": username, "password": password, "next": next_page}
        )


def dashboard_app(store: FakeAdviceStore, identity: FakeIdentity) -> FastAPI:
    app = FastAPI()
    for router in dashboard.routers():
        app.include_router(router)
    install_access_control(app, identity.mint.verifier())
    dashboard.install(app, DashboardHttp(store.unit_of_work, identity, now=lambda: at(TODAY, 12)))
    return app


@pytest.fixture
async def pages() -> AsyncIterator[Pages]:
    store = FakeAdviceStore()
    await build(store.unit_of_work)
    async with store.unit_of_work() as uow:
        await uow.routing.add_lead("qhm-805-paeds", LEAD.subject)
        await uow.commit()
    identity = FakeIdentity(token_mint())
    identity.people = {"dco": dco("QHM"), "reader": OUTSIDER, "clerk": NO_READ, "lead": LEAD}
    transport = httpx.ASGITransport(app=dashboard_app(store, identity))
    async with httpx.AsyncClient(transport=transport, base_url="http://dashboard.test") as http:
        yield Pages(http, store, identity)


def text_of(response: httpx.Response) -> str:
    """What a reader sees: the words, without the markup."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def markup_of(response: httpx.Response) -> str:
    return " ".join(response.text.split())


async def test_a_page_sends_someone_not_signed_in_to_the_sign_in_form(pages: Pages) -> None:
    response = await pages.http.get("/dashboard/overdue")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/sign-in?next=%2Fdashboard%2Foverdue"
    form = await pages.http.get(response.headers["location"])
    assert form.status_code == 200
    assert 'name="next" value="/dashboard/overdue"' in form.text
    assert '<label for="username">' in form.text and '<a class="skip-link" href="#main">' in form.text


async def test_signing_in_keeps_identitys_token_in_an_httponly_strict_cookie(pages: Pages) -> None:
    response = await pages.sign_in("dco", next_page="/dashboard/overdue")
    assert (response.status_code, response.headers["location"]) == (303, "/dashboard/overdue")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("pathfinder-dashboard=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/", "max-age=600"} <= attributes
    assert "secure" not in attributes  # plain http: a Secure cookie would never come back
    assert pages.identity.sources == ["127.0.0.1"]
    assert (await pages.http.get("/dashboard/overdue")).status_code == 200


async def test_over_https_the_cookie_is_secure_and_host_only(pages: Pages) -> None:
    response = await pages.http.post(
        "https://dashboard.test/dashboard/sign-in", data={"username": "dco", "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-pathfinder-dashboard=")
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


async def test_a_wrong_password_is_told_and_sets_no_cookie(pages: Pages) -> None:
    response = await pages.sign_in("dco", "wrong")
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert 'role="alert"' in response.text and "The username or password is not right" in response.text
    assert (await pages.http.get("/dashboard")).status_code == 303


async def test_sign_in_goes_back_only_to_a_dashboard_page(pages: Pages) -> None:
    for elsewhere in ("https://evil.example/dashboard", "//evil.example/dashboard", "/docs", "/dashboard/sign-in"):
        response = await pages.sign_in("dco", next_page=elsewhere)
        assert response.headers["location"] == "/dashboard", elsewhere


async def test_the_dco_reads_the_icbs_open_requests_by_due_date_with_red_amber_green_in_words(pages: Pages) -> None:
    await pages.sign_in("dco")
    page = await pages.http.get("/dashboard")
    assert page.status_code == 200
    text = text_of(page)
    order = [text.index(f"Request {str(request_id(letter))[:8]}") for letter in "DGFE"]
    assert order == sorted(order)
    assert "4 open requests: 1 red 2 amber 1 green" in text
    assert "Red: overdue" in text and "Green: on track" in text and "9 days overdue" in text
    assert HOW_COUNTED["open_requests"] in text
    assert str(request_id("H"))[:8] not in text  # QHL's
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["cache-control"] == "no-store"


async def test_the_overdue_list_holds_the_red_ones(pages: Pages) -> None:
    await pages.sign_in("dco")
    text = text_of(await pages.http.get("/dashboard/overdue"))
    assert f"Request {str(request_id('D'))[:8]}" in text
    assert all(f"Request {str(request_id(letter))[:8]}" not in text for letter in "EFG")
    assert "1 overdue" in text and HOW_COUNTED["overdue"] in text


async def test_the_performance_page_tables_hold_the_read_models_figures(pages: Pages) -> None:
    await pages.sign_in("dco")
    page = await pages.http.get("/dashboard/performance", params={"since": "2025-01-01"})
    text = markup_of(page)
    for label, count in (("0-14", 1), ("15-28", 0), ("29-42", 1), ("43-56", 2), ("57-84", 0), ("85+", 1)):
        assert f'<th scope="row">{label} days</th> <td class="num" data-value="{count}">' in text
    assert '<th scope="row">Team qhm-paeds</th> <td class="num">4</td> <td class="num">3</td>' in text
    assert 'data-value="75.0">75.0%</td>' in text and 'data-value="66.7">66.7%</td>' in text
    assert "/dashboard/static/vendor/chart.umd.min.js" in text
    for how in ("turnaround_distribution", "share_within_limit"):
        assert HOW_COUNTED[how] in text_of(page)
    assert (await pages.http.get("/dashboard/performance", params={"since": "yesterday"})).status_code == 400


async def test_the_timeline_of_one_request(pages: Pages) -> None:
    await pages.sign_in("dco")
    page = await pages.http.get(f"/dashboard/requests/{request_id('C')}")
    assert page.status_code == 200
    text = text_of(page)
    steps = [markup_of(page).index(f'data-step="{step}"') for step in ("requested", "clock-stopped", "clock-restarted")]
    assert steps == sorted(steps)
    assert "Away from the area 4 weeks or more (reg 8(2)(b))" in text and "Yes, on time" in text
    assert "50 days" in text and "22 Jan 2026" in text


async def test_the_csv_export_has_the_rows_the_dco_may_see_with_the_filters(pages: Pages) -> None:
    await pages.sign_in("dco")
    response = await pages.http.get("/dashboard/requests.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="advice-requests-2026-03-02.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_HEADER and len(rows) == 11
    d = dict(zip(CSV_HEADER, next(row for row in rows if row[0] == str(request_id("D"))), strict=True))
    assert (d["days_left"], d["rag"]) == ("-9", "red")
    filtered = await pages.http.get("/dashboard/requests.csv", params={"la": "805", "status": "submitted"})
    assert [row[0] for row in csv.reader(io.StringIO(filtered.text))][1:] == [str(request_id("B"))]
    assert (await pages.http.get("/dashboard/requests.csv", params={"la": "84"})).status_code == 400
    assert (await pages.http.get("/dashboard/requests.csv", params={"status": "lost"})).status_code == 400


async def test_a_dco_of_another_icb_sees_none_of_it(pages: Pages) -> None:
    await pages.sign_in("reader")
    text = text_of(await pages.http.get("/dashboard"))
    assert all(f"Request {str(request_id(letter))[:8]}" not in text for letter in "ABCDEFG")
    assert f"Request {str(request_id('H'))[:8]}" in text
    overdue = text_of(await pages.http.get("/dashboard/overdue"))
    assert str(request_id("D"))[:8] not in overdue
    assert (await pages.http.get(f"/dashboard/requests/{request_id('D')}")).status_code == 404
    rows = list(csv.reader(io.StringIO((await pages.http.get("/dashboard/requests.csv")).text)))
    assert [row[0] for row in rows[1:]] == [str(request_id("H"))]


async def test_a_team_lead_sees_the_teams_requests(pages: Pages) -> None:
    await pages.sign_in("lead")
    text = text_of(await pages.http.get("/dashboard"))
    assert f"Request {str(request_id('F'))[:8]}" in text
    assert all(f"Request {str(request_id(letter))[:8]}" not in text for letter in "DEGH")
    assert "Take the next step" not in (await pages.http.get(f"/dashboard/requests/{request_id('F')}")).text


async def test_an_account_without_advice_read_is_told_so(pages: Pages) -> None:
    await pages.sign_in("clerk")
    page = await pages.http.get("/dashboard")
    assert page.status_code == 403 and "does not hold advice:read" in page.text


async def test_an_expired_or_forged_session_goes_back_to_sign_in(pages: Pages) -> None:
    pages.http.cookies.set("pathfinder-dashboard", "not-a-token", domain="dashboard.test")
    response = await pages.http.get("/dashboard")
    assert response.status_code == 303 and "ended=1" in response.headers["location"]
    assert "Your session has ended" in (await pages.http.get(response.headers["location"])).text


async def test_signing_out_forgets_the_cookie(pages: Pages) -> None:
    await pages.sign_in("dco")
    response = await pages.http.post("/dashboard/sign-out")
    assert (response.status_code, response.headers["location"]) == (303, "/dashboard/sign-in?signed_out=1")
    assert (await pages.http.get("/dashboard")).status_code == 303


async def test_the_dco_takes_steps_with_the_forms(pages: Pages) -> None:
    await pages.sign_in("dco")
    base = f"/dashboard/requests/{request_id('E')}"
    assert 'action="' + base + '/accept"' in (await pages.http.get(base)).text
    accepted = await pages.http.post(f"{base}/accept")
    assert (accepted.status_code, accepted.headers["location"]) == (303, f"{base}?done=accepted")
    again = await pages.http.post(f"{base}/accept")
    assert again.status_code == 303  # a retry changes nothing
    waiting = await pages.http.post(f"{base}/clock-stop", data={"reason": "waiting-list", "started_on": "2026-03-01"})
    assert waiting.status_code == 422 and "a waiting list is never one" in waiting.text
    stopped = await pages.http.post(
        f"{base}/clock-stop", data={"reason": "missed-appointment", "started_on": "2026-03-01"}
    )
    assert stopped.status_code == 303
    page = text_of(await pages.http.get(f"{base}?done=clock-stopped"))
    assert "Done: Clock stopped." in page and "Still stopped" in page and "Restart the clock" in page
    early = await pages.http.post(f"{base}/clock-restart", data={"ended_on": "2026-02-01"})
    assert early.status_code == 422 and "before it started" in early.text
    sent = await pages.http.post(f"{base}/submit", data={"form": "document"})
    assert sent.status_code == 303
    assert "Yes, on time" in text_of(await pages.http.get(base))
    late = await pages.http.post(f"{base}/assign", data={"assigned_to": "clinician-7"})
    assert late.status_code == 409 and "allowed now: none" in late.text


async def test_forms_from_another_site_are_refused(pages: Pages) -> None:
    await pages.sign_in("dco")
    elsewhere = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    response = await pages.http.post(f"/dashboard/requests/{request_id('E')}/accept", headers=elsewhere)
    assert response.status_code == 403
    assert (await pages.http.post("/dashboard/sign-in", headers=elsewhere, data={"username": "dco"})).status_code == 403


async def test_static_files_are_only_the_listed_ones(pages: Pages) -> None:
    chart = await pages.http.get("/dashboard/static/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and chart.text.startswith("/*!\n * Chart.js v4.6.1")
    assert (await pages.http.get("/dashboard/static/vendor/chart.js-LICENSE.md")).text.startswith("The MIT License")
    assert (await pages.http.get("/dashboard/static/../dashboard_http.py")).status_code == 404
