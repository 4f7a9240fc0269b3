# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The responsible LA from a postcode: the seed areas' districts shipped with the service, and a full
ONSPD-style directory loaded into PostgreSQL by the loader command, which wins where it has the postcode."""

from __future__ import annotations

import pytest
from notifications_kit.service import migrated
from pathfinder.notifications import load_postcodes
from pathfinder.notifications.adapters.postcode_directory import PostcodeDirectory, seed_area_districts
from pathfinder.persistence.database import create_engine


@pytest.mark.parametrize(
    ("postcode", "la"),
    [
        ("DL1 4AB", "841"),
        ("dl3 6jq", "841"),
        ("TS24 7AA", "805"),
        ("EX4 3SR", "878"),
        ("TQ12 1AA", "878"),
        ("TQ1 1AA", "880"),
        ("PL1 2AA", "879"),
        ("PL21 0AA", "878"),
        ("EX23 8AA", None),
        ("M1 1AE", None),
    ],
)
def test_the_seed_area_districts(postcode, la) -> None:
    district = "".join(postcode.split()).upper()[:-3]
    assert seed_area_districts().get(district) == la


ONSPD = """pcds,oslaua,oscty,ctry,doterm
M1 1AE,E08000003,E99999999,E92000001,
EX4 3SR,E07000041,E10000008,E92000001,
DL1 4AB,E06000005,E99999999,E92000001,
DL1 9ZZ,E06000005,E99999999,E92000001,202001
CF10 1AA,W06000015,W99999999,W92000004,
"""


async def test_a_loaded_directory_places_any_english_postcode(fresh_database, tmp_path) -> None:
    url = await migrated(await fresh_database("inbound_postcodes"))
    directory, la_codes = tmp_path / "onspd.csv", tmp_path / "la_codes.csv"
    directory.write_text(ONSPD)
    la_codes.write_text("gss_code,la_code\nE08000003,352\nE10000008,878\nE06000005,841\n")
    loaded = await load_postcodes.load(directory, load_postcodes.read_la_codes(la_codes), url)
    assert loaded == 3
    engine = create_engine(url)
    try:
        lookup = PostcodeDirectory(engine)
        assert await lookup.responsible_la("m1 1ae") == "352"  # Manchester, from the directory only
        assert await lookup.responsible_la("EX4 3SR") == "878"  # a county's postcode: the county educates
        assert await lookup.responsible_la("DL1 9ZZ") == "841"  # terminated: the district still answers
        assert await lookup.responsible_la("CF10 1AA") is None  # Wales
    finally:
        await engine.dispose()
