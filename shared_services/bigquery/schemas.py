"""Table schemas, written once as ``google.cloud.bigquery.SchemaField`` lists.

They drive both the BigQuery DDL (``coverage-setup --print-ddl``) and the tables of the
embedded DuckDB warehouse; the per-game coverage summary is a table function
(:data:`GAME_COVERAGE_SUMMARY_FUNCTION`). See SCHEMA.md in the design folder for the column notes.

Example::

    from shared_services.bigquery.schemas import COVERAGE_LOG, TABLES
    print(COVERAGE_LOG.table_id, [f.name for f in COVERAGE_LOG.schema][:3])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from google.cloud.bigquery import SchemaField

__all__ = [
    "TableSpec",
    "ViewSpec",
    "COVERAGE_LOG",
    "COVERAGE_LOG_TABLE",
    "COVERAGE_LOG_SCHEMA",
    "QUALITY_COLUMNS_SCHEMA",
    "QUALITY_COLUMN_NAMES",
    "SCHEDULE",
    "GAMEBOOK_PLAYER_STATS",
    "BDL_PLAYER_BOXSCORES",
    "ESPN_GAME_BOXSCORE",
    "TEAM_BOXSCORE",
    "PLAYER_GAME_SUMMARY",
    "TEAM_OFFENSE_GAME_SUMMARY",
    "PLAYER_ROLLING_AVERAGES",
    "PLAYER_PROP_PREDICTIONS",
    "GAME_COVERAGE_SUMMARY_FUNCTION",
    "SUMMARY_EVENT_LOOKBEHIND_DAYS",
    "TableFunctionSpec",
    "TABLES",
    "VIEWS",
    "TABLE_FUNCTIONS",
    "OBSOLETE_VIEWS",
    "DATASETS",
    "table_spec",
]


def _f(name: str, type_: str, mode: str = "NULLABLE", description: str | None = None) -> SchemaField:
    if description is None:
        return SchemaField(name, type_, mode=mode)
    return SchemaField(name, type_, mode=mode, description=description)


@dataclass(frozen=True)
class TableSpec:
    """A table the library owns or reads: id, schema and BigQuery storage options.

    Example::

        spec = TableSpec('nba_raw.x', [SchemaField('game_date', 'DATE')], partition_field='game_date')
        spec.dataset  # 'nba_raw'
    """

    table_id: str
    schema: list[SchemaField]
    partition_field: str | None = None
    #: BigQuery partitions a TIMESTAMP column by DATE(column); a DATE column by itself.
    clustering_fields: list[str] = field(default_factory=list)
    require_partition_filter: bool = False
    partition_expiration_days: int | None = None
    description: str = ""

    @property
    def dataset(self) -> str:
        return self.table_id.split(".")[0]

    @property
    def name(self) -> str:
        return self.table_id.split(".")[1]

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.schema]


@dataclass(frozen=True)
class ViewSpec:
    """A view, defined in BigQuery SQL (transpiled for the embedded warehouse)."""

    view_id: str
    sql: str
    description: str = ""

    @property
    def dataset(self) -> str:
        return self.view_id.split(".")[0]


# --------------------------------------------------------------------------------------
# nba_reference.source_coverage_log
# --------------------------------------------------------------------------------------
COVERAGE_LOG_TABLE = "nba_reference.source_coverage_log"

COVERAGE_LOG_SCHEMA: list[SchemaField] = [
    _f("event_id", "STRING", "REQUIRED", "uuid4"),
    _f("batch_id", "STRING", description="groups the events of one flush"),
    _f("event_timestamp", "TIMESTAMP", "REQUIRED", "UTC"),
    _f("event_type", "STRING", "REQUIRED"),
    _f("severity", "STRING", "REQUIRED", "critical / warning / info"),
    _f("is_synthetic", "BOOL", description="true when written by the audit"),
    _f("phase", "STRING"),
    _f("table_name", "STRING"),
    _f("processor_name", "STRING"),
    _f("game_id", "STRING"),
    _f("game_date", "DATE"),
    _f("season", "STRING"),
    _f("player_id", "STRING"),
    _f("team_abbr", "STRING"),
    _f("description", "STRING"),
    _f("primary_source", "STRING"),
    _f("primary_source_status", "STRING"),
    _f("fallback_sources_tried", "STRING", "REPEATED"),
    _f("resolution", "STRING"),
    _f("resolution_details", "STRING"),
    _f("quality_tier_before", "STRING"),
    _f("quality_tier_after", "STRING"),
    _f("quality_score_before", "FLOAT64"),
    _f("quality_score_after", "FLOAT64"),
    _f("downstream_impact", "STRING"),
    _f("requires_alert", "BOOL"),
    _f("alert_sent", "BOOL"),
    _f("alert_channel", "STRING"),
    _f("alert_sent_at", "TIMESTAMP"),
    _f("is_resolved", "BOOL"),
    _f("resolved_at", "TIMESTAMP"),
    _f("resolution_method", "STRING"),
    _f("resolved_by", "STRING"),
    _f("created_at", "TIMESTAMP"),
    _f("processor_run_id", "STRING"),
    _f("environment", "STRING"),
]

COVERAGE_LOG = TableSpec(
    COVERAGE_LOG_TABLE,
    COVERAGE_LOG_SCHEMA,
    partition_field="event_timestamp",
    clustering_fields=["severity", "event_type", "game_id"],
    require_partition_filter=True,
    partition_expiration_days=730,
    description="Append-only source coverage event log (one row per event).",
)

# --------------------------------------------------------------------------------------
# Standard quality columns (every phase 3+ output table)
# --------------------------------------------------------------------------------------
QUALITY_COLUMNS_SCHEMA: list[SchemaField] = [
    _f("quality_tier", "STRING"),
    _f("quality_score", "FLOAT64"),
    _f("quality_issues", "STRING", "REPEATED"),
    _f("data_sources", "STRING", "REPEATED"),
    _f("quality_sample_size", "INT64"),
    _f("quality_used_fallback", "BOOL"),
    _f("quality_reconstructed", "BOOL"),
    _f("quality_calculated_at", "TIMESTAMP"),
    _f("quality_metadata", "JSON"),
]
QUALITY_COLUMN_NAMES: list[str] = [f.name for f in QUALITY_COLUMNS_SCHEMA]

# --------------------------------------------------------------------------------------
# Tables the audit and the example processors read (as the real platform has them)
# --------------------------------------------------------------------------------------
SCHEDULE = TableSpec(
    "nba_raw.nbac_schedule",
    [
        _f("game_id", "STRING", "REQUIRED", "NBA game id, e.g. 0022400561"),
        _f("game_date", "DATE", "REQUIRED"),
        _f("season_year", "INT64", description="first year of the season, 2024 for 2024-25"),
        _f("game_status", "INT64", description="1 scheduled, 2 live, 3 final"),
        _f("home_team_tricode", "STRING"),
        _f("away_team_tricode", "STRING"),
        _f("game_date_est", "TIMESTAMP", description="scheduled tip-off"),
    ],
    partition_field="game_date",
    clustering_fields=["game_id"],
    require_partition_filter=True,
    description="NBA.com schedule: what should exist.",
)

_PLAYER_BOX = [
    _f("game_id", "STRING", "REQUIRED", "NBA game id"),
    _f("game_date", "DATE", "REQUIRED"),
    _f("player_id", "STRING", "REQUIRED"),
    _f("player_name", "STRING"),
    _f("team_abbr", "STRING"),
    _f("minutes_played", "FLOAT64"),
    _f("points", "INT64"),
    _f("rebounds", "INT64"),
    _f("assists", "INT64"),
    _f("plus_minus", "INT64"),
    _f("shot_zones", "STRING", description="JSON text of shot zone counts"),
    _f("scraped_at", "TIMESTAMP"),
]


def _raw_player_table(table_id: str, description: str) -> TableSpec:
    return TableSpec(
        table_id,
        list(_PLAYER_BOX),
        partition_field="game_date",
        clustering_fields=["game_id", "player_id"],
        require_partition_filter=True,
        description=description,
    )


GAMEBOOK_PLAYER_STATS = _raw_player_table(
    "nba_raw.nbac_gamebook_player_stats", "NBA.com gamebook player stats (primary source)."
)
BDL_PLAYER_BOXSCORES = _raw_player_table(
    "nba_raw.bdl_player_boxscores", "Ball Don't Lie player box scores (fallback)."
)
ESPN_GAME_BOXSCORE = _raw_player_table(
    "nba_raw.espn_game_boxscore", "ESPN player box scores (fallback)."
)

TEAM_BOXSCORE = TableSpec(
    "nba_raw.nbac_team_boxscore",
    [
        _f("game_id", "STRING", "REQUIRED", "game key YYYYMMDD_AWAY_HOME, e.g. 20250115_LAL_BOS"),
        _f("nba_game_id", "STRING", description="NBA game id when known"),
        _f("game_date", "DATE", "REQUIRED"),
        _f("team_abbr", "STRING", "REQUIRED"),
        _f("is_home", "BOOL"),
        _f("points", "INT64"),
        _f("rebounds", "INT64"),
        _f("assists", "INT64"),
        _f("scraped_at", "TIMESTAMP"),
    ],
    partition_field="game_date",
    clustering_fields=["game_id"],
    require_partition_filter=True,
    description="NBA.com team box scores, keyed YYYYMMDD_AWAY_HOME.",
)

PLAYER_GAME_SUMMARY = TableSpec(
    "nba_analytics.player_game_summary",
    [
        _f("game_id", "STRING", "REQUIRED", "NBA game id"),
        _f("game_date", "DATE", "REQUIRED"),
        _f("season", "STRING"),
        _f("player_id", "STRING", "REQUIRED"),
        _f("player_name", "STRING"),
        _f("team_abbr", "STRING"),
        _f("minutes_played", "FLOAT64"),
        _f("points", "INT64"),
        _f("rebounds", "INT64"),
        _f("assists", "INT64"),
        _f("plus_minus", "INT64"),
        _f("shot_zones", "STRING"),
        *QUALITY_COLUMNS_SCHEMA,
        _f("processor_run_id", "STRING"),
        _f("processed_at", "TIMESTAMP"),
    ],
    partition_field="game_date",
    clustering_fields=["player_id", "game_id"],
    require_partition_filter=True,
    description="Phase 3: one row per player per game, with quality columns.",
)

TEAM_OFFENSE_GAME_SUMMARY = TableSpec(
    "nba_analytics.team_offense_game_summary",
    [
        _f("game_id", "STRING", "REQUIRED", "game key YYYYMMDD_AWAY_HOME"),
        _f("game_date", "DATE", "REQUIRED"),
        _f("team_abbr", "STRING", "REQUIRED"),
        _f("points", "INT64"),
        _f("assists", "INT64"),
        *QUALITY_COLUMNS_SCHEMA,
        _f("processed_at", "TIMESTAMP"),
    ],
    partition_field="game_date",
    clustering_fields=["game_id"],
    require_partition_filter=True,
    description="Phase 3: team offense per game, keyed YYYYMMDD_AWAY_HOME.",
)

PLAYER_ROLLING_AVERAGES = TableSpec(
    "nba_precompute.player_rolling_averages",
    [
        _f("player_id", "STRING", "REQUIRED"),
        _f("analysis_date", "DATE", "REQUIRED", "averages over games strictly before this date"),
        _f("player_name", "STRING"),
        _f("games_in_sample", "INT64"),
        _f("avg_points", "FLOAT64"),
        _f("avg_rebounds", "FLOAT64"),
        _f("avg_assists", "FLOAT64"),
        _f("first_game_date", "DATE"),
        _f("last_game_date", "DATE"),
        _f("source_game_ids", "STRING", "REPEATED"),
        *QUALITY_COLUMNS_SCHEMA,
        _f("team_abbr", "STRING", description="team of the player's most recent game in the sample"),
        _f("stddev_points", "FLOAT64", description="sample standard deviation of points"),
        _f("source_quality_max_calculated_at", "TIMESTAMP",
           description="newest quality_calculated_at of the phase 3 inputs read (staleness)"),
        _f("processor_run_id", "STRING"),
        _f("processed_at", "TIMESTAMP"),
    ],
    partition_field="analysis_date",
    clustering_fields=["player_id"],
    require_partition_filter=True,
    description="Phase 4: rolling averages with worst-wins inherited quality.",
)

PLAYER_PROP_PREDICTIONS = TableSpec(
    "nba_predictions.player_prop_predictions",
    [
        _f("prediction_id", "STRING", "REQUIRED"),
        _f("game_date", "DATE", "REQUIRED"),
        _f("game_id", "STRING"),
        _f("player_id", "STRING", "REQUIRED"),
        _f("predicted_points", "FLOAT64"),
        _f("base_confidence", "FLOAT64"),
        _f("final_confidence", "FLOAT64"),
        _f("confidence_capped", "BOOL"),
        _f("quality_tier", "STRING"),
        _f("quality_score", "FLOAT64"),
        _f("quality_issues", "STRING", "REPEATED"),
        _f("model_version", "STRING"),
        _f("prediction_timestamp", "TIMESTAMP"),
        _f("processor_run_id", "STRING"),
    ],
    partition_field="game_date",
    clustering_fields=["player_id"],
    require_partition_filter=True,
    description="Phase 5: predictions with quality-capped confidence.",
)

TABLES: list[TableSpec] = [
    COVERAGE_LOG,
    SCHEDULE,
    GAMEBOOK_PLAYER_STATS,
    BDL_PLAYER_BOXSCORES,
    ESPN_GAME_BOXSCORE,
    TEAM_BOXSCORE,
    PLAYER_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    PLAYER_ROLLING_AVERAGES,
    PLAYER_PROP_PREDICTIONS,
]

# --------------------------------------------------------------------------------------
# nba_reference.game_source_coverage_summary(start_date, end_date) (table function)
#
# It replaces a view of the same name that BigQuery could never answer: the view aggregated
# the log (require_partition_filter on event_timestamp) and exposed no column through which a
# caller's filter reached that scan, so every query of it failed with "Cannot query over
# table ... without a filter over column(s) 'event_timestamp'". A table function takes the
# date range as arguments and filters the log's partition column with them, and a table
# function "can be used anywhere a table can" (BigQuery docs, "Table functions",
# https://cloud.google.com/bigquery/docs/table-functions). Argument names differ from every
# log column on purpose: a column of the same name would win over the argument (same page,
# "Parameter names"). The body compares the BARE partition column with an expression of the
# arguments only, the shape BigQuery can prune on and accepts for require_partition_filter
# (BigQuery docs, "Query partitioned tables", best practices: filter on the partitioning
# column with a constant expression, https://cloud.google.com/bigquery/docs/querying-partitioned-tables);
# coverage-preflight dry-runs a call of the function on the user's project to prove it.
#
# Worst severity and tier are taken by explicit rank, never MAX() over the strings.
# --------------------------------------------------------------------------------------
_SEVERITY_RANK_SQL = (
    "CASE severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 WHEN 'info' THEN 0 END"
)
_TIER_RANK_SQL = (
    "CASE quality_tier_after WHEN 'gold' THEN 4 WHEN 'silver' THEN 3 WHEN 'bronze' THEN 2 "
    "WHEN 'poor' THEN 1 WHEN 'unusable' THEN 0 END"
)

#: Events about a game are looked for from this many days before the first game date on
#: (processing may run the day before), up to now (audits and backfills write later).
SUMMARY_EVENT_LOOKBEHIND_DAYS = 1

_GAME_COVERAGE_SUMMARY_BODY = f"""
SELECT
  game_id,
  game_date,
  season,
  ARRAY_AGG(DISTINCT event_type IGNORE NULLS) AS event_types,
  COUNT(*) AS event_count,
  COUNT(DISTINCT player_id) AS players_affected,
  LOGICAL_OR(COALESCE(is_synthetic, FALSE)) AS has_synthetic_events,
  CASE MAX({_SEVERITY_RANK_SQL})
    WHEN 2 THEN 'critical' WHEN 1 THEN 'warning' WHEN 0 THEN 'info' END AS worst_severity,
  COUNTIF(severity = 'critical') AS critical_count,
  COUNTIF(severity = 'warning') AS warning_count,
  COUNTIF(severity = 'info') AS info_count,
  LOGICAL_OR(severity = 'critical' AND NOT COALESCE(is_resolved, FALSE)) AS has_unresolved_critical,
  COUNTIF(NOT COALESCE(is_resolved, FALSE)) AS unresolved_count,
  MIN(quality_score_after) AS min_quality_score,
  MAX(quality_score_after) AS max_quality_score,
  AVG(quality_score_after) AS avg_quality_score,
  CASE MIN({_TIER_RANK_SQL})
    WHEN 0 THEN 'unusable' WHEN 1 THEN 'poor' WHEN 2 THEN 'bronze' WHEN 3 THEN 'silver'
    WHEN 4 THEN 'gold' END AS overall_tier,
  ARRAY_AGG(DISTINCT primary_source IGNORE NULLS) AS primary_sources,
  MIN(event_timestamp) AS first_event_at,
  MAX(event_timestamp) AS last_event_at
