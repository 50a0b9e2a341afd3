"""``coverage-replay``: load spilled event batches, exactly once, however often it runs.

    coverage-replay [--warehouse URL] [--dir DIR]

Each spilled file is loaded under the job id its original flush used. Two guards keep that
exactly-once: rows whose ``event_id`` is already in the log are skipped (one parameterized,
partition-filtered query per file), and a ``Conflict`` on the job id means that load already
ran. A replayed file moves to ``DIR/replayed/``. Exit status: 0 when every file was replayed
(or there was nothing to do), 1 when some file failed (it stays in the spool).

Example (Python)::

    report = replay_dead_letters(make_client(), DeadLetterSpool('/var/spool/coverage'))
    report.rows_loaded, report.files_failed
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.identifiers import quote_table_id, validate_table_id
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, table_spec
from shared_services.bigquery.statements import SAMPLE_TIME, register_statement
from shared_services.events.dead_letter import DeadLetterSpool, SpilledBatch
from shared_services.events.serialization import json_safe_rows
from shared_services.events.sink import RetryPolicy, load_rows_exactly_once

DEFAULT_RETRY_POLICY = RetryPolicy()

__all__ = ["ReplayReport", "replay_dead_letters", "main"]

logger = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    """What one replay did."""

    files_replayed: list[str] = field(default_factory=list)
    files_failed: dict[str, str] = field(default_factory=dict)
    rows_loaded: int = 0
    rows_already_present: int = 0


def _schema_for(client: Any, table: str) -> list[bigquery.SchemaField]:
    try:
        return list(table_spec(table).schema)
    except KeyError:
        return list(client.get_table(table).schema)


def already_present_sql(table: str) -> str:
    """Which of ``@ids`` are already in ``table`` (``@low`` / ``@high``: the partition filter)."""
    return (
        f"SELECT event_id FROM {quote_table_id(table)} "  # noqa: S608 - validated table id
        "WHERE event_timestamp BETWEEN @low AND @high AND event_id IN UNNEST(@ids)"
    )


# The statement replay sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("replay.already_present", already_present_sql(COVERAGE_LOG_TABLE), [
    bigquery.ScalarQueryParameter("low", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ScalarQueryParameter("high", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ArrayQueryParameter("ids", "STRING", ["00000000-0000-4000-8000-000000000000"]),
])


def _already_present(client: Any, table: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Event ids of ``rows`` already in ``table`` (one query, filtered on the partition)."""
    ids = [str(r["event_id"]) for r in rows if r.get("event_id")]
    stamps = [str(r["event_timestamp"]) for r in rows if r.get("event_timestamp")]
    if not ids or not stamps:
        return set()
    parsed = [pd.Timestamp(s) for s in stamps]
    low = min(parsed) - pd.Timedelta(days=1)
    high = max(parsed) + pd.Timedelta(days=1)
    sql = already_present_sql(table)
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("low", "TIMESTAMP", low.to_pydatetime()),
        bigquery.ScalarQueryParameter("high", "TIMESTAMP", high.to_pydatetime()),
        bigquery.ArrayQueryParameter("ids", "STRING", ids),
    ])
    try:
        return {row["event_id"] for row in client.query(sql, job_config=config).result()}
    except gexc.NotFound:
        return set()


def replay_batch(
    client: Any,
    batch: SpilledBatch,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int]:
    """Load one spilled batch exactly once; returns (rows loaded, rows already present)."""
    table = validate_table_id(batch.table)
    schema = _schema_for(client, table)
    rows = json_safe_rows(batch.rows, schema)
    present = _already_present(client, table, rows) if any("event_id" in r for r in rows) else set()
    remaining = [r for r in rows if r.get("event_id") not in present]
    if not remaining:
        return 0, len(rows)
    outcome = load_rows_exactly_once(client, table, remaining, schema, batch.job_id, policy=policy, sleep=sleep)
    loaded = 0 if outcome.already_loaded else outcome.written
    return loaded, len(rows) - loaded


def replay_dead_letters(
    client: Any,
    spool: DeadLetterSpool,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> ReplayReport:
    """Replay every pending file in ``spool``; a failing file stays for the next run.

    Example::

        replay_dead_letters(client, DeadLetterSpool()).files_replayed
    """
    report = ReplayReport()
    for batch in spool.pending():
        try:
            loaded, present = replay_batch(client, batch, policy=policy, sleep=sleep)
        except Exception as exc:
            report.files_failed[str(batch.path)] = f"{type(exc).__name__}: {exc}"
            logger.error("replay of %s failed: %s", batch.path, exc)
            continue
        spool.mark_replayed(batch)
        report.files_replayed.append(str(batch.path))
        report.rows_loaded += loaded
        report.rows_already_present += present
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-replay``."""
    parser = argparse.ArgumentParser(
        prog="coverage-replay",
        description="Load spilled coverage event batches from the dead-letter directory, exactly once.",
    )
    parser.add_argument("--warehouse", help="warehouse URL (default $COVERAGE_WAREHOUSE or duckdb:///coverage.duckdb)")
    parser.add_argument("--dir", help="dead-letter directory (default $COVERAGE_DEAD_LETTER_DIR or ./coverage_dead_letter)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from shared_services.bigquery.factory import make_client

    try:
        client = make_client(args.warehouse)
    except ValueError as exc:
        parser.error(str(exc))
    spool = DeadLetterSpool(args.dir)
    report = replay_dead_letters(client, spool)
    print(f"replayed {len(report.files_replayed)} file(s): {report.rows_loaded} row(s) loaded, "
          f"{report.rows_already_present} already present; {len(report.files_failed)} failed")
    for path, error in report.files_failed.items():
        print(f"FAILED {path}: {error}", file=sys.stderr)
    return 1 if report.files_failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
