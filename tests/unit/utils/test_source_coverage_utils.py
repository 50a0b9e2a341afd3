"""aggregate_quality_tiers, calculate_weighted_quality_score, format_quality_issues."""

from __future__ import annotations

import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality.scoring import ISSUE_PREFIXES
from shared_services.utils.source_coverage_utils import (
    aggregate_quality_tiers,
    calculate_weighted_quality_score,
    format_quality_issue,
    format_quality_issues,
)

# -- aggregate_quality_tiers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "worst"),
    [
        (["gold"], "gold"),
        (["gold", "silver"], "silver"),
        (["silver", "bronze", "gold"], "bronze"),
        (["gold", "unusable", "poor"], "unusable"),
        ([QualityTier.SILVER, "poor"], "poor"),
    ],
)
def test_worst_tier_wins_by_rank(tiers: list[str], worst: str) -> None:
    result = aggregate_quality_tiers(tiers)
    assert result == worst
    assert isinstance(result, str)


def test_accepts_a_generator() -> None:
    assert aggregate_quality_tiers(t for t in ("gold", "bronze")) == "bronze"


def test_empty_tiers_raise() -> None:
    with pytest.raises(ValueError, match="at least one"):
        aggregate_quality_tiers([])


@pytest.mark.parametrize("bad", ["Gold", "platinum", "", None])
def test_unknown_tier_raises_naming_it(bad: object) -> None:
    with pytest.raises(ValueError, match=repr(bad)):
        aggregate_quality_tiers(["gold", bad])  # type: ignore[list-item]


# -- calculate_weighted_quality_score --------------------------------------------------------


def test_equal_weights_by_default() -> None:
    assert calculate_weighted_quality_score([100.0, 90.0, 80.0]) == 90.0


def test_weighted_mean_is_rounded_to_one_decimal() -> None:
    assert calculate_weighted_quality_score([90.0, 60.0], [3, 1]) == 82.5
    assert calculate_weighted_quality_score([100.0, 0.0, 0.0]) == 33.3


def test_zero_weight_ignores_a_score() -> None:
    assert calculate_weighted_quality_score([100.0, 10.0], [1.0, 0.0]) == 100.0


@pytest.mark.parametrize(
    ("scores", "weights", "message"),
    [
        ([], None, "at least one"),
        ([90.0, 80.0], [1.0], "one weight per score"),
        ([90.0], [-1.0], "weights\\[0\\]"),
        ([90.0], [float("inf")], "weights\\[0\\]"),
        ([90.0, 80.0], [0.0, 0.0], "sum to 0"),
        ([float("nan")], None, "scores\\[0\\] is NaN"),
        ([90.0], [float("nan")], "weights\\[0\\] is NaN"),
        ([101.0], None, "outside"),
        ([-1.0], None, "outside"),
    ],
)
def test_invalid_input_raises_value_error(
    scores: list[float], weights: list[float] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        calculate_weighted_quality_score(scores, weights)


def test_non_numeric_input_raises_type_error() -> None:
    with pytest.raises(TypeError, match="scores\\[1\\]"):
        calculate_weighted_quality_score([90.0, "80"])  # type: ignore[list-item]


# -- format_quality_issues -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        ("no_data", "No data received"),
        ("empty_data", "Empty data: zero rows"),
        ("missing_required:rebounds", "Missing required field: rebounds"),
        ("missing_optional:plus_minus", "Missing optional field: plus_minus"),
        ("high_null_rate:points", "High null rate in field: points"),
        ("thin_sample:2/10", "Thin sample: 2 of 10 expected rows"),
        ("backup_source_used", "Backup source used (primary unavailable)"),
        ("reconstructed", "Data reconstructed from other sources"),
    ],
)
def test_every_scorer_issue_reads_well(issue: str, text: str) -> None:
    assert format_quality_issue(issue) == text


def test_every_prefix_the_scorer_emits_has_its_own_text() -> None:
    # Each issue in the shape the scorer emits it, never rendered by the generic fallback.
    examples = {
        "no_data": "no_data",
        "missing_required": "missing_required:rebounds",
        "empty_data": "empty_data",
        "missing_optional": "missing_optional:plus_minus",
        "high_null_rate": "high_null_rate:points",
        "thin_sample": "thin_sample:2/10",
        "backup_source_used": "backup_source_used",
        "reconstructed": "reconstructed",
    }
    assert set(examples) == set(ISSUE_PREFIXES)
    for prefix, issue in examples.items():
        generic = prefix.replace("_", " ").capitalize()
        detail = issue.partition(":")[2]
        assert format_quality_issue(issue) != (f"{generic}: {detail}" if detail else generic)


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        ("stale_feed:espn", "Stale feed: espn"),
        ("schedule_gap", "Schedule gap"),
        ("thin_sample:lots", "Thin sample: lots"),
        ("thin_sample", "Thin sample"),
        (":odd", "Issue: odd"),
    ],
)
def test_unknown_or_odd_issues_fall_back_to_readable_text(issue: str, text: str) -> None:
    assert format_quality_issue(issue) == text


def test_issues_are_joined_in_order() -> None:
    text = format_quality_issues(
        ["missing_optional:plus_minus", "thin_sample:3/8", "backup_source_used"]
    )
    assert text == (
        "Missing optional field: plus_minus; Thin sample: 3 of 8 expected rows; "
        "Backup source used (primary unavailable)"
    )


def test_no_issues() -> None:
    assert format_quality_issues([]) == "No issues"
    assert format_quality_issues(()) == "No issues"


def test_a_bare_string_or_non_str_issue_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list of issue codes"):
        format_quality_issues("thin_sample:2/10")
    with pytest.raises(TypeError, match="str"):
        format_quality_issues(["ok", 3])  # type: ignore[list-item]
