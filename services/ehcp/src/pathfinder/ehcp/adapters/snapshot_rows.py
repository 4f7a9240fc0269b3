"""What the row of an assessment or a plan keeps beside its snapshot, and writing that row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pathfinder.ehcp.domain.clock import CaseFacts, london_date
from pathfinder.ehcp.domain.due_alerts import next_due
from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert


def london_today() -> date:
    return london_date(datetime.now(UTC))


def next_due_columns(facts: CaseFacts, today: date) -> dict[str, Any]:
    """The case's next unmet limit and its due date, which the LA's open cases are sorted by."""
    limit = next_due(facts, today)
    return {"next_limit": limit.limit.value if limit else None, "next_due_on": limit.due_on if limit else None}


def upsert(table: Table, values: dict[str, Any]) -> Insert:
    """The row as given: new at version 1, or replacing the stored one at the next version."""
    (key,) = table.primary_key.columns
    statement = pg_insert(table).values(**values, version=1)
    changed = {name: statement.excluded[name] for name in values if name != key.name}
    return statement.on_conflict_do_update(
        index_elements=[key], set_={**changed, "version": table.c.version + 1, "updated_at": func.now()}
    )
