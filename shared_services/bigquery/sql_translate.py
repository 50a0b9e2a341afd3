"""BigQuery-dialect SQL -> DuckDB SQL for the embedded warehouse (sqlglot based).

What the translation does on top of ``sqlglot.transpile(read="bigquery", write="duckdb")``:

* ``@name`` query parameters become typed DuckDB prepared-statement placeholders
  (``CAST($name AS <type>)``); values are never written into the SQL text. ``?`` positional
  parameters become ``$__p0``, ``$__p1``, ...
* the project part of ``project.dataset.table`` is dropped (a dataset is a DuckDB schema);
* ``DATE_ADD`` / ``DATE_SUB`` are cast back to ``DATE`` (DuckDB would return TIMESTAMP);
* ``UNNEST(x) AS v WITH OFFSET AS o`` keeps BigQuery's 0-based offsets (DuckDB's
  ``WITH ORDINALITY`` is 1-based).

It also answers which ``require_partition_filter`` tables a statement reads without a filter.

Example::

    from shared_services.bigquery.sql_translate import translate
    out = translate('SELECT * FROM `p.ds.t` WHERE id = @id', {'id': 'INT64'})
    out.statements[0].sql   # 'SELECT * FROM "ds"."t" WHERE id = CAST($id AS BIGINT)'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from google.api_core import exceptions as gexc
from sqlglot import exp
from sqlglot.errors import SqlglotError

from shared_services.bigquery.embedded_table_functions import rewrite_table_function_calls

__all__ = [
    "BQ_TO_DUCKDB_SCALAR",
    "TranslatedStatement",
    "Translation",
    "duckdb_type",
    "normalize_bq_type",
    "translate",
    "unfiltered_partition_tables",
]

#: BigQuery scalar type (standard or legacy name) -> DuckDB type.
BQ_TO_DUCKDB_SCALAR: dict[str, str] = {
    "STRING": "VARCHAR",
    "INT64": "BIGINT",
    "INTEGER": "BIGINT",
    "FLOAT64": "DOUBLE",
    "FLOAT": "DOUBLE",
    "NUMERIC": "DECIMAL(38,9)",
    "DECIMAL": "DECIMAL(38,9)",
    "BIGNUMERIC": "DECIMAL(38,9)",
    "BIGDECIMAL": "DECIMAL(38,9)",
    "BOOL": "BOOLEAN",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATETIME": "TIMESTAMP",
    "TIME": "TIME",
    "BYTES": "BLOB",
    "JSON": "JSON",
}

_LEGACY = {
    "INT64": "INTEGER",
    "FLOAT64": "FLOAT",
    "BOOL": "BOOLEAN",
    "STRUCT": "RECORD",
    "DECIMAL": "NUMERIC",
    "BIGDECIMAL": "BIGNUMERIC",
}


def normalize_bq_type(type_name: str) -> str:
    """Return BigQuery's canonical (legacy) name of a type, as the REST API reports it.

    Example::

        >>> normalize_bq_type('int64')
        'INTEGER'
    """
    upper = str(type_name).upper()
    return _LEGACY.get(upper, upper)


def duckdb_type(type_name: str) -> str:
    """DuckDB type of a BigQuery scalar type; ``BadRequest`` if unsupported.

    Example::

        >>> duckdb_type('TIMESTAMP')
        'TIMESTAMPTZ'
    """
    try:
        return BQ_TO_DUCKDB_SCALAR[str(type_name).upper()]
    except KeyError:
        raise gexc.BadRequest(f"Unsupported type {type_name!r} in the embedded warehouse") from None


@dataclass
class TranslatedStatement:
    """One statement: DuckDB SQL, its BigQuery AST and the parameter names it references."""

    sql: str
    ast: exp.Expression
    parameter_names: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE' or 'OTHER' (DDL and the rest)."""
        for cls, name in (
            (exp.Insert, "INSERT"),
            (exp.Update, "UPDATE"),
            (exp.Delete, "DELETE"),
            (exp.Merge, "MERGE"),
            (exp.Query, "SELECT"),
        ):
            if isinstance(self.ast, cls):
                return name
        return "OTHER"


