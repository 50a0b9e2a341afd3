"""Quality tiers, scores and ids in events: what the log can rank and match is stored; anything else
is refused, naming it.

SCORING.md: "Unknown tier strings are an error." An event's ``quality_before`` /
``quality_after`` used to be stored with whatever ``tier`` it held (``'platinum'``, ``'GOLD'``,
``"['gold']"``), which the log's summary view cannot rank; and ``log_quality_outcome`` took an
unknown or missing tier for usable data (it returned True and logged nothing). Each path that
builds an event row (the general builder, the lean row, the quiet fast path ``log_quality_event``
takes) now gives the same ``ValueError``, and nothing is buffered or alerted.
"""

from __future__ import annotations

import pandas as pd
import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.events.batch import row_of
from shared_services.events.model import build_event_row, event_row
from shared_services.processors.quality_mixin import QualityMixin

EXPECTED_TIERS = "expected one of: gold, silver, bronze, poor, unusable"
LABELS = ("phase_3", "nba_analytics.player_game_summary", "P", "run-1", "0022400561", "1626164")
BAD_TIERS = ["platinum", "GOLD", "Gold", " gold", "", "or\u00e9", 5, 1.0, True, ["gold"], {"tier": "gold"}, b"gold"]


class Processor(QualityMixin):
    PHASE = "phase_3"
    OUTPUT_TABLE = "nba_analytics.player_game_summary"
    REQUIRED_FIELDS = ("points",)


def _paths(quality_before, quality_after, **columns):
    """The row each path builds: general, lean (a critical event), quiet fast path (a warning)."""
    yield "general", lambda: build_event_row("fallback_used", "info", "x", quality_before, quality_after, **columns)
    yield "lean", lambda: row_of(event_row("source_missing", "critical", "x", quality_before, quality_after,
                                           columns, labels=LABELS, compact=True))
    yield "quiet", lambda: row_of(event_row("fallback_used", "warning", "x", quality_before, quality_after,
                                            columns, labels=LABELS, compact=True))


@pytest.mark.parametrize("tier", BAD_TIERS, ids=repr)
@pytest.mark.parametrize("which", ["quality_before", "quality_after"])
def test_every_path_refuses_an_unknown_tier_naming_the_argument_and_the_value(tier, which):
    quality = {"tier": tier, "score": 90.0}
    before, after = (quality, None) if which == "quality_before" else (None, quality)
    for name, build in _paths(before, after, game_id="0022400561"):
        with pytest.raises(ValueError) as raised:
            build()
        assert str(raised.value) == f"{which}: unknown quality tier {tier!r}; {EXPECTED_TIERS}", name


@pytest.mark.parametrize("tier", [*QualityTier, *(t.value for t in QualityTier)], ids=repr)
def test_every_path_stores_each_of_the_five_tiers_as_its_name(tier):
    name = QualityTier(tier).value
    for path, build in _paths({"tier": tier, "score": 91.5}, {"tier": tier}):
        row = build()
        assert (row["quality_tier_before"], row["quality_score_before"]) == (name, 91.5), path
        assert (row["quality_tier_after"], row["quality_score_after"]) == (name, None), path
        assert type(row["quality_tier_before"]) is str and type(row["quality_tier_after"]) is str, path


def test_a_quality_without_a_tier_stores_none_on_every_path():
    for path, build in _paths({"score": 40.0}, {"tier": None, "score": None}):
        row = build()
        assert row["quality_tier_before"] is None and row["quality_score_before"] == 40.0, path
        assert row["quality_tier_after"] is None and row["quality_score_after"] is None, path


def test_log_quality_event_with_an_unknown_tier_buffers_nothing_and_alerts_nothing():
    processor = Processor()
    processor.log_quality_event("fallback_used", "warning", "kept", quality_after={"tier": "silver", "score": 88.0})
    for severity in ("info", "warning", "critical"):
        with pytest.raises(ValueError, match="^quality_before: unknown quality tier 'platinum'"):
            processor.log_quality_event("quality_degradation", severity, "bad tier",
                                        quality_before={"tier": "platinum", "score": 50.0}, game_id="g1")
    assert processor.pending_event_count == 1
    assert [e["description"] for e in processor._coverage_state().buffer.snapshot()] == ["kept"]
    assert processor.coverage_stats["alerts_sent"] == 0


