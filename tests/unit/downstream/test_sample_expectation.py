"""apply_sample_expectation: worst-wins inheritance degraded for thin samples (SCORING.md)."""

from __future__ import annotations

import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality.inheritance import apply_sample_expectation, inherit_quality
from shared_services.quality.scoring import ScoringConfig

MID_SEASON = "2025-01-15"   # expectation 8
EARLY_SEASON = "2024-10-25"  # 5 games in: expectation 3, early season


def inherited(tiers, scores=None, issues=None):
    scores = scores or [{"gold": 100.0, "silver": 90.0, "bronze": 73.6, "poor": 40.0,
                         "unusable": 0.0}[t] for t in tiers]
    return inherit_quality(tiers, scores, issues or [[] for _ in tiers])


def test_a_full_sample_leaves_the_inherited_quality_alone():
    result = apply_sample_expectation(inherited(["gold"] * 9 + ["bronze"]), MID_SEASON)
    assert result["tier"] is QualityTier.BRONZE
    assert result["score"] == 73.6
    assert result["issues"] == []
    assert result["sample_size"] == 10
    assert result["metadata"]["aggregation_method"] == "worst_wins"
    assert result["metadata"]["expected_sample_size"] == 8


@pytest.mark.parametrize(("rows", "tier", "score", "issue"), [
    (4, QualityTier.GOLD, 100.0, None),                   # 4/8 = 0.5 is not thin
    (3, QualityTier.BRONZE, 80.0, "thin_sample:3/8"),     # < 0.5: x 0.8 and capped at bronze
    (1, QualityTier.POOR, 80.0, "thin_sample:1/8"),       # < 2 rows while 8 expected
])
def test_thin_samples_mid_season(rows, tier, score, issue):
    result = apply_sample_expectation(inherited(["gold"] * rows), MID_SEASON)
    assert (result["tier"], result["score"]) == (tier, score)
    assert result["issues"] == ([issue] if issue else [])


def test_early_season_uses_the_lower_ratio_and_expectation():
    result = apply_sample_expectation(inherited(["gold"]), EARLY_SEASON)
    # 1/3 is thin (x 0.8 -> 80 -> silver) but not below the early 0.3 ratio; < 2 rows -> poor
    assert result["tier"] is QualityTier.POOR
    assert result["metadata"]["early_season"] is True
    two = apply_sample_expectation(inherited(["gold"] * 2), EARLY_SEASON)
    assert two["tier"] is QualityTier.GOLD and two["issues"] == []


def test_the_reduced_score_also_limits_the_tier():
    # silver 90 x 0.8 = 72 earns bronze, whatever the inherited tier said
    result = apply_sample_expectation(inherited(["silver"] * 3), MID_SEASON)
    assert result["score"] == 72.0 and result["tier"] is QualityTier.BRONZE


def test_max_expected_caps_the_expectation_at_the_window():
    result = apply_sample_expectation(inherited(["gold"] * 3), MID_SEASON, max_expected=3)
    assert result["tier"] is QualityTier.GOLD
    assert result["metadata"]["expected_sample_size"] == 3


def test_configured_thresholds_are_used():
    config = ScoringConfig(sample_threshold_full=4)
    result = apply_sample_expectation(inherited(["gold"] * 2), MID_SEASON, config=config)
    assert result["tier"] is QualityTier.GOLD and result["metadata"]["expected_sample_size"] == 4


def test_issues_are_a_sorted_union_and_inputs_are_not_mutated():
    base = inherited(["gold"] * 3, issues=[["reconstructed"], [], []])
    before = dict(base)
    result = apply_sample_expectation(base, MID_SEASON)
    assert result["issues"] == ["reconstructed", "thin_sample:3/8"]
    assert base == before


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="missing"):
        apply_sample_expectation({"tier": "gold"}, MID_SEASON)
    with pytest.raises(ValueError, match="sample_size"):
        apply_sample_expectation({"tier": "gold", "score": 100.0, "sample_size": 0}, MID_SEASON)
    with pytest.raises(ValueError):
        apply_sample_expectation(inherited(["gold"]), "15/01/2025")
