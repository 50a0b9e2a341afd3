"""Phase 4: player rolling averages with worst-wins inherited quality.

For an analysis date D, each player's last ``ROLLING_WINDOW`` games strictly before D are read
from ``nba_analytics.player_game_summary`` for ALL players in ONE set-based query (a
``ROW_NUMBER()`` window over a partition-filtered lookback), then averaged. The row's quality
is inherited from its inputs (SCORING.md, "Downstream"): the worst tier by rank, the minimum
score, the union of issues, and a further degradation when the sample is thinner than the
season-aware expectation for D. A rolling average can never be better than its worst game.

Which players: ``opts['players']`` when given (a player without prior games gets no row and is
named in ONE ``insufficient_sample`` warning event per run); otherwise every player with a game
in the lookback window.

Command line::

    coverage-rolling-averages --date 2025-01-15 [--warehouse URL]

Python::

    processor = PlayerRollingAverageProcessor(bq_client=make_client('duckdb:///demo.duckdb'))
    stats = processor.run({'analysis_date': '2025-01-15'})
    stats['rows_written'], processor.queries_issued      # (n_players, 1)

Class line and MRO: ``PlayerRollingAverageProcessor(QualityMixin, AnalyticsProcessorBase)``;
the mixin comes first so its context-manager and flush cooperate through ``super()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from google.cloud import bigquery

from data_processors.analytics.analytics_base import AnalyticsProcessorBase
from data_processors.commands.rolling_averages import COMMAND, main  # noqa: F401  (re-exported: the command line lives in a light module)
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import PLAYER_GAME_SUMMARY, PLAYER_ROLLING_AVERAGES
from shared_services.bigquery.statements import SAMPLE_DATE, register_statement
from shared_services.constants.source_coverage import (
    SourceCoverageEventType,
    SourceCoverageSeverity,
)
from shared_services.events.model import utc_now
from shared_services.events.serialization import is_missing, json_safe_value, to_utc_iso
from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.processors.registry import register_processor
from shared_services.quality.inheritance import apply_sample_expectation, inherit_quality
from shared_services.quality.scoring import ISSUE_BACKUP_SOURCE_USED, ISSUE_RECONSTRUCTED
from shared_services.utils.dates import parse_game_date

__all__ = ["PlayerRollingAverageProcessor", "InputQualityError", "rolling_inputs_sql", "main"]


# Only validated, back-quoted table ids and fixed clauses are substituted into the SQL text;
# every value travels as a query parameter.
_ROLLING_INPUTS_TEMPLATE = """
WITH ranked AS (
  SELECT
    player_id, player_name, team_abbr, game_id, game_date, points, rebounds, assists,
    quality_tier, quality_score, quality_issues, data_sources,
    quality_used_fallback, quality_reconstructed, quality_calculated_at,
    ROW_NUMBER() OVER (PARTITION BY player_id ORDER BY game_date DESC, game_id DESC) AS game_rank
  FROM $source_table
  WHERE game_date BETWEEN @lookback_start AND @day_before$player_filter
)
SELECT *
FROM ranked
WHERE game_rank <= @n
ORDER BY player_id, game_rank
""".strip()


def rolling_inputs_sql(source_table: str, explicit_players: bool) -> str:
    """The ONE query of a run: every player's last ``@n`` games in ``[@lookback_start, @day_before]``.

    Parameters: ``@lookback_start`` and ``@day_before`` (DATE; the partition filter), ``@n``
    (INT64) and, when ``explicit_players``, ``@players`` (ARRAY<STRING>).

    Example::

        sql = rolling_inputs_sql('nba_analytics.player_game_summary', explicit_players=False)
    """
    player_filter = "\n    AND player_id IN UNNEST(@players)" if explicit_players else ""
    return (
        _ROLLING_INPUTS_TEMPLATE.replace("$source_table", quote_table_id(source_table))
        .replace("$player_filter", player_filter)
    )


# The statements fetch_recent_games sends, for coverage-preflight (shared_services.bigquery.statements).
_SAMPLE_ROLLING_PARAMS = [
    bigquery.ScalarQueryParameter("lookback_start", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("day_before", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("n", "INT64", 10),
]
register_statement("phase4.rolling_inputs.all_players",
                   rolling_inputs_sql(PLAYER_GAME_SUMMARY.table_id, explicit_players=False),
                   _SAMPLE_ROLLING_PARAMS)
register_statement("phase4.rolling_inputs.some_players",
                   rolling_inputs_sql(PLAYER_GAME_SUMMARY.table_id, explicit_players=True),
                   [*_SAMPLE_ROLLING_PARAMS, bigquery.ArrayQueryParameter("players", "STRING", ["203999"])])


def _float_array(values: pd.Series) -> np.ndarray:
    """A column as float64, missing and non-numeric values as NaN (element by element)."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _mean(numbers: np.ndarray) -> float | None:
    # SCORING.md rule 4: a non-finite value is null. It is left out like NaN, so one infinite
    # stat (a scraper's division by zero) cannot make the average of the other games NULL.
    numbers = numbers[np.isfinite(numbers)]
    return None if numbers.size == 0 else round(float(numbers.mean()), 4)


