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

Entries are row dicts or lean tuples (:mod:`shared_services.events.batch`): ``take`` and
``snapshot`` give row dicts either way; a flush takes the raw entries (``take_entries``) and
writes them as an :class:`~shared_services.events.batch.EventBatch`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from shared_services.events.batch import Entry, row_of

__all__ = ["EventBuffer"]


class EventBuffer:
    """An ordered list of pending events (row dicts or lean tuples), guarded by a re-entrant lock."""

    def __init__(self) -> None:
        self._rows: list[Entry] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def append(self, row: Entry) -> int:
        """Add one event (a row dict or a lean tuple); returns the number now pending."""
        with self._lock:
            self._rows.append(row)
            return len(self._rows)

    def take(self) -> list[dict[str, Any]]:
        """Remove and return everything pending, in order, as row dicts."""
        return [row_of(entry) for entry in self.take_entries()]

    def take_entries(self) -> list[Entry]:
        """Remove and return everything pending, in order, as stored (dicts and lean tuples)."""
        with self._lock:
            rows, self._rows = self._rows, []
            return rows

    def replace_entries(self, marks: Mapping[int, tuple[Entry, Entry]]) -> int:
        """Put each pending entry's replacement in its place: ``marks`` maps ``id(entry)`` to
        ``(entry, replacement)`` (the alert dispatcher's marked lean warnings,
        ``AlertDispatcher.take_entry_marks``). The original is matched by identity (``marks``
        holds it, so its id cannot be another object's); entries no longer pending are skipped.
        Returns how many were replaced.

        Example::

            buffer.replace_entries({id(entry): (entry, marked)})   # 1
        """
        if not marks:
            return 0
        # While ``marks`` holds each original, no other live object has its id: a match by id
        # is a match by identity. One pass in C: each entry's replacement, or the entry itself.
        replacement = {key: pair[1] for key, pair in marks.items()}
        with self._lock:
            rows = self._rows
            ids = list(map(id, rows))
            rows[:] = list(map(replacement.get, ids, rows))
            return len(replacement.keys() & set(ids))

    def restore(self, rows: list[Entry]) -> None:
        """Put a batch back in front of anything logged since it was taken."""
        with self._lock:
            self._rows[:0] = rows

    def snapshot(self) -> list[dict[str, Any]]:
        """The pending events as row dicts (for inspection and tests; a lean event's dict is
        a fresh copy)."""
        with self._lock:
            return [row_of(entry) for entry in self._rows]

    def update_where(self, predicate: Callable[[dict[str, Any]], bool], **changes: Any) -> int:
        """Set ``changes`` on every pending row matching ``predicate``; returns how many."""
        with self._lock:
            count = 0
            for index, entry in enumerate(self._rows):
                row = row_of(entry)
                if predicate(row):
                    row.update(changes)
                    self._rows[index] = row  # a lean event becomes a dict once changed
                    count += 1
            return count

    @contextmanager
    def locked(self) -> Iterator[list[Entry]]:
        """Hold the lock and expose the live list of entries (for multi-step decisions)."""
        with self._lock:
            yield self._rows
