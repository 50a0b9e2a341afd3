"""The lean event-row path: same rows and same errors as the general path, at call time.

``log_quality_event`` builds most rows on a lean path (template copy, cached dates and season
labels, pooled ids, per-second timestamp prefix). These tests hold it to the general path,
which converts every value through the schema's converter: equal rows (key order included),
equal exceptions, and the pieces it caches (environment, season per date, ids) stay right.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_services.constants.source_coverage import (
    QualityTier,
    SourceCoverageEventType,
    SourceCoverageSeverity,
)
from shared_services.events import model
from shared_services.events.batch import row_of
from shared_services.events.model import EVENT_COLUMNS, event_row, new_event_id
from shared_services.quality.season import season_label
from tests.support.event_log import Processor

NOW = datetime(2025, 1, 16, 5, 6, 7, 891011, tzinfo=UTC)
LABELS = ("phase_3", "nba_analytics.player_game_summary", "PlayerGameSummaryProcessor", "run-1",
          "0022400561", "1626001")


def _reference(event_type: Any, severity: Any, description: Any, before: Any, after: Any,
               labels: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """What log_quality_event built before the lean path: labels + kwargs, season derived from
    game_date, every value through the general builder."""
    columns = {**dict(zip(model._LABELS, labels, strict=True)), **kwargs}
    if columns.get("season") is None and columns.get("game_date") is not None:
        try:
            columns["season"] = season_label(columns["game_date"])
        except (TypeError, ValueError):
            pass
    return model._general_row(event_type, severity, description, before, after, NOW, columns)


def _outcome(build: Any) -> tuple[str, Any]:
    try:
        row = build()
    except Exception as exc:  # compared by type and message
        return "error", (type(exc), str(exc))
    assert list(row) == list(EVENT_COLUMNS)  # every column, in schema order
    row = dict(row)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", row.pop("event_id"))
    return "row", row


def _compact_now(event_type: Any, severity: Any, description: Any, before: Any, after: Any,
                 labels: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``event_row(compact=True)`` as log_quality_event calls it (the clock's time, so the
    quiet-event path with its integer stamps is taken), as a row; its two stamps are checked
    (equal, canonical, within the call) and then set to NOW's text for the comparison."""
    low = time.time_ns() // 1000
    entry = event_row(event_type, severity, description, before, after, dict(kwargs),
                      season_from_game_date=True, labels=labels, compact=True)
    high = time.time_ns() // 1000
    row = row_of(entry) if isinstance(entry, tuple) else dict(entry)
    if isinstance(entry, tuple):
        assert row["severity"] != "critical" and all(not isinstance(v, list | dict) for v in entry)
    stamp = row["event_timestamp"]
    assert row["created_at"] == stamp and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", stamp)
    micros = model.stamp_micros(stamp)
    assert micros is not None and low <= micros <= high
    row["event_timestamp"] = row["created_at"] = NOW.isoformat(timespec="microseconds")
    return row


