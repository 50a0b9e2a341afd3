"""Reliability: two instances of a processor write the same table at once.

The real platform's incident ("Concurrent Processing Duplicates"): two instances of the player
game summary processor started 18 s apart for the same date; BigQuery cancelled one MERGE
("Could not serialize access to table due to concurrent update"), the fallback wrote a DELETE
and an INSERT outside a transaction, and 72 player rows were left twice. Here the cancelled
replace transaction runs again (``AnalyticsProcessorBase.WRITE_CONFLICT_RETRY``): both runs
succeed, each key is in the table once, and each run's events are in the log.

The embedded warehouse cancels an overlapping transaction as BigQuery does; two clients of one
file stand for the two instances and :func:`pause_after` holds the first one inside its replace
transaction while the second one runs from start to end.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.events.sink import RetryPolicy
from tests.support.interleave import pause_after
from tests.support.scenario import load, player_rows, schedule_row

DAY = date(2025, 1, 15)
GAMES = [("0022400561", "LAL", "BOS"), ("0022400562", "NYK", "MIA")]


class QuickRetry(PlayerGameSummaryProcessor):
    """The production processor with its back-off shortened to milliseconds."""

    WRITE_CONFLICT_RETRY = RetryPolicy(max_attempts=6, initial_delay=0.01, max_delay=0.05)


def _scalar(client: DuckDBClient, sql: str) -> Any:
    return next(iter(client.query(sql).result())).values()[0]


def test_two_instances_for_the_same_date_both_succeed_and_leave_one_copy_of_each_row(warehouse, notifications):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(g, DAY, a, h) for g, a, h in GAMES])
    (g1, a1, h1), (g2, a2, h2) = GAMES
    load(warehouse, "nba_raw.nbac_gamebook_player_stats", player_rows(g1, DAY, away=a1, home=h1))
    load(warehouse, "nba_raw.bdl_player_boxscores", player_rows(g2, DAY, away=a2, home=h2))  # a fallback
    other = DuckDBClient(warehouse.path, project=warehouse.project)
    first, second = QuickRetry(bq_client=warehouse), QuickRetry(bq_client=other)
    outcome: list[Any] = []

    def run_first() -> None:
        try:
            outcome.append(first.run({"game_date": DAY}))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    try:
        with pause_after(warehouse, "DELETE") as gate:
            thread = threading.Thread(target=run_first)
            thread.start()
            gate.wait_paused()                       # the first instance is inside its replace
            try:
                stats = second.run({"game_date": DAY})
            finally:
                gate.release()
                thread.join(timeout=60)
        assert stats["rows_written"] == 26
        assert [type(o).__name__ for o in outcome] == ["dict"] and outcome[0]["rows_written"] == 26
        written = _scalar(other, "SELECT COUNT(*) FROM nba_analytics.player_game_summary "
                                 "WHERE game_date = DATE '2025-01-15'")
        distinct = _scalar(other, "SELECT COUNT(DISTINCT CONCAT(game_id, '/', player_id)) "
                                  "FROM nba_analytics.player_game_summary WHERE game_date = DATE '2025-01-15'")
        assert written == distinct == 26
        # the first instance's write was cancelled once and ran again
        cancelled = warehouse._conn.execute(
            "SELECT count(*) FROM _embedded_meta.jobs WHERE error_api_reason = 'invalidQuery' "
            "AND error_message LIKE 'Transaction is aborted due to concurrent update against table %'").fetchone()
        assert cancelled == (1,)
        # each run's fallback event is in the log, under its own run id
        events = [tuple(r.values()) for r in other.query(
            "SELECT processor_run_id, event_type, game_id FROM nba_reference.source_coverage_log "
            "WHERE event_timestamp >= TIMESTAMP('2000-01-01') ORDER BY processor_run_id").result()]
        assert sorted(events) == sorted([(first.run_id, "fallback_used", g2), (second.run_id, "fallback_used", g2)])
        assert not any("failed" in title for title in notifications.titles("error"))
    finally:
        other.close()


def test_a_command_whose_write_stays_refused_exits_3_with_one_line(demo_run, tmp_path, monkeypatch):
    # twenty other jobs hold the table's queue of mutating DML jobs through every attempt
    import shutil

    from data_processors.analytics.analytics_base import AnalyticsProcessorBase
    from tests.support.cli_runner import run_in_process
    from tests.support.interleave import HeldJobs

    warehouse = tmp_path / "busy.duckdb"
    shutil.copyfile(demo_run.url.removeprefix("duckdb:///"), warehouse)
    monkeypatch.setattr(AnalyticsProcessorBase, "WRITE_CONFLICT_RETRY",
                        RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01))
    held = HeldJobs(str(warehouse), 20, "UPDATE nba_analytics.player_game_summary SET points = 0 "
                                        "WHERE game_date = DATE '2025-01-10' AND game_id = 'none{i}'")
    try:
        args = ["--date", "2025-01-10", "--warehouse", f"duckdb:///{warehouse}"]
        done = run_in_process("coverage-player-game-summary", *args, cwd=tmp_path)
        verbose = run_in_process("coverage-player-game-summary", *args, "-v", cwd=tmp_path)
    finally:
        held.release()
    assert done.returncode == 3 and "Traceback" not in done.stderr
    # the command's own error is its last line (before it: the run's failure as the processor
    # logs it, and the failure notification on the log channel, each one line)
    *before, line = [text for text in done.stderr.splitlines() if text.strip()]
    assert line.startswith("coverage-player-game-summary: error: ") and len(before) <= 2
    assert "nba_analytics.player_game_summary: BigQuery refused the replace transaction 2 time(s)" in line
    assert "Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a table" in line
    assert "nothing was written" in line
    assert verbose.returncode == 3 and "Traceback (most recent call last)" in verbose.stderr
