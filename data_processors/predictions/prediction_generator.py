"""Phase 5: player points predictions whose confidence is capped by data quality.

Each prediction starts from a phase 4 rolling-average row. The model says how confident it is;
the row's inherited quality tier says how confident anyone MAY be (SCORING.md, "Downstream"):
gold 1.00, silver 0.95, bronze 0.80, poor 0.60. Unusable data gives no prediction: it is
skipped and a WARNING ``quality_degradation`` event (``downstream_impact='prediction_skipped'``)
is logged. A cap that lowers confidence by more than 0.10 logs an INFO event.

``run({'game_date': D})`` reads the phase 4 rows of analysis date D with ONE query (joined to
the schedule of D for each player's ``game_id``), predicts for every player whose team plays
that day, and writes the predictions of D idempotently (replace by ``player_id, game_date``).
A model error for one player logs a WARNING ``validation_failure`` event for that player and
the run goes on.

Command line::

    coverage-predictions --date 2025-01-15 [--warehouse URL]

Python::

    generator = PredictionGenerator(bq_client=client)            # BaselineModel by default
    generator.run({'game_date': '2025-01-15'})
    generator.generate_prediction('203999', '0022400561',
                                  {'avg_points': 26.1, 'games_in_sample': 10,
                                   'stddev_points': 4.0, 'quality_tier': 'silver',
                                   'quality_score': 90.0, 'quality_issues': []},
                                  game_date='2025-01-15')

Class line and MRO: ``PredictionGenerator(QualityMixin, AnalyticsProcessorBase)``.
"""

from __future__ import annotations

import math
import numbers
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

import pandas as pd
from google.cloud import bigquery

from data_processors.analytics.analytics_base import AnalyticsProcessorBase
from data_processors.commands.predictions import COMMAND, main  # noqa: F401  (re-exported: the command line lives in a light module)
from data_processors.predictions.baseline_model import BaselineModel, PredictionModel, check_model
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import (
    PLAYER_PROP_PREDICTIONS,
    PLAYER_ROLLING_AVERAGES,
    SCHEDULE,
)
from shared_services.bigquery.statements import SAMPLE_DATE, register_statement
from shared_services.constants.source_coverage import (
    QualityTier,
    SourceCoverageEventType,
    SourceCoverageSeverity,
    parse_tier,
)
from shared_services.events.model import utc_now
from shared_services.events.serialization import is_missing, json_safe_value
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.processors.registry import register_processor
from shared_services.quality.checks import quality_score, text_list
from shared_services.quality.confidence import cap_confidence, is_significant_reduction
from shared_services.utils.dates import parse_game_date

__all__ = ["PREDICTION_ID_NAMESPACE", "PredictionGenerator", "prediction_id", "features_sql", "main"]

#: Namespace of the deterministic prediction ids (uuid5).
PREDICTION_ID_NAMESPACE = uuid.UUID("6f1c9f5e-2b7a-4f43-9a43-5d1f2f0f6a55")

_FEATURE_COLUMNS = (
    "player_id", "analysis_date", "player_name", "team_abbr", "games_in_sample", "avg_points",
    "avg_rebounds", "avg_assists", "stddev_points", "first_game_date", "last_game_date",
    "quality_tier", "quality_score", "quality_issues", "quality_sample_size",
)

# Only validated, back-quoted table ids and fixed column names are substituted; values are
# query parameters. The schedule is filtered inside its subquery (its partition filter).
_FEATURES_TEMPLATE = """
SELECT
  $columns,
  s.game_id
FROM $phase4 AS r
LEFT JOIN (
  SELECT game_id, home_team_tricode, away_team_tricode
  FROM $schedule
  WHERE game_date = @game_date
) AS s
  ON r.team_abbr IN (s.home_team_tricode, s.away_team_tricode)
WHERE r.analysis_date = @game_date
ORDER BY r.player_id
""".strip()


def features_sql(
    phase4_table: str = PLAYER_ROLLING_AVERAGES.table_id,
    schedule_table: str = SCHEDULE.table_id,
) -> str:
    """The ONE read of a run: phase 4 rows of ``@game_date`` with the player's scheduled game.

    Example::

        sql = features_sql()
        assert '@game_date' in sql
    """
    return (
        _FEATURES_TEMPLATE.replace("$columns", ", ".join(f"r.{c}" for c in _FEATURE_COLUMNS))
        .replace("$phase4", quote_table_id(phase4_table))
        .replace("$schedule", quote_table_id(schedule_table))
    )


# The statement fetch_features sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("phase5.features", features_sql(),
                   [bigquery.ScalarQueryParameter("game_date", "DATE", SAMPLE_DATE)])


