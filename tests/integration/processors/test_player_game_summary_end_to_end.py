"""Phase 3 end to end on the embedded warehouse: fallback, quality columns, events, idempotency."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data_processors.analytics.analytics_base import AnalyticsProcessorBase
from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
    main,
)
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, PLAYER_GAME_SUMMARY
from shared_services.processors.fallback_source_mixin import FallbackSourceMixin
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.recording_client import RecordingClient
from tests.support.scenario import load, player_rows, schedule_row

DAY = date(2025, 1, 15)
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
BDL = "nba_raw.bdl_player_boxscores"
ESPN = "nba_raw.espn_game_boxscore"


def summary(client):
    sql = (f"SELECT * FROM `{PLAYER_GAME_SUMMARY.table_id}` WHERE game_date BETWEEN '2024-10-01' AND '2025-07-01' "
           "ORDER BY game_id, player_id")
    return client.query(sql).to_dataframe()


def log(client):
    sql = (f"SELECT * FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= TIMESTAMP('2000-01-01') "
           "ORDER BY event_timestamp")
    return client.query(sql).to_dataframe()


def test_primary_empty_fallback_has_data_gives_silver_rows_and_one_fallback_event(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY)])
    load(warehouse, BDL, player_rows("0022400561", DAY))
    processor = PlayerGameSummaryProcessor(bq_client=warehouse)
    stats = processor.run({"game_date": "2025-01-15"})
    assert stats["rows_written"] == 13
    rows = summary(warehouse)
    assert len(rows) == 13
    assert set(rows["quality_tier"]) == {"silver"}
    assert all(list(s) == ["bdl_player_boxscores"] for s in rows["data_sources"])
    assert rows["quality_used_fallback"].all()
    assert all("backup_source_used" in list(i) for i in rows["quality_issues"])
    events = log(warehouse)
    assert events["event_type"].tolist() == ["fallback_used"]
    assert list(events["fallback_sources_tried"].iloc[0]) == ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"]
    assert events["processor_run_id"].iloc[0] == processor.run_id


def test_primary_has_data_gives_gold_and_no_events(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY)])
    load(warehouse, GAMEBOOK, player_rows("0022400561", DAY))
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    rows = summary(warehouse)
    assert set(rows["quality_tier"]) == {"gold"} and set(rows["quality_score"]) == {100.0}
    assert not rows["quality_used_fallback"].any()
    assert log(warehouse).empty


def test_all_sources_empty_no_rows_one_critical_event_one_alert(warehouse, notifications):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY)])
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    assert summary(warehouse).empty
    events = log(warehouse)
    assert events["event_type"].tolist() == ["source_missing"]
    assert events["severity"].tolist() == ["critical"]
    assert events["downstream_impact"].tolist() == ["predictions_blocked"]
    assert bool(events["alert_sent"].iloc[0]) is True
    assert notifications.count("error") == 1


def test_a_13_player_game_makes_exactly_one_log_load_job_for_the_run(warehouse):
    games = [("0022400561", "LAL", "BOS"), ("0022400562", "NYK", "MIA"), ("0022400563", "GSW", "DEN")]
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(g, DAY, a, h) for g, a, h in games])
    for n, (g, a, h) in enumerate(games):
        load(warehouse, BDL, player_rows(g, DAY, away=a, home=h, start_id=1000 + 100 * n))
    client = RecordingClient(warehouse)
    PlayerGameSummaryProcessor(bq_client=client).run({"game_date": DAY})
    assert client.calls[f"load:{COVERAGE_LOG_TABLE}"] == 1
    assert len(log(warehouse)) == 3
    assert len(summary(warehouse)) == 39
    # one query for the schedule, one per source actually needed, one MERGE; not per game
    assert client.calls["query"] <= 6


def test_reprocessing_a_game_leaves_the_row_count_unchanged(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY)])
    load(warehouse, GAMEBOOK, player_rows("0022400561", DAY))
    processor = PlayerGameSummaryProcessor(bq_client=warehouse)
    processor.run({"game_date": DAY})
    first = summary(warehouse)
    processor.process_game("0022400561", DAY)
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    second = summary(warehouse)
    assert len(first) == len(second) == 13
    assert second["processed_at"].min() > first["processed_at"].max()


def test_an_exception_in_transform_still_leaves_the_runs_events_in_the_log(warehouse, notifications):
    class Exploding(PlayerGameSummaryProcessor):
        def transform_data(self):
            self.log_quality_event("validation_failure", "warning", "about to fail", game_id="0022400561")
            raise RuntimeError("transform blew up")

    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY)])
    with pytest.raises(RuntimeError, match="transform blew up"):
        Exploding(bq_client=warehouse).run({"game_date": DAY})
    assert log(warehouse)["description"].tolist() == ["about to fail"]
    assert any("Exploding failed" in t for t in notifications.titles("error"))


# The same processor body with the mixins in the other order (validated at definition too).
OtherOrder = type(
    "OtherOrder",
    (QualityMixin, FallbackSourceMixin, AnalyticsProcessorBase),
    {k: v for k, v in vars(PlayerGameSummaryProcessor).items()
     if not k.startswith("__") and k != "_scoring_config_cache"},
)


def test_both_mixin_orders_give_the_same_results(tmp_path):
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from shared_services.bigquery.provisioning import ensure_schema

    results = []
    for n, cls in enumerate((PlayerGameSummaryProcessor, OtherOrder)):
        client = DuckDBClient(str(tmp_path / f"order{n}.duckdb"))
        ensure_schema(client)
        load(client, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY), schedule_row("0022400562", DAY, "NYK", "MIA")])
        load(client, BDL, player_rows("0022400561", DAY))
        load(client, GAMEBOOK, player_rows("0022400562", DAY, away="NYK", home="MIA", shot_zones=False))
        processor = cls(bq_client=client)
        assert processor.PHASE == "phase_3" and processor.OUTPUT_TABLE == PLAYER_GAME_SUMMARY.table_id
        processor.run({"game_date": DAY})
        rows = summary(client)[["game_id", "player_id", "quality_tier", "quality_score"]]
        events = log(client)[["event_type", "severity", "game_id"]]
        results.append((rows.reset_index(drop=True), events.reset_index(drop=True)))
        client.close()
    pd.testing.assert_frame_equal(results[0][0], results[1][0])
    pd.testing.assert_frame_equal(results[0][1], results[1][1])
    # the gamebook game lacks shot_zones: 100 - 5 = 95 -> still gold
    assert set(results[0][0]["quality_tier"]) == {"silver", "gold"}


def test_hostile_game_ids_are_data(warehouse):
    hostile = "00224'; DROP TABLE nba_raw.nbac_schedule; --"
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(hostile, DAY)])
    load(warehouse, GAMEBOOK, player_rows(hostile, DAY))
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    assert set(summary(warehouse)["game_id"]) == {hostile}
    assert len(warehouse.query("SELECT * FROM nba_raw.nbac_schedule WHERE game_date = '2025-01-15'").to_dataframe()) == 1


def test_bad_dates_are_clear_errors(warehouse):
    processor = PlayerGameSummaryProcessor(bq_client=warehouse)
    with pytest.raises(ValueError, match="game_date: '15/01/2025' is not a date"):
        processor.process_game("0022400561", "15/01/2025")
    with pytest.raises(ValueError, match="game_date"):
        processor.run({})


def test_command_line_runs_a_day(tmp_path, capsys):
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from shared_services.bigquery.provisioning import ensure_schema

    db = tmp_path / "cli.duckdb"
    client = DuckDBClient(str(db))
    ensure_schema(client)
    load(client, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY)])
    load(client, ESPN, player_rows("0022400561", DAY))
    client.close()
    assert main(["--date", "2025-01-15", "--warehouse", f"duckdb:///{db}"]) == 0
    assert "13 row(s) written" in capsys.readouterr().out
    assert main(["--date", "January 15", "--warehouse", f"duckdb:///{db}"]) == 2
