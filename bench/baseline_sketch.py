"""BASELINE ONLY: the seed design sketch's code, ported so it can be measured beside ours.

Nothing in the library uses this module. It reproduces, from
``shared/seed/03-implementation-guide.md``:

* :class:`SketchQualityScorer`: the sketch's ``QualityMixin.assess_quality`` with its
  helpers, copied line for line (only the module-level imports, the ``QualityTier``
  constants and the class name differ; ``datetime.utcnow()`` is kept, with its deprecation
  warning silenced). Known defects are kept on purpose: rule 1 tests for the literal source
  name ``'primary'``, the required-field check ignores entirely-null columns, and six of the
  design's own nine scoring examples fail.
* :func:`sketch_event_row` and :func:`sketch_serialize_batch`: the sketch's
  ``log_quality_event`` row and its ``_insert_quality_events_batch`` serialization
  (``pd.DataFrame(events)`` + ``to_dict('records')``), without the alert and load parts.
* :class:`SketchAudit`: the sketch's ``SourceCoverageAuditProcessor`` access pattern (per
  date: one schedule query; per game: one log query plus one query per checked table, each
  ``.to_dataframe()``), with two changes so it can run on a warehouse that enforces
  BigQuery's rules: every query is parameterized (the sketch interpolates ids into
  f-strings) and carries a partition filter (the sketch's table checks have none and are
  rejected by tables with ``require_partition_filter``); the log window is anchored on the
  audited date like ours, not on "today". Table ids and key formats come from the same audit
  configuration as ours. Its four-way classification is the sketch's.
"""

from __future__ import annotations

import uuid
import warnings
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from google.cloud import bigquery


class QualityTier:
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    POOR = "poor"
    UNUSABLE = "unusable"


