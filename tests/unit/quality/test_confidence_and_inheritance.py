"""Confidence ceilings (phase 5) and worst-wins inheritance (phase 4)."""

from __future__ import annotations

import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality.confidence import (
    CONFIDENCE_CEILING,
    UnusableQualityError,
    cap_confidence,
    is_significant_reduction,
)
from shared_services.quality.inheritance import aggregate_assessments, inherit_quality

# -- confidence ---------------------------------------------------------------------------


def test_ceilings_match_the_contract() -> None:
    assert dict(CONFIDENCE_CEILING) == {
        QualityTier.GOLD: 1.00,
        QualityTier.SILVER: 0.95,
        QualityTier.BRONZE: 0.80,
        QualityTier.POOR: 0.60,
    }
    assert QualityTier.UNUSABLE not in CONFIDENCE_CEILING


@pytest.mark.parametrize(
    ("base", "tier", "final", "capped"),
    [
        (0.92, "gold", 0.92, False),
        (1.0, "gold", 1.0, False),
        (0.92, "silver", 0.92, False),
        (0.97, "silver", 0.95, True),
        (0.92, "bronze", 0.80, True),
        (0.80, "bronze", 0.80, False),
        (0.92, QualityTier.POOR, 0.60, True),
        (0.0, "poor", 0.0, False),
    ],
)
def test_cap_confidence(base: float, tier: str, final: float, capped: bool) -> None:
    assert cap_confidence(base, tier) == (final, capped)


def test_unusable_means_no_prediction() -> None:
    with pytest.raises(UnusableQualityError, match="no prediction"):
        cap_confidence(0.9, "unusable")
    assert issubclass(UnusableQualityError, ValueError)


@pytest.mark.parametrize("base", [float("nan"), -0.01, 1.01, float("inf")])
def test_out_of_range_confidence_is_rejected(base: float) -> None:
    with pytest.raises(ValueError, match="base_confidence"):
        cap_confidence(base, "gold")


def test_non_numeric_confidence_is_rejected() -> None:
    with pytest.raises(TypeError, match="base_confidence"):
        cap_confidence("0.9", "gold")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="base_confidence"):
        cap_confidence(True, "gold")  # type: ignore[arg-type]


def test_unknown_tier_is_rejected() -> None:
    with pytest.raises(ValueError, match="'platinum'"):
        cap_confidence(0.9, "platinum")


def test_significant_reduction_is_more_than_a_tenth() -> None:
    assert is_significant_reduction(0.92, 0.80) is True
    assert is_significant_reduction(0.90, 0.80) is False  # exactly 0.10 despite float error
    assert is_significant_reduction(0.97, 0.95) is False
    final, _ = cap_confidence(0.95, "poor")
    assert is_significant_reduction(0.95, final) is True


# -- inheritance --------------------------------------------------------------------------


def test_worst_tier_minimum_score_and_sorted_issue_union() -> None:
    result = inherit_quality(
        ["gold", "silver", "bronze"],
        [100.0, 90.0, 73.6],
        [[], ["backup_source_used"], ["thin_sample:3/8", "backup_source_used"]],
    )
    assert result == {
        "tier": QualityTier.BRONZE,
        "score": 73.6,
        "issues": ["backup_source_used", "thin_sample:3/8"],
        "sample_size": 3,
        "metadata": {
            "input_tiers": ["gold", "silver", "bronze"],
            "aggregation_method": "worst_wins",
        },
    }


def test_rank_not_alphabet_decides() -> None:
    # Alphabetically 'unusable' > 'silver' > 'gold'; by rank unusable is the worst.
    assert inherit_quality(["gold", "unusable"], [99.0, 0.0], [[], []])["tier"] == "unusable"
    assert inherit_quality(["silver", "gold"], [80.0, 99.0], [[], []])["tier"] == "silver"


def test_single_input_is_passed_through() -> None:
    result = inherit_quality([QualityTier.POOR], [30], [["high_null_rate:points"]])
    assert result["tier"] == QualityTier.POOR
    assert result["score"] == 30.0
    assert result["sample_size"] == 1


def test_empty_input_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        inherit_quality([], [], [])


def test_unknown_tier_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'platinum'"):
        inherit_quality(["gold", "platinum"], [99.0, 99.0], [[], []])


def test_mismatched_lengths_are_an_error() -> None:
    with pytest.raises(ValueError, match="lengths"):
        inherit_quality(["gold", "silver"], [99.0], [[], []])


def test_nan_score_is_an_error() -> None:
    with pytest.raises(ValueError, match="NaN"):
        inherit_quality(["gold"], [float("nan")], [[]])


def test_issues_must_be_lists_of_str() -> None:
    with pytest.raises(TypeError, match="issues_lists"):
        inherit_quality(["gold"], [99.0], ["thin_sample:1/3"])


def test_aggregate_assessments_over_scorer_results() -> None:
    result = aggregate_assessments(
        [
            {"tier": QualityTier.GOLD, "score": 100.0, "issues": [], "sources": ["primary"]},
            {"tier": "silver", "score": 90.0, "issues": ["reconstructed"]},
            {"tier": "silver", "score": 92.0},
        ]
    )
    assert result["tier"] == QualityTier.SILVER
    assert result["score"] == 90.0
    assert result["issues"] == ["reconstructed"]
    assert result["sample_size"] == 3


def test_aggregate_assessments_rejects_empty_and_incomplete_input() -> None:
    with pytest.raises(ValueError, match="at least one"):
        aggregate_assessments([])
    with pytest.raises(ValueError, match="score"):
        aggregate_assessments([{"tier": "gold"}])


def test_the_sample_expectation_keeps_the_inherited_tier_when_scores_all_say_gold() -> None:
    # 9 gold + 1 silver, every score 100: the score alone says gold, worst tier says silver.
    from shared_services.quality.inheritance import apply_sample_expectation

    inherited = inherit_quality(["gold"] * 9 + ["silver"], [100.0] * 10, [[]] * 10)
    assert inherited["tier"] == QualityTier.SILVER
    result = apply_sample_expectation(inherited, "2025-01-15", max_expected=10)
    assert (result["tier"], result["score"], result["issues"]) == (QualityTier.SILVER, 100.0, [])
    poor = apply_sample_expectation(inherit_quality(["poor"], [100.0], [[]]), "2025-01-15", max_expected=1)
    assert poor["tier"] == QualityTier.POOR


def test_a_thin_sample_scales_the_score_to_one_decimal_and_records_the_ratio() -> None:
    from shared_services.quality.inheritance import apply_sample_expectation

    base = inherit_quality(["gold", "bronze", "gold"], [100.0, 73.6, 100.0], [[], [], []])
    thin = apply_sample_expectation(base, "2025-01-15")       # 3 of the 8 expected mid-season
    assert thin["score"] == 58.9                               # 73.6 x 0.8 = 58.88, one decimal
    assert thin["issues"] == ["thin_sample:3/8"]
    assert (thin["metadata"]["expected_sample_size"], thin["metadata"]["sample_ratio"]) == (8, 0.375)
    assert thin["metadata"]["early_season"] is False and thin["sample_size"] == 3
