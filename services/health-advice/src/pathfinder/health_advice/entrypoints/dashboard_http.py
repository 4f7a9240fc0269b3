"""What the dashboard's pages share: what they depend on (installed by the composition root), the templates they
render, the static files they link to, and how they read a posted form.

Every page is an HTML document rendered on the server; its charts are drawn by the vendored Chart.js from the
table of figures under each chart, so a page reads the same without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pathfinder.health_advice.domain.clock import DUE_SOON_DAYS, london_date
from pathfinder.health_advice.service_layer.dashboard_sign_in import PersonSignIn
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.web.dependencies import RouteDependencies

PREFIX = "/dashboard"
_FORM = "application/x-www-form-urlencoded"
_MAX_FORM_BYTES = 16_384

# No inline script or style anywhere: the pages load the service's own files only.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DashboardHttp:
    unit_of_work: Callable[[], HealthAdviceUnitOfWork]
    people: PersonSignIn
    """Identity's sign-in, asked with the person's username and password."""
    secure_cookie: bool = False
    """Mark the session cookie Secure over plain http too (TLS ends at a proxy in front)."""
    now: Callable[[], datetime] = field(default=_utc_now)

    def today(self) -> date:
        return london_date(self.now())


provided = RouteDependencies(DashboardHttp)
Dashboard = Annotated[DashboardHttp, Depends(provided)]

_templates = Environment(
    loader=PackageLoader("pathfinder.health_advice.entrypoints", "dashboard_templates"),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


_WORDS = {
    "in-progress": "In progress",
    "clock-stopped": "Clock stopped",
    "clock-restarted": "Clock restarted",
    "submitted": "Advice submitted",
    "exceptional-circumstances": "Exceptional circumstances (reg 8(2)(a))",
    "absent-from-area": "Away from the area 4 weeks or more (reg 8(2)(b))",
    "missed-appointment": "Missed appointment (reg 8(2)(c))",
    "true": "yes",
    "false": "no",
}


def _words(code: object) -> str:
    text = str(code)
    return _WORDS.get(text, text.replace("-", " ").capitalize())


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


_templates.filters.update(day=_day, status=_words, step=_words, reason=lambda code: _WORDS.get(str(code), str(code)))
_templates.globals.update(due_soon_days=DUE_SOON_DAYS)


def render(template: str, *, status: int = 200, headers: Mapping[str, str] | None = None, **context: Any) -> Response:
    context = {"prefix": PREFIX, "session": None, "page": None, "today": None, **context}
    body = _templates.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def problem_page(status: int, title: str, detail: str, **context: Any) -> Response:
    return render("problem.html", status=status, title=title, detail=detail, **context)


async def read_form(request: Request) -> dict[str, str] | None:
    """A posted form, one value per name; None if it is not a form, too large or cannot be read."""
    body = await request.body()
    if not body:
        return {}  # a form of one button
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != _FORM or len(body) > _MAX_FORM_BYTES:
        return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[-1] for name, values in fields.items()}


def from_this_site(request: Request) -> bool:
    """A form posted by one of the dashboard's own pages. The session cookie is SameSite=Strict, so another
    site's form arrives without it anyway; this also refuses another site's sign-in form (login CSRF)."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None and fetched_from not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    # The host alone: behind a proxy that ends TLS the scheme here is http while the browser's is https.
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


static_router = APIRouter(prefix=PREFIX, include_in_schema=False)

_STATIC = files("pathfinder.health_advice.entrypoints").joinpath("dashboard_static")
_STATIC_TYPES = {
    "dashboard.css": "text/css; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "vendor/chart.umd.min.js": "text/javascript; charset=utf-8",
    "vendor/chart.js-LICENSE.md": "text/plain; charset=utf-8",
}


@cache
def _static_bytes(name: str) -> bytes:
    return _STATIC.joinpath(name).read_bytes()


@static_router.get("/static/{name:path}")
async def static_file(name: str) -> Response:
    """Only the files listed: a name never reaches the file system unchecked."""
    media_type = _STATIC_TYPES.get(name)
    if media_type is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(
        _static_bytes(name),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
