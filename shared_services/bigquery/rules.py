"""BigQuery's statement rules, checked on the sqlglot AST by the embedded warehouse.

Every rule here is one BigQuery enforces and the embedded (DuckDB) warehouse would otherwise
accept; each is listed, with its BigQuery documentation section and its test, in
``docs/bigquery-rules.md``. Violations raise the error class BigQuery returns
(``google.api_core.exceptions.BadRequest``) with a message close to BigQuery's.

* :func:`unfiltered_partition_tables` — ``require_partition_filter``: a table read must have,
  *for that table* (aliases and joins resolved), a top-level conjunct comparing its bare
  partition column (or ``DATE(col)`` for a TIMESTAMP column) with a constant expression. The
  filter may also reach the table through a derived table, a CTE or an expanded view that
  projects the column unchanged ("Query partitioned tables",
  https://cloud.google.com/bigquery/docs/querying-partitioned-tables, and "Set partition filter
  requirements", https://cloud.google.com/bigquery/docs/managing-partitioned-tables).
* :func:`check_merge` — "Correlated subqueries within a when_clause, search_condition,
  merge_update_clause or merge_insert_clause are not supported for MERGE statements"
  (https://cloud.google.com/bigquery/docs/data-manipulation-language#limitations).
* :func:`check_dialect` — DuckDB-only syntax that GoogleSQL does not have (``::`` casts,
  ``ILIKE``), calls of functions GoogleSQL does not have (:func:`check_functions`: an allow
  list of its built-ins, so DuckDB's ``list_value``, ``date_part`` or ``arg_max`` are
  refused; https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-all), and reserved
  keywords used unquoted as names (``SELECT rows FROM ...``; "Lexical structure and syntax",
  https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#reserved_keywords).
* :func:`check_script` — multi-statement transactions: no nesting, ``COMMIT`` needs a
  ``BEGIN``, no DDL on permanent tables inside a transaction
  (https://cloud.google.com/bigquery/docs/transactions).

Example::

    import sqlglot
    tree = sqlglot.parse_one('SELECT * FROM ds.t WHERE d = @d OR x = 1', read='bigquery')
    unfiltered_partition_tables(tree, {('ds', 't'): ('d', False)})   # [('ds.t', 'd')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import sqlglot
from google.api_core import exceptions as gexc
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType

from shared_services.bigquery.dialect import CoverageBigQuery
from shared_services.bigquery.function_signatures import (
    ROUNDING_MODE,
    SIGNATURES,
    Signature,
    call_arguments,
    signature_text,
    written_name,
)
from shared_services.bigquery.googlesql_functions import (
    GOOGLESQL_FUNCTIONS,
    GOOGLESQL_TABLE_FUNCTIONS,
)
from shared_services.bigquery.sql_translate import (
    DATE_TEXT,
    DATETIME_TEXT,
    PARAMETER_META,
    RESULT_CALLS,
    TIMESTAMP_TEXT,
    concatenations,
    first_select,
    implicit_column_name,
    is_star,
)

__all__ = [
    "RESERVED_KEYWORDS",
    "ViewLookup",
    "ColumnsLookup",
    "check_dialect",
    "check_functions",
    "check_dml_where",
    "check_merge",
    "check_parameters",
    "check_unenforced_columns",
    "schema_name",
    "validate_dataset_id",
    "check_script",
    "expand_views",
    "partition_filter_error",
    "unfiltered_partition_tables",
    "validate_table_definition",
    "ddl_options",
    "ddl_fields",
    "DdlOptions",
    "CLUSTERABLE_TYPES",
    "check_comparisons",
    "set_literal_types",
    "call_result_types",
]

#: GoogleSQL's reserved keywords: "If an identifier is the same as a reserved keyword, the
#: identifier must be quoted" (a name after a dot in a path excepted: ``abc5.GROUP`` is valid)
#: ("Lexical structure and syntax", sections "Quoted identifiers" and "Reserved keywords",
#: https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#reserved_keywords).
RESERVED_KEYWORDS = frozenset("""
    ALL AND ANY ARRAY AS ASC ASSERT_ROWS_MODIFIED AT BETWEEN BY CASE CAST COLLATE CONTAINS CREATE
    CROSS CUBE CURRENT DEFAULT DEFINE DESC DISTINCT ELSE END ENUM ESCAPE EXCEPT EXCLUDE EXISTS
    EXTRACT FALSE FETCH FOLLOWING FOR FROM FULL GROUP GROUPING GROUPS HASH HAVING IF IGNORE IN
    INNER INTERSECT INTERVAL INTO IS JOIN LATERAL LEFT LIKE LIMIT LOOKUP MERGE NATURAL NEW NO NOT
    NULL NULLS OF ON OR ORDER OUTER OVER PARTITION PRECEDING PROTO QUALIFY RANGE RECURSIVE RESPECT
    RIGHT ROLLUP ROWS SELECT SET SOME STRUCT TABLESAMPLE THEN TO TREAT TRUE UNBOUNDED UNION UNNEST
    USING WHEN WHERE WINDOW WITH WITHIN
""".split())
#: A path's parts in order (``catalog.db.table.column``): a part after another one follows a dot.
_PATH_PARTS = ("catalog", "db", "table", "this")

#: ``(dataset, view) -> BigQuery SQL of the view`` (lower-case keys), or ``None`` if not a view.
ViewLookup = Callable[[str, str], str | None]
#: ``(dataset, table) -> lower-case column names``, or ``None`` when unknown.
ColumnsLookup = Callable[[str, str], set[str] | None]
#: ``(dataset, table) -> {lower-case column: BigQuery type}``, None for no such relation.
ColumnTypesLookup = Callable[[str, str], Mapping[str, str] | None]

_MAX_VIEW_DEPTH = 16


# --------------------------------------------------------------------------------------
# Dialect
# --------------------------------------------------------------------------------------
def check_dialect(sql: str, trees: Sequence[exp.Expression]) -> None:
    """Reject DuckDB-only syntax BigQuery's parser does not accept (``BadRequest``).

    Example::

        check_dialect('SELECT x::INT64', [sqlglot.parse_one('SELECT x::INT64', read='bigquery')])
        # BadRequest: Syntax error: Unexpected ":" ...
    """
    try:
        tokens = sqlglot.Dialect.get_or_raise("bigquery").tokenize(sql)
    except SqlglotError as err:
        raise gexc.BadRequest(f"Syntax error: {err}") from err
    for token in tokens:
        if token.token_type == TokenType.DCOLON:
            raise gexc.BadRequest(
                f'Syntax error: Unexpected ":" at [{token.line}:{token.col}] '
                "(`::` casts are DuckDB / PostgreSQL syntax; GoogleSQL uses CAST(x AS type))"
            )
    for tree in trees:
        for node in tree.find_all(exp.ILike):
            raise gexc.BadRequest(
                "Syntax error: Expected end of input but got keyword ILIKE "
                f"(`{node.sql('bigquery')[:60]}`; GoogleSQL has no ILIKE, use LOWER(x) LIKE ...)"
            )
        _check_reserved_identifiers(tree)
        _check_null_treatment(tree)
        _check_distinct_order(tree)
        _check_aggregate_modifiers(tree)
    check_type_names(tokens, trees)
    check_functions(sql, trees, tokens)


#: The functions that take ``{IGNORE | RESPECT} NULLS`` (navigation functions "FIRST_VALUE",
#: "LAST_VALUE", "NTH_VALUE", "PERCENTILE_CONT", "PERCENTILE_DISC"; aggregate functions
#: "ARRAY_AGG"; approximate aggregate functions "APPROX_QUANTILES"); ``LAG (value_expression[, offset [, default_expression]])`` and the others have
#: no such clause.
_NULL_TREATMENT_FUNCTIONS = (exp.FirstValue, exp.LastValue, exp.NthValue, exp.PercentileCont, exp.PercentileDisc,
                             exp.ArrayAgg, exp.ApproxQuantiles)


def _check_null_treatment(tree: exp.Expression) -> None:
    """IGNORE NULLS / RESPECT NULLS on a function that has no such clause is a syntax error on
    BigQuery; DuckDB ran ``LAG(x) IGNORE NULLS OVER (...)`` (the previous non-NULL value), a
    forward fill that BigQuery refuses (write ``LAST_VALUE(x IGNORE NULLS) OVER (... ROWS BETWEEN
    UNBOUNDED PRECEDING AND 1 PRECEDING)``)."""
    for node in tree.find_all(exp.IgnoreNulls, exp.RespectNulls):
        function = node.this
        if isinstance(function, _NULL_TREATMENT_FUNCTIONS):
            continue
        name = function.name.upper() if isinstance(function, exp.Anonymous) else \
            function.sql_name() if isinstance(function, exp.Func) else type(function).__name__.upper()
        clause = "IGNORE NULLS" if isinstance(node, exp.IgnoreNulls) else "RESPECT NULLS"
        raise gexc.BadRequest(
            f"Syntax error: {clause} is not allowed for function {name} (BigQuery takes IGNORE / RESPECT NULLS "
            "in FIRST_VALUE, LAST_VALUE, NTH_VALUE, PERCENTILE_CONT, PERCENTILE_DISC, ARRAY_AGG and APPROX_QUANTILES)")


#: The functions that are analytic only (ZetaSQL gives them mode ANALYTIC): the numbering functions and
#: the navigation functions (window function calls; numbering functions; navigation functions).
_ANALYTIC_ONLY = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile, exp.Lag,
                  exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue, exp.PercentileCont, exp.PercentileDisc)
#: The aggregate functions that take ORDER BY and LIMIT in their arguments (ZetaSQL's
#: builtin_function_internal_2.cc sets ``supports_order_by`` / ``supports_limit`` for these three only).
_ORDERED_AGGREGATES = (exp.ArrayAgg, exp.GroupConcat, exp.ArrayConcatAgg)


def _over_window(node: Any) -> exp.Window | None:
    """The window call whose function ``node`` is (through IGNORE / RESPECT NULLS), else None."""
    holder = node
    while isinstance(holder.parent, exp.IgnoreNulls | exp.RespectNulls):
        holder = holder.parent
    window = holder.parent
    if isinstance(window, exp.Window) and holder.arg_key == "this" and window.args.get("over") is not None:
        return window
    return None


def _called_name(node: Any) -> str:
    """A call's function name as GoogleSQL spells it (``STRING_AGG``, not sqlglot's ``GROUP_CONCAT``)."""
    if isinstance(node, exp.Anonymous):
        return node.name.upper()
    return node.sql("bigquery").split("(", 1)[0].strip().upper()


def _check_aggregate_modifiers(tree: exp.Expression) -> None:
    """What an aggregate or analytic call may hold, as BigQuery's analyzer decides it (aggregate
    function calls: "The ORDER BY clause is supported only for aggregate functions that depend
    on the order of their input", "This ORDER BY clause can't be used if the OVER clause is
    used"; "If the HAVING clause is included in the ANY_VALUE function, the OVER clause can't be
    used"; the messages are ZetaSQL's, resolver_expr.cc and resolver_query.cc). DuckDB ran
    ``SUM(pts ORDER BY d)``, ``ARRAY_AGG(x ORDER BY d) OVER (...)``, ``ARRAY_AGG(x LIMIT 1) OVER
    (...)`` (ignoring the LIMIT), ``ANY_VALUE(x HAVING MAX d) OVER ()``, ``MAX_BY(x, d) OVER ()``
    and ``PERCENTILE_CONT(pts, 0.5)`` without OVER (a median of the group; BigQuery has it as an
    analytic function only)."""
    for node in tree.find_all(exp.AggFunc, exp.RowNumber, exp.HavingMax):
        if isinstance(node, exp.HavingMax):
            function = node.parent
            if isinstance(function, exp.Window) or _over_window(function) is not None:
                raise gexc.BadRequest("HAVING modifier is not supported on analytic functions")
            if not isinstance(function, exp.AggFunc):
                raise gexc.BadRequest("HAVING MAX and HAVING MIN are not supported on scalar functions")
            if not isinstance(function, exp.AnyValue):
                raise gexc.BadRequest(
                    f"Not emulated by the embedded warehouse: HAVING {'MAX' if node.args.get('max') else 'MIN'} in "
                    f"{_called_name(function)} (BigQuery runs it; the embedded warehouse emulates it in ANY_VALUE, "
                    "MAX_BY and MIN_BY only): run the query on BigQuery, or filter the rows to the group's "
                    "maximum first")
            continue
        window = _over_window(node)
        if isinstance(node, _ANALYTIC_ONLY):
            if window is None:
                raise gexc.BadRequest(f"Analytic function {_called_name(node)} cannot be called without an OVER "
                                      "clause")
            continue
        argument = node.args.get("this")
        limited = isinstance(argument, exp.Limit)
        ordered = isinstance(argument.this if isinstance(argument, exp.Limit) else argument, exp.Order)
        if window is not None:
            if ordered:
                raise gexc.BadRequest("ORDER BY in arguments is not supported on analytic functions")
            if limited:
                raise gexc.BadRequest("LIMIT in arguments is not supported on analytic functions")
            if isinstance(node, exp.ArgMax | exp.ArgMin):
                raise gexc.BadRequest(
                    f"{_called_name(node)} does not support an OVER clause (aggregate functions: it is a synonym for "
                    f"ANY_VALUE(x HAVING {'MAX' if isinstance(node, exp.ArgMax) else 'MIN'} y), and \"If the HAVING "
                    "clause is included in the ANY_VALUE function, the OVER clause can't be used\")")
            continue
        if not isinstance(node, _ORDERED_AGGREGATES):
            if ordered:
                raise gexc.BadRequest(f"Aggregate function {_called_name(node)} does not support ORDER BY in arguments")
            if limited:
                raise gexc.BadRequest(f"Aggregate function {_called_name(node)} does not support LIMIT in arguments")


def _check_distinct_order(tree: exp.Expression) -> None:
    """After SELECT DISTINCT, ORDER BY sees only the SELECT list's columns. The query syntax page
    is silent; BigQuery's analyzer, ZetaSQL, decides it (resolver_query.cc, "post-DISTINCT", and
    its orderby.test, which give the messages: "ORDER BY clause
    expression references column value which is not visible after SELECT DISTINCT", "Aggregate
    function MAX not allowed in ORDER BY clause after SELECT DISTINCT", "Analytic function not
    allowed ..."). DuckDB ran ``SELECT DISTINCT player FROM t ORDER BY pts``, ordering the
    players by some row's points. A SELECT list with ``*`` is left to the engine."""
    for select in tree.find_all(exp.Select):
        distinct, order = select.args.get("distinct"), select.args.get("order")
        if distinct is not None and distinct.args.get("on") is not None:
            # DuckDB's (and PostgreSQL's) SELECT DISTINCT ON (...): GoogleSQL has no such clause
            raise gexc.BadRequest("Syntax error: Expected end of input but got keyword ON (GoogleSQL has no SELECT "
                                  "DISTINCT ON; write QUALIFY ROW_NUMBER() OVER (PARTITION BY ...) = 1)")
        if distinct is None or order is None:
            continue
        if any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
               for p in select.expressions):
            continue
        # the output names, and a selected column by its own name too (ZetaSQL maps a column
        # selected under an alias to its post-DISTINCT column, as GROUP BY does)
        visible = {p.alias_or_name.lower() for p in select.expressions} | \
            {p.unalias().name.lower() for p in select.expressions if isinstance(p.unalias(), exp.Column)}
        for key in order.expressions:  # (an ordinal has no column: nothing to check)
            for node in key.find_all(exp.AggFunc, exp.Window, exp.Column):
                if node.find_ancestor(exp.Select) is not select:
                    continue  # inside a subquery of the key
                if isinstance(node, exp.Window):
                    raise gexc.BadRequest("Analytic function not allowed in ORDER BY clause after SELECT DISTINCT")
                if isinstance(node, exp.AggFunc):
                    raise gexc.BadRequest(f"Aggregate function {node.sql_name()} not allowed in ORDER BY clause "
                                          "after SELECT DISTINCT")
                # a qualified name may be a table's column or a selected STRUCT's field (``s.f``)
                if node.name.lower() in visible or (node.table and node.table.lower() in visible):
                    continue
                written = node.sql("bigquery")
                raise gexc.BadRequest(f"ORDER BY clause expression references "
                                      f"{'column ' if not node.table else ''}{written} which is not visible after "
                                      "SELECT DISTINCT")


#: GoogleSQL's type names and their documented aliases (data types: "Boolean type ... SQL
#: aliases: BOOLEAN", "Integer types ... INT, SMALLINT, INTEGER, BIGINT, TINYINT, BYTEINT",
#: "DECIMAL is an alias for NUMERIC", "BIGDECIMAL is an alias for BIGNUMERIC",
#: https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types).
GOOGLESQL_TYPE_NAMES = frozenset({
    "ARRAY", "BIGNUMERIC", "BIGDECIMAL", "BOOL", "BOOLEAN", "BYTES", "DATE", "DATETIME", "FLOAT64",
    "GEOGRAPHY", "INT64", "INT", "SMALLINT", "INTEGER", "BIGINT", "TINYINT", "BYTEINT", "INTERVAL",
    "JSON", "NUMERIC", "DECIMAL", "RANGE", "STRING", "STRUCT", "TIME", "TIMESTAMP",
})
#: What sqlglot parses those names into (tests/unit/bigquery/test_bigquery_rules.py checks that
#: each name gives one of these, and nothing else here comes from another spelling).
_GOOGLESQL_KINDS = frozenset({
    exp.DataType.Type.ARRAY, exp.DataType.Type.BIGDECIMAL, exp.DataType.Type.BOOLEAN,
    exp.DataType.Type.BINARY, exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.DOUBLE, exp.DataType.Type.GEOGRAPHY, exp.DataType.Type.BIGINT,
    exp.DataType.Type.INT, exp.DataType.Type.SMALLINT, exp.DataType.Type.TINYINT,
    exp.DataType.Type.INTERVAL, exp.DataType.Type.JSON, exp.DataType.Type.DECIMAL,
    exp.DataType.Type.RANGE, exp.DataType.Type.TEXT, exp.DataType.Type.STRUCT,
    exp.DataType.Type.TIME, exp.DataType.Type.TIMESTAMPTZ,
})
#: The tokens GoogleSQL's type names are read as; another word read as one of them (TEXT,
#: DOUBLE, TIMESTAMPTZ, INT4, BINARY, NUMBER) parses to the same kind, so it is found by its text.
_GOOGLESQL_TYPE_TOKENS = frozenset({
    TokenType.ARRAY, TokenType.BIGDECIMAL, TokenType.BOOLEAN, TokenType.BINARY, TokenType.DATE,
    TokenType.TIMESTAMP, TokenType.DOUBLE, TokenType.GEOGRAPHY, TokenType.BIGINT, TokenType.INT,
    TokenType.SMALLINT, TokenType.TINYINT, TokenType.INTERVAL, TokenType.JSON, TokenType.DECIMAL,
    TokenType.RANGE, TokenType.TEXT, TokenType.STRUCT, TokenType.TIME, TokenType.TIMESTAMPTZ,
})


#: Every token sqlglot may read as a type, but for keywords that are mostly something else
#: (NULL, UNION, EXTRACT's YEAR): a type written so is still found in the tree, named by its kind.
_TYPE_TOKENS = frozenset(Parser.TYPE_TOKENS) - {TokenType.NULL, TokenType.UNION, TokenType.YEAR}


def _type_not_found(name: str) -> gexc.BadRequest:
    return gexc.BadRequest(
        f"Type not found: {name} (not a GoogleSQL type, though the embedded warehouse's DuckDB "
        "may take it; GoogleSQL's: STRING, INT64, FLOAT64, NUMERIC, BIGNUMERIC, BOOL, BYTES, DATE, "
        "DATETIME, TIME, TIMESTAMP, INTERVAL, JSON, GEOGRAPHY, ARRAY<T>, STRUCT<...>, RANGE<T>; "
        "https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types)")


def check_type_names(tokens: Sequence[Token], trees: Sequence[exp.Expression]) -> None:
    """Refuse a type BigQuery does not have, in a CAST, a column definition, ``ARRAY<...>`` or
    ``STRUCT<...>`` (``BadRequest`` "Type not found: VARCHAR"): DuckDB takes VARCHAR, TEXT,
    DOUBLE, FLOAT, REAL, HUGEINT, UUID, BLOB, TIMESTAMPTZ... so ``CAST(x AS VARCHAR)`` ran here
    and failed on BigQuery. A word that is also a name in the statement (a column ``text``) is
    not taken for a type. A parameterized type (``STRING(10)``, ``NUMERIC(5, 2)``) is refused in
    a CAST: BigQuery takes them for columns and script variables only.

    Example::

        check_type_names(tokens, [sqlglot.parse_one('SELECT CAST(1 AS VARCHAR)', read='bigquery')])
        # BadRequest: Type not found: VARCHAR ...
    """
    written = [t for t in tokens if t.token_type in _TYPE_TOKENS and t.text.upper() not in GOOGLESQL_TYPE_NAMES]
    if written:  # (most statements write none: the names are read only then)
        names = {node.name.lower() for tree in trees for node in tree.find_all(exp.Identifier, exp.Var)}
        written = [t for t in written if t.text.lower() not in names]
    for tree in trees:
        for node in tree.find_all(exp.DataType):
            if node.this not in _GOOGLESQL_KINDS:
                # The word as written (REAL and FLOAT4 parse as FLOAT, HUGEINT as INT128).
                kind = TokenType.__members__.get(node.this.name)
                spelled = [t.text for t in written if t.token_type == kind]
                raise _type_not_found(spelled[0] if spelled else node.this.name)
    for token in written:
        if token.token_type in _GOOGLESQL_TYPE_TOKENS:
            raise _type_not_found(token.text)
    for tree in trees:
        for cast in tree.find_all(exp.Cast):  # (SAFE_CAST too)
            target = cast.args.get("to")
            if target is not None and next(target.find_all(exp.DataTypeParam), None) is not None:
                raise gexc.BadRequest(
                    f"Parameterized types are not allowed in CAST: {target.sql('bigquery')} (data types, "
                    "\"Parameterized data types\": \"You can only use parameterized data types with columns and "
                    "script variables\"); cast to the type without its parameters")


def _temporary_functions(trees: Sequence[exp.Expression]) -> set[str]:
    """Lower-case names of the script's ``CREATE TEMP FUNCTION name(...)`` (called unqualified)."""
    names: set[str] = set()
    for tree in trees:
        if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "FUNCTION":
            target = tree.this.this if isinstance(tree.this, exp.UserDefinedFunction) else tree.this
            if isinstance(target, exp.Table) and not target.args.get("db"):
                names.add(target.name.lower())
    return names


def _not_found(name: str) -> gexc.BadRequest:
    return gexc.BadRequest(
        f"Function not found: {name} (not a GoogleSQL built-in function nor a CREATE TEMP FUNCTION "
        "of this script, though the embedded warehouse's DuckDB may run it; a user-defined "
        f"function is called with its dataset, ds.{name}(...); the built-ins: "
        "https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-all)"
    )


