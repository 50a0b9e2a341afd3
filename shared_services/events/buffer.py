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
from shared_services.events.model import EVENT_COLUMNS

_EVENT_ID = EVENT_COLUMNS.index("event_id")
#: Where the three alert columns start in a lean entry; they are adjacent, in this order.
_MARKS_AT = EVENT_COLUMNS.index("alert_sent")
if EVENT_COLUMNS[_MARKS_AT:_MARKS_AT + 3] != ("alert_sent", "alert_channel", "alert_sent_at"):  # pragma: no cover
    raise RuntimeError("the log schema's alert columns are no longer alert_sent, alert_channel, alert_sent_at")

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

    def apply_alert_marks(self, marks: Mapping[Any, tuple[bool, str | None, str | None]]) -> int:
        """Write the alert dispatcher's marks onto the pending events they name: ``marks`` maps
        an event id to ``(alert_sent, alert_channel, alert_sent_at)``
        (``AlertDispatcher.take_entry_marks``). A lean entry is replaced by its marked copy, a
        row dict (a lean entry :meth:`update_where` changed, say) is updated; events no longer
        pending are skipped. Returns how many were marked.

        Example::

            buffer.apply_alert_marks({'6f1c...': (True, 'log,slack', '2025-01-15T12:00:00.000000+00:00')})
        """
        if not marks:
            return 0
        with self._lock:
            rows = self._rows
            marked = 0
            for index, entry in enumerate(rows):
                if type(entry) is tuple:
                    mark = marks.get(entry[_EVENT_ID])
                    if mark is not None:
                        rows[index] = entry[:_MARKS_AT] + mark + entry[_MARKS_AT + 3:]
                        marked += 1
                else:
                    mark = marks.get(entry.get("event_id"))  # type: ignore[union-attr]
                    if mark is not None:
                        entry["alert_sent"], entry["alert_channel"], entry["alert_sent_at"] = mark  # type: ignore[index]
                        marked += 1
            return marked

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

    @property
    def lock(self) -> threading.RLock:
        """The buffer's re-entrant lock, the one :meth:`locked` holds (``with buffer.lock:``
        costs a fraction of :meth:`locked`'s generator, for a hot path that needs no list)."""
        return self._lock

    @contextmanager
    def locked(self) -> Iterator[list[Entry]]:
        """Hold the lock and expose the live list of entries (for multi-step decisions)."""
        with self._lock:
            yield self._rows
