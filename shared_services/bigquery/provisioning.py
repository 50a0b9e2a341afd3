"""``coverage-setup``: create the datasets, tables and views, idempotently, on either backend.

    coverage-setup                                  # $COVERAGE_WAREHOUSE or ./coverage.duckdb
    coverage-setup --warehouse duckdb:///demo.duckdb
    coverage-setup --warehouse bigquery://my-project?location=US
    coverage-setup --print-ddl [--project my-project]   # BigQuery DDL, touches nothing

Example (Python)::

    from shared_services.bigquery import make_client
    from shared_services.bigquery.provisioning import ensure_schema
    report = ensure_schema(make_client('duckdb:///:memory:'))
    report.tables_created   # ['nba_reference.source_coverage_log', ...]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.identifiers import validate_table_id
from shared_services.bigquery.schemas import TABLES, VIEWS, TableSpec, ViewSpec

__all__ = ["SetupReport", "table_from_spec", "ensure_schema", "ddl_statements", "main"]

_DAY_MS = 24 * 60 * 60 * 1000


@dataclass
class SetupReport:
    """What ``ensure_schema`` created and what already existed."""

    datasets_created: list[str] = field(default_factory=list)
    tables_created: list[str] = field(default_factory=list)
    tables_existing: list[str] = field(default_factory=list)
    views_created: list[str] = field(default_factory=list)


def table_from_spec(spec: TableSpec, project: str) -> bigquery.Table:
    """A real ``bigquery.Table`` with schema, partitioning, clustering and options.

    Example::

        table = table_from_spec(COVERAGE_LOG, 'my-project')
        table.require_partition_filter   # True
    """
    table = bigquery.Table(f"{project}.{spec.table_id}", schema=list(spec.schema))
    if spec.partition_field:
        table.time_partitioning = bigquery.TimePartitioning(
            type_=bigquery.TimePartitioningType.DAY,
            field=spec.partition_field,
            expiration_ms=spec.partition_expiration_days * _DAY_MS if spec.partition_expiration_days else None,
        )
        table.require_partition_filter = spec.require_partition_filter
    if spec.clustering_fields:
        table.clustering_fields = list(spec.clustering_fields)
    if spec.description:
        table.description = spec.description
    return table


def _view_ddl(view: ViewSpec) -> str:
    return f"CREATE OR REPLACE VIEW `{validate_table_id(view.view_id)}` AS\n{view.sql}"


def ensure_schema(
    client: Any, tables: Sequence[TableSpec] = TABLES, views: Sequence[ViewSpec] = VIEWS
) -> SetupReport:
    """Create every dataset, table and view that does not exist yet; safe to run again.

    Example::

        ensure_schema(client); ensure_schema(client)   # the second run creates nothing
    """
    report = SetupReport()
    project = client.project
    datasets = sorted({t.dataset for t in tables} | {v.dataset for v in views})
    for dataset in datasets:
        try:
            client.create_dataset(f"{project}.{dataset}")
            report.datasets_created.append(dataset)
        except gexc.Conflict:
            pass  # already there
    for spec in tables:
        validate_table_id(spec.table_id)
        try:
            client.get_table(f"{project}.{spec.table_id}")
            report.tables_existing.append(spec.table_id)
            continue
        except gexc.NotFound:
            pass
        client.create_table(table_from_spec(spec, project), exists_ok=True)
        report.tables_created.append(spec.table_id)
    for view in views:
        client.query(_view_ddl(view)).result()
        report.views_created.append(view.view_id)
    return report


def _column_ddl(field_: bigquery.SchemaField) -> str:
    type_ = field_.field_type.upper()
    type_ = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}.get(type_, type_)
    if type_ in ("RECORD", "STRUCT"):
        type_ = "STRUCT<" + ", ".join(_column_ddl(f) for f in field_.fields) + ">"
    if field_.mode == "REPEATED":
        type_ = f"ARRAY<{type_}>"
    parts = [f"{field_.name} {type_}"]
    if field_.mode == "REQUIRED":
        parts.append("NOT NULL")
    if field_.description:
        parts.append(f"OPTIONS(description={json.dumps(field_.description)})")
    return " ".join(parts)


def table_ddl(spec: TableSpec, project: str | None = None) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one spec, with PARTITION BY, CLUSTER BY and OPTIONS.

    Example::

        print(table_ddl(COVERAGE_LOG))
    """
    table_id = validate_table_id(f"{project}.{spec.table_id}" if project else spec.table_id)
    columns = ",\n  ".join(_column_ddl(f) for f in spec.schema)
    lines = [f"CREATE TABLE IF NOT EXISTS `{table_id}` (\n  {columns}\n)"]
    options: list[str] = []
    if spec.partition_field:
        kind = next(f.field_type.upper() for f in spec.schema if f.name == spec.partition_field)
        expr = spec.partition_field if kind == "DATE" else f"DATE({spec.partition_field})"
        lines.append(f"PARTITION BY {expr}")
        if spec.partition_expiration_days:
            options.append(f"partition_expiration_days={spec.partition_expiration_days}")
        if spec.require_partition_filter:
            options.append("require_partition_filter=TRUE")
    if spec.clustering_fields:
        lines.append("CLUSTER BY " + ", ".join(spec.clustering_fields))
    if spec.description:
        options.append(f"description={json.dumps(spec.description)}")
    if options:
        lines.append("OPTIONS(" + ", ".join(options) + ")")
    return "\n".join(lines)