#: Function names sqlglot parses with a routine of their own (their tree keeps no name, so
#: they are found in the tokens) that GoogleSQL does not have: ``arg_max(a, b)`` parses like
#: ``MAX_BY(a, b)``, ``try_cast`` like ``SAFE_CAST``. Keywords are left out (``LIKE ANY (...)``,
#: ``CASE (x) WHEN``).
_PARSED_APART = frozenset(
    name for name in (*CoverageBigQuery.Parser.FUNCTION_PARSERS, *CoverageBigQuery.Parser.NO_PAREN_FUNCTION_PARSERS)
    if name.upper() not in GOOGLESQL_FUNCTIONS | GOOGLESQL_TABLE_FUNCTIONS and name.upper() not in RESERVED_KEYWORDS
)
#: A name after one of these is a table's or a function's being defined, not a call.
_DEFINING_WORDS = frozenset({"INTO", "TABLE", "FUNCTION", "EXISTS", "VIEW", "PROCEDURE"})


def check_functions(sql: str, trees: Sequence[exp.Expression], tokens: Sequence[Token] | None = None) -> None:
    """Refuse a call of a function GoogleSQL does not have (``BadRequest`` "Function not found").

    Unqualified calls must name a GoogleSQL built-in (:data:`GOOGLESQL_FUNCTIONS`; in ``FROM``,
    :data:`GOOGLESQL_TABLE_FUNCTIONS`) or a ``CREATE TEMP FUNCTION`` of the same script.
    Qualified calls (``ds.udf(x)``, ``NET.HOST(x)``, ``ML.PREDICT(...)``) are user-defined or
    namespaced and not checked by name; ``SAFE.f(x)`` is checked as ``f``. BigQuery: "Function
    calls" and "All functions"
    (https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-all).

    ``tokens``: ``sql``'s BigQuery tokens when the caller has them (else read here).

    Example::

        sql = "SELECT date_part('year', d) FROM ds.t"
        check_functions(sql, [sqlglot.parse_one(sql, read='bigquery')])
        # BadRequest: Function not found: date_part (not a GoogleSQL function: ...)
    """
    temporary = _temporary_functions(trees)
    for tree in trees:
        for func in tree.find_all(exp.Func):
            if isinstance(func, exp.WeekStart):
                continue  # WEEK(MONDAY): a date part (DATE_TRUNC, DATE_DIFF, EXTRACT, LAST_DAY), no call
            name = written_name(func)
            if name is None or "." in name:
                continue  # ``\`ds.fn\`(...)``: qualified in one quoted name
            parent = func.parent
            if (isinstance(parent, exp.Dot) and func.arg_key == "expression") or isinstance(parent, exp.NetFunc):
                continue  # qualified: a user-defined or namespaced function
            if isinstance(parent, exp.Table) and func.arg_key == "this":
                if parent.args.get("db") is not None:
                    continue  # ds.table_function(...)
                allowed = GOOGLESQL_TABLE_FUNCTIONS
            else:
                allowed = GOOGLESQL_FUNCTIONS
            if name.upper() not in allowed and name.lower() not in temporary:
                raise _not_found(name)
    if tokens is None:
        try:
            tokens = sqlglot.Dialect.get_or_raise("bigquery").tokenize(sql)
        except SqlglotError:
            return  # check_dialect reports it
    for index, token in enumerate(tokens[:-1]):
        if token.text.upper() not in _PARSED_APART or tokens[index + 1].token_type != TokenType.L_PAREN:
            continue
        before = tokens[index - 1] if index else None
        if before is not None and before.token_type == TokenType.DOT:
            if index < 2 or tokens[index - 2].text.upper() != "SAFE":
                continue  # a namespaced or user-defined function
        elif before is not None and before.text.upper() in _DEFINING_WORDS:
            continue
        if token.text.lower() in temporary:
            continue
        raise _not_found(token.text)


def _after_a_dot(identifier: exp.Identifier) -> bool:
    """True when ``identifier`` follows another part of its path (``t.rows``, ``ds.range``)."""
    parent = identifier.parent
    if isinstance(parent, exp.Column | exp.Table) and identifier.arg_key in _PATH_PARTS:
        position = _PATH_PARTS.index(identifier.arg_key)
        return any(parent.args.get(part) is not None for part in _PATH_PARTS[:position])
    return isinstance(parent, exp.Dot) and identifier.arg_key == "expression"


def _check_reserved_identifiers(tree: exp.Expression) -> None:
    """An unquoted reserved keyword used as a name (a column, table, alias, column definition)
    is a syntax error on BigQuery, which DuckDB and sqlglot both accept (see RESERVED_KEYWORDS)."""
    for identifier in tree.find_all(exp.Identifier):
        word = identifier.name.upper()
        if identifier.quoted or word not in RESERVED_KEYWORDS or _after_a_dot(identifier):
            continue
        raise gexc.BadRequest(
            f"Syntax error: Unexpected keyword {word} (a reserved keyword used as a name must be "
            f"quoted with backticks: `{identifier.name}`)"
        )


# --------------------------------------------------------------------------------------
# Statement kinds
# --------------------------------------------------------------------------------------
#: What the embedded warehouse runs: queries, DML, DDL and transactions
#: (https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax, .../dml-syntax,
#: .../data-definition-language, .../procedural-language#transactions).
_RUNNABLE: tuple[type, ...] = (
    exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.TruncateTable,
    exp.Alter, exp.Transaction, exp.Commit, exp.Rollback, exp.Semicolon,
)  # CREATE and DROP: by the object they make (_RUNNABLE_OBJECTS)
#: Objects CREATE / DROP make here (TABLE FUNCTION and TEMP FUNCTION are FUNCTION to sqlglot).
_RUNNABLE_OBJECTS = frozenset({"TABLE", "VIEW", "SCHEMA", "FUNCTION"})
#: The first words of GoogleSQL statements the embedded warehouse does not run.
_GOOGLESQL_NOT_RUN = frozenset({
    "DECLARE", "SET", "EXPORT", "GRANT", "REVOKE", "CALL", "EXECUTE", "ASSERT", "RAISE", "RETURN",
    "LOOP", "WHILE", "REPEAT", "FOR", "IF", "CASE", "BREAK", "LEAVE", "CONTINUE", "ITERATE",
    "CREATE PROCEDURE", "CREATE MODEL", "CREATE SNAPSHOT", "CREATE SEARCH", "CREATE VECTOR",
    "CREATE ROW", "CREATE CAPACITY", "CREATE RESERVATION", "CREATE ASSIGNMENT", "CREATE EXTERNAL",
    "DROP PROCEDURE", "DROP MODEL", "DROP SNAPSHOT", "DROP SEARCH", "DROP VECTOR", "DROP ROW",
    "DROP EXTERNAL", "LOAD DATA",
})


def check_statement_kinds(trees: Sequence[exp.Expression | None]) -> None:
    """Only queries, DML, DDL of tables / views / datasets / functions and transactions reach
    DuckDB (``BadRequest`` otherwise).

    BigQuery has no PRAGMA, COPY, CHECKPOINT, INSTALL, ATTACH, CREATE SEQUENCE or DuckDB's SET;
    DuckDB runs them, and some touch this machine (``COPY t TO '/path'`` wrote a file,
    ``SET threads = 4`` changed the warehouse's settings). GoogleSQL statements that are none of
    the above (scripting's DECLARE / SET, CALL, EXECUTE IMMEDIATE, EXPORT DATA, LOAD DATA,
    GRANT, CREATE SNAPSHOT TABLE, CREATE PROCEDURE, ...) are refused by name as not supported
    here, rather than failing with a DuckDB parser error; so is a BEGIN ... END block (``BEGIN;``
    alone is BEGIN TRANSACTION). ``ALTER`` is left to :func:`alter_added_columns`.

    Example::

        check_statement_kinds(sqlglot.parse("COPY ds.t TO '/tmp/t.csv'", read='bigquery'))
        # BadRequest: Syntax error: COPY is not a GoogleSQL statement ...
    """
    for tree in trees:
        if tree is None:
            continue
        if isinstance(tree, exp.Create):
            _check_create_form(tree)
        if isinstance(tree, exp.Create | exp.Drop):
            if str(tree.args.get("kind") or "").upper() in _RUNNABLE_OBJECTS:
                continue
        elif isinstance(tree, _RUNNABLE):
            continue
        text = tree.sql("bigquery") if not isinstance(tree, exp.Command) \
            else f"{tree.this} {tree.expression or ''}"
        words = text.replace("(", " ").upper().split()
        if not words or words[0] == "ALTER":
            continue
        if words[0] == "BEGIN":  # BEGIN; alone is a Transaction by now: this is a block
            raise gexc.BadRequest("BEGIN ... END blocks are not supported by the embedded warehouse (it runs "
                                  "queries, DML, DDL and transactions): write the statements without the block")
        first = words[0]
        two = " ".join(words[:2])
        if two in _GOOGLESQL_NOT_RUN or first in _GOOGLESQL_NOT_RUN:
            what = {"EXECUTE": "EXECUTE IMMEDIATE", "EXPORT": "EXPORT DATA"}.get(
                first, two if first in ("CREATE", "DROP", "LOAD") else first)
            raise gexc.BadRequest(f"{what} statements are not supported by the embedded warehouse (it runs "
                                  f"queries, DML, DDL and transactions): {text.strip()[:80]}")
        what = two if first in ("CREATE", "DROP") else first
        raise gexc.BadRequest(f"Syntax error: {what} is not a GoogleSQL statement (the embedded warehouse runs "
                              "queries, DML, DDL and transactions only)")


def schema_name(create: exp.Create) -> str:
    """The dataset a ``CREATE SCHEMA`` names: sqlglot keeps it as the table's ``db``
    (``Table(db=ds)``); the translation reads a quoted ``project.dataset`` as the dataset.

    Example::

        schema_name(sqlglot.parse_one('CREATE SCHEMA nba_raw', read='bigquery'))   # 'nba_raw'
    """
    target = create.this
    name = (target.args.get("db") or target.this) if isinstance(target, exp.Table) else None
    return name.name if name is not None else ""


def check_parameters(trees: Sequence[exp.Expression | None]) -> None:
    """Where a query parameter may stand (lexical structure, "Query parameters",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#query_parameters):
    "Query parameters can't be used in the SQL body of these statements: CREATE FUNCTION,
    CREATE VIEW, CREATE MATERIALIZED VIEW, and CREATE PROCEDURE" (DuckDB's message was a binder
    error). Named beside positional parameters is refused when the query is translated
    (``sql_translate._positional_to_named``) and when the job's parameters are read.

    Example::

        check_parameters(sqlglot.parse('CREATE VIEW ds.v AS SELECT @d AS d', read='bigquery'))
        # BadRequest: Query parameters can't be used in the SQL body of CREATE VIEW ...
    """
    for tree in trees:
        if not isinstance(tree, exp.Create):
            continue
        kind = str(tree.args.get("kind") or "").upper()
        if kind in ("VIEW", "FUNCTION", "PROCEDURE") and tree.find(exp.Parameter, exp.Placeholder) is not None:
            raise gexc.BadRequest(f"Query parameters can't be used in the SQL body of CREATE {kind} statements")


def check_unenforced_columns(trees: Sequence[exp.Expression | None]) -> None:
    """:func:`_refuse_unenforced_column` for each column a CREATE TABLE or ALTER TABLE ... ADD
    COLUMN defines (after the type names are checked: ``CHAR(3)`` is "Type not found" first).

    Example::

        check_unenforced_columns(sqlglot.parse('CREATE TABLE ds.t (s STRING(3))', read='bigquery'))
        # BadRequest: Column s: parameterized type STRING(3) is not enforced by the embedded warehouse ...
    """
    for tree in trees:
        if not isinstance(tree, exp.Create | exp.Alter):
            continue
        for column in tree.find_all(exp.ColumnDef):
            _refuse_unenforced_column(column.name, column.args.get("kind"), any(
                isinstance(c.args.get("kind"), exp.DefaultColumnConstraint)
                for c in column.args.get("constraints") or []))


def _refuse_unenforced_column(name: str, kind: exp.Expression | None, has_default: bool) -> None:
    """``BadRequest`` for a column the embedded warehouse would create without its rule: a
    parameterized type (``STRING(10)``, ``NUMERIC(5, 2)``: BigQuery refuses a longer string or
    a wider number, https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#parameterized_data_types)
    or a default value (filled in there when a write leaves the column out). Here a 7-letter
    string went into STRING(3) and the default stayed NULL."""
    if kind is not None and kind.find(exp.DataTypeParam) is not None:
        raise gexc.BadRequest(f"Column {name}: parameterized type {kind.sql('bigquery')} is not enforced by the "
                              "embedded warehouse; declare the type without its length / precision here")
    if has_default:
        raise gexc.BadRequest(f"Column {name}: DEFAULT values are not supported by the embedded warehouse")


def _check_create_form(tree: exp.Create) -> None:
    """``BadRequest`` for a CREATE the embedded warehouse would turn into a plain table or view,
    dropping what makes it different there (CREATE TABLE statement,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#create_table_statement):
    a materialized view, an external table, a table clone or copy, integer-range
    (``RANGE_BUCKET``) or ingestion-time (``_PARTITIONDATE`` / ``_PARTITIONTIME``) partitioning.

    Example::

        _check_create_form(sqlglot.parse_one('CREATE MATERIALIZED VIEW ds.mv AS SELECT 1 AS x',
                                             read='bigquery'))
        # BadRequest: CREATE MATERIALIZED VIEW statements are not supported by the embedded warehouse ...
    """
    props = tree.args.get("properties")
    kinds = {type(prop) for prop in (props.expressions if props else [])}
    if str(tree.args.get("kind") or "").upper() == "SCHEMA":
        # CREATE SCHEMA (data-definition-language#create_schema_statement): the dataset's name
        # as create_dataset checks it, and no option that changes how its names or values
        # compare or round (the embedded warehouse would ignore it).
        validate_dataset_id(schema_name(tree))
        options = {prop.name.lower(): prop.args.get("value") for prop in (props.expressions if props else [])
                   if type(prop) is exp.Property}
        changing = sorted(
            ({"is_case_insensitive"} if "is_case_insensitive" in options
             and _option_value(options["is_case_insensitive"]) is True else set())
            | ({"default_rounding_mode"} if "default_rounding_mode" in options else set())
            | ({"DEFAULT COLLATE"} if exp.CollateProperty in kinds else set()))
        if changing:
            raise gexc.BadRequest(f"CREATE SCHEMA with {', '.join(changing)}: not supported by the embedded warehouse "
                                  "(it would be ignored here)")
        return
    what = ("CREATE MATERIALIZED VIEW" if exp.MaterializedProperty in kinds
            else "CREATE EXTERNAL TABLE" if exp.ExternalProperty in kinds
            else "CREATE TABLE ... CLONE / COPY" if tree.args.get("clone") is not None else None)
    if what is not None:
        raise gexc.BadRequest(f"{what} statements are not supported by the embedded warehouse")
    if exp.LikeProperty in kinds:
        # CREATE TABLE LIKE ("copies only the metadata of the source table": schema, partitioning,
        # clustering, options); sqlglot would write a CREATE ... AS SELECT ... LIMIT 0, which loses
        # all but the column types, and the OPTIONS check read its LIKE as an option ("Unsupported
        # OPTIONS value ''").
        raise gexc.BadRequest(
            "CREATE TABLE ... LIKE statements are not supported by the embedded warehouse: give the column list "
            "(with PARTITION BY / CLUSTER BY / OPTIONS), or create the table through the client, e.g. "
            "client.create_table(bigquery.Table('project.ds.new', schema=client.get_table('ds.source').schema))")
    partition = tree.find(exp.PartitionedByProperty)
    key = partition.this if partition is not None else None
    if isinstance(key, exp.RangeBucket):
        raise gexc.BadRequest("Integer-range partitioning (PARTITION BY RANGE_BUCKET) is not supported by the embedded "
                              "warehouse: partition by a DATE or TIMESTAMP column")
    if key is not None and {node.name.upper() for node in key.find_all(exp.Identifier)} & {
            "_PARTITIONDATE", "_PARTITIONTIME"}:
        raise gexc.BadRequest("Ingestion-time partitioning (_PARTITIONDATE / _PARTITIONTIME) is not supported by the "
                              "embedded warehouse: partition by a DATE or TIMESTAMP column")


# --------------------------------------------------------------------------------------
# Scripts and transactions
# --------------------------------------------------------------------------------------
def _is_permanent_ddl(tree: exp.Expression) -> bool:
    if isinstance(tree, exp.Create | exp.Drop | exp.Alter):
        props = tree.args.get("properties")
        temporary = bool(props and props.find(exp.TemporaryProperty))
        return not temporary and not tree.args.get("temporary")
    return False


def check_script(trees: Sequence[exp.Expression]) -> None:
    """Transaction structure of a multi-statement query, as BigQuery checks it.

    ``BEGIN TRANSACTION`` cannot nest, ``COMMIT`` / ``ROLLBACK`` need an open transaction,
    DDL on permanent entities is not allowed inside one. The embedded warehouse also needs
    the transaction committed by the end of the script (it runs the whole job atomically).

    Example::

        check_script(sqlglot.parse('BEGIN TRANSACTION; BEGIN TRANSACTION;', read='bigquery'))
        # BadRequest: Nested transactions are not supported
    """
    open_tx = False
    for tree in trees:
        if isinstance(tree, exp.Transaction):
            if open_tx:
                raise gexc.BadRequest("Nested transactions are not supported: BEGIN TRANSACTION "
                                      "inside an open transaction")
            open_tx = True
        elif isinstance(tree, exp.Commit):
            if not open_tx:
                raise gexc.BadRequest("COMMIT TRANSACTION without an active transaction")
            open_tx = False
        elif isinstance(tree, exp.Rollback):
            raise gexc.BadRequest(
                "ROLLBACK TRANSACTION is not supported by the embedded warehouse (a failing "
                "statement already rolls the whole job back)"
            )
        elif open_tx and _is_permanent_ddl(tree):
            raise gexc.BadRequest(
                "DDL statements creating or dropping permanent entities are not supported inside "
                f"a multi-statement transaction: {tree.sql('bigquery')[:80]}"
            )
    if open_tx:
        raise gexc.BadRequest(
            "The script ends inside a transaction (BEGIN TRANSACTION without COMMIT TRANSACTION); "
            "BigQuery would roll it back, the embedded warehouse rejects it"
        )


# --------------------------------------------------------------------------------------
# MERGE
# --------------------------------------------------------------------------------------
def _defined_aliases(node: exp.Expression) -> set[str]:
    names: set[str] = set()
    for table in node.find_all(exp.Table):
        names.add(table.alias_or_name.lower())
        names.add(table.name.lower())
    for sub in node.find_all(exp.Subquery):
        if sub.alias:
            names.add(sub.alias.lower())
    for cte in node.find_all(exp.CTE):
        names.add(cte.alias_or_name.lower())
    for unnest in node.find_all(exp.Unnest):
        alias = unnest.args.get("alias")
        if isinstance(alias, exp.TableAlias) and alias.name:
            names.add(alias.name.lower())
    return names


def check_dml_where(tree: exp.Expression) -> None:
    """DELETE and UPDATE need a WHERE clause on BigQuery ("The WHERE keyword is mandatory";
    use ``WHERE TRUE`` to touch every row), DML syntax:
    https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#delete_statement.

    Example::

        check_dml_where(sqlglot.parse_one('DELETE FROM ds.t', read='bigquery'))   # BadRequest
    """
    for node in tree.find_all(exp.Delete, exp.Update):
        if isinstance(node.parent, exp.When):
            continue  # MERGE ... THEN UPDATE SET / THEN DELETE have no WHERE
        if node.args.get("where") is None:
            kind = "DELETE" if isinstance(node, exp.Delete) else "UPDATE"
            raise gexc.BadRequest(f"Syntax error: {kind} must have a WHERE clause (use WHERE TRUE "
                                  "to affect every row)")


def alter_added_columns(tree: exp.Expression) -> list[tuple[str, str, str, bool]] | None:
    """``[(name, BigQuery type, mode, if_not_exists)]`` of an ``ALTER TABLE ... ADD COLUMN``
    statement, None for any other statement; ``BadRequest`` for what BigQuery refuses there or
    the embedded warehouse does not run.

    BigQuery ("ALTER TABLE ADD COLUMN statement", Details,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#alter_table_add_column_statement):
    "You cannot add a REQUIRED column to an existing table schema"; a new column is NULL for
    the existing rows (an empty ARRAY when REPEATED). Other ALTER TABLE actions (SET OPTIONS,
    DROP COLUMN, RENAME, ...) are not run by the embedded warehouse: refused, naming the action,
    rather than half-applied (DuckDB would change the table but not the schema the client
    reports).

    Example::

        alter_added_columns(sqlglot.parse_one('ALTER TABLE ds.t ADD COLUMN n INT64', read='bigquery'))
        # [('n', 'INT64', 'NULLABLE', False)]
    """
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "ALTER":
        # sqlglot could not read it (it keeps the text as a command): DuckDB must not run it.
        raise gexc.BadRequest("This ALTER statement is not supported by the embedded warehouse (it runs "
                              "ALTER TABLE ... ADD COLUMN and ALTER TABLE ... SET OPTIONS, one action each)")
    if not isinstance(tree, exp.Alter) or _sets_options_only(tree):
        return None  # SET OPTIONS alone: alter_set_options
    if str(tree.args.get("kind") or "").upper() != "TABLE":
        raise gexc.BadRequest(f"ALTER {tree.args.get('kind')} is not supported by the embedded warehouse")
    if tree.args.get("options"):  # sqlglot keeps a SET OPTIONS after other actions here
        raise gexc.BadRequest("ALTER TABLE ... SET OPTIONS is not supported by the embedded warehouse beside "
                              "other actions (run it as a statement of its own)")
    columns: list[tuple[str, str, str, bool]] = []
    for action in tree.args.get("actions") or []:
        if not isinstance(action, exp.ColumnDef):
            name = type(action).__name__
            what = {"AlterSet": "SET OPTIONS", "Drop": "DROP COLUMN", "AlterRename": "RENAME TO",
                    "RenameColumn": "RENAME COLUMN", "AlterColumn": "ALTER COLUMN"}.get(name, name)
            raise gexc.BadRequest(f"ALTER TABLE ... {what} is not supported by the embedded warehouse "
                                  "(ALTER TABLE ... ADD COLUMN is)")
        text, mode = _column_def_type(action)
        if text.startswith(("STRUCT", "ARRAY")):
            kind = action.args["kind"]  # (no type is STRING: a STRUCT was written)
            raise gexc.BadRequest(f"ALTER TABLE ADD COLUMN {action.name} {kind.sql('bigquery')}: "
                                  "a STRUCT column is not supported by the embedded warehouse")
        if any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint) for c in action.args.get("constraints") or []):
            raise gexc.BadRequest(f"Cannot add a REQUIRED column to an existing table schema: {action.name} "
                                  "(add it NULLABLE)")
        columns.append((action.name, text.split("(", 1)[0].strip(), mode, bool(action.args.get("exists"))))
    return columns


def _sets_options_only(tree: exp.Expression) -> bool:
    """An ``ALTER TABLE`` whose one action is ``SET OPTIONS (...)``."""
    if not isinstance(tree, exp.Alter) or str(tree.args.get("kind") or "").upper() != "TABLE":
        return False
    actions = tree.args.get("actions") or []
    return len(actions) == 1 and isinstance(actions[0], exp.AlterSet)


