"""Phase 4 rolling averages on the embedded warehouse: worst-wins quality, one query per run."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from data_processors.precompute.player_rolling_average_processor import (
    PlayerRollingAverageProcessor,
)
from shared_services.bigquery.schemas import PLAYER_ROLLING_AVERAGES
from tests.integration.downstream.downstream_seed import (
    ANALYSIS_DATE,
    SEEDED_AT,
    game_id_for,
    log_events,
    phase3_row,
    player_history,
    query,
)
from tests.support.recording_client import RecordingClient

ROLLING_SQL = (
    f"SELECT * FROM `{PLAYER_ROLLING_AVERAGES.table_id}` "
    "WHERE analysis_date = @day ORDER BY player_id"
)


def rolling_rows(client, day=ANALYSIS_DATE):
    frame = query(client, ROLLING_SQL, day=day)
    # JSON columns arrive as text, as from BigQuery
    frame["quality_metadata"] = [json.loads(v) if isinstance(v, str) else v
                                 for v in frame["quality_metadata"]]
    return frame


def run_phase4(client, **opts):
    processor = PlayerRollingAverageProcessor(bq_client=client)
    stats = processor.run({"analysis_date": ANALYSIS_DATE, **opts})
    return processor, stats


def test_nine_gold_and_one_bronze_make_a_bronze_row(warehouse, seed_phase3):
    tiers = ["gold"] * 4 + ["bronze"] + ["gold"] * 5
    rows = player_history("p1", 10, tiers=tiers)
    rows[4]["quality_issues"] = ["thin_sample:3/8"]
    rows[7]["quality_issues"] = ["missing_optional:plus_minus"]
    rows[7]["data_sources"] = ["bdl_player_boxscores"]
    newest = SEEDED_AT + timedelta(hours=5)
    rows[2]["quality_calculated_at"] = newest.isoformat()
    seed_phase3(rows)

    _, stats = run_phase4(warehouse)

    row = rolling_rows(warehouse).iloc[0]
    assert stats["rows_written"] == 1
    assert row["quality_tier"] == "bronze"
    assert row["quality_score"] == 73.6
    assert sorted(row["quality_issues"]) == ["missing_optional:plus_minus", "thin_sample:3/8"]
    assert sorted(row["data_sources"]) == ["bdl_player_boxscores", "nbac_gamebook_player_stats"]
    assert row["games_in_sample"] == 10
    assert row["quality_sample_size"] == 10
    assert row["avg_points"] == pytest.approx(sum(range(10, 20)) / 10)
    assert row["first_game_date"] == ANALYSIS_DATE - timedelta(days=10)
    assert row["last_game_date"] == ANALYSIS_DATE - timedelta(days=1)
    assert list(row["source_game_ids"]) == [game_id_for(ANALYSIS_DATE - timedelta(days=d)) for d in range(1, 11)]
    metadata = row["quality_metadata"]
    assert metadata["aggregation_method"] == "worst_wins"
    assert metadata["input_tiers"] == list(reversed(tiers))  # most recent first, like the ids
    assert sorted(metadata["input_scores"]) == sorted([100.0] * 9 + [73.6])
    assert metadata["expected_sample_size"] == 8
    assert row["source_quality_max_calculated_at"] == newest
    assert row["team_abbr"] == "LAL"


def test_nine_gold_and_one_silver_all_scored_100_make_a_silver_row(warehouse, seed_phase3):
    # Score and tier disagree on purpose: every score says gold, one input's tier is silver.
    rows = player_history("p1", 10)
    rows[6]["quality_tier"] = "silver"
    assert [r["quality_score"] for r in rows] == [100.0] * 10
    seed_phase3(rows)

    _, stats = run_phase4(warehouse)

    row = rolling_rows(warehouse).iloc[0]
    assert stats["rows_written"] == 1
    assert (row["quality_tier"], row["quality_score"]) == ("silver", 100.0)
    assert sorted(row["quality_metadata"]["input_tiers"]) == ["gold"] * 9 + ["silver"]


def test_only_the_last_ten_games_strictly_before_the_date_count(warehouse, seed_phase3):
    rows = player_history("p1", 12, tiers=["unusable", "poor"] + ["gold"] * 10)
    rows.append(phase3_row("p1", ANALYSIS_DATE, tier="unusable", score=0.0, points=99))
    rows.append(phase3_row("p1", ANALYSIS_DATE + timedelta(days=1), tier="poor", score=30.0))
    seed_phase3(rows)

    run_phase4(warehouse)

    row = rolling_rows(warehouse).iloc[0]
    assert row["games_in_sample"] == 10
    assert row["quality_tier"] == "gold"  # the two bad games are older than the window
    assert row["last_game_date"] == ANALYSIS_DATE - timedelta(days=1)
    assert game_id_for(ANALYSIS_DATE) not in list(row["source_game_ids"])


def test_one_unusable_input_makes_the_row_unusable(warehouse, seed_phase3):
    seed_phase3(player_history("p1", 10, tiers=["gold"] * 9 + ["unusable"]))
    run_phase4(warehouse)
    row = rolling_rows(warehouse).iloc[0]
    assert row["quality_tier"] == "unusable"
    assert row["quality_score"] == 0.0


def test_tiers_are_ranked_not_sorted_alphabetically(warehouse, seed_phase3):
    # alphabetically 'gold' < 'silver' and 'unusable' > 'poor': a MIN/MAX over strings would lie
    seed_phase3(player_history("a", 10, tiers=["gold"] * 9 + ["silver"])
                + player_history("b", 10, tiers=["poor"] * 9 + ["unusable"]))
    run_phase4(warehouse)
    tiers = dict(zip(*[rolling_rows(warehouse)[c] for c in ("player_id", "quality_tier")], strict=True))
    assert tiers == {"a": "silver", "b": "unusable"}


def test_a_thin_sample_degrades_by_the_season_expectation(warehouse, seed_phase3):
    seed_phase3(player_history("three", 3) + player_history("one", 1) + player_history("five", 5))
    run_phase4(warehouse)
    rows = rolling_rows(warehouse).set_index("player_id")
    assert rows.loc["five", "quality_tier"] == "gold"          # 5/8 >= 0.5
    assert rows.loc["three", "quality_tier"] == "bronze"       # 3/8 < 0.5 caps at bronze
    assert "thin_sample:3/8" in list(rows.loc["three", "quality_issues"])
    assert rows.loc["three", "quality_score"] == 80.0
    assert rows.loc["one", "quality_tier"] == "poor"           # < 2 rows while 8 expected


def test_early_season_expects_less(warehouse, seed_phase3):
    opening_week = date(2024, 10, 25)  # 5 games in: expectation 3
    seed_phase3(player_history("p1", 2, before=opening_week))
    PlayerRollingAverageProcessor(bq_client=warehouse).run({"game_date": opening_week})
    row = rolling_rows(warehouse, opening_week).iloc[0]
    assert row["quality_tier"] == "gold"  # 2/3 is plenty early in the season
    assert row["quality_metadata"]["expected_sample_size"] == 3


def test_explicit_players_without_history_get_no_row_and_one_event(warehouse, seed_phase3):
    seed_phase3(player_history("p1", 10))
    _, stats = run_phase4(warehouse, players=["p1", "rookie", "called_up"])

    assert list(rolling_rows(warehouse)["player_id"]) == ["p1"]
    assert stats["players_without_history"] == ["rookie", "called_up"]
    events = log_events(warehouse, "insufficient_sample")
    assert len(events) == 1
    event = events.iloc[0]
    assert event["severity"] == "warning"
    assert "'rookie'" in event["description"] and "'called_up'" in event["description"]
    assert event["phase"] == "phase_4"
    assert event["game_date"] == ANALYSIS_DATE


def test_explicit_players_limit_the_output(warehouse, seed_phase3):
    seed_phase3(player_history("p1", 10) + player_history("p2", 10))
    run_phase4(warehouse, players=["p2"])
    assert list(rolling_rows(warehouse)["player_id"]) == ["p2"]
    assert log_events(warehouse).empty


def test_rerunning_a_date_replaces_its_rows(warehouse, seed_phase3):
    seed_phase3(player_history("p1", 10) + player_history("p2", 4))
    run_phase4(warehouse)
    first = rolling_rows(warehouse)
    _, stats = run_phase4(warehouse)
    second = rolling_rows(warehouse)
    assert len(first) == len(second) == stats["rows_written"] == 2
    assert first["processor_run_id"].nunique() == 1
    assert set(second["processor_run_id"]) == {stats["run_id"]}


@pytest.mark.parametrize("count", [5, 500])
def test_query_count_is_constant_in_the_number_of_players(warehouse, seed_phase3, count):
    rows = []
    for index in range(count):
        rows += player_history(f"player_{index:04d}", 3)
    seed_phase3(rows)
    client = RecordingClient(warehouse)

    processor, stats = run_phase4(client)

    assert stats["rows_written"] == count
    assert processor.queries_issued == 1
    # one read + the idempotent write (one load into staging + one MERGE); nothing per player
    assert client.calls["query"] == 2
    assert client.calls["load_table_from_json"] == 1
    assert len(rolling_rows(warehouse)) == count


def test_hostile_player_ids_are_stored_as_data(warehouse, seed_phase3):
    hostile = ["o'neal", "x'; DROP TABLE nba_analytics.player_game_summary; --", 'quote"d\\']
    for player in hostile:
        seed_phase3(player_history(player, 10))
    run_phase4(warehouse, players=[*hostile, "'; --missing"])
    assert sorted(rolling_rows(warehouse)["player_id"]) == sorted(hostile)
    events = log_events(warehouse, "insufficient_sample")
    assert len(events) == 1 and "'; --missing" in events.iloc[0]["description"]


def test_inputs_without_quality_skip_the_player_with_one_event(warehouse, seed_phase3):
    bad = player_history("bad", 10)
    bad[3]["quality_tier"] = None
    seed_phase3(bad + player_history("good", 10))
    _, stats = run_phase4(warehouse)
    assert list(rolling_rows(warehouse)["player_id"]) == ["good"]
    assert stats["players_with_bad_inputs"] == ["bad"]
    events = log_events(warehouse, "validation_failure")
    assert len(events) == 1 and "'bad'" in events.iloc[0]["description"]


def test_a_missing_date_fails_the_run_by_name(warehouse):
    with pytest.raises(ValueError, match="analysis_date"):
        PlayerRollingAverageProcessor(bq_client=warehouse).run({})
    with pytest.raises(ValueError, match="analysis_date"):
        PlayerRollingAverageProcessor(bq_client=warehouse).run({"analysis_date": "15/01/2025"})


def test_no_history_at_all_writes_nothing(warehouse):
    _, stats = run_phase4(warehouse)
    assert stats["rows_written"] == 0
    assert rolling_rows(warehouse).empty


def test_command_line(warehouse, seed_phase3, monkeypatch, capsys):
    from data_processors.precompute import player_rolling_average_processor as module
    from shared_services.bigquery import factory

    seed_phase3(player_history("p1", 10))
    monkeypatch.setattr(factory, "make_client", lambda url=None: warehouse)
    monkeypatch.setenv("COVERAGE_WAREHOUSE", f"duckdb:///{warehouse.path}")  # the file exists
    monkeypatch.setattr(warehouse, "close", lambda: None)  # the command closes its client
    assert module.main(["--date", ANALYSIS_DATE.isoformat()]) == 0
    assert "1 rolling average row(s)" in capsys.readouterr().out
    assert module.main(["--date", "yesterday"]) == 2
    assert "--date" in capsys.readouterr().err
