"""Stale phase 4 rows: rolling averages built from phase 3 rows that were reprocessed since.

When a phase 3 game is reprocessed (backfill, late source, fix), its rows get a new
``quality_calculated_at``. Every phase 4 row built on that game now carries an out-of-date
average and, worse, possibly an out-of-date (too optimistic) inherited quality tier. This
module finds them with ONE query.

**Stale** means: one of the phase 3 rows a phase 4 row was built from (joined on
``player_id`` + each id in ``UNNEST(source_game_ids)``) now has a ``quality_calculated_at``
newer than the newest one the phase 4 row read
(``source_quality_max_calculated_at``; rows written before that column existed fall back to
their own ``quality_calculated_at``). Comparing with what was *read* rather than with when the
phase 4 row was written also catches a phase 3 rewrite that raced the phase 4 run.

**Priority** (most urgent first; ties by more changed inputs, newer analysis date, player):

* ``high``: 3 or more inputs changed, or any changed input's tier now ranks BELOW the row's
  stored tier (worst wins, so the stored tier overstates quality and phase 5 confidence is
  capped too leniently);
* ``medium``: 2 inputs changed (none of them worse than the row's tier);
* ``low``: 1 input changed (not worse than the row's tier).

Both tables require partition filters: phase 4 rows are filtered on
``analysis_date >= @since`` and phase 3 rows on
``game_date BETWEEN @since - lookback AND @today``.

Command line (exit 0: nothing stale; 1: stale rows found, for cron; 2: bad usage;
3: the warehouse failed)::

    coverage-stale [--warehouse URL] [--since 2025-01-01] [--json]

Python::

    stale = find_stale_rows(client, since=date(2025, 1, 1))
    stale[['player_id', 'analysis_date', 'changed_inputs', 'priority']]
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from google.cloud import bigquery

from data_processors.commands.stale import (  # noqa: F401  (re-exported)
    COMMAND,
    DEFAULT_SINCE_DAYS,
    main,
)
from data_processors.precompute.player_rolling_average_processor import (
    PlayerRollingAverageProcessor,
)
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import PLAYER_GAME_SUMMARY, PLAYER_ROLLING_AVERAGES
from shared_services.bigquery.statements import SAMPLE_DATE, register_statement
from shared_services.cli import Outcome
from shared_services.events.serialization import json_safe_value
from shared_services.utils.dates import parse_game_date

__all__ = [
    "DEFAULT_SINCE_DAYS",
    "HIGH_PRIORITY_CHANGED_INPUTS",
    "MEDIUM_PRIORITY_CHANGED_INPUTS",
    "PRIORITIES",
    "stale_rows_sql",
    "find_stale_rows",
    "stale_outcome",
    "main",
]

#: Changed inputs that make a stale row ``high`` priority by themselves.
HIGH_PRIORITY_CHANGED_INPUTS = 3
#: Changed inputs that make a stale row at least ``medium`` priority.
MEDIUM_PRIORITY_CHANGED_INPUTS = 2
#: Priorities, most urgent first.
PRIORITIES: tuple[str, ...] = ("high", "medium", "low")

_TIER_RANK = (
    "CASE {col} WHEN 'gold' THEN 4 WHEN 'silver' THEN 3 WHEN 'bronze' THEN 2 "
    "WHEN 'poor' THEN 1 WHEN 'unusable' THEN 0 END"
)

# Only validated, back-quoted table ids and fixed expressions are substituted; every value is
# a query parameter.
_STALE_TEMPLATE = """
WITH phase4_inputs AS (
  SELECT
    r.player_id,
    r.analysis_date,
    r.quality_tier,
    r.quality_calculated_at,
    COALESCE(r.source_quality_max_calculated_at, r.quality_calculated_at) AS built_from_at,
    source_game_id
  FROM $phase4 AS r, UNNEST(r.source_game_ids) AS source_game_id
  WHERE r.analysis_date >= @since
),
changed AS (
  SELECT
    i.player_id,
    i.analysis_date,
    i.quality_tier,
    i.quality_calculated_at,
    i.built_from_at,
    g.game_id,
    g.quality_calculated_at AS input_calculated_at,
    $input_rank AS input_rank,
    $row_rank AS row_rank
  FROM phase4_inputs AS i
  JOIN $phase3 AS g
    ON g.player_id = i.player_id AND g.game_id = i.source_game_id
  WHERE g.game_date BETWEEN @games_from AND @today
    AND g.quality_calculated_at > i.built_from_at
),
grouped AS (
  SELECT
    player_id,
    analysis_date,
    quality_tier,
    quality_calculated_at,
    built_from_at,
    COUNT(*) AS changed_inputs,
    ARRAY_AGG(game_id ORDER BY game_id) AS changed_game_ids,
    MAX(input_calculated_at) AS newest_input_calculated_at,
    MIN(input_rank) AS worst_input_rank,
    LOGICAL_OR(COALESCE(input_rank < row_rank, FALSE)) AS input_tier_worse
  FROM changed
  GROUP BY player_id, analysis_date, quality_tier, quality_calculated_at, built_from_at
)
SELECT
  player_id,
  analysis_date,
  quality_tier,
  quality_calculated_at,
  built_from_at,
  changed_inputs,
  changed_game_ids,
  newest_input_calculated_at,
  CASE worst_input_rank
    WHEN 0 THEN 'unusable' WHEN 1 THEN 'poor' WHEN 2 THEN 'bronze' WHEN 3 THEN 'silver'
    WHEN 4 THEN 'gold' END AS worst_changed_input_tier,
  input_tier_worse,
  CASE
    WHEN changed_inputs >= @high_inputs OR input_tier_worse THEN 'high'
    WHEN changed_inputs >= @medium_inputs THEN 'medium'
    ELSE 'low'
  END AS priority
