"""BigQuery table functions (TVFs) on the embedded warehouse, as DuckDB table macros.

BigQuery's ``CREATE [OR REPLACE] TABLE FUNCTION [IF NOT EXISTS] name(arg TYPE, ...)
[RETURNS TABLE<column TYPE, ...>] [OPTIONS (description = ...)] AS query`` (the query in
parentheses or not)
(BigQuery docs, "CREATE TABLE FUNCTION statement",
https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#create_table_function_statement)
becomes ``CREATE [OR REPLACE] MACRO "dataset"."name"(arg DUCKTYPE, ...) AS TABLE <query>``:
the body is translated like any query (arguments are referenced by bare name in both
dialects) and the arguments keep their types, so a call with a value of another type is a
``BadRequest`` as on BigQuery ("No matching signature"). Calls such as
``SELECT * FROM `project.dataset.fn`(@start, @end)`` are rewritten by
:func:`rewrite_table_function_calls` (a hook in :func:`.sql_translate.translate`).

What is checked when the function is created: the dataset exists (``NotFound`` naming it),
argument names and types, that the body is ONE query, and that the body filters every table
with ``require_partition_filter`` it reads. BigQuery checks that last rule on each call; a
caller cannot add a filter inside a function's body, so a body without the filter fails on
every call and the embedded warehouse rejects it at once, with BigQuery's message.

Example::

    client.query('CREATE OR REPLACE TABLE FUNCTION ds.recent(d DATE) AS '
                 '(SELECT * FROM ds.events WHERE day >= d)').result()
    client.query("SELECT * FROM ds.recent(DATE '2025-01-01')").result()
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as gexc
from sqlglot import exp

if TYPE_CHECKING:  # pragma: no cover
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from shared_services.bigquery.jobs import EmbeddedQueryJob

__all__ = ["TableFunctionDDL", "parse_create_table_function", "create_table_function",
           "rewrite_table_function_calls"]

_CREATE_RE = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?TABLE\s+FUNCTION\s+(?P<if_not>IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>`[^`]+`|[A-Za-z0-9_.\-]+)\s*\((?P<args>[^()]*)\)\s*"
    r"(?:RETURNS\s+TABLE\s*<(?P<returns>[^<>]*)>\s*)?"
    r"""(?:OPTIONS\s*\((?P<options>(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^()'"])*)\)\s*)?"""
    r"AS\b\s*(?P<body>.*?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,255}$")
_DESCRIPTION_RE = re.compile(r"""^\s*description\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*$""", re.IGNORECASE)


@dataclass(frozen=True)
class TableFunctionDDL:
    """One parsed ``CREATE TABLE FUNCTION`` statement."""

    dataset: str
    name: str
    arguments: tuple[tuple[str, str], ...]
    body: str
    replace: bool
    if_not_exists: bool
    #: ``RETURNS TABLE<name TYPE, ...>``'s columns (empty when absent).
    returns: tuple[tuple[str, str], ...] = ()


def parse_create_table_function(sql: str) -> TableFunctionDDL | None:
    """The statement's parts, or ``None`` when ``sql`` is not a ``CREATE TABLE FUNCTION``.

    A malformed one (bad name, bad argument) is ``BadRequest``.

    Example::

        parse_create_table_function('CREATE TABLE FUNCTION ds.f(d DATE) AS (SELECT d)').name  # 'f'
    """
    if not re.match(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?TABLE\s+FUNCTION\b", sql, re.IGNORECASE):
        return None
    match = _CREATE_RE.match(sql)
    if match is None or not match.group("body"):
        raise gexc.BadRequest(
            "Syntax error: expected CREATE [OR REPLACE] TABLE FUNCTION [IF NOT EXISTS] "
            "name(arg TYPE, ...) [RETURNS TABLE<column TYPE, ...>] [OPTIONS (description = '...')] AS query"
        )
    parts = match.group("name").strip("`").split(".")
    if len(parts) not in (2, 3) or not all(parts):
        raise gexc.BadRequest(
            f"Table function name {match.group('name')} must be dataset.name or project.dataset.name"
        )
    dataset, name = parts[-2], parts[-1]
    for part in (dataset, name):
        if not _NAME_RE.match(part):
            raise gexc.BadRequest(f"Invalid table function name {match.group('name')}")
    arguments: list[tuple[str, str]] = []
    text = match.group("args").strip()
    for raw in [a.strip() for a in text.split(",")] if text else []:
        pieces = raw.split()
        if len(pieces) != 2 or not _NAME_RE.match(pieces[0]):
            raise gexc.BadRequest(f"Syntax error: table function argument {raw!r} must be 'name TYPE'")
        arguments.append((pieces[0], pieces[1].upper()))
    names = [a[0].lower() for a in arguments]
    if len(set(names)) != len(names):
        raise gexc.BadRequest(f"Duplicate argument name in table function {dataset}.{name}")
    returns: list[tuple[str, str]] = []
    for raw in [c.strip() for c in (match.group("returns") or "").split(",") if c.strip()]:
        pieces = raw.split()
        if len(pieces) != 2 or not _NAME_RE.match(pieces[0]):
            raise gexc.BadRequest(f"Syntax error: RETURNS TABLE column {raw!r} must be 'name TYPE'")
        returns.append((pieces[0], pieces[1].upper()))
    if match.group("returns") is not None and not returns:
        raise gexc.BadRequest(f"RETURNS TABLE of table function {dataset}.{name} declares no column")
    options = match.group("options")
    # table_function_options_list: description (a STRING) is the one option a table function takes.
    if options is not None and not _DESCRIPTION_RE.match(options):
        raise gexc.BadRequest(f"Table function {dataset}.{name}: OPTIONS takes description = 'text' only, got "
                              f"({options.strip()[:100]})")
    return TableFunctionDDL(
        dataset, name, tuple(arguments), _unwrapped(match.group("body")),
        replace=bool(match.group("replace")), if_not_exists=bool(match.group("if_not")),
        returns=tuple(returns),
    )


def _check_returns(ddl: TableFunctionDDL, query: exp.Expression | None) -> None:
    """RETURNS TABLE: "the names in the returned table type must match column names from the SQL
    query" (CREATE TABLE FUNCTION statement); ``BadRequest`` naming a declared column the
    query (the body as the translation parsed it) does not return (a query selecting ``*``
    is not judged)."""
    if not ddl.returns:
        return
    selected = {name.lower() for name in getattr(query, "named_selects", [])}
    if "*" in selected or not selected:
        return
    missing = [name for name, _ in ddl.returns if name.lower() not in selected]
    if missing:
        raise gexc.BadRequest(f"Table function {ddl.dataset}.{ddl.name}: RETURNS TABLE names {missing}, which the "
                              f"query does not return (it returns {sorted(selected)})")


def _unwrapped(body: str) -> str:
    """``body`` without parentheses around all of it (``AS (query)`` and ``AS query`` are one
    function); parentheses that close earlier (``(SELECT 1) UNION ALL (SELECT 2)``) stay."""
    text = body.strip()
    while text.startswith("(") and text.endswith(")"):
        depth, quote = 0, ""
        for index, char in enumerate(text):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"`":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0 and index != len(text) - 1:
                    return text  # the first parenthesis closes before the end
        text = text[1:-1].strip()
    return text


def create_table_function(
    client: DuckDBClient, sql: str, dry_run: bool, job_id: str
) -> EmbeddedQueryJob | None:
    """Run ``sql`` if it is a ``CREATE TABLE FUNCTION`` (``None`` otherwise); a dry run validates only.

    Example::

        job = create_table_function(client, ddl, dry_run=False, job_id='setup_1')
    """
    ddl = parse_create_table_function(sql)
    if ddl is None:
        return None
    # Imported here: duckdb_client imports this module.
    from shared_services.bigquery.jobs import EmbeddedQueryJob
    from shared_services.bigquery.sql_translate import duckdb_type, translate

    translated = translate(ddl.body, {}, catalog=client._catalog)
    if len(translated.statements) != 1 or translated.statements[0].kind != "SELECT":
        raise gexc.BadRequest(f"The body of table function {ddl.dataset}.{ddl.name} must be one query")
    body = translated.statements[0]
    _check_returns(ddl, body.source_ast)
    arguments = ", ".join(f'"{n}" {duckdb_type(t)}' for n, t in ddl.arguments)
    # The body goes through the same BigQuery rules as any query (dialect, types, partition
    # filters), with its arguments standing for what they are when it is called: typed
    # constants. A filter comparing the partition column with an argument therefore counts.
    checked_sql = _arguments_as_parameters(ddl.body, [name for name, _ in ddl.arguments])
    argument_types = {name: type_ for name, type_ in ddl.arguments}
    checked = translate(checked_sql, argument_types, catalog=client._catalog)
    created = _now()
    with client._lock:
        if not client._dataset_exists(ddl.dataset):
            raise gexc.NotFound(f"Not found: Dataset {client.project}:{ddl.dataset}")
        client._check_rules(ddl.body, checked, param_types=argument_types)  # raw text: the dialect check
        # The name as the catalog spells it, in any letter case (DuckDB lists every built-in
        # function to answer, about 20 ms, once per CREATE). Function names are case-sensitive
        # on BigQuery: ds.MyFn beside ds.myfn would be a second function there, and here
        # CREATE OR REPLACE would replace the other one.
        spelled = client._catalog_snapshot().table_function_spelling(ddl.dataset, ddl.name)
        if spelled is not None and spelled != (ddl.dataset, ddl.name):
            raise gexc.BadRequest(
                f"Cannot create table function {ddl.dataset}.{ddl.name}: the embedded warehouse already "
                f"holds {spelled[0]}.{spelled[1]}, which differs only in letter case (BigQuery would keep "
                "both; use one spelling)")
        exists = spelled is not None
        if exists and not ddl.replace and not ddl.if_not_exists:
            raise gexc.BadRequest(f"Already Exists: Table function {client.project}:{ddl.dataset}.{ddl.name}")
        skip = exists and ddl.if_not_exists
        verb = "CREATE OR REPLACE MACRO" if ddl.replace else "CREATE MACRO"
        statement = f'{verb} "{ddl.dataset}"."{ddl.name}"({arguments}) AS TABLE {body.sql}'
        if dry_run:
            client._conn.execute("BEGIN TRANSACTION")
            try:
                if not skip:
                    client._conn.execute(statement)
            except Exception as err:
                raise client._map_error(err) from err
            finally:
                client._conn.execute("ROLLBACK")
        else:
            client._assert_job_id_free(job_id)
            with client._transaction():
                if not skip:
                    client._conn.execute(statement)
                client._record_job(job_id, "query", created, statement_type="CREATE_TABLE_FUNCTION", query=sql)
        job = EmbeddedQueryJob(job_id, client.project, client.location, created, sql,
                               "CREATE_TABLE_FUNCTION", [], [])
        if not dry_run:
            client._remember(job)
        return job


def _arguments_as_parameters(body: str, names: list[str]) -> str:
    """``body`` with each unqualified reference to an argument written as the parameter ``@name``."""
    import sqlglot

    from shared_services.bigquery.dialect import CoverageBigQuery

    wanted = {name.lower() for name in names}
    tree = sqlglot.parse_one(body, read=CoverageBigQuery)
    for column in list(tree.find_all(exp.Column)):
        if not column.table and column.name.lower() in wanted:
            column.replace(exp.Parameter(this=exp.Var(this=column.name)))
    return tree.sql(dialect="bigquery")


def rewrite_table_function_calls(tree: exp.Expression) -> None:
    """``FROM `p.ds.fn`(args)`` / ``FROM ds.fn(args)`` -> DuckDB's ``FROM "ds"."fn"(args)``.

    sqlglot reads a back-quoted ``project.dataset.fn`` call as ONE identifier; DuckDB needs the
    dataset (a schema) and the macro name apart, and has no project.
    """
    for table in list(tree.find_all(exp.Table)):
        call = table.this
        if not isinstance(call, exp.Anonymous):
            continue
        head = call.this
        head_name = head.name if isinstance(head, exp.Identifier) else str(head)
        parts = [p.name for p in (table.args.get("catalog"), table.args.get("db")) if p is not None]
        parts += head_name.split(".")
        if len(parts) < 2:
            continue
        call.set("this", parts[-1])
        table.set("db", exp.to_identifier(parts[-2], quoted=True))
        table.set("catalog", None)


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)
