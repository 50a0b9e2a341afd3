"""Constants: exact design values, plain-string behaviour, explicit ranks."""

from __future__ import annotations

import json

import pytest

from shared_services.constants.source_coverage import (
    QualityTier,
    SourceCoverageEventType,
    SourceCoverageSeverity,
    best_tier,
    is_worse_tier,
    parse_event_type,
    severity_rank,
    tier_at_most,
    tier_rank,
    worst_severity,
    worst_tier,
)


def test_values_are_exactly_the_designs():
    assert {m.value for m in SourceCoverageEventType} == {
        "source_missing", "source_degraded", "source_timeout", "source_error", "fallback_used",
        "fallback_failed", "reconstruction", "reconstruction_failed", "insufficient_sample",
        "thin_sample", "new_player_no_history", "traded_player_context", "quality_degradation",
        "validation_failure", "silent_failure"}
    assert [m.value for m in SourceCoverageSeverity] == ["critical", "warning", "info"]
    assert [m.value for m in QualityTier] == ["gold", "silver", "bronze", "poor", "unusable"]


def test_members_are_plain_strings_and_serialize_as_such():
    assert QualityTier.GOLD == "gold" and SourceCoverageSeverity.CRITICAL == "critical"
    assert json.dumps({"t": QualityTier.SILVER, "s": SourceCoverageSeverity.INFO,
                       "e": SourceCoverageEventType.FALLBACK_USED}) == \
        '{"t": "silver", "s": "info", "e": "fallback_used"}'
    assert f"{QualityTier.BRONZE}" == "bronze"


def test_ranks_are_explicit_not_alphabetical():
    # alphabetically 'warning' > 'critical' and 'unusable' > 'gold'; by rank it is the reverse
    assert worst_severity(["warning", "critical", "info"]) == "critical"
    assert worst_tier(["gold", "unusable", "silver"]) == "unusable"
    assert best_tier(["bronze", "gold", "poor"]) == "gold"
    assert [tier_rank(t) for t in ("unusable", "poor", "bronze", "silver", "gold")] == [0, 1, 2, 3, 4]
    assert severity_rank("info") < severity_rank("warning") < severity_rank("critical")
    assert is_worse_tier("bronze", "silver") and not is_worse_tier("gold", "gold")
    assert tier_at_most("gold", "silver") == "silver" and tier_at_most("poor", "silver") == "poor"


@pytest.mark.parametrize("call, bad", [
    (lambda: worst_tier(["gold", "platinum"]), "platinum"),
    (lambda: worst_severity(["urgent"]), "urgent"),
    (lambda: tier_rank("Gold"), "Gold"),
    (lambda: parse_event_type("fell_back"), "fell_back"),
    (lambda: tier_rank(None), "None"),
])
def test_unknown_values_raise_value_error_naming_them(call, bad):
    with pytest.raises(ValueError, match=bad):
        call()


def test_empty_input_is_an_error_not_a_silent_tier():
    with pytest.raises(ValueError, match="empty"):
        worst_tier([])
    with pytest.raises(ValueError, match="empty"):
        worst_severity([])
