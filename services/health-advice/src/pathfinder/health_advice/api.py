"""``python -m pathfinder.health_advice.api``: the HTTP API
(``PATHFINDER_HEALTH_ADVICE_HTTP_PROCESSES`` processes)."""

from fastapi import FastAPI
from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.settings import SERVICE, HealthAdviceSettings
from pathfinder.web.server import run_api_process, serving


def application() -> FastAPI:
    """The app of each API process (uvicorn calls it in every worker process)."""
    return serving(SERVICE, lambda: bootstrap(HealthAdviceSettings()).app())


if __name__ == "__main__":
    settings = HealthAdviceSettings()
    run_api_process(
        f"{__spec__.name}:application",
        host=settings.http_host,
        port=settings.http_port,
        processes=settings.http_processes,
    )
