"""The phase 5 model contract and the default deterministic baseline model.

A model is anything with ``predict(features) -> float`` (predicted points) and
``predict_proba(features) -> float`` (confidence in [0, 1]); ``features`` is the phase 4 row
of the player as a dict (``avg_points``, ``games_in_sample``, ``stddev_points``,
``quality_tier``, ...). An optional ``model_version`` attribute names it in predictions.

Example::

    >>> model = BaselineModel()
    >>> features = {'avg_points': 24.5, 'games_in_sample': 10, 'stddev_points': 0.0}
    >>> model.predict(features), model.predict_proba(features)
    (24.5, 1.0)
    >>> model.predict_proba({'avg_points': 20.0, 'games_in_sample': 5, 'stddev_points': 5.0})
    0.4
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, runtime_checkable

__all__ = ["PredictionModel", "BaselineModel", "check_model"]


@runtime_checkable
class PredictionModel(Protocol):
    """What :class:`~data_processors.predictions.prediction_generator.PredictionGenerator` needs.

    Example::

        class Fixed:
            model_version = 'fixed-1'
            def predict(self, features): return 20.0
            def predict_proba(self, features): return 0.7
    """

    def predict(self, features: Mapping[str, Any]) -> float: ...

    def predict_proba(self, features: Mapping[str, Any]) -> float: ...


def check_model(model: object, owner: str = "PredictionGenerator") -> PredictionModel:
    """Return ``model`` if it offers callable ``predict`` and ``predict_proba``, else ``TypeError``.

    Example::

        >>> check_model(object())
        Traceback (most recent call last):
        ...
        TypeError: PredictionGenerator: model object lacks callable predict, predict_proba; a model needs predict(features) -> float and predict_proba(features) -> float
    """
    missing = [name for name in ("predict", "predict_proba") if not callable(getattr(model, name, None))]
    if missing:
        raise TypeError(
            f"{owner}: model {type(model).__name__} lacks callable {', '.join(missing)}; a model "
            "needs predict(features) -> float and predict_proba(features) -> float"
        )
    return model  # type: ignore[return-value]


def _feature_number(features: Mapping[str, Any], name: str) -> float | None:
    value = features.get(name)
    if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return None if math.isnan(number) else number


class BaselineModel:
    """Predicted points = the rolling average; confidence from sample size and points spread.

    ``confidence = sample_factor x spread_factor`` (rounded to 4 decimals, always in [0, 1]):

    * ``sample_factor = min(games_in_sample, FULL_SAMPLE) / FULL_SAMPLE``;
    * ``spread_factor = 1 / (1 + stddev_points / max(avg_points, 1))`` (a steady scorer is
      easier to predict); an unknown spread (fewer than 2 games) counts as
      ``UNKNOWN_SPREAD_FACTOR``.

    Deterministic: the same features always give the same outputs.

    Example::

        >>> BaselineModel().predict_proba({'avg_points': 10.0, 'games_in_sample': 1})
        0.05
    """

    #: Written on every prediction.
    model_version: ClassVar[str] = "baseline-1"
    #: Games at which the sample no longer limits confidence (the phase 4 window).
    FULL_SAMPLE: ClassVar[int] = 10
    #: Spread factor when the spread is unknown.
    UNKNOWN_SPREAD_FACTOR: ClassVar[float] = 0.5

    def predict(self, features: Mapping[str, Any]) -> float:
        """The rolling average of points; ``ValueError`` when it is missing."""
        average = _feature_number(features, "avg_points")
        if average is None:
            raise ValueError(f"features need a numeric avg_points; got {features.get('avg_points')!r}")
        return round(average, 2)

    def predict_proba(self, features: Mapping[str, Any]) -> float:
        """Confidence in [0, 1] from ``games_in_sample`` and ``stddev_points``."""
        games = _feature_number(features, "games_in_sample") or 0.0
        sample_factor = max(0.0, min(games, self.FULL_SAMPLE)) / self.FULL_SAMPLE
        spread = _feature_number(features, "stddev_points")
        average = _feature_number(features, "avg_points") or 0.0
        if spread is None:
            spread_factor = self.UNKNOWN_SPREAD_FACTOR
        else:
            spread_factor = 1.0 / (1.0 + max(spread, 0.0) / max(average, 1.0))
        return round(min(1.0, max(0.0, sample_factor * spread_factor)), 4)
