"""``python -m pathfinder.ehcp.api``: the HTTP API, in as many processes as ``PATHFINDER_EHCP_HTTP_PROCESSES`` says."""

from fastapi import FastAPI
from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.settings import SERVICE, EhcpSettings
from pathfinder.web.server import run_api_process, serving


def application() -> FastAPI:
    """The app of each API process (uvicorn calls it in every worker process)."""
    return serving(SERVICE, lambda: bootstrap(EhcpSettings()).app())


if __name__ == "__main__":
    settings = EhcpSettings()
    run_api_process(
        f"{__spec__.name}:application",
        host=settings.http_host,
        port=settings.http_port,
        processes=settings.http_processes,
    )