#: The table options ``ALTER TABLE ... SET OPTIONS`` may change on the embedded warehouse.
ALTERABLE_OPTIONS = ("description", "require_partition_filter", "partition_expiration_days")


def alter_set_options(tree: exp.Expression) -> dict[str, object] | None:
    """``{option: value}`` of an ``ALTER TABLE ... SET OPTIONS (...)`` statement (None: clear
    the option), None for any other statement; ``BadRequest`` for an option or value the
    embedded warehouse does not take.

    BigQuery ("ALTER TABLE SET OPTIONS statement",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#alter_table_set_options_statement):
    "Setting the value replaces the existing value for that option, if there was one. Setting
    the value to NULL clears the table's value for that option." It is how the docs change
    ``require_partition_filter`` ("Set partition filter requirements",
    https://cloud.google.com/bigquery/docs/managing-partitioned-tables#require-filter). Taken
    here: :data:`ALTERABLE_OPTIONS`; any other option is refused by name, not dropped.

    Example::

        alter_set_options(sqlglot.parse_one(
            "ALTER TABLE ds.t SET OPTIONS (require_partition_filter = false)", read='bigquery'))
        # {'require_partition_filter': False}
    """
    if not _sets_options_only(tree):
        return None
    options: dict[str, object] = {}
    for props in tree.args["actions"][0].expressions:
        for prop in props.expressions if isinstance(props, exp.Properties) else [props]:
            key = prop.name.lower() if isinstance(prop, exp.Property) else ""
            if key not in ALTERABLE_OPTIONS:
                raise gexc.BadRequest(f"ALTER TABLE SET OPTIONS: option {key or prop.sql('bigquery')!r} is not "
                                      f"supported by the embedded warehouse (it takes {', '.join(ALTERABLE_OPTIONS)})")
            value = _option_value(prop.args.get("value"))
            if key == "require_partition_filter" and value is not None and not isinstance(value, bool):
                raise gexc.BadRequest(f"require_partition_filter must be TRUE, FALSE or NULL, not {value!r}")
            if key == "partition_expiration_days" and value is not None and \
                    (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
                raise gexc.BadRequest("partition_expiration_days must be a positive number")
            if key == "description" and value is not None and not isinstance(value, str):
                raise gexc.BadRequest(f"description must be a STRING, not {value!r}")
            options[key] = value
    if not options:
        raise gexc.BadRequest("ALTER TABLE SET OPTIONS needs at least one option")
    return options


def check_merge(tree: exp.Expression, columns_of: ColumnTypesLookup | None = None) -> None:
    """Reject correlated subqueries in a MERGE's WHEN clauses (BigQuery's DML limitations,
    https://cloud.google.com/bigquery/docs/data-manipulation-language#limitations:
    "Correlated subqueries within a when_clause, search_condition, merge_update_clause or
    merge_insert_clause are not supported for MERGE statements"). A correlated subquery
    "references a column from outside that subquery"
    (https://cloud.google.com/bigquery/docs/reference/standard-sql/subqueries#correlated_subqueries),
    qualified or not.

    A reference qualified by a name the subquery does not define (``T.k``) is correlated.
    With ``columns_of`` (:data:`ColumnTypesLookup`, as the warehouse's catalog answers it)
    an unqualified one is too when no relation, output name or UNNEST alias inside the
    subquery has that name and the MERGE's target or source has it as a column (a name is
    resolved in the subquery first). A subquery reading a relation whose columns are not
    known is not judged by name.

    Example::

        check_merge(sqlglot.parse_one(
            'MERGE ds.t T USING ds.s S ON FALSE WHEN NOT MATCHED BY SOURCE AND '
            'EXISTS (SELECT 1 FROM ds.s X WHERE X.k = T.k) THEN DELETE', read='bigquery'))
        # BadRequest: Correlated subqueries within a when_clause ...
    """
    for merge in tree.find_all(exp.Merge):
        outer: set[str] | None = None
        for when in merge.find_all(exp.When):
            for select in when.find_all(exp.Select):
                inner = _defined_aliases(select)
                for column in select.find_all(exp.Column):
                    qualifier = column.table
                    if qualifier and qualifier.lower() not in inner:
                        _refuse_correlated(f"{qualifier}.{column.name}")
                if columns_of is None:
                    continue
                visible = _visible_columns(select, columns_of)
                if visible is None:
                    continue  # a relation inside whose columns are not known: not judged
                if outer is None:
                    outer = _merge_columns(merge, columns_of)
                for column in select.find_all(exp.Column):
                    name = column.name.lower()
                    if not column.table and name not in visible and name not in inner and name in outer:
                        _refuse_correlated(f"{column.name}, a column of the MERGE's target or source that no "
                                           "relation inside the subquery has")


def _refuse_correlated(reference: str) -> None:
    raise gexc.BadRequest(
        "Correlated subqueries within a when_clause, search_condition, merge_update_clause or "
        f"merge_insert_clause are not supported for MERGE statements (the subquery references {reference})"
    )


def _relation_columns(table: exp.Table, node: exp.Expression, columns_of: ColumnTypesLookup) -> set[str] | None:
    """The columns of one table reference inside ``node``: a CTE's output names when one of
    ``node``'s CTEs has its name, else the catalog's; None when not known."""
    db = table.args.get("db")
    if db is None:
        for cte in node.find_all(exp.CTE):
            if cte.alias_or_name.lower() == table.name.lower():
                body = cte.this
                if isinstance(body, exp.Query) and "*" not in body.named_selects:
                    return {name.lower() for name in body.named_selects}
        return None
    found = columns_of(db.name.lower(), table.name.lower())
    return None if found is None else {str(name).lower() for name in found}


def _visible_columns(select: exp.Select, columns_of: ColumnTypesLookup) -> set[str] | None:
    """Every column name a reference inside ``select`` may resolve to without leaving it (the
    columns of each relation it reads, at any depth, and every output name and UNNEST alias
    it defines); None when a relation's columns are not known."""
    names: set[str] = set()
    for table in select.find_all(exp.Table):
        columns = _relation_columns(table, select, columns_of)
        if columns is None:
            return None
        names |= columns
    for query in select.find_all(exp.Select):
        names.update(name.lower() for name in query.named_selects)
    for unnest in select.find_all(exp.Unnest):
        # UNNEST(x) AS v WITH OFFSET AS o: sqlglot holds v as the alias's column, o as offset.
        alias, offset = unnest.args.get("alias"), unnest.args.get("offset")
        if isinstance(alias, exp.TableAlias):
            names.update(column.name.lower() for column in alias.columns)
        if isinstance(offset, exp.Expression) and offset.name:
            names.add(offset.name.lower())
    return names


def _merge_columns(merge: exp.Merge, columns_of: ColumnTypesLookup) -> set[str]:
    """The column names of a MERGE's target and source (those known): a source subquery's
    output names, and the columns of the tables it reads when it selects ``*``."""
    names: set[str] = set()
    for part in (merge.this, merge.args.get("using")):
        if isinstance(part, exp.Table):
            names |= _relation_columns(part, merge, columns_of) or set()
        elif isinstance(part, exp.Subquery):
            outputs = {name.lower() for name in part.named_selects}
            names |= outputs
            if "*" in outputs:
                for table in part.find_all(exp.Table):
                    names |= _relation_columns(table, merge, columns_of) or set()
    return names


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------
def _table_key(table: exp.Table) -> tuple[str, str]:
    db = table.args.get("db")
    return (db.name.lower() if db is not None else "", table.name.lower())


def expand_views(tree: exp.Expression, view_sql: ViewLookup, _depth: int = 0) -> exp.Expression:
    """A copy of ``tree`` with every view reference replaced by its (parsed) definition.

    The view becomes a derived table aliased as the reference was (or by the view's name), so
    the partition-filter check sees the base tables, as BigQuery does.

    Example::

        expand_views(sqlglot.parse_one('SELECT * FROM ds.v', read='bigquery'),
                     lambda ds, name: 'SELECT * FROM ds.t' if name == 'v' else None)
    """
    if _depth > _MAX_VIEW_DEPTH:
        raise gexc.BadRequest("Views are nested too deeply (or reference themselves)")
    tree = tree.copy()
    for table in list(tree.find_all(exp.Table)):
        db, name = _table_key(table)
        if not db:
            continue
        sql = view_sql(db, name)
        if sql is None:
            continue
        try:
            parsed = sqlglot.parse_one(sql, read=CoverageBigQuery)
        except SqlglotError as err:  # pragma: no cover - views were parsed when created
            raise gexc.BadRequest(f"View {db}.{name} cannot be parsed: {err}") from err
        if not isinstance(parsed, exp.Expression):  # pragma: no cover
            raise gexc.BadRequest(f"View {db}.{name} has an empty definition")
        body = expand_views(parsed, view_sql, _depth + 1)
        alias = table.alias_or_name
        replacement = exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(alias)))
        if table is tree:
            return replacement
        table.replace(replacement)
    return tree


# --------------------------------------------------------------------------------------
# Partition filters
# --------------------------------------------------------------------------------------
@dataclass
class _Carrier:
    """Names through which the partition value is visible in one scope.

    ``levels`` maps a lower-case column name to ``'raw_ts'`` (the TIMESTAMP partition column
    itself: ``col`` or ``DATE(col)`` qualify), ``'raw'`` (a DATE / DATETIME / integer
    partition column) or ``'date'`` (``DATE(ts)`` already applied).
    """

    alias: str
    levels: dict[str, str]


def _from_of(select: exp.Expression) -> exp.Expression | None:
    return select.args.get("from_") or select.args.get("from")


def _cte_body(reference: exp.Expression, name: str) -> exp.Expression | None:
    """The query of the CTE ``name`` that ``reference`` (a table without a dataset) reads: the
    nearest enclosing WITH that defines it."""
    node: Any = reference.parent
    while node is not None:
        with_ = node.args.get("with_")
        if isinstance(with_, exp.With):
            for cte in with_.expressions:
                if cte.alias_or_name.lower() == name:
                    body: exp.Expression | None = cte.this
                    return body
        node = node.parent
    return None


def _sources(scope: exp.Expression) -> list[exp.Expression]:
    """The relations a query block reads directly (tables, derived tables, unnests)."""
    out: list[exp.Expression] = []
    if isinstance(scope, exp.Select | exp.Update):
        src = _from_of(scope)
        if src is not None and src.this is not None:
            out.append(src.this)
        for join in scope.args.get("joins") or []:
            out.append(join.this)
    if isinstance(scope, exp.Update | exp.Delete | exp.Merge) and scope.this is not None:
        out.append(scope.this)
    if isinstance(scope, exp.Merge) and scope.args.get("using") is not None:
        out.append(scope.args["using"])
    return out


def _scope_of(table: exp.Expression) -> exp.Expression | None:
    parent = table.parent
    if isinstance(parent, exp.From | exp.Join):
        scope = parent.parent
        return scope if isinstance(scope, exp.Expression) else None
    if isinstance(parent, exp.Delete | exp.Update | exp.Merge):
        return parent
    return None


def _conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    return [node]


def _disjuncts(node: exp.Expression) -> list[exp.Expression]:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Or):
        return _disjuncts(node.this) + _disjuncts(node.expression)
    return [node]


def _is_constant(node: exp.Expression | None) -> bool:
    """A literal, parameter or an expression of them (no column, no subquery)."""
    if node is None:
        return False
    if node.find(exp.Column, exp.Select, exp.Subquery, exp.Star) is not None:
        return False
    return True


class _Resolver:
    def __init__(self, columns_of: ColumnsLookup, tree: exp.Expression):
        self.columns_of = columns_of
        self.tree = tree

    def source_names(self, source: exp.Expression) -> set[str] | None:
        if isinstance(source, exp.Table):
            db, name = _table_key(source)
            if not db:
                cte = self._cte(name)
                return self._projected(cte.this) if cte is not None else None
            return self.columns_of(db, name)
        if isinstance(source, exp.Subquery):
            return self._projected(source.this)
        return None

    def _cte(self, name: str) -> exp.CTE | None:
        for cte in self.tree.find_all(exp.CTE):
            if cte.alias_or_name.lower() == name:
                return cte
        return None

    @staticmethod
    def _projected(body: exp.Expression) -> set[str] | None:
        if not isinstance(body, exp.Select):
            return None
        names = set()
        for projection in body.expressions:
            if is_star(projection):
                return None
            names.add(projection.alias_or_name.lower())
        return names

    def unambiguous(self, scope: exp.Expression, mine: exp.Expression, name: str) -> bool:
        """An unqualified ``name`` in ``scope`` can only mean a column of ``mine``."""
        for source in _sources(scope):
            if source is mine:
                continue
            names = self.source_names(source)
            if names is None or name in names:
                return False
        return True


def _target_level(node: exp.Expression, carrier: _Carrier, scope: exp.Expression,
                  mine: exp.Expression, resolver: _Resolver) -> str | None:
    """``'ok'`` if ``node`` is the bare partition column of ``mine`` (or DATE() of a TIMESTAMP)."""
    wrapped_in_date = False
    if isinstance(node, exp.Date) and node.this is not None and not node.expressions:
        wrapped_in_date = True
        node = node.this
    if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
        return None
    name = node.name.lower()
    level = carrier.levels.get(name)
    if level is None:
        return None
    if node.table:
        if node.table.lower() != carrier.alias.lower():
            return None
    elif not resolver.unambiguous(scope, mine, name):
        return None
    if wrapped_in_date:
        return "ok" if level == "raw_ts" else None
    return "ok"


def _qualifies(cond: exp.Expression, carrier: _Carrier, scope: exp.Expression,
               mine: exp.Expression, resolver: _Resolver) -> bool:
    branches = _disjuncts(cond)
    if len(branches) > 1:
        return all(_qualifies(b, carrier, scope, mine, resolver) for b in branches)
    node = branches[0]

    def is_target(side: exp.Expression | None) -> bool:
        return side is not None and _target_level(side, carrier, scope, mine, resolver) == "ok"

    if isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE | exp.NullSafeEQ):
        left, right = node.this, node.expression
        return (is_target(left) and _is_constant(right)) or (is_target(right) and _is_constant(left))
    if isinstance(node, exp.Between):
        return is_target(node.this) and _is_constant(node.args.get("low")) and _is_constant(node.args.get("high"))
    if isinstance(node, exp.In):
        if not is_target(node.this) or node.args.get("query") is not None:
            return False
        unnest = node.args.get("unnest")
        if unnest is not None:
            return _is_constant(unnest)
        values = node.expressions
        return bool(values) and all(_is_constant(v) for v in values)
    return False


def _filters_for(scope: exp.Expression, mine: exp.Expression) -> list[exp.Expression]:
    conds: list[exp.Expression] = []
    where = scope.args.get("where")
    if where is not None:
        conds += _conjuncts(where.this)
    if isinstance(scope, exp.Select):
        for join in scope.args.get("joins") or []:
            # An ON filter does not restrict the preserved side of an outer join: the left
            # side of a LEFT JOIN, the joined table of a RIGHT JOIN, both sides of a FULL JOIN
            # (every preserved row comes out whatever the ON says, so nothing is pruned).
            side = (join.args.get("side") or "").upper()
            if side == "FULL" or (side == "LEFT" and join.this is not mine) \
                    or (side == "RIGHT" and join.this is mine):
                continue
            conds += _conjuncts(join.args.get("on"))
    if isinstance(scope, exp.Merge):
        conds += _conjuncts(scope.args.get("on"))
        whens = scope.args.get("whens")
        for when in (whens.expressions if isinstance(whens, exp.Whens) else []):
            conds += _conjuncts(when.args.get("condition"))
    return conds


def _push_up(scope: exp.Expression, carrier: _Carrier, mine: exp.Expression,
             resolver: _Resolver) -> list[tuple[exp.Expression, exp.Expression, _Carrier]]:
    """Where a filter on the output of ``scope`` reaches ``mine``: ``[(outer scope, source
    node, carrier)]``; ``[]`` when it cannot (not a derived table, window, LIMIT, no column)."""
    if not isinstance(scope, exp.Select) or scope.args.get("limit") is not None:
        return []
    if any(p.find(exp.Window) for p in scope.expressions):
        return []
    levels: dict[str, str] = {}
    for projection in scope.expressions:
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        if is_star(inner):
            qualifier = inner.table if isinstance(inner, exp.Column) else ""
            if (qualifier and qualifier.lower() == carrier.alias.lower()) or (
                not qualifier and len(_sources(scope)) == 1
            ):
                levels.update(carrier.levels)
            continue
        wrapped = isinstance(inner, exp.Date)
        column = inner.this if wrapped else inner
        if not isinstance(column, exp.Column):
            continue
        level = carrier.levels.get(column.name.lower())
        if level is None:
            continue
        if column.table and column.table.lower() != carrier.alias.lower():
            continue
        if not column.table and not resolver.unambiguous(scope, mine, column.name.lower()):
            continue
        if wrapped:
            if level != "raw_ts":
                continue
            level = "date"
        levels[projection.alias_or_name.lower()] = level
    if not levels:
        return []
    parent = scope.parent
    if isinstance(parent, exp.Subquery):
        outer = _scope_of(parent)
        if outer is None:
            return []
        return [(outer, parent, _Carrier(parent.alias_or_name, levels))]
    if isinstance(parent, exp.CTE):
        name = parent.alias_or_name.lower()
        uses: list[tuple[exp.Expression, exp.Expression, _Carrier]] = []
        for table in resolver.tree.find_all(exp.Table):
            if not table.args.get("db") and table.name.lower() == name:
                outer = _scope_of(table)
                if outer is None:
                    return []
                uses.append((outer, table, _Carrier(table.alias_or_name, levels)))
        return uses
    return []


def _satisfied(scope: exp.Expression, mine: exp.Expression, carrier: _Carrier,
               resolver: _Resolver, depth: int = 0) -> bool:
    if depth > 64:
        return False
    if any(_qualifies(c, carrier, scope, mine, resolver) for c in _filters_for(scope, mine)):
        return True
    uses = _push_up(scope, carrier, mine, resolver)
    return bool(uses) and all(_satisfied(o, src, c, resolver, depth + 1) for o, src, c in uses)


def _read_tables(tree: exp.Expression) -> list[exp.Table]:
    """The base tables a statement reads (not an INSERT target, not inside CREATE VIEW; none
    for DROP or ALTER, which change a table's definition and read no row: BigQuery's own
    example of changing ``require_partition_filter`` is an ``ALTER TABLE ... SET OPTIONS`` on
    such a table ("Set partition filter requirements",
    https://cloud.google.com/bigquery/docs/managing-partitioned-tables#require-filter), and
    the requirement is on "queries on the table"). TRUNCATE TABLE stays checked: the docs do
    not say it is exempt, and refusing here what BigQuery might accept is the safe side."""
    if isinstance(tree, exp.Drop | exp.Alter):
        return []
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        body = tree.args.get("expression")
        if kind != "TABLE" or body is None:
            return []
        tree = body
    skip: set[int] = set()
    for ins in tree.find_all(exp.Insert):
        target = ins.this
        if isinstance(target, exp.Schema):
            target = target.this
        if isinstance(target, exp.Table):
            skip.add(id(target))
    return [t for t in tree.find_all(exp.Table) if id(t) not in skip and t.args.get("db") is not None]


def unfiltered_partition_tables(
    tree: exp.Expression,
    required: Mapping[tuple[str, str], tuple[str, bool]],
    columns_of: ColumnsLookup | None = None,
) -> list[tuple[str, str]]:
    """``[('ds.t', partition column)]`` read by ``tree`` without a qualifying partition filter.

    ``required`` maps ``(dataset, table)`` (lower case) to ``(partition column, is_timestamp)``
    of each table with ``require_partition_filter``. Expand views first (:func:`expand_views`).
    A filter qualifies when it is a top-level ``AND`` conjunct (an ``OR`` qualifies only if
    every branch does) of the WHERE / join ON / MERGE ON or WHEN condition of the query block
    that reads the table, comparing the table's own partition column (qualified by its alias,
    or unqualified when no other source of that block has such a column) — bare, or inside
    ``DATE()`` for a TIMESTAMP column — with a constant expression (literals, parameters,
    functions of them; no column, no subquery). A filter on a derived table / CTE / view
    column that projects the partition column unchanged reaches the table too.

    Example::

        tree = sqlglot.parse_one('SELECT * FROM ds.t a JOIN ds.u b ON a.k = b.k '
                                 'WHERE b.d = @d', read='bigquery')
        unfiltered_partition_tables(tree, {('ds', 't'): ('d', False)})   # [('ds.t', 'd')]
    """
    if not required:
        return []
    resolver = _Resolver(columns_of or (lambda _db, _name: None), tree)
    missing: list[tuple[str, str]] = []
    for table in _read_tables(tree):
        key = _table_key(table)
        spec = required.get(key)
        if spec is None:
            continue
        column, is_timestamp = spec
        scope = _scope_of(table)
        carrier = _Carrier(table.alias_or_name, {column.lower(): "raw_ts" if is_timestamp else "raw"})
        if scope is None or not _satisfied(scope, table, carrier, resolver):
            item = (f"{key[0]}.{table.name}", column)
            if item not in missing:
                missing.append(item)
    return missing


def partition_filter_error(table: str, column: str) -> gexc.BadRequest:
    """BigQuery's error for a read without a partition filter.

    Example::

        raise partition_filter_error('ds.t', 'game_date')
    """
    return gexc.BadRequest(
        f"Cannot query over table '{table}' without a filter over column(s) '{column}' that can "
        "be used for partition elimination"
    )


# --------------------------------------------------------------------------------------
# Table definitions (create_table and CREATE TABLE)
# --------------------------------------------------------------------------------------
#: Types a clustering column may have ("Clustered table limitations":
#: https://cloud.google.com/bigquery/docs/clustered-tables#limitations), legacy names too.
CLUSTERABLE_TYPES = frozenset({"DATE", "BOOL", "BOOLEAN", "GEOGRAPHY", "INT64", "INTEGER", "NUMERIC",
                               "BIGNUMERIC", "STRING", "TIMESTAMP", "DATETIME", "RANGE"})
#: Types of a time-unit partitioning column ("Time-unit column partitioning":
#: https://cloud.google.com/bigquery/docs/partitioned-tables#date_timestamp_partitioned_tables).
TIME_PARTITION_TYPES = ("DATE", "TIMESTAMP", "DATETIME")
_MAX_CLUSTERING = 4
_DATASET_RE = r"^[A-Za-z0-9_]{1,1024}$"
_COLUMN_RE = r"^[A-Za-z_][A-Za-z0-9_]{0,299}$"
_RESERVED_PREFIXES = ("_table_", "_file_", "_partition", "_row_timestamp", "__root__", "_colidentifier")
_PARTITION_BY_MESSAGE = (
    "PARTITION BY expression must be DATE(<timestamp_column>), DATE(<datetime_column>), "
    "DATETIME_TRUNC(<datetime_column>, DAY/HOUR/MONTH/YEAR), a DATE column, "
    "TIMESTAMP_TRUNC(<timestamp_column>, DAY/HOUR/MONTH/YEAR), DATE_TRUNC(<date_column>, MONTH/YEAR), "
    "or RANGE_BUCKET(<int64_column>, GENERATE_ARRAY(<int64_value>, <int64_value>[, <int64_value>]))"
)


