"""SCORING.md rules 1-8, one behaviour per test, plus the decisions documented in scoring.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality.scoring import (
    ISSUE_PREFIXES,
    ScoringConfig,
    ScoringConfigError,
    assess_quality,
    expected_sample_for,
    tier_for_score,
    uses_backup_source,
)

NOW = datetime(2025, 1, 16, 12, 0, tzinfo=UTC)

BASIC = ScoringConfig(required_fields=("points", "rebounds"), optional_fields=("plus_minus",))
GAMEBOOK = ScoringConfig(
    required_fields=("points", "rebounds"),
    primary_sources=("nbac_gamebook_player_stats",),
)


def frame(rows: int, **extra: list[object]) -> pd.DataFrame:
    data: dict[str, list[object]] = {
        "points": [10 + i for i in range(rows)],
        "rebounds": [i % 7 for i in range(rows)],
        "plus_minus": [i - 3 for i in range(rows)],
    }
    data.update(extra)
    return pd.DataFrame(data)


def score(data: pd.DataFrame | None, sources: list[str] | None = None, **kwargs: object) -> dict:
    kwargs.setdefault("config", BASIC)
    kwargs.setdefault("now", NOW)
    return assess_quality(data, ["primary"] if sources is None else sources, **kwargs)  # type: ignore[arg-type]


# -- rule 1 ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [[{"points": 1}], {"points": [1]}, pd.Series([1, 2]), "points"])
def test_rule1_non_frame_data_raises_type_error_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        score(bad)  # type: ignore[arg-type]


def test_rule1_none_is_unusable_no_data() -> None:
    result = score(None)
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["score"] == 0.0
    assert result["issues"] == ["no_data"]
    assert result["metadata"]["sample_size"] == 0
    assert result["metadata"]["critical_failure"] is True


# -- rule 2 ------------------------------------------------------------------------------


def test_rule2_every_absent_required_field_is_an_issue_in_declared_order() -> None:
    result = score(pd.DataFrame({"plus_minus": [1, 2, 3]}))
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["score"] == 0.0
    assert result["issues"] == ["missing_required:points", "missing_required:rebounds"]
    assert result["metadata"]["missing_required_fields"] == ["points", "rebounds"]


def test_rule2_entirely_null_required_column_counts_as_absent() -> None:
    result = score(frame(4, rebounds=[None, np.nan, None, pd.NA]))
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["issues"] == ["missing_required:rebounds"]
    assert result["metadata"]["critical_failure"] is True


def test_rule2_partly_null_required_column_is_present() -> None:
    result = score(frame(4, rebounds=[None, None, None, 4]))
    assert result["tier"] != QualityTier.UNUSABLE
    assert result["issues"] == ["high_null_rate:rebounds"]


def test_rule2_absent_required_column_wins_over_zero_rows() -> None:
    result = score(pd.DataFrame({"points": pd.Series([], dtype=float)}))
    assert result["issues"] == ["missing_required:rebounds"]
    assert result["metadata"]["sample_size"] == 0


# -- rule 3 ------------------------------------------------------------------------------


def test_rule3_zero_rows_with_required_columns_is_empty_data_not_missing() -> None:
    result = score(frame(0))
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["score"] == 0.0
    assert result["issues"] == ["empty_data"]
    assert result["metadata"]["sample_size"] == 0
    assert result["metadata"]["missing_required_fields"] == []


# -- rule 4 ------------------------------------------------------------------------------


def test_rule4_absent_optional_field_costs_default_weight_ten() -> None:
    result = score(frame(3).drop(columns="plus_minus"))
    assert result["score"] == 90.0
    assert result["issues"] == ["missing_optional:plus_minus"]
    assert result["metadata"]["field_penalties"] == {"plus_minus": 10.0}


def test_rule4_absent_optional_field_costs_its_own_weight() -> None:
    config = ScoringConfig(
        required_fields=("points",),
        optional_fields=("plus_minus",),
        field_weights={"plus_minus": 3},
    )
    result = score(pd.DataFrame({"points": [1, 2, 3]}), config=config)
    assert result["score"] == 97.0
    assert result["tier"] == QualityTier.GOLD


def test_rule4_required_null_rate_30pct_costs_100_x_0_1_and_caps_bronze() -> None:
    """3 of 10 rebounds null: 100 x (0.3 - 0.2) = 10 -> 90.0, silver by score, capped bronze."""
    rebounds = [None, None, None, 1, 2, 3, 4, 5, 6, 7]
    result = score(frame(10, rebounds=rebounds))
    assert result["score"] == 90.0
    assert result["tier"] == QualityTier.BRONZE
    assert result["issues"] == ["high_null_rate:rebounds"]
    assert result["metadata"]["null_rates"]["rebounds"] == 0.3
    assert result["metadata"]["field_penalties"] == {"rebounds": 10.0}


def test_rule4_required_null_cost_ignores_the_field_weight() -> None:
    """Weight 20, 5 of 10 null: 100 x (0.5 - 0.2) = 30 -> 70.0 (not 20 x 0.5); 0.5 is not > 0.5."""
    config = ScoringConfig(required_fields=("points",), field_weights={"points": 20})
    points = [None] * 5 + list(range(5))
    result = score(pd.DataFrame({"points": points}), config=config)
    assert result["score"] == 70.0
    assert result["tier"] == QualityTier.BRONZE
    assert result["issues"] == ["high_null_rate:points"]


def test_rule7_required_null_cap_lowers_gold_to_bronze() -> None:
    """Zero-cost config, 3 of 10 null: score stays 100.0 (gold by score), the cap says bronze."""
    config = ScoringConfig(required_fields=("points",), required_null_cost=0)
    result = score(pd.DataFrame({"points": [None] * 3 + list(range(7))}), config=config)
    assert result["score"] == 100.0
    assert result["tier"] == QualityTier.BRONZE
    assert result["issues"] == ["high_null_rate:points"]


def test_rule7_required_null_above_half_caps_at_poor_even_with_a_gold_score() -> None:
    """Zero-cost config, 6 of 10 null: 100.0 by score, capped poor (60 % > 50 %)."""
    config = ScoringConfig(required_fields=("points",), required_null_cost=0)
    result = score(pd.DataFrame({"points": [None] * 6 + list(range(4))}), config=config)
    assert result["score"] == 100.0
    assert result["tier"] == QualityTier.POOR


def test_rule7_required_null_cap_never_raises_a_lower_tier() -> None:
    """3 of 10 null (cap bronze) and an absent optional field of weight 60:
    100 - 100 x (0.3 - 0.2) - 60 = 30.0 -> poor by score; the bronze cap leaves it poor."""
    config = ScoringConfig(required_fields=("points",), optional_fields=("a",),
                           field_weights={"a": 60})
    result = score(pd.DataFrame({"points": [None] * 3 + list(range(7))}), config=config)
    assert result["score"] == 30.0
    assert result["tier"] == QualityTier.POOR


def test_rule4_two_often_null_required_fields_never_score_below_zero() -> None:
    """9 of 10 null in both: 100 - 100 x 0.7 - 100 x 0.7 = -40 -> 0.0, unusable."""
    config = ScoringConfig(required_fields=("points", "rebounds"))
    worse = score(pd.DataFrame({"points": [None] * 9 + [1], "rebounds": [None] * 9 + [1]}),
                  config=config)
    assert worse["score"] == 0.0
    assert worse["tier"] == QualityTier.UNUSABLE
    assert worse["issues"] == ["high_null_rate:points", "high_null_rate:rebounds"]


def test_rule4_the_gold_but_38pct_null_points_frame_of_issue_14_is_bronze() -> None:
    """PlayerGameSummaryProcessor's config, points null in 38 of 100 rows: was 96.2 gold
    (10 x 0.38 = 3.8); now 100 x (0.38 - 0.20) = 18 -> 82.0, capped bronze."""
    config = ScoringConfig(
        required_fields=("game_id", "player_id", "points", "minutes_played"),
        optional_fields=("plus_minus", "rebounds", "assists", "shot_zones"),
        field_weights={"points": 10.0, "minutes_played": 8.0, "plus_minus": 3.0, "shot_zones": 5.0},
        primary_sources=("nbac_gamebook_player_stats",),
    )
    rows = 100
    data = pd.DataFrame({
        "game_id": ["0022400561"] * rows,
        "player_id": [str(1_626_000 + i) for i in range(rows)],
        "points": pd.array([None] * 38 + list(range(62)), dtype="Int64"),
        "minutes_played": [30.5] * rows,
        "plus_minus": [1] * rows,
        "rebounds": [4] * rows,
        "assists": [2] * rows,
        "shot_zones": ["paint"] * rows,
    })
    result = score(data, ["nbac_gamebook_player_stats"], config=config)
    assert result["score"] == 82.0
    assert result["tier"] == QualityTier.BRONZE
    assert result["issues"] == ["high_null_rate:points"]


def test_rule4_optional_null_rate_penalty_above_ten_percent() -> None:
    plus_minus = [None, None] + list(range(8))  # 20 % null
    result = score(frame(10, plus_minus=plus_minus))
    assert result["score"] == 98.0  # 10 x 0.2
    assert result["issues"] == ["high_null_rate:plus_minus"]


def test_rule4_null_rate_exactly_at_tolerance_is_not_penalised() -> None:
    result = score(
        frame(10, rebounds=[None, None] + list(range(8)), plus_minus=[None] + list(range(9)))
    )
    assert result["score"] == 100.0
    assert result["issues"] == []


def test_rule4_entirely_null_optional_field_is_missing_not_high_null() -> None:
    result = score(frame(5, plus_minus=[np.nan] * 5))
    assert result["score"] == 90.0
    assert result["issues"] == ["missing_optional:plus_minus"]


def test_rule4_score_never_goes_below_zero() -> None:
    config = ScoringConfig(
        required_fields=("points",),
        optional_fields=("a", "b", "c"),
        field_weights={"a": 60, "b": 60, "c": 60},
    )
    result = score(pd.DataFrame({"points": [1, 2, 3]}), config=config)
    assert result["score"] == 0.0
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["metadata"]["critical_failure"] is False


def test_rule4_undeclared_columns_are_ignored() -> None:
    result = score(frame(3, minutes=[None, None, None], team=["LAL", "BOS", "MIA"]))
    assert result["score"] == 100.0
    assert result["issues"] == []


@pytest.mark.parametrize("columns", [
    ["points", "rebounds", "plus_minus", "plus_minus"],
    ["points", "rebounds", "points", "plus_minus"],
    ["points", "rebounds", "plus_minus", "team", "team"],  # undeclared duplicates too
])
def test_rule4_duplicate_column_names_raise_value_error_naming_them(columns: list[str]) -> None:
    data = pd.DataFrame([list(range(len(columns)))] * 3, columns=columns)
    repeated = next(c for c in columns if columns.count(c) > 1)
    with pytest.raises(ValueError, match=f"duplicate column names \\['{repeated}'\\]"):
        score(data)


def test_rule4_duplicates_are_rejected_even_with_zero_rows() -> None:
    with pytest.raises(ValueError, match="duplicate column names"):
        score(pd.DataFrame(columns=["points", "rebounds", "points"]))


def test_rule4_multiindex_columns_raise_value_error() -> None:
    data = pd.DataFrame(
        [[1, 2, 3]] * 3,
        columns=pd.MultiIndex.from_tuples([("points", "total"), ("rebounds", "total"),
                                           ("plus_minus", "")]),
    )
    with pytest.raises(ValueError, match="MultiIndex columns \\(2 levels\\)"):
        score(data)
    # Before the check these were scored as if the fields were absent: prove the fix is
    # the reason, by flattening and scoring the same values.
    data.columns = ["points", "rebounds", "plus_minus"]
    assert score(data)["tier"] == QualityTier.GOLD


def test_rule4_null_rates_on_a_large_frame_are_exact() -> None:
    rows = 200_000
    rng = np.random.default_rng(7)
    data = pd.DataFrame(rng.random((rows, 30)), columns=[f"c{i}" for i in range(30)])
    data.loc[data.index % 4 == 0, "c0"] = np.nan  # 25 % null in a required field
    data.loc[data.index % 2 == 0, "c1"] = np.nan  # 50 % null in an optional field
    config = ScoringConfig(
        required_fields=("c0",),
        optional_fields=tuple(f"c{i}" for i in range(1, 30)) + ("absent",),
    )
    result = score(data, config=config)
    # required c0: 100 x (0.25 - 0.20) = 5; optional c1: 10 x 0.5 = 5; absent: 10 -> 80.0
    assert result["score"] == 80.0
    assert result["tier"] == QualityTier.BRONZE  # required c0 > 20 % null
    assert result["issues"] == [
        "high_null_rate:c0",
        "high_null_rate:c1",
        "missing_optional:absent",
    ]


# -- rule 5 ------------------------------------------------------------------------------


def test_rule5_context_expectation_wins_over_game_date() -> None:
    result = score(frame(3), context={"expected_sample_size": 4}, game_date="2025-01-15")
    assert result["metadata"]["expected_sample_size"] == 4
    assert result["metadata"]["early_season"] is False
    assert result["issues"] == []


def test_rule5_game_date_gives_the_season_aware_expectation() -> None:
    result = score(frame(8), game_date=date(2024, 11, 20))
    assert result["metadata"]["games_into_season"] == 18
    assert result["metadata"]["expected_sample_size"] == 5
    assert result["metadata"]["early_season"] is False
    assert result["metadata"]["season_start"] == "2024-10-15"


def test_rule5_without_context_or_date_no_sample_rule_applies() -> None:
    result = score(frame(1))
    assert result["tier"] == QualityTier.GOLD
    assert result["metadata"]["expected_sample_size"] is None
    assert result["metadata"]["early_season"] is None
    assert result["metadata"]["games_into_season"] is None
    assert result["metadata"]["sample_ratio"] is None


def test_rule5_context_none_value_means_not_given() -> None:
    result = score(frame(3), context={"expected_sample_size": None}, game_date="2025-01-15")
    assert result["metadata"]["expected_sample_size"] == 8


def test_rule5_custom_thresholds_come_from_the_config() -> None:
    config = ScoringConfig(
        required_fields=("points", "rebounds"),
        sample_threshold_early=2,
        sample_threshold_mid=4,
        sample_threshold_full=12,
    )
    assert expected_sample_for(None, "2025-01-15", config) == 12
    assert expected_sample_for(None, "2024-11-20", config) == 4
    assert expected_sample_for(None, "2024-10-25", config) == 2


@pytest.mark.parametrize(
    ("value", "error"),
    [("10", TypeError), (True, TypeError), (-1, ValueError), (2.5, ValueError)],
)
def test_rule5_bad_context_expectation_is_rejected(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="expected_sample_size"):
        score(frame(3), context={"expected_sample_size": value})


def test_rule5_numpy_and_whole_float_expectations_are_accepted() -> None:
    assert (
        score(frame(3), context={"expected_sample_size": np.int64(4)})["metadata"][
            "expected_sample_size"
        ]
        == 4
    )
    assert (
        score(frame(3), context={"expected_sample_size": 4.0})["metadata"]["expected_sample_size"]
        == 4
    )


# -- rule 6 ------------------------------------------------------------------------------


def test_rule6_thin_sample_multiplies_score_by_point_eight() -> None:
    result = score(frame(4).drop(columns="plus_minus"), context={"expected_sample_size": 10})
    assert result["score"] == 72.0  # 90 x 0.8
    assert result["issues"] == ["missing_optional:plus_minus", "thin_sample:4/10"]
    assert result["metadata"]["sample_ratio"] == 0.4


def test_rule6_exactly_half_the_expectation_is_not_thin() -> None:
    result = score(frame(5), context={"expected_sample_size": 10})
    assert result["score"] == 100.0
    assert result["tier"] == QualityTier.GOLD


def test_rule6_zero_expectation_applies_no_sample_rule() -> None:
    result = score(frame(1), context={"expected_sample_size": 0})
    assert result["tier"] == QualityTier.GOLD
    assert result["metadata"]["sample_ratio"] is None


# -- rule 7 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (100.0, "gold"),
        (95.0, "gold"),
        (94.9, "silver"),
        (75.0, "silver"),
        (74.9, "bronze"),
        (50.0, "bronze"),
        (49.9, "poor"),
        (25.0, "poor"),
        (24.9, "unusable"),
        (0.0, "unusable"),
    ],
)
def test_rule7_tier_floors(value: float, tier: str) -> None:
    assert tier_for_score(value, ScoringConfig()) == tier


def test_rule7_thin_cap_is_relaxed_early_in_the_season() -> None:
    # 4 of 10 rows (ratio 0.4): thin (x0.8 -> 80, silver) but not below the early 0.3 cap.
    early = score(frame(4), context={"expected_sample_size": 10}, game_date="2024-10-21")
    assert early["metadata"]["early_season"] is True
    assert early["score"] == 80.0
    assert early["tier"] == QualityTier.SILVER
    late = score(frame(4), context={"expected_sample_size": 10}, game_date="2025-02-01")
    assert late["score"] == 80.0
    assert late["tier"] == QualityTier.BRONZE


def test_rule7_very_thin_sample_early_in_the_season_is_capped_at_bronze() -> None:
    result = score(frame(2), context={"expected_sample_size": 10}, game_date="2024-10-21")
    assert result["metadata"]["early_season"] is True
    assert result["tier"] == QualityTier.BRONZE


def test_rule7_thin_cap_uses_the_normal_ratio_without_a_game_date() -> None:
    result = score(frame(4), context={"expected_sample_size": 10})
    assert result["metadata"]["early_season"] is None
    assert result["tier"] == QualityTier.BRONZE


def test_rule7_fewer_than_two_rows_with_an_expectation_is_at_most_poor() -> None:
    result = score(frame(1), context={"expected_sample_size": 2})
    assert result["score"] == 100.0  # 1 / 2 is not thin
    assert result["tier"] == QualityTier.POOR


def test_rule7_one_row_with_expectation_one_is_fine() -> None:
    result = score(frame(1), game_date="2024-10-15")  # opening night: expect games + 1 = 1
    assert result["metadata"]["expected_sample_size"] == 1
    assert result["tier"] == QualityTier.GOLD


def test_rule7_backup_cap_never_raises_a_low_tier() -> None:
    config = ScoringConfig(
        required_fields=("points",), optional_fields=("a",), field_weights={"a": 65}
    )
    result = score(pd.DataFrame({"points": [1, 2, 3]}), ["espn_backup"], config=config)
    assert result["score"] == 35.0
    assert result["tier"] == QualityTier.POOR
    assert "backup_source_used" in result["issues"]


def test_rule7_reconstruction_cap_never_raises_a_low_tier() -> None:
    result = score(frame(4), ["reconstructed"], context={"expected_sample_size": 10})
    assert result["tier"] == QualityTier.BRONZE
    assert result["issues"][-2:] == ["backup_source_used", "reconstructed"]


def test_rule7_reconstructed_source_name_alone_applies_the_cap() -> None:
    result = score(frame(3), ["primary", "reconstructed"])
    assert result["tier"] == QualityTier.SILVER
    assert result["issues"] == ["reconstructed"]
    assert result["metadata"]["reconstruction_applied"] is True


def test_rule7_reconstruction_flag_alone_applies_the_cap() -> None:
    result = score(frame(3), ["primary"], reconstruction_applied=True)
    assert result["tier"] == QualityTier.SILVER
    assert result["issues"] == ["reconstructed"]


# -- rule 7: what counts as a backup ---------------------------------------------------------


def test_primary_source_that_succeeded_is_not_backup_even_after_a_failed_fallback() -> None:
    result = score(
        frame(3), ["nbac_gamebook_player_stats", "bdl_player_boxscores_empty"], config=GAMEBOOK
    )
    assert result["tier"] == QualityTier.GOLD
    assert result["issues"] == []
    assert result["metadata"]["backup_source_used"] is False
    assert result["metadata"]["source_provenance"] == "primary"


@pytest.mark.parametrize(
    "sources",
    [
        ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"],
        ["nbac_gamebook_player_stats_error", "espn_game_boxscore"],
        ["bdl_player_boxscores"],
        ["primary"],  # with PRIMARY_SOURCES declared, the literal name is not special
    ],
)
def test_failed_or_absent_primary_means_backup(sources: list[str]) -> None:
    result = score(frame(3), sources, config=GAMEBOOK)
    assert result["tier"] == QualityTier.SILVER
    assert result["issues"] == ["backup_source_used"]
    assert result["metadata"]["backup_source_used"] is True
    assert result["sources"] == sources


def test_without_primary_sources_the_source_named_primary_is_primary() -> None:
    assert score(frame(3), ["primary"])["tier"] == QualityTier.GOLD
    assert score(frame(3), ["primary_empty", "espn_backup"])["tier"] == QualityTier.SILVER


def test_empty_sources_is_unknown_provenance_without_cap() -> None:
    result = score(frame(3), [])
    assert result["tier"] == QualityTier.GOLD
    assert result["issues"] == []
    assert result["sources"] == []
    assert result["metadata"]["source_provenance"] == "unknown"
    assert result["metadata"]["backup_source_used"] is False


def test_only_failed_sources_is_treated_as_backup() -> None:
    result = score(frame(3), ["nbac_gamebook_player_stats_empty"], config=GAMEBOOK)
    assert result["tier"] == QualityTier.SILVER
    assert result["issues"] == ["backup_source_used"]


def test_uses_backup_source_helper() -> None:
    assert uses_backup_source(["nbac_gamebook_player_stats"], GAMEBOOK) is False
    assert uses_backup_source(["reconstructed"], GAMEBOOK) is True
    assert uses_backup_source([], GAMEBOOK) is None


def test_unusable_results_carry_only_their_own_issues_but_record_provenance() -> None:
    result = score(None, ["espn_backup"], reconstruction_applied=True)
    assert result["issues"] == ["no_data"]
    assert result["metadata"]["backup_source_used"] is True
    assert result["metadata"]["reconstruction_applied"] is True


# -- rule 8 ------------------------------------------------------------------------------


def test_rule8_scores_are_rounded_to_one_decimal() -> None:
    plus_minus = [None] * 7 + list(range(14))  # optional, 1/3 null: 10 x 1/3 = 3.333... points
    result = score(frame(21, plus_minus=plus_minus))
    assert result["score"] == 96.7


def test_rule8_tier_is_taken_from_the_rounded_score() -> None:
    config = ScoringConfig(
        required_fields=("points",), optional_fields=("a",), field_weights={"a": 5.04}
    )
    result = score(pd.DataFrame({"points": [1, 2]}), config=config)
    assert result["score"] == 95.0  # 94.96 rounded
    assert result["tier"] == QualityTier.GOLD


def test_rule8_identical_input_gives_identical_output() -> None:
    kwargs = {"context": {"expected_sample_size": 10}, "game_date": "2025-01-15"}
    first = score(frame(4, plus_minus=[None, 1, None, 2]), ["espn_backup"], **kwargs)
    second = score(frame(4, plus_minus=[None, 1, None, 2]), ["espn_backup"], **kwargs)
    assert first == second
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_timestamp_defaults_to_aware_utc_now() -> None:
    before = datetime.now(UTC)
    result = assess_quality(frame(3), ["primary"], config=BASIC)
    stamp = datetime.fromisoformat(result["metadata"]["assessment_timestamp"])
    assert stamp.utcoffset() == timedelta(0)
    assert before <= stamp <= datetime.now(UTC)


def test_injected_now_is_converted_to_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    result = score(frame(3), now=datetime(2025, 1, 16, 7, 0, tzinfo=eastern))
    assert result["metadata"]["assessment_timestamp"] == "2025-01-16T12:00:00+00:00"


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        score(frame(3), now=datetime(2025, 1, 16, 12, 0))


def test_result_is_json_serialisable() -> None:
    result = score(
        frame(4, plus_minus=[None, None, 1, 2]), ["bdl_player_boxscores"], game_date="2025-01-15"
    )
    decoded = json.loads(json.dumps(result))
    assert decoded["tier"] == "silver"
    assert decoded["score"] == 95.0
    assert decoded["metadata"]["null_rates"]["plus_minus"] == 0.5


def test_every_emitted_issue_prefix_is_listed() -> None:
    emitted = set()
    emitted.update(score(None)["issues"])
    emitted.update(score(pd.DataFrame({"x": [1]}))["issues"])
    emitted.update(score(frame(0))["issues"])
    emitted.update(
        score(
            frame(3, plus_minus=[None, None, 1], rebounds=[None, None, 1]).drop(
                columns="plus_minus"
            ),
            ["espn_backup", "reconstructed"],
            context={"expected_sample_size": 10},
        )["issues"]
    )
    emitted.update(score(frame(3, plus_minus=[None, None, 1]))["issues"])
    prefixes = {issue.split(":", 1)[0] for issue in emitted}
    assert prefixes == set(ISSUE_PREFIXES)


# -- argument types --------------------------------------------------------------------------


@pytest.mark.parametrize("sources", ["primary", None, {"primary"}, ["primary", 3]])
def test_sources_used_must_be_a_list_or_tuple_of_str(sources: object) -> None:
    with pytest.raises(TypeError, match="sources_used"):
        assess_quality(frame(3), sources, config=BASIC)  # type: ignore[arg-type]


def test_sources_tuple_is_returned_as_a_new_list() -> None:
    given = ["primary", "espn_backup_empty"]
    result = score(frame(3), given)
    assert result["sources"] == given
    assert result["sources"] is not given
    assert score(frame(3), ("primary",))["sources"] == ["primary"]  # type: ignore[arg-type]


def test_reconstruction_flag_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="reconstruction_applied"):
        score(frame(3), reconstruction_applied="yes")
    assert score(frame(3), reconstruction_applied=np.bool_(True))["tier"] == QualityTier.SILVER


def test_context_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match="context"):
        score(frame(3), context=[("expected_sample_size", 3)])


def test_config_is_required_and_typed() -> None:
    with pytest.raises(TypeError, match="ScoringConfig"):
        assess_quality(frame(3), ["primary"], config={"required_fields": ["points"]})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "game_date",
    [
        date(2025, 1, 15),
        datetime(2025, 1, 15, 23, 0),
        pd.Timestamp("2025-01-15", tz="US/Pacific"),
        "2025-01-15",
    ],
)
def test_game_date_accepts_all_supported_types(game_date: object) -> None:
    assert score(frame(8), game_date=game_date)["metadata"]["games_into_season"] == 46


@pytest.mark.parametrize(
    ("game_date", "error"), [("15/01/2025", ValueError), (20250115, TypeError)]
)
def test_game_date_rejects_bad_values(game_date: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="game_date"):
        score(frame(3), game_date=game_date)


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"required_fields": ("points",), "field_weights": {"pts": 5}}, "'pts'"),
        (
            {"required_fields": ("points",), "optional_fields": ("points",)},
            "both required and optional",
        ),
        ({"optional_fields": ("a",), "field_weights": {"a": -1}}, "'a'"),
        ({"optional_fields": ("a",), "field_weights": {"a": float("nan")}}, "'a'"),
        ({"default_weight": -5}, "default_weight"),
        ({"silver_floor": 96}, "descend"),
        ({"bronze_floor": 75}, "descend"),
        ({"poor_floor": -1}, "poor_floor"),
        ({"required_fields": ("a", "a")}, "more than once"),
        ({"required_fields": "points"}, "required_fields"),
        ({"primary_sources": ("nbac_gamebook_player_stats_empty",)}, "cannot be primary"),
        ({"primary_sources": ("espn", "espn")}, "more than once"),
        ({"optional_null_tolerance": 1.5}, "optional_null_tolerance"),
        ({"required_null_poor_rate": 1.5}, "required_null_poor_rate"),
        ({"required_null_poor_rate": 0.1}, "must be >= required_null_tolerance"),
        ({"required_null_cost": -1}, "required_null_cost"),
        ({"sample_threshold_mid": -1}, "sample_threshold_mid"),
        ({"early_season_games": 2.5}, "early_season_games"),
    ],
)
def test_invalid_configuration_is_rejected_with_a_named_problem(kwargs: dict, message: str) -> None:
    with pytest.raises(ScoringConfigError, match=message):
        ScoringConfig(**kwargs)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ScoringConfigError, ValueError)


def test_config_normalises_and_freezes_its_values() -> None:
    config = ScoringConfig(
        required_fields=["points"],  # type: ignore[arg-type]
        optional_fields=["plus_minus"],  # type: ignore[arg-type]
        field_weights={"plus_minus": 3},
        primary_sources=["nbac_gamebook_player_stats"],  # type: ignore[arg-type]
    )
    assert config.required_fields == ("points",)
    assert config.primary_sources == ("nbac_gamebook_player_stats",)
    assert config.weight_for("plus_minus") == 3.0
    assert config.weight_for("points") == 10.0
    with pytest.raises(TypeError):
        config.field_weights["points"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        config.default_weight = 1.0  # type: ignore[misc]
    assert config == ScoringConfig(
        required_fields=("points",),
        optional_fields=("plus_minus",),
        field_weights={"plus_minus": 3},
        primary_sources=("nbac_gamebook_player_stats",),
    )


def test_mixin_class_attributes_reach_the_required_null_rule() -> None:
    """REQUIRED_NULL_COST = 0 and REQUIRED_NULL_POOR_RATE = 0.9 on a processor class:
    6 of 10 null costs nothing and caps only at bronze (60 % is not above 90 %)."""
    from shared_services.processors.errors import ImproperlyConfigured
    from shared_services.processors.quality_mixin import QualityMixin

    class Lenient(QualityMixin):
        REQUIRED_FIELDS = ["points"]
        REQUIRED_NULL_COST = 0.0
        REQUIRED_NULL_POOR_RATE = 0.9

    result = Lenient().assess_quality(pd.DataFrame({"points": [None] * 6 + [1, 2, 3, 4]}),
                                      ["primary"])
    assert result["score"] == 100.0
    assert result["tier"] == QualityTier.BRONZE
    with pytest.raises(ImproperlyConfigured, match="required_null_poor_rate"):
        class Inverted(QualityMixin):
            REQUIRED_NULL_POOR_RATE = 0.1
