"""Phase 3: player game summary, with source fallback, quality columns and coverage events.

Reads the player box score of each final game from NBA.com's gamebook (primary), falling back
to Ball Don't Lie and ESPN; scores what it got; writes one row per player to
``nba_analytics.player_game_summary`` with the standard quality columns; logs every fallback
and gap; flushes all events of a run in one load job.

Command line::

    coverage-player-game-summary --date 2025-01-15 [--warehouse URL]
    coverage-player-game-summary --date 2024-12-27 --through 2025-01-09   # a backfill, one run

Python::

    processor = PlayerGameSummaryProcessor(bq_client=make_client('duckdb:///demo.duckdb'))
    processor.run({'game_date': '2025-01-15'})          # every final game that day
    processor.run({'start_date': '2024-12-27', 'end_date': '2025-01-09'})  # every day of a span
    processor.process_game('0022400561', '2025-01-15')  # one game (writes at once)
    processor.flush_events()
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import pandas as pd
from google.cloud import bigquery

from data_processors.analytics.analytics_base import (
    AnalyticsProcessorBase,
    RowsByDate,
    run_dates,
    span_parameters,
)
from data_processors.commands.player_game_summary import COMMAND, main  # noqa: F401  (re-exported: the command line lives in a light module)
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import PLAYER_GAME_SUMMARY, SCHEDULE
from shared_services.bigquery.statements import (
    SAMPLE_DATE,
    LibraryStatement,
    StatementContext,
    statement_factory,
)
from shared_services.events.model import utc_now
from shared_services.events.serialization import to_utc_iso
from shared_services.processors.fallback_source_mixin import FallbackSourceMixin
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.processors.registry import register_processor, restrict_to_games
from shared_services.quality.season import season_label
from shared_services.utils.dates import parse_game_date

__all__ = ["PlayerGameSummaryProcessor", "main"]

_SOURCE_COLUMNS = (
    "game_id", "game_date", "player_id", "player_name", "team_abbr", "minutes_played",
    "points", "rebounds", "assists", "plus_minus", "shot_zones",
)


def source_query_sql(table: str, per_game: bool) -> str:
    """Parameterized, partition-filtered read of one raw box score table: one game
    (``@game_date``, ``@game_id``), or every game of a run's days (``@start_date`` ..
    ``@end_date``; one day is a span of one).

    ``BETWEEN`` two DATE parameters on the partition column is a qualifying partition filter
    ("Query partitioned tables": a filter on the partitioning column's value prunes, and
    ``require_partition_filter`` is satisfied; the embedded warehouse checks it the same way).
    """
    if per_game:
        where = "game_date = @game_date\n  AND game_id = @game_id"
        order = "game_id, player_id"
    else:
        where = "game_date BETWEEN @start_date AND @end_date"
        order = "game_date, game_id, player_id"
    return (
        "SELECT *\n"
        f"FROM {quote_table_id(table)}\n"
        f"WHERE {where}\n"
        f"ORDER BY {order}"
    )


#: A run's final games, every day of its span (one day: start_date = end_date).
SCHEDULE_SQL = f"""
SELECT game_id, game_date, season_year, home_team_tricode, away_team_tricode
FROM {quote_table_id(SCHEDULE.table_id)}
WHERE game_date BETWEEN @start_date AND @end_date
  AND game_status = 3
