"""Scoring and confidence: what mutation testing found unchecked (docs/testing.md, "Tenth run").

Each test holds a behaviour a surviving mutant of ``quality/scoring.py`` or
``quality/confidence.py`` changed while every other test passed: a config error naming the
wrong field; a boundary of the config's checks moved by one; a config value stored
unconverted; the config's ``early_season_games`` not reaching the season rule; the
assessment time written in the machine's time zone; a required null rate exactly at its
tolerance capped all the same; an expected sample of one left without a ratio; metadata
keys missing from an unusable result.
"""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import numpy as np
import pandas as pd
import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality.confidence import cap_confidence, is_significant_reduction
from shared_services.quality.scoring import ScoringConfig, ScoringConfigError, assess_quality

# -- ScoringConfig: every refusal names its field --------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"required_fields": {"points"}}, "required_fields must be a list or tuple of field names; got set {'points'}"),
    ({"required_fields": "points"}, "required_fields must be a list or tuple of field names; got str 'points'"),
    ({"optional_fields": frozenset(["a"])},
     "optional_fields must be a list or tuple of field names; got frozenset frozenset({'a'})"),
    ({"required_fields": ("points", 5)}, "required_fields must contain non-empty strings; got 5"),
    ({"optional_fields": ("",)}, "optional_fields must contain non-empty strings; got ''"),
    ({"primary_sources": ["a", "a"]}, "primary_sources lists ['a'] more than once; list each once"),
    ({"primary_sources": "nbac"}, "primary_sources must be a list or tuple of field names; got str 'nbac'"),
    ({"field_weights": [("points", 5)]},
     "field_weights must be a mapping of field -> points; got [('points', 5)]"),
    ({"required_fields": ("points",), "field_weights": {"points": "5"}},
     "weight for field 'points' must be a number; got '5'"),
    ({"default_weight": True}, "default_weight must be a number; got True"),
    ({"default_weight": -1}, "default_weight must be a finite number >= 0; got -1"),
    ({"required_null_cost": float("inf")}, "required_null_cost must be a finite number >= 0; got inf"),
    ({"optional_null_tolerance": "0.1"}, "optional_null_tolerance must be a number; got '0.1'"),
    ({"required_null_tolerance": 1.5}, "required_null_tolerance is a rate in [0, 1]; got 1.5"),
    ({"sample_threshold_mid": -1}, "sample_threshold_mid must be an int >= 0; got -1"),
    ({"early_season_games": 2.0}, "early_season_games must be an int >= 0; got 2.0"),
    ({"gold_floor": 95, "silver_floor": 95},
     "tier floors must descend strictly within [0, 100] (gold > silver > bronze > poor); "
     "got gold=95.0, silver=95.0, bronze=50.0, poor=25.0"),
    ({"bronze_floor": 30, "poor_floor": 30},
     "tier floors must descend strictly within [0, 100] (gold > silver > bronze > poor); "
     "got gold=95.0, silver=75.0, bronze=30.0, poor=30.0"),
    ({"gold_floor": 100.5}, "tier floors must descend strictly within [0, 100] (gold > silver > bronze > poor); "
                            "got gold=100.5, silver=75.0, bronze=50.0, poor=25.0"),
])
def test_each_refusal_names_the_field_and_the_value(kwargs, message):
    with pytest.raises(ScoringConfigError) as raised:
        ScoringConfig(**kwargs)
    assert str(raised.value) == message


@pytest.mark.parametrize("kwargs", [
    {"optional_null_tolerance": 1, "required_null_tolerance": 1, "required_null_poor_rate": 1},
    {"required_null_tolerance": 0.3, "required_null_poor_rate": 0.3},
    {"gold_floor": 100, "poor_floor": 0},
    {"gold_floor": 4, "silver_floor": 3, "bronze_floor": 2, "poor_floor": 1},
    {"sample_threshold_early": 0, "sample_threshold_mid": 0, "sample_threshold_full": 0, "early_season_games": 0},
    {"default_weight": 0, "required_null_cost": 0, "optional_null_tolerance": 0, "required_null_tolerance": 0},
], ids=["rates of 1", "poor rate equal to tolerance", "floors at 100 and 0", "narrow floors", "zero ints",
        "zero numbers"])
