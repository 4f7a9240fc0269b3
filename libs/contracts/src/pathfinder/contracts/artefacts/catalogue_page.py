"""The human-readable event catalogue (Markdown), from the same models as the schemas and AsyncAPI."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from pathfinder.contracts.artefacts.json_schemas import event_json_schema, schema_file_name
from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.catalogue import DOMAIN_OF, DOMAINS, EVENT_TYPES, is_current, versions_of
from pathfinder.contracts.consumers import ConsumerContract, readers_of
from pathfinder.contracts.upcasting import UPCASTERS

Json = dict[str, Any]


def catalogue_page(contracts: Sequence[ConsumerContract]) -> str:
    lines = [
        "# Pathfinder event catalogue",
        "",
        "Generated from `libs/contracts` by `pathfinder-contracts generate`; do not edit. Every event is a",
        "CloudEvents 1.0 record in Kafka binary mode (`ce_*` headers, JSON value), keyed so that everything",
        "about one child stays in order. Events are thin and pseudonymous: no names, NHS numbers, dates of",
        "birth, addresses or free text; details come from the authorised, audited APIs. The machine-readable",
        "forms are `asyncapi.yaml` and `schemas/`; `README.md` says how versions evolve.",
        "",
        "| event | version | topic | producer | read by |",
        "|---|---|---|---|---|",
    ]
    for domain in DOMAINS:
        for cls in _in_domain(domain):
            if is_current(cls):
                readers = ", ".join(f"`{c.group}`" for c in readers_of(cls.family(), contracts)) or "none yet"
                anchor = cls.family().rsplit(".", 1)[1]
                lines.append(
                    f"| [{cls.__name__}](#{anchor}) | v{cls.version()} | `{cls.topic}` | {cls.producer} | {readers} |"
                )
    for domain in DOMAINS:
        lines += ["", f"## {domain}", ""]
        for cls in _in_domain(domain):
            if is_current(cls):
                lines += _event_section(cls, contracts)
    return "\n".join(lines) + "\n"


def _in_domain(domain: str) -> list[type[ContractEvent]]:
    return [cls for event_type, cls in EVENT_TYPES.items() if DOMAIN_OF[event_type] == domain]


def _event_section(cls: type[ContractEvent], contracts: Sequence[ConsumerContract]) -> list[str]:
    anchor = cls.family().rsplit(".", 1)[1]
    schema = event_json_schema(cls)
    delivery = "delivered only to the responsible LA" if cls.la_deliverable else "never delivered to an LA"
    readers = [f"`{c.group}` ({c.service})" for c in readers_of(cls.family(), contracts)]
    lines = [
        f'<a id="{anchor}"></a>',
        f"### {cls.__name__}",
        "",
        inspect.cleandoc(cls.__doc__ or "").replace("\n", " "),
        "",
        f"- type `{cls.event_type}`, schema [`{schema_file_name(cls.event_type)}`]"
        f"(schemas/{schema_file_name(cls.event_type)})",
        f"- topic `{cls.topic}`, key `{cls.key_field}`, {delivery}",
        f"- produced by {cls.producer}; read by {', '.join(readers) or 'no service yet'}",
    ]
    older = [old for old in versions_of(cls.family()) if old is not cls]
    for old in older:
        step = UPCASTERS.get(old.event_type)
        how = f"read as v{step.target.version()} through an upcaster" if step else "no upcaster"
        lines.append(f"- superseded: `{old.event_type}` ({how}): {_first_sentence(old.__doc__)}")
    lines += ["", "| field | type | required | meaning |", "|---|---|---|---|"]
    required = set(schema.get("required", ()))
    for name, prop in schema["properties"].items():
        meaning = str(prop.get("description", "")).replace("\n", " ").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_of(prop, schema)} | {'yes' if name in required else 'no'} | {meaning} |")
    lines.append("")
    return lines


def _type_of(prop: Json, schema: Json) -> str:
    if "$ref" in prop:
        target = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]]
        return "one of " + ", ".join(f"`{value}`" for value in target.get("enum", ())) if "enum" in target else "object"
    if "anyOf" in prop:
        kinds = [_type_of(option, schema) for option in prop["anyOf"] if option.get("type") != "null"]
        return " or ".join(kinds) + " or null"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{value}`" for value in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if prop.get("type") == "array":
        return f"list of {_type_of(prop.get('items', {}), schema)}"
    text = str(prop.get("format") or prop.get("type") or "any")
    if "pattern" in prop:
        text += f" matching `{prop['pattern']}`"
    return text.replace("|", "\\|")


def _first_sentence(doc: str | None) -> str:
    text = inspect.cleandoc(doc or "").replace("\n", " ")
    return text.split(". ")[0].rstrip(".") + "."
