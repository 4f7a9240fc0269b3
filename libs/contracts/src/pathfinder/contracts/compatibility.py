"""Is the current set of event schemas compatible with the last released set?

Every event model is closed: a consumer rejects what its version's schema does not allow, and replays feed old
events to new consumers. So a released version may change only in annotations (titles, descriptions,
examples); anything that changes which events are valid, or where and how they travel, needs a new version and
an upcaster. Adding event types and versions is always compatible; removing a released version never is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pathfinder.contracts.artefacts.json_schemas import METADATA

ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "default", "deprecated", "$id", "$schema"})
# Routing metadata that does not change what a consumer receives.
INFORMATIVE_METADATA = frozenset({"producer"})


@dataclass(frozen=True)
class Incompatibility:
    event_type: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.event_type}: {self.where}: {self.what}"


@dataclass(frozen=True)
class CompatibilityReport:
    incompatibilities: tuple[Incompatibility, ...]
    added: tuple[str, ...]
    unchanged: tuple[str, ...]
    annotations_changed: tuple[str, ...]

    @property
    def compatible(self) -> bool:
        return not self.incompatibilities


def compare_schema_sets(released: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> CompatibilityReport:
    incompatibilities: list[Incompatibility] = []
    unchanged: list[str] = []
    annotations_changed: list[str] = []
    for event_type, old in sorted(released.items()):
        new = current.get(event_type)
        if new is None:
            incompatibilities.append(
                Incompatibility(event_type, "(event type)", "released version removed: old events could not be read")
            )
            continue
        found = [Incompatibility(event_type, where, what) for where, what in _differences(old, new)]
        incompatibilities += found
        if not found:
            (unchanged if old == new else annotations_changed).append(event_type)
    added = tuple(sorted(set(current) - set(released)))
    return CompatibilityReport(tuple(incompatibilities), added, tuple(unchanged), tuple(annotations_changed))


def _differences(old: dict[str, Any], new: dict[str, Any]) -> Iterator[tuple[str, str]]:
    old_metadata, new_metadata = old.get(METADATA, {}), new.get(METADATA, {})
    for key in sorted(set(old_metadata) | set(new_metadata)):
        if key not in INFORMATIVE_METADATA and old_metadata.get(key) != new_metadata.get(key):
            yield f"{METADATA}.{key}", f"changed from {old_metadata.get(key)!r} to {new_metadata.get(key)!r}"
    yield from _compare(_validation_shape(old, old), _validation_shape(new, new), "")


def _validation_shape(node: Any, root: dict[str, Any]) -> Any:
    """The schema with references inlined and annotations dropped: only what decides validity."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = _resolve(root, node["$ref"])
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _validation_shape(merged, root)
        return {
            key: _validation_shape(value, root)
            for key, value in node.items()
            if key not in ANNOTATIONS and key != METADATA and key != "$defs"
        }
    if isinstance(node, list):
        return [_validation_shape(item, root) for item in node]
    return node


def _resolve(root: dict[str, Any], reference: str) -> dict[str, Any]:
    if not reference.startswith("#/"):
        raise ValueError(f"only local references are supported, not {reference!r}")
    node: Any = root
    for part in reference[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise ValueError(f"{reference!r} does not point at a schema")
    return node


def _compare(old: Any, new: Any, path: str) -> Iterator[tuple[str, str]]:
    where = path or "(event)"
    if isinstance(old, dict) and isinstance(new, dict):
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        for name in sorted(set(old_fields) - set(new_fields)):
            yield _field(path, name), "field removed: events of this version carry it and consumers may need it"
        for name in sorted(set(new_fields) - set(old_fields)):
            yield _field(path, name), "field added: consumers of this version reject events that carry it"
        for name in sorted(set(old_fields) & set(new_fields)):
            yield from _compare(old_fields[name], new_fields[name], _field(path, name))
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name in sorted(new_required - old_required):
            yield _field(path, name), "became required: older events may lack it"
        for name in sorted(old_required - new_required):
            yield _field(path, name), "no longer required: consumers of this version expect it"
        for key in sorted((set(old) | set(new)) - {"properties", "required"}):
            if key not in old:
                yield where, f"constraint {key!r} added ({new[key]!r}): events valid before may be rejected"
            elif key not in new:
                yield where, f"constraint {key!r} removed (was {old[key]!r}): consumers may reject new events"
            elif key == "enum":
                yield from _enum_change(old[key], new[key], where)
            elif isinstance(old[key], dict | list) and isinstance(new[key], dict | list):
                yield from _compare(old[key], new[key], f"{path}.{key}" if path else key)
            elif old[key] != new[key]:
                yield where, f"constraint {key!r} changed from {old[key]!r} to {new[key]!r}"
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            yield from _compare(before, after, f"{path}[{index}]")
    elif old != new:
        yield where, f"changed from {old!r} to {new!r}"


def _enum_change(old: list[Any], new: list[Any], where: str) -> Iterator[tuple[str, str]]:
    added, removed = [v for v in new if v not in old], [v for v in old if v not in new]
    if added:
        yield where, f"values {added!r} added: consumers of this version reject them"
    if removed:
        yield where, f"values {removed!r} removed: older events carrying them become unreadable"


def _field(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