ORDER BY game_date, game_id
""".strip()  # noqa: S608 - table id validated; values are query parameters


@register_processor(phase="phase_3", date_option="game_date", games_option="game_ids")
class PlayerGameSummaryProcessor(FallbackSourceMixin, QualityMixin, AnalyticsProcessorBase):
    """Phase 3 player game summary (see the module docstring for usage)."""

    PHASE = "phase_3"
    OUTPUT_TABLE = PLAYER_GAME_SUMMARY.table_id
    REPLACE_KEY_COLUMNS = ("game_id",)

    REQUIRED_FIELDS = ["game_id", "player_id", "points", "minutes_played"]
    OPTIONAL_FIELDS = ["plus_minus", "rebounds", "assists", "shot_zones"]
    FIELD_WEIGHTS = {"points": 10.0, "minutes_played": 8.0, "plus_minus": 3.0, "shot_zones": 5.0}

    PRIMARY_SOURCES = ["nbac_gamebook_player_stats"]
    FALLBACK_SOURCES = ["bdl_player_boxscores", "espn_game_boxscore"]
    RECONSTRUCTION_ALLOWED = False

    #: Raw table of each source.
    SOURCE_TABLES = {
        "nbac_gamebook_player_stats": "nba_raw.nbac_gamebook_player_stats",
        "bdl_player_boxscores": "nba_raw.bdl_player_boxscores",
        "espn_game_boxscore": "nba_raw.espn_game_boxscore",
    }
    #: Players expected per game for the sample rule (both rosters' rotation players).
    EXPECTED_PLAYERS_PER_GAME = 10

    #: Queries this instance issued (a per-instance counter once incremented).
    queries_issued = 0

    # -- reading ------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any]) -> pd.DataFrame:
        self.queries_issued = self.queries_issued + 1
        config = bigquery.QueryJobConfig(query_parameters=list(params))
        return self.bq_client.query(sql, job_config=config).to_dataframe()

    def scheduled_final_games(self, game_date: date, end_date: date | None = None) -> pd.DataFrame:
        """Final games (game_status 3) on the schedule for ``game_date`` (through ``end_date``),
        by date and game id."""
        return self._query(SCHEDULE_SQL, span_parameters(game_date, end_date or game_date))

    def fetch_source(self, source: str, game_id: str, game_date: date) -> pd.DataFrame:
        """Rows of one game from one source. Within a run, each source is read once for the
        run's whole span of days (when first needed) and each game's rows are taken from the
        rows filed under its date: what a one-game query gives."""
        table = self.SOURCE_TABLES[source]
        cache = self._date_cache  # exists only within run(), whose days are game_date .. end_date
        if cache is not None and self.game_date <= game_date <= self.end_date:
            rows = cache.get(source)
            if rows is None:
                rows = cache[source] = RowsByDate(self._query(
                    source_query_sql(table, per_game=False), span_parameters(self.game_date, self.end_date)),
                    "game_date", "game_id")
            return rows.rows(game_date, game_id)
        return self._query(
            source_query_sql(table, per_game=True),
            [bigquery.ScalarQueryParameter("game_date", "DATE", game_date),
             bigquery.ScalarQueryParameter("game_id", "STRING", game_id)],
        )

    def fetch_functions(self, game_date: date) -> dict[str, Callable[[str], pd.DataFrame]]:
        """One fetch function per declared source, bound to ``game_date``."""
        return {source: functools.partial(self.fetch_source, source, game_date=game_date)
                for source in self.get_source_order()}

    # -- transforming -------------------------------------------------------------------
    def transform_player_stats(self, data: pd.DataFrame, game_date: date) -> pd.DataFrame:
        """Keep the summary columns a source has (absent optional ones stay absent for scoring)."""
        present = [c for c in _SOURCE_COLUMNS if c in data.columns]
        out = data[present].copy()
        out["game_date"] = game_date
        out["season"] = season_label(game_date)
        return out

    def build_game_rows(self, game_id: str, game_date: date | str) -> tuple[pd.DataFrame | None, dict[str, Any] | None]:
        """Fetch, score and shape one game; returns (rows with quality columns, assessment)."""
        day = parse_game_date(game_date, "game_date")
        if not isinstance(game_id, str) or not game_id.strip():
            raise ValueError(f"game_id must be a non-empty string, got {game_id!r}")
        data, sources_tried = self.fetch_with_fallback(
            game_id, self.fetch_functions(day), game_date=day
        )
        if data is None:
            return None, None
        transformed = self.transform_player_stats(data, day)
        quality = self.assess_quality(
            transformed,
            sources_used=sources_tried,
            game_date=day,
            context={"expected_sample_size": self.EXPECTED_PLAYERS_PER_GAME},
        )
        self.quality_issues.extend(f"{game_id}:{issue}" for issue in quality["issues"])
        usable = self.log_quality_outcome(
            quality, f"game {game_id} from {sources_tried[-1]}", game_id=game_id, game_date=day,
            primary_source=self.PRIMARY_SOURCES[0], fallback_sources_tried=sources_tried)
        if not usable:
            return None, quality
        rows = self.add_quality_columns(transformed, quality)
        rows["processor_run_id"] = self.run_id
        rows["processed_at"] = to_utc_iso(utc_now())
        return rows, quality

    # -- one game -----------------------------------------------------------------------
    #: Within run(): each source is read once for the run's days and sliced per game in memory.
    _date_cache: dict[str, RowsByDate] | None = None

    def process_game(self, game_id: str, game_date: date | str) -> dict[str, Any] | None:
        """Process one game and write its rows now; returns its quality (None if no data).

        Events stay buffered: call :meth:`flush_events` (or use the processor as a context
        manager, or :meth:`run`) to write them.

        Example::

            with PlayerGameSummaryProcessor(bq_client=client) as p:
                p.process_game('0022400561', '2025-01-15')
        """
        rows, quality = self.build_game_rows(game_id, game_date)
        if rows is not None:
            self.load_dataframe_batch(rows, self.OUTPUT_TABLE)
        return quality

    # -- a whole day, or a span of days (the run lifecycle) -------------------------------
    def extract_data(self) -> None:
        self.game_date, self.end_date = run_dates(self.opts)
        self.schedule = restrict_to_games(self.scheduled_final_games(self.game_date, self.end_date),
                                          self.opts.get("game_ids"))
        self.stats["games_scheduled"] = len(self.schedule)

    def transform_data(self) -> None:
        frames: list[pd.DataFrame] = []
        tiers: dict[str, str] = {}
        self._date_cache = {}
        days = [parse_game_date(d, "game_date") for d in self.schedule["game_date"].tolist()]
        try:
            for game_id, day in zip(self.schedule["game_id"].tolist(), days, strict=True):
                rows, quality = self.build_game_rows(game_id, day)
                tiers[game_id] = quality["tier"] if quality else "no_data"
                if rows is not None:
                    frames.append(rows)
        finally:
            self._date_cache = None
        self.transformed = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        self.stats["game_tiers"] = tiers
        self.stats["games_with_data"] = len(frames)

    def save_data(self) -> None:
        self.stats["rows_written"] = self.save_output(self.transformed)


@statement_factory("phase3.player_game_summary")
def _preflight_statements(context: StatementContext) -> Iterator[LibraryStatement]:
    """What this processor sends, for coverage-preflight (shared_services.bigquery.statements)."""
    game_date = bigquery.ScalarQueryParameter("game_date", "DATE", SAMPLE_DATE)
    game_id = bigquery.ScalarQueryParameter("game_id", "STRING", "0022400561")
    span = tuple(span_parameters(SAMPLE_DATE, SAMPLE_DATE))
    yield LibraryStatement("phase3.player_game_summary.schedule", SCHEDULE_SQL, span)
    for source, table in sorted(PlayerGameSummaryProcessor.SOURCE_TABLES.items()):
        yield LibraryStatement(f"phase3.player_game_summary.source.{source}.by_date",
                               source_query_sql(table, per_game=False), span)
        yield LibraryStatement(f"phase3.player_game_summary.source.{source}.by_game",
                               source_query_sql(table, per_game=True), (game_date, game_id))


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
