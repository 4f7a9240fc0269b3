"""``python -m pathfinder.notifications.load_postcodes ONSPD.csv [--la-codes LA_CODES.csv]``:
load a postcode directory (ONS Postcode Directory columns) so that the responsible LA of any English postcode
can be derived. ``--la-codes`` maps education authorities' GSS codes to DfE LA codes (columns
``gss_code,la_code``); without it only the seed areas are mapped."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from pathlib import Path

from pathfinder.notifications.adapters.postcode_directory import (
    directory_entries,
    load_postcode_directory,
    seed_area_la_codes,
)
from pathfinder.notifications.settings import NotificationsSettings
from pathfinder.persistence.database import create_engine


def read_la_codes(path: Path | None) -> dict[str, str]:
    if path is None:
        return seed_area_la_codes()
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["gss_code"].strip(): row["la_code"].strip() for row in csv.DictReader(handle)}


async def load(directory: Path, la_codes: dict[str, str], database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with directory.open(encoding="utf-8-sig", newline="") as handle:
            return await load_postcode_directory(engine, directory_entries(csv.DictReader(handle), la_codes))
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path, help="ONSPD-style CSV: pcds, oslaua, oscty, doterm, ctry")
    parser.add_argument("--la-codes", type=Path, default=None, help="CSV of gss_code,la_code")
    arguments = parser.parse_args(argv)
    loaded = asyncio.run(
        load(arguments.directory, read_la_codes(arguments.la_codes), NotificationsSettings().database_url)
    )
    print(f"loaded {loaded} postcodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