def _legacy(type_name: str) -> str:
    upper = type_name.upper()
    return {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN", "STRUCT": "RECORD"}.get(upper, upper)


def validate_dataset_id(dataset: str) -> None:
    """``BadRequest`` unless ``dataset`` is a valid dataset ID: letters, numbers and
    underscores, at most 1,024 characters (https://cloud.google.com/bigquery/docs/datasets#dataset-naming).

    Example::

        validate_dataset_id('nba_reference')   # fine
        validate_dataset_id('nba-reference')   # BadRequest: Invalid dataset ID ...
    """
    if not re.match(_DATASET_RE, dataset or ""):
        raise gexc.BadRequest(f"Invalid dataset ID \"{(dataset or '')[:100]}\". Dataset IDs must be alphanumeric "
                              "(plus underscores) and must be at most 1024 characters long.")


def validate_table_definition(
    table: str,
    fields: Sequence[tuple[str, str, str]],
    partition_field: str | None,
    clustering: Sequence[str] | None,
    partition_types: Sequence[str] = TIME_PARTITION_TYPES,
) -> None:
    """What BigQuery validates when a table is created; ``BadRequest`` naming the problem.

    ``fields`` are the top-level ``(name, type, mode)`` columns. Checks: dataset, table and
    column names (https://cloud.google.com/bigquery/docs/tables#table_naming,
    https://cloud.google.com/bigquery/docs/schemas#column_names), duplicate columns, the
    partition column exists, is top-level, not REPEATED and of ``partition_types``; at most four
    clustering columns, each existing, top-level, not REPEATED and of a clusterable type.

    Example::

        validate_table_definition('ds.t', [('d', 'DATE', 'NULLABLE')], 'd', ['d'])
    """
    dataset, _, name = table.rpartition(".")
    validate_dataset_id(dataset)
    if not name or len(name.encode("utf-8")) > 1024 or not re.match(r"^[\w\- ]+$", name):
        raise gexc.BadRequest(f"Invalid table ID \"{name}\". Table IDs must be alphanumeric (plus "
                              "underscores, dashes and spaces) and at most 1024 bytes long.")
    by_name: dict[str, tuple[str, str, str]] = {}
    for field in fields:
        column = field[0]
        if not re.match(_COLUMN_RE, column) or column.lower().startswith(_RESERVED_PREFIXES):
            raise gexc.BadRequest(
                f"Invalid field name \"{column}\". Fields must contain only letters, numbers, and "
                "underscores, start with a letter or underscore, be at most 300 characters long, "
                "and not use a reserved prefix."
            )
        if column.lower() in by_name:
            raise gexc.BadRequest(f"Field {column} already exists in schema of table {table}")
        by_name[column.lower()] = field
    if partition_field:
        found = by_name.get(partition_field.lower())
        if found is None:
            raise gexc.BadRequest(
                f"The field specified for partitioning cannot be found in the schema: {partition_field}"
            )
        ftype, mode = _legacy(found[1]), found[2].upper()
        allowed = {_legacy(t) for t in partition_types}
        if mode == "REPEATED" or ftype not in allowed:
            raise gexc.BadRequest(
                f"Partitioning field {partition_field} has invalid type {found[1]}{' (REPEATED)' if mode == 'REPEATED' else ''}"
                f"; it must be a top-level field of type {', '.join(sorted(set(partition_types)))}"
            )
    if clustering:
        if len(clustering) > _MAX_CLUSTERING:
            raise gexc.BadRequest(
                f"Too many clustering fields: {len(clustering)}; at most {_MAX_CLUSTERING} clustering "
                "fields are allowed"
            )
        for column in clustering:
            found = by_name.get(str(column).lower())
            if found is None:
                raise gexc.BadRequest(f"The field specified for clustering cannot be found in the schema: {column}")
            if found[2].upper() == "REPEATED" or _legacy(found[1]) not in CLUSTERABLE_TYPES:
                raise gexc.BadRequest(
                    f"Field {column} is of type {found[1]}{' (REPEATED)' if found[2].upper() == 'REPEATED' else ''}"
                    ", which is not supported for clustering: clustering fields must be top-level, "
                    "non-repeated fields of type DATE, BOOL, GEOGRAPHY, INT64, NUMERIC, BIGNUMERIC, "
                    "STRING, TIMESTAMP, DATETIME or RANGE"
                )


@dataclass
class DdlOptions:
    """PARTITION BY / CLUSTER BY / OPTIONS of a ``CREATE TABLE`` statement."""

    partition_field: str | None = None
    partition_types: tuple[str, ...] = TIME_PARTITION_TYPES
    #: The partitioning type: DAY, or the unit of a DATE_TRUNC / TIMESTAMP_TRUNC / DATETIME_TRUNC.
    partition_unit: str = "DAY"
    clustering: list[str] | None = None
    require_partition_filter: bool = False
    expiration_days: int | None = None
    description: str | None = None


def _partition_unit(trunc: exp.Expression, allowed: tuple[str, ...]) -> str:
    """The unit of a PARTITION BY ``*_TRUNC`` call, one of ``allowed`` ("partition_expression":
    DATE_TRUNC(date_column, { MONTH | YEAR }), TIMESTAMP_TRUNC / DATETIME_TRUNC(column, { DAY |
    HOUR | MONTH | YEAR }), https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#partition_expression);
    ``BadRequest`` for another (WEEK, QUARTER...)."""
    unit = trunc.args.get("unit")
    name = str(unit.this if isinstance(unit, exp.Literal | exp.Var) else "").upper()
    if name not in allowed:
        raise gexc.BadRequest(_PARTITION_BY_MESSAGE)
    return name


def _option_value(value: exp.Expression | None) -> object:
    if isinstance(value, exp.Boolean):
        return bool(value.this)
    if isinstance(value, exp.Literal):
        if value.is_string:
            return str(value.this)
        text = str(value.this)
        return float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(value, exp.Null):
        return None
    raise gexc.BadRequest(f"Unsupported OPTIONS value {value.sql('bigquery') if value is not None else ''!r}")


def ddl_options(create: exp.Create) -> DdlOptions:
    """Read PARTITION BY, CLUSTER BY and OPTIONS of a CREATE TABLE (``BadRequest`` on an invalid
    PARTITION BY expression, as BigQuery words it).

    Example::

        ddl_options(sqlglot.parse_one('CREATE TABLE ds.t (d DATE) PARTITION BY d', read='bigquery'))
    """
    out = DdlOptions()
    props = create.args.get("properties")
    for prop in (props.expressions if props is not None else []):
        if isinstance(prop, exp.PartitionedByProperty):
            expr = prop.this
            while isinstance(expr, exp.Paren):
                expr = expr.this
            if isinstance(expr, exp.Column | exp.Identifier):
                out.partition_field, out.partition_types = expr.name, ("DATE",)
            elif isinstance(expr, exp.Date) and isinstance(expr.this, exp.Column):
                out.partition_field, out.partition_types = expr.this.name, ("TIMESTAMP", "DATETIME")
            elif isinstance(expr, exp.TimestampTrunc) and isinstance(expr.this, exp.Column):
                out.partition_field, out.partition_types = expr.this.name, ("TIMESTAMP",)
                out.partition_unit = _partition_unit(expr, ("DAY", "HOUR", "MONTH", "YEAR"))
            elif isinstance(expr, exp.DatetimeTrunc) and isinstance(expr.this, exp.Column):
                out.partition_field, out.partition_types = expr.this.name, ("DATETIME",)
                out.partition_unit = _partition_unit(expr, ("DAY", "HOUR", "MONTH", "YEAR"))
            elif isinstance(expr, exp.DateTrunc) and isinstance(expr.this, exp.Column):
                out.partition_field, out.partition_types = expr.this.name, ("DATE",)
                out.partition_unit = _partition_unit(expr, ("MONTH", "YEAR"))
            elif type(expr).__name__ == "RangeBucket" and isinstance(expr.this, exp.Column):
                out.partition_field, out.partition_types = expr.this.name, ("INT64",)
            else:
                raise gexc.BadRequest(_PARTITION_BY_MESSAGE)
        elif isinstance(prop, exp.ClusterProperty):
            out.clustering = [c.name for c in prop.expressions]
        elif isinstance(prop, exp.Property):
            key = prop.name.lower()
            value = _option_value(prop.args.get("value"))
            if key == "require_partition_filter":
                out.require_partition_filter = bool(value)
            elif key == "partition_expiration_days":
                if value is not None and (not isinstance(value, int | float) or value <= 0):
                    raise gexc.BadRequest("partition_expiration_days must be a positive number")
                out.expiration_days = None if value is None else int(value)
            elif key == "description":
                out.description = None if value is None else str(value)
    if out.require_partition_filter and not out.partition_field:
        raise gexc.BadRequest("require_partition_filter is only allowed on a partitioned table")
    return out


def _column_def_type(column: exp.ColumnDef) -> tuple[str, str]:
    """``(type as written in upper case, mode)`` of a column definition: ``ARRAY<T>`` is T,
    REPEATED; no type is STRING."""
    kind = column.args.get("kind")
    text = kind.sql("bigquery").upper() if kind is not None else "STRING"
    if text.startswith("ARRAY<"):
        return text[6:-1], "REPEATED"
    return text, "NULLABLE"


def ddl_fields(create: exp.Create) -> list[tuple[str, str, str]]:
    """``(name, BigQuery type, mode)`` of the column list of a CREATE TABLE (empty for CTAS)."""
    fields: list[tuple[str, str, str]] = []
    if isinstance(create.this, exp.Schema):
        for column in create.this.expressions:
            if not isinstance(column, exp.ColumnDef):
                continue
            text, mode = _column_def_type(column)
            base = text.split("<", 1)[0].split("(", 1)[0].strip()
            fields.append((column.name, base, mode))
    return fields


# --------------------------------------------------------------------------------------
# Comparison signatures
# --------------------------------------------------------------------------------------
#: ``(dataset, table) -> {lower-case column: BigQuery type}``, or ``None`` when unknown.
TypesLookup = Callable[[str, str], dict[str, str] | None]

_FAMILY = {
    "INT64": "NUM", "INTEGER": "NUM", "FLOAT64": "NUM", "FLOAT": "NUM", "NUMERIC": "NUM",
    "BIGNUMERIC": "NUM", "DECIMAL": "NUM", "BIGDECIMAL": "NUM",
    "STRING": "STRING", "BOOL": "BOOL", "BOOLEAN": "BOOL", "BYTES": "BYTES",
    "DATE": "DATE", "DATETIME": "DATETIME", "TIMESTAMP": "TIMESTAMP", "TIME": "TIME",
    "INTERVAL": "INTERVAL", "JSON": "JSON",
}
#: Value functions whose result has their first argument's type (navigation functions
#: "LAG" / "LEAD" / "FIRST_VALUE" / "LAST_VALUE", aggregate functions "MIN" / "MAX" /
#: "ANY_VALUE": "Returned Data Types: Same type as expression").
_SAME_TYPE_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.Min, exp.Max, exp.AnyValue)
_DATETIME_FAMILIES = ("DATE", "DATETIME", "TIMESTAMP")
#: Functions of one number whose result type the reference's tables fix (see
#: ``_TypeChecker._numeric_result_type``); those of ``_INT64_TO_FLOAT64_FUNCTIONS`` turn an INT64
#: into a FLOAT64, the others keep the argument's type.
_INT64_TO_FLOAT64_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Round, exp.Trunc, exp.Ceil, exp.Floor, exp.Sqrt, exp.Avg)
_NUMERIC_FUNCTIONS: tuple[type[exp.Expression], ...] = (exp.Abs, exp.Sum, *_INT64_TO_FLOAT64_FUNCTIONS)
#: Literal / parameter coercion: a STRING literal or parameter compares with these
#: ("Conversion rules: literal coercion / parameter coercion",
#: https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_rules).
_STRING_COERCIBLE = {"DATE", "DATETIME", "TIMESTAMP", "TIME"}
_DUCK_TO_BQ = {"BIGINT": "INT64", "INT": "INT64", "DOUBLE": "FLOAT64", "VARCHAR": "STRING", "TEXT": "STRING",
               "BOOLEAN": "BOOL", "TIMESTAMPTZ": "TIMESTAMP", "BLOB": "BYTES"}


@dataclass
class _Typed:
    type: str
    coercible_string: bool = False  # a string literal / parameter (may become a date or time)
    number_literal: bool = False  # an INT64 / FLOAT64 literal (a FLOAT64 one may become a NUMERIC)


def _datatype_name(node: exp.DataType | None) -> str | None:
    if node is None:
        return None
    name = node.sql("bigquery").upper().split("(", 1)[0].split("<", 1)[0].strip()
    name = _DUCK_TO_BQ.get(name, name)
    return name if name in _FAMILY else None


#: Calls whose result is an INT64 whatever their arguments' types (date / datetime / timestamp
#: functions, "DATE_DIFF" ... "Return Data Type: INT64", "UNIX_DATE", "UNIX_SECONDS" ...).
_INT64_RESULTS = (exp.DateDiff, exp.DatetimeDiff, exp.TimestampDiff, exp.UnixDate, exp.UnixSeconds, exp.UnixMillis,
                  exp.UnixMicros)
