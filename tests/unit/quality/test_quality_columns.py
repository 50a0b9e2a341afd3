"""add_quality_columns: one assessment's columns are constant for the batch (issue 14)."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from google.cloud import bigquery

from shared_services.bigquery.schemas import PLAYER_GAME_SUMMARY, QUALITY_COLUMN_NAMES
from shared_services.bigquery.writer import replace_rows
from shared_services.quality.columns import (
    FrozenDict,
    FrozenList,
    add_quality_columns,
    quality_columns,
)
from shared_services.quality.scoring import ScoringConfig, assess_quality

NOW = datetime(2025, 1, 16, 12, 0, tzinfo=UTC)
CONFIG = ScoringConfig(
    required_fields=("game_id", "player_id", "points", "minutes_played"),
    optional_fields=("plus_minus", "rebounds", "assists", "shot_zones"),
    field_weights={"points": 10.0, "minutes_played": 8.0, "plus_minus": 3.0, "shot_zones": 5.0},
    primary_sources=("nbac_gamebook_player_stats",),
)


def assessment(rows: int = 4) -> dict:
    data = pd.DataFrame({"game_id": ["g"] * rows, "player_id": [str(i) for i in range(rows)],
                         "points": range(rows), "minutes_played": [30.0] * rows})
    return assess_quality(data, ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"],
                          context={"expected_sample_size": 10}, config=CONFIG, now=NOW)


def test_every_row_carries_the_assessment_values() -> None:
    quality = assessment()
    frame = pd.DataFrame({"x": range(5)}, index=[10, 10, 3, 7, 7])  # duplicate labels are fine
    out = add_quality_columns(frame, quality)
    expected = quality_columns(quality)
    assert list(out.columns) == ["x", *QUALITY_COLUMN_NAMES]
    assert list(out.index) == [10, 10, 3, 7, 7]
    for record in out.to_dict("records"):
        assert {name: record[name] for name in QUALITY_COLUMN_NAMES} == expected
    assert expected["quality_tier"] == "bronze"  # thin sample 4/10, backup source


def test_column_types_cost_one_array_each() -> None:
    rows = 1000
    frame = pd.DataFrame({"x": np.arange(rows)})
    out = add_quality_columns(frame, assessment())
    assert out["quality_score"].dtype == np.float64
    assert out["quality_sample_size"].dtype == np.int64
    assert out["quality_used_fallback"].dtype == bool
    assert list(out["quality_tier"].cat.categories) == ["unusable", "poor", "bronze", "silver", "gold"]
    assert out["quality_tier"].cat.ordered
    assert len(out["quality_calculated_at"].cat.categories) == 1
    # Per row: score 8 + sample size 8 + 3 shared-object pointers x 8 + 2 flags + 2 categorical
    # codes = 44 bytes; plus the categories themselves (six short strings) once.
    added = out.memory_usage(deep=False).sum() - frame.memory_usage(deep=False).sum()
    assert rows * 44 <= added <= rows * 44 + 1024
    # The frame's own column is shared with the input, not copied (copy-on-write).
    assert np.shares_memory(out["x"].to_numpy(), frame["x"].to_numpy())


def test_list_and_dict_values_are_one_shared_read_only_object() -> None:
    out = add_quality_columns(pd.DataFrame({"x": range(50)}), assessment())
    for name in ("quality_issues", "data_sources", "quality_metadata"):
        assert out[name].map(id).nunique() == 1, name
    issues = out["quality_issues"].iloc[0]
    metadata = out["quality_metadata"].iloc[0]
    assert isinstance(issues, FrozenList) and isinstance(metadata, FrozenDict)
    for mutate in (lambda: issues.append("x"), lambda: issues.__setitem__(0, "x"),
                   lambda: issues.sort(), lambda: metadata.__setitem__("k", 1),
                   lambda: metadata.update(k=1), lambda: metadata.pop("sample_size"),
                   lambda: metadata["null_rates"].clear(),
                   lambda: metadata["missing_required_fields"].append("x")):
        with pytest.raises(TypeError, match="read-only"):
            mutate()
    editable = list(issues) + ["mine"]
    assert editable[-1] == "mine" and "mine" not in out["quality_issues"].iloc[1]


def test_values_survive_json_pickle_and_copy() -> None:
    out = add_quality_columns(pd.DataFrame({"x": range(3)}), assessment())
    record = out.to_dict("records")[0]
    assert json.loads(json.dumps(record))["quality_metadata"]["sample_size"] == 4
    again = pickle.loads(pickle.dumps(out))
    pd.testing.assert_frame_equal(again, out)
    assert isinstance(again["quality_issues"].iloc[0], FrozenList)
    assert copy.deepcopy(record["quality_metadata"]) == record["quality_metadata"]


def test_input_frame_is_untouched_and_existing_quality_columns_are_replaced() -> None:
    frame = pd.DataFrame({"x": [1, 2], "quality_tier": ["gold", "gold"]})
    out = add_quality_columns(frame, assessment())
    assert list(out["quality_tier"]) == ["bronze", "bronze"]
    out.loc[0, "x"] = 99
    assert frame["x"].tolist() == [1, 2]
    assert frame.columns.tolist() == ["x", "quality_tier"]
    assert frame["quality_tier"].tolist() == ["gold", "gold"]


def test_zero_rows_gives_the_columns_with_no_rows() -> None:
    out = add_quality_columns(pd.DataFrame({"x": []}), assessment())
    assert list(out.columns) == ["x", *QUALITY_COLUMN_NAMES]
    assert len(out) == 0


def test_non_frame_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list"):
        add_quality_columns([1, 2], assessment())  # type: ignore[arg-type]


def test_null_like_values_reach_the_warehouse_as_null_never_as_numbers(warehouse) -> None:
    """+-inf in FLOAT64, 'N/A' / '' / '-' and inf in INT64: scored as null, written as NULL."""
    rows = 6
    frame = pd.DataFrame({
        "game_id": ["20250115_LAL"] * rows,
        "game_date": ["2025-01-15"] * rows,
        "season": ["2024-25"] * rows,
        "player_id": [f"p{i}" for i in range(rows)],
        "minutes_played": [np.inf, -np.inf, 30.0, 31.0, 32.0, 33.0],
        "points": pd.Series(["N/A", "", 12, 14, float("inf"), "-"], dtype=object),
        "rebounds": [1, 2, 3, 4, 5, 6],
    })
    quality = assess_quality(frame, ["nbac_gamebook_player_stats"], config=CONFIG, now=NOW)
    # points 4/6 null: 100 x (0.667 - 0.2) = 46.7; minutes 2/6: 100 x 0.133 = 13.3;
    # plus_minus, assists, shot_zones absent: 3 + 10 + 5 -> 100 - 78 = 22.0, unusable by score.
    assert quality["metadata"]["null_rates"]["points"] == pytest.approx(4 / 6, abs=1e-4)
    assert quality["score"] == 22.0
    out = add_quality_columns(frame, quality)
    written = replace_rows(warehouse, PLAYER_GAME_SUMMARY.table_id, out.to_dict("records"),
                           PLAYER_GAME_SUMMARY.schema, key_columns=["game_id"],
                           partition_field="game_date")
    assert written == rows
    back = warehouse.query(
        f"SELECT player_id, minutes_played, points, quality_tier, quality_issues, data_sources "
        f"FROM `{PLAYER_GAME_SUMMARY.table_id}` WHERE game_date = @day ORDER BY player_id",
        job_config=bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("day", "DATE", "2025-01-15")]),
    ).to_dataframe()
    assert back["minutes_played"].isna().tolist() == [True, True, False, False, False, False]
    assert back["points"].isna().tolist() == [True, True, False, False, True, True]
    assert back["points"].dropna().astype(int).tolist() == [12, 14]
    assert set(back["quality_tier"]) == {"unusable"}
    assert [list(v) for v in back["data_sources"]] == [["nbac_gamebook_player_stats"]] * rows
    assert list(back["quality_issues"].iloc[0]) == quality["issues"]
