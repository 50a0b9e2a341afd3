"""A thread-safe, per-instance event buffer.

Each processor instance owns one (the seed sketch's class-level list let every processor
see every other processor's events). A flush *takes* a batch and either commits it or puts
it back, so a failed write never loses events.

Example::

    buffer = EventBuffer()
    buffer.append({'event_id': 'a'})
    batch = buffer.take()          # buffer is now empty
    buffer.restore(batch)          # the write failed: the events are pending again
    len(buffer)                    # 1
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["EventBuffer"]


class EventBuffer:
    """An ordered list of pending event rows, guarded by a re-entrant lock."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def append(self, row: dict[str, Any]) -> int:
        """Add one row; returns the number now pending."""
        with self._lock:
            self._rows.append(row)
            return len(self._rows)

    def take(self) -> list[dict[str, Any]]:
        """Remove and return everything pending, in order."""
        with self._lock:
            rows, self._rows = self._rows, []
            return rows

    def restore(self, rows: list[dict[str, Any]]) -> None:
        """Put a batch back in front of anything logged since it was taken."""
        with self._lock:
            self._rows[:0] = rows

    def snapshot(self) -> list[dict[str, Any]]:
        """A shallow copy of the pending rows (for inspection and tests)."""
        with self._lock:
            return list(self._rows)

    def update_where(self, predicate: Callable[[dict[str, Any]], bool], **changes: Any) -> int:
        """Set ``changes`` on every pending row matching ``predicate``; returns how many."""
        with self._lock:
            count = 0
            for row in self._rows:
                if predicate(row):
                    row.update(changes)
                    count += 1
            return count

    @contextmanager
    def locked(self) -> Iterator[list[dict[str, Any]]]:
        """Hold the lock and expose the live list (for multi-step decisions)."""
        with self._lock:
            yield self._rows
