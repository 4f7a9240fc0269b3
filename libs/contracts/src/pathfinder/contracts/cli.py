"""``pathfinder-contracts``: generate the contract documents, check them, release a schema set.

pathfinder-contracts generate   write schemas/, asyncapi.yaml and CATALOGUE.md from the models
pathfinder-contracts check      fail if those are out of date or incompatible with released/ (CI runs this)
pathfinder-contracts release    record the current schemas as released (refused if incompatible)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from pathfinder.contracts.artefacts.files import (
    RELEASED_DIR,
    SCHEMAS_DIR,
    contracts_root,
    load_schemas,
    render_artefacts,
    stale_artefacts,
    write_artefacts,
)
from pathfinder.contracts.compatibility import CompatibilityReport, compare_schema_sets
from pathfinder.contracts.consumers import declared_consumer_contracts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pathfinder-contracts", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["generate", "check", "release"])
    parser.add_argument("--root", type=Path, help="the libs/contracts folder (default: this source checkout)")
    args = parser.parse_args(argv)
    root: Path = args.root or contracts_root()
    rendered = render_artefacts(declared_consumer_contracts())
    if args.command == "generate":
        changed = write_artefacts(root, rendered)
        print("\n".join(f"wrote {path}" for path in changed) or "everything was up to date")
        return 0
    stale = stale_artefacts(root, rendered)
    if args.command == "check":
        report = _compatibility(root)
        for path in stale:
            print(f"out of date: {path} (run `pathfinder-contracts generate` and commit the result)")
        return 0 if report.compatible and not stale else 1
    if stale:
        print("generate first: " + ", ".join(stale))
        return 1
    report = _compatibility(root)
    if not report.compatible:
        print("not released: fix the incompatibilities above, or add a new version with an upcaster")
        return 1
    released = root / RELEASED_DIR
    released.mkdir(exist_ok=True)
    for schema in sorted((root / SCHEMAS_DIR).glob("*.schema.json")):
        shutil.copyfile(schema, released / schema.name)
    print(f"released {len(report.added)} new and {len(report.annotations_changed)} re-annotated schema(s)")
    return 0


def _compatibility(root: Path) -> CompatibilityReport:
    released = load_schemas(root / RELEASED_DIR)
    report = compare_schema_sets(released, load_schemas(root / SCHEMAS_DIR))
    for problem in report.incompatibilities:
        print(f"INCOMPATIBLE {problem}")
    for event_type in report.added:
        print(f"new (not yet released): {event_type}")
    for event_type in report.annotations_changed:
        print(f"annotations changed: {event_type}")
    print(
        f"{len(released)} released schema(s): {len(report.unchanged)} unchanged, "
        f"{len(report.annotations_changed)} re-annotated, {len(report.incompatibilities)} incompatibility(ies); "
        f"{len(report.added)} new"
    )
    return report


if __name__ == "__main__":
    sys.exit(main())
