"""Every workspace package declares, in its own pyproject.toml, every distribution its code imports: nothing is
used only because a neighbour happens to install it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = sorted(path.parent for path in ROOT.glob("*/*/pyproject.toml") if (path.parent / "src").is_dir())
MEMBERS += [ROOT / "platform"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(member: Path) -> set[str]:
    project = tomllib.loads((member / "pyproject.toml").read_text())["project"]
    names = {
        canonical(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]) for requirement in project["dependencies"]
    }
    return names | {canonical(project["name"])}


def imported(member: Path) -> dict[str, set[str]]:
    """Top-level import (``pathfinder.<portion>`` for our own) -> the modules of ``member`` that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted((member / "src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                top = ".".join(parts[:2]) if parts[0] == "pathfinder" and len(parts) > 1 else parts[0]
                found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def distributions(top: str) -> set[str]:
    if top.startswith("pathfinder."):
        return {canonical("pathfinder-" + top.removeprefix("pathfinder."))}
    return {canonical(name) for name in importlib.metadata.packages_distributions().get(top, [])}


def test_the_check_sees_the_members() -> None:
    names = {member.name for member in MEMBERS}
    assert {"notifications", "identity", "auth", "web", "runtime", "platform"} <= names


@pytest.mark.parametrize("member", MEMBERS, ids=lambda member: str(member.relative_to(ROOT)))
def test_a_package_declares_what_it_imports(member: Path) -> None:
    own = declared(member)
    missing = {
        top: sorted(where)
        for top, where in imported(member).items()
        if top not in sys.stdlib_module_names and top != "__future__" and not distributions(top) & own
    }
    assert missing == {}, f"{member.name} imports these without declaring them: {missing}"
