"""The thirteen worked examples of SCORING.md (#1-#13), exactly as its table states them.

Each test's docstring (and for #10-#13 its name) carries the worked arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality.scoring import ScoringConfig, assess_quality

NOW = datetime(2025, 1, 16, 12, 0, tzinfo=UTC)

PROCESSOR_A = ScoringConfig(
    required_fields=("points", "rebounds"),
    optional_fields=("plus_minus", "shot_zones"),
    field_weights={"points": 10, "rebounds": 8, "plus_minus": 3, "shot_zones": 5},
)
PROCESSOR_B = ScoringConfig(
    required_fields=("points", "rebounds"),
    optional_fields=("plus_minus",),
)


def all_four_fields(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "points": [20 + i for i in range(rows)],
            "rebounds": [5 + i for i in range(rows)],
            "plus_minus": [i - 1 for i in range(rows)],
            "shot_zones": [f"paint:{i}" for i in range(rows)],
        }
    )


def points_and_rebounds(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"points": [20 + i for i in range(rows)], "rebounds": [5 + i for i in range(rows)]}
    )


def test_example_1_full_data_from_primary_is_gold() -> None:
    """A, 3 rows, all four fields, ['primary']: nothing lost, 100.0 -> gold, no issues."""
    result = assess_quality(all_four_fields(3), ["primary"], config=PROCESSOR_A, now=NOW)
    assert result["tier"] == QualityTier.GOLD
    assert result["score"] >= 95
    assert result["score"] == 100.0
    assert result["issues"] == []


def test_example_2_missing_required_field_is_unusable() -> None:
    """A, points and plus_minus only: rebounds (required) absent -> unusable, 0.0."""
    data = pd.DataFrame({"points": [20, 18, 25], "plus_minus": [3, -2, 7]})
    result = assess_quality(data, ["primary"], config=PROCESSOR_A, now=NOW)
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["score"] == 0.0
    assert result["issues"] == ["missing_required:rebounds"]
    assert result["metadata"]["critical_failure"] is True
    assert result["metadata"]["missing_required_fields"] == ["rebounds"]


def test_example_3_backup_source_caps_at_silver() -> None:
    """A, 1 row, all four fields, ['espn_backup']: 100.0 (no expectation, no sample rule) -> gold by score, backup cap -> silver."""
    result = assess_quality(all_four_fields(1), ["espn_backup"], config=PROCESSOR_A, now=NOW)
    assert result["tier"] == QualityTier.SILVER
    assert result["score"] >= 75
    assert result["score"] == 100.0
    assert result["issues"] == ["backup_source_used"]


def test_example_4_thin_sample_against_context_expectation() -> None:
    """A, 2 rows, points and rebounds, expected 10: 100 - 3 - 5 = 92, 2/10 < 0.5 -> x 0.8 = 73.6 -> bronze."""
    result = assess_quality(
        points_and_rebounds(2),
        ["primary"],
        context={"expected_sample_size": 10},
        config=PROCESSOR_A,
        now=NOW,
    )
    # 100 - 3 (plus_minus) - 5 (shot_zones) = 92, thin sample x 0.8 = 73.6
    assert result["tier"] == QualityTier.BRONZE
    assert result["score"] == 73.6
    assert "thin_sample:2/10" in result["issues"]
    assert result["issues"] == [
        "missing_optional:plus_minus",
        "missing_optional:shot_zones",
        "thin_sample:2/10",
    ]
    assert result["metadata"]["expected_sample_size"] == 10


def test_example_5_early_season_expectation_is_small() -> None:
    """A, 3 rows, 2024-10-25 (5 games in): 100 - 3 - 5 = 92, expectation min(3, 5 + 1) = 3, 3/3 -> silver."""
    result = assess_quality(
        points_and_rebounds(3), ["primary"], game_date="2024-10-25", config=PROCESSOR_A, now=NOW
    )
    assert result["tier"] in (QualityTier.GOLD, QualityTier.SILVER)
    assert result["tier"] == QualityTier.SILVER
    assert result["score"] == 92.0
    assert result["metadata"]["early_season"] is True
    assert result["metadata"]["expected_sample_size"] == 3
    assert result["metadata"]["games_into_season"] == 5
    assert not any(issue.startswith("thin_sample") for issue in result["issues"])


def test_example_6_mid_season_thin_sample_is_bronze() -> None:
    """A, 3 rows, 2025-01-15: 100 - 3 - 5 = 92, expectation 8, 3/8 < 0.5 -> x 0.8 = 73.6 -> bronze."""
    result = assess_quality(
        points_and_rebounds(3), ["primary"], game_date="2025-01-15", config=PROCESSOR_A, now=NOW
    )
    assert result["tier"] == QualityTier.BRONZE
    assert result["score"] == 73.6
    assert result["metadata"]["early_season"] is False
    assert result["metadata"]["expected_sample_size"] == 8
    assert "thin_sample:3/8" in result["issues"]


def test_example_7_zero_rows_has_sample_size_zero() -> None:
    """B, no rows: empty_data, unusable 0.0, sample_size 0."""
    data = pd.DataFrame(
        {"points": pd.Series([], dtype="Int64"), "rebounds": pd.Series([], dtype="Int64")}
    )
    result = assess_quality(data, ["primary"], config=PROCESSOR_B, now=NOW)
    assert result["metadata"]["sample_size"] == 0
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["score"] == 0.0
    assert result["issues"] == ["empty_data"]


def test_example_8_all_null_optional_field_costs_default_weight() -> None:
    """B, 3 rows, plus_minus all null: entirely null = absent, 100 - 10 = 90.0 < 95 -> silver."""
    data = points_and_rebounds(3).assign(plus_minus=[None, None, None])
    result = assess_quality(data, ["primary"], config=PROCESSOR_B, now=NOW)
    assert result["score"] < 95
    assert result["score"] == 90.0
    assert result["tier"] == QualityTier.SILVER
    assert result["issues"] == ["missing_optional:plus_minus"]


def test_example_9_reconstruction_caps_at_silver() -> None:
    """B, 10 rows, points and rebounds, ['reconstructed']: 100 - 10 (plus_minus absent) = 90.0 -> silver (reconstruction cap)."""
    result = assess_quality(
        points_and_rebounds(10),
        ["reconstructed"],
        reconstruction_applied=True,
        config=PROCESSOR_B,
        now=NOW,
    )
    assert result["tier"] == QualityTier.SILVER
    assert result["score"] == 90.0
    assert "reconstructed" in result["issues"]
    assert result["metadata"]["reconstruction_applied"] is True


def test_example_10_points_null_4_of_10_costs_100x_0_2_is_80_silver_capped_bronze() -> None:
    """A, 10 rows, points null in 4: 100 x (0.4 - 0.2) = 20 -> 80.0, silver by score,
    capped bronze (required column more than 20 % null)."""
    data = all_four_fields(10)
    data["points"] = pd.array([None] * 4 + list(range(6)), dtype="Int64")
    result = assess_quality(data, ["primary"], config=PROCESSOR_A, now=NOW)
    assert result["score"] == 80.0
    assert result["tier"] == QualityTier.BRONZE
    assert result["issues"] == ["high_null_rate:points"]
    assert result["metadata"]["null_rates"]["points"] == 0.4


def test_example_11_rebounds_null_6_of_10_costs_100x_0_4_is_60_capped_poor() -> None:
    """B, 10 rows, rebounds null in 6, plus_minus present: 100 x (0.6 - 0.2) = 40 -> 60.0,
    bronze by score, capped poor (60 % > 50 %)."""
    data = points_and_rebounds(10).assign(
        rebounds=[None] * 6 + [1.0, 2.0, 3.0, 4.0], plus_minus=range(10)
    )
    result = assess_quality(data, ["primary"], config=PROCESSOR_B, now=NOW)
    assert result["score"] == 60.0
    assert result["tier"] == QualityTier.POOR
    assert result["issues"] == ["high_null_rate:rebounds"]


def test_example_12_points_all_inf_is_entirely_null_so_missing_required_unusable() -> None:
    """A, 10 rows, all four fields, points all +inf: non-finite = null, 10/10 null = absent
    -> unusable, 0.0, missing_required:points (it used to score gold 100.0)."""
    data = all_four_fields(10).assign(points=np.inf)
    result = assess_quality(data, ["primary"], config=PROCESSOR_A, now=NOW)
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["score"] == 0.0
    assert result["issues"] == ["missing_required:points"]


def test_example_13_plus_minus_all_NA_string_is_missing_optional_100_minus_10_is_90() -> None:
    """B, 10 rows, plus_minus all "N/A": placeholders = null, entirely null = absent, costs its
    (default) weight 10 -> 90.0, missing_optional:plus_minus."""
    data = points_and_rebounds(10).assign(plus_minus=["N/A"] * 10)
    result = assess_quality(data, ["primary"], config=PROCESSOR_B, now=NOW)
    assert result["score"] == 90.0
    assert result["tier"] == QualityTier.SILVER
    assert result["issues"] == ["missing_optional:plus_minus"]


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_every_example_result_has_the_documented_shape(rows: int) -> None:
    result = assess_quality(all_four_fields(rows), ["primary"], config=PROCESSOR_A, now=NOW)
    assert set(result) == {"tier", "score", "issues", "sources", "metadata"}
    assert {
        "sample_size",
        "expected_sample_size",
        "early_season",
        "games_into_season",
        "reconstruction_applied",
        "assessment_timestamp",
    } <= set(result["metadata"])
    assert result["metadata"]["assessment_timestamp"] == "2025-01-16T12:00:00+00:00"