#: The parts EXTRACT returns as an INT64 (the DATE, TIME and DATETIME parts return those types).
_EXTRACTED_NUMBERS = frozenset({"YEAR", "ISOYEAR", "QUARTER", "MONTH", "WEEK", "ISOWEEK", "DAY", "DAYOFWEEK",
                                "DAYOFYEAR", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"})


class _TypeChecker:
    def __init__(self, types_of: TypesLookup, param_types: Mapping[str, object]):
        self.types_of = types_of
        self.param_types = param_types
        self._depth = 0  # CTEs and derived tables followed (a recursive CTE ends the walk)
        # Each node's type, once per depth (the node kept, so its id is not reused): typing a call
        # types its argument once per candidate signature, and an operator its operands once per
        # rule, so a nested expression was typed again at every level above it, a factor per
        # level: twelve nested LN(x + 3) typed 143,121 nodes, 2 s (0.2 s at ten, 4 s at thirteen).
        # A checker lives for one check of an unchanging tree.
        self._typed: dict[tuple[int, int], tuple[exp.Expression, _Typed | None]] = {}

    def type_of(self, node: exp.Expression | None) -> _Typed | None:
        if node is None:
            return None
        key = (id(node), self._depth)
        known = self._typed.get(key)
        if known is not None and known[0] is node:
            return known[1]
        typed = self._type_of(node)
        self._typed[key] = (node, typed)
        return typed

    def _type_of(self, node: exp.Expression | None) -> _Typed | None:
        while isinstance(node, exp.Paren):
            node = node.this
        if node is None:
            return None
        if isinstance(node, exp.Literal):
            if node.is_string:
                return _Typed("STRING", coercible_string=True)
            return _Typed("FLOAT64" if any(c in str(node.this) for c in ".eE") else "INT64", number_literal=True)
        if isinstance(node, exp.Boolean | exp.Predicate | exp.And | exp.Or | exp.Not):
            return _Typed("BOOL")  # TRUE / FALSE, a comparison or a condition
        if isinstance(node, exp.Parameter | exp.Placeholder):
            spec = self.param_types.get(node.name)
            if isinstance(spec, str) and spec.upper() in _FAMILY:
                return _Typed(spec.upper(), coercible_string=spec.upper() == "STRING")
            return None
        if isinstance(node, exp.Cast):
            name = _datatype_name(node.args.get("to"))
            return _Typed(name) if name else None
        if isinstance(node, exp.Date | exp.CurrentDate | exp.DateAdd | exp.DateSub | exp.DateTrunc):
            return _Typed("DATE") if not isinstance(node, exp.DateAdd | exp.DateSub | exp.DateTrunc) \
                or self._is_date(node.this) else None
        if isinstance(node, exp.CurrentTimestamp | exp.TimestampTrunc):
            return _Typed("TIMESTAMP")
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            return self._column_type(node)
        if isinstance(node, exp.Window):
            return self.type_of(node.this)
        if isinstance(node, _SAME_TYPE_FUNCTIONS):
            typed = self.type_of(node.this)
            return _Typed(typed.type) if typed else None
        if isinstance(node, exp.Interval):
            return _Typed("INTERVAL")
        if isinstance(node, exp.ParseJSON):  # JSON '...' and PARSE_JSON(...)
            return _Typed("JSON")
        if isinstance(node, exp.Array):  # [1, 2], ARRAY<T>[...]
            return _Typed("ARRAY")
        if isinstance(node, exp.Struct):  # STRUCT(a, b), (a, b) as a STRUCT
            return _Typed("STRUCT")
        if isinstance(node, exp.Add | exp.Sub):
            return self._datetime_arithmetic_type(node) or self._numeric_result_type(node)
        if isinstance(node, (exp.Mul, exp.Div, exp.SafeDivide, exp.Neg, *_NUMERIC_FUNCTIONS)):
            return self._numeric_result_type(node)
        values = _supertyped_values(node)
        if values is not None:
            return self.supertype(values[1])
        return self._function_result_type(node)

    def _function_result_type(self, node: exp.Expression) -> _Typed | None:
        """The result type of a few functions whose signatures fix it (string functions
        "LENGTH" / "UPPER" / "LOWER": INT64 / the argument's; aggregate functions "COUNT" /
        "COUNTIF": INT64, "LOGICAL_AND" / "LOGICAL_OR": BOOL, "STRING_AGG": its argument's)."""
        if isinstance(node, (exp.Length, exp.ByteLength, exp.Count, exp.CountIf, *_INT64_RESULTS)):
            return _Typed("INT64")
        if isinstance(node, exp.Extract) and str(node.name).upper() in _EXTRACTED_NUMBERS:
            return _Typed("INT64")  # date functions, "EXTRACT": "Returns ... INT64", a DATE / TIME part aside
        if isinstance(node, exp.LogicalAnd | exp.LogicalOr):
            return _Typed("BOOL")
        if isinstance(node, exp.Upper | exp.Lower | exp.GroupConcat):
            typed = self.type_of(_aggregated(node.this))
            if typed is not None and _FAMILY.get(typed.type) in ("STRING", "BYTES"):
                return _Typed(_canon(typed))
        return _signature_result(node, self)

    def supertype(self, values: Sequence[exp.Expression | None]) -> _Typed | None:
        """The common supertype of ``values`` when each one's type is known (NULL aside) and
        they have one (conversion rules, "Supertypes", "Supertypes and literals": a string
        literal takes the others' DATE / DATETIME / TIME / TIMESTAMP type); None otherwise."""
        typed = self.value_types(values)
        return _common_supertype(self, [t for t in typed if t is not None]) if None not in typed else None

    def value_types(self, values: Sequence[exp.Expression | None]) -> list[_Typed | None]:
        """The type of each of ``values`` that is not a NULL (None where it is not known)."""
        return [self.type_of(value) for value in values
                if value is not None and not isinstance(_unparen(value), exp.Null)]

    def _datetime_arithmetic_type(self, node: exp.Add | exp.Sub) -> _Typed | None:
        """The type of datetime and interval arithmetic (operators, "Datetime subtraction":
        INTERVAL; "Interval arithmetic operators": DATE +/- INTERVAL is a DATETIME, TIMESTAMP
        and DATETIME keep their type; "Date arithmetics operators": DATE +/- INT64 is a DATE);
        None for anything else (numbers: ``_numeric_result_type``)."""
        a, b = self.type_of(node.this), self.type_of(node.expression)
        if a is None or b is None:
            return None
        fa, fb = _FAMILY.get(a.type), _FAMILY.get(b.type)
        if isinstance(node, exp.Sub) and fa == fb and fa in _DATETIME_FAMILIES:
            return _Typed("INTERVAL")
        if fa == fb == "INTERVAL":
            return _Typed("INTERVAL")
        # "Date arithmetics operators": DATE + INT64, INT64 + DATE and DATE - INT64 are DATEs
        if (fa, _canon(b)) == ("DATE", "INT64") or (isinstance(node, exp.Add) and (_canon(a), fb) == ("INT64", "DATE")):
            return _Typed("DATE")
        for point, other in ((fa, fb), (fb, fa) if isinstance(node, exp.Add) else (None, None)):
            if point in _DATETIME_FAMILIES and other == "INTERVAL":
                return _Typed("DATETIME" if point == "DATE" else point)
        return None

    def _numeric_result_type(self, node: exp.Expression) -> _Typed | None:
        """The result type of arithmetic on numbers (operators, "Arithmetic operators": "Result
        types for Addition, Subtraction and Multiplication" / "for Division" / "for Unary
        Minus"; the wider of INT64 < NUMERIC < BIGNUMERIC < FLOAT64, INT64 / INT64 is FLOAT64)
        and of the functions of ``_NUMERIC_FUNCTIONS`` (mathematical functions "ABS": the
        argument's type; "ROUND" / "TRUNC" / "CEIL" / "FLOOR" / "SQRT": INT64 gives FLOAT64;
        aggregate functions "SUM": the argument's, "AVG": INT64 gives FLOAT64); None when an
        operand is not a number of known type."""
        operands = [node.this] if isinstance(node, (exp.Neg, *_NUMERIC_FUNCTIONS)) else [node.this, node.expression]
        names = []
        for operand in operands:
            typed = self.type_of(_aggregated(operand) if isinstance(node, exp.Sum | exp.Avg) else operand)
            if typed is None or _canon(typed) not in _NUM_WIDTH:
                return None
            names.append(_canon(typed))
        widest = max(names, key=_NUM_WIDTH.__getitem__)
        if widest == "INT64" and isinstance(node, (exp.Div, exp.SafeDivide, *_INT64_TO_FLOAT64_FUNCTIONS)):
            return _Typed("FLOAT64")
        if isinstance(node, exp.Neg) and isinstance(_unparen(node.this), exp.Literal):
            return _Typed(widest, number_literal=True)  # -1.5 is still a literal
        return _Typed(widest)

    def _is_date(self, node: exp.Expression | None) -> bool:
        typed = self.type_of(node)
        return typed is not None and typed.type == "DATE"

    def _column_type(self, column: exp.Column) -> _Typed | None:
        scope = column.parent
        while scope is not None and not isinstance(scope, exp.Select | exp.Delete | exp.Update | exp.Merge):
            scope = scope.parent
        if isinstance(scope, exp.Update) and scope.this is None:
            scope = scope.find_ancestor(exp.Merge)  # a MERGE's WHEN ... UPDATE SET reads the MERGE's relations
        if scope is None:
            return None
        name = column.name.lower()
        candidates: list[dict[str, str] | None] = []
        for source in _sources(scope):
            if column.table and source.alias_or_name.lower() != column.table.lower():
                continue
            if isinstance(source, exp.Table) and source.args.get("db") is not None:
                db, table = _table_key(source)
                candidates.append(self.types_of(db, table))
            else:
                candidates.append(self._derived_types(source, name))
        if len(candidates) != 1 or candidates[0] is None:
            # Unknown source, or an unqualified name over several sources: do not guess.
            if not column.table and candidates and all(c is not None for c in candidates):
                having = [c for c in candidates if c is not None and name in c]
                if len(having) == 1:
                    return _Typed(having[0][name])
            return None
        found = candidates[0].get(name)
        return _Typed(found) if found else None

    def _derived_types(self, source: exp.Expression, name: str) -> dict[str, str] | None:
        """``{name: type}`` when ``source`` is a CTE or a derived table whose SELECT list gives
        the column ``name`` a known type (one SELECT, no ``*``), ``{}`` when that list has no
        such column; None when unknown."""
        # (a table of a dataset never comes here: _column_type reads its columns' types itself)
        if isinstance(source, exp.Subquery):
            body = source.this
        elif isinstance(source, exp.Table):
            body = _cte_body(source, source.name.lower())
        else:
            return None
        if not isinstance(body, exp.Select) or self._depth > 16:
            return None
        for projection in body.expressions:
            if is_star(projection):
                return None
            if projection.alias_or_name.lower() == name:
                self._depth += 1
                try:
                    typed = self.type_of(projection.unalias())
                finally:
                    self._depth -= 1
                return {name: typed.type} if typed else None
        return {}  # every column of the SELECT list is named, and none is this one

    def compatible(self, a: _Typed, b: _Typed) -> bool:
        fa, fb = _FAMILY.get(a.type), _FAMILY.get(b.type)
        if fa is None or fb is None or fa == fb:
            return True
        if {fa, fb} == {"DATE", "DATETIME"}:
            return True  # DATE coerces to DATETIME
        if a.coercible_string and fb in _STRING_COERCIBLE:
            return True
        if b.coercible_string and fa in _STRING_COERCIBLE:
            return True
        return False


_OPERATORS: dict[Any, str] = {exp.EQ: "=", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
#: "Literal conversion is evaluated at analysis time, and gives an error if the input literal
#: can't be converted successfully to the target type" (conversion rules, "Literal coercion");
#: DuckDB read ``'2025/01/15'`` as a date and cut ``'2025-01-15 10:00:00'`` to one.
_COERCED_TEXT = {"DATE": re.compile(DATE_TEXT), "DATETIME": re.compile(DATETIME_TEXT),
                 "TIMESTAMP": re.compile(TIMESTAMP_TEXT)}


def _check_coerced_literal(value: exp.Expression | None, target: _Typed | None) -> None:
    """A string literal coerced to ``target`` (a DATE, DATETIME or TIMESTAMP) must be in its canonical
    format, as BigQuery checks when it analyses the query."""
    value = _unparen(value)
    if target is None or target.coercible_string:
        return
    name = _canon(target)
    pattern = _COERCED_TEXT.get(name)
    if pattern is not None and isinstance(value, exp.Literal) and value.is_string \
            and not pattern.match(str(value.this)):
        raise gexc.BadRequest(f'Could not cast literal "{value.this}" to type {name}')


@dataclass
class CoercedParameters:
    """The STRING query parameters a statement reads as a DATE, DATETIME or TIMESTAMP (filled by
    :func:`check_comparisons` and :func:`check_assignments`): ``targets`` by name (their values
    are checked, :func:`coerced_parameter_error`) and ``occurrences`` by the number
    ``sql_translate.PARAMETER_META`` gives each place one is read (cast there)."""

    targets: dict[str, set[str]] = dataclass_field(default_factory=dict)
    occurrences: dict[int, str] = dataclass_field(default_factory=dict)


def _note_coerced_parameter(value: exp.Expression | None, target: _Typed | None,
                            param_types: Mapping[str, object], coerced: CoercedParameters | None) -> None:
    """Record a STRING parameter read as ``target`` (a DATE / DATETIME / TIMESTAMP): "Query
    parameter coercion" (conversion rules: a STRING parameter to DATE, DATETIME, TIME or
    TIMESTAMP; "If the parameter value can't be coerced successfully to the target type, an
    error is provided"). The value is known only when the query runs (the client checks it)."""
    value = _unparen(value)
    if coerced is None or target is None or target.coercible_string or not isinstance(value, exp.Parameter):
        return
    spec = param_types.get(value.name)
    name = _canon(target)
    if isinstance(spec, str) and spec.upper() == "STRING" and name in _COERCED_TEXT:
        coerced.targets.setdefault(value.name, set()).add(name)
        number = value.meta.get(PARAMETER_META)
        if number is not None:
            coerced.occurrences[number] = name


def coerced_parameter_error(coerced: CoercedParameters, values: Mapping[str, Any]) -> str | None:
    """The refusal for a STRING parameter whose value is not in the canonical format of a type
    the statement reads it as (see :func:`_note_coerced_parameter`); None when every value is.

    Example::

        coerced_parameter_error(CoercedParameters({'d': {'DATE'}}), {'d': '2025/01/15'})   # "Query parameter 'd' ..."
    """
    for name, targets in coerced.targets.items():
        value = values.get(name)
        if not isinstance(value, str):
            continue
        for target in sorted(targets):
            if not _COERCED_TEXT[target].match(value):
                return (f"Query parameter '{name}' of type STRING cannot be coerced to {target}: "
                        f"{value[:80]!r} is not in the {target} format (YYYY-MM-DD for a DATE)")
    return None


_NOT_COMPARABLE = frozenset({"JSON", "ARRAY", "GEOGRAPHY"})


#: Implicit coercion (conversion rules, "Comparison of casting and coercion", the "Coerce to"
#: column: INT64 coerces to NUMERIC, BIGNUMERIC and FLOAT64; NUMERIC to BIGNUMERIC and FLOAT64;
#: BIGNUMERIC to FLOAT64; DATE to DATETIME): of a function's argument and of a stored value
#: (literals and parameters coerce further: ``_assignable``).
_COERCES_TO = {"INT64": {"NUMERIC", "BIGNUMERIC", "FLOAT64"}, "NUMERIC": {"BIGNUMERIC", "FLOAT64"},
               "BIGNUMERIC": {"FLOAT64"}, "DATE": {"DATETIME"}}
#: The column types checked (ARRAY, STRUCT, JSON, INTERVAL values are left to the engine).
_SCALAR_TYPES = frozenset({"INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING", "BOOL", "BYTES",
                           "DATE", "DATETIME", "TIME", "TIMESTAMP"})


def _assignable(typed: _Typed, column: str) -> bool:
    """Whether a value of type ``typed`` may be stored in a column of type ``column``: the same
    type, a coercion (INT64 into NUMERIC or FLOAT64, DATE into DATETIME, ...), a STRING literal or
    parameter into a DATE / DATETIME / TIME / TIMESTAMP column, or a FLOAT64 literal into a
    NUMERIC one ("Literal coercion", "Query parameter coercion")."""
    kind = _canon(typed)
    if kind not in _SCALAR_TYPES or column not in _SCALAR_TYPES or kind == column:
        return True
    if column in _COERCES_TO.get(kind, ()):
        return True
    if typed.coercible_string and column in _STRING_COERCIBLE:
        return True
    return typed.number_literal and kind == "FLOAT64" and column in ("NUMERIC", "BIGNUMERIC")


def _target_columns(node: exp.Expression, types_of: TypesLookup) -> tuple[list[str], dict[str, str]] | None:
    """The INSERT's column list (the table's columns in order when it names none) and the
    target table's ``{column: type}``; None when the table is not in the catalog."""
    merge = node.find_ancestor(exp.Merge)
    target = merge.this if merge is not None else node.this
    named: list[str] = []
    if isinstance(target, exp.Schema):
        named = [column.name.lower() for column in target.expressions]
        target = target.this
    if isinstance(node, exp.Insert) and isinstance(node.this, exp.Tuple):  # MERGE ... INSERT (a, b)
        named = [column.name.lower() for column in node.this.expressions]
    if not isinstance(target, exp.Table) or target.args.get("db") is None:
        return None
    types = types_of(*_table_key(target))
    if types is None:
        return None
    return (named or list(types)), types


def check_assignments(tree: exp.Expression, types_of: TypesLookup, param_types: Mapping[str, object],
                      coerced: CoercedParameters | None = None) -> None:
    """A value INSERT or UPDATE (MERGE's too) would store in a column of a type it does not
    coerce to is refused with BigQuery's message ("Value has type INT64 which cannot be
    inserted into column k, which has type STRING"; "Query column 1 has type FLOAT64 which
    cannot be inserted into column pts, which has type INT64"; "Value of type STRING cannot be
    assigned to v, which has type INT64"). DML syntax, "INSERT statement" > "Value type
    compatibility": "Values added with an INSERT statement must be compatible with the target
    column's type ... the value type matches the column type exactly [or] can be implicitly
    coerced". DuckDB cast them silently: ``INSERT ... SELECT AVG(pts)`` into an INT64 column
    rounded the average, ``VALUES (1, 2)`` stored ``'1'`` in a STRING column. Only values of
    known type into scalar columns are checked.

    Example::

        check_assignments(sqlglot.parse_one("INSERT INTO ds.t (k) VALUES (1)", read='bigquery'),
                          lambda ds, t: {'k': 'STRING'}, {})   # BadRequest
    """
    checker = _TypeChecker(types_of, param_types)
    for node in tree.find_all(exp.Insert, exp.Update):
        found = _target_columns(node, types_of)
        if found is None:
            continue
        columns, types = found
        pairs: list[tuple[str, exp.Expression, str, _Typed | None]] = []  # (column, value, message start, type)
        if isinstance(node, exp.Update):
            for assignment in node.expressions:
                if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column) \
                        and assignment.this.name.lower() in types and not assignment.this.table:
                    pairs.append((assignment.this.name.lower(), assignment.expression, "", None))
        else:
            body = node.expression
            rows = body.expressions if isinstance(body, exp.Values) else [body] if isinstance(body, exp.Tuple) else []
            for row in rows:
                values = row.expressions if isinstance(row, exp.Tuple) else [row]
                # (a row of another length is the engine's error: "table has 2 columns but 1 values")
                pairs += [(column, value, "Value", None) for column, value in zip(columns, values, strict=False)]
            pairs += _query_columns(body, columns, checker)
        for column, value, said, reported in pairs:
            kind = types.get(column)
            if kind is None:
                continue
            stored = _Typed(kind)
            _check_coerced_literal(value, stored)  # '2025/01/15' into a DATE column
            _note_coerced_parameter(value, stored, param_types, coerced)
            typed = None if isinstance(_unparen(value), exp.Null) else checker.type_of(value)
            if typed is not None and reported is not None:
                typed = reported  # a set operation's column: its supertype, when known
            if typed is None or _assignable(typed, _canon(stored)):
                continue
            if not said:
                raise gexc.BadRequest(f"Value of type {_canon(typed)} cannot be assigned to {column}, "
                                      f"which has type {_canon(stored)}")
            raise gexc.BadRequest(f"{said} has type {_canon(typed)} which cannot be inserted into column {column}, "
                                  f"which has type {_canon(stored)}")


def _query_columns(body: exp.Expression, columns: Sequence[str], checker: _TypeChecker
                   ) -> list[tuple[str, exp.Expression, str, _Typed | None]]:
    """``(column, value, message start, column type)`` of each value an INSERT's query stores
    by position (a SELECT list without ``*``), the type None except for a set operation's.

    A set operation (``SELECT ... UNION ALL SELECT ...``, INTERSECT, EXCEPT, without BY NAME /
    CORRESPONDING) stores its column's common supertype (query syntax, "Set operators": "paired
    columns must also have either the same data type or a common supertype"); each input's
    value is checked against the target column, and the message names the supertype when
    every input's type is known. A value of a type that does not coerce to the column cannot
    be in a supertype that does (coercion is transitive), so no input is refused that
    BigQuery would store. DuckDB cast the union's values silently (an INT64 column took a
    FLOAT64 branch rounded; a STRING column took an INT64 branch as text).
    """
    if isinstance(body, exp.Select):
        if any(is_star(p) for p in body.expressions):
            return []
        return [(column, projection.unalias(), f"Query column {position}", None)
                for position, (column, projection) in enumerate(zip(columns, body.expressions, strict=False), start=1)]
    by_column = _set_operation_values(body, type(body)) if isinstance(body, exp.Union | exp.Intersect | exp.Except) \
        else None
    found: list[tuple[str, exp.Expression, str, _Typed | None]] = []
    for position, (column, values) in enumerate(zip(columns, by_column or [], strict=False), start=1):
        supertype = checker.supertype(values)
        found += [(column, value, f"Query column {position}", supertype) for value in values]
    return found


def check_created_columns(tree: exp.Expression, types_of: TypesLookup) -> None:
    """CREATE TABLE ... AS and CREATE VIEW ... AS need a name for every column, each used once
    (case aside): BigQuery refuses "CREATE TABLE columns must be named, but column 2 has no name"
    and "CREATE TABLE has columns with duplicate name pts" (its resolver: CREATE TABLE / VIEW
    "columns must be named"; query syntax, "Implicit aliases": an expression that is not a name
    or a path has none). DuckDB named an anonymous column by its text (a view kept
    ``(n + 1)`` as a column name) and renamed a duplicate ``pts_1``, silently. A ``*`` is
    expanded from the catalog when it reads one table (``*`` over a lone table, ``t.*``);
    otherwise its columns are left out of the duplicate check.

    Example::

        check_created_columns(sqlglot.parse_one('CREATE TABLE ds.t AS SELECT 1', read='bigquery'),
                              lambda ds, t: None)   # BadRequest: column 1 has no name
    """
    if not isinstance(tree, exp.Create):
        return
    kind = str(tree.args.get("kind") or "").upper()
    select = first_select(tree.args.get("expression"))
    if kind not in ("TABLE", "VIEW") or select is None or isinstance(tree.this, exp.Schema):
        return  # (a column list names the columns itself)
    names: list[str] = []
    position: int | None = 0  # the column's number, while every * before it could be counted
    for item, projection in enumerate(select.expressions, start=1):
        if is_star(projection):
            expanded = _star_columns(projection, select, types_of)
            names += expanded or []
            position = position + len(expanded) if position is not None and expanded is not None else None
            continue
        position = position + 1 if position is not None else None
        name = implicit_column_name(projection)
        if name is None:
            where = f"column {position}" if position is not None else f"the SELECT list's item {item}"
            raise gexc.BadRequest(f"CREATE {kind} columns must be named, but {where} has no name")
        names.append(name)
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise gexc.BadRequest(f"CREATE {kind} has columns with duplicate name {name}")
        seen.add(name.lower())


def _star_columns(star: exp.Expression, select: exp.Select, types_of: TypesLookup) -> list[str] | None:
    """The columns a ``*`` / ``t.*`` gives when it reads one catalog table (less its EXCEPT
    list); None otherwise."""
    qualifier = star.table if isinstance(star, exp.Column) else ""
    sources = [source for source in _sources(select)
               if not qualifier or source.alias_or_name.lower() == qualifier.lower()]
    if len(sources) != 1:  # (an unqualified * over a join reads every source)
        return None
    source = sources[0]
    if not isinstance(source, exp.Table) or source.args.get("db") is None:
        return None
    columns = types_of(*_table_key(source))
    if columns is None:
        return None
    # * EXCEPT (a, b) leaves those out; * REPLACE (... AS a) keeps every name
    marker = star.this if isinstance(star, exp.Column) else star
    left_out = {column.name.lower() for column in marker.args.get("except_") or []}
    return [name for name in columns if name.lower() not in left_out]


def _typed_operands(tree: exp.Expression, checker: _TypeChecker, operators: Mapping[Any, str]
                    ) -> Iterator[tuple[Any, str, _Typed, _Typed]]:
    """``(class, operator, left type, right type)`` of each binary ``operators`` node of
    ``tree`` whose two operand types are known."""
    for cls, op in operators.items():
        for node in tree.find_all(cls):
            a, b = checker.type_of(node.this), checker.type_of(node.expression)
            if a and b:
                yield cls, op, a, b


def check_comparisons(tree: exp.Expression, types_of: TypesLookup, param_types: Mapping[str, object],
                      coerced: CoercedParameters | None = None) -> None:
    """Reject comparisons BigQuery has no signature for (TIMESTAMP vs DATE, INT64 vs STRING, ...).

    Only comparisons whose two operand types are known (columns of tables, literals, typed
    parameters, CASTs and a few date functions) are checked; anything else is left to the
    engine. Message as BigQuery words it ("No matching signature for operator = for argument
    types: ...", https://cloud.google.com/bigquery/docs/reference/standard-sql/operators#comparison_operators).

    Example::

        check_comparisons(sqlglot.parse_one("SELECT 1 WHERE 1 = 'a'", read='bigquery'),
                          lambda ds, t: None, {})   # BadRequest
    """
    checker = _TypeChecker(types_of, param_types)

    def fail(op: str, a: _Typed, b: _Typed) -> None:
        raise gexc.BadRequest(
            f"No matching signature for operator {op} for argument types: {_canon(a)}, {_canon(b)}. "
            "Supported signature: ANY " + op + " ANY"
        )

    # One walk over the comparisons, each operand typed once: a string literal read as a DATE or
    # DATETIME must be in its format, then the two types need a signature.
    for node in tree.find_all(*_OPERATORS, exp.Between, exp.In):
        if isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update):
            continue  # UPDATE ... SET col = value assigns: check_assignments
        if isinstance(node, exp.Between):
            op, others = "BETWEEN", [node.args.get("low"), node.args.get("high")]
        elif isinstance(node, exp.In):
            op, others = "IN", list(node.expressions)
        else:
            op, others = _OPERATORS[type(node)], [node.expression]
        left = checker.type_of(node.this)
        for other in others:
            right = checker.type_of(other)
            _check_coerced_literal(other, left)
            _check_coerced_literal(node.this, right)
            _note_coerced_parameter(other, left, param_types, coerced)
            _note_coerced_parameter(node.this, right, param_types, coerced)
            if not (left and right):
                continue
            for side in (left, right) if op not in ("BETWEEN", "IN") else ():
                equality = isinstance(node, exp.EQ | exp.NEQ)
                if side.type in _NOT_COMPARABLE or (not equality and _canon(side) == "STRUCT"):
                    # data types, "Comparable data types": "All data types are supported except for:
                    # GEOGRAPHY, JSON, ARRAY"; DuckDB compares JSON as text and lists element-wise.
                    # A STRUCT is compared by equality only ("Orderable data types" leave it out).
                    kind = "Equality" if equality else "Less than"
                    raise gexc.BadRequest(f"{kind} is not defined for arguments of type {_canon(side)}")
            if not checker.compatible(left, right):
                fail(op, left, right)
    _check_arithmetic(tree, checker)
    _check_subscripted(tree, checker)
    _check_orderable_groupable(tree, checker)
    _check_window_calls(tree, checker)
    _check_numeric_aggregates(tree, checker)
    _check_set_operations(tree, checker)
    _check_conditions_and_calls(tree, checker)
    _check_function_signatures(tree, checker)
    _check_concatenations(tree, checker)
    _check_casts(tree, checker)
    _check_date_parts(tree, checker)  # (after the signatures: TIMESTAMP_ADD of a DATE has none)


def string_json_calls(tree: exp.Expression, types_of: TypesLookup, param_types: Mapping[str, object],
                      meta_key: str) -> set[int]:
    """The ``meta[meta_key]`` numbers of the JSON_QUERY / JSON_EXTRACT / JSON_QUERY_ARRAY /
    JSON_EXTRACT_ARRAY calls of ``tree`` whose first argument is known to be a STRING (a STRING
    column of a table, a string literal or parameter, a CAST to STRING): BigQuery returns JSON
    text there, and JSON for a JSON argument (see ``sql_translate.catalog_typed_statement``).

    Example::

        string_json_calls(tree, types_of, {}, 'bq_json_call')   # {1}
    """
    checker = _TypeChecker(types_of, param_types)
    found: set[int] = set()
    for node in tree.find_all(exp.JSONExtract, exp.JSONExtractArray):
        number = node.meta.get(meta_key)
        typed = checker.type_of(node.this)
        if number is not None and typed is not None and _FAMILY.get(typed.type) == "STRING":
            found.add(number)
    return found


def call_result_types(tree: exp.Expression, types_of: TypesLookup, param_types: Mapping[str, object],
                      meta_key: str) -> dict[int, str]:
    """``{meta[meta_key]: BigQuery type}`` of the ROUND / TRUNC calls of an INT64 (a FLOAT64 on
    BigQuery), the SIGN calls of a FLOAT64, NUMERIC or BIGNUMERIC (the argument's type there),
    and the SQRT / POW / EXP / LN / LOG / CBRT / SAFE_DIVIDE / AVG calls that are NUMERICs there,
    which DuckDB types otherwise (an integer, a DOUBLE; see ``sql_translate.catalog_typed_statement``).

    Example::

        call_result_types(parse("SELECT ROUND(pts) FROM ds.box"), types_of, {}, 'bq_result_call')
        # {1: 'FLOAT64'}  (pts an INT64)
    """
    checker = _TypeChecker(types_of, param_types)
    found: dict[int, str] = {}
    for node in tree.find_all(*RESULT_CALLS):  # the calls the translation numbers
        number = node.meta.get(meta_key)
        argument = checker.type_of(_aggregated(node.this))
        if number is None or argument is None:
            continue
        kind = _canon(argument)
        if isinstance(node, exp.Round | exp.Trunc):
            if kind == "INT64":
                found[number] = "FLOAT64"
        elif isinstance(node, exp.Sign):
            if kind in ("FLOAT64", "NUMERIC", "BIGNUMERIC"):
                found[number] = kind
        else:
            # a NUMERIC when the arguments are (mathematical functions' return type tables: SQRT,
            # POW, EXP, LN, LOG, CBRT, SAFE_DIVIDE; AVG: "NUMERIC: NUMERIC"; operators, "Result
            # types for Division"), which DuckDB computes as DOUBLEs
            result = checker.type_of(node)
            if result is not None and _canon(result) in ("NUMERIC", "BIGNUMERIC"):
                found[number] = _canon(result)
    return found


_ARITHMETIC = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}
#: Legacy and alias type names as GoogleSQL names them (messages and INT64 checks).
_CANONICAL = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "DECIMAL": "NUMERIC", "RECORD": "STRUCT",
              "BIGDECIMAL": "BIGNUMERIC"}


def _canon(typed: _Typed) -> str:
    return _CANONICAL.get(typed.type, typed.type)


def _check_arithmetic(tree: exp.Expression, checker: _TypeChecker) -> None:
    """``+ - * /`` BigQuery has no signature for: "All arithmetic operators accept input of
    numeric type T"; besides, DATE +/- INT64 (days), the difference of two DATETIMEs or
    TIMESTAMPs, and the INTERVAL signatures (:func:`_interval_signature`) (operators,
    "Arithmetic operators", "Date arithmetics operators", "Datetime subtraction", "Interval
    arithmetic operators", https://cloud.google.com/bigquery/docs/reference/standard-sql/operators).
    DuckDB also adds ``'1' + 1`` and ``TRUE + 1``. The difference of two DATEs, an INTERVAL on
    BigQuery, is refused as not emulated (``_DATE_MINUS_DATE``). Only operands of known types
    are checked."""
    for cls, op, a, b in _typed_operands(tree, checker, _ARITHMETIC):
        fa, fb = _FAMILY.get(a.type), _FAMILY.get(b.type)
        if fa is None or fb is None or fa == fb == "NUM":
            continue
        if cls is exp.Add and {fa, fb} == {"DATE", "NUM"} and "INT64" in (_canon(a), _canon(b)):
            continue  # date + int64 / int64 + date
        if cls is exp.Sub and fa == "DATE" and _canon(b) == "INT64":
            continue  # date - int64
        if cls is exp.Sub and {fa, fb} <= {"DATE", "STRING"} and "DATE" in (fa, fb) \
                and (fa == fb or a.coercible_string or b.coercible_string):
            raise gexc.BadRequest(_DATE_MINUS_DATE)  # (a string literal there is a DATE too)
        if cls is exp.Sub and fa == fb and fa in _DATETIME_FAMILIES:
            continue  # an INTERVAL
        if "INTERVAL" in (fa, fb):
            if _interval_signature(cls, a, b):
                continue
        if cls is exp.Sub and (a.coercible_string or b.coercible_string) and {fa, fb} & _STRING_COERCIBLE:
            continue  # a literal that becomes the other side's type
        raise gexc.BadRequest(
            f"No matching signature for operator {op} for argument types: {_canon(a)}, {_canon(b)}")


