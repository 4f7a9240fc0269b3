"""Connecting a service to the PostgreSQL database it owns."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pathfinder.persistence.closed_connections import drop_closed_connections
from pathfinder.persistence.database_errors import keep_personal_data_out_of_errors
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """Accept a plain libpq URI (as PostgreSQL tools print it) or a SQLAlchemy one, return the asyncpg form."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        scheme = "postgresql+asyncpg"
    else:
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def asyncpg_dsn(url: str) -> str:
    """The same database as a DSN that asyncpg.connect() takes directly (used for LISTEN and raw benchmarks)."""
    parts = urlsplit(sqlalchemy_url(url))
    query = urlencode(parse_qsl(parts.query))
    return urlunsplit(("postgresql", parts.netloc, parts.path, query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """The URL of another database on the same server (the server's admin database, a test database)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def with_login(url: str, user: str, password: str | None = None) -> str:
    """The same database, connected to as another role (the runtime role a service runs as)."""
    parts = urlsplit(url)
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    netloc = f"{login}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Every engine of the platform: a database error never carries the values of the statement that failed
    (they are children's names and NHS numbers), neither its bound parameters nor PostgreSQL's DETAIL."""
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        hide_parameters=True,
    )
    keep_personal_data_out_of_errors(engine)
    drop_closed_connections(engine)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
