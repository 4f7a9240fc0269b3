"""Access in memory, for the fast tier: a unit of work with repositories that keep what PostgreSQL would, and
fakes of the cryptographic ports. A fake client key "signs" an assertion by naming a secret its public JWK
carries, so the use cases' checks run as they do for real, without RSA."""

from __future__ import annotations

import json
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Any

from pathfinder.auth import Principal
from pathfinder.identity.access.domain.client_assertions import ASSERTION_ALGORITHM, AssertionRefused
from pathfinder.identity.access.domain.clients import ApiClient, ClientKey
from pathfinder.identity.access.domain.organisations import Organisation
from pathfinder.identity.access.domain.person_accounts import PersonAccount
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey
from pathfinder.identity.access.service_layer.ports import UnusableKey
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork

from identity_kit.in_memory import Committed, InMemoryUnitOfWork


@dataclass
class AccessState:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    clients: dict[str, ApiClient] = field(default_factory=dict)
    spent: dict[tuple[str, str], datetime] = field(default_factory=dict)
    accounts: dict[str, PersonAccount] = field(default_factory=dict)
    signing_keys: dict[str, StoredSigningKey] = field(default_factory=dict)


class FakeOrganisationRepository:
    def __init__(self, state: AccessState) -> None:
        self._state = state

    async def get(self, code: str) -> Organisation | None:
        return self._state.organisations.get(code)

    async def all(self) -> list[Organisation]:
        return sorted(self._state.organisations.values(), key=lambda org: (org.role.value, org.code))

    async def add(self, org: Organisation) -> None:
        assert org.code not in self._state.organisations, "the primary key refuses a second row"
        self._state.organisations[org.code] = org

    async def rename(self, code: str, name: str) -> None:
        held = self._state.organisations[code]
        self._state.organisations[code] = Organisation(held.code, name, held.role, held.active)


class FakeApiClientRepository:
    def __init__(self, state: AccessState) -> None:
        self._state = state

    async def get(self, client_id: str) -> ApiClient | None:
        held = self._state.clients.get(client_id)
        if held is None:
            return None
        found = deepcopy(held)
        found.organisation = self._state.organisations[held.organisation.code]
        return found

    async def of_organisation(self, code: str) -> list[ApiClient]:
        held = sorted(self._state.clients.values(), key=lambda client: client.registered_at)
        return [
            found for client in held if client.organisation.code == code if (found := await self.get(client.client_id))
        ]

    async def add(self, client: ApiClient) -> None:
        assert client.client_id not in self._state.clients
        self._state.clients[client.client_id] = deepcopy(client)

    async def add_key(self, client_id: str, key: ClientKey) -> None:
        keys = self._state.clients[client_id].keys
        assert key.kid not in keys, "the primary key refuses a second row"
        keys[key.kid] = key

    async def revoke_key(self, client_id: str, key: ClientKey) -> None:
        self._state.clients[client_id].keys[key.kid] = key

    async def revoke(self, client: ApiClient) -> None:
        self._state.clients[client.client_id].revoked_at = client.revoked_at


class FakeAssertionLedger:
    def __init__(self, state: AccessState) -> None:
        self._state = state

    async def spend(self, client_id: str, jti: str, remember_until: datetime) -> bool:
        if (client_id, jti) in self._state.spent:
            return False
        self._state.spent[(client_id, jti)] = remember_until
        return True

    async def forget_expired(self, now: datetime) -> int:
        expired = [spent for spent, until in self._state.spent.items() if until < now]
        for spent in expired:
            del self._state.spent[spent]
        return len(expired)


class FakePersonAccountRepository:
    def __init__(self, state: AccessState) -> None:
        self._state = state

    async def by_username(self, username: str) -> PersonAccount | None:
        held = self._state.accounts.get(username)
        return None if held is None else deepcopy(held)

    async def add(self, account: PersonAccount) -> None:
        assert account.username not in self._state.accounts, "the unique username refuses a second row"
        self._state.accounts[account.username] = deepcopy(account)

    async def save_attempt(self, account: PersonAccount) -> None:
        held = self._state.accounts[account.username]
        held.failed_attempts, held.locked_until = account.failed_attempts, account.locked_until
        held.last_signed_in_at, held.password_hash = account.last_signed_in_at, account.password_hash


class FakeSigningKeyStore:
    def __init__(self, state: AccessState) -> None:
        self._state = state
        self.locked = False

    async def lock(self) -> None:
        self.locked = True

    async def all(self) -> list[StoredSigningKey]:
        return sorted(self._state.signing_keys.values(), key=lambda key: key.activates_at)

    async def add(self, key: StoredSigningKey) -> None:
        assert self.locked, "keys are added under the store's lock"
        self._state.signing_keys[key.kid] = key

    async def retire(self, kid: str, at: datetime) -> None:
        assert self.locked, "keys are retired under the store's lock"
        held = self._state.signing_keys[kid]
        self._state.signing_keys[kid] = StoredSigningKey(
            held.kid,
            held.public_jwk,
            held.encrypted_private_key,
            held.key_encryption_key_id,
            held.created_at,
            held.activates_at,
            at,
        )


