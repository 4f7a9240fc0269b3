"""The compatibility gate: it fails on a breaking change to a released version and passes on compatible ones."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pathfinder.contracts import EVENT_TYPES
from pathfinder.contracts.artefacts.files import contracts_root
from pathfinder.contracts.artefacts.json_schemas import event_json_schema
from pathfinder.contracts.assessment import AdviceRequested
from pathfinder.contracts.cli import main
from pathfinder.contracts.compatibility import compare_schema_sets
from pathfinder.contracts.health_advice import HealthAdviceSubmitted
from pydantic import Field

RELEASED = {event_type: event_json_schema(cls) for event_type, cls in EVENT_TYPES.items()}


class AdviceRequestedWithUrgency(AdviceRequested):
    """The same released type with a new required field: old consumers reject it, old events lack it."""

    urgency: Literal["routine", "urgent"] = Field(description="How urgent")


class HealthAdviceSubmittedAsDocumentOnly(HealthAdviceSubmitted):
    """The same released type with a narrower enum: older events with the other value become unreadable."""

    form: Literal["document"] = Field(description="A document")  # type: ignore[assignment]


class AdviceRequestedV2(AdviceRequested):
    """A new version beside the released one: always compatible."""

    event_type: ClassVar[str] = "pathfinder.ehcp.advice-requested.v2"

    urgency: Literal["routine", "urgent"] = Field(description="How urgent")


def _with(*replacements: Any) -> dict[str, dict[str, Any]]:
    current = dict(RELEASED)
    for cls in replacements:
        current[cls.event_type] = event_json_schema(cls)
    return current


def test_the_released_set_matches_itself() -> None:
    report = compare_schema_sets(RELEASED, RELEASED)
    assert report.compatible
    assert len(report.unchanged) == len(RELEASED)


def test_a_field_added_to_a_released_version_is_incompatible() -> None:
    report = compare_schema_sets(RELEASED, _with(AdviceRequestedWithUrgency))
    assert not report.compatible
    assert [str(problem) for problem in report.incompatibilities] == [
        "pathfinder.ehcp.advice-requested.v1: urgency: field added: consumers of this version reject events "
        "that carry it",
        "pathfinder.ehcp.advice-requested.v1: urgency: became required: older events may lack it",
    ]


def test_narrowing_an_enum_is_incompatible() -> None:
    report = compare_schema_sets(RELEASED, _with(HealthAdviceSubmittedAsDocumentOnly))
    assert not report.compatible
    assert any("form" in problem.where for problem in report.incompatibilities)


def test_removing_a_released_version_is_incompatible() -> None:
    current = dict(RELEASED)
    del current["pathfinder.notifications.early-years-notification-received.v1"]
    report = compare_schema_sets(RELEASED, current)
    assert [problem.what for problem in report.incompatibilities] == [
        "released version removed: old events could not be read"
    ]


def test_moving_a_released_version_to_another_topic_is_incompatible() -> None:
    current = copy.deepcopy(RELEASED)
    current["pathfinder.ehcp.plan-ceased.v1"]["x-pathfinder"]["topic"] = "pathfinder.ehcp.plans"
    report = compare_schema_sets(RELEASED, current)
    assert [problem.where for problem in report.incompatibilities] == ["x-pathfinder.topic"]


def test_rewording_descriptions_is_compatible() -> None:
    current = copy.deepcopy(RELEASED)
    schema = current["pathfinder.ehcp.advice-requested.v1"]
    schema["description"] = "Reworded."
    schema["properties"]["advice_due_on"]["description"] = "Reworded too."
    report = compare_schema_sets(RELEASED, current)
    assert report.compatible
    assert report.annotations_changed == ("pathfinder.ehcp.advice-requested.v1",)


def test_a_new_version_beside_the_released_one_is_compatible() -> None:
    report = compare_schema_sets(RELEASED, _with(AdviceRequestedV2))
    assert report.compatible
    assert report.added == ("pathfinder.ehcp.advice-requested.v2",)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the contracts folder's generated documents and released set."""
    source = contracts_root()
    for folder in ("schemas", "released"):
        shutil.copytree(source / folder, tmp_path / folder)
    for name in ("asyncapi.yaml", "CATALOGUE.md"):
        shutil.copyfile(source / name, tmp_path / name)
    return tmp_path


def test_the_check_command_passes_on_the_checked_in_contracts(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--root", str(checkout)]) == 0
    assert "0 incompatibility(ies)" in capsys.readouterr().out


def test_the_check_command_fails_when_a_released_schema_allowed_more(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    released = checkout / "released" / "pathfinder.ehcp.advice-requested.v1.schema.json"
    schema = json.loads(released.read_text())
    schema["$defs"]["AdviceKind"]["enum"].append("speech-and-language")
    released.write_text(json.dumps(schema))
    assert main(["check", "--root", str(checkout)]) == 1
    out = capsys.readouterr().out
    assert (
        "INCOMPATIBLE pathfinder.ehcp.advice-requested.v1: advice_kind: values ['speech-and-language'] removed" in out
    )


def test_the_check_command_fails_on_out_of_date_documents(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (checkout / "CATALOGUE.md").write_text("hand-edited\n")
    assert main(["check", "--root", str(checkout)]) == 1
    assert "out of date: CATALOGUE.md" in capsys.readouterr().out


def test_release_refuses_an_incompatible_set(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    released = checkout / "released" / "pathfinder.identity.person-erased.v1.schema.json"
    schema = json.loads(released.read_text())
    schema["required"].remove("erased_at")
    released.write_text(json.dumps(schema))
    assert main(["release", "--root", str(checkout)]) == 1
    assert json.loads(released.read_text()) == schema, "an incompatible set is not released"
    assert "not released" in capsys.readouterr().out
