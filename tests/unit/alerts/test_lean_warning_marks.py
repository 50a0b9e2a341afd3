"""Warnings buffered as lean entries (tuples) get the same digest and the same marks as dicts.

``log_quality_event`` buffers an info or warning event as a tuple in schema order
(``event_row(..., compact=True)``). A tuple cannot be marked in place, so the dispatcher hands
back marked copies (``take_entry_marks``) and the buffer swaps them in by identity
(``EventBuffer.replace_entries``) before the flush takes its entries. These tests hold the
tuple route equal to the dict route, line for line and mark for mark; expectations are the
dict route's results or written out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared_services.alerts.dispatcher import AlertDispatcher
from shared_services.events.batch import row_of
from shared_services.events.buffer import EventBuffer
from shared_services.events.model import event_row

T0 = datetime(2025, 1, 15, 12, tzinfo=UTC)
LABELS = ("phase_3", "nba_analytics.player_game_summary", "P", "run-1", None, None)
MARKS = ("alert_sent", "alert_sent_at", "alert_channel")


class _Delivered:
    def __init__(self, channels: list[str]) -> None:
        self.delivered = channels


def _entry(event_type: str, severity: str, description: str, **columns: Any) -> tuple[Any, ...]:
    entry = event_row(event_type, severity, description, None, None, columns, labels=LABELS, compact=True)
    assert isinstance(entry, tuple)
    return entry


def _warnings() -> list[tuple[Any, ...]]:
    return [_entry("thin_sample", "warning", f"thin {n}", game_id=f"002240{n:04d}", primary_source="nbac")
            for n in range(12)] + [_entry("source_degraded", "warning", "degraded", primary_source=None)]


def _dispatcher(calls: list[dict[str, Any]], deliver: Any = None) -> AlertDispatcher:
    def notify(**kwargs: Any) -> Any:
        calls.append(kwargs)
        if deliver is not None:
            return deliver()
        return _Delivered(["log", "slack"])

    return AlertDispatcher(lambda: None, processor_name="P", clock=lambda: T0, notify_warning=notify)


def test_a_digest_of_lean_warnings_is_the_digest_of_their_rows_and_marks_the_same_values():
    entries = _warnings()
    rows = [row_of(entry) for entry in entries]  # fresh dicts: the dict route marks these in place
    by_rows: list[dict[str, Any]] = []
    by_entries: list[dict[str, Any]] = []
    rows_dispatcher, entries_dispatcher = _dispatcher(by_rows), _dispatcher(by_entries)
    for row in rows:
        rows_dispatcher.on_event(row)
    for entry in entries:
        entries_dispatcher.on_entry(entry)
    assert rows_dispatcher.send_digest() == entries_dispatcher.send_digest() == 13
    assert by_entries == by_rows and len(by_rows) == 1  # one digest, the same title, text and details
    assert "12 event(s); games 0022400000, 0022400001," in by_rows[0]["message"]
    assert "0022400009 ..." in by_rows[0]["message"]  # the first ten games, then the cut
    marks = entries_dispatcher.take_entry_marks()
    assert entries_dispatcher.take_entry_marks() == {}  # handed over once
    assert set(marks) == {id(entry) for entry in entries}
    for entry, row in zip(entries, rows, strict=True):
        original, marked = marks[id(entry)]
        assert original is entry and row_of(entry)["alert_sent"] is False  # the tuple is untouched
        assert row_of(marked) == row  # the dict route's marked row, value for value
        assert [row[k] for k in MARKS] == [True, "2025-01-15T12:00:00.000000+00:00", "log,slack"]


def test_an_undelivered_digest_marks_lean_warnings_unsent():
    calls: list[dict[str, Any]] = []

    def fails() -> Any:
        raise RuntimeError("slack down")

    dispatcher = _dispatcher(calls, deliver=fails)
    entries = _warnings()
    for entry in entries:
        dispatcher.on_entry(entry)
    assert dispatcher.send_digest() == 13 and len(calls) == 1
    marks = dispatcher.take_entry_marks()
    assert all([row_of(marked)[k] for k in MARKS] == [False, None, None] for _, marked in marks.values())


def test_an_info_entry_is_only_logged_and_a_critical_tuple_is_refused():
    calls: list[dict[str, Any]] = []
    dispatcher = _dispatcher(calls)
    dispatcher.on_entry(_entry("fallback_used", "info", "used bdl"))
    assert dispatcher.send_digest() == 0 and calls == [] and dispatcher.take_entry_marks() == {}
    critical = event_row("source_missing", "critical", "none", None, None, {}, labels=LABELS)
    assert isinstance(critical, dict)  # what event_row gives for a critical event
    with pytest.raises(TypeError, match="severity 'critical'"):
        dispatcher.on_entry(tuple(critical.values()))


def test_the_buffer_swaps_in_marked_copies_by_identity_only():
    buffer = EventBuffer()
    first, second = _warnings()[:2]
    twin = tuple(list(first))  # equal to `first`, another object
    assert twin == first and twin is not first
    for entry in (first, twin, second):
        buffer.append(entry)
    marked_first = first[:-1] + ("marked",)
    gone = _warnings()[5]  # marked, but no longer pending: skipped
    replaced = buffer.replace_entries({id(first): (first, marked_first), id(gone): (gone, gone[:-1] + ("x",))})
    assert replaced == 1
    assert buffer.take_entries() == [marked_first, twin, second]
    assert buffer.replace_entries({}) == 0
