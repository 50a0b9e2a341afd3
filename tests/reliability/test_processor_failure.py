"""Reliability: a processor that raises mid-run keeps its events and the caller sees the error."""

from __future__ import annotations

from datetime import date

import pytest

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from tests.support.scenario import load, player_rows, schedule_row

DAY = date(2025, 1, 15)


class CrashingSave(PlayerGameSummaryProcessor):
    def save_data(self):
        raise ConnectionError("warehouse went away while saving")


def test_events_of_a_crashed_run_are_in_the_log_and_the_exception_reaches_the_caller(warehouse, notifications):
    games = [("0022400561", "LAL", "BOS"), ("0022400562", "NYK", "MIA")]
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(g, DAY, a, h) for g, a, h in games])
    load(warehouse, "nba_raw.bdl_player_boxscores", player_rows("0022400561", DAY))  # fallback for one
    processor = CrashingSave(bq_client=warehouse)
    with pytest.raises(ConnectionError, match="went away"):
        processor.run({"game_date": DAY})
    events = warehouse.query(
        "SELECT event_type, game_id FROM nba_reference.source_coverage_log "
        "WHERE event_timestamp >= TIMESTAMP('2000-01-01') ORDER BY game_id").to_dataframe()
    assert events.to_dict("records") == [
        {"event_type": "fallback_used", "game_id": "0022400561"},
        {"event_type": "source_missing", "game_id": "0022400562"},
    ]
    assert processor.pending_event_count == 0
    assert any("CrashingSave failed" in title for title in notifications.titles("error"))
