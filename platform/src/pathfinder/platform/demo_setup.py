"""What the demo sets up on a running platform: organisations and API clients (through the identity command),
access tokens the way a real system gets them, and an LA's subscriptions."""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from pathfinder.auth.client_credentials import ClientCredentialsTokens, TokenUnavailable
from pathfinder.contracts.fhir import EarlyYearsNotificationSubmission, early_years_message_bundle
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.fhir.nhs_number import nhs_number_check_digit
from pathfinder.identity.cli import run as identity_cli

IDENTITY = "http://127.0.0.1:8004"
NOTIFICATIONS = "http://127.0.0.1:8001"
TRUST_SCOPES = ("notifications:submit", "notifications:read")
LA_SCOPES = ("subscriptions:manage", "notifications:read", "notifications:acknowledge")
GIVEN = ("Amelia", "Noah", "Isla", "Leo", "Ava", "Oscar", "Freya", "Arlo", "Maya", "Theo", "Ivy", "Jude", "Elsie")
FAMILY = ("Hughes", "Bell", "Thompson", "Walker", "Pearce", "Mudge", "Okafor", "Nowak", "Patel", "Moyo", "Reid")


class DemoFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Client:
    org: str
    client_id: str
    key_file: Path


async def _cli(database_url: str, *args: str) -> str:
    out = io.StringIO()
    status = await identity_cli(list(args), database_url=database_url, out=out)
    if status != 0:
        raise DemoFailed(f"pathfinder-identity {' '.join(args[:2])}: {out.getvalue().strip()}")
    return out.getvalue()


async def seed(database_url: str, folder: Path, wanted: dict[str, tuple[str, ...]]) -> dict[str, Client]:
    """The seed organisations, and one client per organisation in ``wanted`` (org -> scopes), kept in ``folder``
    and reused on the next run while identity still knows them."""
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before any request)
    await _cli(database_url, "org", "load-csv")
    saved_file = folder / "clients.json"
    saved: dict[str, str] = json.loads(saved_file.read_text()) if saved_file.exists() else {}
    clients: dict[str, Client] = {}
    for org, scopes in wanted.items():
        key, jwks = folder / f"{org}.pem", folder / f"{org}.jwks.json"
        if not key.exists():
            saved.pop(org, None)
            await _cli(database_url, "client", "keygen", "--bits", "2048", "--out", str(key), "--jwks-out", str(jwks))
        client_id = saved.get(org)
        if client_id is None or client_id not in await _cli(database_url, "client", "list", "--org", org):
            added = await _cli(
                database_url, "client", "add", "--org", org, "--name", f"demo {org}", "--scopes", *scopes,
                "--jwks", str(jwks),
            )  # fmt: skip
            client_id = next(line.split()[1] for line in added.splitlines() if line.startswith("client_id:"))
            saved[org] = client_id
        clients[org] = Client(org, client_id, key)
    saved_file.write_text(json.dumps(saved, indent=2) + "\n")
    return clients


async def token(http: httpx.AsyncClient, client: Client) -> dict[str, str]:
    """Authorization header from identity's token endpoint, for a signed client assertion (private_key_jwt)."""
    tokens = ClientCredentialsTokens.from_key_file(f"{IDENTITY}/oauth2/token", client.client_id, client.key_file, http)
    try:
        return {"Authorization": f"Bearer {await tokens.access_token()}"}
    except TokenUnavailable as error:
        raise DemoFailed(f"token for {client.org}: {error}") from None


async def resubscribe(http: httpx.AsyncClient, headers: dict[str, str], **terms: Any) -> dict[str, Any]:
    """Remove the LA's earlier subscriptions, then subscribe anew."""
    listed = await http.get(f"{NOTIFICATIONS}/subscriptions", headers=headers)
    listed.raise_for_status()
    for old in listed.json():
        await http.delete(f"{NOTIFICATIONS}/subscriptions/{old['id']}", headers=headers)
    made = await http.post(f"{NOTIFICATIONS}/subscriptions", json=terms, headers=headers)
    if made.status_code != 201:
        raise DemoFailed(f"subscription: {made.status_code} {made.text}")
    answer: dict[str, Any] = made.json()
    return answer


async def unsubscribe(http: httpx.AsyncClient, headers: dict[str, str], subscription_id: str) -> None:
    removed = await http.delete(f"{NOTIFICATIONS}/subscriptions/{subscription_id}", headers=headers)
    if removed.status_code not in (204, 404):
        raise DemoFailed(f"removing subscription {subscription_id}: {removed.status_code} {removed.text}")


def unissued_nhs_number(rng: random.Random) -> str:
    """A valid NHS number (Modulus 11) in the 999 range, never issued to a person."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def young_child(rng: random.Random, postcode: str) -> ChildDemographics:
    """A two-year-old living at ``postcode``, with an unissued NHS number."""
    return ChildDemographics(
        nhs_number=unissued_nhs_number(rng), given_names=(rng.choice(GIVEN),), family_name=rng.choice(FAMILY),
        birth_date=date(date.today().year - 2, rng.randrange(1, 13), rng.randrange(1, 29)),
        sex=rng.choice(("female", "male")), postcode=postcode,
    )  # fmt: skip


def message(trust: str, la_code: str, child: ChildDemographics) -> dict[str, Any]:
    """A FHIR message Bundle: the trust tells the LA a child under compulsory school age may have SEN."""
    submission = EarlyYearsNotificationSubmission(
        message_id=str(uuid4()), submission_format="fhir-message", notifying_organisation=trust,
        responsible_la=la_code, opinion_formed_on=date.today(), parent_informed_on=date.today(),
        discussion_offered_on=date.today(), sent_at=datetime.now(UTC), child=child,
    )  # fmt: skip
    return early_years_message_bundle(submission, bundle_id=str(uuid4()))