class FakeAccessUnitOfWork(InMemoryUnitOfWork[AccessState], AccessUnitOfWork):
    def open_repositories(self, state: AccessState) -> None:
        self.organisations = FakeOrganisationRepository(state)
        self.clients = FakeApiClientRepository(state)
        self.assertions = FakeAssertionLedger(state)
        self.accounts = FakePersonAccountRepository(state)
        self.signing_keys = FakeSigningKeyStore(state)


class FakePasswords:
    """Hashes that name their scheme, so a test can leave one behind and see it rehashed."""

    def __init__(self, scheme: str = "v2") -> None:
        self.scheme = scheme
        self.time_wasted = 0

    async def hash(self, password: str) -> str:
        return f"{self.scheme}${password[::-1]}"

    async def matches(self, password_hash: str, password: str) -> bool:
        return password_hash.split("$", 1)[-1] == password[::-1]

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"{self.scheme}$")

    async def waste_time(self, password: str) -> None:
        self.time_wasted += 1


@dataclass(frozen=True)
class FakeToken:
    token: str
    expires_in: int
    scope: str
    principal: Principal


class FakeTokens:
    def __init__(self) -> None:
        self.issued: list[FakeToken] = []

    async def issue(self, principal: Principal, *, now: datetime) -> FakeToken:
        token = FakeToken(f"token-{len(self.issued) + 1}", 600, " ".join(sorted(principal.scopes)), principal)
        self.issued.append(token)
        return token


class AllowanceSpent(Exception):
    pass


@dataclass
class FakeAllowance:
    """Each client's token allowance: who spent it, in order; once ``each`` are spent by a client, a refusal."""

    each: int | None = None
    spent: list[str] = field(default_factory=list)

    async def __call__(self, client_id: str) -> None:
        if self.each is not None and self.spent.count(client_id) >= self.each:
            raise AllowanceSpent(client_id)
        self.spent.append(client_id)


def fake_key_check(jwk: Mapping[str, Any]) -> None:
    if jwk.get("kty") != "RSA" or not jwk.get("n"):
        raise UnusableKey("only RSA keys (kty 'RSA') are accepted")
    if "d" in jwk:
        raise UnusableKey("the JWK holds private key material: publish only the public key")


_secrets = count(1)


@dataclass(frozen=True)
class FakeClientKey:
    kid: str
    secret: str = field(default_factory=lambda: f"secret-{next(_secrets)}")

    @property
    def jwk(self) -> dict[str, str]:
        return {"kty": "RSA", "kid": self.kid, "n": self.secret, "e": "AQAB"}

    def sign(self, claims: Mapping[str, Any], **header: Any) -> str:
        """An assertion carrying ``claims``; ``header`` replaces or (given None) removes alg and kid."""
        headers = {"alg": ASSERTION_ALGORITHM, "kid": self.kid, **header}
        body = {"header": {n: v for n, v in headers.items() if v is not None}, "claims": dict(claims)}
        return json.dumps({**body, "signed_with": self.secret})


class FakeAssertions:
    def read_unverified(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            document = json.loads(assertion)
            return dict(document["header"]), dict(document["claims"])
        except (ValueError, KeyError, TypeError):
            raise AssertionRefused("The client assertion is not a well-formed JWT.") from None

    def verified_claims(self, assertion: str, public_jwk: Mapping[str, Any]) -> dict[str, Any]:
        fake_key_check(public_jwk)
        if json.loads(assertion)["signed_with"] != public_jwk["n"]:
            raise AssertionRefused("The client assertion's signature does not verify with the key its 'kid' names.")
        return self.read_unverified(assertion)[1]


class FakeKeyMaker:
    def __init__(self, key_encryption_key_id: str = "kek-1") -> None:
        self.key_encryption_key_id = key_encryption_key_id
        self.made = 0

    async def make(self, *, now: datetime, activates_at: datetime) -> StoredSigningKey:
        self.made += 1
        kid = f"{self.key_encryption_key_id}-key-{self.made}"
        return StoredSigningKey(kid, {"kid": kid}, b"sealed", self.key_encryption_key_id, now, activates_at)


@dataclass
class FakeAccess:
    """One fake database of access and the fakes of its ports, as the use cases are given them."""

    committed: Committed[AccessState] = field(default_factory=lambda: Committed(AccessState()))
    passwords: FakePasswords = field(default_factory=FakePasswords)
    tokens: FakeTokens = field(default_factory=FakeTokens)
    assertions: FakeAssertions = field(default_factory=FakeAssertions)
    allowance: FakeAllowance = field(default_factory=FakeAllowance)

    @property
    def state(self) -> AccessState:
        return self.committed.state

    def unit_of_work(self) -> FakeAccessUnitOfWork:
        return FakeAccessUnitOfWork(self.committed)
