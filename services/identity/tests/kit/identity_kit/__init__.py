"""Identity's test kit, never imported by the service itself:

- ``access``, ``persons``: the service in-process on a migrated database, driven over HTTP;
- ``access_fakes``, ``person_index_fakes`` (on ``in_memory``): both contexts' units of work and ports in memory,
  for the fast tier;
- ``callers``, ``children``, ``clock``: principals, identifiers and incoming records, a clock moved by hand;
- ``synthetic_population``: households of children and agencies' records of them, for measuring matching.
"""

from __future__ import annotations

from pathfinder.persistence.migrations import upgrade_to_head

MIGRATIONS = "pathfinder.identity:migrations"
ISSUER = "https://identity.pathfinder.test"
TOKEN_URL = f"{ISSUER}/oauth2/token"
# Fixed so that two service instances in one test share their signing keys and open each other's persons, as
# replicas do.
TEST_KEY_ENCRYPTION_KEY = "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0zMmI"
TEST_MASTER_KEY = "cGVyc29uLWluZGV4LXRlc3Qtb25seS1tYXN0ZXItayE"
TEST_ENVIRONMENT = {
    "PATHFINDER_AUTH_ISSUER": ISSUER,
    "PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY": TEST_KEY_ENCRYPTION_KEY,
    "PATHFINDER_IDENTITY_MASTER_KEY": TEST_MASTER_KEY,
    "PATHFINDER_IDENTITY_SIGNING_KEY_BITS": "2048",
    "PATHFINDER_TELEMETRY_EXPORTER": "none",
}


async def migrated_identity_database(url: str) -> str:
    await upgrade_to_head(MIGRATIONS, url)
    return url