def test_the_edges_of_each_range_are_accepted(kwargs):
    config = ScoringConfig(**kwargs)
    for name, value in kwargs.items():
        assert getattr(config, name) == value


def test_numbers_are_stored_as_floats_and_sequences_as_tuples():
    config = ScoringConfig(required_fields=["points"], optional_fields=["plus_minus"], field_weights={"points": 7},
                           default_weight=3, required_null_cost=80, optional_null_tolerance=0,
                           required_null_tolerance=1, required_null_poor_rate=1, gold_floor=90,
                           silver_floor=70, bronze_floor=40, poor_floor=10, primary_sources=["nbac"])
    for name in ("default_weight", "required_null_cost", "optional_null_tolerance", "required_null_tolerance",
                 "required_null_poor_rate", "gold_floor", "silver_floor", "bronze_floor", "poor_floor"):
        assert type(getattr(config, name)) is float, name
    assert (config.gold_floor, config.silver_floor, config.bronze_floor, config.poor_floor) == (90.0, 70.0, 40.0, 10.0)
    assert config.default_weight == 3.0 and config.required_null_cost == 80.0
    assert config.required_fields == ("points",) and config.optional_fields == ("plus_minus",)
    assert config.primary_sources == ("nbac",)
    assert type(config.field_weights) is types.MappingProxyType and dict(config.field_weights) == {"points": 7.0}
    assert type(config.field_weights["points"]) is float


# -- assess_quality --------------------------------------------------------------------------

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def _assess(frame, config, sources=("primary",), **kwargs):
    return assess_quality(frame, list(sources), config=config, **{"now": NOW, **kwargs})


def test_the_configs_early_season_games_decides_early_season():
    frame = pd.DataFrame({"points": [1.0] * 8})
    day = "2024-10-30"  # a week into the 2024-25 season: early by the default of 10 games
    default = _assess(frame, ScoringConfig(required_fields=("points",)), game_date=day)
    never = _assess(frame, ScoringConfig(required_fields=("points",), early_season_games=0), game_date=day)
    assert default["metadata"]["early_season"] is True
    assert never["metadata"]["early_season"] is False