@pytest.mark.parametrize(("quality", "shown"), [
    ({"tier": "platinum", "score": 99.0, "issues": []}, "'platinum'"),
    ({"tier": "Unusable", "score": 0.0, "issues": []}, "'Unusable'"),
    ({"score": 99.0, "issues": []}, "None"),
])
def test_log_quality_outcome_refuses_an_unknown_or_missing_tier_and_logs_nothing(quality, shown):
    processor = Processor()
    with pytest.raises(ValueError) as raised:
        processor.log_quality_outcome(quality, "game g1", game_id="g1")
    assert str(raised.value) == f"quality: unknown quality tier {shown}; {EXPECTED_TIERS}"
    assert processor.pending_event_count == 0


def test_log_quality_outcome_refuses_what_is_not_an_assessment():
    with pytest.raises(TypeError, match="^quality must be the dict assess_quality returns, got list$"):
        Processor().log_quality_outcome(["unusable"], "game g1")


def test_log_quality_outcome_takes_tier_members_as_their_names():
    processor = Processor()
    quality = processor.assess_quality(pd.DataFrame({"rebounds": [1, 2]}), ["primary"])
    assert quality["tier"] is QualityTier.UNUSABLE
    assert processor.log_quality_outcome(quality, "game g1", game_id="g1") is False
    assert processor.log_quality_outcome({**quality, "tier": QualityTier.POOR}, "game g2", game_id="g2") is True
    events = processor._coverage_state().buffer.snapshot()
    assert [(e["event_type"], e["quality_tier_after"]) for e in events] == [
        ("validation_failure", "unusable"), ("quality_degradation", "poor")]
    assert events[1]["description"].startswith("game g2 scored poor (")


@pytest.mark.parametrize("score", [-5.0, 100.5, 150.0, 1e9, -0.001])
@pytest.mark.parametrize("which", ["quality_before", "quality_after"])
def test_every_path_refuses_a_score_outside_0_to_100(score, which):
    quality = {"tier": "gold", "score": score}
    before, after = (quality, None) if which == "quality_before" else (None, quality)
    for name, build in _paths(before, after):
        with pytest.raises(ValueError) as raised:
            build()
        assert str(raised.value) == f"{which}: score must be a number from 0 to 100; got {score!r}", name


@pytest.mark.parametrize(("score", "stored"), [(0.0, 0.0), (100.0, 100.0), (100, 100.0), (float("nan"), None),
                                               (float("inf"), None), (None, None)])
def test_every_path_stores_the_edges_and_keeps_non_finite_scores_null(score, stored):
    for name, build in _paths({"tier": "gold", "score": score}, None):
        assert build()["quality_score_before"] == stored, name


# -- names and ids ------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value", "words"), [
    ("game_id", b"0022400561", "a name or id is a str (or an int), not a bytes"),
    ("player_id", 2544.0, "a name or id is a str (or an int), not a float"),  # a pandas int column with a NaN
    ("team_abbr", True, "a name or id is a str (or an int), not a bool"),
    ("primary_source", ["nbac"], "a name or id is a str (or an int), not a list"),
    ("season", {"2024-25"}, "a name or id is a str (or an int), not a set"),
    ("fallback_sources_tried", {"nbac", "bdl"}, "a list of names is a list or tuple (in order), not a set"),
    ("fallback_sources_tried", ["nbac", 3], "3 is not a str"),
])
def test_a_name_or_id_of_another_type_is_refused_not_stored_as_other_text(column, value, words):
    processor = Processor()
    for severity in ("info", "critical"):
        with pytest.raises(ValueError) as raised:
            processor.log_quality_event("fallback_used", severity, "x", **{column: value})
        assert str(raised.value).startswith(f"field {column!r} (STRING") and words in str(raised.value)
    assert processor.pending_event_count == 0


def test_ints_missing_values_and_free_text_are_stored_as_before():
    import numpy as np

    row = build_event_row("fallback_used", "info", "x", player_id=np.int64(2544), game_id=22400561,
                          team_abbr=float("nan"), resolution_details={"why": ["late"]},
                          fallback_sources_tried=("a", "b"))
    assert (row["player_id"], row["game_id"], row["team_abbr"]) == ("2544", "22400561", None)
    assert row["resolution_details"] == '{"why": ["late"]}' and row["fallback_sources_tried"] == ["a", "b"]
