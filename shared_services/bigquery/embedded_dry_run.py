"""``QueryJobConfig(dry_run=True)`` on the embedded warehouse: validate, run nothing, keep nothing.

On BigQuery a dry run parses, resolves and type-checks the statement and applies the
partition-filter rule, then returns a job with statistics (statement type, schema, bytes)
without running it; no job is stored and nothing is written (BigQuery docs, "Perform a dry
run", https://cloud.google.com/bigquery/docs/running-queries#dry-run). The embedded warehouse
does the same checks (translation, parameters, partition filters: they run before this module
is called), then has DuckDB bind every statement inside a transaction that is always rolled
back (a script's own BEGIN / COMMIT TRANSACTION are skipped): a SELECT is bound as ``SELECT * FROM (query) LIMIT 0`` (its schema is reported, no row
is read), DML and DDL run against the rolled-back transaction so that later statements of a
script see what earlier ones declared. The job id is not recorded (reusing it later is fine,
as on BigQuery).

Example::

    cfg = bigquery.QueryJobConfig(dry_run=True)
    job = client.query('SELECT game_id FROM `nba_raw.nbac_schedule` WHERE game_date = @d', job_config=cfg)
    job.dry_run, job.statement_type, [f.name for f in job.schema]   # True, 'SELECT', ['game_id']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from shared_services.bigquery.jobs import EmbeddedQueryJob, schema_from_duckdb_description

if TYPE_CHECKING:  # pragma: no cover
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from shared_services.bigquery.sql_translate import Translation

__all__ = ["dry_run_job"]

# BEGIN / COMMIT / ROLLBACK of a multi-statement transaction (BigQuery docs, "Multi-statement
# transactions", https://cloud.google.com/bigquery/docs/transactions): inside the dry run's own
# rolled-back transaction they are checked for syntax only.
_TRANSACTION_CONTROL = (exp.Transaction, exp.Commit, exp.Rollback)


def dry_run_job(
    client: DuckDBClient,
    translation: Translation,
    values: Mapping[str, Any],
    query: str,
    job_id: str,
    created: dt.datetime,
) -> EmbeddedQueryJob:
    """Bind every statement of ``translation`` in a rolled-back transaction; the dry-run job.

    The caller holds ``client._lock`` and has already applied the partition-filter checks.
    A DuckDB error becomes the matching ``google.api_core`` error (``BadRequest`` /
    ``NotFound``), as from a real run.
    """
    con = client._conn
    schema: list[Any] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in translation.statements:
            if isinstance(statement.ast, _TRANSACTION_CONTROL):
                continue  # the whole dry run is one transaction, always rolled back
            params = {name: values[name] for name in statement.parameter_names}
            if statement.kind == "SELECT":
                cur = con.execute(f"SELECT * FROM ({statement.sql}) AS __dry_run LIMIT 0", params)  # noqa: S608
                schema = schema_from_duckdb_description(cur.description)
            else:
                con.execute(statement.sql, params)
                schema = []
    except duckdb.Error as err:
        raise client._map_error(err) from err
    finally:
        con.execute("ROLLBACK")
    job = EmbeddedQueryJob(
        job_id, client.project, client.location, created, query,
        translation.statements[-1].kind, [], schema,
    )
    job.dry_run = True
    return job
