"""An assessment's issues, sources and score, handed back to the library, are checked alike.

Found by an adversarial review: a ``str`` where a list of names belongs was split into one
issue per letter and stored (``quality_issues = ['b', 'a', 'c', ...]``, in the output rows, the
predictions and event descriptions), and scores of -5, 150 or infinity were stored or, worse,
averaged into a row (one input game at -5 among nine gold ones made the row unusable at -5.0).
SCORING.md: a score is a number from 0 to 100; issues and sources are lists of names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_processors.predictions.prediction_generator import PredictionGenerator
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.quality.checks import quality_score, text_list
from shared_services.quality.columns import add_quality_columns, quality_columns
from shared_services.quality.inheritance import aggregate_assessments, apply_sample_expectation
from tests.unit.downstream.test_prediction_capping import Model, NoWarehouse

GOOD = {"tier": "silver", "score": 88.0, "issues": ["backup_source_used"], "sources": ["nbac_empty", "bdl"],
        "metadata": {"sample_size": 10}}


@pytest.mark.parametrize(("key", "value", "error", "message"), [
    ("issues", "backup_source_used", TypeError, "assessment['issues'] must be a list of names, not the str "),
    ("sources", "bdl", TypeError, "assessment['sources'] must be a list of names, not the str 'bdl'"),
    ("sources", {"bdl", "espn"}, TypeError, "assessment['sources'] must be a list of names; got set "),
    ("issues", ["ok", 3], TypeError, "assessment['issues'][1] must be a str; got int 3"),
    ("score", -5, ValueError, "assessment['score'] must be a number from 0 to 100; got -5"),
    ("score", 150.0, ValueError, "assessment['score'] must be a number from 0 to 100; got 150.0"),
    ("score", float("inf"), ValueError, "assessment['score'] must be a number from 0 to 100; got inf"),
    ("score", None, TypeError, "assessment['score'] must be a number from 0 to 100; got NoneType None"),
    ("score", "88", TypeError, "assessment['score'] must be a number from 0 to 100; got str '88'"),
])
def test_quality_columns_and_add_quality_columns_refuse_what_is_not_an_assessment(key, value, error, message):
    bad = {**GOOD, key: value}
    with pytest.raises(error) as raised:
        quality_columns(bad)
    assert str(raised.value).startswith(message)
    frame = pd.DataFrame({"points": [1, 2]})
    with pytest.raises(error):
        add_quality_columns(frame, bad)
    assert list(frame.columns) == ["points"]  # the caller's frame untouched


def test_the_good_forms_are_taken_as_they_were():
    columns = quality_columns({**GOOD, "issues": ("a", "b"), "sources": np.array(["nbac"]), "score": np.float64(0)})
    assert columns["quality_issues"] == ["a", "b"] and columns["data_sources"] == ["nbac"]
    assert columns["quality_score"] == 0.0 and type(columns["quality_score"]) is float
    assert quality_columns({**GOOD, "score": 100})["quality_score"] == 100.0
    assert text_list(pd.Series(["x", "y"]), "s") == ["x", "y"] and quality_score(np.int64(7), "s") == 7.0
    # plain str items out of an array (not numpy.str_, which would travel on into rows and JSON)
    assert [type(item) for item in text_list(np.array(["a", "b"]), "s")] == [str, str]


def test_aggregation_refuses_a_score_outside_0_to_100():
    with pytest.raises(ValueError, match=r"^scores\[1\] must be a number from 0 to 100; got -5$"):
        aggregate_assessments([{"tier": "gold", "score": 100.0}, {"tier": "gold", "score": -5}])


def test_apply_sample_expectation_refuses_a_str_of_issues():
    inherited = {"tier": "gold", "score": 100.0, "issues": "reconstructed", "sample_size": 8}
    with pytest.raises(TypeError, match=r"^inherited\['issues'\] must be a list of names, not the str"):
        apply_sample_expectation(inherited, "2025-01-15")


def test_log_quality_outcome_refuses_a_str_of_issues_and_logs_nothing():
    processor = QualityMixin()
    with pytest.raises(TypeError, match=r"^quality\['issues'\] must be a list of names, not the str 'thin'"):
        processor.log_quality_outcome({"tier": "poor", "score": 30.0, "issues": "thin"}, "game g1")
    assert processor.pending_event_count == 0


@pytest.mark.parametrize(("extra", "error", "message"), [
    ({"quality_issues": "backup_source_used"}, TypeError, "features['quality_issues'] must be a list of names"),
    ({"quality_score": 250.0}, ValueError, "features['quality_score'] must be a number from 0 to 100; got 250.0"),
    ({"quality_score": -1}, ValueError, "features['quality_score'] must be a number from 0 to 100; got -1"),
])
def test_a_prediction_refuses_features_whose_quality_is_not_one(extra, error, message):
    generator = PredictionGenerator(bq_client=NoWarehouse(), model=Model())
    features = {"quality_tier": "silver", "quality_score": 90.0, "quality_issues": [], "avg_points": 22.0, **extra}
    with pytest.raises(error) as raised:
        generator.generate_prediction("p1", "g1", features, game_date="2025-01-15")
    assert str(raised.value).startswith(message)
    assert generator.pending_event_count == 0
    # an array of issues (a DataFrame cell) is fine
    fine = {**features, "quality_score": 90.0, "quality_issues": np.array(["backup_source_used"])}
    assert generator.generate_prediction("p1", "g1", fine, game_date="2025-01-15")["player_id"] == "p1"


def test_a_lone_surrogate_in_a_source_name_is_replaced_so_the_output_can_be_written():
    from shared_services.quality.scoring import ScoringConfig, assess_quality

    quality = assess_quality(pd.DataFrame({"points": [1]}), ["nbac_gamebook\ud83d", "bdl"],
                             config=ScoringConfig(required_fields=("points",)))
    assert quality["sources"] == ["nbac_gamebook\ufffd", "bdl"]
    columns = quality_columns({**GOOD, "sources": ["espn\udc80"], "issues": ["x\ud800"]})
    assert columns["data_sources"] == ["espn\ufffd"] and columns["quality_issues"] == ["x\ufffd"]
    for value in (*quality["sources"], *columns["data_sources"], *columns["quality_issues"]):
        value.encode("utf-8")  # writable: no lone surrogate left


def test_small_misuses_get_an_error_that_names_them():
    from shared_services.quality.scoring import ScoringConfig, assess_quality
    from shared_services.utils.source_coverage_utils import aggregate_quality_tiers

    with pytest.raises(TypeError, match=r"^tiers must be a list of tiers, not the str 'gold'$"):
        aggregate_quality_tiers("gold")  # was: unknown quality tier 'g'
    inherited = {"tier": "gold", "score": 100.0, "issues": [], "sample_size": 8}
    for bad in (-1, 2.5, True, "3"):
        with pytest.raises(ValueError, match=r"^max_expected must be an int >= 0 or None; got "):
            apply_sample_expectation(inherited, "2025-01-15", max_expected=bad)
    generator = PredictionGenerator(bq_client=NoWarehouse(), model=Model())
    with pytest.raises(TypeError, match=r"^features must be a mapping of feature name to value \(a row\); got NoneType$"):
        generator.generate_prediction("p1", "g1", None, game_date="2025-01-15")
    with pytest.raises(ValueError, match=r"^game_date 0001-01-01 has no season: the first season starts in year 1$"):
        assess_quality(pd.DataFrame({"a": [1]}), ["primary"], game_date="0001-01-01", config=ScoringConfig())