def _assert_same(event_type: Any, severity: Any, description: Any, before: Any, after: Any,
                 labels: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    expected = _outcome(lambda: _reference(event_type, severity, description, before, after, labels, kwargs))
    actual = _outcome(lambda: event_row(event_type, severity, description, before, after, dict(kwargs), now=NOW,
                                        season_from_game_date=True, labels=labels))
    assert actual == expected
    # The buffered form (a lean tuple for a quiet event) gives the same row or error too.
    compact = _outcome(lambda: _compact_now(event_type, severity, description, before, after, labels, kwargs))
    assert compact == expected


COMMON = {
    "game_date": date(2024, 10, 22), "team_abbr": "LAL", "primary_source": "nbac_gamebook_player_stats",
    "primary_source_status": "empty", "fallback_sources_tried": ["nbac_gamebook_player_stats_empty", "bdl"],
    "resolution": "used_fallback", "downstream_impact": None,
}


def test_the_common_event_takes_the_lean_path_and_matches_the_general_one(monkeypatch):
    before, after = {"tier": "gold", "score": 98.0}, {"tier": QualityTier.SILVER, "score": 88.5}
    _assert_same("fallback_used", "warning", "used bdl", before, after, LABELS, COMMON)
    lean = model._lean_row("fallback_used", "warning", "used bdl", before, after, dict(COMMON), NOW, True, LABELS)
    assert lean is not None  # the fast path really built it
    assert lean["season"] == "2024-25" and lean["game_date"] == "2024-10-22"
    assert lean["quality_tier_after"] == "silver" and lean["requires_alert"] is True
    json.dumps(lean)


@pytest.mark.parametrize(("kwargs", "before"), [
    ({"game_date": "2025-01-15", "season": None}, None),
    ({"game_date": "2025-01-15", "season": "2023-24"}, None),
    ({"game_date": datetime(2025, 1, 15, 23, 30, tzinfo=UTC)}, None),
    ({"game_date": "20250115"}, None),  # date.fromisoformat reads it, season_label does not
    ({"game_date": "15/01/2025"}, None),
    ({"game_date": object()}, None),
    ({"team_abbr": "Don\ud83c", "description_extra": 1}, None),
    ({"team_abbr": "Don\ud83c"}, None),
    ({"team_abbr": "Dončić"}, None),
    ({"fallback_sources_tried": ("a", "b")}, None),
    ({"fallback_sources_tried": ["a", None]}, None),
    ({"fallback_sources_tried": ["a", "\udc80"]}, None),
    ({"fallback_sources_tried": "a"}, None),
    ({"fallback_sources_tried": None}, None),
    ({"player_id": np.int64(2544), "is_synthetic": True}, None),
    ({"resolution_details": {"when": date(2025, 1, 15)}}, None),
    ({"phase": 3}, None),
    ({}, {"tier": "gold", "score": float("nan")}),
    ({}, {"tier": "gold", "score": 97}),
    ({}, {"tier": "gold", "score": Decimal("80.25")}),
    ({}, {"tier": "g\ud800ld"}),
    ({}, {"score": 50.0}),
    ({}, "gold"),
    ({}, {"tier": None, "score": None}),
])
def test_unusual_values_give_the_general_paths_row_or_error(kwargs, before):
    _assert_same("fallback_used", "info", "x", before, None, LABELS, kwargs)


@pytest.mark.parametrize(("event_type", "severity", "description"), [
    ("fell_back", "info", "x"), ("fallback_used", "urgent", "x"), ("fallback_used", "info", 3),
    (["fallback_used"], "info", "x"), ("fallback_used", {"info"}, "x"),
    (SourceCoverageEventType.FALLBACK_USED, SourceCoverageSeverity.CRITICAL, "enum members"),
    ("fallback_used", "info", "Don\ud83c"), ("fallback_used", "info", "a long, plain description; " * 40),
    ("fallback_used", "warning", " "),
])
def test_event_fields_give_the_general_paths_row_or_error(event_type, severity, description):
    _assert_same(event_type, severity, description, None, None, LABELS, COMMON)


_TEXT = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["Don\ud83c", "\udc80x", "ok"]))
_VALUE = st.one_of(
    _TEXT, st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from(["2025-01-15", "2024-07-01", "2025-02-30", "N/A", ""]),
    st.lists(_TEXT, max_size=3),
)
#: The five tiers, as names and as members (any other tier is refused, naming it).
_TIERS = st.sampled_from([*QualityTier, *(tier.value for tier in QualityTier)])
_COLUMN = st.sampled_from(sorted(model.EVENT_KEYWORDS) + ["not_a_column"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=st.dictionaries(_COLUMN, _VALUE, max_size=6),
       labels=st.tuples(_TEXT, _TEXT, st.just("P"), _TEXT, _TEXT, st.one_of(_TEXT, st.integers(0, 9))),
       quality=st.one_of(st.none(), st.fixed_dictionaries({"tier": st.one_of(_TEXT, _TIERS), "score": st.one_of(
           st.none(), st.floats(allow_nan=True), st.integers(0, 100))})),
       severity=st.sampled_from(["info", "warning", "critical", "fatal"]))
def test_any_input_gives_the_general_paths_row_or_error(kwargs, labels, quality, severity):
    _assert_same("source_missing", severity, "d", quality, quality, labels, kwargs)


def test_bad_input_is_rejected_at_call_time_naming_the_field(warehouse):
    processor = Processor(warehouse)
    for bad, field in ((object(), "game_date"), ("2025-13-45", "game_date"), ("soon", "alert_sent_at"),
                       ("yes please", "is_synthetic"), ("bdl", "fallback_sources_tried")):
        with pytest.raises(ValueError, match=field):
            processor.log_quality_event("fallback_used", "info", "x", **{field: bad})
    with pytest.raises(TypeError, match="quality_after"):
        processor.log_quality_event("fallback_used", "info", "x", quality_after="gold")
    with pytest.raises(TypeError, match="description"):
        processor.log_quality_event("fallback_used", "info", None)  # type: ignore[arg-type]
    assert processor.pending_event_count == 0


def test_season_label_per_date_is_right_across_a_season_boundary(warehouse):
    processor = Processor(warehouse)
    days = [date(2024, 6, 30), date(2024, 7, 1), date(2024, 6, 30), "2024-10-14", "2024-10-15", "2025-04-13",
            date(2024, 10, 14), "2024-06-30"]
    for day in days:  # each date twice or in two spellings: the cached label must stay per date
        processor.log_quality_event("fallback_used", "info", "x", game_date=day)
    rows = processor._coverage_state().buffer.snapshot()
    assert [r["season"] for r in rows] == ["2023-24", "2024-25", "2023-24", "2024-25", "2024-25", "2024-25",
                                           "2024-25", "2023-24"]
    assert [r["game_date"] for r in rows] == [str(d) for d in days]
    processor.log_quality_event("fallback_used", "info", "x", game_date=date(2024, 6, 30), season="1999-00")
    assert processor._coverage_state().buffer.snapshot()[-1]["season"] == "1999-00"


def test_event_ids_are_unique_uuid4_texts():
    ids = [new_event_id() for _ in range(5_000)]
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(i) for i in ids]
    assert {p.version for p in parsed} == {4} and {p.variant for p in parsed} == {uuid.RFC_4122}
    assert [str(p) for p in parsed] == ids


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_never_repeats_its_parents_ids():
    new_event_id()  # the pool is filled: without the fork hook the child would share it
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write_end, new_event_id().encode())
        os._exit(0)
    os.close(write_end)
    child_id = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    parent_ids = {new_event_id() for _ in range(600)}
    assert uuid.UUID(child_id).version == 4
    assert child_id not in parent_ids


def test_environment_changes_apply_to_the_next_event(monkeypatch):
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "prod")
    first = event_row("fallback_used", "info", "x", None, None, {})
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "  staging ")
    second = event_row("fallback_used", "info", "x", None, None, {})
    monkeypatch.delenv("COVERAGE_ENVIRONMENT")
    third = event_row("fallback_used", "info", "x", None, None, {})
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "prod")
    fourth = event_row("fallback_used", "info", "x", None, None, {})
    assert [r["environment"] for r in (first, second, third, fourth)] == ["prod", "staging", "dev", "prod"]


def test_timestamps_are_now_in_utc_with_microseconds():
    before = datetime.now(UTC)
    stamps = [event_row("fallback_used", "info", "x", None, None, {})["event_timestamp"] for _ in range(50)]
    after = datetime.now(UTC)
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", stamp)
        assert before <= datetime.fromisoformat(stamp) <= after
    assert stamps == sorted(stamps)