#: data types, "Orderable data types" (not ARRAY, STRUCT, GEOGRAPHY, JSON) and "Groupable data
#: types" (GROUP BY, DISTINCT, PARTITION BY: not GEOGRAPHY, JSON; "PARTITION BY expressions
#: can't include floating point types").
#: data types, "Orderable data types": "all data types except for: ARRAY, STRUCT, GEOGRAPHY, JSON".
_NOT_ORDERABLE = frozenset({"ARRAY", "STRUCT", "JSON", "GEOGRAPHY"})
_NOT_GROUPABLE = frozenset({"JSON", "GEOGRAPHY"})


def _check_orderable_groupable(tree: exp.Expression, checker: _TypeChecker) -> None:
    """ORDER BY, GROUP BY, SELECT DISTINCT and PARTITION BY of a type BigQuery cannot order,
    group or partition by (DuckDB orders and groups JSON as text, lists element-wise, and
    partitions by a FLOAT64). Only expressions of known type are checked."""
    def typed(node: exp.Expression | None) -> str | None:
        found = checker.type_of(node)
        return _canon(found) if found is not None else None

    for ordered in tree.find_all(exp.Ordered):
        kind = typed(ordered.this)
        if kind in _NOT_ORDERABLE:
            raise gexc.BadRequest(f"ORDER BY does not support expressions of type {kind}")
    # MIN / MAX: "Supported Argument Types: Any orderable data type" (aggregate functions, "MAX");
    # HAVING MAX / MIN "supports all orderable data types, except for ARRAY" (aggregate function
    # calls), as does MAX_BY / MIN_BY, its synonym. ZetaSQL's messages. DuckDB takes the greatest
    # list or STRUCT element-wise.
    for node in tree.find_all(exp.Min, exp.Max, exp.HavingMax, exp.ArgMax, exp.ArgMin):
        if isinstance(node, exp.Min | exp.Max):
            kind = typed(_aggregated(node.this))
            if kind in _NOT_ORDERABLE:
                raise gexc.BadRequest(f"{'MAX' if isinstance(node, exp.Max) else 'MIN'} is not defined for arguments "
                                      f"of type {kind}")
        elif typed(node.expression) in _NOT_ORDERABLE:
            raise gexc.BadRequest(f"HAVING modifier does not support expressions of type {typed(node.expression)}")
    for group in tree.find_all(exp.Group):
        for key in group.expressions:
            kind = typed(key)
            if kind in _NOT_GROUPABLE:
                raise gexc.BadRequest(f"Grouping by expressions of type {kind} is not allowed")
    for select in tree.find_all(exp.Select):
        if select.args.get("distinct") is None:
            continue
        for position, projection in enumerate(select.expressions, start=1):
            kind = typed(projection.unalias())
            if kind in _NOT_GROUPABLE:
                raise gexc.BadRequest(f"Column {position} of type {kind} cannot be used in SELECT DISTINCT")
    for window in tree.find_all(exp.Window):
        for key in window.args.get("partition_by") or []:
            kind = typed(key)
            if kind in _NOT_GROUPABLE or kind == "FLOAT64":
                raise gexc.BadRequest(f"Partitioning by expressions of type {kind} is not allowed")
    # "Groupable data types can generally appear in an expression following GROUP BY, DISTINCT,
    # and PARTITION BY" (data types, "Groupable data types"): an aggregate's DISTINCT too
    # (ZetaSQL's resolver_expr.cc / analytic_function_resolver.cc messages). DuckDB counted JSON
    # values by their text: COUNT(DISTINCT j) ran.
    for distinct in tree.find_all(exp.Distinct):
        call = distinct.parent
        if not isinstance(call, exp.AggFunc) or distinct.arg_key != "this":
            continue
        for argument in distinct.expressions:
            kind = typed(argument)
            if kind in _NOT_GROUPABLE:
                what = "Analytic aggregate functions" if _over_window(call) is not None else "Aggregate functions"
                raise gexc.BadRequest(f"{what} with DISTINCT cannot be used with arguments of type {kind}")
    # APPROX_COUNT_DISTINCT: "Any data type except: ARRAY, STRUCT, INTERVAL" (approximate aggregate
    # functions); ZetaSQL registers it with a groupable argument (no JSON either).
    for approx in tree.find_all(exp.ApproxDistinct):
        kind = typed(_aggregated(approx.this))
        if kind in _NOT_GROUPABLE or kind in ("ARRAY", "STRUCT", "INTERVAL"):
            raise gexc.BadRequest(f"No matching signature for aggregate function APPROX_COUNT_DISTINCT for argument "
                                  f"types: {kind}. Supported signature: APPROX_COUNT_DISTINCT(ANY)")


# --------------------------------------------------------------------------------------
# Date parts of the _ADD / _SUB / _DIFF functions
# --------------------------------------------------------------------------------------
#: The functions that add, subtract or count a date part, and the type they take.
_DATE_PART_FUNCTIONS: dict[type[exp.Expression], tuple[str, str]] = {
    exp.DateAdd: ("DATE_ADD", "DATE"), exp.DateSub: ("DATE_SUB", "DATE"), exp.DateDiff: ("DATE_DIFF", "DATE"),
    exp.DatetimeAdd: ("DATETIME_ADD", "DATETIME"), exp.DatetimeSub: ("DATETIME_SUB", "DATETIME"),
    exp.DatetimeDiff: ("DATETIME_DIFF", "DATETIME"),
    exp.TimestampAdd: ("TIMESTAMP_ADD", "TIMESTAMP"), exp.TimestampSub: ("TIMESTAMP_SUB", "TIMESTAMP"),
    exp.TimestampDiff: ("TIMESTAMP_DIFF", "TIMESTAMP"),
    exp.TimeAdd: ("TIME_ADD", "TIME"), exp.TimeSub: ("TIME_SUB", "TIME"), exp.TimeDiff: ("TIME_DIFF", "TIME"),
}
_CALENDAR_PARTS = frozenset({"YEAR", "QUARTER", "MONTH", "WEEK"})
_CLOCK_PARTS = frozenset({"HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"})
#: The parts each kind of value takes: to add or subtract (ZetaSQL's
#: CheckDateDatetimeTimestampAddSubArguments, CheckTimeAddSubArguments) and to count between two
#: values (CheckDateDatetimeTimeTimestampDiffArguments, which also takes ISOYEAR, ISOWEEK and
#: WEEK(<WEEKDAY>) where it takes WEEK).
_ADD_PARTS = {"DATE": _CALENDAR_PARTS | {"DAY"}, "DATETIME": _CALENDAR_PARTS | {"DAY"} | _CLOCK_PARTS,
              "TIMESTAMP": _CLOCK_PARTS | {"DAY"}, "TIME": _CLOCK_PARTS}
_WEEK_PARTS = frozenset({"ISOYEAR", "ISOWEEK", "WEEK(SUNDAY)", "WEEK(MONDAY)", "WEEK(TUESDAY)", "WEEK(WEDNESDAY)",
                         "WEEK(THURSDAY)", "WEEK(FRIDAY)", "WEEK(SATURDAY)"})
_DIFF_PARTS = {"DATE": _ADD_PARTS["DATE"] | _WEEK_PARTS, "DATETIME": _ADD_PARTS["DATETIME"] | _WEEK_PARTS,
               "TIMESTAMP": _ADD_PARTS["TIMESTAMP"], "TIME": _CLOCK_PARTS}


#: TRUNC's parts per kind of value (ZetaSQL's CheckDateDatetimeTimeTimestampTruncArguments) and
#: What EXTRACT reads a part from (its "$extract" signatures, builtin_function_internal_2.cc).
_EXTRACT_SOURCES = frozenset({"DATE", "DATETIME", "TIME", "TIMESTAMP", "INTERVAL"})
#: EXTRACT's from a DATE or a TIME (CheckExtractPostResolutionArguments; a TIMESTAMP or DATETIME
#: has every part).
_TRUNC_FUNCTIONS: dict[type[exp.Expression], tuple[str, str]] = {
    exp.DateTrunc: ("DATE_TRUNC", "DATE"), exp.DatetimeTrunc: ("DATETIME_TRUNC", "DATETIME"),
    exp.TimestampTrunc: ("TIMESTAMP_TRUNC", "TIMESTAMP"),
}
_TRUNC_PARTS = {"DATE": _CALENDAR_PARTS | _WEEK_PARTS | {"DAY"},
                "DATETIME": _CALENDAR_PARTS | _WEEK_PARTS | {"DAY"} | _CLOCK_PARTS,
                "TIMESTAMP": _CALENDAR_PARTS | _WEEK_PARTS | {"DAY"} | _CLOCK_PARTS, "TIME": _CLOCK_PARTS}
_EXTRACT_PARTS = {"DATE": _CALENDAR_PARTS | _WEEK_PARTS | {"DAY", "DAYOFWEEK", "DAYOFYEAR"},
                  "TIME": _CLOCK_PARTS}


def _date_part_name(unit: exp.Expression | None) -> str | None:
    """A date part as GoogleSQL writes it (``WEEK(MONDAY)`` for sqlglot's WeekStart), or None."""
    if isinstance(unit, exp.WeekStart):
        return f"WEEK({unit.name.upper()})"
    if isinstance(unit, exp.Var | exp.Literal | exp.Column):
        return unit.name.upper()
    return None


def _check_sequence_step(node: exp.Expression) -> None:
    """GENERATE_DATE_ARRAY steps by DAY, WEEK, MONTH, QUARTER or YEAR, GENERATE_TIMESTAMP_ARRAY by
    MICROSECOND ... DAY (array functions; ZetaSQL's CheckGenerate*ArrayArguments for the message),
    and a literal step of 0 is "Sequence step cannot be 0." (ZetaSQL's generate_array.h). DuckDB
    stepped a DATE by 6 HOUR (the same date four times), a TIMESTAMP by a MONTH, and returned []
    for a step of 0."""
    step = node.args.get("step")
    amount = step.this if isinstance(step, exp.Interval) else step
    if isinstance(amount, exp.Literal) and amount.name.strip().lstrip("+-").replace(".", "", 1).isdigit() \
            and float(amount.name) == 0:
        raise gexc.BadRequest("Sequence step cannot be 0.")
    if isinstance(step, exp.Interval) and not isinstance(node, exp.GenerateSeries):
        part = _date_part_name(step.args.get("unit"))
        name, allowed = (("GENERATE_DATE_ARRAY", _CALENDAR_PARTS | {"DAY"}) if isinstance(node, exp.GenerateDateArray)
                         else ("GENERATE_TIMESTAMP_ARRAY", _CLOCK_PARTS | {"DAY"}))
        if part is not None and part not in allowed:
            raise gexc.BadRequest(f"{name} does not support the {part} date part")


def _check_date_parts(tree: exp.Expression, checker: _TypeChecker) -> None:
    """The date part of ``DATE_ADD`` / ``_SUB`` / ``_DIFF`` and their DATETIME, TIMESTAMP and TIME
    kin must be one that kind of value has: a TIMESTAMP adds no MONTH or WEEK (``TIMESTAMP_ADD(ts,
    INTERVAL 1 MONTH)``, ``TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 WEEK)``), a DATE no HOUR,
    a TIME no DAY (timestamp functions, "TIMESTAMP_ADD": "date_part: MICROSECOND ... DAY"; date
    functions, "DATE_ADD": "DAY, WEEK, MONTH, QUARTER, YEAR"; ZetaSQL's checks give the message:
    "TIMESTAMP_ADD does not support the MONTH date part when the argument is TIMESTAMP type").
    DuckDB ran each: a TIMESTAMP a month on, ``DATE_ADD(d, INTERVAL 5 HOUR)`` the same day, silently.
    The same for ``DATE_TRUNC`` / ``DATETIME_TRUNC`` / ``TIMESTAMP_TRUNC`` (``DATE_TRUNC(d, HOUR)``
    was a DATETIME at midnight here) and ``EXTRACT`` from a DATE or a TIME (``EXTRACT(HOUR FROM
    d)`` was 0 here; "EXTRACT from DATE does not support the HOUR date part")."""
    for node in tree.find_all(*_DATE_PART_FUNCTIONS):
        name, nominal = _DATE_PART_FUNCTIONS[type(node)]
        part = _date_part_name(node.args.get("unit"))
        if part is None:
            continue
        # The parts of the function's type or of the value's: "TIMESTAMP_DIFF(DATE, DATE, PART)
        # behaves like DATE_DIFF" (timestamp functions), and DATETIME_ADD takes a DATE as a
        # DATETIME; a value no signature takes was refused before (_check_conditions_and_calls).
        table = _DIFF_PARTS if name.endswith("_DIFF") else _ADD_PARTS
        typed = checker.type_of(node.this)
        actual = _canon(typed) if typed is not None else nominal
        allowed = table[nominal] | table.get(actual, frozenset())
        if part not in allowed:
            raise gexc.BadRequest(f"{name} does not support the {part} date part when the argument is {nominal} type")
    for node in tree.find_all(*_TRUNC_FUNCTIONS):
        name, nominal = _TRUNC_FUNCTIONS[type(node)]
        part = _date_part_name(node.args.get("unit"))
        typed = checker.type_of(node.this)
        actual = _canon(typed) if typed is not None else nominal
        if part is not None and part not in _TRUNC_PARTS[nominal] | _TRUNC_PARTS.get(actual, frozenset()):
            raise gexc.BadRequest(f"{name} does not support the {part} date part")
    for sequence in tree.find_all(exp.GenerateDateArray, exp.GenerateTimestampArray, exp.GenerateSeries):
        if isinstance(sequence, exp.Expression):
            _check_sequence_step(sequence)
    for node in tree.find_all(exp.Extract):
        part = _date_part_name(node.this)
        typed = checker.type_of(node.expression)
        kind = _canon(typed) if typed is not None else None
        if typed is not None and kind in _FAMILY and kind not in _EXTRACT_SOURCES and not typed.coercible_string:
            # ZetaSQL's "$extract" signatures (builtin_function_internal_2.cc) and its
            # NoMatchingSignatureForExtractFunction message; DuckDB said "date_part(STRING_LITERAL, VARCHAR)"
            raise gexc.BadRequest(
                f"No matching signature for function EXTRACT for argument types: DATE_TIME_PART FROM {kind}. "
                "Supported signatures: EXTRACT(DATE_TIME_PART FROM DATE); EXTRACT(DATE_TIME_PART FROM TIMESTAMP "
                "[AT TIME ZONE STRING]); EXTRACT(DATE_TIME_PART FROM DATETIME); EXTRACT(DATE_TIME_PART FROM TIME); "
                "EXTRACT(DATE_TIME_PART FROM INTERVAL)")
        if part is not None and kind in _EXTRACT_PARTS and part not in _EXTRACT_PARTS[kind]:
            raise gexc.BadRequest(f"EXTRACT from {kind} does not support the {part} date part")


# --------------------------------------------------------------------------------------
# Window function calls
# --------------------------------------------------------------------------------------
#: Which window functions take a window ORDER BY ("required", "optional" or "unsupported") and
#: a window frame clause: window function calls, "Defining the window frame clause" ("Only
#: aggregate analytic functions can use a window frame clause ... You can't use a window frame
#: clause with some navigation functions and numbering functions, such as RANK()",
#: https://cloud.google.com/bigquery/docs/reference/standard-sql/window-function-calls#def_window_frame);
#: the page names no list, so it is ZetaSQL's (builtin_function_internal_2.cc: rank, dense_rank,
#: percent_rank, cume_dist, ntile, lead, lag "required_order_disallowed_frame", row_number
#: "optional_order_disallowed_frame", first_value, last_value, nth_value
#: "required_order_allowed_frame", percentile_cont / percentile_disc
#: "disallowed_order_and_frame"). Every other function called with OVER is an aggregate:
#: ORDER BY optional, frame allowed.
_WINDOW_SUPPORT = {
    **dict.fromkeys(("RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE", "LEAD", "LAG"), ("required", False)),
    "ROW_NUMBER": ("optional", False),
    **dict.fromkeys(("FIRST_VALUE", "LAST_VALUE", "NTH_VALUE"), ("required", True)),
    **dict.fromkeys(("PERCENTILE_CONT", "PERCENTILE_DISC"), ("unsupported", False)),
}


def _window_function(window: exp.Window) -> tuple[exp.Expression, str]:
    """The function a window calls (IGNORE / RESPECT NULLS unwrapped) and its GoogleSQL name."""
    function = window.this
    while isinstance(function, exp.IgnoreNulls | exp.RespectNulls):
        function = function.this
    if isinstance(function, exp.Anonymous):
        return function, function.name.upper()
    return function, function.sql_name() if isinstance(function, exp.Func) else type(function).__name__.upper()


def _effective_window(window: exp.Window) -> tuple[exp.Order | None, exp.WindowSpec | None]:
    """ORDER BY and frame of a window call, a named window's included, after BigQuery's rules for
    naming one (window function calls, "Rules for using a named window in the window
    specification"; ZetaSQL's messages). A named window may name another (``WINDOW w2 AS (w
    ...)``); a cycle of names ends the walk."""
    partition = list(window.args.get("partition_by") or [])
    order, spec = window.args.get("order"), window.args.get("spec")
    name = window.args.get("alias")
    select = window.find_ancestor(exp.Select)
    seen: set[str] = set()
    while isinstance(name, exp.Identifier) and select is not None:
        key = name.name.lower()
        named = next((w for w in select.args.get("windows") or []
                      if isinstance(w.this, exp.Identifier) and w.this.name.lower() == key), None)
        if named is None or key in seen:
            break  # an unknown name is the engine's error
        seen.add(key)
        if partition:
            raise gexc.BadRequest("If a window has a PARTITION BY, it cannot reference a named window")
        base_order, base_spec = named.args.get("order"), named.args.get("spec")
        if (order is not None or spec is not None) and base_spec is not None:
            raise gexc.BadRequest("If a window has an inline ORDER BY or window frame clause, it cannot reference "
                                  "another window that contains or inherits a window frame clause")
        if order is not None and base_order is not None:
            raise gexc.BadRequest("If a window inherits an ORDER BY from its referenced window, it cannot have "
                                  "an inline ORDER BY")
        partition = list(named.args.get("partition_by") or [])
        order, spec = order or base_order, spec or base_spec
        name = named.args.get("alias")
    return order, spec


def _check_frame_offset(bound: exp.Expression, kind: str, key: _Typed | None, checker: _TypeChecker) -> None:
    """A frame's ``n PRECEDING`` / ``n FOLLOWING``: "a constant, non-negative integer or
    parameter" (window function calls, ``numeric_expression``); for RANGE, of a type that
    coerces to the ORDER BY key's (ZetaSQL, ResolveWindowFrameOffsetExpr)."""
    value = bound.this if isinstance(bound, exp.Neg) else bound
    if not isinstance(value, exp.Literal | exp.Parameter | exp.Null):
        raise gexc.BadRequest("Window framing expression must be a literal or parameter")
    if isinstance(value, exp.Null):
        raise gexc.BadRequest("Window framing expression cannot be NULL")
    typed = checker.type_of(value)
    offset_type = _canon(typed) if typed is not None else None
    if kind == "ROWS" and offset_type not in (None, "INT64"):
        raise gexc.BadRequest(f"Window framing expression for ROWS can only be of integer type, but has type {offset_type}")
    key_type = _canon(key) if key is not None else None
    if kind == "RANGE" and typed is not None and key_type in _NUM_WIDTH and offset_type != key_type and not (
            offset_type in _NUM_WIDTH and (_NUM_WIDTH[offset_type] < _NUM_WIDTH[key_type]
                                           or (typed.number_literal and key_type in ("NUMERIC", "BIGNUMERIC")))):
        # conversion rules: INT64 coerces to NUMERIC / FLOAT64, a FLOAT64 literal to NUMERIC, nothing to INT64
        raise gexc.BadRequest(f"Window framing expression has type {offset_type} that cannot coerce to the type "
                              f"of the ORDER BY expression, which is {key_type}")
    if isinstance(bound, exp.Neg):
        raise gexc.BadRequest("Window framing expression cannot evaluate to a negative value")


#: A frame's boundaries in ZetaSQL's words (ValidateWindowFrameSize).
_BOUNDARY_NAMES = {"UNBOUNDED PRECEDING": "UNBOUNDED PRECEDING", "PRECEDING": "OFFSET PRECEDING",
                   "CURRENT ROW": "CURRENT ROW", "FOLLOWING": "OFFSET FOLLOWING",
                   "UNBOUNDED FOLLOWING": "UNBOUNDED FOLLOWING"}


def _boundary(spec: exp.WindowSpec, end: str) -> tuple[str, exp.Expression | None]:
    """``(kind, offset)`` of the frame's start or end (``end`` is "start" or "end"); a frame
    with no BETWEEN ends at CURRENT ROW."""
    bound, side = spec.args.get(end), str(spec.args.get(f"{end}_side") or "").upper()
    if bound is None:
        return "CURRENT ROW", None
    if isinstance(bound, str):
        text = bound.upper()
        if text == "UNBOUNDED":
            return f"UNBOUNDED {side}", None
        return "CURRENT ROW", None
    return side, bound