def test_the_assessment_time_is_utc_whatever_the_machines_time_zone(machine_time_zone):
    machine_time_zone("ACST-9:30")  # 9.5 hours east of UTC
    config = ScoringConfig(required_fields=("points",))
    given = datetime(2025, 1, 15, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert assess_quality(pd.DataFrame({"points": [1]}), ["primary"], config=config, now=given)[
        "metadata"]["assessment_timestamp"] == "2025-01-16T01:00:00+00:00"
    stamp = assess_quality(pd.DataFrame({"points": [1]}), ["primary"], config=config)["metadata"][
        "assessment_timestamp"]
    assert stamp.endswith("+00:00")
    assert abs(datetime.fromisoformat(stamp) - datetime.now(UTC)) < timedelta(minutes=5)


class _NoOffset(tzinfo):
    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None


def test_a_now_whose_time_zone_gives_no_offset_is_refused():
    with pytest.raises(ValueError, match="^now must be timezone-aware; got naive "):
        _assess(pd.DataFrame({"points": [1]}), ScoringConfig(), now=datetime(2025, 1, 15, tzinfo=_NoOffset()))


def test_a_required_null_rate_exactly_at_its_tolerance_is_neither_penalised_nor_capped():
    config = ScoringConfig(required_fields=("points",))  # tolerance 0.20
    at = _assess(pd.DataFrame({"points": [None, None] + [1.0] * 8}), config)
    assert (at["tier"], at["score"], at["issues"]) == (QualityTier.GOLD, 100.0, [])
    above = _assess(pd.DataFrame({"points": [None, None, None] + [1.0] * 7}), config)
    assert above["tier"] == QualityTier.BRONZE and above["issues"] == ["high_null_rate:points"]


def test_an_expected_sample_of_one_gives_a_sample_ratio():
    result = _assess(pd.DataFrame({"points": [1.0, 2.0, 3.0]}), ScoringConfig(required_fields=("points",)),
                     context={"expected_sample_size": 1})
    assert result["metadata"]["sample_ratio"] == 3.0
    assert result["metadata"]["expected_sample_size"] == 1


def test_rates_penalties_and_ratios_are_rounded_to_four_places():
    config = ScoringConfig(required_fields=("points",), optional_fields=("plus_minus",),
                           field_weights={"plus_minus": 7})
    frame = pd.DataFrame({"points": [1.0] * 6, "plus_minus": [None, None, 1.0, 2.0, 3.0, 4.0]})
    metadata = _assess(frame, config, context={"expected_sample_size": 7})["metadata"]
    assert metadata["null_rates"] == {"points": 0.0, "plus_minus": 0.3333}
    assert metadata["field_penalties"] == {"plus_minus": 2.3333}  # 7 x 1/3
    assert metadata["sample_ratio"] == 0.8571  # 6 / 7


def test_the_provenance_names_a_backup_source():
    config = ScoringConfig(required_fields=("points",), primary_sources=("nbac",))
    frame = pd.DataFrame({"points": [1.0] * 8})
    assert _assess(frame, config, sources=("nbac_empty", "bdl"))["metadata"]["source_provenance"] == "backup"
    assert _assess(frame, config, sources=("nbac",))["metadata"]["source_provenance"] == "primary"


def test_an_unusable_result_has_every_metadata_key():
    config = ScoringConfig(required_fields=("points",))
    for frame in (None, pd.DataFrame({"rebounds": [1]}), pd.DataFrame({"points": pd.Series([], dtype=float)})):
        metadata = _assess(frame, config)["metadata"]
        assert metadata["field_penalties"] == {} and metadata["sample_ratio"] is None
        assert "null_rates" in metadata


@pytest.mark.parametrize(("call", "message"), [
    (lambda: _assess(pd.DataFrame(), ScoringConfig(), reconstruction_applied="yes"),
     "reconstruction_applied must be a bool; got str 'yes'"),
    (lambda: _assess(pd.DataFrame(), ScoringConfig(), context=[1]), "context must be a mapping or None; got list"),
    (lambda: assess_quality(pd.DataFrame(), [], config={"required_fields": ()}),
     "config must be a ScoringConfig; got dict"),
    (lambda: assess_quality(pd.DataFrame(), "primary", config=ScoringConfig()),
     "sources_used must be a list or tuple of source names; got str 'primary'"),
    (lambda: assess_quality(pd.DataFrame(), ["primary", 3], config=ScoringConfig()),
     "sources_used entries must be str; got int 3"),
    (lambda: _assess(pd.DataFrame(), ScoringConfig(), context={"expected_sample_size": "8"}),
     "context['expected_sample_size'] must be an int; got str '8'"),
    (lambda: _assess(pd.DataFrame(), ScoringConfig(), now="2025-01-15T00:00:00+00:00"),
     "now must be a timezone-aware datetime; got str"),
])
def test_type_errors_name_the_argument_and_the_type_given(call, message):
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == message


# -- confidence ------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: cap_confidence("0.9", "gold"), TypeError, "base_confidence must be a number in [0, 1]; got str '0.9'"),
    (lambda: cap_confidence(np.float64(1.5), "gold"), ValueError, "base_confidence must be a number in [0, 1]; got "),
    (lambda: is_significant_reduction(None, 0.5), TypeError,
     "base_confidence must be a number in [0, 1]; got NoneType None"),
    (lambda: is_significant_reduction(0.9, "x"), TypeError, "final_confidence must be a number in [0, 1]; got str 'x'"),
    (lambda: is_significant_reduction(0.9, -0.1), ValueError, "final_confidence must be a number in [0, 1]; got -0.1"),
])
def test_confidence_errors_name_the_argument(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value).startswith(message)
