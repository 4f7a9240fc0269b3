"""The real UK Core examples in ``examples/``, loaded as plain JSON dictionaries (a fresh copy per call)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).parent / "examples"


def load_example(name: str) -> dict[str, Any]:
    """``name`` without the ``UKCore-`` prefix and ``-Example.json`` suffix, e.g. ``Patient-BabyPatient``."""
    document: dict[str, Any] = json.loads((EXAMPLES / f"UKCore-{name}-Example.json").read_text())
    return document


@pytest.fixture
def uk_core_example() -> Callable[[str], dict[str, Any]]:
    return load_example
