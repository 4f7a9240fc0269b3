# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The DCO's dashboard in a real headless Chromium (Debian's, driven by Playwright): identity and health-advice
served over HTTP on this machine, each on its own migrated PostgreSQL database; the people are real accounts in
identity, the requests the hand-worked data set (health_advice_kit.dataset) written through health-advice's
use cases and SQL unit of work. A DCO of QHM signs in, reads the overdue list, opens a request's timeline, looks
at the charts, downloads the CSV and takes steps with the forms; a DCO of QHL sees none of it. Screenshots of each
page, the CSV and the timings are kept under ``.state/test-artefacts/dashboard/``."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from health_advice_kit.browser import ARTEFACTS, LAPTOP, chromium, served, why_no_browser
from health_advice_kit.builders import at
from health_advice_kit.dataset import TODAY, build, request_id
from identity_kit import ISSUER, TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.clock import ManualClock
from pathfinder.auth import Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.health_advice.adapters.identity_sign_in import IdentitySignIn
from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.entrypoints import dashboard
from pathfinder.health_advice.entrypoints.dashboard_http import DashboardHttp
from pathfinder.health_advice.service_layer.views import CSV_HEADER
from pathfinder.health_advice.settings import DashboardSettings, HealthAdviceSettings
from pathfinder.identity.access.domain.organisations import Organisation
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.bootstrap import bootstrap as identity_bootstrap
from pathfinder.identity.seed import seed_organisations
from pathfinder.identity.settings import IdentitySettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head

PASSWORD = "a long passphrase for the dashboard test"
QHM_DCO, QHL_DCO = "dco@qhm.example.nhs.uk", "dco@qhl.example.nhs.uk"

pytestmark = pytest.mark.timeout(300)


@dataclass
class Stack:
    dashboard: str
    """The dashboard's base URL."""
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture
def browser_path() -> str:
    reason = why_no_browser()
    if reason is not None:
        pytest.skip(f"dashboard browser tests skipped: {reason}")
    found = chromium()
    assert found is not None
    return found


@pytest.fixture
async def stack(browser_path, fresh_database, monkeypatch) -> AsyncIterator[Stack]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    identity_url = await migrated_identity_database(await fresh_database("dashboard_identity"))
    identity = identity_bootstrap(IdentitySettings(database_url=identity_url), clock=ManualClock(running=True))
    access = identity.access
    await onboarding.load_organisations(seed_organisations(), uow=access.unit_of_work())
    await onboarding.register_organisation(
        Organisation.register("QHL", "An integrated care board", "icb"), uow=access.unit_of_work()
    )
    people = ((QHM_DCO, "QHM", [Scope.ADVICE_READ, Scope.ADVICE_SUBMIT]), (QHL_DCO, "QHL", [Scope.ADVICE_READ]))
    for username, icb, scopes in people:
        await onboarding.open_person_account(
            username, "Designated Clinical Officer", icb, scopes, PASSWORD, uow=access.unit_of_work(),
            passwords=access.passwords, now=identity.clock(),
        )  # fmt: skip

    advice_url = await fresh_database("dashboard_health_advice")
    await upgrade_to_head("pathfinder.health_advice:migrations", advice_url)
    try:
        async with served(identity.app()) as identity_base:
            auth = AuthSettings(issuer=ISSUER, jwks_url=f"{identity_base}/.well-known/jwks.json")
            service = bootstrap(
                HealthAdviceSettings(database_url=advice_url), KafkaSettings(bootstrap_servers="127.0.0.1:9"),
                auth=auth,
            )  # fmt: skip
            service.dashboard = DashboardSettings(identity_url=identity_base)
            await build(service.unit_of_work)
            app = service.app()
            # The dashboard as the composition root wires it, on the data set's day.
            people_sign_in = IdentitySignIn(identity_base)
            dashboard.install(app, DashboardHttp(service.unit_of_work, people_sign_in, now=lambda: at(TODAY, 12)))
            async with served(app) as dashboard_base:
                yield Stack(dashboard_base)
    finally:
        await identity.engine.dispose()


@pytest.fixture
async def chromium_page(stack, browser_path):
    from playwright.async_api import async_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for stale in (*ARTEFACTS.glob("*.png"), *ARTEFACTS.glob("*.csv")):
        stale.unlink()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=browser_path, headless=True)
        context = await browser.new_context(viewport=LAPTOP, accept_downloads=True, locale="en-GB")
        opened = await context.new_page()
        problems: list[str] = []
        opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        opened.on(
            "response",
            lambda answer: problems.append(f"{answer.status} {answer.url}") if answer.status == 404 else None,
        )
        opened.on("pageerror", lambda error: problems.append(str(error)))
        try:
            yield opened, problems
        finally:
            await browser.close()


async def visit(stack: Stack, page, name: str, action) -> None:
    """Time a navigation (to the page's load event), then keep a screenshot of the whole page."""
    started = time.perf_counter()
    await action()
    await page.wait_for_load_state("load")
    stack.timings[name] = time.perf_counter() - started
    await page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)


async def sign_in(stack: Stack, page, username: str, name: str) -> None:
    await visit(stack, page, f"{name}-sign-in", lambda: page.goto(f"{stack.dashboard}/dashboard"))
    assert page.url.startswith(f"{stack.dashboard}/dashboard/sign-in?next=")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await visit(stack, page, f"{name}-open-requests", lambda: page.get_by_role("button", name="Sign in").click())
    assert page.url == f"{stack.dashboard}/dashboard"


def short(letter: str) -> str:
    return f"Request {str(request_id(letter))[:8]}"


