"""Idempotent batch writes: replace the rows of the keys being written, atomically.

:func:`replace_rows` writes a batch with ONE load job into a staging table, then runs ONE query
job holding a multi-statement transaction::

    BEGIN TRANSACTION;
    DELETE FROM `ds.target` AS T
    WHERE T.game_date BETWEEN @low AND @high
      AND EXISTS (SELECT 1 FROM `ds._staging_...` AS S WHERE S.player_id = T.player_id
                                                        AND S.game_date = T.game_date);
    INSERT INTO `ds.target` (col, ...) SELECT col, ... FROM `ds._staging_...`;
    COMMIT TRANSACTION;

Processing the same game twice therefore leaves one copy of its rows, a failed load or a
failed statement leaves the target untouched, and no streaming insert is ever used.

Two writers at once (two instances of a processor started for the same date, a backfill
running beside the nightly run): BigQuery cancels a transaction that mutates a table another
job mutated while it ran ("Multi-statement transactions" > "Transaction concurrency",
https://cloud.google.com/bigquery/docs/transactions: "If a transaction mutates (updates or
deletes) rows in a table, then other transactions or DML statements that mutate rows in the
same table cannot run concurrently. Conflicting transactions are cancelled."), with a 400
``invalidQuery`` "Transaction is aborted due to concurrent update against table p:ds.t". The
cancelled transaction changed nothing and the script is idempotent, so :func:`replace_rows`
runs it again (a new query job, the same staging table) after a jittered back-off
(:data:`WRITE_CONFLICT_RETRY`); when the table stays busy it raises
:class:`WriteConflictError` (exit 3 in a command) with nothing written. The real platform
met this on ``player_game_summary`` (two instances 18 s apart) and fell back to a DELETE and
an INSERT outside a transaction, which left 72 duplicated player rows; here the retried
transaction replaces the same keys, so the table holds one copy whichever writer commits last.
Many writers at once (a backfill running dates in parallel) also meet the table's queue of 20
mutating DML jobs, pending and running: the 21st is refused ("Quota exceeded: Your table
exceeded quota for total number of DML jobs writing to a table, pending + running."), and runs
again the same way as the queue drains. The embedded warehouse cancels such a transaction, and
refuses a 21st mutating job on one table, the same way (docs/bigquery-rules.md).

Why this shape is valid on BigQuery (each point checked against BigQuery's documentation):

* Not a ``MERGE``: "Correlated subqueries within a when_clause, search_condition,
  merge_update_clause or merge_insert_clause are not supported for MERGE statements"
  (https://cloud.google.com/bigquery/docs/data-manipulation-language#limitations). The
  former ``MERGE ... ON FALSE WHEN NOT MATCHED BY SOURCE AND EXISTS (...)`` was rejected.
* ``DELETE ... WHERE EXISTS (correlated subquery)`` is allowed: the DELETE statement takes any
  boolean ``WHERE`` condition, and its documented examples delete with a correlated
  ``[NOT] EXISTS`` subquery over a second table
  (https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#delete_statement).
  Composite keys are one ``AND``-ed equality per key column.
* Atomic: "Multi-statement transactions" — a transaction inside one query
  (``BEGIN TRANSACTION`` ... ``COMMIT TRANSACTION``) commits all its DML at once; if a statement
  fails and there is no exception handler, the query fails and BigQuery rolls the transaction
  back (https://cloud.google.com/bigquery/docs/transactions, "Transaction scope"). DML
  (DELETE, INSERT) is among the statements a transaction supports; the staging table is
  created by the load job and dropped by the client *outside* the transaction (DDL on
  permanent tables is not allowed inside one).
* ``require_partition_filter``: the DELETE filters the target on its own partition column
  (``T.col BETWEEN @low AND @high``, or ``DATE(T.col)`` for a TIMESTAMP column) as a top-level
  conjunct with query parameters, which is the qualifying filter of "Query partitioned tables"
  (https://cloud.google.com/bigquery/docs/querying-partitioned-tables). The INSERT ... SELECT
  only reads the (unpartitioned) staging table.

The embedded warehouse runs the same script as one DuckDB transaction and enforces the same
rules (see docs/bigquery-rules.md).

Example::

    written = replace_rows(client, 'nba_analytics.player_game_summary', rows,
                           PLAYER_GAME_SUMMARY.schema, key_columns=['game_id'],
                           partition_field='game_date')
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.identifiers import (
    quote_column,
    quote_table_id,
    validate_table_id,
)
from shared_services.cli.errors import EnvironmentProblem
from shared_services.events.serialization import json_safe_batch
from shared_services.events.sink import RetryPolicy

__all__ = ["replace_rows", "replace_sql", "merge_sql", "is_write_conflict", "retry_write_conflicts",
           "WriteConflictError", "WRITE_CONFLICT_RETRY"]

T = TypeVar("T")

logger = logging.getLogger(__name__)

#: How often and how long :func:`replace_rows` tries a transaction that BigQuery refused because
#: other jobs were writing the table (:func:`is_write_conflict`): 6 attempts, jittered back-off doubling from up to 2 s to up to 30 s
#: (at most about a minute of waiting in all). BigQuery's replace transactions of a batch take
#: seconds, so a writer that started a moment earlier has committed long before.
WRITE_CONFLICT_RETRY = RetryPolicy(max_attempts=6, initial_delay=2.0, max_delay=30.0)

#: BigQuery's words for a write refused because other jobs were writing the table ("Troubleshoot
#: query issues", https://cloud.google.com/bigquery/docs/troubleshoot-queries): a transaction
#: cancelled by another job's update ("Transaction is aborted due to concurrent update against
#: table p:ds.t. Transaction ID: ... Blocking job: ..."), a DML statement that lost a conflict on
#: the same partitions after BigQuery's own retries ("Could not serialize access to table p:ds.t
#: due to concurrent update"), and a mutating DML statement over the table's queue of 20 ("Too
#: many DML statements outstanding against table p:ds.t, limit is 20"). All are a 400 with reason
#: ``invalidQuery``, the reason of a syntax error too, so the message is what tells them apart.
_CONFLICT_WORDS = ("Transaction is aborted due to concurrent update", "Could not serialize access to table",
                   "Too many DML statements outstanding against table")
#: The queue's other refusal, a 403 ``quotaExceeded`` ("Quota exceeded: Your table exceeded quota
#: for total number of DML jobs writing to a table, pending + running."; the real platform's
#: log spells it ``dml``): unlike the daily quotas it clears as the other jobs finish.
_QUEUE_FULL_WORDS = "your table exceeded quota for total number of dml jobs writing to a table"


def is_write_conflict(exc: BaseException) -> bool:
    """True when BigQuery refused a write because other jobs were writing the table at the
    same time: it cancelled the write for a concurrent update, or the table's queue of mutating
    DML jobs was full.

    Such a write changed nothing, and running it again once the other jobs are done succeeds.

    Example::

        is_write_conflict(BadRequest('Transaction is aborted due to concurrent update against table p:ds.t'))  # True
        is_write_conflict(BadRequest('Syntax error: Unexpected end of script'))                              # False
    """
    if isinstance(exc, gexc.BadRequest):
        return any(words in str(exc.message or "") for words in _CONFLICT_WORDS)
    if isinstance(exc, gexc.Forbidden):
        return _QUEUE_FULL_WORDS in str(exc.message or "").lower()
    return False


class WriteConflictError(EnvironmentProblem):
    """A write BigQuery refused on every attempt because other jobs were writing the table
    (:func:`is_write_conflict`); nothing was written.

    Other jobs (another instance of the processor, a backfill) kept writing the table. An
    :class:`~shared_services.cli.errors.EnvironmentProblem`: a command exits 3 with its one
    line. ``__cause__`` is BigQuery's last error.

    Example::

        try:
            replace_rows(client, 'nba_analytics.player_game_summary', rows, schema, ['game_id'])
        except WriteConflictError as exc:
            logger.error('%s', exc)   # run the processor again once the other writer is done
    """


def replace_sql(
    target: str,
    staging: str,
    columns: Sequence[str],
    key_columns: Sequence[str],
    partition_field: str | None,
    partition_is_timestamp: bool = False,
) -> str:
    """The atomic replace script (BigQuery SQL; ``@low`` / ``@high`` DATE parameters when
    ``partition_field`` is given). See the module docstring for why BigQuery accepts it.

    Example::

        sql = replace_sql('ds.t', 'ds._staging_t_1', ['player_id', 'game_date', 'pts'],
                          ['player_id', 'game_date'], 'game_date')
        sql.startswith('BEGIN TRANSACTION;')   # True
    """
    if not key_columns:
        raise ValueError("replace_sql needs at least one key column")
    # Every column validated and in back-ticks (a reserved keyword such as `rows` is a name only
    # when quoted); values travel as query parameters.
    quoted = [quote_column(name) for name in columns]
    keys = [quote_column(name) for name in key_columns]
    key_match = " AND ".join(f"S.{k} = T.{k}" for k in keys)
    part = quote_column(partition_field) if partition_field else ""
    column = f"DATE(T.{part})" if partition_is_timestamp else f"T.{part}"
    partition = f"{column} BETWEEN @low AND @high\n  AND " if partition_field else ""
    column_list = ", ".join(quoted)
    delete = (f"DELETE FROM {quote_table_id(target)} AS T\nWHERE {partition}"  # noqa: S608
              f"EXISTS (SELECT 1 FROM {quote_table_id(staging)} AS S WHERE {key_match});\n")
    insert = (f"INSERT INTO {quote_table_id(target)} ({column_list})\n"  # noqa: S608
              f"SELECT {column_list} FROM {quote_table_id(staging)};\n")
    return "BEGIN TRANSACTION;\n" + delete + insert + "COMMIT TRANSACTION;"


#: Former name, kept so existing imports keep working; it returns the transaction script now
#: (the MERGE it used to build is rejected by BigQuery).
merge_sql = replace_sql


def _date_range(column: Sequence[Any], field: str) -> tuple[date, date]:
    """The lowest and highest date of a partition column's values (each row needs one)."""
    try:  # one parse per distinct value (a batch's rows share a few dates), in row order
        distinct: Sequence[Any] = list(dict.fromkeys(column))
    except TypeError:  # an unhashable value: fromisoformat below rejects it
        distinct = column
    values = [date.fromisoformat(str(value)[:10]) for value in distinct if value is not None]
    if any(value is None for value in column):
        raise ValueError(f"every row needs a value in partition column {field!r}")
    return min(values), max(values)


