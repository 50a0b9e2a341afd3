"""The baseline model and the model contract check."""

from __future__ import annotations

import pytest

from data_processors.predictions.baseline_model import BaselineModel, PredictionModel, check_model


def test_predicts_the_rolling_average():
    assert BaselineModel().predict({"avg_points": 21.456}) == 21.46


def test_missing_average_is_a_clear_error():
    with pytest.raises(ValueError, match="avg_points"):
        BaselineModel().predict({"avg_points": None})


@pytest.mark.parametrize(("features", "expected"), [
    ({"avg_points": 20.0, "games_in_sample": 10, "stddev_points": 0.0}, 1.0),
    ({"avg_points": 20.0, "games_in_sample": 5, "stddev_points": 5.0}, 0.4),
    ({"avg_points": 20.0, "games_in_sample": 30, "stddev_points": 20.0}, 0.5),
    ({"avg_points": 10.0, "games_in_sample": 1, "stddev_points": None}, 0.05),
    ({"avg_points": 0.0, "games_in_sample": 0}, 0.0),
])
def test_confidence_grows_with_sample_and_shrinks_with_spread(features, expected):
    assert BaselineModel().predict_proba(features) == expected


def test_confidence_is_deterministic_and_bounded():
    model = BaselineModel()
    for games in range(0, 15):
        for spread in (0.0, 1.0, 50.0, -3.0, float("nan"), None):
            features = {"avg_points": 15.0, "games_in_sample": games, "stddev_points": spread}
            value = model.predict_proba(features)
            assert 0.0 <= value <= 1.0
            assert value == model.predict_proba(dict(features))


def test_check_model_accepts_anything_with_the_two_methods():
    class Duck:
        def predict(self, features):
            return 1.0

        def predict_proba(self, features):
            return 0.5

    duck = Duck()
    assert check_model(duck) is duck
    assert isinstance(duck, PredictionModel)


def test_check_model_names_what_is_missing():
    class HalfModel:
        def predict(self, features):
            return 1.0

        predict_proba = 0.5  # not callable

    with pytest.raises(TypeError, match="HalfModel lacks callable predict_proba"):
        check_model(HalfModel(), "PredictionGenerator")
