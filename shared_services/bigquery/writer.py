"""Idempotent batch writes: replace the rows of the keys being written, atomically.

:func:`replace_rows` writes a batch with ONE load job into a staging table and ONE ``MERGE``
statement that deletes the target rows of the same keys and inserts the new ones, in a single
atomic statement (the BigQuery "replace a slice" idiom, ``ON FALSE``). Processing the same game
twice therefore leaves one copy of its rows, a failed load leaves the target untouched, and no
streaming insert is ever used. The ``MERGE`` filters the target on its partition column, so it
also works on tables with ``require_partition_filter``.

Example::

    written = replace_rows(client, 'nba_analytics.player_game_summary', rows,
                           PLAYER_GAME_SUMMARY.schema, key_columns=['game_id'],
                           partition_field='game_date')
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from google.cloud import bigquery

from shared_services.bigquery.identifiers import (
    quote_table_id,
    validate_column_name,
    validate_table_id,
)
from shared_services.events.serialization import json_safe_rows

__all__ = ["replace_rows", "merge_sql"]


def merge_sql(
    target: str,
    staging: str,
    columns: Sequence[str],
    key_columns: Sequence[str],
    partition_field: str | None,
    partition_is_timestamp: bool = False,
) -> str:
    """The atomic replace statement (BigQuery SQL with ``@low`` / ``@high`` parameters)."""
    for name in (*columns, *key_columns, *([partition_field] if partition_field else [])):
        validate_column_name(name)
    key_match = " AND ".join(f"S.{k} = T.{k}" for k in key_columns)
    column = f"DATE(T.{partition_field})" if partition_is_timestamp else f"T.{partition_field}"
    partition = f"{column} BETWEEN @low AND @high AND " if partition_field else ""
    column_list = ", ".join(columns)
    values = ", ".join(f"S.{c}" for c in columns)
    return (
        f"MERGE {quote_table_id(target)} AS T\n"  # noqa: S608 - identifiers validated above
        f"USING {quote_table_id(staging)} AS S\n"
        "ON FALSE\n"
        f"WHEN NOT MATCHED BY SOURCE AND {partition}"
        f"EXISTS (SELECT 1 FROM {quote_table_id(staging)} AS S WHERE {key_match}) THEN DELETE\n"
        f"WHEN NOT MATCHED THEN INSERT ({column_list}) VALUES ({values})"
    )


def _date_range(rows: Sequence[Mapping[str, Any]], field: str) -> tuple[date, date]:
    values = [date.fromisoformat(str(r[field])[:10]) for r in rows if r.get(field) is not None]
    if len(values) != len(rows):
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
) -> int:
    """Replace the target rows sharing ``key_columns`` values with ``rows``; returns rows written.

    Rows are validated against ``schema`` first (a bad value is a ``ValueError`` naming the
    row and field, and nothing is written).

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
    clean = json_safe_rows(rows, schema)
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
    try:
        client.load_table_from_json(clean, staging_ref, job_config=load_config,
                                    job_id_prefix=f"{job_id_prefix}_").result()
        params: list[Any] = []
        is_timestamp = False
        if partition_field:
            low, high = _date_range(clean, partition_field)
            is_timestamp = next(f.field_type.upper() for f in schema if f.name == partition_field) == "TIMESTAMP"
            params = [bigquery.ScalarQueryParameter("low", "DATE", low),
                      bigquery.ScalarQueryParameter("high", "DATE", high)]
        client.query(merge_sql(target, staging, columns, key_columns, partition_field, is_timestamp),
                     job_config=bigquery.QueryJobConfig(query_parameters=params)).result()
    finally:
        client.delete_table(staging_ref, not_found_ok=True)
    return len(clean)
