"""What the person who started the platform is shown once it is ready."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from pathfinder.platform.services import HOST, PlatformService


def print_summary(
    services: tuple[PlatformService, ...],
    urls: dict[str, str],
    broker_where: str,
    postgres_where: str,
    more: list[str] | None = None,
) -> None:
    rows = [("service", "API", "OpenAPI docs", "database")]
    for s in services:
        base = f"http://{HOST}:{s.http_port}"
        rows.append((s.name, base, f"{base}/docs", s.database_name))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["", "Pathfinder is running. Ctrl-C stops everything.", ""]
    lines += ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3] for row in rows]
    lines += ["", f"  broker      {broker_where}", f"  PostgreSQL  {postgres_where}", *(more or []), ""]
    print("\n".join(lines), flush=True)


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