def prediction_id(game_date: date | str, player_id: str, model_version: str) -> str:
    """A deterministic id: the same date, player and model version give the same id.

    Example::

        >>> prediction_id('2025-01-15', '203999', 'baseline-1') == prediction_id(
        ...     '2025-01-15', '203999', 'baseline-1')
        True
    """
    day = parse_game_date(game_date, "game_date")
    key = f"{day.isoformat()}|{player_id}|{model_version}"
    return str(uuid.uuid5(PREDICTION_ID_NAMESPACE, key))


def _finite_number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number; got {type(value).__name__} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite; got {value!r}")
    return number


def _plain_features(record: Mapping[str, Any]) -> dict[str, Any]:
    """A phase 4 row as plain Python values (no NA, numpy scalars or arrays)."""
    return {str(k): json_safe_value(v) if not isinstance(v, date) else v for k, v in record.items()}


@register_processor(phase="phase_5", date_option="game_date")
class PredictionGenerator(QualityMixin, AnalyticsProcessorBase):
    """Phase 5 predictions with quality-capped confidence (see the module docstring).

    Example::

        generator = PredictionGenerator(bq_client=client, model=MyModel())
        generator.run({'game_date': '2025-01-15'})['predictions_written']
    """

    PHASE = "phase_5"
    OUTPUT_TABLE = PLAYER_PROP_PREDICTIONS.table_id
    #: A run replaces the whole day: a player who became unusable loses his earlier prediction.
    REPLACE_KEY_COLUMNS = ("game_date",)

    #: Phase 4 table the features come from.
    FEATURES_TABLE: ClassVar[str] = PLAYER_ROLLING_AVERAGES.table_id
    #: Schedule giving each player's game of the day (by team).
    SCHEDULE_TABLE: ClassVar[str] = SCHEDULE.table_id
    #: Predict only for players whose team is on the schedule that day (else game_id is NULL).
    REQUIRE_SCHEDULED_GAME: ClassVar[bool] = True

    def __init__(self, bq_client: Any = None, model: object | None = None, **options: Any) -> None:
        checked = check_model(model if model is not None else BaselineModel(), type(self).__name__)
        super().__init__(bq_client=bq_client, **options)
        self.model: PredictionModel = checked
        version = options.get("model_version") or getattr(checked, "model_version", None)
        #: Written on every prediction and part of its id.
        self.model_version: str = str(version or type(checked).__name__)
        #: Read queries this instance issued (one per run).
        self.queries_issued = 0

    # -- one prediction -----------------------------------------------------------------
    def generate_prediction(
        self,
        player_id: str,
        game_id: str | None,
        features: Mapping[str, Any],
        *,
        game_date: date | str | None = None,
    ) -> dict[str, Any] | None:
        """One prediction with confidence capped by ``features['quality_tier']``; None if unusable.

        ``game_date`` defaults to ``features['game_date']``, then ``features['analysis_date']``.
        Unusable quality returns None and logs a WARNING ``quality_degradation`` event
        (``downstream_impact='prediction_skipped'``); a cap of more than 0.10 logs an INFO one.

        Raises:
            ValueError: missing or unknown tier, no game date, a model output out of range.
            TypeError: a model output that is not a number.
            Exception: whatever the model raises (``run`` logs it and goes on).

        Example::

            record = generator.generate_prediction(
                '203999', '0022400561',
                {'avg_points': 24.0, 'games_in_sample': 10, 'stddev_points': 3.0,
                 'quality_tier': 'silver', 'quality_score': 90.0}, game_date='2025-01-15')
            record['final_confidence'] <= 0.95    # True
        """
        if not isinstance(features, Mapping):
            raise TypeError(f"features must be a mapping of feature name to value (a row); got {type(features).__name__}")
        raw_date = game_date or features.get("game_date") or features.get("analysis_date")
        if raw_date is None:
            raise ValueError(f"no game date for player {player_id!r}: pass game_date=")
        day = parse_game_date(raw_date, "game_date")
        tier = parse_tier(features.get("quality_tier"))
        score_value = features.get("quality_score")
        score = None if score_value is None or is_missing(score_value) else \
            quality_score(score_value, "features['quality_score']")
        raw_issues = features.get("quality_issues")
        issues = [] if raw_issues is None else text_list(raw_issues, "features['quality_issues']")
        quality = {"tier": tier.value, "score": score}
        if tier is QualityTier.UNUSABLE:
            self.log_quality_event(
                SourceCoverageEventType.QUALITY_DEGRADATION, SourceCoverageSeverity.WARNING,
                f"Prediction skipped for player {player_id!r}: input quality is unusable"
                + (f" ({', '.join(issues)})" if issues else ""),
                quality_after=quality, game_id=game_id, player_id=player_id, game_date=day,
                resolution="skipped", downstream_impact="prediction_skipped",
            )
            return None
        base = _finite_number(self.model.predict_proba(features), "model confidence")
        predicted = _finite_number(self.model.predict(features), "model prediction")
        final, capped = cap_confidence(base, tier)
        if is_significant_reduction(base, final):
            self.log_quality_event(
                SourceCoverageEventType.QUALITY_DEGRADATION, SourceCoverageSeverity.INFO,
                f"Confidence for player {player_id!r} capped from {base:.2f} to {final:.2f} "
                f"by {tier.value} quality",
                quality_after=quality, game_id=game_id, player_id=player_id, game_date=day,
                downstream_impact="predictions_degraded",
            )
        return {
            "prediction_id": prediction_id(day, player_id, self.model_version),
            "player_id": player_id,
            "game_id": game_id,
            "game_date": day,
            "predicted_points": predicted,
            "base_confidence": base,
            "final_confidence": final,
            "confidence_capped": capped,
            "quality_tier": tier.value,
            "quality_score": score,
            "quality_issues": issues,
            "model_version": self.model_version,
            "prediction_timestamp": utc_now(),
            "processor_run_id": self.run_id,
        }

    # -- reading ------------------------------------------------------------------------
    def fetch_features(self, game_date: date) -> pd.DataFrame:
        """Phase 4 rows of ``game_date`` with each player's scheduled ``game_id`` (ONE query)."""
        self.queries_issued += 1
        config = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter("game_date", "DATE", game_date)]
        )
        sql = features_sql(self.FEATURES_TABLE, self.SCHEDULE_TABLE)
        return self.bq_client.query(sql, job_config=config).to_dataframe()

    # -- the run lifecycle --------------------------------------------------------------
    def extract_data(self) -> None:
        raw_date = self.opts.get("game_date", self.opts.get("analysis_date"))
        if raw_date is None:
            raise ValueError("run() needs opts['game_date'] (YYYY-MM-DD)")
        self.game_date = parse_game_date(raw_date, "game_date")
        self.features = self.fetch_features(self.game_date)
        self.stats["game_date"] = self.game_date.isoformat()
        self.stats["players_read"] = len(self.features)

    def transform_data(self) -> None:
        predictions: list[dict[str, Any]] = []
        skipped_unusable: list[str] = []
        failed: list[str] = []
        not_playing: list[str] = []
        for record in self.features.to_dict("records"):
            features = _plain_features(record)
            player_id = str(features["player_id"])
            game_id = features.get("game_id")
            if game_id is None and self.REQUIRE_SCHEDULED_GAME:
                not_playing.append(player_id)
                continue
            try:
                prediction = self.generate_prediction(player_id, game_id, features, game_date=self.game_date)
            except Exception as exc:  # one player's failure must not stop the run
                failed.append(player_id)
                self.logger.warning("prediction failed for player %r: %s", player_id, exc)
                self.log_quality_event(
                    SourceCoverageEventType.VALIDATION_FAILURE, SourceCoverageSeverity.WARNING,
                    f"Prediction failed for player {player_id!r} with {self.model_version}: "
                    f"{type(exc).__name__}: {exc}",
                    game_id=game_id, player_id=player_id, game_date=self.game_date,
                    resolution="skipped", downstream_impact="prediction_skipped",
                )
                continue
            if prediction is None:
                skipped_unusable.append(player_id)
            else:
                predictions.append(prediction)
        if not_playing and len(not_playing) == len(self.features):
            self.log_quality_event(
                SourceCoverageEventType.SOURCE_MISSING, SourceCoverageSeverity.WARNING,
                f"No team of the {len(not_playing)} player(s) with rolling averages on "
                f"{self.game_date.isoformat()} is on the schedule; no predictions made",
                game_date=self.game_date, primary_source=self.SCHEDULE_TABLE,
                primary_source_status="missing", downstream_impact="predictions_blocked",
            )
        self.predictions = pd.DataFrame(predictions)
        self.stats["predictions"] = len(predictions)
        self.stats["skipped_unusable"] = skipped_unusable
        self.stats["model_failures"] = failed
        self.stats["players_without_game"] = not_playing
        self.stats["capped"] = int(self.predictions["confidence_capped"].sum()) if predictions else 0

    def save_data(self) -> None:
        self.stats["predictions_written"] = self.save_output(self.predictions)
        self.stats["queries_issued"] = self.queries_issued


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
