"""Phase 4 rows to re-build after the phase 3 rows of some games were (re)written.

Two kinds, both limited to the given games:

* **stale**: the row was built from one of the games and that game's phase 3 rows are newer
  than what the row read (:func:`~data_processors.precompute.staleness.find_stale_rows`);
* **missing input**: the row belongs to a player of one of the games, its analysis date is
  after the game, and the game is NOT among its ``source_game_ids`` although it belongs in the
  window (the row holds fewer games than the window, or the game is not older than the row's
  oldest game). This is the game that was never processed when the row was built: staleness
  cannot see it, because the row never read it.

Two queries (staleness, then the missing-input query), whatever the number of games.

Example::

    rows = find_dependent_rows(client, ['0022400627'], first_game_date=date(2025, 1, 13),
                               last_game_date=date(2025, 1, 13), today=date(2025, 1, 17))
    rows.groupby('analysis_date')['player_id'].apply(list)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from google.cloud import bigquery

from data_processors.precompute.player_rolling_average_processor import (
    PlayerRollingAverageProcessor,
)
from data_processors.precompute.staleness import find_stale_rows
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import PLAYER_GAME_SUMMARY, PLAYER_ROLLING_AVERAGES
from shared_services.bigquery.statements import SAMPLE_DATE, register_statement
from shared_services.utils.dates import parse_game_date

__all__ = ["missing_input_sql", "find_dependent_rows"]

# Only validated, back-quoted table ids are substituted; every value is a query parameter.
# Membership test as EXISTS over UNNEST (BigQuery "Subqueries: EXISTS subquery" and "UNNEST
# operator", query-syntax reference): the same construct health.py sends. ARRAY_AGG has an
# ORDER BY but no DISTINCT: BigQuery rejects DISTINCT with an ORDER BY on another expression
# ("Aggregate function calls", aggregate-function-calls reference); `healed` is already
# distinct per (player, game).
_MISSING_INPUT_TEMPLATE = """
WITH healed AS (
  SELECT DISTINCT player_id, game_id, game_date
  FROM $phase3
  WHERE game_date BETWEEN @first_game_date AND @last_game_date
    AND game_id IN UNNEST(@game_ids)
)
SELECT
  r.player_id,
  r.analysis_date,
  ARRAY_AGG(h.game_id ORDER BY h.game_id) AS missing_game_ids
FROM $phase4 AS r
JOIN healed AS h
  ON h.player_id = r.player_id
WHERE r.analysis_date > @first_game_date
  AND r.analysis_date <= @today
  AND r.analysis_date > h.game_date
  AND NOT EXISTS (SELECT 1 FROM UNNEST(r.source_game_ids) AS source_game_id
                  WHERE source_game_id = h.game_id)
  AND (r.games_in_sample < @window OR h.game_date >= r.first_game_date)
GROUP BY r.player_id, r.analysis_date
ORDER BY r.analysis_date, r.player_id
""".strip()


def missing_input_sql(
    phase4_table: str = PLAYER_ROLLING_AVERAGES.table_id,
    phase3_table: str = PLAYER_GAME_SUMMARY.table_id,
) -> str:
    """The missing-input query (BigQuery SQL).

    Parameters: ``@game_ids`` (ARRAY<STRING>), ``@first_game_date``, ``@last_game_date``,
    ``@today`` (DATE) and ``@window`` (INT64, the rolling window).

    Example::

        assert 'UNNEST(r.source_game_ids)' in missing_input_sql()
    """
    return (
        _MISSING_INPUT_TEMPLATE.replace("$phase4", quote_table_id(phase4_table))
        .replace("$phase3", quote_table_id(phase3_table))
    )



# The statement the heal sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("heal.phase4_missing_input", missing_input_sql(), [
    bigquery.ArrayQueryParameter("game_ids", "STRING", ["0022400561"]),
    bigquery.ScalarQueryParameter("first_game_date", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("last_game_date", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("today", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("window", "INT64", PlayerRollingAverageProcessor.ROLLING_WINDOW),
])

def find_dependent_rows(
    client: Any,
    game_ids: Sequence[str],
    *,
    first_game_date: date | str,
    last_game_date: date | str,
    today: date | str | None = None,
    phase4_table: str = PLAYER_ROLLING_AVERAGES.table_id,
    phase3_table: str = PLAYER_GAME_SUMMARY.table_id,
    window: int = PlayerRollingAverageProcessor.ROLLING_WINDOW,
) -> pd.DataFrame:
    """Phase 4 rows that depend on ``game_ids`` (played ``first_game_date..last_game_date``).

    Returns one row per (``player_id``, ``analysis_date``) with ``reasons`` ('stale',
    'missing_input' or both, comma-separated) and ``game_ids`` (the given games involved),
    sorted by analysis date and player. Empty when nothing depends on the games.

    Example::

        rows = find_dependent_rows(client, ['0022400627'], first_game_date='2025-01-13',
                                   last_game_date='2025-01-13')
    """
    ids = sorted({str(g) for g in game_ids})
    columns = ["player_id", "analysis_date", "reasons", "game_ids"]
    if not ids:
        return pd.DataFrame(columns=columns)
    first = parse_game_date(first_game_date, "first_game_date")
    last = parse_game_date(last_game_date, "last_game_date")
    if last < first:
        raise ValueError(f"last_game_date {last} is before first_game_date {first}")
    end = parse_game_date(today, "today") if today is not None else datetime.now(UTC).date()
    found: dict[tuple[str, date], tuple[set[str], set[str]]] = {}

    stale = find_stale_rows(client, since=first + timedelta(days=1), today=end,
                            phase4_table=phase4_table, phase3_table=phase3_table)
    wanted = set(ids)
    for record in stale.to_dict("records"):
        touched = wanted & {str(g) for g in (record["changed_game_ids"] if record["changed_game_ids"] is not None else [])}
        if touched:
            key = (str(record["player_id"]), parse_game_date(record["analysis_date"], "analysis_date"))
            reasons, games = found.setdefault(key, (set(), set()))
            reasons.add("stale")
            games.update(touched)

    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ArrayQueryParameter("game_ids", "STRING", ids),
        bigquery.ScalarQueryParameter("first_game_date", "DATE", first),
        bigquery.ScalarQueryParameter("last_game_date", "DATE", last),
        bigquery.ScalarQueryParameter("today", "DATE", end),
        bigquery.ScalarQueryParameter("window", "INT64", int(window)),
    ])
    missing = client.query(missing_input_sql(phase4_table, phase3_table), job_config=config).to_dataframe()
    for record in missing.to_dict("records"):
        key = (str(record["player_id"]), parse_game_date(record["analysis_date"], "analysis_date"))
        reasons, games = found.setdefault(key, (set(), set()))
        reasons.add("missing_input")
        games.update(str(g) for g in record["missing_game_ids"])

    rows = [
        {"player_id": player, "analysis_date": day, "reasons": ",".join(sorted(reasons)),
         "game_ids": sorted(games)}
        for (player, day), (reasons, games) in sorted(found.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    return pd.DataFrame(rows, columns=columns)