class SketchQualityScorer:
    """The sketch's ``QualityMixin`` scoring methods (verbatim logic)."""

    REQUIRED_FIELDS: list[str] = []
    OPTIONAL_FIELDS: list[str] = []
    FIELD_WEIGHTS: dict[str, float] = {}

    SAMPLE_THRESHOLD_EARLY_SEASON: int = 3
    SAMPLE_THRESHOLD_MID_SEASON: int = 5
    SAMPLE_THRESHOLD_FULL_SEASON: int = 8

    def __init__(self, required: Sequence[str], optional: Sequence[str], weights: dict[str, float]) -> None:
        self.REQUIRED_FIELDS = list(required)
        self.OPTIONAL_FIELDS = list(optional)
        self.FIELD_WEIGHTS = dict(weights)

    def assess_quality(
        self,
        data: pd.DataFrame,
        sources_used: list[str],
        reconstruction_applied: bool = False,
        context: dict[str, Any] | None = None,
        game_date: date | None = None,
    ) -> dict[str, Any]:
        issues = []
        context = context or {}

        # 1. Check required fields
        missing_required = [
            f for f in self.REQUIRED_FIELDS
            if f not in data.columns
        ]

        if missing_required:
            return {
                'tier': QualityTier.UNUSABLE,
                'score': 0.0,
                'issues': [f'missing_required:{f}' for f in missing_required],
                'sources': sources_used,
                'metadata': {
                    'critical_failure': True,
                    'missing_required_fields': missing_required
                }
            }

        # 2. Check optional fields
        missing_optional = [
            f for f in self.OPTIONAL_FIELDS
            if f not in data.columns
        ]

        if missing_optional:
            issues.extend([f'missing_optional:{f}' for f in missing_optional])

        # 3. Calculate base completeness score
        total_fields = len(self.REQUIRED_FIELDS) + len(self.OPTIONAL_FIELDS)
        present_fields = total_fields - len(missing_optional)

        if total_fields > 0:
            completeness_score = (present_fields / total_fields) * 100
        else:
            completeness_score = 100.0

        # 4. Apply field weights if defined
        if self.FIELD_WEIGHTS:
            weighted_score = self._calculate_weighted_score(data)
            completeness_score = (completeness_score + weighted_score) / 2

        # 5. Check null rates and apply penalty
        null_penalty = self._calculate_null_penalty(data)
        completeness_score = max(0, completeness_score - null_penalty)

        if null_penalty > 10:
            issues.append(f'high_null_rate:{null_penalty:.1f}pct')

        # 6. Sample size check (season-aware)
        sample_size = len(data) if isinstance(data, pd.DataFrame) else 1

        if 'expected_sample_size' in context:
            expected = context['expected_sample_size']
        elif game_date:
            expected = self._get_expected_sample_size(game_date)
        else:
            expected = 10  # Default fallback

        if sample_size < expected * 0.5:
            issues.append(f'thin_sample:{sample_size}/{expected}')
            completeness_score *= 0.8  # 20% penalty

        # Check if early season
        early_season = game_date and self._is_early_season(game_date)

        # 7. Determine tier
        tier = self._score_to_tier(
            score=completeness_score,
            sources_used=sources_used,
            reconstruction_applied=reconstruction_applied,
            sample_size=sample_size,
            expected_sample_size=expected,
            early_season=early_season
        )

        # 8. Build result
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            stamp = datetime.utcnow().isoformat()
        return {
            'tier': tier,
            'score': round(completeness_score, 1),
            'issues': issues,
            'sources': sources_used,
            'metadata': {
                'sample_size': sample_size,
                'expected_sample_size': expected,
                'null_penalty': round(null_penalty, 1),
                'reconstruction_applied': reconstruction_applied,
                'early_season': early_season,
                'games_into_season': self._get_games_into_season(game_date) if game_date else None,
                'assessment_timestamp': stamp
            }
        }

    def _get_season_start(self, game_date: date) -> date:
        year = game_date.year
        if game_date.month <= 6:
            year -= 1
        return date(year, 10, 15)

    def _get_games_into_season(self, game_date: date) -> int:
        season_start = self._get_season_start(game_date)
        days_elapsed = (game_date - season_start).days
        return max(0, days_elapsed // 2)

    def _get_expected_sample_size(self, game_date: date, default_expected: int = 10) -> int:
        games_into_season = self._get_games_into_season(game_date)
        if games_into_season < 10:
            return min(self.SAMPLE_THRESHOLD_EARLY_SEASON, games_into_season + 1)
        elif games_into_season < 30:
            return self.SAMPLE_THRESHOLD_MID_SEASON
        else:
            return self.SAMPLE_THRESHOLD_FULL_SEASON

    def _is_early_season(self, game_date: date) -> bool:
        return self._get_games_into_season(game_date) < 15

    def _calculate_weighted_score(self, data: pd.DataFrame) -> float:
        if not self.FIELD_WEIGHTS:
            return 100.0
        total_weight = sum(self.FIELD_WEIGHTS.values())
        achieved_weight = sum(
            self.FIELD_WEIGHTS.get(field, 0)
            for field in data.columns
            if field in self.FIELD_WEIGHTS
        )
        return (achieved_weight / total_weight * 100) if total_weight > 0 else 100.0

    def _calculate_null_penalty(self, data: pd.DataFrame) -> float:
        if data.empty:
            return 0.0
        penalty = 0.0
        for field, weight in self.FIELD_WEIGHTS.items():
            if field in data.columns:
                null_rate = data[field].isnull().mean()
                if null_rate > 0.1:  # More than 10% nulls
                    penalty += (null_rate - 0.1) * weight * 50
        for field in self.REQUIRED_FIELDS:
            if field in data.columns:
                null_rate = data[field].isnull().mean()
                if null_rate > 0.2:  # More than 20% nulls in required
                    penalty += (null_rate - 0.2) * 100
        return min(penalty, 50)  # Cap at 50 points

    def _score_to_tier(self, score: float, sources_used: list[str], reconstruction_applied: bool,
                       sample_size: int, expected_sample_size: int = 10, early_season: bool = False) -> str:
        if score >= 95:
            tier = QualityTier.GOLD
        elif score >= 75:
            tier = QualityTier.SILVER
        elif score >= 50:
            tier = QualityTier.BRONZE
        elif score >= 25:
            tier = QualityTier.POOR
        else:
            return QualityTier.UNUSABLE
        if sources_used and 'primary' not in sources_used:
            if tier == QualityTier.GOLD:
                tier = QualityTier.SILVER
        if reconstruction_applied:
            if tier == QualityTier.GOLD:
                tier = QualityTier.SILVER
        sample_ratio = sample_size / expected_sample_size if expected_sample_size > 0 else 1.0
        if early_season:
            if sample_ratio < 0.3:
                if tier in [QualityTier.GOLD, QualityTier.SILVER]:
                    tier = QualityTier.BRONZE
        else:
            if sample_ratio < 0.5:
                if tier in [QualityTier.GOLD, QualityTier.SILVER]:
                    tier = QualityTier.BRONZE
        if sample_size < 2:
            tier = QualityTier.POOR
        return tier


# ------------------------------------------------------------------------------------------
# Events: the sketch's row and its batch serialization
# ------------------------------------------------------------------------------------------
def sketch_event_row(processor: Any, event_type: str, severity: str, description: str,
                     quality_before: dict | None = None, quality_after: dict | None = None,
                     game_id: str | None = None, player_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """The dict the sketch's ``log_quality_event`` buffers (alerting left out)."""
    event_id = str(uuid.uuid4())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        stamp = datetime.utcnow()
    return {
        'event_id': event_id,
        'event_timestamp': stamp,
        'event_type': event_type,
        'severity': severity,
        'phase': getattr(processor, 'PHASE', 'unknown'),
        'table_name': getattr(processor, 'OUTPUT_TABLE', 'unknown'),
        'processor_name': processor.__class__.__name__,
        'game_id': game_id,
        'game_date': kwargs.get('game_date'),
        'season': kwargs.get('season'),
        'player_id': player_id,
        'team_abbr': kwargs.get('team_abbr'),
        'description': description,
        'primary_source': kwargs.get('primary_source'),
        'primary_source_status': kwargs.get('primary_source_status'),
        'fallback_sources_tried': kwargs.get('fallback_sources_tried', []),
        'resolution': kwargs.get('resolution'),
        'resolution_details': kwargs.get('resolution_details'),
        'quality_tier_before': quality_before.get('tier') if quality_before else None,
        'quality_tier_after': quality_after.get('tier') if quality_after else None,
        'quality_score_before': quality_before.get('score') if quality_before else None,
        'quality_score_after': quality_after.get('score') if quality_after else None,
        'downstream_impact': kwargs.get('downstream_impact'),
        'requires_alert': severity in ['critical', 'warning'],
        'alert_sent': False,
        'environment': 'prod',
        'processor_run_id': getattr(processor, 'run_id', None),
        'is_synthetic': False
    }


def sketch_serialize_batch(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sketch's ``_insert_quality_events_batch`` up to the load call."""
    df = pd.DataFrame(events)
    if 'event_timestamp' in df.columns:
        df['event_timestamp'] = df['event_timestamp'].apply(
            lambda x: x.isoformat() if isinstance(x, datetime) else x
        )
    return df.to_dict('records')


# ------------------------------------------------------------------------------------------
# Audit: the sketch's per-game access pattern (parameterized, partition-filtered)
# ------------------------------------------------------------------------------------------
class SketchAudit:
    """Per date: 1 schedule query; per game: 1 log query + 1 query per table."""

    def __init__(self, client: Any, tables: Sequence[Any], now: datetime,
                 log_table: str = "nba_reference.source_coverage_log") -> None:
        self.client = client
        self.tables = list(tables)
        self.now = now
        self.log_table = log_table
        self.queries = 0
        self.statuses: Counter[str] = Counter()

    def _query(self, sql: str, params: list[Any]) -> pd.DataFrame:
        self.queries += 1
        config = bigquery.QueryJobConfig(query_parameters=params)
        return self.client.query(sql, job_config=config).to_dataframe()

    def run_range(self, days: Sequence[date]) -> Counter[str]:
        for day in days:
            self.run_daily_audit(day)
        return self.statuses

    def run_daily_audit(self, target_date: date) -> None:
        for game in self.get_scheduled_games(target_date):
            self.statuses[self.check_game_coverage(game)["status"]] += 1

    def get_scheduled_games(self, target_date: date) -> list[dict[str, Any]]:
        df = self._query(
            "SELECT game_id, game_date, home_team_tricode, away_team_tricode, season_year\n"
            "FROM `nba_raw.nbac_schedule`\n"
            "WHERE game_date = @target_date AND game_status = 3\n"
            "ORDER BY game_id",
            [bigquery.ScalarQueryParameter("target_date", "DATE", target_date)],
        )
        return df.to_dict('records')

    def _key(self, spec: Any, game: dict[str, Any], day: date) -> str:
        if spec.key_format == "date_away_home":
            return f"{day:%Y%m%d}_{game['away_team_tricode']}_{game['home_team_tricode']}"
        return str(game['game_id'])

    def check_game_coverage(self, game: dict[str, Any]) -> dict[str, Any]:
        game_id = str(game['game_id'])
        day = game['game_date']
        day = day if isinstance(day, date) else pd.Timestamp(day).date()
        log_start = datetime.combine(day, time(), tzinfo=UTC) - timedelta(days=1)
        log_events = self._query(
            f"SELECT COUNT(*) AS event_count\nFROM `{self.log_table}`\n"
            "WHERE game_id = @game_id\n"
            "  AND event_timestamp >= @log_start AND event_timestamp < @log_end",
            [bigquery.ScalarQueryParameter("game_id", "STRING", game_id),
             bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", log_start),
             bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", self.now + timedelta(days=1))],
        )
        has_log_events = log_events.iloc[0]['event_count'] > 0

        tables_with_data = []
        for spec in self.tables:
            result = self._query(
                f"SELECT COUNT(*) AS row_count\nFROM `{spec.table}`\n"
                f"WHERE {spec.date_column} BETWEEN @start_date AND @end_date\n"
                f"  AND {spec.id_column} = @game_key",
                [bigquery.ScalarQueryParameter("start_date", "DATE", day - timedelta(days=1)),
                 bigquery.ScalarQueryParameter("end_date", "DATE", day + timedelta(days=1)),
                 bigquery.ScalarQueryParameter("game_key", "STRING", self._key(spec, game, day))],
            )
            if result.iloc[0]['row_count'] > 0:
                tables_with_data.append(spec.table)

        if not has_log_events and len(tables_with_data) == 0:
            return {'status': 'completely_missing', 'severity': 'critical'}
        elif not has_log_events and len(tables_with_data) > 0:
            return {'status': 'data_exists_no_log', 'severity': 'warning'}
        elif has_log_events and len(tables_with_data) == 0:
            return {'status': 'logged_but_no_data', 'severity': 'critical'}
        else:
            return {'status': 'normal', 'severity': 'info'}