def _stddev(numbers: np.ndarray) -> float | None:
    numbers = numbers[np.isfinite(numbers)]  # as in _mean
    if numbers.size < 2:
        return None
    return round(float(numbers.std(ddof=1)), 4)


def _any_true(values: Sequence[Any]) -> bool:
    """``Series.fillna(False).astype(bool).any()`` on plain values."""
    return any(not is_missing(v) and bool(v) for v in values)


#: The input columns a row is built from, as plain per-row values.
_VALUE_COLUMNS = ("player_id", "player_name", "team_abbr", "game_id", "game_date", "quality_tier",
                  "quality_score", "quality_issues", "data_sources", "quality_used_fallback",
                  "quality_reconstructed", "quality_calculated_at")
#: The averaged columns, as float64 arrays (NaN for missing).
_NUMBER_COLUMNS = ("points", "rebounds", "assists")


def _column_values(values: pd.Series) -> list[Any]:
    """``list(values)``: the same objects. String and float64 columns take ``tolist()``, which
    yields them (``str``, ``float``, NaN for a missing string) without boxing each element
    through the Arrow array; other dtypes are iterated."""
    if isinstance(values.dtype, pd.StringDtype) or values.dtype == np.float64:
        return values.tolist()
    return list(values)


class _Games:
    """Input games as plain columns (lists and float arrays), most recent first.

    Building a row from pandas objects per player (a sub-frame, a dozen column lookups, a row
    Series) was most of a phase 4 run's CPU; the whole frame is converted once instead and each
    player's games are a slice of it.
    """

    __slots__ = ("values", "numbers", "size")

    def __init__(self, values: dict[str, list[Any]], numbers: dict[str, np.ndarray]) -> None:
        self.values = values
        self.numbers = numbers
        self.size = len(values["game_id"])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> _Games:
        # Iterating a Series yields the same objects as the former per-player frame's columns.
        return cls({name: _column_values(frame[name]) for name in _VALUE_COLUMNS},
                   {name: _float_array(frame[name]) for name in _NUMBER_COLUMNS})

    def slice(self, start: int, stop: int) -> _Games:
        return _Games({k: v[start:stop] for k, v in self.values.items()},
                      {k: v[start:stop] for k, v in self.numbers.items()})


def _string_list(value: Any) -> list[str]:
    if value is None or (not isinstance(value, list | tuple) and is_missing(value)):
        return []
    return [str(item) for item in value]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else pd.Timestamp(value).date()


class InputQualityError(ValueError):
    """A phase 3 input row carries no usable quality (missing/unknown tier, missing score)."""


@register_processor(phase="phase_4", date_option="analysis_date", players_option="players",
                    input_table=PLAYER_GAME_SUMMARY.table_id)
