"""The fast tier's fakes: a fresh in-memory access registry (holding the organisations Pathfinder starts with)
and a fresh in-memory person index for each test."""

from __future__ import annotations

import pytest
from identity_kit.access_fakes import FakeAccess
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.seed import seed_organisations


@pytest.fixture
async def access() -> FakeAccess:
    fake = FakeAccess()
    await onboarding.load_organisations(seed_organisations(), uow=fake.unit_of_work())
    return fake


@pytest.fixture
def index() -> FakePersonIndex:
    return FakePersonIndex()
