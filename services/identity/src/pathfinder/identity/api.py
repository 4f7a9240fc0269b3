"""``python -m pathfinder.identity.api``: the HTTP API
(``PATHFINDER_IDENTITY_HTTP_PROCESSES`` processes)."""

from fastapi import FastAPI
from pathfinder.identity.bootstrap import bootstrap
from pathfinder.identity.settings import SERVICE, IdentitySettings
from pathfinder.web.server import run_api_process, serving


def application() -> FastAPI:
    """The app of each API process (uvicorn calls it in every worker process)."""
    return serving(SERVICE, lambda: bootstrap(IdentitySettings()).app())


if __name__ == "__main__":
    settings = IdentitySettings()
    run_api_process(
        f"{__spec__.name}:application",
        host=settings.http_host,
        port=settings.http_port,
        processes=settings.http_processes,
    )