def replace_rows(
    client: Any,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    schema: Sequence[bigquery.SchemaField],
    key_columns: Sequence[str],
    partition_field: str | None = None,
    job_id_prefix: str = "replace",
    *,
    conflict_retry: RetryPolicy = WRITE_CONFLICT_RETRY,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> int:
    """Replace the target rows sharing ``key_columns`` values with ``rows``; returns rows written.

    Rows are validated against ``schema`` first (a bad value is a ``ValueError`` naming the
    row and field, and nothing is written). Every row needs a value in each key column (a NULL
    key could never match, so its old rows would stay next to the new ones). One load job,
    one query job (a transaction), and the staging table is always dropped. When BigQuery
    refuses the transaction because other jobs were writing the table (it cancelled it for a
    concurrent update, or the table's queue of DML jobs was full: :func:`is_write_conflict`),
    the transaction runs again as a new query job after a back-off of ``conflict_retry``;
    after its last attempt :class:`WriteConflictError`, nothing written.

    Example::

        replace_rows(client, 'nba_precompute.player_rolling_averages', rows, schema,
                     key_columns=['player_id', 'analysis_date'], partition_field='analysis_date')
    """
    target = validate_table_id(table)
    if not key_columns:
        raise ValueError("replace_rows needs at least one key column")
    names = {f.name for f in schema}
    for key in (*key_columns, *([partition_field] if partition_field else [])):
        if key not in names:
            raise ValueError(f"column {key!r} is not in the schema of {target}")
    if not rows:
        return 0
    # Converted column by column; the rows it stands for are json_safe_rows(rows, schema).
    clean = json_safe_batch(rows, schema)
    given = clean.to_columns()
    if given is None or any(key not in given or None in given[key] for key in key_columns):
        for index, row in enumerate(clean):
            for key in key_columns:
                if row.get(key) is None:
                    raise ValueError(f"row {index}: key column {key!r} of {target} is null")
    columns = [f.name for f in schema]
    dataset = target.rsplit(".", 2)[-2]
    token = hashlib.sha256(uuid.uuid4().bytes).hexdigest()[:16]
    staging = f"{dataset}._staging_{target.rsplit('.', 1)[-1]}_{token}"
    project = getattr(client, "project", None)
    staging_ref = f"{project}.{staging}" if project else staging
    load_config = bigquery.LoadJobConfig(
        schema=list(schema),
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        create_disposition=bigquery.CreateDisposition.CREATE_IF_NEEDED,
    )
    params: list[Any] = []
    is_timestamp = False
    if partition_field:
        low, high = _date_range(
            given.get(partition_field, [None] * len(clean)) if given is not None
            else [row.get(partition_field) for row in clean], partition_field)
        is_timestamp = next(f.field_type.upper() for f in schema if f.name == partition_field) == "TIMESTAMP"
        params = [bigquery.ScalarQueryParameter("low", "DATE", low),
                  bigquery.ScalarQueryParameter("high", "DATE", high)]
    script = replace_sql(target, staging, columns, key_columns, partition_field, is_timestamp)
    try:
        client.load_table_from_json(clean, staging_ref, job_config=load_config,
                                    job_id_prefix=f"{job_id_prefix}_").result()
        _run_transaction(client, target, script, params, f"{job_id_prefix}_", conflict_retry, sleep,
                         rng or random.Random())
    finally:
        client.delete_table(staging_ref, not_found_ok=True)
    return len(clean)


def _run_transaction(client: Any, target: str, script: str, params: list[Any], prefix: str,
                     policy: RetryPolicy, sleep: Callable[[float], None], rng: random.Random) -> None:
    """Run the replace ``script``, again after each refusal for other jobs' writes (see the
    module docstring), up to ``policy.max_attempts`` times in all."""
    retry_write_conflicts(
        lambda: client.query(script, job_config=bigquery.QueryJobConfig(query_parameters=params),
                             job_id_prefix=prefix).result(),
        target, "the replace transaction", "another instance of this processor, a backfill",
        policy=policy, sleep=sleep, rng=rng)


def retry_write_conflicts(run: Callable[[], T], table: str, action: str, writers: str, *,
                          policy: RetryPolicy = WRITE_CONFLICT_RETRY, sleep: Callable[[float], None] = time.sleep,
                          rng: random.Random | None = None) -> T:
    """``run()``, again after each :func:`is_write_conflict` error, up to ``policy.max_attempts``
    times in all with ``policy``'s jittered back-off between them; then
    :class:`WriteConflictError` naming ``table``, ``action`` (what BigQuery cancelled) and who
    the other writers may be. Any other error is raised at once. ``run`` must be safe to repeat:
    a cancelled job changed nothing, so a statement that is idempotent once it succeeds is.

    Example::

        retry_write_conflicts(lambda: client.query(update_sql).result(), 'nba_reference.source_coverage_log',
                              "the audit's UPDATE", 'another audit')
    """
    delays = policy.delays(rng or random.Random())
    attempt = 1
    while True:
        try:
            return run()
        except (gexc.BadRequest, gexc.Forbidden) as err:
            if not is_write_conflict(err):
                raise
            delay = next(delays, None)
            said = str(err.message).splitlines()[0]  # (BigQuery's words are in it: not empty)
            if delay is None:
                raise WriteConflictError(
                    f"{table}: BigQuery refused {action} {attempt} time(s) because other jobs were writing "
                    f"the table at the same time ({said}); nothing was written. Run it again once the "
                    f"other writers ({writers}) have finished.") from err
            logger.info("%s: %s was refused while other jobs wrote the table (attempt %d of %d); "
                        "running it again in %.1f s", table, action, attempt, policy.max_attempts, delay)
            sleep(delay)
            attempt += 1
