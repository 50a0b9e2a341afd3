"""``inherit_quality``'s errors name the problem exactly (survivors of the mutation run).

An operator sees these messages in one line; they must say which input is wrong and why.
"""

from __future__ import annotations

import re

import pytest

from shared_services.quality.inheritance import inherit_quality


def test_no_input_says_so_in_full():
    with pytest.raises(ValueError, match=r"^inherit_quality\(\) needs at least one input; got none$"):
        inherit_quality([], [], [])


@pytest.mark.parametrize("scores, error, message", [
    ([90.0, "88"], TypeError, "scores[1] must be a number from 0 to 100; got str '88'"),
    ([90.0, 70.0, float("nan")], ValueError, "scores[2] is NaN; every input needs a real quality score"),
    ([True], TypeError, "scores[0] must be a number from 0 to 100; got bool True"),
    ([90.0, -5.0], ValueError, "scores[1] must be a number from 0 to 100; got -5.0"),
    ([100.5], ValueError, "scores[0] must be a number from 0 to 100; got 100.5"),
    ([50.0, float("inf")], ValueError, "scores[1] must be a number from 0 to 100; got inf"),
])
def test_a_bad_score_is_named_by_its_position(scores, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        inherit_quality(["gold"] * len(scores), scores, [[] for _ in scores])


def test_a_non_str_issue_is_named_with_its_list():
    with pytest.raises(TypeError, match=r"^issues_lists\[1\] holds a non-str issue 42$"):
        inherit_quality(["gold", "gold"], [90.0, 90.0], [["ok"], ["fine", 42]])


def test_the_sample_is_scored_without_the_processors_fields_and_sources():
    """``apply_sample_expectation`` scores only the sample's size: a processor's own required
    and optional fields, weights and primary sources say nothing about it. Left in the
    sample's config, the empty sample frame would miss every required field and every
    primary source (the mutation run's open survivor: ``required_fields=()`` etc. dropped)."""
    from shared_services.quality.inheritance import apply_sample_expectation
    from shared_services.quality.scoring import ScoringConfig

    processor_config = ScoringConfig(
        required_fields=("points", "minutes_played"), optional_fields=("plus_minus",),
        field_weights={"points": 10.0}, primary_sources=("nbac_gamebook_player_stats",))
    for rows, max_expected in ((10, 10), (3, 8), (1, 8)):  # full, thin, a single game
        base = inherit_quality(["gold"] * rows, [100.0] * rows, [[] for _ in range(rows)])
        plain = apply_sample_expectation(base, "2025-01-15", max_expected=max_expected)
        with_fields = apply_sample_expectation(base, "2025-01-15", max_expected=max_expected,
                                               config=processor_config)
        assert {k: with_fields[k] for k in ("tier", "score", "issues")} == \
            {k: plain[k] for k in ("tier", "score", "issues")}, (rows, with_fields)
    assert apply_sample_expectation(base, "2025-01-15", config=processor_config)["tier"] == "poor"


@pytest.mark.parametrize("size", [True, 2.5, 0, -3, "3"])
def test_a_sample_size_that_is_not_a_positive_int_is_refused_naming_it(size):
    # A bool is an int to Python, and 2.5 would silently become 2 (mutation run, stop 24).
    from shared_services.quality.inheritance import apply_sample_expectation

    with pytest.raises(ValueError, match=f"^inherited sample_size must be an int >= 1; got {re.escape(repr(size))}$"):
        apply_sample_expectation({"tier": "gold", "score": 100.0, "sample_size": size}, "2025-01-15")


def test_an_assessment_that_is_not_a_mapping_is_named_by_its_position_and_type():
    from shared_services.quality.inheritance import aggregate_assessments

    good = {"tier": "gold", "score": 100.0, "issues": []}
    with pytest.raises(TypeError, match=r"^assessments\[1\] must be a mapping; got str$"):
        aggregate_assessments([good, "gold"])
