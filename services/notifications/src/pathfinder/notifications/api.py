"""``python -m pathfinder.notifications.api``: the HTTP API
(``PATHFINDER_NOTIFICATIONS_HTTP_PROCESSES`` processes)."""

from fastapi import FastAPI
from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.settings import SERVICE, NotificationsSettings
from pathfinder.web.server import run_api_process, serving


def application() -> FastAPI:
    """The app of each API process (uvicorn calls it in every worker process)."""
    return serving(SERVICE, lambda: bootstrap(NotificationsSettings()).app())


if __name__ == "__main__":
    settings = NotificationsSettings()
    run_api_process(
        f"{__spec__.name}:application",
        host=settings.http_host,
        port=settings.http_port,
        processes=settings.http_processes,
    )
