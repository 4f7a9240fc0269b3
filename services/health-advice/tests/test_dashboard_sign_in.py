# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The dashboard's sign-in adapter against identity as its API process builds it (a migrated database, real keys,
a real person account): the token it brings back is one health-advice's own verifier accepts."""

from __future__ import annotations

import httpx
import pytest
from identity_kit import ISSUER, TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.clock import ManualClock
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.keys import StaticJwks
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.health_advice.adapters.identity_sign_in import REFUSED, IdentitySignIn
from pathfinder.health_advice.service_layer.dashboard_sign_in import SignInRefused, SignInUnavailable
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.bootstrap import bootstrap
from pathfinder.identity.seed import seed_organisations
from pathfinder.identity.settings import IdentitySettings

PASSWORD = "a long passphrase for the dashboard test"


async def test_identity_signs_a_dco_in_for_health_advice(fresh_database, monkeypatch) -> None:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    identity = bootstrap(
        IdentitySettings(database_url=await migrated_identity_database(await fresh_database("dashboard_sign_in"))),
        clock=ManualClock(running=True),
    )
    access = identity.access
    try:
        await onboarding.load_organisations(seed_organisations(), uow=access.unit_of_work())
        await onboarding.open_person_account(
            "dco@qhm.example.nhs.uk", "Designated Clinical Officer", "QHM", [Scope.ADVICE_READ], PASSWORD,
            uow=access.unit_of_work(), passwords=access.passwords, now=identity.clock(),
        )  # fmt: skip
        app = identity.app()
        people = IdentitySignIn(ISSUER, transport=httpx.ASGITransport(app=app))

        signed = await people.sign_in("dco@qhm.example.nhs.uk", PASSWORD, source="192.0.2.7")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
            keys = StaticJwks((await http.get("/.well-known/jwks.json")).json())
        verifier = AccessTokenVerifier(keys, issuer=ISSUER, audience=audience_of("health-advice"))
        dco = await verifier.verify(signed.access_token)
        assert (dco.kind, dco.organisation, dco.role, signed.expires_in) == ("person", "QHM", OrganisationRole.ICB, 600)
        assert dco.has_scope(Scope.ADVICE_READ)

        with pytest.raises(SignInRefused) as refused:
            await people.sign_in("dco@qhm.example.nhs.uk", "not the password", source=None)
        assert refused.value.reason == REFUSED
        with pytest.raises(SignInUnavailable):
            await IdentitySignIn("http://127.0.0.1:9", timeout_seconds=2).sign_in("dco", PASSWORD, source=None)
    finally:
        await identity.engine.dispose()