def _check_frame(spec: exp.WindowSpec, order: exp.Order | None, checker: _TypeChecker) -> None:
    kind = str(spec.args.get("kind") or "").upper()
    (start, start_offset), (end, end_offset) = _boundary(spec, "start"), _boundary(spec, "end")
    explicit_end = spec.args.get("end") is not None
    if start == "UNBOUNDED FOLLOWING":
        raise gexc.BadRequest("Starting window framing expression cannot be UNBOUNDED FOLLOWING")
    if start == "CURRENT ROW" and end == "PRECEDING":
        raise gexc.BadRequest("Starting window framing expression cannot be CURRENT ROW when the ending window "
                              "framing expression is OFFSET PRECEDING")
    if start == "FOLLOWING" and not explicit_end:
        raise gexc.BadRequest("Starting window framing expression cannot be OFFSET FOLLOWING because the implicit "
                              "ending window framing expression is CURRENT ROW")
    if start == "FOLLOWING" and end in ("PRECEDING", "CURRENT ROW"):
        raise gexc.BadRequest(f"Ending window framing expression cannot be {_BOUNDARY_NAMES[end]} when the starting "
                              "window framing expression is OFFSET FOLLOWING")
    if end == "UNBOUNDED PRECEDING":
        raise gexc.BadRequest("Ending window framing expression cannot be UNBOUNDED PRECEDING")
    offsets = [o for o in (start_offset, end_offset) if o is not None]
    key: _Typed | None = None
    if kind == "RANGE":
        keys = list(order.expressions) if order is not None else []
        if not keys:
            if start == "UNBOUNDED PRECEDING" and end == "UNBOUNDED FOLLOWING":
                pass
            elif not explicit_end:
                raise gexc.BadRequest(
                    "A RANGE-based window without ORDER BY includes all rows in the window frame so only RANGE "
                    "BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING syntax is supported")
            elif offsets:
                raise gexc.BadRequest("A RANGE-based window including an OFFSET PRECEDING or OFFSET FOLLOWING "
                                      "window frame boundary requires an ORDER BY")
            else:
                raise gexc.BadRequest(
                    "A RANGE-based window without ORDER BY cannot include a CURRENT ROW window frame boundary since "
                    "all rows are included in the window frame. Remove the RANGE clause or use RANGE BETWEEN "
                    "UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING")
        elif offsets:
            if len(keys) != 1:
                raise gexc.BadRequest("A RANGE-based window with OFFSET PRECEDING or OFFSET FOLLOWING boundaries must "
                                      "have exactly one ORDER BY key")
            key = checker.type_of(keys[0].this if isinstance(keys[0], exp.Ordered) else keys[0])
            if key is not None and _canon(key) not in _NUM_WIDTH:
                raise gexc.BadRequest(
                    "ORDER BY key must be numeric in a RANGE-based window with OFFSET PRECEDING or OFFSET FOLLOWING "
                    f"boundaries, but has type {_canon(key)} (order by UNIX_DATE(d) or UNIX_SECONDS(ts) for a range "
                    "of days or seconds)")
    for offset in offsets:
        _check_frame_offset(offset, kind, key, checker)


def _check_window_argument(function: exp.Expression, name: str, checker: _TypeChecker) -> None:
    """NTILE's bucket count and NTH_VALUE's N: a literal or query parameter, non-NULL, at least 1;
    LAG / LEAD's offset: a literal or query parameter, non-NULL, not negative (ZetaSQL's
    signatures, ``non_null_positive_non_agg`` / ``optional_non_null_non_agg``, and its reference
    implementation's "The offset to the function LAG must not be negative"; navigation
    functions: "offset: A non-negative integer literal or parameter")."""
    position, argument = {"NTILE": (1, function.this), "NTH_VALUE": (2, function.args.get("offset")),
                          "LAG": (2, function.args.get("offset")), "LEAD": (2, function.args.get("offset"))
                          }.get(name, (0, None))
    if argument is None:
        return
    prefix = f"Argument {position} to {name}"
    value = argument.this if isinstance(argument, exp.Neg) else argument
    if isinstance(value, exp.Null):
        raise gexc.BadRequest(f"{prefix} must be non-NULL")
    if not isinstance(value, exp.Literal | exp.Parameter):
        raise gexc.BadRequest(f"{prefix} must be a literal or query parameter")
    typed = checker.type_of(value)
    if typed is not None and typed.type != "INT64":
        raise gexc.BadRequest(f"No matching signature for analytic function {name}: argument {position} must be "
                              f"an INT64, not {_canon(typed)}")
    if not isinstance(value, exp.Literal):
        return
    number = -int(value.this) if isinstance(argument, exp.Neg) else int(value.this)
    if name in ("LAG", "LEAD") and number < 0:
        raise gexc.BadRequest(f"The offset to the function {name} must not be negative")
    if name in ("NTILE", "NTH_VALUE") and number < 1:
        raise gexc.BadRequest(f"{prefix} must be at least 1")


def _check_window_calls(tree: exp.Expression, checker: _TypeChecker) -> None:
    """Window function calls as BigQuery resolves them (ZetaSQL's analytic_function_resolver.cc
    for the messages). DuckDB ran every one of these: ``ROW_NUMBER() OVER (... ROWS ...)``,
    ``RANK() OVER ()``, ``LAG(x) OVER (PARTITION BY p)``, ``FIRST_VALUE(x) OVER (PARTITION BY p)``,
    ``COUNT(DISTINCT x) OVER (ORDER BY d)``, ``NTH_VALUE(x, 0)`` (NULL here, an error there),
    ``LAG(x, -1)`` (a LEAD here), and - the one a rolling-window processor writes -
    ``AVG(pts) OVER (ORDER BY game_date RANGE BETWEEN 7 PRECEDING AND CURRENT ROW)``, a range of
    7 days here and "ORDER BY key must be numeric" there (window function calls: "In a
    range-based window frame, there must be exactly one expression in the ORDER BY clause, and
    the expression must have a numeric type ... use ORDER BY with the UNIX_DATE() function")."""
    for window in tree.find_all(exp.Window):
        if window.args.get("over") is None:
            continue  # a WINDOW clause's definition, checked where a call uses it
        function, name = _window_function(window)
        order, spec = _effective_window(window)
        ordering, framing = _WINDOW_SUPPORT.get(name, ("optional", True))
        if order is None and ordering == "required":
            raise gexc.BadRequest(f"Window ORDER BY is required for analytic function {name}")
        if order is not None and ordering == "unsupported":
            raise gexc.BadRequest(f"Window ORDER BY is not allowed for analytic function {name}")
        if spec is not None and not framing:
            raise gexc.BadRequest(f"Window framing clause is not allowed for analytic function {name}")
        if isinstance(function.this, exp.Distinct):
            if order is not None:
                raise gexc.BadRequest("Window ORDER BY is not allowed if DISTINCT is specified")
            if spec is not None:
                raise gexc.BadRequest("Window framing clause is not allowed if DISTINCT is specified")
        if spec is not None:
            _check_frame(spec, order, checker)
        _check_window_argument(function, name, checker)


def _check_subscripted(tree: exp.Expression, checker: _TypeChecker) -> None:
    """``x[...]`` subscripts an ARRAY, a JSON value or a STRUCT (operators, "Array subscript
    operator", "JSON subscript operator", "Struct subscript operator"); DuckDB also indexes a
    STRING (``s[0]`` was ``'a'``). Refused when the operand's type is known to be a scalar."""
    for node in tree.find_all(exp.Bracket):
        typed = checker.type_of(node.this)
        if typed is not None and _FAMILY.get(typed.type) is not None and typed.type != "JSON":
            raise gexc.BadRequest(
                f"Element access using [] is not supported on values of type {_canon(typed)}")


#: DATE - DATE: "Computes the difference between two datetime values as an interval" (operators,
#: "Datetime subtraction"); DuckDB returns the number of days as an integer, so a comparison
#: with a number or a load into an INT64 column would pass here and fail on BigQuery.
_DATE_MINUS_DATE = (
    "DATE - DATE is an INTERVAL on BigQuery (operators, \"Datetime subtraction\"), which the "
    "embedded warehouse does not emulate (DuckDB returns a number of days): write "
    "DATE_DIFF(later, earlier, DAY) for the number of days, which both give alike")


def _interval_signature(cls: Any, a: _Typed, b: _Typed) -> bool:
    """Whether ``a <op> b`` with an INTERVAL operand has a signature (operators, "Interval
    arithmetic operators": a DATE, DATETIME or TIMESTAMP plus or minus an INTERVAL; an
    INTERVAL times or divided by an INT64; and INTERVAL plus or minus INTERVAL)."""
    fa, fb = _FAMILY.get(a.type), _FAMILY.get(b.type)
    if cls is exp.Add:
        return {fa, fb} <= {"INTERVAL", *_DATETIME_FAMILIES} and fa != fb or fa == fb == "INTERVAL"
    if cls is exp.Sub:
        return fb == "INTERVAL" and (fa == "INTERVAL" or fa in _DATETIME_FAMILIES)
    if cls is exp.Mul:
        return "INT64" in (_canon(a), _canon(b)) and "INTERVAL" in (fa, fb)
    return fa == "INTERVAL" and _canon(b) == "INT64"  # exp.Div


def _check_numeric_aggregates(tree: exp.Expression, checker: _TypeChecker) -> None:
    """``SUM`` and ``AVG`` take "any supported numeric data type" or INTERVAL (aggregate
    functions, "SUM" / "AVG" > Supported Argument Types,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions#sum);
    DuckDB also sums BOOLs (``SUM(is_starter)``) and averages numeric text."""
    for cls, name in ((exp.Sum, "SUM"), (exp.Avg, "AVG")):
        for node in tree.find_all(cls):
            value = node.this
            if isinstance(value, exp.Distinct) and len(value.expressions) == 1:
                value = value.expressions[0]
            typed = checker.type_of(value)
            family = _FAMILY.get(typed.type) if typed else None
            if typed is not None and family is not None and family not in ("NUM", "INTERVAL"):
                raise gexc.BadRequest(
                    f"No matching signature for aggregate function {name} for argument types: {_canon(typed)}. "
                    f"Supported signatures: {name}(INT64); {name}(NUMERIC); {name}(BIGNUMERIC); "
                    f"{name}(FLOAT64); {name}(INTERVAL)")


def _set_operation_inputs(node: exp.Expression, kind: type[exp.Expression]) -> list[exp.Select] | None:
    """The SELECTs a chain of one set operator combines, in order; None when one of them is not a plain SELECT."""
    if isinstance(node, exp.Subquery):
        node = node.this
    if isinstance(node, kind) and not node.args.get("by_name"):  # BY NAME / CORRESPONDING: by name
        left = _set_operation_inputs(node.this, kind)
        right = _set_operation_inputs(node.expression, kind)
        return None if left is None or right is None else left + right
    return [node] if isinstance(node, exp.Select) else None


def _set_operation_columns(tree: exp.Expression, checker: _TypeChecker
                           ) -> Iterator[tuple[str, int, list[exp.Expression], list[_Typed | None]]]:
    """``(label, index, values, their types)`` of each column of each set operation chain whose
    inputs are plain SELECTs without ``*`` and of one width (``BY NAME`` / ``CORRESPONDING``
    are left alone)."""
    for kind, name in ((exp.Union, "UNION"), (exp.Intersect, "INTERSECT"), (exp.Except, "EXCEPT")):
        for node in tree.find_all(kind):
            if isinstance(node.parent, kind):
                continue  # checked with the whole chain from its top
            columns = _set_operation_values(node, kind)
            if columns is None:
                continue
            label = f"{name} {'ALL' if not node.args.get('distinct') else 'DISTINCT'}"
            for index, values in enumerate(columns):
                yield label, index, values, [checker.type_of(value) for value in values]


def _set_operation_values(node: exp.Expression, kind: type[exp.Expression]) -> list[list[exp.Expression]] | None:
    """Each column's values, one per input, of a chain of one set operator whose inputs are
    plain SELECTs without ``*`` and of one width; None otherwise (a column count mismatch is
    the engine's error)."""
    inputs = _set_operation_inputs(node, kind)
    if not inputs or any(is_star(e) for s in inputs for e in s.expressions):
        return None
    widths = {len(s.expressions) for s in inputs}
    if len(widths) != 1:
        return None
    return [[s.expressions[index].unalias() for s in inputs] for index in range(widths.pop())]


def _column_datetime_type(typed: Sequence[_Typed | None]) -> str | None:
    """The DATE / DATETIME / TIME / TIMESTAMP supertype of a set operation column's values
    that are not string literals or parameters, when they have one."""
    others = [t for t in typed if t is not None and not t.coercible_string]
    if not others:
        return None
    families = {_FAMILY.get(t.type) for t in others}
    if families == {"DATE", "DATETIME"}:
        return "DATETIME"
    family = families.pop() if len(families) == 1 else None
    return family if family in _STRING_COERCIBLE else None


def _check_set_operations(tree: exp.Expression, checker: _TypeChecker) -> None:
    """Set operations: "paired columns must also have either the same data type or a common
    supertype" (query syntax, "Set operators",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#set_operators);
    DuckDB unions INT64 with STRING as text. Checked by position, for columns of known types.
    A string literal paired with a DATE (DATETIME, TIME, TIMESTAMP) column is that type on
    BigQuery ("Supertypes and literals", conversion rules) and is cast to it here
    (:func:`set_literal_types`); a STRING parameter there is refused by name."""
    for label, index, values, typed in _set_operation_columns(tree, checker):
        known = [t for t in typed if t is not None]
        for other in known[1:]:
            if not checker.compatible(known[0], other):
                raise gexc.BadRequest(
                    f"Column {index + 1} in {label} has incompatible types: {_canon(known[0])}, {_canon(other)}")
        # Every set operation but UNION ALL compares rows: its columns must be groupable (ZetaSQL's
        # set_operation_resolver_base.cc; data types, "Groupable data types"). DuckDB compared
        # JSON values by their text in a UNION DISTINCT or an INTERSECT.
        ungroupable = next((_canon(t) for t in known if _canon(t) in _NOT_GROUPABLE), None)
        if label != "UNION ALL" and ungroupable is not None:
            raise gexc.BadRequest(f"Column {index + 1} in {label} has type that does not support set operation "
                                  f"comparisons: {ungroupable}")
        target = _column_datetime_type(typed)
        if target is None:
            continue
        for value in values:
            _check_coerced_literal(value, _Typed(target))
        if any(t is not None and t.coercible_string and not isinstance(v, exp.Literal)
               for v, t in zip(values, typed, strict=True)):
            raise gexc.BadRequest(
                f"Column {index + 1} in {label} pairs a {target} with a STRING parameter: BigQuery reads it "
                f"as a {target}, the embedded warehouse would make the whole column STRING. Give the "
                f"parameter the type {target}, or write CAST(@... AS {target}), which both read alike")


def set_literal_types(tree: exp.Expression, types_of: TypesLookup, param_types: Mapping[str, object],
                      meta_key: str) -> dict[int, str]:
    """``{meta[meta_key]: BigQuery type}`` of the string literals a set operation pairs with a
    DATE / DATETIME / TIME / TIMESTAMP column: BigQuery gives each the column's type
    ("Supertypes and literals", conversion rules), so ``'2025-01-15'`` under a DATE column is
    a DATE there (see ``sql_translate.catalog_typed_statement``).

    Example::

        set_literal_types(parse("SELECT d FROM ds.t UNION ALL SELECT '2025-01-15'"), types_of, {},
                          'bq_set_literal')   # {1: 'DATE'}
    """
    found: dict[int, str] = {}
    for _label, _index, values, typed in _set_operation_columns(tree, _TypeChecker(types_of, param_types)):
        target = _column_datetime_type(typed)
        if target is None:
            continue
        for value in values:
            number = value.meta.get(meta_key)
            if number is not None and isinstance(value, exp.Literal) and value.is_string:
                found[number] = target
    return found


# --------------------------------------------------------------------------------------
# Conditions, common supertypes, and a few functions' argument types
# --------------------------------------------------------------------------------------
#: Specificity of the numeric types (conversion rules, "Types specificity"): the supertype of
#: several is the widest of them (INT64 and FLOAT64 give FLOAT64); arithmetic widens its operands
#: the same way (operators, "Arithmetic operators": ``_TypeChecker._numeric_result_type``).
_NUM_WIDTH = {"INT64": 0, "NUMERIC": 1, "BIGNUMERIC": 2, "FLOAT64": 3}


def _unparen(node: exp.Expression | None) -> exp.Expression | None:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _aggregated(node: exp.Expression | None) -> exp.Expression | None:
    """The value an aggregate call aggregates (``DISTINCT``, ``ORDER BY`` and ``LIMIT`` aside)."""
    while isinstance(node, exp.Limit | exp.Order):
        node = node.this
    if isinstance(node, exp.Distinct) and len(node.expressions) == 1:
        node = node.expressions[0]
    return node


def _clash(checker: _TypeChecker, typed: Sequence[_Typed]) -> tuple[_Typed, _Typed] | None:
    """Two of ``typed`` with no common supertype (a non-literal one first), or None."""
    anchor = next((t for t in typed if not t.coercible_string), typed[0])
    for other in typed:
        if not checker.compatible(anchor, other):
            return anchor, other
    return None


def _common_supertype(checker: _TypeChecker, typed: Sequence[_Typed]) -> _Typed | None:
    """The common supertype of the known types ``typed`` (see :meth:`_TypeChecker.supertype`), or None."""
    if not typed or _clash(checker, typed) is not None:
        return None
    # "Supertypes and literals": the non-literals' supertype, when there is one, else the
    # literals' own; a FLOAT64 literal coerces to NUMERIC, so beside INT64 / NUMERIC
    # expressions the supertype is NUMERIC (the most specific type it can become).
    expressions = [t for t in typed if not t.coercible_string and not t.number_literal]
    others = expressions or [t for t in typed if not t.coercible_string] or typed
    families = {_FAMILY.get(t.type) for t in others}
    names = {_canon(t) for t in others}
    if families == {"NUM"}:
        widest = max(names, key=lambda name: _NUM_WIDTH.get(name, 3))
        # (literals only: their supertype; the result of IF or of a UNION is no literal, so a
        # NUMERIC column does not take a FLOAT64 one, as it takes the literal 2.5)
        if widest == "INT64" and any(t.number_literal and t.type == "FLOAT64" for t in typed):
            return _Typed("NUMERIC")
        return _Typed(widest)
    if families == {"DATE", "DATETIME"}:
        return _Typed("DATETIME")
    if len(names) == 1 and None not in families:
        return _Typed(names.pop(), coercible_string=all(t.coercible_string for t in typed))
    return None


def _supertyped_values(node: exp.Expression) -> tuple[str, list[exp.Expression | None]] | None:
    """``(name, values)`` of a call whose result is the common supertype of its values
    (conditional expressions "CASE" / "IF" / "COALESCE" / "IFNULL" / "NULLIF", mathematical
    functions "GREATEST" / "LEAST", array literals); None for any other node."""
    if isinstance(node, exp.If) and not isinstance(node.parent, exp.Case):
        return "IF", [node.args.get("true"), node.args.get("false")]
    if isinstance(node, exp.Case):
        return "CASE", [branch.args.get("true") for branch in node.args.get("ifs") or []] + [node.args.get("default")]
    if isinstance(node, exp.Coalesce | exp.Greatest | exp.Least):
        return (written_name(node) or type(node).__name__).upper(), [node.this, *node.expressions]
    if isinstance(node, exp.Nullif):
        return "NULLIF", [node.this, node.expression]
    if isinstance(node, exp.Array) and not isinstance(node.parent, exp.Cast) \
            and not any(isinstance(e, exp.Query) for e in node.expressions):
        return "ARRAY", list(node.expressions)
    return None


def _bool_failure(checker: _TypeChecker, node: exp.Expression | None) -> str | None:
    """The type of ``node`` when it is known and is not BOOL; None otherwise."""
    typed = checker.type_of(node)
    if typed is None or _FAMILY.get(typed.type) in (None, "BOOL"):
        return None
    return _canon(typed)


def _argument_types(checker: _TypeChecker, values: Sequence[exp.Expression | None]) -> str:
    names = []
    for value in values:
        if value is None:
            continue
        typed = checker.type_of(value)
        names.append("NULL" if isinstance(_unparen(value), exp.Null) else _canon(typed) if typed else "ANY")
    return ", ".join(names)


#: Clauses that take a ``bool_expression`` (query syntax, "WHERE clause", "HAVING clause",
#: "QUALIFY clause", "ON clause"; DML, "MERGE statement": ``ON merge_condition``,
#: ``WHEN ... AND search_condition``).
_CONDITION_CLAUSES: dict[type[exp.Expression], tuple[str, str]] = {
    exp.Where: ("WHERE", "this"), exp.Having: ("HAVING", "this"), exp.Qualify: ("QUALIFY", "this"),
    exp.Join: ("JOIN ON", "on"), exp.Merge: ("MERGE ON", "on"), exp.When: ("MERGE WHEN", "condition"),
}
def _check_conditions_and_calls(tree: exp.Expression, checker: _TypeChecker) -> None:
    """Conditions that are not BOOL, values without a common supertype, and arguments of the
    wrong type, where the types are known. DuckDB filters on an INT64 (``WHERE flag``: nonzero
    is true), negates one, picks ``IF(c, 1, 'x')``'s branch without typing the other, and
    takes ``LENGTH(date)`` and ``STRING_AGG(int64)`` as text; BigQuery refuses each:
    conditional expressions ("condition must be a boolean expression"; results "must be
    coercible to a common supertype",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/conditional_expressions),
    operators ("Logical operators": BOOL inputs), query syntax (``WHERE bool_expression``, ...),
    and the functions' signatures and "Supported Argument Types" (see ``_ARGUMENT_SIGNATURES``)."""
    for node in tree.find_all(*_CONDITION_CLAUSES, exp.Not, exp.And, exp.Or, exp.If, exp.Case, exp.Coalesce,
                              exp.Nullif, exp.Greatest, exp.Least, exp.Array, *_SIGNATURE_NODES):
        if isinstance(node, _SIGNATURE_NODES):
            _check_signature(node, checker)
            continue
        clause = _CONDITION_CLAUSES.get(type(node))
        if clause is not None:
            found = _bool_failure(checker, node.args.get(clause[1]))
            if found:
                raise gexc.BadRequest(f"{clause[0]} clause should return type BOOL, but returns {found}")
            continue
        if isinstance(node, exp.Not | exp.And | exp.Or):
            operands = [node.this] if isinstance(node, exp.Not) else [node.this, node.expression]
            if any(_bool_failure(checker, operand) for operand in operands):
                op = type(node).__name__.upper()
                signature = "NOT (BOOL)" if op == "NOT" else f"BOOL {op} ([BOOL, ...])"
                raise gexc.BadRequest(f"No matching signature for operator {op} for argument types: "
                                      f"{_argument_types(checker, operands)}. Supported signature: {signature}")
            continue
        _check_supertyped(node, checker)


def _check_supertyped(node: exp.Expression, checker: _TypeChecker) -> None:
    """IF / CASE conditions, and the values of a call that must share a supertype."""
    if isinstance(node, exp.If) and isinstance(node.parent, exp.Case):
        return  # a CASE's branch: checked with its CASE
    conditions: list[exp.Expression | None] = []
    if isinstance(node, exp.If):
        conditions = [node.this]
    elif isinstance(node, exp.Case):
        branches = node.args.get("ifs") or []
        if node.this is None:
            conditions = [branch.this for branch in branches]
        else:  # CASE expr WHEN expr_to_match: comparable, with a common supertype
            matched = [node.this, *(branch.this for branch in branches)]
            typed = [t for t in (checker.type_of(v) for v in matched) if t is not None]
            pair = _clash(checker, typed) if typed else None
            if pair:
                raise gexc.BadRequest(
                    f"No matching signature for operator CASE for argument types: {_argument_types(checker, matched)} "
                    f"(the CASE value and its WHEN values have no common supertype: {_canon(pair[0])}, "
                    f"{_canon(pair[1])})")
    for condition in conditions:
        found = _bool_failure(checker, condition)
        if found:
            name = "function IF" if isinstance(node, exp.If) else "operator CASE"
            raise gexc.BadRequest(f"No matching signature for {name}: the condition returns {found}, "
                                  "not BOOL")
    named = _supertyped_values(node)
    if named is None:
        return
    name, values = named
    all_typed = checker.value_types(values)
    typed = [t for t in all_typed if t is not None]
    pair = _clash(checker, typed) if typed else None
    if pair is None:
        target = _common_supertype(checker, typed) if len(typed) == len(all_typed) else None
        for value in values:
            _check_coerced_literal(value, target)
        return
    if name == "ARRAY":
        raise gexc.BadRequest(f"Array elements of types {{{_canon(pair[0])}, {_canon(pair[1])}}} do not have a "
                              "common supertype")
    kind = "operator" if name == "CASE" else "function"
    arguments = [node.this, *values] if name == "IF" else values
    raise gexc.BadRequest(
        f"No matching signature for {kind} {name} for argument types: {_argument_types(checker, arguments)} "
        f"(the {'results' if name in ('IF', 'CASE') else 'arguments'} have no common supertype: "
        f"{_canon(pair[0])}, {_canon(pair[1])})")