def ddl_statements(
    project: str | None = None, tables: Sequence[TableSpec] = TABLES, views: Sequence[ViewSpec] = VIEWS
) -> list[str]:
    """Every BigQuery DDL statement ``coverage-setup`` stands for, in order.

    Example::

        for statement in ddl_statements('my-project'):
            print(statement + ';')
    """
    prefix = f"{project}." if project else ""
    datasets = sorted({t.dataset for t in tables} | {v.dataset for v in views})
    statements = [f"CREATE SCHEMA IF NOT EXISTS `{prefix}{d}`" for d in datasets]
    statements += [table_ddl(spec, project) for spec in tables]
    statements += [
        f"CREATE OR REPLACE VIEW `{prefix}{validate_table_id(v.view_id)}` AS\n{v.sql}" for v in views
    ]
    return statements


def _run_setup(ctx: Any) -> Any:
    from shared_services.cli import Outcome

    if ctx.args.print_ddl:
        statements = ddl_statements(ctx.args.project)
        return Outcome(text="\n".join(statement + ";\n" for statement in statements),
                       data={"statements": statements})
    report = ensure_schema(ctx.client())
    lines = [f"created dataset {dataset}" for dataset in report.datasets_created]
    lines += [f"created table   {table}" for table in report.tables_created]
    lines += [f"exists          {table}" for table in report.tables_existing]
    lines += [f"view            {view}" for view in report.views_created]
    lines.append(f"setup complete: {len(report.tables_created)} table(s) created, "
                 f"{len(report.tables_existing)} already present, {len(report.views_created)} view(s)")
    data = {"warehouse": ctx.warehouse_url(), "datasets_created": list(report.datasets_created),
            "tables_created": list(report.tables_created), "tables_existing": list(report.tables_existing),
            "views_created": list(report.views_created)}
    return Outcome(text="\n".join(lines), data=data)


def _command() -> Any:
    from shared_services.cli import Command, option

    return Command(
        name="coverage-setup",
        summary="Create the source coverage datasets, tables and views (idempotent).",
        example="coverage-setup --warehouse duckdb:///coverage.duckdb   # or --print-ddl --project my-project",
        run=_run_setup,
        warehouse="create",
        options=(
            option("--print-ddl", action="store_true", help="print BigQuery DDL and exit; touches no warehouse"),
            option("--project", help="project id to qualify names with in --print-ddl output"),
        ),
    )


COMMAND = _command()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-setup``; returns the exit status."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
