"""Phase 3: team offense per game, with quality columns and coverage events.

Reads the NBA.com team box score (``nba_raw.nbac_team_boxscore``, keyed
``'YYYYMMDD_AWAY_HOME'``) of every final game on a date in ONE partition-filtered query, scores
each game's two team rows, and writes them to ``nba_analytics.team_offense_game_summary`` with
the standard quality columns (idempotent: re-running a date replaces its games' rows).

Events (flushed in one load job per run):

* ``source_missing`` (critical) for a final scheduled game without team box score rows;
* ``validation_failure`` (critical) when a game's rows are unusable, ``quality_degradation``
  (warning) when they score bronze or poor (e.g. one team's row missing);
* ``validation_failure`` (warning) once per date for box score rows whose key matches no
  scheduled game of that date (a team box filed under the wrong key is otherwise invisible).

A clean game logs nothing: the event log has no "processed" event type (see the report of
issue 7), so this processor does not invent one.

Class line and MRO: ``TeamOffenseGameSummaryProcessor(QualityMixin, AnalyticsProcessorBase)``;
the mixin comes first so its flush and context manager cooperate through ``super()``.

Command line::

    coverage-team-offense --date 2025-01-15 [--warehouse URL]
    coverage-team-offense --date 2024-12-27 --through 2025-01-09    # a backfill, one run

Python::

    processor = TeamOffenseGameSummaryProcessor(bq_client=make_client('duckdb:///demo.duckdb'))
    stats = processor.run({'game_date': '2025-01-15'})
    stats['rows_written'], stats['game_tiers']     # (16, {'20250115_LAL_BOS': 'gold', ...})
    processor.run({'start_date': '2024-12-27', 'end_date': '2025-01-09'})  # every day of a span
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

import pandas as pd
from google.cloud import bigquery

from data_processors.analytics.analytics_base import (
    AnalyticsProcessorBase,
    RowsByDate,
    run_dates,
    span_parameters,
)
from data_processors.commands.team_offense import COMMAND, main  # noqa: F401  (re-exported: the command line lives in a light module)
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import SCHEDULE, TEAM_BOXSCORE, TEAM_OFFENSE_GAME_SUMMARY
from shared_services.bigquery.statements import SAMPLE_DATE, register_statement
from shared_services.constants.source_coverage import (
    SourceCoverageEventType,
    SourceCoverageSeverity,
)
from shared_services.events.model import utc_now
from shared_services.events.serialization import to_utc_iso
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.processors.registry import register_processor, restrict_to_games
from shared_services.utils.dates import parse_game_date

__all__ = ["TeamOffenseGameSummaryProcessor", "team_game_key", "main"]

# Both read every day of a run's span (one day: start_date = end_date). BETWEEN two DATE
# parameters on the partition column is a qualifying partition filter ("Query partitioned
# tables"), which require_partition_filter asks for; the embedded warehouse checks the same.

#: Final games (status 3) come from here; every status is read to recognise orphan box rows.
SCHEDULE_SQL = f"""
SELECT game_id, game_date, game_status, away_team_tricode, home_team_tricode
FROM {quote_table_id(SCHEDULE.table_id)}
WHERE game_date BETWEEN @start_date AND @end_date
ORDER BY game_date, game_id
""".strip()  # noqa: S608 - table id validated; values are query parameters

TEAM_BOXSCORE_SQL = f"""
SELECT game_id, nba_game_id, game_date, team_abbr, is_home, points, rebounds, assists
FROM {quote_table_id(TEAM_BOXSCORE.table_id)}
WHERE game_date BETWEEN @start_date AND @end_date
ORDER BY game_date, game_id, team_abbr
""".strip()  # noqa: S608 - table id validated; values are query parameters

# The statements extract_data sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("phase3.team_offense.schedule", SCHEDULE_SQL, span_parameters(SAMPLE_DATE, SAMPLE_DATE))
register_statement("phase3.team_offense.team_boxscore", TEAM_BOXSCORE_SQL, span_parameters(SAMPLE_DATE, SAMPLE_DATE))

_OUTPUT_COLUMNS = ("game_id", "game_date", "team_abbr", "points", "assists")


def team_game_key(game_date: date, away: str | None, home: str | None) -> str:
    """The ``YYYYMMDD_AWAY_HOME`` key the team tables use for one scheduled game.

    Example::

        >>> team_game_key(date(2025, 1, 15), 'LAL', 'BOS')
        '20250115_LAL_BOS'
    """
    return f"{game_date:%Y%m%d}_{away or ''}_{home or ''}"


@register_processor(phase="phase_3", date_option="game_date", games_option="game_ids")
class TeamOffenseGameSummaryProcessor(QualityMixin, AnalyticsProcessorBase):
    """Phase 3 team offense game summary (see the module docstring for usage)."""

    PHASE = "phase_3"
    OUTPUT_TABLE = TEAM_OFFENSE_GAME_SUMMARY.table_id
    REPLACE_KEY_COLUMNS = ("game_id",)

    REQUIRED_FIELDS = ["game_id", "team_abbr", "points"]
    OPTIONAL_FIELDS = ["assists"]
    FIELD_WEIGHTS = {"points": 10.0, "assists": 5.0}
    #: The single source; named on every event as ``primary_source``.
    PRIMARY_SOURCES: ClassVar[Sequence[str]] = ["nbac_team_boxscore"]
    #: Rows expected per game (one per team): fewer than 2 caps the tier at poor.
    EXPECTED_TEAMS_PER_GAME: ClassVar[int] = 2

    def __init__(self, bq_client: Any = None, **options: Any) -> None:
        super().__init__(bq_client=bq_client, **options)
        #: Read queries this instance issued (two per run: schedule and team box score).
        self.queries_issued = 0

    # -- reading ------------------------------------------------------------------------
    def _query(self, sql: str, start: date, end: date) -> pd.DataFrame:
        self.queries_issued += 1
        config = bigquery.QueryJobConfig(query_parameters=span_parameters(start, end))
        return self.bq_client.query(sql, job_config=config).to_dataframe()

    def extract_data(self) -> None:
        self.game_date, self.end_date = run_dates(self.opts)
        schedule = self._query(SCHEDULE_SQL, self.game_date, self.end_date)
        schedule["game_date"] = [parse_game_date(d, "game_date") for d in schedule["game_date"].tolist()]
        schedule["team_key"] = [
            team_game_key(day, _text(a), _text(h))
            for day, a, h in zip(schedule["game_date"], schedule["away_team_tricode"],
                                 schedule["home_team_tricode"], strict=True)
        ]
        self.schedule = schedule
        self.final_games = restrict_to_games(
            schedule[schedule["game_status"].fillna(0).astype(int) == 3].reset_index(drop=True),
            self.opts.get("game_ids"))
        self.box = self._query(TEAM_BOXSCORE_SQL, self.game_date, self.end_date)
        self.stats["games_scheduled"] = len(self.final_games)

    # -- transforming -------------------------------------------------------------------
    _box_index: tuple[pd.DataFrame, RowsByDate] | None = None

    def _box_by_date(self) -> RowsByDate:
        """``self.box``'s rows by (date, key), built once per box."""
        index = self._box_index
        if index is None or index[0] is not self.box:
            index = self._box_index = (self.box, RowsByDate(self.box, "game_date", "game_id"))
        return index[1]

    def _box_rows(self, key: str, day: date) -> pd.DataFrame:
        """The box score rows of ``key`` filed under ``day``, numbered as that day's rows:
        ``day_box[day_box['game_id'] == key]`` (its index labels kept)."""
        return self._box_by_date().rows(day, key, reset_index=False)

    def build_game_rows(self, game: dict[str, Any]) -> tuple[pd.DataFrame | None, dict[str, Any] | None]:
        """Score and shape one final game's team rows; (rows with quality columns, assessment)."""
        key = str(game["team_key"])
        day = parse_game_date(game["game_date"], "game_date")
        source = self.PRIMARY_SOURCES[0]
        common: dict[str, Any] = {"game_id": key, "game_date": day, "primary_source": source}
        rows = self._box_rows(key, day)
        if rows.empty:
            self.log_quality_event(
                SourceCoverageEventType.SOURCE_MISSING, SourceCoverageSeverity.CRITICAL,
                f"No team box score rows for final game {key} (NBA id {game['game_id']})",
                primary_source_status="missing", fallback_sources_tried=[f"{source}_empty"],
                resolution="skipped", resolution_details=f"NBA game id {game['game_id']}",
                downstream_impact="predictions_degraded", **common)
            return None, None
        frame = rows[[c for c in _OUTPUT_COLUMNS if c in rows.columns]].copy()
        frame["game_date"] = day
        quality = self.assess_quality(
            frame, sources_used=[source], game_date=day,
            context={"expected_sample_size": self.EXPECTED_TEAMS_PER_GAME},
        )
        self.quality_issues.extend(f"{key}:{issue}" for issue in quality["issues"])
        usable = self.log_quality_outcome(
            quality, f"team box score of {key}", unusable_impact="predictions_degraded",
            fallback_sources_tried=[source], **common)
        if not usable:
            return None, quality
        out = self.add_quality_columns(frame.reset_index(drop=True), quality)
        out["processed_at"] = to_utc_iso(utc_now())
        return out, quality

    def transform_data(self) -> None:
        frames: list[pd.DataFrame] = []
        tiers: dict[str, str] = {}
        for game in self.final_games.to_dict("records"):
            rows, quality = self.build_game_rows(game)
            tiers[str(game["team_key"])] = str(quality["tier"]) if quality else "no_data"
            if rows is not None:
                frames.append(rows)
        # Orphans day by day: a box row whose key matches no scheduled game of ITS date (one
        # warning per date, as a one-day run of each date logs it).
        box = self._box_by_date()
        known: dict[date, set[str]] = {}
        for day, key in zip(self.schedule["game_date"], self.schedule["team_key"], strict=True):
            known.setdefault(day, set()).add(key)
        all_orphans: list[str] = []
        for day in box.dates():
            orphans = sorted(set(box.day(day)["game_id"].astype(str)) - known.get(day, set()))
            if orphans:
                self.log_quality_event(
                    SourceCoverageEventType.VALIDATION_FAILURE, SourceCoverageSeverity.WARNING,
                    f"{len(orphans)} team box score key(s) on {day.isoformat()} match no "
                    f"scheduled game: {', '.join(orphans)}",
                    game_date=day, primary_source=self.PRIMARY_SOURCES[0],
                    resolution="skipped", resolution_details=", ".join(orphans))
                all_orphans.extend(orphans)
        self.transformed = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        self.stats["game_tiers"] = tiers
        self.stats["games_with_data"] = len(frames)
        self.stats["orphan_keys"] = all_orphans

    def save_data(self) -> None:
        self.stats["rows_written"] = self.save_output(self.transformed)
        self.stats["queries_issued"] = self.queries_issued


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
