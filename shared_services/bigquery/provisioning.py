"""``coverage-setup``: create the datasets, tables and table functions, idempotently, on either backend.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.identifiers import (
    quote_column,
    validate_column_name,
    validate_table_id,
)
from shared_services.bigquery.schemas import (
    OBSOLETE_VIEWS,
    TABLE_FUNCTIONS,
    TABLES,
    VIEWS,
    TableFunctionSpec,
    TableSpec,
    ViewSpec,
)
from shared_services.bigquery.statements import (
    SAMPLE_DATE,
    SAMPLE_TIME,
    LibraryStatement,
    StatementContext,
    statement_factory,
)
from shared_services.commands.setup import COMMAND, main  # noqa: F401  (re-exported)
from shared_services.events.text import valid_text

__all__ = [
    "SetupReport",
    "table_from_spec",
    "ensure_schema",
    "ddl_statements",
    "table_ddl",
    "view_ddl",
    "table_function_ddl",
    "setup_outcome",
    "main",
]

_DAY_MS = 24 * 60 * 60 * 1000


@dataclass
class SetupReport:
    """What ``ensure_schema`` created and what already existed."""

    datasets_created: list[str] = field(default_factory=list)
    tables_created: list[str] = field(default_factory=list)
    tables_existing: list[str] = field(default_factory=list)
    views_created: list[str] = field(default_factory=list)
    functions_created: list[str] = field(default_factory=list)
    obsolete_views_dropped: list[str] = field(default_factory=list)


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


def view_ddl(view: ViewSpec, project: str | None = None) -> str:
    """``CREATE OR REPLACE VIEW`` for one spec, named ``project.dataset.view`` when a project is given.

    Example::

        view_ddl(ViewSpec('ds.v', 'SELECT 1 AS x'), 'my-project')
    """
    view_id = validate_table_id(f"{project}.{view.view_id}" if project else view.view_id)
    return f"CREATE OR REPLACE VIEW `{view_id}` AS\n{view.sql}"


def table_function_ddl(spec: TableFunctionSpec, project: str | None = None) -> str:
    """``CREATE OR REPLACE TABLE FUNCTION`` for one spec.

    With a project, the function's name AND every table its body reads are
    ``project.dataset.name``: a two-part name inside a function resolves against the project
    running the query (BigQuery docs, "CREATE TABLE FUNCTION statement",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#create_table_function_statement).

    Example::

        print(table_function_ddl(GAME_COVERAGE_SUMMARY_FUNCTION, 'my-project'))
    """
    function_id = validate_table_id(spec.qualified_id(project))
    arguments = ", ".join(
        f"{validate_column_name(name)} {type_}" for name, type_ in spec.arguments
    )
    return f"CREATE OR REPLACE TABLE FUNCTION `{function_id}`({arguments})\nAS (\n{spec.body(project)}\n)"


def _drop_obsolete_views(client: Any, project: str, report: SetupReport) -> None:
    for view_id in OBSOLETE_VIEWS:
        try:
            existing = client.get_table(f"{project}.{view_id}")
        except gexc.NotFound:
            continue
        if str(getattr(existing, "table_type", "") or "").upper() == "VIEW":  # never a user's table
            client.delete_table(f"{project}.{view_id}", not_found_ok=True)
            report.obsolete_views_dropped.append(view_id)


def ensure_schema(
    client: Any,
    tables: Sequence[TableSpec] = TABLES,
    views: Sequence[ViewSpec] = VIEWS,
    functions: Sequence[TableFunctionSpec] = TABLE_FUNCTIONS,
) -> SetupReport:
    """Create every dataset and table that does not exist yet, (re)create the table functions.

    Safe to run again. A view an earlier version created where a table function now stands
    (``OBSOLETE_VIEWS``) is dropped first.

    Example::

        ensure_schema(client); ensure_schema(client)   # the second run creates no table
    """
    report = SetupReport()
    project = client.project
    datasets = sorted(
        {t.dataset for t in tables} | {v.dataset for v in views} | {f.dataset for f in functions}
    )
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
    _drop_obsolete_views(client, project, report)
    for view in views:
        client.query(view_ddl(view, project)).result()
        report.views_created.append(view.view_id)
    for function in functions:
        client.query(table_function_ddl(function, project)).result()
        report.functions_created.append(function.function_id)
    return report


def _string_literal(text: str) -> str:
    """``text`` as a GoogleSQL double-quoted string literal. ``json.dumps`` escapes quotes,
    backslashes and control characters the way GoogleSQL reads them; ``ensure_ascii=False``
    keeps other characters as they are, because a surrogate escape (``\\ud83d`` for half an
    emoji) is refused: "\\uhhhh ... the range D800-DFFF isn't allowed" ("Lexical structure and
    syntax", section "Escape sequences for string and bytes literals",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#escape_sequences).
    A lone surrogate in ``text`` itself is replaced (U+FFFD): it has no UTF-8 form to send."""
    return json.dumps(valid_text(text), ensure_ascii=False)


def _column_ddl(field_: bigquery.SchemaField) -> str:
    type_ = field_.field_type.upper()
    type_ = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}.get(type_, type_)
    if type_ in ("RECORD", "STRUCT"):
        type_ = "STRUCT<" + ", ".join(_column_ddl(f) for f in field_.fields) + ">"
    if field_.mode == "REPEATED":
        type_ = f"ARRAY<{type_}>"
    parts = [f"{quote_column(field_.name)} {type_}"]  # a reserved keyword is a name only when quoted
    if field_.mode == "REQUIRED":
        parts.append("NOT NULL")
    if field_.description:
        parts.append(f"OPTIONS(description={_string_literal(field_.description)})")
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
        column = quote_column(spec.partition_field)
        expr = column if kind == "DATE" else f"DATE({column})"
        lines.append(f"PARTITION BY {expr}")
        if spec.partition_expiration_days:
            options.append(f"partition_expiration_days={spec.partition_expiration_days}")
        if spec.require_partition_filter:
            options.append("require_partition_filter=TRUE")
    if spec.clustering_fields:
        lines.append("CLUSTER BY " + ", ".join(quote_column(name) for name in spec.clustering_fields))
    if spec.description:
        options.append(f"description={_string_literal(spec.description)}")
    if options:
        lines.append("OPTIONS(" + ", ".join(options) + ")")
    return "\n".join(lines)


def ddl_statements(
    project: str | None = None,
    tables: Sequence[TableSpec] = TABLES,
    views: Sequence[ViewSpec] = VIEWS,
    functions: Sequence[TableFunctionSpec] = TABLE_FUNCTIONS,
) -> list[str]:
    """Every BigQuery DDL statement ``coverage-setup`` stands for, in order.

    Example::

        for statement in ddl_statements('my-project'):
            print(statement + ';')
    """
    prefix = f"{project}." if project else ""
    datasets = sorted(
        {t.dataset for t in tables} | {v.dataset for v in views} | {f.dataset for f in functions}
    )
    statements = [f"CREATE SCHEMA IF NOT EXISTS `{prefix}{d}`" for d in datasets]
    statements += [table_ddl(spec, project) for spec in tables]
    statements += [view_ddl(v, project) for v in views]
    statements += [table_function_ddl(f, project) for f in functions]
    return statements


def setup_outcome(client: Any, warehouse_url: str) -> Any:
    """:func:`ensure_schema` on ``client``, as ``coverage-setup`` prints it (an ``Outcome``).

    Example::

        setup_outcome(make_client('duckdb:///coverage.duckdb'), 'duckdb:///coverage.duckdb').text
    """
    from shared_services.cli import Outcome

    report = ensure_schema(client)
    lines = [f"created dataset {dataset}" for dataset in report.datasets_created]
    lines += [f"created table   {table}" for table in report.tables_created]
    lines += [f"exists          {table}" for table in report.tables_existing]
    lines += [f"dropped view    {view} (replaced by a table function)" for view in report.obsolete_views_dropped]
    lines += [f"view            {view}" for view in report.views_created]
    lines += [f"table function  {function}" for function in report.functions_created]
    lines.append(f"setup complete: {len(report.tables_created)} table(s) created, "
                 f"{len(report.tables_existing)} already present, {len(report.functions_created)} table function(s)")
    data = {"warehouse": warehouse_url, "datasets_created": list(report.datasets_created),
            "tables_created": list(report.tables_created), "tables_existing": list(report.tables_existing),
            "views_created": list(report.views_created),
            "obsolete_views_dropped": list(report.obsolete_views_dropped),
            "functions_created": list(report.functions_created)}
    return Outcome(text="\n".join(lines), data=data)


@statement_factory("setup")
def _setup_statements(context: StatementContext) -> Iterator[LibraryStatement]:
    """The DDL (``--print-ddl``; table functions are sent by ``ensure_schema``) and a summary call."""
    datasets = sorted({t.dataset for t in TABLES} | {v.dataset for v in VIEWS} | {f.dataset for f in TABLE_FUNCTIONS})
    names = [f"setup.schema.{d}" for d in datasets] + [f"setup.table.{t.table_id}" for t in TABLES]
    names += [f"setup.view.{v.view_id}" for v in VIEWS]
    names += [f"setup.table_function.{f.function_id}" for f in TABLE_FUNCTIONS]
    for name, sql in zip(names, ddl_statements(context.project), strict=True):
        yield LibraryStatement(name, sql)
    # How users read the summary (docs/operations.md): proves the function's partition filter.
    for function in TABLE_FUNCTIONS:
        arguments = [f"@{arg}" for arg, _ in function.arguments]
        yield LibraryStatement(
            f"setup.call.{function.function_id}",
            function.call_sql(*arguments, project=context.project),
            tuple(bigquery.ScalarQueryParameter(arg, type_, _SAMPLE_VALUES[type_])
                  for arg, type_ in function.arguments),
        )


_SAMPLE_VALUES: dict[str, Any] = {"DATE": SAMPLE_DATE, "TIMESTAMP": SAMPLE_TIME}


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
