"""Which LA is responsible for a child, from the postcode of their home: a full postcode directory loaded into
the database (ONS Postcode Directory style) first, then the postcode districts of the seed areas shipped with
the service."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from importlib.resources import files
from itertools import islice

from pathfinder.notifications.adapters.tables import postcode_la
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

_REFERENCE_DATA = files("pathfinder.notifications") / "reference_data"
_BATCH = 5_000


def _compact(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def postcode_district(postcode: str) -> str:
    """The outward code: ``DL1 4AB`` is in district ``DL1``."""
    return _compact(postcode)[:-3]


def _reference_rows(name: str) -> list[dict[str, str]]:
    text = (_REFERENCE_DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_area_districts() -> dict[str, str]:
    return {row["district"]: row["la_code"] for row in _reference_rows("postcode_districts.csv")}


def seed_area_la_codes() -> dict[str, str]:
    """ONS GSS code of an education authority -> DfE LA code, for the seed areas."""
    return {row["gss_code"]: row["la_code"] for row in _reference_rows("la_gss_codes.csv")}


class PostcodeDirectory:
    def __init__(self, engine: AsyncEngine, districts: Mapping[str, str] | None = None) -> None:
        self._engine = engine
        self._districts = dict(districts) if districts is not None else seed_area_districts()

    async def responsible_la(self, postcode: str) -> str | None:
        async with self._engine.connect() as connection:
            query = select(postcode_la.c.la_code).where(postcode_la.c.postcode == _compact(postcode))
            found: str | None = (await connection.execute(query)).scalar_one_or_none()
        return found or self._districts.get(postcode_district(postcode))

    async def responsible_las(self, postcodes: Iterable[str]) -> dict[str, str | None]:
        wanted = {postcode: _compact(postcode) for postcode in postcodes}
        if not wanted:
            return {}
        async with self._engine.connect() as connection:
            query = select(postcode_la.c.postcode, postcode_la.c.la_code).where(
                postcode_la.c.postcode.in_(set(wanted.values()))
            )
            found: dict[str, str] = {row.postcode: row.la_code for row in await connection.execute(query)}
        return {
            postcode: found.get(compact) or self._districts.get(postcode_district(postcode))
            for postcode, compact in wanted.items()
        }


def directory_entries(rows: Iterable[Mapping[str, str]], la_codes: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(postcode, DfE LA code) of every live English postcode in ONSPD-style rows (``pcds``, ``oslaua``,
    ``oscty``, ``doterm``, ``ctry``). Education belongs to the county council in two-tier areas, so a county
    code (E10) wins over the district's."""
    for row in rows:
        if (row.get("doterm") or "").strip() or (row.get("ctry") or "E92000001") != "E92000001":
            continue
        county, district = (row.get("oscty") or "").strip(), (row.get("oslaua") or "").strip()
        la_code = la_codes.get(county if county.startswith("E10") else district)
        postcode = _compact(row.get("pcds") or row.get("pcd") or "")
        if la_code and postcode:
            yield postcode, la_code


async def load_postcode_directory(engine: AsyncEngine, entries: Iterable[tuple[str, str]]) -> int:
    """Insert or update the directory in batches; returns how many postcodes were loaded."""
    loaded = 0
    remaining = iter(entries)
    while batch := list(islice(remaining, _BATCH)):
        statement = insert(postcode_la).values([{"postcode": code, "la_code": la} for code, la in batch])
        statement = statement.on_conflict_do_update(
            index_elements=[postcode_la.c.postcode], set_={"la_code": statement.excluded.la_code}
        )
        async with engine.begin() as connection:
            await connection.execute(statement)
        loaded += len(batch)
    return loaded
