"""QualityMixin as a class: configuration checked at definition, scoring without a client."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.quality.columns import (
    QUALITY_COLUMN_NAMES,
    add_quality_columns,
    quality_columns,
)


@pytest.mark.parametrize("attrs, message", [
    ({"REQUIRED_FIELDS": ["points"], "FIELD_WEIGHTS": {"assists": 3}}, "assists"),
    ({"REQUIRED_FIELDS": ["points"], "OPTIONAL_FIELDS": ["points"]}, "points"),
    ({"COVERAGE_LOG_TABLE": "nba_reference.log; DROP TABLE x"}, "invalid table id"),
    ({"ALERT_DEDUP_WINDOW": 4}, "ALERT_DEDUP_WINDOW"),
    ({"EVENT_BUFFER_MAX": 0}, "EVENT_BUFFER_MAX"),
    ({"FIELD_WEIGHTS": {"points": -1}, "REQUIRED_FIELDS": ["points"]}, "points"),
])
def test_misconfiguration_fails_when_the_class_is_defined(attrs, message):
    with pytest.raises(ImproperlyConfigured, match=message) as info:
        type("BadProcessor", (QualityMixin,), attrs)
    assert "BadProcessor" in str(info.value)


def test_usable_alone_without_a_client_or_init():
    class Scorer(QualityMixin):
        REQUIRED_FIELDS = ["points"]
        OPTIONAL_FIELDS = ["assists"]
        ALERT_DEDUP_WINDOW = timedelta(hours=1)

    scorer = Scorer()
    quality = scorer.assess_quality(pd.DataFrame({"points": [1, 2, 3]}), ["primary"])
    assert quality["tier"] == "silver" and quality["score"] == 90.0
    assert quality["issues"] == ["missing_optional:assists"]
    assert scorer.pending_event_count == 0


def test_subclasses_extend_configuration_explicitly():
    class Base(QualityMixin):
        REQUIRED_FIELDS = ["points"]

    class Child(Base):
        REQUIRED_FIELDS = [*Base.REQUIRED_FIELDS, "rebounds"]

    assert Child().get_scoring_config().required_fields == ("points", "rebounds")
    assert Base().get_scoring_config().required_fields == ("points",)


def test_quality_columns_are_json_ready_on_every_row():
    class P(QualityMixin):
        REQUIRED_FIELDS = ["points"]
        PRIMARY_SOURCES = ["nbac_gamebook_player_stats"]

    frame = pd.DataFrame({"points": [10, 12]})
    quality = P().assess_quality(frame, ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"])
    out = add_quality_columns(frame, quality)
    assert list(out.columns) == ["points", *QUALITY_COLUMN_NAMES]
    assert set(out["quality_tier"]) == {"silver"}
    assert all(s == ["bdl_player_boxscores"] for s in out["data_sources"])
    assert out["quality_used_fallback"].all() and not out["quality_reconstructed"].any()
    # One assessment's values are shared by every row, so they are read-only.
    with pytest.raises(TypeError, match="read-only"):
        out.loc[0, "quality_issues"].append("mutated")
    assert "mutated" not in out.loc[1, "quality_issues"]
    columns = quality_columns(quality)
    assert columns["quality_calculated_at"].endswith("+00:00")
    assert columns["quality_sample_size"] == 2
    import json

    json.dumps(columns)
    assert frame.columns.tolist() == ["points"]  # the input is not modified
    with pytest.raises(ValueError, match="missing key"):
        quality_columns({"tier": "gold"})
    with pytest.raises(ValueError, match="platinum"):
        quality_columns({**quality, "tier": "platinum"})


def test_log_quality_outcome_blocks_unusable_and_warns_on_weak_tiers():
    class P(QualityMixin):
        REQUIRED_FIELDS = ["points", "rebounds"]

    p = P()
    gold = p.assess_quality(pd.DataFrame({"points": [1] * 9, "rebounds": [2] * 9}), ["primary"])
    unusable = p.assess_quality(pd.DataFrame({"points": [1, 2]}), ["primary"])
    bronze = p.assess_quality(pd.DataFrame({"points": [1, 2], "rebounds": [1, 2]}), ["primary"],
                              context={"expected_sample_size": 10})
    assert [p.log_quality_outcome(q, "game g1", game_id="g1") for q in (gold, unusable, bronze)] == [True, False, True]
    events = p._coverage_state().buffer.snapshot()
    assert [(e["event_type"], e["severity"]) for e in events] == [
        ("validation_failure", "critical"), ("quality_degradation", "warning")]
    assert events[0]["downstream_impact"] == "predictions_blocked" and events[0]["quality_tier_after"] == "unusable"
    assert "missing_required:rebounds" in events[0]["description"]