FROM {{coverage_log}}
WHERE event_timestamp >= TIMESTAMP(DATE_SUB(start_date, INTERVAL {SUMMARY_EVENT_LOOKBEHIND_DAYS} DAY))
  AND game_date BETWEEN start_date AND end_date
  AND game_id IS NOT NULL
GROUP BY game_id, game_date, season
""".strip()


@dataclass(frozen=True)
class TableFunctionSpec:
    """A BigQuery table function (TVF): typed arguments and a body over the library's tables.

    The body names the tables it reads as ``{placeholders}`` (``references`` maps each
    placeholder to a ``dataset.table`` id) so that :meth:`body` can qualify them with a
    project: inside a function, a two-part name resolves against the project that RUNS the
    query, not the one holding the function.

    Example::

        spec = GAME_COVERAGE_SUMMARY_FUNCTION
        print(spec.body('my-project'))      # FROM `my-project.nba_reference.source_coverage_log`
        spec.call_sql('@start', '@end')     # 'SELECT * FROM `nba_reference....`(@start, @end)'
    """

    function_id: str
    arguments: tuple[tuple[str, str], ...]
    body_template: str
    references: tuple[tuple[str, str], ...]
    description: str = ""

    @property
    def dataset(self) -> str:
        return self.function_id.split(".")[0]

    @property
    def name(self) -> str:
        return self.function_id.split(".")[1]

    def qualified_id(self, project: str | None = None) -> str:
        """``project.dataset.function`` when a project is given, else ``dataset.function``."""
        return f"{project}.{self.function_id}" if project else self.function_id

    def body(self, project: str | None = None) -> str:
        """The function's SELECT, with every table reference fully qualified when ``project``."""
        mapping = {
            key: f"`{project}.{table_id}`" if project else f"`{table_id}`"
            for key, table_id in self.references
        }
        return self.body_template.format(**mapping)

    def call_sql(self, *arguments: str, project: str | None = None) -> str:
        """``SELECT * FROM `fn`(args)``: how a caller queries the function."""
        return f"SELECT * FROM `{self.qualified_id(project)}`({', '.join(arguments)})"


