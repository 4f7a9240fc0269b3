"""The DCO's dashboard: its routers, for the composition root to include, and what they depend on, for it to
install (``install(app, DashboardHttp(...))``)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pathfinder.health_advice.entrypoints import dashboard_actions, dashboard_pages, dashboard_session
from pathfinder.health_advice.entrypoints.dashboard_http import DashboardHttp, provided, static_router


def routers() -> tuple[APIRouter, ...]:
    return static_router, dashboard_session.router, dashboard_pages.router, dashboard_actions.router


def install(app: FastAPI, dependencies: DashboardHttp) -> None:
    provided.install(app, dependencies)
