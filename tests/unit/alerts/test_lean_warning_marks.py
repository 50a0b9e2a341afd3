"""Warnings buffered as lean entries (tuples) get the same digest and the same marks as dicts.

``log_quality_event`` buffers an info or warning event as a tuple in schema order
(``event_row(..., compact=True)``). A tuple cannot be marked in place, so the dispatcher hands
back the marks by event id (``take_entry_marks``) and the buffer applies them
(``EventBuffer.apply_alert_marks``) before the flush takes its entries. These tests hold the
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
from shared_services.events.model import EVENT_COLUMNS, event_row
from tests.support.event_log import Processor, log_rows

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
    assert set(marks) == {row["event_id"] for row in rows}
    buffer = EventBuffer()
    for entry in entries:
        buffer.append(entry)
    assert buffer.apply_alert_marks(marks) == len(entries)
    for entry, marked, row in zip(entries, buffer.take_entries(), rows, strict=True):
        assert type(marked) is tuple and row_of(entry)["alert_sent"] is False  # the original is untouched
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
    assert len(marks) == 13 and set(marks.values()) == {(False, None, None)}


def test_an_info_entry_is_only_logged_and_a_critical_tuple_is_refused():
    calls: list[dict[str, Any]] = []
    dispatcher = _dispatcher(calls)
    dispatcher.on_entry(_entry("fallback_used", "info", "used bdl"))
    assert dispatcher.send_digest() == 0 and calls == [] and dispatcher.take_entry_marks() == {}
    critical = event_row("source_missing", "critical", "none", None, None, {}, labels=LABELS)
    assert isinstance(critical, dict)  # what event_row gives for a critical event
    with pytest.raises(TypeError, match="severity 'critical'"):
        dispatcher.on_entry(tuple(critical.values()))


def test_the_buffer_marks_the_events_the_marks_name_tuples_and_dicts_alike():
    buffer = EventBuffer()
    first, second, third = _warnings()[:3]
    as_dict = row_of(third)  # a lean entry update_where changed becomes a dict
    for entry in (first, second, as_dict):
        buffer.append(entry)
    event_id = EVENT_COLUMNS.index("event_id")
    mark = (True, "log", "2025-01-15T12:00:00.000000+00:00")
    gone = _warnings()[5]  # marked, but no longer pending: skipped
    assert buffer.apply_alert_marks({first[event_id]: mark, third[event_id]: mark, gone[event_id]: mark}) == 2
    taken = buffer.take_entries()
    assert taken[1] is second  # not named: the same object
    assert [row_of(taken[0])[k] for k in MARKS] == [True, "2025-01-15T12:00:00.000000+00:00", "log"]
    assert taken[0][:26] == first[:26] and taken[0][29:] == first[29:]  # nothing else changed
    assert taken[2] is as_dict and [as_dict[k] for k in MARKS] == [True, "2025-01-15T12:00:00.000000+00:00", "log"]
    assert buffer.apply_alert_marks({}) == 0


def test_a_pending_warning_changed_by_update_where_keeps_the_digests_mark(warehouse, notifications):
    """update_where turns a lean entry into a dict; the digest queued the tuple. The mark goes
    by event id, so the stored row still says the alert went out."""
    processor = Processor(warehouse)
    processor.log_quality_event("thin_sample", "warning", "only 4 players", game_id="0022400561")
    buffer = processor._coverage_state().buffer
    assert buffer.update_where(lambda row: row["severity"] == "warning", resolution="watching") == 1
    processor.flush_events()
    stored = log_rows(warehouse)
    assert notifications.count("warning") == 1 and len(stored) == 1
    row = stored.iloc[0]
    assert bool(row["alert_sent"]) and row["alert_channel"] == "log" and row["resolution"] == "watching"
