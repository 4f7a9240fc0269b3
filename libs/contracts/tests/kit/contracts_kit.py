"""Hypothesis strategies for events, drawn from the published JSON Schemas rather than the Python models, so
that tests exercise the contract a consumer in any language sees. Needs hypothesis (a test dependency).

Covers the JSON Schema vocabulary the event schemas use and refuses anything else, so a new keyword cannot be
silently ignored.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from hypothesis import strategies as st
from pathfinder.contracts.artefacts.json_schemas import event_json_schema
from pathfinder.contracts.base import ContractEvent

_IGNORED = {"title", "description", "$schema", "$id", "$defs", "x-pathfinder", "additionalProperties", "default"}
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "date": st.dates().map(lambda day: day.isoformat()),
    "date-time": st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
}


class UnsupportedSchema(ValueError):
    pass


def event_data(cls: type[ContractEvent]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects valid under ``cls``'s schema (every required field, every optional one sometimes)."""
    schema = event_json_schema(cls)
    strategy: st.SearchStrategy[dict[str, Any]] = from_schema(schema, schema)
    return strategy


def events(cls: type[ContractEvent]) -> st.SearchStrategy[ContractEvent]:
    return event_data(cls).map(cls.model_validate)


def from_schema(node: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        target = root["$defs"][node["$ref"].removeprefix("#/$defs/")]
        return from_schema({**target, **{k: v for k, v in node.items() if k != "$ref"}}, root)
    unknown = set(node) - _IGNORED - {"type", "format", "pattern", "enum", "const", "anyOf", "items", "minItems"}
    unknown -= {"properties", "required", "minimum", "maximum", "exclusiveMinimum", "maxLength", "minLength"}
    if unknown:
        raise UnsupportedSchema(f"keywords {sorted(unknown)} are not supported by this generator")
    if "anyOf" in node:
        return st.one_of([from_schema(option, root) for option in node["anyOf"]])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind == "object":
        return _object(node, root)
    if kind == "array":
        return st.lists(from_schema(node["items"], root), min_size=node.get("minItems", 0), max_size=4)
    if kind == "string":
        return _string(node)
    if kind == "integer":
        return st.integers(min_value=node.get("minimum"), max_value=node.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    raise UnsupportedSchema(f"schema {node!r} is not supported by this generator")


def _object(node: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    required = set(node.get("required", ()))
    properties = node.get("properties", {})
    return st.fixed_dictionaries(
        {name: from_schema(prop, root) for name, prop in properties.items() if name in required},
        optional={name: from_schema(prop, root) for name, prop in properties.items() if name not in required},
    )


def _string(node: dict[str, Any]) -> st.SearchStrategy[str]:
    if "format" in node:
        if node["format"] not in _FORMATS:
            raise UnsupportedSchema(f"string format {node['format']!r} is not supported by this generator")
        return _FORMATS[node["format"]]
    if "pattern" in node:
        return st.from_regex(node["pattern"], fullmatch=True)
    raise UnsupportedSchema("an unconstrained string: events carry no free text")


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
"""Any JSON value, small: for feeding parsers what they were not built for."""


def element_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document (the root first), to pick an element to delete or corrupt."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    return [prefix] + [path for key, child in children for path in element_paths(child, (*prefix, key))]
