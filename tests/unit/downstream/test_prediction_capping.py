"""PredictionGenerator.generate_prediction without a warehouse: caps, skips, ids, validation."""

from __future__ import annotations

from datetime import date

import pytest

from data_processors.predictions.prediction_generator import PredictionGenerator, prediction_id


class NoWarehouse:
    """A client that must never be used by generate_prediction."""

    def __getattr__(self, name):
        raise AssertionError(f"generate_prediction touched the warehouse ({name})")


class Model:
    model_version = "unit-1"

    def __init__(self, confidence=0.99, points=22.0):
        self.confidence, self.points = confidence, points

    def predict(self, features):
        return self.points

    def predict_proba(self, features):
        return self.confidence


def generator(**model_kwargs):
    return PredictionGenerator(bq_client=NoWarehouse(), model=Model(**model_kwargs))


def features(tier, **extra):
    return {"quality_tier": tier, "quality_score": 90.0, "quality_issues": ["backup_source_used"],
            "avg_points": 22.0, **extra}


@pytest.mark.parametrize(("tier", "final", "capped", "events"), [
    ("gold", 0.99, False, 0),
    ("silver", 0.95, True, 0),     # capped by 0.04: no event
    ("bronze", 0.80, True, 1),     # capped by 0.19: one info event
    ("poor", 0.60, True, 1),
])
def test_confidence_is_capped_by_tier(tier, final, capped, events):
    gen = generator()
    record = gen.generate_prediction("p1", "g1", features(tier), game_date="2025-01-15")
    assert record["base_confidence"] == 0.99
    assert record["final_confidence"] == final
    assert record["confidence_capped"] is capped
    assert record["quality_tier"] == tier
    assert record["quality_issues"] == ["backup_source_used"]
    assert gen.pending_event_count == events


def test_unusable_gives_no_prediction_and_one_warning_event():
    gen = generator()
    assert gen.generate_prediction("p1", "g1", features("unusable"), game_date="2025-01-15") is None
    assert gen.pending_event_count == 1


def test_the_record_is_complete_and_its_id_deterministic():
    gen = generator()
    record = gen.generate_prediction("p1", "g1", features("gold", analysis_date=date(2025, 1, 15)))
    assert record["game_date"] == date(2025, 1, 15)
    assert record["prediction_id"] == prediction_id("2025-01-15", "p1", "unit-1")
    assert record["prediction_id"] != prediction_id("2025-01-15", "p1", "unit-2")
    assert record["prediction_id"] != prediction_id("2025-01-16", "p1", "unit-1")
    assert record["prediction_timestamp"].utcoffset().total_seconds() == 0
    assert record["model_version"] == "unit-1"
    assert record["predicted_points"] == 22.0


def test_model_version_can_be_overridden():
    gen = PredictionGenerator(bq_client=NoWarehouse(), model=Model(), model_version="exp-7")
    assert gen.model_version == "exp-7"


@pytest.mark.parametrize(("feature_tier", "error"), [(None, ValueError), ("platinum", ValueError)])
def test_missing_or_unknown_tier_is_an_error(feature_tier, error):
    with pytest.raises(error, match="quality tier"):
        generator().generate_prediction("p1", "g1", features(feature_tier), game_date="2025-01-15")


def test_a_game_date_is_required():
    with pytest.raises(ValueError, match="game date"):
        generator().generate_prediction("p1", "g1", features("gold"))


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"confidence": 1.5}, ValueError),
    ({"confidence": "high"}, TypeError),
    ({"points": float("nan")}, ValueError),
])
def test_bad_model_outputs_are_rejected(kwargs, error):
    with pytest.raises(error):
        generator(**kwargs).generate_prediction("p1", "g1", features("gold"), game_date="2025-01-15")


def test_a_model_without_the_interface_fails_at_construction():
    class NotAModel:
        def predict(self, features):
            return 1.0

    with pytest.raises(TypeError, match="PredictionGenerator: model NotAModel lacks callable predict_proba"):
        PredictionGenerator(bq_client=NoWarehouse(), model=NotAModel())
