"""Fixtures on NHS England's MESH sandbox (a pytest plugin, registered by the root conftest.py):

- ``mesh_sandbox`` (session): one real sandbox for the session, over https with its own CA, real authentication
  (``url``, ``shared_key``, ``ca_file``, ``add_mailbox``; see :class:`pathfinder.devstack.mesh_sandbox.MeshSandbox`).
  It needs ``PATHFINDER_MESH_SANDBOX_PYTHON``, which ``python3 dev.py test`` sets.
- ``mesh_mailbox`` (function): ``mesh_mailbox("trust")`` registers a new mailbox with a unique id and a random
  password on the session's sandbox, so tests sharing the sandbox never read each other's messages.
- ``mesh_faults`` (function): a :class:`pathfinder.devstack.mesh_faults.MeshFaults` proxy in front of the session's
  sandbox, new for each test, so an injected fault never outlives its test. Clients use ``mesh_faults.url``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator

import pytest
from pathfinder.devstack.mesh_faults import MeshFaults
from pathfinder.devstack.mesh_sandbox import MeshMailbox, MeshSandbox


@pytest.fixture(scope="session")
def mesh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeshSandbox]:
    with MeshSandbox(tmp_path_factory.mktemp("mesh-sandbox")) as sandbox:
        yield sandbox


@pytest.fixture
def mesh_mailbox(mesh_sandbox: MeshSandbox) -> Callable[[str], MeshMailbox]:
    def add(label: str = "mailbox") -> MeshMailbox:
        prefix = re.sub(r"[^A-Z0-9]", "", label.upper())[:8]
        return mesh_sandbox.add_mailbox(f"{prefix}{secrets.token_hex(4).upper()}", secrets.token_urlsafe(16))

    return add


@pytest.fixture
def mesh_faults(mesh_sandbox: MeshSandbox) -> Iterator[MeshFaults]:
    with MeshFaults(mesh_sandbox) as faults:
        yield faults
