"""Rendering the generated documents, writing them, and finding the ones that are out of date."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml
from pathfinder.contracts.artefacts.asyncapi import asyncapi_document
from pathfinder.contracts.artefacts.catalogue_page import catalogue_page
from pathfinder.contracts.artefacts.json_schemas import event_json_schema, schema_file_name
from pathfinder.contracts.catalogue import EVENT_TYPES
from pathfinder.contracts.consumers import ConsumerContract

SCHEMAS_DIR = "schemas"
RELEASED_DIR = "released"
ASYNCAPI_FILE = "asyncapi.yaml"
CATALOGUE_FILE = "CATALOGUE.md"


class ContractsRootNotFound(RuntimeError):
    pass


def contracts_root() -> Path:
    """The libs/contracts folder of a source checkout (the generated files are not part of the wheel)."""
    for folder in Path(__file__).resolve().parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and tomllib.loads(pyproject.read_text())["project"]["name"] == "pathfinder-contracts":
            return folder
    raise ContractsRootNotFound("run this from a source checkout, or pass --root libs/contracts")


def dump_json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_artefacts(contracts: Sequence[ConsumerContract]) -> dict[str, str]:
    """Every generated file, by path relative to the contracts root."""
    rendered = {
        f"{SCHEMAS_DIR}/{schema_file_name(event_type)}": dump_json(event_json_schema(cls))
        for event_type, cls in sorted(EVENT_TYPES.items())
    }
    document = asyncapi_document(contracts, version=version("pathfinder-contracts"))
    rendered[ASYNCAPI_FILE] = "# Generated from libs/contracts by `pathfinder-contracts generate`; do not edit.\n" + (
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    )
    rendered[CATALOGUE_FILE] = catalogue_page(contracts)
    return rendered


def stale_artefacts(root: Path, rendered: dict[str, str]) -> list[str]:
    """Generated files that are missing, differ, or should no longer exist."""
    stale = [path for path, text in rendered.items() if _read(root / path) != text]
    extra = [
        f"{SCHEMAS_DIR}/{path.name}"
        for path in sorted((root / SCHEMAS_DIR).glob("*.schema.json"))
        if f"{SCHEMAS_DIR}/{path.name}" not in rendered
    ]
    return sorted(stale + extra)


def write_artefacts(root: Path, rendered: dict[str, str]) -> list[str]:
    changed = stale_artefacts(root, rendered)
    for path in changed:
        target = root / path
        if path in rendered:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered[path])
        else:
            target.unlink()
    return changed


def load_schemas(folder: Path) -> dict[str, dict[str, Any]]:
    """``*.schema.json`` in ``folder`` by event type."""
    schemas: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.schema.json")):
        schemas[path.name.removesuffix(".schema.json")] = json.loads(path.read_text())
    return schemas


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None
