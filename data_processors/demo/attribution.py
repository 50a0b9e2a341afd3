"""Which injected fault caused which degraded row of the demo (one query per table).

A row is *degraded* when its tier is not gold (no tier at all counts: written outside the
processors). Phase 3 rows name their game; a phase 4 row names the games it was built from
(``source_game_ids``); a phase 5 row is joined to the phase 4 row it was predicted from.
A phase 3 row is charged to its game's fault. A phase 4 / 5 row is charged to the faults of
its input games whose phase 3 player rows are degraded (a fault that left the player rows
gold, such as a team box score filed under the wrong key, degrades no rolling average);
several: ``'kind_a+kind_b'``. Any other degraded row is ``'unexplained'`` - with the clean
history, the demo has none.

Example::

    degraded = attribute_degraded_rows(client, slate, slate.start, slate.end + timedelta(days=1))
    degraded['nba_analytics.player_game_summary']   # {'primary_outage_bdl': {'silver': 26}, ...}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from google.cloud import bigquery

from data_processors.demo.slate import Slate
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import (
    PLAYER_GAME_SUMMARY,
    PLAYER_PROP_PREDICTIONS,
    PLAYER_ROLLING_AVERAGES,
    TEAM_OFFENSE_GAME_SUMMARY,
)
from shared_services.bigquery.statements import SAMPLE_DATE, register_statement

__all__ = ["UNEXPLAINED", "NO_TIER", "attribute_degraded_rows", "unexplained_rows"]

#: Cause of a degraded row no injected fault explains.
UNEXPLAINED = "unexplained"
#: Tier label of rows without a quality tier.
NO_TIER = "no tier"

_NOT_GOLD = "(quality_tier IS NULL OR quality_tier != 'gold')"

# Table ids are validated and back-quoted; values are query parameters. Each query filters
# its table's partition column.
_PHASE3_SQL = """
SELECT [game_id] AS game_ids, quality_tier, COUNT(*) AS row_count
FROM $table
WHERE game_date BETWEEN @start_date AND @end_date
  AND $not_gold
GROUP BY game_id, quality_tier
"""

_PHASE4_SQL = """
SELECT source_game_ids AS game_ids, quality_tier, 1 AS row_count
FROM $phase4
WHERE analysis_date BETWEEN @start_date AND @end_date
  AND $not_gold
"""

_PHASE5_SQL = """
SELECT r.source_game_ids AS game_ids, p.quality_tier, 1 AS row_count
FROM $phase5 AS p
LEFT JOIN (
  SELECT player_id, analysis_date, source_game_ids
  FROM $phase4
  WHERE analysis_date BETWEEN @start_date AND @end_date
) AS r
  ON r.player_id = p.player_id AND r.analysis_date = p.game_date
WHERE p.game_date BETWEEN @start_date AND @end_date
  AND (p.quality_tier IS NULL OR p.quality_tier != 'gold')
"""


def _sql(template: str, **tables: str) -> str:
    text = template.strip().replace("$not_gold", _NOT_GOLD)
    for name, table in tables.items():
        text = text.replace(f"${name}", quote_table_id(table))
    return text


def _queries() -> list[tuple[str, str]]:
    return [
        (PLAYER_GAME_SUMMARY.table_id, _sql(_PHASE3_SQL, table=PLAYER_GAME_SUMMARY.table_id)),
        (TEAM_OFFENSE_GAME_SUMMARY.table_id, _sql(_PHASE3_SQL, table=TEAM_OFFENSE_GAME_SUMMARY.table_id)),
        (PLAYER_ROLLING_AVERAGES.table_id, _sql(_PHASE4_SQL, phase4=PLAYER_ROLLING_AVERAGES.table_id)),
        (PLAYER_PROP_PREDICTIONS.table_id, _sql(_PHASE5_SQL, phase5=PLAYER_PROP_PREDICTIONS.table_id,
                                                phase4=PLAYER_ROLLING_AVERAGES.table_id)),
    ]



# The demo's attribution queries, for coverage-preflight (shared_services.bigquery.statements).
for _table, _query in _queries():
    register_statement(f"demo.attribution.{_table}", _query, [
        bigquery.ScalarQueryParameter("start_date", "DATE", SAMPLE_DATE),
        bigquery.ScalarQueryParameter("end_date", "DATE", SAMPLE_DATE)])

def _cause(game_ids: Iterable[Any], fault_of: dict[str, str]) -> str:
    kinds = sorted({fault_of[str(g)] for g in game_ids if str(g) in fault_of})
    return "+".join(kinds) if kinds else UNEXPLAINED


def attribute_degraded_rows(client: Any, slate: Slate, start: date, end: date) -> dict[str, dict[str, dict[str, int]]]:
    """table -> cause (fault kind or 'unexplained') -> tier -> degraded rows, dates ``start..end``.

    Example::

        attribute_degraded_rows(client, slate, date(2025, 1, 10), date(2025, 1, 17))
    """
    fault_of: dict[str, str] = {}
    for fault in slate.faults:
        fault_of[fault.game_id] = fault.kind
        fault_of[fault.team_key] = fault.kind
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("start_date", "DATE", start),
        bigquery.ScalarQueryParameter("end_date", "DATE", end),
    ])
    out: dict[str, dict[str, dict[str, int]]] = {}
    # Phase 4 / 5 rows inherit from player rows: only faults that degraded player rows count.
    inherited: dict[str, str] = {}
    for table, sql in _queries():
        causes: dict[str, dict[str, int]] = {}
        downstream = table in (PLAYER_ROLLING_AVERAGES.table_id, PLAYER_PROP_PREDICTIONS.table_id)
        for row in client.query(sql, job_config=config).result():
            games = [str(g) for g in (row["game_ids"] if row["game_ids"] is not None else [])]
            tier = NO_TIER if row["quality_tier"] is None else str(row["quality_tier"])
            by_tier = causes.setdefault(_cause(games, inherited if downstream else fault_of), {})
            by_tier[tier] = by_tier.get(tier, 0) + int(row["row_count"])
            if table == PLAYER_GAME_SUMMARY.table_id:
                inherited.update({g: fault_of[g] for g in games if g in fault_of})
        out[table] = {cause: dict(sorted(tiers.items())) for cause, tiers in sorted(causes.items())}
    return out


def unexplained_rows(degraded: dict[str, dict[str, dict[str, int]]]) -> int:
    """Degraded rows no injected fault explains (0 for the demo's clean data).

    Example::

        unexplained_rows({'t': {'unexplained': {'bronze': 2}}})   # 2
    """
    return sum(sum(tiers.values()) for causes in degraded.values()
               for cause, tiers in causes.items() if cause == UNEXPLAINED)