@dataclass
class Translation:
    """All statements of one query text, translated."""

    statements: list[TranslatedStatement]


def _positional_to_named(tree: exp.Expression, counter: list[int]) -> None:
    for node in list(tree.find_all(exp.Placeholder)):
        if node.this:  # a named placeholder (":x") - not BigQuery syntax, leave it
            continue
        name = f"__p{counter[0]}"
        counter[0] += 1
        node.replace(exp.Parameter(this=exp.Var(this=name)))


def _parameter_name(node: exp.Parameter) -> str:
    return node.name


def _drop_project(tree: exp.Expression) -> None:
    for table in tree.find_all(exp.Table):
        if table.args.get("catalog") is not None and table.args.get("db") is not None:
            table.set("catalog", None)


def _cast_date_arithmetic(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.DateAdd, exp.DateSub)):
        if isinstance(node.parent, exp.Cast):
            continue
        node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))


def _zero_based_offsets(tree: exp.Expression, counter: list[int]) -> None:
    """``UNNEST(x) AS v WITH OFFSET AS o`` -> a subquery with ``o - 1`` (DuckDB is 1-based)."""
    for node in list(tree.find_all(exp.Unnest)):
        offset = node.args.get("offset")
        alias = node.args.get("alias")
        if not offset or alias is None or not alias.columns:
            continue
        if isinstance(node.parent, (exp.In,)):
            continue
        value_name = alias.columns[0].name
        offset_name = offset.name if isinstance(offset, exp.Expression) and offset.name else "offset"
        n = counter[0]
        counter[0] += 1
        inner_value, inner_offset = f"__uv{n}", f"__uo{n}"
        inner = exp.Unnest(
            expressions=[e.copy() for e in node.expressions],
            alias=exp.TableAlias(columns=[exp.to_identifier(inner_value)]),
            offset=exp.to_identifier(inner_offset),
        )
        select = exp.select(
            exp.alias_(exp.column(inner_value), value_name, quoted=True),
            exp.alias_(
                exp.Sub(this=exp.column(inner_offset), expression=exp.Literal.number(1)),
                offset_name,
                quoted=True,
            ),
        ).from_(inner)
        node.replace(exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(f"__unnest{n}"))))


def translate(sql: str, parameter_types: Mapping[str, str | tuple[str, bool]]) -> Translation:
    """Translate BigQuery SQL into DuckDB statements with typed ``$name`` placeholders.

    ``parameter_types`` maps a parameter name to its BigQuery type, or to
    ``(element_type, True)`` for an array parameter. A referenced parameter that is not in
    the mapping raises ``google.api_core.exceptions.BadRequest`` naming it; a parse error
    raises ``BadRequest`` too.

    Example::

        t = translate('SELECT x FROM ds.t WHERE x IN UNNEST(@xs)', {'xs': ('INT64', True)})
    """
    try:
        trees = [t for t in sqlglot.parse(sql, read="bigquery") if t is not None]
    except SqlglotError as err:
        raise gexc.BadRequest(f"Syntax error: {err}") from err
    if not trees:
        raise gexc.BadRequest("Syntax error: the query is empty")
    statements: list[TranslatedStatement] = []
    positional = [0]
    unnest_counter = [0]
    for parsed in trees:
        tree = cast_expression(parsed)
        _positional_to_named(tree, positional)
        names: list[str] = []
        for node in list(tree.find_all(exp.Parameter)):
            name = _parameter_name(node)
            if name not in parameter_types:
                raise gexc.BadRequest(
                    f"Query parameter '{name}' not found at [{name}]: the query references "
                    f"@{name} but no parameter with that name was supplied"
                )
            if name not in names:
                names.append(name)
            spec = parameter_types[name]
            if isinstance(spec, tuple):
                target = f"{duckdb_type(spec[0])}[]"
            else:
                target = duckdb_type(spec)
            typed = exp.Cast(
                this=exp.Parameter(this=exp.Var(this=name)),
                to=exp.DataType.build(target, dialect="duckdb"),
            )
            node.replace(typed)
        rewrite_table_function_calls(tree)
        _drop_project(tree)
        _cast_date_arithmetic(tree)
        _zero_based_offsets(tree, unnest_counter)
        try:
            duck_sql = tree.sql(dialect="duckdb")
        except SqlglotError as err:
            raise gexc.BadRequest(f"Cannot translate the query for DuckDB: {err}") from err
        statements.append(TranslatedStatement(sql=duck_sql, ast=tree, parameter_names=names))
    return Translation(statements=statements)