class PlayerRollingAverageProcessor(QualityMixin, AnalyticsProcessorBase):
    """Phase 4 rolling averages (see the module docstring for usage)."""

    PHASE = "phase_4"
    OUTPUT_TABLE = PLAYER_ROLLING_AVERAGES.table_id
    REPLACE_KEY_COLUMNS = ("player_id", "analysis_date")

    #: Phase 3 table the averages are built from.
    SOURCE_TABLE: ClassVar[str] = PLAYER_GAME_SUMMARY.table_id
    #: Games per player in the average (the last N strictly before the analysis date).
    ROLLING_WINDOW: ClassVar[int] = 10
    #: Days before the analysis date searched for those games (the partition filter's width).
    LOOKBACK_DAYS: ClassVar[int] = 200

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("ROLLING_WINDOW", "LOOKBACK_DAYS"):
            value = getattr(cls, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ImproperlyConfigured(
                    f"{cls.__qualname__}: {name} must be a positive int, got {value!r}"
                )

    def __init__(self, bq_client: Any = None, **options: Any) -> None:
        super().__init__(bq_client=bq_client, **options)
        #: Read queries this instance issued (constant per run, whatever the player count).
        self.queries_issued = 0

    # -- reading ------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any]) -> pd.DataFrame:
        self.queries_issued += 1
        config = bigquery.QueryJobConfig(query_parameters=list(params))
        return self.bq_client.query(sql, job_config=config).to_dataframe()

    def get_lookback_start(self, analysis_date: date) -> date:
        """First game date searched for ``analysis_date`` (override to compute it otherwise)."""
        return analysis_date - timedelta(days=self.LOOKBACK_DAYS)

    def fetch_recent_games(self, analysis_date: date, players: Sequence[str] | None = None) -> pd.DataFrame:
        """Each player's last ``ROLLING_WINDOW`` games before ``analysis_date``, in ONE query.

        Example::

            games = processor.fetch_recent_games(date(2025, 1, 15), players=['203999'])
        """
        params: list[Any] = [
            bigquery.ScalarQueryParameter("lookback_start", "DATE", self.get_lookback_start(analysis_date)),
            bigquery.ScalarQueryParameter("day_before", "DATE", analysis_date - timedelta(days=1)),
            bigquery.ScalarQueryParameter("n", "INT64", self.ROLLING_WINDOW),
        ]
        if players is not None:
            params.append(bigquery.ArrayQueryParameter("players", "STRING", list(players)))
        return self._query(rolling_inputs_sql(self.SOURCE_TABLE, players is not None), params)

    # -- one player's row (pure) --------------------------------------------------------
    def build_player_row(self, games: pd.DataFrame, analysis_date: date, calculated_at: datetime) -> dict[str, Any]:
        """One output row from one player's input games (most recent first).

        Raises :class:`InputQualityError` when an input has no usable quality, and
        ``ValueError`` naming them when ``games`` lacks columns it needs.
        """
        if not isinstance(games, pd.DataFrame):
            raise TypeError(f"games must be a DataFrame of one player's input games; got {type(games).__name__}")
        missing = [name for name in (*_VALUE_COLUMNS, *_NUMBER_COLUMNS) if name not in games.columns]
        if missing:
            raise ValueError(f"games lacks the column(s) {missing}; it needs {[*_VALUE_COLUMNS, *_NUMBER_COLUMNS]}")
        return self._build_row(_Games.from_frame(games), analysis_date, calculated_at)

    def _build_row(self, games: _Games, analysis_date: date, calculated_at: datetime) -> dict[str, Any]:
        values = games.values
        tiers = values["quality_tier"]
        scores = values["quality_score"]
        bad = [
            str(gid) for gid, tier, score in zip(values["game_id"], tiers, scores, strict=True)
            if is_missing(tier) or is_missing(score)
        ]
        if bad:
            raise InputQualityError(f"input game(s) {bad} carry no quality tier/score")
        issue_lists = [_string_list(v) for v in values["quality_issues"]]
        try:
            inherited = inherit_quality([str(t) for t in tiers], [float(s) for s in scores], issue_lists)
        except (TypeError, ValueError) as exc:
            raise InputQualityError(str(exc)) from None
        quality = apply_sample_expectation(
            inherited, analysis_date, max_expected=self.ROLLING_WINDOW, config=self.get_scoring_config()
        )
        sources = sorted({s for v in values["data_sources"] for s in _string_list(v)})
        calculated = [c for c in values["quality_calculated_at"] if not is_missing(c)]
        newest_input = to_utc_iso(max(calculated)) if calculated else None
        used_fallback = _any_true(values["quality_used_fallback"]) or (
            ISSUE_BACKUP_SOURCE_USED in quality["issues"])
        reconstructed = _any_true(values["quality_reconstructed"]) or (
            ISSUE_RECONSTRUCTED in quality["issues"])
        game_dates = [_as_date(d) for d in values["game_date"]]
        metadata = {
            **quality["metadata"],
            "input_game_ids": [str(g) for g in values["game_id"]],
            "input_scores": [float(s) for s in scores],
            "max_input_quality_calculated_at": newest_input,
            "rolling_window": self.ROLLING_WINDOW,
        }
        player_name, team_abbr = values["player_name"][0], values["team_abbr"][0]
        return {
            "player_id": str(values["player_id"][0]),
            "analysis_date": analysis_date,
            "player_name": None if is_missing(player_name) else str(player_name),
            "team_abbr": None if is_missing(team_abbr) else str(team_abbr),
            "games_in_sample": games.size,
            "avg_points": _mean(games.numbers["points"]),
            "avg_rebounds": _mean(games.numbers["rebounds"]),
            "avg_assists": _mean(games.numbers["assists"]),
            "stddev_points": _stddev(games.numbers["points"]),
            "first_game_date": min(game_dates),
            "last_game_date": max(game_dates),
            "source_game_ids": [str(g) for g in values["game_id"]],
            "quality_tier": str(quality["tier"]),
            "quality_score": float(quality["score"]),
            "quality_issues": list(quality["issues"]),
            "data_sources": sources,
            "quality_sample_size": int(quality["sample_size"]),
            "quality_used_fallback": used_fallback,
            "quality_reconstructed": reconstructed,
            "quality_calculated_at": to_utc_iso(calculated_at),
            "quality_metadata": json_safe_value(metadata),
            "source_quality_max_calculated_at": newest_input,
            "processor_run_id": self.run_id,
            "processed_at": to_utc_iso(calculated_at),
        }

    # -- the run lifecycle --------------------------------------------------------------
    def extract_data(self) -> None:
        raw_date = self.opts.get("analysis_date", self.opts.get("game_date"))
        if raw_date is None:
            raise ValueError("run() needs opts['analysis_date'] (or 'game_date'), YYYY-MM-DD")
        self.analysis_date = parse_game_date(raw_date, "analysis_date")
        players = self.opts.get("players")
        if players is not None:
            if isinstance(players, str) or not all(isinstance(p, str) and p for p in players):
                raise TypeError("opts['players'] must be a list of non-empty player id strings")
            players = list(dict.fromkeys(players))
        self.requested_players: list[str] | None = players
        self.games = self.fetch_recent_games(self.analysis_date, players)
        self.stats["analysis_date"] = self.analysis_date.isoformat()
        self.stats["input_rows"] = len(self.games)

    def _games_by_player(self) -> list[tuple[Any, _Games]]:
        """(player id, that player's games by ``game_rank``) in player id order.

        The same groups as ``games.groupby('player_id', sort=True)`` (rows without a player
        id belong to none), each sorted by ``game_rank``, from one sort of the whole frame.
        """
        frame = self.games
        if frame.empty:
            return []
        frame = frame[frame["player_id"].notna()]
        frame = frame.sort_values(["player_id", "game_rank"], kind="stable")
        columns = _Games.from_frame(frame)
        ids = columns.values["player_id"]
        groups, start = [], 0
        for stop in range(1, len(ids) + 1):
            if stop == len(ids) or ids[stop] != ids[start]:
                groups.append((ids[start], columns.slice(start, stop)))
                start = stop
        return groups

    def transform_data(self) -> None:
        calculated_at = utc_now()
        rows: list[dict[str, Any]] = []
        bad_players: dict[str, str] = {}
        for player_id, games in self._games_by_player():
            try:
                rows.append(self._build_row(games, self.analysis_date, calculated_at))
            except InputQualityError as exc:
                bad_players[str(player_id)] = str(exc)
        with_rows = {row["player_id"] for row in rows}
        seen = set(self.games["player_id"].astype(str)) if not self.games.empty else set()
        no_history = [p for p in (self.requested_players or []) if p not in seen]
        if no_history:
            self.log_quality_event(
                SourceCoverageEventType.INSUFFICIENT_SAMPLE, SourceCoverageSeverity.WARNING,
                f"{len(no_history)} player(s) have no games in the {self.LOOKBACK_DAYS} days before "
                f"{self.analysis_date.isoformat()}; no rolling average written: "
                + ", ".join(repr(p) for p in no_history),
                game_date=self.analysis_date, resolution="skipped",
                resolution_details=", ".join(no_history), downstream_impact="predictions_blocked",
            )
        if bad_players:
            self.log_quality_event(
                SourceCoverageEventType.VALIDATION_FAILURE, SourceCoverageSeverity.WARNING,
                f"{len(bad_players)} player(s) skipped: phase 3 inputs without quality: "
                + "; ".join(f"{p!r}: {why}" for p, why in sorted(bad_players.items())[:5])
                + (f"; and {len(bad_players) - 5} more" if len(bad_players) > 5 else ""),
                game_date=self.analysis_date, resolution="skipped",
                resolution_details=", ".join(sorted(bad_players)), downstream_impact="predictions_blocked",
            )
        self.transformed = pd.DataFrame(rows)
        self.stats["players_with_rows"] = len(with_rows)
        self.stats["players_without_history"] = no_history
        self.stats["players_with_bad_inputs"] = sorted(bad_players)
        self.stats["tiers"] = (
            self.transformed["quality_tier"].value_counts().to_dict() if rows else {}
        )

    def save_data(self) -> None:
        self.stats["rows_written"] = self.save_output(self.transformed)
        self.stats["queries_issued"] = self.queries_issued


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
