"""PlayerRollingAverageProcessor.build_player_row on plain frames (no warehouse)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from data_processors.precompute.player_rolling_average_processor import (
    InputQualityError,
    PlayerRollingAverageProcessor,
)
from shared_services.processors.errors import ImproperlyConfigured

DAY = date(2025, 1, 15)
NOW = datetime(2025, 1, 15, 8, tzinfo=UTC)


def games(tiers, scores):
    count = len(tiers)
    return pd.DataFrame({
        "player_id": ["p1"] * count,
        "player_name": ["P One"] * count,
        "team_abbr": ["BOS"] + ["LAL"] * (count - 1),   # most recent first: traded to BOS
        "game_id": [f"g{i}" for i in range(count, 0, -1)],
        "game_date": [DAY - timedelta(days=i) for i in range(1, count + 1)],
        "points": [20] * (count - 1) + [None],
        "rebounds": [5] * count,
        "assists": [2] * count,
        "quality_tier": tiers,
        "quality_score": scores,
        "quality_issues": [[] for _ in tiers],
        "data_sources": [["nbac_gamebook_player_stats"]] * count,
        "quality_used_fallback": [False] * count,
        "quality_reconstructed": [False] * (count - 1) + [True],
        "quality_calculated_at": [pd.Timestamp("2025-01-14", tz="UTC")] * count,
        "game_rank": list(range(1, count + 1)),
    })


def processor():
    return PlayerRollingAverageProcessor(bq_client=object(), run_id="r1")


def test_nine_gold_and_one_bronze_is_bronze():
    row = processor().build_player_row(games(["gold"] * 9 + ["bronze"], [100.0] * 9 + [73.6]), DAY, NOW)
    assert row["quality_tier"] == "bronze"
    assert row["quality_score"] == 73.6
    assert row["quality_metadata"]["input_tiers"] == ["gold"] * 9 + ["bronze"]
    assert row["quality_metadata"]["aggregation_method"] == "worst_wins"
    assert row["avg_points"] == 20.0            # the null is ignored, not counted as 0
    assert row["team_abbr"] == "BOS"            # the most recent game's team
    assert row["quality_reconstructed"] is True
    assert row["quality_used_fallback"] is False
    assert row["source_quality_max_calculated_at"].startswith("2025-01-14T00:00:00")
    assert row["quality_calculated_at"].startswith("2025-01-15T08:00:00")


def test_missing_input_quality_is_an_input_error():
    with pytest.raises(InputQualityError, match="g1"):
        processor().build_player_row(games(["gold", None], [100.0, 90.0]), DAY, NOW)
    with pytest.raises(InputQualityError, match="platinum"):
        processor().build_player_row(games(["gold", "platinum"], [100.0, 90.0]), DAY, NOW)


def test_bad_window_configuration_is_rejected_at_class_definition():
    with pytest.raises(ImproperlyConfigured, match="ROLLING_WINDOW"):
        type("Bad", (PlayerRollingAverageProcessor,), {"ROLLING_WINDOW": 0})


def test_a_non_finite_stat_is_left_out_like_a_null_not_averaged():
    # SCORING.md rule 4: +-inf is null. One infinite line among nine good ones used to make the
    # average infinite, written as NULL: the nine good games were lost.
    frame = games(["gold"] * 10, [100.0] * 10)
    frame["points"] = [20.0] * 8 + [float("inf"), 26.0]
    frame["rebounds"] = [4.0, float("-inf")] + [6.0] * 8
    row = processor().build_player_row(frame, DAY, NOW)
    assert row["avg_points"] == round((20.0 * 8 + 26.0) / 9, 4)
    assert row["avg_rebounds"] == round((4.0 + 6.0 * 8) / 9, 4)
    frame["assists"] = [float("inf")] * 10
    assert processor().build_player_row(frame, DAY, NOW)["avg_assists"] is None


def test_an_input_score_outside_0_to_100_is_an_input_error():
    with pytest.raises(ValueError, match=r"scores\[1\] must be a number from 0 to 100; got -5.0"):
        processor().build_player_row(games(["gold"] * 10, [100.0, -5.0] + [100.0] * 8), DAY, NOW)


def test_a_games_frame_without_a_needed_column_is_named_not_a_bare_key_error():
    frame = games(["gold"] * 3, [100.0] * 3).drop(columns=["rebounds", "quality_score"])
    with pytest.raises(ValueError, match=r"^games lacks the column\(s\) \['quality_score', 'rebounds'\]; it needs "):
        processor().build_player_row(frame, DAY, NOW)
    with pytest.raises(TypeError, match="^games must be a DataFrame of one player's input games; got list$"):
        processor().build_player_row([], DAY, NOW)
