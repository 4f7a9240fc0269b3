"""The generated documents are in step with the models, and valid in their own standards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from contracts_kit import event_data
from hypothesis import given, settings
from hypothesis import strategies as st
from pathfinder.contracts import EVENT_TYPES, read_event
from pathfinder.contracts.artefacts.files import ASYNCAPI_FILE, contracts_root, render_artefacts, stale_artefacts
from pathfinder.contracts.artefacts.json_schemas import event_json_schema
from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.consumers import declared_consumer_contracts

ROOT = contracts_root()
ASYNCAPI_SCHEMA = Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json"
ALL = sorted(EVENT_TYPES.values(), key=lambda cls: cls.event_type)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render_artefacts(declared_consumer_contracts())


def test_checked_in_documents_match_the_models(rendered: dict[str, str]) -> None:
    assert stale_artefacts(ROOT, rendered) == [], "run `pathfinder-contracts generate` and commit the result"


def test_the_asyncapi_document_validates_against_the_asyncapi_3_schema() -> None:
    document = yaml.safe_load((ROOT / ASYNCAPI_FILE).read_text())
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))
    problems = [f"{list(error.absolute_path)}: {error.message[:200]}" for error in validator.iter_errors(document)]
    assert problems == []


def test_the_asyncapi_schema_check_is_not_vacuous() -> None:
    document = yaml.safe_load((ROOT / ASYNCAPI_FILE).read_text())
    operation = next(iter(document["operations"].values()))
    operation["action"] = "publish"  # AsyncAPI 2 wording, invalid in 3.0
    validator = jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))
    assert not validator.is_valid(document)


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    document = yaml.safe_load((ROOT / ASYNCAPI_FILE).read_text())
    references = _references(document)
    assert len(references) > 100
    for reference in references:
        node: Any = document
        for part in reference.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(node, dict), reference


def test_every_channel_names_its_senders_and_receivers() -> None:
    document = yaml.safe_load((ROOT / ASYNCAPI_FILE).read_text())
    topics = {cls.topic for cls in ALL}
    senders = {
        op["channel"]["$ref"].rsplit("/", 1)[1] for op in document["operations"].values() if op["action"] == "send"
    }
    assert topics <= senders
    receive = document["operations"]["ehcp.early-years-intake.receive.pathfinder.notifications.early-years"]
    assert receive["bindings"]["kafka"]["groupId"]["enum"] == ["ehcp.early-years-intake"]


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_each_schema_is_valid_json_schema_2020_12(cls: type[ContractEvent]) -> None:
    jsonschema.Draft202012Validator.check_schema(event_json_schema(cls))


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_schema_and_model_agree(cls: type[ContractEvent]) -> None:
    """What the schema allows the model reads, and what the model writes the schema allows."""
    validator = jsonschema.Draft202012Validator(
        event_json_schema(cls), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )

    @settings(max_examples=25)
    @given(event_data(cls))
    def agree(data: dict[str, Any]) -> None:
        validator.validate(data)
        event = read_event(cls.event_type, json.dumps(data), as_version=cls)
        written = json.loads(event.model_dump_json())
        validator.validate(written)
        assert read_event(cls.event_type, json.dumps(written), as_version=cls) == event

    agree()


@settings(max_examples=60)
@given(st.sampled_from(ALL), st.data())
def test_corrupted_events_are_rejected_by_schema_and_model_alike(cls: type[ContractEvent], data: st.DataObject) -> None:
    valid = data.draw(event_data(cls))
    field = data.draw(st.sampled_from(sorted(valid)))
    corrupted = {**valid, field: data.draw(st.sampled_from([None, 12.5, [], {}, "", "x" * 300]))}
    validator = jsonschema.Draft202012Validator(
        event_json_schema(cls), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    schema_accepts = validator.is_valid(corrupted)
    try:
        read_event(cls.event_type, json.dumps(corrupted), as_version=cls)
        model_accepts = True
    except ValueError:
        model_accepts = False
    assert schema_accepts == model_accepts