GAME_COVERAGE_SUMMARY_FUNCTION = TableFunctionSpec(
    "nba_reference.game_source_coverage_summary",
    (("start_date", "DATE"), ("end_date", "DATE")),
    _GAME_COVERAGE_SUMMARY_BODY,
    (("coverage_log", COVERAGE_LOG_TABLE),),
    description=(
        "One row per game with game_date in [start_date, end_date]: worst severity and tier by "
        "rank. Reads log partitions from the day before start_date on."
    ),
)

#: Views the library creates. None today: a view over the log can never carry the partition
#: filter BigQuery requires (see GAME_COVERAGE_SUMMARY_FUNCTION).
VIEWS: list[ViewSpec] = []

#: Table functions the library creates.
TABLE_FUNCTIONS: list[TableFunctionSpec] = [GAME_COVERAGE_SUMMARY_FUNCTION]

#: Objects earlier versions created that setup removes (only when they are still views).
OBSOLETE_VIEWS: list[str] = ["nba_reference.game_source_coverage_summary"]

DATASETS: list[str] = sorted(
    {t.dataset for t in TABLES} | {v.dataset for v in VIEWS} | {f.dataset for f in TABLE_FUNCTIONS}
)


def table_spec(table_id: str) -> TableSpec:
    """Look up a known table by ``dataset.table`` id; ``KeyError`` names it if unknown.

    Example::

        table_spec('nba_reference.source_coverage_log').partition_field  # 'event_timestamp'
    """
    for spec in TABLES:
        if spec.table_id == table_id:
            return spec
    raise KeyError(f"no schema is defined for table {table_id!r}")
