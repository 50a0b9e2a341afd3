"""Heal on the demo: the late_final_unprocessed game is healed, a game whose sources are still
down stays open with one heal-tried event, a second heal heals nothing new and changes no data,
and a dry run only shows the plan."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from google.cloud import bigquery

from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from data_processors.source_coverage_audit import cli as audit_cli
from data_processors.source_coverage_audit.heal import HEAL_PROCESSOR_NAME, CoverageHealer
from shared_services.bigquery.duckdb_client import DuckDBClient

_SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def _fault(summary: Any, kind: str) -> dict[str, Any]:
    [fault] = [f for f in summary.faults if f["kind"] == kind]
    return fault


def _path(summary: Any) -> str:
    return summary.warehouse_url.removeprefix("duckdb:///")


def _copy(summary: Any, tmp_path: Path) -> str:
    source = Path(_path(summary))
    target = tmp_path / "copy.duckdb"
    shutil.copy(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, target.with_name(target.name + ".wal"))
    return str(target)


def _query(path: str, sql: str, **params: Any) -> pd.DataFrame:
    client = DuckDBClient(path)
    try:
        values = [bigquery.ScalarQueryParameter("since", "TIMESTAMP", _SINCE)]
        for name, value in params.items():
            kind = "DATE" if hasattr(value, "isoformat") and not isinstance(value, datetime) else "STRING"
            values.append(bigquery.ScalarQueryParameter(name, kind, value))
        return client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=values)).to_dataframe()
    finally:
        client.close()


_LOG = "`nba_reference.source_coverage_log`"


def _heal_events(path: str) -> pd.DataFrame:
    return _query(path, f"SELECT game_id, processor_run_id, event_type, severity, is_synthetic, resolution, "
                        f"resolution_details FROM {_LOG} WHERE event_timestamp >= @since "
                        f"AND processor_name = @name", name=HEAL_PROCESSOR_NAME)


def test_the_demo_heals_the_late_final_unprocessed_game(demo_week: Any) -> None:
    summary, _, _ = demo_week
    fault = _fault(summary, "late_final_unprocessed")
    assert summary.heal["healed"] == [{"game_id": fault["game_id"], "fault": "late_final_unprocessed"}]
    assert "Heal: healed " + fault["game_id"] + " (late_final_unprocessed)" in summary.to_text()
    path, day = _path(summary), datetime.fromisoformat(fault["game_date"]).date()
    rows = _query(path, "SELECT player_id, quality_tier FROM `nba_analytics.player_game_summary` "
                        "WHERE game_date = @day AND game_id = @gid", day=day, gid=fault["game_id"])
    assert len(rows) == 26 and set(rows["quality_tier"]) == {"gold"}
    flags = _query(path, f"SELECT is_resolved, resolution_method FROM {_LOG} WHERE event_timestamp >= @since "
                         "AND game_id = @gid AND event_type = 'silent_failure'", gid=fault["game_id"])
    assert len(flags) == 1 and bool(flags["is_resolved"][0]) and flags["resolution_method"][0] == "backfill"
    # every later rolling average of its players now includes the game (it is within the window)
    later = _query(path, "SELECT player_id, analysis_date, source_game_ids FROM `nba_precompute.player_rolling_averages` "
                         "WHERE analysis_date > @day", day=day)
    mine = later[later["player_id"].isin(set(rows["player_id"]))]
    assert len(mine) >= 26
    assert all(fault["game_id"] in list(ids) for ids in mine["source_game_ids"])


def test_a_game_whose_sources_are_still_down_stays_open_with_one_heal_tried_event(demo_week: Any) -> None:
    summary, _, _ = demo_week
    fault = _fault(summary, "all_sources_empty")
    assert {"game_id": fault["game_id"], "fault": "all_sources_empty"} in summary.heal["still_open"]
    events = _heal_events(_path(summary))
    mine = events[events["game_id"] == fault["game_id"]]
    assert len(mine) == 1
    event = mine.iloc[0]
    assert event["event_type"] == "source_missing" and event["severity"] == "warning"
    assert bool(event["is_synthetic"]) and event["resolution"] == "failed"
    assert event["resolution_details"] == "heal_tried:logged_but_no_data"
    # one heal-tried event per still-open game, none for the healed one
    assert sorted(events["game_id"]) == sorted(g["game_id"] for g in summary.heal["still_open"])
    open_flags = _query(_path(summary), f"SELECT COUNT(*) AS n FROM {_LOG} WHERE event_timestamp >= @since "
                                        "AND game_id = @gid AND event_type = 'silent_failure' "
                                        "AND NOT COALESCE(is_resolved, FALSE)", gid=fault["game_id"])
    assert int(open_flags["n"][0]) == 1


_DATA = {
    "phase3": "SELECT game_id, player_id, points, quality_tier, quality_score FROM "
              "`nba_analytics.player_game_summary` WHERE game_date BETWEEN @first AND @last",
    "phase4": "SELECT player_id, analysis_date, avg_points, games_in_sample, quality_tier, quality_score, "
              "ARRAY_TO_STRING(source_game_ids, ',') AS games FROM `nba_precompute.player_rolling_averages` "
              "WHERE analysis_date BETWEEN @first AND @last",
    "phase5": "SELECT prediction_id, player_id, game_date, predicted_points, final_confidence, quality_tier "
              "FROM `nba_predictions.player_prop_predictions` WHERE game_date BETWEEN @first AND @last",
}


def _data(path: str, first: Any, last: Any) -> dict[str, pd.DataFrame]:
    out = {}
    for name, sql in _DATA.items():
        frame = _query(path, sql, first=first, last=last)
        out[name] = frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def test_a_second_heal_heals_nothing_new_and_changes_no_data(demo_week: Any, tmp_path: Path) -> None:
    summary, _, _ = demo_week
    path = _copy(summary, tmp_path)
    first, last = summary.start, summary.end + timedelta(days=1)
    before, events_before = _data(path, first, last), _heal_events(path)
    client = DuckDBClient(path)
    try:
        audit = SourceCoverageAuditProcessor(bq_client=client, clock=lambda: datetime.now(UTC) + timedelta(hours=1))
        again = CoverageHealer(audit).heal(summary.start, summary.end)
    finally:
        client.close()
    assert again.healed == []
    assert sorted(again.still_open) == sorted(g["game_id"] for g in summary.heal["still_open"])
    events_after = _heal_events(path)
    assert len(events_after) == len(events_before) + len(again.still_open)
    per_run = events_after.groupby(["processor_run_id", "game_id"]).size()
    assert per_run.max() == 1                       # at most one heal-tried event per game per run
    assert set(events_after.loc[events_after["processor_run_id"] == again.run_id, "game_id"]) == set(again.still_open)
    after = _data(path, first, last)
    for name in _DATA:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def test_dry_run_heal_prints_the_plan_and_changes_nothing(demo_week: Any, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    summary, _, _ = demo_week
    path = _copy(summary, tmp_path)
    counts = f"SELECT COUNT(*) AS n FROM {_LOG} WHERE event_timestamp >= @since"
    log_before = int(_query(path, counts)["n"][0])
    data_before = _data(path, summary.start, summary.end + timedelta(days=1))
    status = audit_cli.main(["--warehouse", f"duckdb:///{path}", "--start", summary.start.isoformat(),
                             "--end", summary.end.isoformat(), "--heal", "--dry-run"])
    out = capsys.readouterr().out
    assert "Heal plan [DRY RUN: nothing run or written]" in out
    for game in summary.heal["still_open"]:
        assert game["game_id"] in out
    assert "phase_3 PlayerGameSummaryProcessor" in out and "[planned]" in out
    assert "phase_4 PlayerRollingAverageProcessor (after phase 3)" in out
    assert status == 1          # critical findings remain (nothing was healed)
    assert int(_query(path, counts)["n"][0]) == log_before
    after = _data(path, summary.start, summary.end + timedelta(days=1))
    for name in _DATA:
        pd.testing.assert_frame_equal(data_before[name], after[name], obj=name)


class _ScraperDown:
    """A registered phase 3 processor whose run fails (its warehouse or source is down)."""

    OUTPUT_TABLE = "nba_analytics.player_game_summary"

    def __init__(self, bq_client: Any = None) -> None:
        self.bq_client = bq_client

    def run(self, opts: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("scraper API returned 503")


def test_a_failing_processor_leaves_its_games_open_and_says_why(demo_week: Any, tmp_path: Path) -> None:
    from shared_services.processors.registry import ProcessorRegistry

    summary, _, _ = demo_week
    path = _copy(summary, tmp_path)
    local = ProcessorRegistry()
    local.register(_ScraperDown, phase="phase_3", games_option="game_ids")
    client = DuckDBClient(path)
    try:
        audit = SourceCoverageAuditProcessor(bq_client=client, clock=lambda: datetime.now(UTC) + timedelta(hours=1))
        result = CoverageHealer(audit, registry=local).heal(summary.start, summary.end)
    finally:
        client.close()
    assert result.healed == [] and result.still_open
    assert result.failed_steps and all(s.error == "RuntimeError: scraper API returned 503" for s in result.failed_steps)
    assert "[failed: RuntimeError: scraper API returned 503]" in result.render()
    descriptions = _query(path, f"SELECT description FROM {_LOG} WHERE event_timestamp >= @since "
                                "AND processor_run_id = @run", run=result.run_id)["description"]
    assert len(descriptions) == len(result.still_open)
    assert all("Processor error: RuntimeError: scraper API returned 503" in d for d in descriptions)


def test_a_heal_interrupted_after_phase_3_is_completed_by_the_next_one(demo_week: Any, tmp_path: Path) -> None:
    """Crash after phase 3: the next audit finds the game normal (its flag resolves), so it is
    no longer a finding - the next heal must still re-build the phase 4 rows that lack it."""
    from data_processors.analytics.player_game_summary.player_game_summary_processor import (
        PlayerGameSummaryProcessor,
    )
    from data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor import (
        TeamOffenseGameSummaryProcessor,
    )
    from data_processors.precompute.player_rolling_average_processor import (
        PlayerRollingAverageProcessor,
    )

    summary, _, _ = demo_week
    fault = _fault(summary, "late_final_unprocessed")
    game, day = fault["game_id"], datetime.fromisoformat(fault["game_date"]).date()
    path = _copy(summary, tmp_path)
    players = sorted(_query(path, "SELECT player_id FROM `nba_analytics.player_game_summary` "
                                  "WHERE game_date = @day AND game_id = @gid", day=day, gid=game)["player_id"])
    later = [day + timedelta(days=n) for n in range(1, (summary.end - day).days + 2)]
    client = DuckDBClient(path)
    clock = [datetime.now(UTC) + timedelta(hours=1)]
    try:
        # Back to "never processed": no phase 3 rows, rolling averages built without the game.
        params = [bigquery.ScalarQueryParameter("day", "DATE", day),
                  bigquery.ArrayQueryParameter("keys", "STRING", [game, fault["team_key"]])]
        for table in ("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"):
            client.query(f"DELETE FROM `{table}` WHERE game_date = @day AND game_id IN UNNEST(@keys)",
                         job_config=bigquery.QueryJobConfig(query_parameters=params)).result()
        for analysis_date in later:
            PlayerRollingAverageProcessor(bq_client=client).run({"analysis_date": analysis_date, "players": players})
        audit = SourceCoverageAuditProcessor(bq_client=client, clock=lambda: clock[0])
        assert {f.game_id: f.status for f in audit.run_audit(day, day).findings}[game] == "partial_data"
        # The interrupted heal: phase 3 ran, then the process died.
        for cls in (PlayerGameSummaryProcessor, TeamOffenseGameSummaryProcessor):
            cls(bq_client=client).run({"game_date": day, "game_ids": [game]})
        clock[0] += timedelta(minutes=5)
        result = CoverageHealer(audit).heal(day, day)
    finally:
        client.close()
    assert game not in result.healed and result.recovered == [game]
    assert "Recovered since the last audit" in result.render()
    rebuilt = _query(path, "SELECT player_id, source_game_ids FROM `nba_precompute.player_rolling_averages` "
                           "WHERE analysis_date > @day", day=day)
    mine = rebuilt[rebuilt["player_id"].isin(set(players))]
    assert len(mine) == len(players) * len(later)
    assert all(game in list(ids) for ids in mine["source_game_ids"])