def _read_tables(tree: exp.Expression) -> list[exp.Table]:
    """The tables a statement reads (not the target of INSERT, not CREATE statements)."""
    if isinstance(tree, exp.Create):
        return []
    skip: set[int] = set()
    for ins in tree.find_all(exp.Insert):
        target = ins.this
        if isinstance(target, exp.Schema):
            target = target.this
        if isinstance(target, exp.Table):
            skip.add(id(target))
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = []
    for table in tree.find_all(exp.Table):
        if id(table) in skip:
            continue
        if not table.args.get("db") and table.name in cte_names:
            continue
        tables.append(table)
    return tables


def cast_expression(node: object) -> exp.Expression:
    """Narrow a parsed statement to ``exp.Expression`` (sqlglot's parse returns a wider type)."""
    if not isinstance(node, exp.Expression):
        raise gexc.BadRequest("Syntax error: the query has an empty statement")
    return node


def _filter_columns(tree: exp.Expression) -> set[str]:
    """Lower-cased names of every column referenced in a WHERE or a JOIN / MERGE ON clause."""
    names: set[str] = set()
    scopes: list[exp.Expression] = list(tree.find_all(exp.Where))
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        if on is not None:
            scopes.append(on)
    for merge in tree.find_all(exp.Merge):
        on = merge.args.get("on")
        if on is not None:
            scopes.append(on)
    # MERGE ... WHEN [NOT] MATCHED [BY SOURCE] AND <condition>: BigQuery prunes on these too
    # (the documented "replace a partition" idiom with ON FALSE).
    for when in tree.find_all(exp.When):
        condition = when.args.get("condition")
        if condition is not None:
            scopes.append(condition)
    for scope in scopes:
        for col in scope.find_all(exp.Column):
            names.add(col.name.lower())
    return names


def unfiltered_partition_tables(
    tree: exp.Expression, required: Mapping[tuple[str, str], str]
) -> list[tuple[str, str]]:
    """``[(table 'ds.t', partition column)]`` read by ``tree`` without a partition filter.

    ``required`` maps ``(dataset, table)`` (lower case) to the partition column of each table
    created with ``require_partition_filter=True``. A column reference anywhere inside a WHERE
    clause or a JOIN/MERGE ON condition of the statement counts as a filter (so
    ``DATE(event_timestamp) >= @d`` counts for ``event_timestamp``).

    Example::

        tree = sqlglot.parse_one('SELECT * FROM ds.t', read='bigquery')
        unfiltered_partition_tables(tree, {('ds', 't'): 'game_date'})  # [('ds.t', 'game_date')]
    """
    if not required:
        return []
    missing: list[tuple[str, str]] = []
    filtered = None
    for table in _read_tables(tree):
        key = (table.args["db"].name.lower() if table.args.get("db") else "", table.name.lower())
        column = required.get(key)
        if column is None:
            continue
        if filtered is None:
            filtered = _filter_columns(tree)
        if column.lower() not in filtered:
            item = (f"{key[0]}.{table.name}", column)
            if item not in missing:
                missing.append(item)
    return missing