async def first_cells(page, table: str) -> list[str]:
    return [" ".join(text.split()) for text in await page.locator(f"#{table} tbody th").all_inner_texts()]


async def test_a_dco_reads_the_overdue_list_the_timeline_the_charts_and_the_csv(stack, chromium_page, capsys) -> None:
    browser, problems = chromium_page
    await sign_in(stack, browser, QHM_DCO, "01-qhm")
    assert await first_cells(browser, "open-requests") == [short(letter) for letter in "DGFE"]
    assert "4 open requests: 1 red 2 amber 1 green" in " ".join((await browser.inner_text("#rag-summary")).split())
    await browser.keyboard.press("Tab")
    assert await browser.evaluate("document.activeElement.textContent") == "Skip to main content"

    await visit(stack, browser, "02-qhm-overdue", lambda: browser.get_by_role("link", name="Overdue").click())
    assert await first_cells(browser, "overdue-requests") == [short("D")]
    assert "9 days overdue" in await browser.inner_text("#overdue-requests")
    assert "Red: overdue" in await browser.inner_text("#overdue-requests")

    await visit(stack, browser, "03-qhm-timeline", lambda: browser.get_by_role("link", name=short("D")).click())
    assert browser.url == f"{stack.dashboard}/dashboard/requests/{request_id('D')}"
    assert await browser.locator("#timeline tbody tr").evaluate_all("rows => rows.map(r => r.dataset.step)") == [
        "requested"
    ]
    await visit(stack, browser, "04-qhm-timeline-c", lambda: browser.goto(
        f"{stack.dashboard}/dashboard/requests/{request_id('C')}"
    ))  # fmt: skip
    assert await browser.locator("#timeline tbody tr").evaluate_all("rows => rows.map(r => r.dataset.step)") == [
        "requested", "clock-stopped", "clock-restarted", "accepted", "submitted",
    ]  # fmt: skip

    await visit(stack, browser, "05-qhm-performance", lambda: browser.get_by_role(
        "link", name="Turnaround and timeliness"
    ).click())  # fmt: skip
    await browser.wait_for_function("document.querySelectorAll('figure.chart canvas').length === 4")
    drawn = await browser.locator("figure.chart canvas").evaluate_all("cs => cs.map(c => c.width > 0)")
    assert drawn == [True] * 4
    assert await browser.locator("#turnaround tbody td").all_inner_texts() == ["1", "0", "1", "2", "0", "1"]

    await browser.get_by_role("link", name="Open requests").click()
    await browser.get_by_label("Requesting LA").fill("841")
    started = time.perf_counter()
    async with browser.expect_download() as downloading:
        await browser.get_by_role("button", name="Download CSV").click()
    download = await downloading.value
    kept = ARTEFACTS / "qhm-841.csv"
    await download.save_as(kept)
    stack.timings["06-qhm-csv"] = time.perf_counter() - started
    rows = list(csv.reader(io.StringIO(kept.read_text())))
    assert tuple(rows[0]) == CSV_HEADER
    by_id = {row[0]: dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {str(request_id(letter)) for letter in "ACDEGJKL"}
    assert (by_id[str(request_id("D"))]["rag"], by_id[str(request_id("D"))]["days_left"]) == ("red", "-9")
    assert by_id[str(request_id("K"))]["days_late"] == "49"
    assert problems == [], problems  # no script error, no refused resource (the CSP allows the pages' own files)

    await browser.goto(f"{stack.dashboard}/dashboard/requests/{request_id('D')}")
    await visit(
        stack, browser, "07-qhm-accepted", lambda: browser.get_by_role("button", name="Accept the request").click()
    )
    assert await browser.get_by_role("status").inner_text() == "Done: Accepted."
    await browser.get_by_label("Clinician").fill("clinician-ref-17")
    await visit(stack, browser, "08-qhm-assigned", lambda: browser.get_by_role("button", name="Assign").click())
    steps = await browser.locator("#timeline tbody tr").evaluate_all("rows => rows.map(r => r.dataset.step)")
    assert steps == ["requested", "accepted", "assigned"]
    await browser.get_by_label("Missed examination or test appointment (reg 8(2)(c))").check()
    await browser.get_by_label("First day it applies").fill("2026-03-01")
    await visit(
        stack, browser, "09-qhm-stop-refused", lambda: browser.get_by_role("button", name="Stop the clock").click()
    )
    assert "already overdue" in await browser.get_by_role("alert").inner_text()
    assert [problem for problem in problems if "(Unprocessable Entity)" not in problem] == [], problems

    await browser.get_by_role("button", name="Sign out").click()
    await sign_in(stack, browser, QHL_DCO, "10-qhl")
    assert await first_cells(browser, "open-requests") == [short("H")]
    await visit(stack, browser, "11-qhl-overdue", lambda: browser.get_by_role("link", name="Overdue").click())
    assert await first_cells(browser, "overdue-requests") == [short("H")]
    await visit(stack, browser, "12-qhl-timeline-of-qhm", lambda: browser.goto(
        f"{stack.dashboard}/dashboard/requests/{request_id('D')}"
    ))  # fmt: skip
    assert await browser.get_by_role("heading", level=1).inner_text() == "No such advice request"
    response = await browser.request.get(f"{stack.dashboard}/dashboard/requests.csv")
    assert [row[0] for row in csv.reader(io.StringIO(await response.text()))][1:] == [str(request_id("H"))]

    with capsys.disabled():
        print(f"\ndashboard screenshots and CSV: {ARTEFACTS}")
        for name, seconds in stack.timings.items():
            print(f"  {name}: {seconds * 1000:.0f} ms")
