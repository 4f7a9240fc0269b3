"""``python -m pathfinder.event_history.api``: the HTTP API
(``PATHFINDER_EVENT_HISTORY_HTTP_PROCESSES`` processes)."""

from fastapi import FastAPI
from pathfinder.event_history.bootstrap import bootstrap
from pathfinder.event_history.settings import SERVICE, EventHistorySettings
from pathfinder.web.server import run_api_process, serving


def application() -> FastAPI:
    """The app of each API process (uvicorn calls it in every worker process)."""
    return serving(SERVICE, lambda: bootstrap(EventHistorySettings()).app())


if __name__ == "__main__":
    settings = EventHistorySettings()
    run_api_process(
        f"{__spec__.name}:application",
        host=settings.http_host,
        port=settings.http_port,
        processes=settings.http_processes,
    )