#: Argument types of the date and time functions, MOD / DIV and a few aggregate and string
#: functions, by the name the call was written with: ``(argument keys, accepted types, the
#: signature as the reference writes it)``. From each function's signature in date functions,
#: datetime functions, timestamp functions, aggregate and string functions ("Supported
#: Argument Types") and mathematical functions (https://cloud.google.com/bigquery/docs/reference/standard-sql/date_functions,
#: ...#date_add, #date_diff ("follows the type of arguments passed in"), #date_trunc, #last_day,
#: #format_date, #parse_date, timestamp_functions#timestamp_add, #timestamp_trunc,
#: #timestamp_seconds, mathematical_functions#mod, #div). DuckDB took ``DATE_SUB(timestamp,
#: INTERVAL 1 DAY)``, ``FORMAT_DATE('%Y', timestamp)``, ``TIMESTAMP_SECONDS(float)`` and
#: ``MOD(float, 2)``; BigQuery has no such signature.
_DATETIME_ANY = frozenset({"DATE", "DATETIME", "TIMESTAMP"})
_ARGUMENT_SIGNATURES: dict[str, tuple[tuple[str, ...], frozenset[str], str]] = {
    "DATE_ADD": (("this",), frozenset({"DATE"}), "DATE_ADD(DATE, INTERVAL)"),
    "DATE_SUB": (("this",), frozenset({"DATE"}), "DATE_SUB(DATE, INTERVAL)"),
    "DATE_DIFF": (("this", "expression"), _DATETIME_ANY, "DATE_DIFF(DATE, DATE, DATE_TIME_PART)"),
    "DATETIME_DIFF": (("this", "expression"), _DATETIME_ANY, "DATETIME_DIFF(DATETIME, DATETIME, DATE_TIME_PART)"),
    "TIMESTAMP_DIFF": (("this", "expression"), _DATETIME_ANY,
                       "TIMESTAMP_DIFF(TIMESTAMP, TIMESTAMP, DATE_TIME_PART)"),
    "DATE_TRUNC": (("this",), _DATETIME_ANY, "DATE_TRUNC(DATE, DATE_TIME_PART)"),
    "TIMESTAMP_TRUNC": (("this",), frozenset({"TIMESTAMP", "DATETIME"}), "TIMESTAMP_TRUNC(TIMESTAMP, DATE_TIME_PART)"),
    "LAST_DAY": (("this",), frozenset({"DATE", "DATETIME"}), "LAST_DAY(DATE, [DATE_TIME_PART])"),
    "FORMAT_DATE": (("this",), frozenset({"DATE"}), "FORMAT_DATE(STRING, DATE)"),
    "FORMAT_DATETIME": (("this",), frozenset({"DATETIME"}), "FORMAT_DATETIME(STRING, DATETIME)"),
    "FORMAT_TIMESTAMP": (("this",), frozenset({"TIMESTAMP"}), "FORMAT_TIMESTAMP(STRING, TIMESTAMP, [STRING])"),
    "FORMAT_TIME": (("this",), frozenset({"TIME"}), "FORMAT_TIME(STRING, TIME)"),
    "PARSE_DATE": (("this",), frozenset({"STRING"}), "PARSE_DATE(STRING, STRING)"),
    "PARSE_DATETIME": (("this",), frozenset({"STRING"}), "PARSE_DATETIME(STRING, STRING)"),
    "PARSE_TIMESTAMP": (("this",), frozenset({"STRING"}), "PARSE_TIMESTAMP(STRING, STRING, [STRING])"),
    "TIMESTAMP_ADD": (("this",), frozenset({"TIMESTAMP"}), "TIMESTAMP_ADD(TIMESTAMP, INTERVAL)"),
    "TIMESTAMP_SUB": (("this",), frozenset({"TIMESTAMP"}), "TIMESTAMP_SUB(TIMESTAMP, INTERVAL)"),
    "DATETIME_ADD": (("this",), frozenset({"DATETIME"}), "DATETIME_ADD(DATETIME, INTERVAL)"),
    "DATETIME_SUB": (("this",), frozenset({"DATETIME"}), "DATETIME_SUB(DATETIME, INTERVAL)"),
    "TIMESTAMP_SECONDS": (("this",), frozenset({"INT64"}), "TIMESTAMP_SECONDS(INT64)"),
    "TIMESTAMP_MILLIS": (("this",), frozenset({"INT64"}), "TIMESTAMP_MILLIS(INT64)"),
    "TIMESTAMP_MICROS": (("this",), frozenset({"INT64"}), "TIMESTAMP_MICROS(INT64)"),
    "UNIX_DATE": (("this",), frozenset({"DATE"}), "UNIX_DATE(DATE)"),
    "UNIX_SECONDS": (("this",), frozenset({"TIMESTAMP"}), "UNIX_SECONDS(TIMESTAMP)"),
    "UNIX_MILLIS": (("this",), frozenset({"TIMESTAMP"}), "UNIX_MILLIS(TIMESTAMP)"),
    "UNIX_MICROS": (("this",), frozenset({"TIMESTAMP"}), "UNIX_MICROS(TIMESTAMP)"),
    "MOD": (("this", "expression"), frozenset({"INT64", "NUMERIC", "BIGNUMERIC"}), "MOD(INT64, INT64)"),
    "DIV": (("this", "expression"), frozenset({"INT64", "NUMERIC", "BIGNUMERIC"}), "DIV(INT64, INT64)"),
    "GENERATE_DATE_ARRAY": (("start", "end"), frozenset({"DATE"}), "GENERATE_DATE_ARRAY(DATE, DATE, [INTERVAL])"),
    # datetime functions "DATETIME", its two-argument forms (sqlglot's Datetime): a DATETIME has
    # neither; DuckDB read DATETIME(datetime, 'America/New_York') as a UTC instant
    "DATETIME": (("this",), frozenset({"DATE", "TIMESTAMP"}),
                 "DATETIME(INT64, INT64, INT64, INT64, INT64, INT64); DATETIME(DATE, [TIME]); DATETIME(TIMESTAMP, [STRING])"),
    # aggregate functions "COUNTIF" / "LOGICAL_AND" / "LOGICAL_OR": BOOL; "STRING_AGG": STRING or
    # BYTES; string functions "LENGTH" (and its synonyms) / "BYTE_LENGTH": STRING or BYTES
    "COUNTIF": (("this",), frozenset({"BOOL"}), "COUNTIF(BOOL)"),
    "LOGICAL_AND": (("this",), frozenset({"BOOL"}), "LOGICAL_AND(BOOL)"),
    "LOGICAL_OR": (("this",), frozenset({"BOOL"}), "LOGICAL_OR(BOOL)"),
    "STRING_AGG": (("this",), frozenset({"STRING", "BYTES"}), "STRING_AGG(STRING, [STRING]); STRING_AGG(BYTES, [BYTES])"),
    "LENGTH": (("this",), frozenset({"STRING", "BYTES"}), "LENGTH(STRING); LENGTH(BYTES)"),
    # CHAR_LENGTH (CHARACTER_LENGTH its alias) counts characters: STRING only (ZetaSQL registers
    # "char_length" with {string_type} alone, builtin_function_internal_3.cc; string functions
    # "CHAR_LENGTH": "Gets the number of characters in a STRING value"); OCTET_LENGTH is
    # BYTE_LENGTH's alias
    "CHAR_LENGTH": (("this",), frozenset({"STRING"}), "CHAR_LENGTH(STRING)"),
    "CHARACTER_LENGTH": (("this",), frozenset({"STRING"}), "CHARACTER_LENGTH(STRING)"),
    "BYTE_LENGTH": (("this",), frozenset({"STRING", "BYTES"}), "BYTE_LENGTH(STRING); BYTE_LENGTH(BYTES)"),
    "OCTET_LENGTH": (("this",), frozenset({"STRING", "BYTES"}), "OCTET_LENGTH(STRING); OCTET_LENGTH(BYTES)"),
}
#: STRING_AGG is parsed by a routine of its own, which keeps no written name.
_UNNAMED_CALLS: dict[type[exp.Expression], str] = {exp.GroupConcat: "STRING_AGG"}
_SIGNATURE_NODES = (exp.DateAdd, exp.DateSub, exp.DateDiff, exp.DatetimeDiff, exp.TimestampDiff, exp.DateTrunc,
                    exp.TimestampTrunc, exp.LastDay, exp.TimeToStr, exp.StrToDate, exp.ParseDatetime, exp.StrToTime,
                    exp.TimestampAdd, exp.TimestampSub, exp.DatetimeAdd, exp.DatetimeSub, exp.UnixToTime,
                    exp.UnixDate, exp.UnixSeconds, exp.UnixMillis, exp.UnixMicros, exp.Mod, exp.IntDiv, exp.GenerateDateArray, exp.Datetime,
                    exp.CountIf, exp.LogicalAnd, exp.LogicalOr, exp.GroupConcat, exp.Length, exp.ByteLength)
_LITERAL_TARGETS = frozenset({"DATE", "DATETIME", "TIMESTAMP", "TIME", "STRING"})


def _accepts(accepted: frozenset[str], typed: _Typed) -> bool:
    name = _canon(typed)
    if _FAMILY.get(typed.type) is None or name in accepted or _COERCES_TO.get(name, set()) & accepted:
        return True
    return typed.coercible_string and bool(accepted & _LITERAL_TARGETS)


def _fit_cost(signature: Signature, typed: Sequence[_Typed | None]) -> tuple[int, int] | None:
    """How ``signature`` takes arguments of types ``typed``: (arguments it coerces, literals and
    parameters among them it coerces), None when it cannot take them. By the conversion rules'
    coercions ("Coercion": INT64 to NUMERIC, BIGNUMERIC or FLOAT64, NUMERIC to BIGNUMERIC or
    FLOAT64; "Literal coercion": a FLOAT64 literal to NUMERIC, "String literals don't coerce to
    numeric types",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_rules#coercion;
    "Query parameter coercion": a STRING literal or parameter to a DATE, DATETIME, TIME or
    TIMESTAMP, as for ``STRING('2025-01-02 03:04:05+00')``). An argument of unknown type fits
    anywhere. A signature with a NUMERIC (BIGNUMERIC) argument needs one argument of that type
    (ZetaSQL's ``CheckHasNumericTypeArgument``). The fewer arguments coerced the better, then the
    fewer literals (ZetaSQL's ``SignatureMatchResult::IsCloserMatchThan`` counts coerced
    non-literals first): ``POW(n, 2.5)`` of a NUMERIC ``n`` is a NUMERIC, the literal coerced, not
    a FLOAT64."""
    if not signature.takes(len(typed)):
        return None
    coerced = literals = 0
    for param, value in zip(signature.params, typed, strict=False):
        if value is None or _FAMILY.get(value.type) is None:
            continue
        name = _canon(value)
        if name == param:
            continue
        if param == ROUNDING_MODE:  # an enum, named by a string literal or parameter
            if value.coercible_string:
                continue
            return None
        if (value.number_literal and (param in _COERCES_TO.get(name, ()) or name == "FLOAT64" and param == "NUMERIC")) \
                or (value.coercible_string and param in _STRING_COERCIBLE):
            literals += 1
        elif param in _COERCES_TO.get(name, ()):
            coerced += 1
        else:
            return None
    used = signature.params[:len(typed)]
    for needed in ("NUMERIC", "BIGNUMERIC"):
        if needed in used and not any(value is None or _FAMILY.get(value.type) is None or _canon(value) == needed
                                      for value in typed):
            return None
    return coerced, literals


def _fitting_signatures(node: Any, checker: _TypeChecker
                        ) -> tuple[str, list[exp.Expression], list[_Typed | None], list[tuple[tuple[int, int], Signature]]] | None:
    """For a call of :data:`SIGNATURES`: its name, arguments, their types, and each signature
    that takes them with its cost (in the table's order); None for any other node."""
    found = call_arguments(node)
    if found is None:
        return None
    name, arguments = found
    typed = [checker.type_of(_aggregated(argument)) for argument in arguments]
    fits = [(cost, signature) for signature in SIGNATURES[name] if (cost := _fit_cost(signature, typed)) is not None]
    return name, arguments, typed, fits


def _closest(fits: list[tuple[tuple[int, int], Signature]]) -> Signature:
    """The signature that takes the arguments with the fewest coercions (the first of equals)."""
    return min(fits, key=lambda fit: fit[0])[1]


def _shown_types(values: Sequence[exp.Expression], typed: Sequence[_Typed | None]) -> str:
    """The argument types of a message: NULL for an untyped NULL, STRING for a JSON path written
    as a literal (parsed into a JSONPath), ANY where the type is not read."""
    return ", ".join("NULL" if isinstance(_unparen(v), exp.Null) else "STRING" if isinstance(v, exp.JSONPath)
                     else _canon(t) if t else "ANY" for v, t in zip(values, typed, strict=True))


def _signature_result(node: exp.Expression, checker: _TypeChecker) -> _Typed | None:
    """The result type of a call of :data:`function_signatures.SIGNATURES`: the return type of
    the signature that takes the arguments with the fewest coercions (ZetaSQL's choice:
    ``ROUND(int64)`` is a FLOAT64, ``POW(numeric, 2)`` a NUMERIC), or the one return type of
    every signature that may take them when an argument's type is unknown; None otherwise."""
    found = _fitting_signatures(node, checker)
    if found is None:
        return None
    _name, _arguments, typed, fits = found
    if not fits:
        return None
    if all(value is not None and _FAMILY.get(value.type) is not None for value in typed):
        returns = _closest(fits).returns
    elif len({signature.returns for _cost, signature in fits}) == 1:
        returns = fits[0][1].returns
    else:
        return None
    if returns.startswith("ARRAY"):
        return _Typed("ARRAY")  # (an element type is not read: ARRAY alone, as an array literal is typed)
    return _Typed(returns) if returns in _FAMILY else None


def _check_function_signatures(tree: exp.Expression, checker: _TypeChecker) -> None:
    """A call of a string, mathematical, statistical, JSON, array or conversion function
    (:data:`SIGNATURES`) that no signature of it takes, refused as BigQuery refuses it ("No
    matching signature for function SUBSTR for argument types: STRING, STRING. Supported
    signatures: ..."). DuckDB coerced ``SUBSTR(s, '2')``, ``LPAD(s, 5.0)``, ``POW(2, '3')``,
    ``TRUNC(x, '1')``, ``VAR_POP('1')`` and ``JSON_VALUE(int64)``, and refused ``SQRT('4')`` or
    ``REGEXP_CONTAINS(5, 'a')`` naming its own functions (``isfinite``, ``regexp_matches``).
    Arguments of unknown type are not refused."""
    for node in tree.find_all(exp.Func):
        found = _fitting_signatures(node, checker)
        if found is None:
            continue
        name, arguments, typed, fits = found
        if fits:
            # the literals the closest signature coerces are read as BigQuery reads them when it
            # analyses the query: STRING('x') takes STRING(TIMESTAMP), "Could not cast literal"
            for param, argument in zip(_closest(fits).params, arguments, strict=False):
                if param in _STRING_COERCIBLE:
                    _check_coerced_literal(argument, _Typed(param))
            continue
        kind = "aggregate function" if isinstance(node, exp.AggFunc) else "function"
        several = len(SIGNATURES[name]) > 1
        raise gexc.BadRequest(f"No matching signature for {kind} {name} for argument types: "
                              f"{_shown_types(arguments, typed)}. "
                              f"Supported signature{'s' if several else ''}: {signature_text(name)}")


#: What CONCAT (and ``||``) takes as a STRING: ZetaSQL's ``CanStringConcatCoerceFrom``
#: (builtin_function_internal_1.cc: BOOL, the numbers, TIMESTAMP, DATE, DATETIME, TIME, INTERVAL;
#: FEATURE_CONCAT_MIXED_TYPES), as string functions "CONCAT" says: "All values must be BYTES or data
#: types that can be cast to STRING" (JSON, BYTES beside a STRING, ARRAY and STRUCT cannot).
_CONCAT_AS_STRING = frozenset({"STRING", "BOOL", "INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "TIMESTAMP", "DATE",
                               "DATETIME", "TIME", "INTERVAL"})


def _check_concatenations(tree: exp.Expression, checker: _TypeChecker) -> None:
    """CONCAT and ``||`` of values BigQuery has no signature for: all BYTES, or all STRING or
    types CONCAT takes as a STRING (:data:`_CONCAT_AS_STRING`). DuckDB concatenated a JSON
    value's text (``CONCAT(s, j)``), BYTES with a STRING (``s || b'xy'``) and a STRUCT's text."""
    for node, values in concatenations(tree):
        typed = [checker.type_of(value) for value in values]
        known = {_canon(t) for t in typed if t is not None}
        if not known or known <= _CONCAT_AS_STRING or known == {"BYTES"} \
                or (isinstance(node, exp.DPipe) and known == {"ARRAY"}):  # ARRAY || ARRAY: ARRAY_CONCAT
            continue
        shown = _shown_types(values, typed)
        if isinstance(node, exp.DPipe):
            raise gexc.BadRequest(f"No matching signature for operator || for argument types: {shown}. Supported "
                                  "signatures: STRING || STRING; BYTES || BYTES; ARRAY || ARRAY")
        raise gexc.BadRequest(f"No matching signature for function CONCAT for argument types: {shown}. Supported "
                              "signatures: CONCAT(STRING, [STRING, ...]); CONCAT(BYTES, [BYTES, ...])")


#: What each type may be cast to: conversion rules, "Comparison of casting and coercion" ("Cast
#: to"), joined with the source types each "CAST AS ..." section of the conversion functions
#: lists (https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_rules,
#: .../conversion_functions#cast_as_bool ...). The two pages differ on DATE -> DATETIME (the first
#: has it, "CAST AS DATETIME" leaves DATE out): taken. Casts from or to other types (JSON,
#: INTERVAL, RANGE, ARRAY, STRUCT) are left to the engine.
_CASTS: dict[str, frozenset[str]] = {
    "INT64": frozenset({"BOOL", "INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"}),
    "NUMERIC": frozenset({"INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"}),
    "BIGNUMERIC": frozenset({"INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"}),
    "FLOAT64": frozenset({"INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING"}),
    "BOOL": frozenset({"BOOL", "INT64", "STRING"}),
    "STRING": frozenset({"BOOL", "INT64", "NUMERIC", "BIGNUMERIC", "FLOAT64", "STRING", "BYTES", "DATE", "DATETIME",
                         "TIME", "TIMESTAMP"}),
    "BYTES": frozenset({"STRING", "BYTES"}),
    "DATE": frozenset({"STRING", "DATE", "DATETIME", "TIMESTAMP"}),
    "DATETIME": frozenset({"STRING", "DATE", "DATETIME", "TIME", "TIMESTAMP"}),
    "TIME": frozenset({"STRING", "TIME"}),
    "TIMESTAMP": frozenset({"STRING", "DATE", "DATETIME", "TIME", "TIMESTAMP"}),
}


def _check_casts(tree: exp.Expression, checker: _TypeChecker) -> None:
    """``CAST`` / ``SAFE_CAST`` between two types BigQuery has no cast for ("Invalid cast from
    BOOL to FLOAT64": SAFE_CAST protects from a value that does not convert, not from a cast
    the types do not have). DuckDB cast a BOOL to FLOAT64 (``1.0``) and a FLOAT64 to BOOL, and
    refused DATE to INT64 as "Conversion Error: Unimplemented type for cast (DATE -> BIGINT)"."""
    for node in tree.find_all(exp.Cast):
        target = _datatype_name(node.args.get("to"))
        typed = checker.type_of(node.this)
        if target is None or typed is None:
            continue
        source = _canon(typed)  # (the target is named as BigQuery names it: DECIMAL is NUMERIC)
        allowed = _CASTS.get(source)
        if allowed is not None and target in _CASTS and target not in allowed:
            raise gexc.BadRequest(f"Invalid cast from {source} to {target}")


def _check_signature(node: exp.Expression, checker: _TypeChecker) -> None:
    """A function of ``_ARGUMENT_SIGNATURES`` called with an argument type it has no signature for."""
    # The name as written, as _written_name reads it (MOD and DIV parse as operators, not Funcs).
    name = str(node.meta.get(CoverageBigQuery.ORIGINAL_NAME_META_KEY or "") or _UNNAMED_CALLS.get(type(node), "")).upper()
    signature = _ARGUMENT_SIGNATURES.get(name)
    if signature is None:
        return
    keys, accepted, text = signature
    # sqlglot wraps FORMAT_DATE / FORMAT_TIMESTAMP's value in a TsOrDsTo... (the DuckDB text casts it), and an
    # aggregate's value may sit in DISTINCT / ORDER BY / LIMIT: the type is the value's own.
    values = [value.this if isinstance(value, exp.TsOrDsToDate | exp.TsOrDsToTimestamp | exp.TsOrDsToDatetime
                                       | exp.TsOrDsToTime) else value
              for value in (_aggregated(node.args.get(key)) for key in keys)]
    typed = [checker.type_of(value) for value in values]
    known = [t for t in typed if t is not None]
    bad = any(not _accepts(accepted, t) for t in known) or (len(known) == 2 and not checker.compatible(*known))
    if bad:
        # Named as the signature names it (CHAR_LENGTH's is LENGTH's), plural when it lists several.
        kind = "aggregate function" if isinstance(node, exp.AggFunc) else "function"
        if isinstance(node, exp.Datetime):  # DATETIME's second argument (a zone or a time) is named too
            typed.append(checker.type_of(node.expression))
        raise gexc.BadRequest(f"No matching signature for {kind} {text.split('(', 1)[0]} for argument types: "
                              f"{', '.join(_canon(t) if t else 'ANY' for t in typed)}. "
                              f"Supported signature{'s' if ';' in text else ''}: {text}")
    if name == "DIV" and any(_canon(t) in ("NUMERIC", "BIGNUMERIC") for t in known):
        # "DIV(X, Y): Returns the result of integer division of X by Y" (mathematical functions,
        # DIV: NUMERIC for NUMERIC arguments). DuckDB's integer division of DECIMALs divides
        # them as FLOAT64: DIV(NUMERIC '7', 2) was 3.5 (BigQuery: 3), DIV(NUMERIC '1.5', 2) 0.75
        # (BigQuery: 0), silently.
        raise gexc.BadRequest(
            "DIV of NUMERIC or BIGNUMERIC values is not emulated by the embedded warehouse (its engine divides "
            "decimals as FLOAT64: DIV(NUMERIC '7', 2) would be 3.5, BigQuery's is 3); cast the arguments to INT64, "
            "or run the query on BigQuery")