FROM grouped
ORDER BY
  CASE WHEN changed_inputs >= @high_inputs OR input_tier_worse THEN 0
       WHEN changed_inputs >= @medium_inputs THEN 1 ELSE 2 END,
  changed_inputs DESC,
  analysis_date DESC,
  player_id
""".strip()


def stale_rows_sql(
    phase4_table: str = PLAYER_ROLLING_AVERAGES.table_id,
    phase3_table: str = PLAYER_GAME_SUMMARY.table_id,
) -> str:
    """The staleness query (BigQuery SQL).

    Parameters: ``@since``, ``@games_from``, ``@today`` (DATE) and ``@high_inputs``,
    ``@medium_inputs`` (INT64).

    Example::

        sql = stale_rows_sql()
        assert 'UNNEST(r.source_game_ids)' in sql
    """
    return (
        _STALE_TEMPLATE.replace("$phase4", quote_table_id(phase4_table))
        .replace("$phase3", quote_table_id(phase3_table))
        .replace("$input_rank", _TIER_RANK.format(col="g.quality_tier"))
        .replace("$row_rank", _TIER_RANK.format(col="i.quality_tier"))
    )


# The statement find_stale_rows sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("staleness.stale_rows", stale_rows_sql(), [
    bigquery.ScalarQueryParameter("since", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("games_from", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("today", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("high_inputs", "INT64", HIGH_PRIORITY_CHANGED_INPUTS),
    bigquery.ScalarQueryParameter("medium_inputs", "INT64", MEDIUM_PRIORITY_CHANGED_INPUTS),
])


def find_stale_rows(
    client: Any,
    since: date | str | None = None,
    *,
    today: date | str | None = None,
    lookback_days: int | None = None,
    phase4_table: str = PLAYER_ROLLING_AVERAGES.table_id,
    phase3_table: str = PLAYER_GAME_SUMMARY.table_id,
) -> pd.DataFrame:
    """Phase 4 rows built from phase 3 rows reprocessed since, most urgent first (ONE query).

    Args:
        client: a BigQuery client (or the embedded one).
        since: earliest analysis date examined (default: ``today`` - 30 days).
        today: latest game date read from phase 3 (default: the current UTC date).
        lookback_days: how far before ``since`` phase 3 games may lie (default: the phase 4
            processor's ``LOOKBACK_DAYS``, the window the rows were built from).

    Returns:
        One row per stale phase 4 row: ``player_id``, ``analysis_date``, ``quality_tier``,
        ``quality_calculated_at``, ``built_from_at``, ``changed_inputs``,
        ``changed_game_ids``, ``newest_input_calculated_at``, ``worst_changed_input_tier``,
        ``input_tier_worse``, ``priority`` (see the module docstring).

    Example::

        stale = find_stale_rows(client, since='2025-01-01')
        if not stale.empty:
            rerun = stale.loc[stale['priority'] == 'high', 'analysis_date'].unique()
    """
    end = parse_game_date(today, "today") if today is not None else datetime.now(UTC).date()
    start = parse_game_date(since, "since") if since is not None else end - timedelta(days=DEFAULT_SINCE_DAYS)
    days = PlayerRollingAverageProcessor.LOOKBACK_DAYS if lookback_days is None else lookback_days
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"lookback_days must be an int >= 0; got {lookback_days!r}")
    params = [
        bigquery.ScalarQueryParameter("since", "DATE", start),
        bigquery.ScalarQueryParameter("games_from", "DATE", start - timedelta(days=days)),
        bigquery.ScalarQueryParameter("today", "DATE", end),
        bigquery.ScalarQueryParameter("high_inputs", "INT64", HIGH_PRIORITY_CHANGED_INPUTS),
        bigquery.ScalarQueryParameter("medium_inputs", "INT64", MEDIUM_PRIORITY_CHANGED_INPUTS),
    ]
    config = bigquery.QueryJobConfig(query_parameters=params)
    return client.query(stale_rows_sql(phase4_table, phase3_table), job_config=config).to_dataframe()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [json_safe_value(record) for record in frame.to_dict("records")]


def _table(records: list[dict[str, Any]]) -> str:
    headers = ("priority", "player_id", "analysis_date", "tier", "changed", "worst input", "games")
    lines = [
        (
            str(r["priority"]), str(r["player_id"]), str(r["analysis_date"]),
            str(r["quality_tier"]), str(r["changed_inputs"]),
            str(r["worst_changed_input_tier"]), ",".join(r["changed_game_ids"] or []),
        )
        for r in records
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def stale_outcome(client: Any, since: date | None) -> Outcome:
    """What ``coverage-stale --since D`` prints and exits with: one warning per stale row.

    Example::

        stale_outcome(make_client('duckdb:///demo_out/demo.duckdb'), date(2025, 1, 1)).text
    """
    records = _records(find_stale_rows(client, since))
    if records:
        text = f"{_table(records)}\n\n{len(records)} stale row(s)"
    else:
        text = "no stale rows"
    return Outcome(text=text, data=records, found=["warning"] * len(records))


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
