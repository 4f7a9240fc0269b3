"""A clock tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Stopped at its start unless ``running``; ``advance`` moves it either way."""

    def __init__(self, *, start: datetime | None = None, running: bool = False) -> None:
        self._start = start or datetime.now(UTC)
        self._started_at = datetime.now(UTC)
        self._offset = timedelta()
        self._running = running

    @property
    def now(self) -> datetime:
        moved = self._start + self._offset
        return moved + (datetime.now(UTC) - self._started_at) if self._running else moved

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self._offset += timedelta(**delta)
