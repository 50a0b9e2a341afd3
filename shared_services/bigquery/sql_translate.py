"""BigQuery-dialect SQL -> DuckDB SQL for the embedded warehouse (sqlglot based).

What the translation does on top of ``sqlglot.transpile(read="bigquery", write="duckdb")``:

* ``@name`` query parameters become typed DuckDB prepared-statement placeholders
  (``CAST($name AS <type>)``); values are never written into the SQL text. ``?`` positional
  parameters become ``$__p0``, ``$__p1``, ...
* the project part of ``project.dataset.table`` is dropped (a dataset is a DuckDB schema);
* ``DATE_ADD`` / ``DATE_SUB`` are cast back to ``DATE`` (DuckDB would return TIMESTAMP);
* ``UNNEST(x) AS v WITH OFFSET AS o`` keeps BigQuery's 0-based offsets (DuckDB's
  ``WITH ORDINALITY`` is 1-based).

* float literals are FLOAT64 (DuckDB would make ``1.5`` a DECIMAL);
* ``a / b`` raises "division by zero" as BigQuery does (DuckDB returns ``inf``);
* ``ARRAY_AGG(x)`` raises on a NULL element as BigQuery does (unless ``IGNORE NULLS``).

BigQuery's statement rules (partition filters, MERGE, dialect) live in :mod:`.rules`.

Example::

    from shared_services.bigquery.sql_translate import translate
    out = translate('SELECT * FROM `p.ds.t` WHERE id = @id', {'id': 'INT64'})
    out.statements[0].sql   # 'SELECT * FROM "ds"."t" WHERE id = CAST($id AS BIGINT)'
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlglot
from google.api_core import exceptions as gexc
from sqlglot import exp
from sqlglot.errors import SqlglotError, UnsupportedError

from shared_services.bigquery.dialect import CoverageBigQuery, CoverageDuckDB
from shared_services.bigquery.embedded_table_functions import rewrite_table_function_calls
from shared_services.bigquery.farm_fingerprint import FARM_FINGERPRINT_FUNCTION
from shared_services.bigquery.unicode_text import MODES, NORMALIZE_FUNCTION

__all__ = [
    "BQ_TO_DUCKDB_SCALAR",
    "TranslatedStatement",
    "clear_translation_cache",
    "Translation",
    "duckdb_type",
    "normalize_bq_type",
    "staging_template",
    "translate",
]

class _QuietWhileTranslating(logging.Filter):
    """Drops sqlglot's warnings while this thread translates a statement: what they report
    ("'IF ...' contains unsupported syntax. Falling back to parsing as a 'Command'", "Invalid
    JSON path syntax") is either handled by the translation or refused by the statement rules
    with a message of their own, so a program that has not set up logging printed the warning
    on its console beside the BadRequest. sqlglot's warnings for anything else the process
    parses are left alone."""

    active = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.WARNING or not getattr(self.active, "depth", 0)


_QUIET = _QuietWhileTranslating()
logging.getLogger("sqlglot").addFilter(_QUIET)


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
    #: The statement as parsed from BigQuery SQL, before any DuckDB rewrite (for rule checks).
    source_ast: exp.Expression | None = None
    #: How many JSON_QUERY / JSON_EXTRACT (and _ARRAY) calls it has, each tagged in both trees
    #: (see :func:`catalog_typed_statement`).
    json_calls: int = 0
    #: How many string literals it has as a column of a set operation's input, each tagged
    #: in both trees (see :func:`catalog_typed_statement`: one may take a column's DATE type).
    set_literals: int = 0
    #: How many ROUND / TRUNC / SIGN calls it has, each tagged in both trees (see
    #: :func:`catalog_typed_statement`: their result type depends on their argument's).
    result_calls: int = 0
    #: What sqlglot says it could not write for DuckDB with the same meaning (its "unsupported"
    #: messages), None when nothing: the client refuses the statement with it, after the
    #: statement rules (whose refusals name the problem better) have passed.
    unsupported: str | None = None

    @property
    def kind(self) -> str:
        """'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'BEGIN', 'COMMIT' or 'OTHER' (DDL...)."""
        for cls, name in (
            (exp.Transaction, "BEGIN"),
            (exp.Commit, "COMMIT"),
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
    #: For a text naming a staging table (see :func:`staging_template`): ``(template text,
    #: the name's random token)``, the template being the text with the token written as
    #: :data:`STAGING_PLACEHOLDER`; else None.
    template: tuple[str, str] | None = None


#: ``replace_rows`` stages a batch in ``<dataset>._staging_<table>_<16 hex digits>``: a new
#: name, so a new query text, on every call. The text is translated (and its rule verdict
#: kept) once per shape, with the token written as this placeholder. It has letters (a
#: translation that changed the name's case would show) and no proper prefix that is also a
#: suffix (so where it occurs in a renamed text is exactly where the token was).
STAGING_PLACEHOLDER = "c0ffee0000000000"
_STAGING_NAME = re.compile(r"_staging_[A-Za-z0-9_]*?_([0-9a-f]{16})(?![A-Za-z0-9_])")
_COMMENT_MARKS = ("--", "/*", "#")


def staging_template(sql: str) -> tuple[str, str] | None:
    """``(template text, token)`` when ``sql`` names one staging table token and that token
    occurs nowhere else (in any letter case), the placeholder nowhere at all, and the text
    has no comment; else None (the text is translated as it is).

    Example::

        staging_template('SELECT 1 FROM `ds._staging_t_0123456789abcdef`')
        # ('SELECT 1 FROM `ds._staging_t_c0ffee0000000000`', '0123456789abcdef')
    """
    if "_staging_" not in sql:
        return None
    tokens = [m.group(1) for m in _STAGING_NAME.finditer(sql)]
    if not tokens or len(set(tokens)) != 1 or any(mark in sql for mark in _COMMENT_MARKS):
        return None
    token = tokens[0]
    lower = sql.lower()
    if token == STAGING_PLACEHOLDER or STAGING_PLACEHOLDER in lower or lower.count(token) != len(tokens):
        return None
    return sql.replace(token, STAGING_PLACEHOLDER), token


def _renamed_tree(tree: exp.Expression, token: str) -> exp.Expression:
    """A copy of ``tree`` with the placeholder written as ``token`` in every name and literal."""
    copy = tree.copy()
    for node in list(copy.walk()):
        for key, value in list(node.args.items()):
            if isinstance(value, str) and STAGING_PLACEHOLDER in value:
                node.set(key, value.replace(STAGING_PLACEHOLDER, token))  # set() drops cached hashes
    return copy


def _from_template(template: Translation, template_sql: str, token: str) -> Translation | None:
    """``template``'s statements with the placeholder written as ``token``; None when the
    placeholder does not come out of the translation exactly as it went in."""
    statements: list[TranslatedStatement] = []
    for statement in template.statements:
        text = statement.sql
        if text.lower().count(STAGING_PLACEHOLDER) != text.count(STAGING_PLACEHOLDER):
            return None
        statements.append(TranslatedStatement(
            sql=text.replace(STAGING_PLACEHOLDER, token),
            ast=_renamed_tree(statement.ast, token),
            parameter_names=list(statement.parameter_names),
            source_ast=None if statement.source_ast is None else _renamed_tree(statement.source_ast, token),
            json_calls=statement.json_calls,
            set_literals=statement.set_literals,
            result_calls=statement.result_calls,
        ))
    return Translation(statements=statements, template=(template_sql, token))


def is_star(projection: exp.Expression) -> bool:
    """Whether a SELECT list entry is ``*`` or ``t.*`` (its columns are not named in the query).

    Example::

        is_star(sqlglot.parse_one('SELECT t.* FROM t', read='bigquery').expressions[0])   # True
    """
    return isinstance(projection, exp.Star) or (isinstance(projection, exp.Column)
                                                and isinstance(projection.this, exp.Star))


def implicit_column_name(projection: exp.Expression) -> str | None:
    """The name a SELECT list item gives its column: its alias, else the implicit alias of an
    identifier or a path (the last name) or a field access (query syntax, "Implicit aliases");
    None for an anonymous column ("In all other cases, there is no implicit alias").

    Example::

        implicit_column_name(sqlglot.parse_one('SELECT t.pts', read='bigquery').expressions[0])  # 'pts'
    """
    if isinstance(projection, exp.Alias):
        return projection.alias
    while isinstance(projection, exp.Paren):
        projection = projection.this
    if isinstance(projection, exp.Column) and not isinstance(projection.this, exp.Star):
        return projection.name
    if isinstance(projection, exp.Dot) and isinstance(projection.expression, exp.Identifier):
        return projection.expression.name
    return None


def first_select(query: exp.Expression | None) -> exp.Select | None:
    """The SELECT that names a query's columns: the query itself, or a set operation's first
    input (query syntax, "Set operators": the result's column names are the first query's).

    Example::

        first_select(sqlglot.parse_one('SELECT 1 AS a UNION ALL SELECT 2', read='bigquery')).sql()   # 'SELECT 1 AS a'
    """
    while isinstance(query, exp.Subquery | exp.Union | exp.Intersect | exp.Except):
        query = query.this
    return query if isinstance(query, exp.Select) else None


def _not_emulated(tree: exp.Expression) -> None:
    """BigQuery features the embedded warehouse has no form of, refused by name (DuckDB's own
    errors pointed elsewhere: a wildcard table or an INFORMATION_SCHEMA view was "Not found:
    Table", time travel a parser error, ``@@project_id`` a query parameter with no name)."""
    for table in tree.find_all(exp.Table):
        name = table.name
        if "INFORMATION_SCHEMA." in name.upper() or (table.db or "").upper() == "INFORMATION_SCHEMA":
            raise gexc.BadRequest(
                f"INFORMATION_SCHEMA views ({name}) are not emulated by the embedded warehouse; use the client's "
                "get_table / list_tables / get_dataset, or run the query on BigQuery")
        if name.endswith("*"):
            raise gexc.BadRequest(
                f"Wildcard tables ({table.db}.{name}, _TABLE_SUFFIX) are not emulated by the embedded warehouse; "
                "query the tables by name (UNION ALL), or run the query on BigQuery")
        if table.args.get("version") is not None:
            raise gexc.BadRequest(
                f"Time travel (FOR SYSTEM_TIME AS OF) on {table.db}.{name} is not emulated by the embedded "
                "warehouse, which keeps no table history")
    for parameter in tree.find_all(exp.Parameter):
        if isinstance(parameter.this, exp.Parameter):  # @@name
            raise gexc.BadRequest(
                f"System variables (@@{parameter.this.name}) are not emulated by the embedded warehouse; pass "
                "the value as a query parameter")


#: Unicode's White_Space characters, which TRIM / LTRIM / RTRIM remove when given no set
#: (zetasql/public/functions/string.cc, TrimSpacesUtf8: ICU's UCHAR_WHITE_SPACE).
UNICODE_WHITE_SPACE = ("\t\n\u000b\u000c\r \u0085\u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B))
                       + "\u2028\u2029\u202f\u205f\u3000")


#: The calls :func:`_string_functions` rewrites or checks.
_STRING_FUNCTION_KINDS = (exp.Trim, exp.ByteLength, exp.RegexpExtract, exp.RegexpExtractAll, exp.Normalize,
                          exp.ArrayToString, exp.Unicode, exp.Ascii, exp.Left, exp.Right, exp.Repeat, exp.Pad)


def _farm_fingerprints(tree: exp.Expression) -> None:
    """``FARM_FINGERPRINT(value)``: FarmHash's Fingerprint64 as a signed INT64 (hash functions,
    "FARM_FINGERPRINT", https://cloud.google.com/bigquery/docs/reference/standard-sql/hash_functions#farm_fingerprint),
    the DuckDB function ``bq_farm_fingerprint`` the embedded warehouse registers
    (``farm_fingerprint.py``). DuckDB has no FarmHash: it was "Function not supported". A STRING
    only: BYTES is DuckDB's binder error (loud)."""
    for node in _innermost_first(tree, exp.FarmFingerprint):
        if len(node.expressions) == 1:
            node.replace(exp.Anonymous(this=FARM_FINGERPRINT_FUNCTION, expressions=[node.expressions[0].copy()]))


_RANGE_BUCKET_NAN = "typeof(__bq_value__) IN ('DOUBLE', 'FLOAT') AND isnan(TRY_CAST(__bq_value__ AS DOUBLE))"
#: The 1-based position of the array's first NULL element, first NaN element, and first element
#: greater than the next one (0 when none).
_FIRST_NULL_AT = "list_position(list_transform(__bq_array__, lambda bq_e: bq_e IS NULL), true)"
_FIRST_NAN_AT = "list_position(list_transform(__bq_array__, lambda bq_e: isnan(TRY_CAST(bq_e AS DOUBLE))), true)"
_FIRST_UNSORTED_AT = ("list_position(list_transform(range(1, len(__bq_array__)), "
                      "lambda bq_i: __bq_array__[bq_i + 1] < __bq_array__[bq_i]), true)")
_RANGE_BUCKET = (
    "CASE WHEN __bq_value__ IS NULL OR __bq_array__ IS NULL OR (" + _RANGE_BUCKET_NAN + ") THEN NULL "
    f"WHEN {_FIRST_NULL_AT} > 0 THEN error("
    f"'Elements in input array to RANGE_BUCKET cannot be null. Null element found at position ' || {_FIRST_NULL_AT}) "
    f"WHEN typeof(__bq_array__) IN ('DOUBLE[]', 'FLOAT[]') AND {_FIRST_NAN_AT} > 0 THEN error("
    f"'Elements in input array to RANGE_BUCKET cannot be NaN. NaN element found at position ' || {_FIRST_NAN_AT}) "
    f"WHEN {_FIRST_UNSORTED_AT} > 0 THEN error('Elements in input array to RANGE_BUCKET must be in ascending "
    f"order. Nonconforming elements found at position ' || {_FIRST_UNSORTED_AT} || ' and ' || "
    f"({_FIRST_UNSORTED_AT} + 1)) "
    "ELSE len(list_filter(__bq_array__, lambda bq_e: bq_e <= __bq_value__)) END")


def _range_buckets(tree: exp.Expression) -> None:
    """``RANGE_BUCKET(point, boundaries_array)``: "the 0-based position of the point's upper
    bound" in a sorted array, the number of its elements less than or equal to the point; NULL
    for a NULL or NaN point (or a NULL array); an array with a NULL or NaN element, or not in
    ascending order, fails (mathematical functions, "RANGE_BUCKET",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/mathematical_functions#range_bucket;
    the checks' order and messages are ZetaSQL's reference implementation's). Minutes-played or
    age buckets are a typical use. DuckDB has no such function: it was "Function not supported"."""
    for node in _innermost_first(tree, exp.RangeBucket):
        if node.this is None or node.expression is None:
            continue
        node.replace(_template(_RANGE_BUCKET, node.this, __bq_array__=node.expression))


def _merge_insert_row(tree: exp.Expression) -> None:
    """MERGE's ``WHEN NOT MATCHED THEN INSERT ROW``: "ROW can be used to include all the columns
    of the source in the ascending sequence of their ordinal positions" (DML statements, "MERGE
    statement", "Omitting column names",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#omitting_column_names),
    which is DuckDB's ``INSERT BY POSITION``. sqlglot wrote ``INSERT ROW``, DuckDB's "syntax error
    at or near ROW", for a statement BigQuery runs (its own MERGE example uses it)."""
    for node in list(tree.find_all(exp.Insert)):
        if isinstance(node.parent, exp.When) and isinstance(node.this, exp.Var) and node.this.name.upper() == "ROW":
            node.set("this", exp.Var(this="BY POSITION"))


_FRACTIONAL_TYPES = (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL,
                     exp.DataType.Type.BIGDECIMAL)
_GENERATED_ARRAY = (
    "CASE WHEN __bq_value__ IS NULL OR __bq_end__ IS NULL OR __bq_step__ IS NULL THEN NULL "
    "WHEN __bq_step__ = 0 THEN error('Sequence step cannot be 0.') "
    "WHEN typeof(__bq_value__ + __bq_end__ + __bq_step__) = 'DOUBLE' AND (isnan(__bq_value__) OR isnan(__bq_end__) "
    "OR isnan(__bq_step__)) THEN error('Sequence start, end, and step cannot be NaN.') "
    "ELSE list_filter(list_transform(range(0, greatest(0, CAST(floor((__bq_end__ - __bq_value__) / __bq_step__) "
    "AS BIGINT) + 2)), lambda bq_i: __bq_value__ + bq_i * __bq_step__), lambda bq_v: CASE WHEN __bq_step__ > 0 "
    "THEN bq_v <= __bq_end__ ELSE bq_v >= __bq_end__ END) END")


def _fractional_generate_array(tree: exp.Expression) -> None:
    """``GENERATE_ARRAY`` of FLOAT64 or NUMERIC values ("accepts the following data types as
    inputs: INT64, NUMERIC, BIGNUMERIC, FLOAT64"; an error for a step of 0 or a NaN input, NULL for
    a NULL one; array functions, "GENERATE_ARRAY",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/array_functions#generate_array).
    DuckDB's ``generate_series`` takes integers only: ``GENERATE_ARRAY(1, 2, 0.5)`` was its binder
    error. Element ``k`` is ``start + k * step``, as BigQuery's engine computes a FLOAT64 one (no
    running sum: ZetaSQL's generate_array.h), up to ``end`` inclusive. Rewritten where an argument
    is a FLOAT64 / NUMERIC literal or cast; integer arguments keep DuckDB's own."""
    for node in _innermost_first(tree, exp.GenerateSeries):
        start, end, step = node.args.get("start"), node.args.get("end"), node.args.get("step")
        if start is None or end is None:
            continue
        arguments = [a for a in (start, end, step) if a is not None]
        if not any(isinstance(a, exp.Cast) and a.to.this in _FRACTIONAL_TYPES for a in arguments):
            continue
        node.replace(_template(_GENERATED_ARRAY, start, __bq_end__=end,
                               __bq_step__=step if step is not None else exp.Literal.number(1)))


def _array_ends(tree: exp.Expression) -> None:
    """``ARRAY_FIRST(a)`` / ``ARRAY_LAST(a)``: "Takes an array and returns the first (last)
    element in the array. Produces an error if the array is empty" (array functions,
    "ARRAY_FIRST", https://cloud.google.com/bigquery/docs/reference/standard-sql/array_functions#array_first;
    NULL for a NULL array; the message is ZetaSQL's, reference_impl/function.cc). DuckDB has no
    such functions: they were "Function not supported"."""
    for node in _innermost_first(tree, exp.ArrayFirst, exp.ArrayLast):
        first = isinstance(node, exp.ArrayFirst)
        message = ("ARRAY_FIRST cannot get the first element of an empty array" if first
                   else "ARRAY_LAST cannot get the last element of an empty array")
        node.replace(_template(
            f"CASE WHEN len({_VALUE}) = 0 THEN error('{message}') ELSE {_VALUE}[{1 if first else -1}] END",
            node.this))


def _string_functions(tree: exp.Expression) -> None:
    """String functions DuckDB answered otherwise (string functions):

    * ``TRIM(x)`` / ``LTRIM(x)`` / ``RTRIM(x)`` remove every Unicode whitespace character
      ("all leading and trailing whitespace characters", ICU's White_Space); DuckDB's trim kept a
      feed's tab, carriage return and line feed (``TRIM('a\r\n')`` was ``'a\r\n'``);
    * ``BYTE_LENGTH(x)`` of a STRING is its UTF-8 length: DuckDB's octet_length takes only BLOBs
      ("No function matches ... 'octet_length(VARCHAR)'", every call on a STRING failed);
    * ``REGEXP_EXTRACT`` / ``REGEXP_EXTRACT_ALL`` / ``REGEXP_SUBSTR`` with more than one capturing
      group fail ("Regular expressions passed into extraction functions must not have more than
      1 capturing group", string functions, REGEXP_EXTRACT: "If there is more than one
      capturing group, an error is produced"); DuckDB returned the whole match;
    * a negative count for ``REPEAT``, size for ``LPAD`` / ``RPAD`` or length for ``LEFT`` /
      ``RIGHT``, and an empty pad pattern, fail (string functions: "This function returns an
      error if the repetitions value is negative", "return_length is negative", "pattern is
      empty", "If length is negative, an error will be returned"); DuckDB returned ``''``, and
      ``LEFT('abc', -1)`` all but the last character;
    * ``NORMALIZE(x[, mode])`` / ``NORMALIZE_AND_CASEFOLD(x[, mode])`` run (DuckDB has neither;
      sqlglot also dropped the case folding): calls to ``bq_normalize``, see
      :mod:`shared_services.bigquery.unicode_text`;
    * ``UNICODE('')`` is 0 ("Returns 0 if value is empty", DuckDB: -1), and ``ASCII`` of a
      STRING whose first character is not ASCII fails ("Argument to ASCII is not a structurally
      valid ASCII string", ZetaSQL's string.cc; DuckDB returned its code point);
    * ``ARRAY_TO_STRING`` of an array that is not ARRAY<STRING> or ARRAY<BYTES> fails when the
      query runs (its only signatures; DuckDB wrote ``[1, 2]`` as ``'1,2'``).
    """
    # (most statements call none of them: one walk to find out; a statement that does is walked
    # once per kind, as a rewrite may copy a call of another kind)
    if tree.find(*_STRING_FUNCTION_KINDS) is None:
        return
    for trim in tree.find_all(exp.Trim):
        if trim.args.get("expression") is None and trim.this is not None:
            trim.set("expression", exp.Literal.string(UNICODE_WHITE_SPACE))
    for length in _innermost_first(tree, exp.ByteLength):
        if length.this is not None:
            length.replace(_template(f"CASE WHEN typeof({_VALUE}) = 'BLOB' THEN octet_length(CAST({_VALUE} AS BLOB)) "
                                     f"ELSE strlen(CAST({_VALUE} AS VARCHAR)) END", length.this))
    for extract in tree.find_all(exp.RegexpExtract, exp.RegexpExtractAll):
        pattern = extract.expression
        if (isinstance(pattern, exp.RawString) or (isinstance(pattern, exp.Literal) and pattern.is_string)) \
                and _capturing_groups(pattern.name) > 1:
            raise gexc.BadRequest("Regular expressions passed into extraction functions must not have more than 1 "
                                  f"capturing group (pattern {pattern.name[:60]!r})")
    for normalized in _innermost_first(tree, exp.Normalize):
        if normalized.this is None:
            continue
        form = normalized.args.get("form")
        mode = form.name.upper() if isinstance(form, exp.Var | exp.Column | exp.Identifier) else "NFC"
        if mode not in MODES:
            raise gexc.BadRequest(f"Invalid normalization mode {form.sql('bigquery') if form else mode!r}: "
                                  f"NORMALIZE takes {', '.join(MODES)}")
        normalized.replace(exp.Anonymous(this=NORMALIZE_FUNCTION, expressions=[
            normalized.this.copy(), exp.Literal.string(mode),
            exp.Boolean(this=bool(normalized.args.get("is_casefold")))]))
    for joined in _innermost_first(tree, exp.ArrayToString):
        if joined.this is not None:  # an ARRAY<STRING> or ARRAY<BYTES> only (DuckDB cast [1, 2] to '1,2')
            joined.set("this", _template(
                f"CASE WHEN typeof({_VALUE}) IN ('VARCHAR[]', 'BLOB[]', '\"NULL\"[]', '\"NULL\"') THEN {_VALUE} ELSE "
                f"error('No matching signature for function ARRAY_TO_STRING for argument types: ' || typeof({_VALUE}) "
                "|| '. Supported signatures: ARRAY_TO_STRING(ARRAY<STRING>, STRING, [STRING]); "
                f"ARRAY_TO_STRING(ARRAY<BYTES>, BYTES, [BYTES])') END", joined.this))
    for first in _innermost_first(tree, exp.Unicode, exp.Ascii):
        if first.this is None:
            continue
        if isinstance(first, exp.Unicode):  # UNICODE(''): 0 (DuckDB: -1)
            first.replace(_template(f"CASE WHEN {_VALUE} = '' THEN 0 ELSE unicode({_VALUE}) END", first.this))
        else:  # ASCII of a STRING whose first character is not ASCII: an error (DuckDB: its code point)
            first.replace(_template(
                f"CASE WHEN typeof({_VALUE}) = 'VARCHAR' AND unicode(CAST({_VALUE} AS VARCHAR)) > 127 THEN "
                f"error('Argument to ASCII is not a structurally valid ASCII string: ' || CAST({_VALUE} AS VARCHAR)) "
                f"ELSE ascii({_VALUE}) END", first.this))
    for kind, name in ((exp.Left, "LEFT"), (exp.Right, "RIGHT")):
        for side in _innermost_first(tree, kind):
            if isinstance(side, exp.Expression):
                _not_negative(side, "expression", f"Second argument in {name}() cannot be negative")
    for repeat in _innermost_first(tree, exp.Repeat):
        _not_negative(repeat, "times", "Second argument (repeat count) for REPEAT cannot be negative")
    for pad in _innermost_first(tree, exp.Pad):
        # (DuckDB's lpad / rpad take an INTEGER size: an INT64 column was a binder error)
        _not_negative(pad, "expression", "Second argument (output size) for LPAD/RPAD cannot be negative", "INTEGER")
        fill = pad.args.get("fill_pattern")
        if isinstance(fill, exp.Literal) and fill.is_string and fill.name == "":
            raise gexc.BadRequest("Third argument (pad pattern) for LPAD/RPAD cannot be empty")
        if fill is not None and not isinstance(fill, exp.Literal):
            pad.set("fill_pattern", _template(
                f"CASE WHEN {_VALUE} = '' OR {_VALUE} = ''::BLOB THEN error('Third argument (pad pattern) for LPAD/RPAD "
                f"cannot be empty') ELSE {_VALUE} END", fill))


def _not_negative(node: exp.Expression, key: str, message: str, cast: str = "") -> None:
    """``node``'s argument ``key`` checked not to be negative (a literal now, anything else when
    the query runs); DuckDB took a negative count as 0 (``REPEAT('a', -1)``, ``LPAD(s, -1)``
    were ``''``) where BigQuery's string functions fail (ZetaSQL's string.cc, in these words)."""
    value = node.args.get(key)
    if value is None:
        return
    if isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal):
        raise gexc.BadRequest(message)
    if isinstance(value, exp.Literal):
        return
    checked = f"CAST({_VALUE} AS {cast})" if cast else _VALUE
    node.set(key, _template(f"CASE WHEN {_VALUE} < 0 THEN error('{message}') ELSE {checked} END", value))


def _capturing_groups(pattern: str) -> int:
    """How many capturing groups a regular expression has (0 when Python cannot read it: RE2
    syntax it lacks is left to the engine)."""
    try:
        return re.compile(pattern).groups
    except (re.error, OverflowError, RecursionError):
        return 0


def _anonymous_labels(tree: exp.Expression) -> None:
    """A query's anonymous result columns named as BigQuery names them, ``f0_``, ``f1_``, ...
    (counting the anonymous ones; query syntax, "Implicit aliases": an expression that is not a
    name or a path has no alias, "the displayed query results may have a generated label"), so
    that ``row['f0_']`` reads the same on both. DuckDB named them by their text
    (``count_star()``, ``(n + 1)``). Only the statement's own result: a CREATE ... AS needs named
    columns (rules.check_created_columns), an INSERT stores by position."""
    select = first_select(tree)
    if select is None or select.args.get("kind"):  # (SELECT AS STRUCT / AS VALUE: one column)
        return
    count = 0
    for projection in list(select.expressions):
        if is_star(projection) or implicit_column_name(projection) is not None:
            continue
        projection.replace(exp.Alias(this=projection.copy(), alias=exp.to_identifier(f"f{count}_")))
        count += 1


def _positional_to_named(tree: exp.Expression, counter: list[int]) -> None:
    placeholders = [node for node in tree.find_all(exp.Placeholder) if not node.this]
    if placeholders and tree.find(exp.Parameter) is not None:
        # lexical#query_parameters: named parameters "can't be used alongside positional query
        # parameters" (renamed, the ? would be reported as a missing parameter @__p0).
        raise gexc.BadRequest("Named query parameters can't be used alongside positional query parameters "
                              "(? and @name in one query)")
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
    for node in _innermost_first(tree, exp.DateAdd, exp.DateSub):
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


def _unnested_struct_fields(tree: exp.Expression) -> None:
    """``FROM t, UNNEST(t.players)`` without an alias: the elements' STRUCT fields are columns
    ("UNNEST operator": "the fields of a STRUCT become the output columns"), so ``SELECT name``
    reads them. DuckDB's ``UNNEST`` in FROM gave one column ``unnest`` (a binder error here);
    sqlglot wrote the DuckDB form only for a STRUCT literal. Any unaliased UNNEST in FROM or a
    JOIN becomes ``(SELECT UNNEST(x, max_depth := 2))``, whose columns are the fields (a scalar
    array gives its one column, as before)."""
    for node in list(tree.find_all(exp.Unnest)):
        if not isinstance(node.parent, exp.From | exp.Join) or node.args.get("alias") is not None \
                or node.args.get("offset") or len(node.expressions) != 1:
            continue
        node.replace(exp.Subquery(this=_template(f"SELECT UNNEST({_VALUE}, max_depth := 2)",
                                                 node.expressions[0]).this))


def _float_literals(tree: exp.Expression) -> None:
    """``1.5`` / ``1e3`` are FLOAT64 in GoogleSQL ("Floating point literals"); DuckDB reads a
    decimal point as DECIMAL, so cast them (``NUMERIC '1.5'`` is a string literal, untouched)."""
    for node in list(tree.find_all(exp.Literal)):
        if node.is_string or not re.search(r"[.eE]", str(node.this)):
            continue
        if isinstance(node.parent, exp.Cast) and node.parent.to.is_type("double"):
            continue
        node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE")))


def _strip_storage_properties(tree: exp.Expression) -> None:
    """PARTITION BY / CLUSTER BY / OPTIONS have no DuckDB equivalent: the client keeps them as
    table metadata (see ``DuckDBClient._record_ddl``) and DuckDB gets the plain CREATE."""
    if not isinstance(tree, exp.Create):
        return
    props = tree.args.get("properties")
    if props is None:
        return
    kept = [p for p in props.expressions
            if not isinstance(p, exp.PartitionedByProperty | exp.ClusterProperty)
            and type(p) is not exp.Property]
    if kept:
        props.set("expressions", kept)
    else:
        tree.set("properties", None)


def _raise_expr(message: str) -> exp.Expression:
    return exp.Anonymous(this="error", expressions=[exp.Literal.string(message)])


def _checked_division(tree: exp.Expression) -> None:
    """``x / 0`` is an error on BigQuery ("division by zero"); DuckDB returns inf / NULL."""
    for node in _innermost_first(tree, exp.Div):
        if node.args.get("safe") or node.meta.get(IEEE_DIVISION_META):
            continue
        message = "division by zero: " + node.sql("bigquery")[:80]
        divisor = node.expression
        # A large divisor is bound once (written twice below, a nested division doubled the SQL per level).
        stand_in, parameter = _large_bound(divisor, "bq_dv")
        guarded = exp.Case(
            ifs=[exp.If(this=exp.EQ(this=stand_in.copy(), expression=exp.Literal.number(0)),
                        true=_raise_expr(message))],
            default=stand_in.copy(),
        )
        node.set("expression", exp.Paren(this=guarded) if parameter is None else _bound_once(parameter, divisor, guarded))


def _array_agg_limits(tree: exp.Expression) -> None:
    """``ARRAY_AGG(x ORDER BY y LIMIT n)`` keeps the first ``n`` values (aggregate functions,
    ARRAY_AGG: "LIMIT: Specifies the maximum number of expression inputs in the result"); DuckDB
    has no LIMIT inside an aggregate (a parser error here, so "the last five games' points"
    could not run). Written as the whole aggregate sliced to its first ``n`` elements; the same
    for ``STRING_AGG(x, sep ORDER BY y LIMIT n)``, its NULLs left out before the limit."""
    for node in _innermost_first(tree, exp.ArrayAgg):
        limit = node.this
        if not isinstance(limit, exp.Limit) or limit.this is None or limit.expression is None:
            continue
        node.set("this", limit.this)
        outer = node.parent if isinstance(node.parent, exp.IgnoreNulls | exp.RespectNulls) else node
        if isinstance(outer.parent, exp.Window):
            continue  # (BigQuery takes no LIMIT in an analytic ARRAY_AGG: DuckDB says so)
        outer.replace(exp.Anonymous(this="list_slice", expressions=[
            outer.copy(), exp.Literal.number(1), limit.expression.copy()]))
    for concat in _innermost_first(tree, exp.GroupConcat):
        # STRING_AGG(x, sep ORDER BY y LIMIT n): "NULL values are ignored", then the first n are joined.
        limit = concat.this
        if not isinstance(limit, exp.Limit) or limit.this is None or limit.expression is None \
                or isinstance(concat.parent, exp.Window):
            continue
        separator = concat.args.get("separator")
        values = exp.IgnoreNulls(this=exp.ArrayAgg(this=limit.this.copy()))
        concat.replace(exp.Anonymous(this="array_to_string", expressions=[
            exp.Anonymous(this="list_slice", expressions=[values, exp.Literal.number(1), limit.expression.copy()]),
            separator.copy() if separator is not None else exp.Literal.string(",")]))


#: ``ANY_VALUE(x HAVING MAX y)``: ``x`` of a row whose ``y`` is the group's greatest, rows with a NULL ``x``
#: passed over while another qualifies; the key is a STRUCT of ``y`` and whether ``x`` is NULL, so that
#: among tied rows one with a value wins (for MIN the smallest key, so ``x IS NULL`` sorts it after).
_EXTREMUM_PICKS = {
    True: "arg_max_null(__bq_value__, {'k': __bq_key__, 'v': __bq_value__ IS NOT NULL}) "
          "FILTER (WHERE __bq_key__ IS NOT NULL)",
    False: "arg_min_null(__bq_value__, {'k': __bq_key__, 'v': __bq_value__ IS NULL}) "
           "FILTER (WHERE __bq_key__ IS NOT NULL)",
}


def _extremum_picks(tree: exp.Expression) -> None:
    """``MAX_BY(x, y)`` / ``MIN_BY(x, y)`` and ``ANY_VALUE(x HAVING MAX | MIN y)`` as BigQuery
    computes them. "MAX_BY: Synonym for ANY_VALUE(x HAVING MAX y)"; HAVING MAX "restricts the
    set of input rows that the function aggregates to only those with the maximum
    having_expression value", and ANY_VALUE "behaves as if IGNORE NULLS is specified" (aggregate
    functions, "ANY_VALUE", "MAX_BY"; aggregate function calls, "HAVING MAX clause",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions#max_by).
    So a player's ``MAX_BY(pts, game_date)`` is NULL when the latest game's points are NULL.
    sqlglot wrote DuckDB's ``arg_max``, which passes over rows with a NULL ``x``: the points of
    an earlier game (25 where BigQuery gives NULL); and ``arg_max_null`` for the HAVING form,
    which may take a tied row's NULL where BigQuery takes the other row's value. A call with
    OVER is refused by the statement rules."""
    for node in _innermost_first(tree, exp.ArgMax, exp.ArgMin, exp.HavingMax):
        if isinstance(node, exp.HavingMax):
            call, maximum = node.parent, bool(node.args.get("max"))
            if not isinstance(call, exp.AnyValue):
                continue  # (refused by the statement rules)
        else:
            call, maximum = node, isinstance(node, exp.ArgMax)
        value, key = node.this, node.expression
        if value is None or key is None or isinstance(call.parent, exp.Window):
            continue
        call.replace(_template(_EXTREMUM_PICKS[maximum], value, __bq_key__=key))


def _array_agg_nulls(tree: exp.Expression) -> None:
    """``ARRAY_AGG(x)`` over a NULL is an error on BigQuery ("Array cannot have a null
    element"); DuckDB keeps the NULL. ``ARRAY_AGG(x IGNORE NULLS)`` is left alone."""
    for node in list(tree.find_all(exp.ArrayAgg)):
        if isinstance(node.parent, exp.IgnoreNulls):
            continue
        holder: exp.Expression = node
        key = "this"
        value = node.this
        order = value if isinstance(value, exp.Order) else None
        if order is not None:  # ARRAY_AGG(x ORDER BY ..), ARRAY_AGG(DISTINCT x ORDER BY ..)
            holder, value = order, order.this
        if isinstance(value, exp.Distinct):  # ARRAY_AGG(DISTINCT x ...)
            if len(value.expressions) != 1:
                continue
            holder, value, key = value, value.expressions[0], "expressions"
        if value is None or isinstance(value, exp.Limit):
            continue
        checked = exp.Case(
            ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()),
                        true=_raise_expr("Array cannot have a null element; error in writing field "
                                         + value.sql("bigquery")[:60]))],
            default=value.copy(),
        )
        if key == "expressions" and order is not None and not isinstance(node.parent, exp.Window):
            # DISTINCT with ORDER BY: DuckDB takes no ORDER BY key that is not the argument itself
            # ("In a DISTINCT aggregate, ORDER BY expressions must appear in the argument list"),
            # and a checked value (volatile error()) is never the same: the group is checked instead
            node.replace(exp.Case(
                ifs=[exp.If(this=exp.Anonymous(this="bool_or", expressions=[exp.Is(this=value.copy(), expression=exp.Null())]),
                            true=checked.args["ifs"][0].args["true"].copy())],
                default=node.copy()))
            continue
        holder.set(key, [checked] if key == "expressions" else checked)


#: Weekday numbers as DuckDB's ``dayofweek`` gives them (Sunday 0).
_WEEKDAYS = {"SUNDAY": 0, "MONDAY": 1, "TUESDAY": 2, "WEDNESDAY": 3, "THURSDAY": 4, "FRIDAY": 5, "SATURDAY": 6}
_VALUE = "__bq_value__"
#: A node kind a rewrite walks (:func:`_innermost_first`).
_Node = TypeVar("_Node", bound=exp.Expr)


def _innermost_first(tree: exp.Expression, *kinds: type[_Node]) -> list[_Node]:
    """The ``kinds`` nodes of ``tree``, every node after the nodes inside it (the walk's levels
    from the deepest up: a descendant is always a level deeper than its ancestor).

    For a rewrite that copies a call's arguments into new SQL (:func:`_template` copies what it
    fills in): taken outermost first, the outer call's copy holds the inner call as it was, and
    the inner call is then rewritten where the statement no longer holds it, so the statement
    runs DuckDB's inner call unrewritten. ``FORMAT('%s', CAST(n AS STRING))`` of a NUMERIC 1.5
    was ``'1.500000000'`` that way (``CAST(n AS STRING)`` alone: ``'1.5'``), ``DATE(DATE(x))``,
    ``SUBSTR(SUBSTR(s, 0, 2), 0, 2)`` and ``PARSE_TIMESTAMP(f, FORMAT_TIMESTAMP(f, ts))`` ran
    their inner calls as DuckDB does. tests/unit/bigquery/test_nested_rewrites.py translates
    every rewritten call inside every other and checks that no rewrite lands outside the
    statement."""
    return list(reversed(list(tree.find_all(*kinds))))


def _moved_into(wrapper: exp.Expression, node: exp.Expr) -> exp.Expression:
    """``wrapper`` in ``node``'s place, holding ``node`` itself as its ``this`` (moved, not
    copied: the calls inside ``node`` stay the statement's own for the rewrites that follow,
    see :func:`_innermost_first`)."""
    node.replace(wrapper)
    wrapper.set("this", node)
    return wrapper


def _template(sql: str, value: exp.Expression, read: Any = "duckdb", **others: exp.Expression) -> exp.Expression:
    """``sql`` parsed (DuckDB dialect unless ``read`` says otherwise) in parentheses, each
    ``__bq_value__`` column replaced by a copy of ``value`` and each column named like a
    keyword of ``others`` by a copy of that expression."""
    return _fill(_parsed_template(sql, read).copy(), value, **others)


@functools.lru_cache(maxsize=1024)
def _parsed_template(sql: str, read: Any) -> exp.Expression:
    """A template's parse, made once per process: the same few templates are filled for every
    statement (a cold translation parsed each again; copying the tree costs a fraction of
    parsing it). Never changed in place: :func:`_template` fills a copy."""
    return cast_expression(sqlglot.parse_one(sql, read=read))


def _fill(tree: exp.Expression, value: exp.Expression, **others: exp.Expression) -> exp.Expression:
    """``tree`` in parentheses with its placeholders filled (see :func:`_template`).

    A large value the template names more than once (:data:`_BOUND_ONCE_NODES`) is bound once,
    as a one-element list's lambda parameter: ``list_transform([value], lambda bq_vN: tree)[1]``.
    Copied into each place, a rewritten call inside another rewritten call grew the statement
    by the template's count of places per level (``DATETIME(DATETIME(x, t), t)`` was 6 MB of
    SQL and 12 s to translate, one level more would not end), once :func:`_innermost_first`
    made the inner call's rewrite part of what the outer one copies."""
    fills = {_VALUE: value, **others}
    places = [column for column in tree.find_all(exp.Column) if column.name in fills]
    named = Counter(column.name for column in places)
    bound = {name: exp.to_identifier(f"bq_v{_lambdas_in(fills[name])}_{index}")
             for index, name in enumerate(sorted(named)) if named[name] > 1
             and _worth_binding(fills[name])}
    for column in places:
        if column.name in bound:
            column.replace(exp.column(bound[column.name].copy()))
        else:
            column.replace(fills[column.name].copy())
    filled: exp.Expression = exp.Paren(this=tree)
    for name, parameter in bound.items():
        filled = _bound_once(parameter.name, fills[name].copy(), filled)
    return filled


#: Calls a later pass of the translation writes out at length (``_datetime_calls``,
#: ``_timestamp_calls``: kilobytes of SQL each), and the casts a later pass checks
#: (``_int64_casts``, ``_bool_casts``, ``_date_casts``, ``_time_casts``: a text branch each): a
#: rewrite of an earlier pass that writes such a value more than once binds it, whatever its
#: size now. Copied, each copy was written out later: ``CAST(DATETIME(x, t) AS INT64)`` was 258
#: KB of SQL, eleven times DATETIME's 23 KB; over the suite's 2,228 recorded statements, binding
#: the casts too makes the SQL 37 % shorter (1.55 -> 0.98 MB) and its translation 15 % faster.
_EXPANDED_LATER = (exp.Datetime, exp.Timestamp)
_CASTS_EXPANDED_LATER = frozenset({
    exp.DataType.Type.BIGINT, exp.DataType.Type.BOOLEAN, exp.DataType.Type.DATE, exp.DataType.Type.DATETIME,
    exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIME,
})


def _expanded_later(value: exp.Expression) -> bool:
    """Whether ``value`` holds a call of :data:`_EXPANDED_LATER` or a cast a later pass writes out."""
    for node in value.walk():
        if isinstance(node, _EXPANDED_LATER):
            return True
        if isinstance(node, exp.Cast) and isinstance(node.args.get("to"), exp.DataType) \
                and node.args["to"].this in _CASTS_EXPANDED_LATER:
            return True
    return False


def _worth_binding(value: exp.Expression) -> bool:
    """Whether a value written in several places is bound once (:func:`_fill`,
    :func:`_large_bound`): a large one (:data:`_BOUND_ONCE_NODES`), or one a later pass writes out
    (:func:`_expanded_later`)."""
    return _larger_than(value, _BOUND_ONCE_NODES) or _expanded_later(value)


def _bound_once(parameter: str, value: exp.Expression, body: exp.Expression) -> exp.Expression:
    """``body`` with ``value`` bound once to the lambda parameter ``parameter`` (a column of
    that name in ``body``): ``list_transform([value], lambda parameter: body)[1]``. ``value``
    and ``body`` are placed, not copied."""
    once = _parsed_template(f"list_transform([__bq_bound__], lambda {parameter}: __bq_body__)[1]", "duckdb").copy()
    for column in list(once.find_all(exp.Column)):
        column.replace(value if column.name == "__bq_bound__" else exp.Paren(this=body))
    return exp.Paren(this=once)


def _large_bound(value: exp.Expression, prefix: str,
                 also: Callable[[exp.Expression], bool] | None = None) -> tuple[exp.Expression, str | None]:
    """``(stand-in, parameter)`` for a rewrite that writes ``value`` in several places: a value
    :func:`_worth_binding` picks, or one ``also`` picks, is replaced in its tree by a column
    named ``parameter`` (bind it with :func:`_bound_once`); another is its own stand-in,
    ``parameter`` None."""
    if not (_worth_binding(value) or (also is not None and also(value))):
        return value, None
    parameter = f"{prefix}{_lambdas_in(value)}"
    stand_in = exp.column(parameter)
    value.replace(stand_in)
    return stand_in, parameter


def _replace_bound(node: exp.Expression, result: exp.Expression, parameter: str | None, value: exp.Expression) -> None:
    """``node`` replaced by ``result``, with ``value`` bound once to ``parameter`` when
    :func:`_large_bound` gave one."""
    node.replace(result if parameter is None else _bound_once(parameter, value, result))


def _bind_arguments(values: list[exp.Expression], prefix: str,
                    also: Callable[[exp.Expression], bool] | None = None) -> list[tuple[str, exp.Expression]]:
    """Each large value of ``values`` (arguments a rewrite, or sqlglot's DuckDB writer, will
    write in several places), or one ``also`` picks, replaced where it is by a stand-in column
    (:func:`_large_bound`); returns ``(parameter, value)`` for each, for :func:`_with_bindings`.
    The values' own parameters differ (``prefix`` and the value's position name them)."""
    bindings = []
    for index, value in enumerate(values):
        _stand_in, parameter = _large_bound(value, f"{prefix}{index}_", also)
        if parameter is not None:
            bindings.append((parameter, value))
    return bindings


def _with_bindings(result: exp.Expr, bindings: list[tuple[str, exp.Expression]]) -> exp.Expression:
    """``result`` with each ``(parameter, value)`` of :func:`_bind_arguments` bound once around
    it (the first outermost); ``result`` itself when there is none."""
    bound = cast_expression(result)
    for parameter, value in reversed(bindings):
        bound = _bound_once(parameter, value, bound)
    return bound


#: The calls sqlglot's DuckDB writer spells with an argument more than once (:func:`_written_twice`).
_WRITTEN_TWICE = (exp.Greatest, exp.Least, exp.Length, exp.Initcap)


def _is_written_twice(node: exp.Expr) -> bool:
    """Whether sqlglot's DuckDB writer spells ``node`` with an argument more than once: a
    GREATEST / LEAST of BigQuery's (not DuckDB's own, which ignores NULLs: the rewrites' templates
    write those), a LENGTH of STRING or BYTES (not of a literal, nor DuckDB's LENGTH of a list)."""
    if isinstance(node, exp.Greatest | exp.Least):
        return not node.args.get("ignore_nulls")
    if isinstance(node, exp.Initcap):
        return True
    return isinstance(node, exp.Length) and bool(node.args.get("binary")) and not node.this.is_string


def _holds_written_twice(value: exp.Expression) -> bool:
    """Whether ``value`` is or holds a call :func:`_is_written_twice` picks, or a lambda
    (INITCAP's writer parses the SQL of its argument back in sqlglot's generic dialect, which
    reads no DuckDB lambda: ``INITCAP(STRING(ts, zone))`` was "Cannot translate the query")."""
    return any(_is_written_twice(inner) or isinstance(inner, exp.Lambda) for inner in value.walk())


def _written_twice(tree: exp.Expression) -> None:
    """The calls sqlglot's DuckDB writer spells with an argument written more than once get
    their large arguments bound once (:func:`_bind_arguments`): ``GREATEST(a, b)`` / ``LEAST``
    are ``CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE GREATEST(a, b) END`` (BigQuery's NULL
    for any NULL argument), ``LENGTH(x)`` is ``CASE typeof(x) WHEN 'BLOB' THEN
    octet_length(CAST(x AS BLOB)) ELSE length(CAST(x AS TEXT)) END``, ``INITCAP(x)`` names ``x``
    three times (a regular-expression split, a first-character test). Nested in themselves
    they doubled (tripled) the SQL per level: ``GREATEST(GREATEST(...(x, 2)..., 12), 13)``
    twelve deep was 266 KB of SQL, twenty deep would be 270 MB. Runs last, on the calls the
    rewrites left, innermost first (:func:`_innermost_first`)."""
    for node in _innermost_first(tree, *_WRITTEN_TWICE):
        if not _is_written_twice(node):
            continue
        # A large argument, or one holding such a call (its text written twice already: few
        # nodes, much SQL).
        bindings = _bind_arguments([node.this, *node.expressions], "bq_w", _holds_written_twice)
        if bindings:
            holder = exp.Null()
            node.replace(holder)
            holder.replace(_with_bindings(node, bindings))


def _lambdas_in(value: exp.Expression) -> int:
    """How many lambdas ``value`` holds: a bound value's parameter is named by it, so a lambda
    inside the value (a bound value of its own) keeps its name."""
    return sum(1 for _ in value.find_all(exp.Lambda))


#: Values of more nodes than this are bound once by :func:`_fill` when a template names them
#: more than once (a column, a literal or a short call are copied, as they always were).
_BOUND_ONCE_NODES = 50


def _larger_than(node: exp.Expression, limit: int) -> bool:
    """Whether ``node`` has more than ``limit`` nodes (the walk stops there)."""
    for count, _ in enumerate(node.walk(), start=1):
        if count > limit:
            return True
    return False


#: EXTRACT's parts that are values of another type, as the DuckDB type they are cast to.
_EXTRACTED_VALUES = {"DATE": "DATE", "DATETIME": "TIMESTAMP", "TIME": "TIME"}


def _extract_parts(tree: exp.Expression) -> None:
    """Date parts whose numbering differs on DuckDB ("EXTRACT", date functions,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/date_functions#extract):

    * ``DAYOFWEEK``: 1 (Sunday) to 7; DuckDB's ``dayofweek`` counts from 0.
    * ``WEEK`` / ``WEEK(<WEEKDAY>)``: 0 to 53, weeks beginning on Sunday (or WEEKDAY), the days
      before the year's first such day in week 0; DuckDB's ``week`` is the ISO week.
    * ``ISOWEEK``: the ISO 8601 week, which is DuckDB's ``week`` (DuckDB has no ``isoweek``).
    """
    for node in list(tree.find_all(exp.Extract)):
        part, value = node.this, node.expression
        if isinstance(part, exp.Var) and part.name.upper() in _EXTRACTED_VALUES:
            # EXTRACT(DATE | DATETIME | TIME FROM value): the value's date, civil date and time, or
            # time of day (timestamp functions, "EXTRACT"); DuckDB has no such part ("extract
            # specifier "DATE" not recognized"). A TIMESTAMP's in UTC, the session's zone, or in
            # the zone of an AT TIME ZONE inside it.
            node.replace(exp.Cast(this=value.copy(), to=exp.DataType.build(_EXTRACTED_VALUES[part.name.upper()])))
            continue
        if isinstance(part, exp.WeekStart):
            weekday = _WEEKDAYS.get(part.name.upper())
            if weekday is None:
                continue
        elif isinstance(part, exp.Var) and part.name.upper() in ("DAYOFWEEK", "WEEK", "ISOWEEK"):
            weekday = 0
        else:
            continue
        name = part.name.upper() if isinstance(part, exp.Var) else "WEEK"
        if name == "DAYOFWEEK":
            node.replace(_template(f"dayofweek({_VALUE}) + 1", value))
        elif name == "ISOWEEK":
            node.replace(_template(f"week({_VALUE})", value))
        else:
            # The year's first WEEKDAY falls on day-of-year f = 1 + (weekday - dow(Jan 1)) mod 7;
            # day d is then in week (d - f + 7) // 7 (0 before it).
            first = f"(1 + ({weekday} - dayofweek(date_trunc('year', {_VALUE})) + 7) % 7)"
            node.replace(_template(f"(dayofyear({_VALUE}) - {first} + 7) // 7", value))


#: DATE_TRUNC granularities as ``time_bucket`` widths (buckets counted from 2000-01-01 for
#: months and years, from Monday 2000-01-03 for days and weeks).
_BUCKETS = {"DAY": "1 day", "MONTH": "1 month", "QUARTER": "3 months", "YEAR": "1 year"}


def _date_trunc_types(tree: exp.Expression) -> None:
    """``DATE_TRUNC(value, granularity)`` returns the value's own type on BigQuery (a DATE for
    a DATE: date functions, "DATE_TRUNC",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/date_functions#date_trunc);
    DuckDB's ``date_trunc`` turns a DATE into a TIMESTAMP, so ``DATE_TRUNC(game_date, MONTH)``
    came back as a DATETIME. ``time_bucket`` keeps the type: DAY, WEEK (Sunday),
    WEEK(<WEEKDAY>), ISOWEEK (Monday), MONTH, QUARTER and YEAR are written with it; ISOYEAR is
    left as it was."""
    for node in _innermost_first(tree, exp.DateTrunc):  # DATE_TRUNC (TIMESTAMP_TRUNC etc. are other nodes)
        unit = node.args.get("unit")
        offset: int | None = None
        if isinstance(unit, exp.WeekStart):
            weekday = _WEEKDAYS.get(unit.name.upper())
            if weekday is None:
                continue
            offset = weekday - 1  # days from Monday, the default origin's weekday
        elif isinstance(unit, exp.Literal | exp.Var) and unit.name.upper() in ("WEEK", "ISOWEEK"):
            offset = -1 if unit.name.upper() == "WEEK" else 0
        elif isinstance(unit, exp.Literal | exp.Var) and unit.name.upper() in _BUCKETS:
            node.replace(_template(f"time_bucket(INTERVAL '{_BUCKETS[unit.name.upper()]}', {_VALUE})", node.this))
            continue
        else:
            continue
        node.replace(_template(f"time_bucket(INTERVAL '7 days', {_VALUE}, INTERVAL '{offset} days')", node.this))


def _substr_positions(tree: exp.Expression) -> None:
    """``SUBSTR(value, position, length)`` as BigQuery reads it (string functions, "SUBSTR",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions#substr): a
    position off the left end (0, or before ``-LENGTH(value)``) starts at 1, and a negative
    length is an error. DuckDB counts such a position as characters before the start
    (``SUBSTR('apple', 0, 2)`` gave ``'a'``, BigQuery ``'ap'``) and reads a negative length
    backwards. Without a length both agree."""
    for node in list(tree.find_all(exp.Substring)):
        value, start, length = node.this, node.args.get("start"), node.args.get("length")
        if value is None or start is None or length is None:
            continue
        if not (isinstance(start, exp.Literal) and start.is_int and int(start.name) > 0):
            node.set("start", _template(
                f"CASE WHEN __bq_start__ = 0 OR __bq_start__ < -length({_VALUE}) THEN 1 ELSE __bq_start__ END",
                value, __bq_start__=start))
        if not (isinstance(length, exp.Literal) and length.is_int):  # (-1 parses as a negation, not a literal)
            node.set("length", _template(
                f"CASE WHEN {_VALUE} < 0 THEN error('Third argument in SUBSTR() cannot be negative') "
                f"ELSE {_VALUE} END", length))


_WHOLE_INTERVAL_UNITS = ("MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY")


def _timestamp_diff_intervals(tree: exp.Expression) -> None:
    """``TIMESTAMP_DIFF(a, b, unit)`` counts whole intervals of the unit (timestamp functions,
    "TIMESTAMP_DIFF", https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions#timestamp_diff:
    ``TIMESTAMP_DIFF("2001-02-01 01:00:00", "2001-02-01 00:00:01", HOUR)`` is 0 "because only
    the number of whole specified HOUR intervals are included"); DuckDB's ``date_diff`` counts
    boundaries (1 there). DuckDB's ``date_sub`` counts whole intervals. DATE_DIFF and
    DATETIME_DIFF count boundaries on both and are left alone."""
    for node in _innermost_first(tree, exp.TimestampDiff):
        unit = node.args.get("unit")
        name = unit.name.upper() if isinstance(unit, exp.Var | exp.Literal) else ""
        if name not in _WHOLE_INTERVAL_UNITS:
            # A TIMESTAMP's parts go up to DAY; a larger one (WEEK, WEEK(<WEEKDAY>), MONTH...)
            # means DATE arguments: "TIMESTAMP_DIFF(DATE, DATE, PART) behaves like
            # DATE_DIFF(DATE, DATE, PART)", so it is written as DATE_DIFF (Sunday weeks).
            if unit is not None:  # read as BigQuery's DATE_DIFF, so WEEK means what it means there
                node.replace(_template(f"DATE_DIFF({_VALUE}, __bq_start__, {unit.sql('bigquery')})", node.this,
                                       read=CoverageBigQuery, __bq_start__=node.expression))
            continue
        node.replace(exp.Anonymous(this="date_sub", expressions=[
            exp.Literal.string(name.lower()), node.expression.copy(), node.this.copy()]))


#: DuckDB for a subscript by position (see :func:`_subscripts`): ``__bq_value__`` is the array
#: or JSON value, ``__bq_index__`` the index. DuckDB's lists count from 1, its JSON arrays from 0.
_OUT_OF_BOUNDS = ("error('Array index ' || CAST(__bq_index__ AS VARCHAR) || ' is out of bounds ('"
                  " || CASE WHEN __bq_index__ < {low} THEN 'underflow' ELSE 'overflow' END || ')')")
_ARRAY_SUBSCRIPTS = {
    # OFFSET(i): 0-based, an error out of bounds
    (0, False): f"CASE WHEN __bq_index__ < 0 OR __bq_index__ >= len({_VALUE}) THEN {_OUT_OF_BOUNDS.format(low=0)} "
                f"ELSE {_VALUE}[__bq_index__ + 1] END",
    (0, True): f"CASE WHEN __bq_index__ < 0 THEN NULL ELSE {_VALUE}[__bq_index__ + 1] END",  # SAFE_OFFSET
    # ORDINAL(i): 1-based, an error out of bounds
    (1, False): f"CASE WHEN __bq_index__ < 1 OR __bq_index__ > len({_VALUE}) THEN {_OUT_OF_BOUNDS.format(low=1)} "
                f"ELSE {_VALUE}[__bq_index__] END",
    (1, True): f"CASE WHEN __bq_index__ < 1 THEN NULL ELSE {_VALUE}[__bq_index__] END",  # SAFE_ORDINAL
}
#: A plain ``x[i]``: OFFSET(i) of an array, the zero-based element of a JSON array (SQL NULL for
#: a negative index, "operators", "JSON subscript operator").
_PLAIN_SUBSCRIPT = (f"CASE WHEN typeof({_VALUE}) = 'JSON' THEN (CASE WHEN __bq_index__ < 0 THEN NULL "
                    f"ELSE {_VALUE}[__bq_index__] END) ELSE ({_ARRAY_SUBSCRIPTS[(0, False)]}) END")


def _subscripts(tree: exp.Expression) -> None:
    """Array and JSON subscripts by position (operators, "Array subscript operator" and "JSON
    subscript operator", https://cloud.google.com/bigquery/docs/reference/standard-sql/operators):

    * ``a[OFFSET(i)]`` and the plain ``a[i]`` count from 0, ``a[ORDINAL(i)]`` from 1; outside
      the array they are an error ("Array index 5 is out of bounds (overflow)"), with
      ``SAFE_OFFSET`` / ``SAFE_ORDINAL`` NULL;
    * a JSON value's ``j[i]`` counts from 0 and is SQL NULL outside the array or for a negative i.

    sqlglot shifted a literal index for DuckDB's 1-based lists but not a column or an
    expression (``a[OFFSET(i)]`` was the element before), shifted a JSON array's index too
    (``j[0]`` was the second element), and DuckDB returns NULL out of bounds and counts a
    negative index from the end. A plain ``x[i]`` is an array or a JSON value: which one is
    only known when the query runs, so both are written and DuckDB's ``typeof`` chooses.
    A field name (``j['name']``) is left alone.
    """
    # Innermost first (reversed pre-order): an outer subscript copies the inner one rewritten.
    for node in reversed(list(tree.find_all(exp.Bracket, bfs=False))):
        if len(node.expressions) != 1 or node.this is None:
            continue
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and index.is_string:
            continue  # a JSON field name (or a map key)
        offset, safe = node.args.get("offset"), bool(node.args.get("safe"))
        sql = _PLAIN_SUBSCRIPT if offset is None else _ARRAY_SUBSCRIPTS.get((int(offset), safe))
        if sql is None:
            continue
        written = cast_expression(sqlglot.parse_one(sql, read="duckdb"))
        for subscript in written.find_all(exp.Bracket):
            # Already DuckDB's index: sqlglot would add 1 to a literal one when writing DuckDB.
            subscript.set("offset", 1)
        written = _fill(written, node.this, __bq_index__=index)
        node.replace(written)


#: ``JSON_TYPE``'s names (json functions, "JSON_TYPE": "object, array, string, number,
#: boolean, null") for DuckDB's ``json_type`` (VARCHAR, BIGINT, UBIGINT, DOUBLE, ...).
_JSON_TYPE_NAMES = (
    f"CASE WHEN {_VALUE} IS NULL THEN NULL ELSE (CASE json_type({_VALUE}) WHEN 'VARCHAR' THEN 'string' "
    "WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' "
    "WHEN 'BIGINT' THEN 'number' WHEN 'UBIGINT' THEN 'number' WHEN 'HUGEINT' THEN 'number' "
    f"WHEN 'DOUBLE' THEN 'number' ELSE error('JSON_TYPE: unknown JSON type ' || json_type({_VALUE})) END) END")
#: INT64 / FLOAT64 / BOOL of a JSON value (json functions, "INT64": "If the JSON value isn't a
#: number, or the JSON number isn't in the SQL INT64 domain, an error is produced"; "FLOAT64";
#: "BOOL": ``BOOL(JSON 'null')`` "Throws an error"). sqlglot wrote INT64 as a plain cast, which
#: read ``JSON '"20"'`` (a string) as 20 and cut ``JSON '20.5'``; FLOAT64 and BOOL had no DuckDB form.
_JSON_AS = f"CAST({_VALUE} AS JSON)"
_JSON_NUMBER = f"json_type({_JSON_AS}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
_JSON_CONVERTERS: dict[type, str] = {
    exp.Int64: (f"CASE WHEN {_VALUE} IS NULL THEN NULL WHEN json_type({_JSON_AS}) IN ('BIGINT', 'UBIGINT') "
                f"THEN CAST({_JSON_AS} AS BIGINT) WHEN json_type({_JSON_AS}) = 'DOUBLE' AND CAST({_JSON_AS} AS DOUBLE) = "
                f"trunc(CAST({_JSON_AS} AS DOUBLE)) THEN CAST(CAST({_JSON_AS} AS DOUBLE) AS BIGINT) "
                f"ELSE error('INT64: the JSON value is not a number in the INT64 domain: ' || CAST({_VALUE} AS VARCHAR)) END"),
    exp.Float64: (f"CASE WHEN {_VALUE} IS NULL THEN NULL WHEN {_JSON_NUMBER} THEN CAST({_JSON_AS} AS DOUBLE) "
                  f"ELSE error('FLOAT64: the JSON value is not a number: ' || CAST({_VALUE} AS VARCHAR)) END"),
    exp.JSONBool: (f"CASE WHEN {_VALUE} IS NULL THEN NULL WHEN json_type({_JSON_AS}) = 'BOOLEAN' THEN "
                   f"CAST({_JSON_AS} AS BOOLEAN) "
                   f"ELSE error('BOOL: the JSON value is not a boolean: ' || CAST({_VALUE} AS VARCHAR)) END"),
}
#: The DuckDB function the embedded warehouse registers for TO_JSON_STRING
#: (:func:`shared_services.bigquery.json_encoding.bigquery_json_string`).
JSON_STRING_FUNCTION = "bq_to_json_string"
#: ... and for TO_JSON (:func:`shared_services.bigquery.json_encoding.bigquery_json_value`).
JSON_VALUE_FUNCTION = "bq_to_json"
#: ``STRING(x)``: of a JSON value, the JSON string's text ("If the JSON value isn't a string, an
#: error is produced"); of a TIMESTAMP, its text as before. Which one is known when it runs.
_STRING_OF = (
    f"CASE WHEN typeof({_VALUE}) = 'JSON' THEN (CASE WHEN {_VALUE} IS NULL THEN NULL "
    f"WHEN json_type(CAST({_VALUE} AS JSON)) = 'VARCHAR' THEN CAST({_VALUE} AS JSON) ->> '$' "
    f"ELSE error('STRING: the JSON value is not a string: ' || CAST({_VALUE} AS VARCHAR)) END) "
    f"ELSE CAST({_VALUE} AS VARCHAR) END")


def _json_conversions(tree: exp.Expression) -> None:
    """JSON functions DuckDB answered in its own words (json functions,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions):

    * ``JSON_TYPE`` names ``string`` / ``number`` / ``boolean`` / ``null`` / ``object`` /
      ``array``; DuckDB's ``json_type`` said ``VARCHAR``, ``UBIGINT``, ``DOUBLE``...
    * ``STRING(json)`` is the JSON string without its quotes (``'purple'``, it was
      ``'"purple"'``), an error for any other JSON value;
    * ``TO_JSON(x)`` is a JSON value (sqlglot wrote it as text, so the rows held a string);
    * ``TO_JSON_STRING(x)`` encodes as BigQuery does ("JSON encodings"): DuckDB's to_json wrote
      ``1.0`` for a FLOAT64 one, ``Infinity`` unquoted, a NUMERIC's trailing zeros, a TIMESTAMP
      as ``'2025-01-15 19:30:00+00'`` (see :mod:`shared_services.bigquery.json_encoding`);
    * a ``lax`` JSONPath is refused: DuckDB returned NULL for it.
    """
    for func in tree.find_all(exp.Func):
        path = func.args.get("expression")
        if type(func).__name__.startswith("JSON") and isinstance(path, exp.Literal) and path.is_string \
                and path.name.lstrip().lower().startswith("lax"):
            # "JSONPath mode: lax" (JSON_QUERY): DuckDB has no such mode and returned NULL.
            raise gexc.BadRequest(
                f"The JSONPath mode in {path.name!r} ('lax', 'lax recursive') is not emulated by the embedded "
                "warehouse (DuckDB would return NULL); write the path without it, naming each array level")
    for typed in _innermost_first(tree, exp.JSONType):
        typed.replace(_template(_JSON_TYPE_NAMES, typed.this))
    for text in _innermost_first(tree, exp.String):
        if text.this is None:
            continue
        zone = text.args.get("zone")
        if isinstance(zone, exp.Expression) and not set(text.args) - {"this", "zone"}:
            heavy = text.this  # written twice: a large one is bound once
            stand_in, parameter = _large_bound(heavy, "bq_s")
            _replace_bound(text, _zoned_string(stand_in, zone), parameter, heavy)
            continue
        if set(text.args) - {"this"}:
            continue
        text.replace(_template(_STRING_OF, text.this))
    for converter in _innermost_first(tree, exp.Int64, exp.Float64, exp.JSONBool):
        if converter.this is None:
            continue
        mode = converter.args.get("expression")
        if mode is not None:  # FLOAT64(json, wide_number_mode => ...)
            value = mode.args.get("expression") if isinstance(mode, exp.Kwarg) else None
            if not (isinstance(value, exp.Literal) and value.is_string and value.name == "round"):
                raise gexc.BadRequest("FLOAT64(json, wide_number_mode => ...) is emulated for 'round' only "
                                      "(the default) by the embedded warehouse")
        converter.replace(_template(_JSON_CONVERTERS[type(converter)], converter.this))
    for formatted in _innermost_first(tree, exp.JSONFormat):
        if formatted.this is None:
            continue
        if formatted.args.get("to_json"):
            if not formatted.args.get("options"):
                # TO_JSON: the same encoding as TO_JSON_STRING's, numbers as numbers, as a JSON
                # value (DuckDB's to_json wrote 1.0, a NUMERIC's trailing zeros, a TIMESTAMP's text)
                formatted.replace(_template(
                    f"CAST({JSON_VALUE_FUNCTION}(CAST(to_json({_VALUE}) AS VARCHAR), typeof({_VALUE})) AS JSON)",
                    formatted.this))
            continue
        pretty = formatted.args.get("options")
        if pretty is not None and not (isinstance(pretty, exp.Boolean) and not pretty.this):
            raise gexc.BadRequest("TO_JSON_STRING(value, pretty_print) is not emulated by the embedded warehouse "
                                  "(its line breaks and indents are BigQuery's own); write TO_JSON_STRING(value)")
        # TO_JSON_STRING: BigQuery's encoding (json_encoding.bigquery_json_string), from DuckDB's
        # to_json text and the value's DuckDB type; 'null' for NULL
        formatted.replace(_template(f"{JSON_STRING_FUNCTION}(CAST(to_json({_VALUE}) AS VARCHAR), typeof({_VALUE}))",
                                    formatted.this))


def _conversions(tree: exp.Expression) -> None:
    """Conversions whose type or meaning sqlglot's DuckDB text changed:

    * ``DATE_FROM_UNIX_DATE(n)`` is a DATE (date functions); it came back as a DATETIME;
    * ``GENERATE_TIMESTAMP_ARRAY`` of string literals is an ``ARRAY<TIMESTAMP>`` (the literals
      coerce to TIMESTAMP); they were cast to DuckDB's TIMESTAMP, a DATETIME;
    * ``CAST(x AS STRING FORMAT '...')`` is refused: the FORMAT clause was dropped, so
      ``CAST(d AS STRING FORMAT 'DAY')`` gave '2026-11-28' for 'SATURDAY';
    * ``CAST(s AS TIME / DATETIME FORMAT '...')`` is refused: sqlglot parses it as PARSE_TIMESTAMP,
      so ``CAST('15:30' AS TIME FORMAT 'HH24:MI')`` was the TIMESTAMP 1900-01-01 15:30:00+00; and
      so is a DATE / TIMESTAMP one whose format keeps an element sqlglot does not map (``P.M.``,
      ``FF2``): DuckDB read it as literal text (``'03:30 P.M.'`` was 03:30) (format elements,
      "Format clause for CAST", https://cloud.google.com/bigquery/docs/reference/standard-sql/format-elements).
    """
    for unix in list(tree.find_all(exp.DateFromUnixDate)):
        if unix.this is not None:
            unix.replace(_template(f"CAST('1970-01-01' AS DATE) + CAST({_VALUE} AS INTEGER)", unix.this))
    for series in tree.find_all(exp.GenerateTimestampArray):
        for key in ("start", "end"):
            bound = series.args.get(key)
            if isinstance(bound, exp.Literal) and bound.is_string:
                series.set(key, exp.Cast(this=bound.copy(), to=exp.DataType.build("TIMESTAMPTZ")))
    for parsed in tree.find_all(exp.StrToDate, exp.StrToTime):
        target = parsed.meta.get(CoverageBigQuery.CAST_FORMAT_META)
        if target is None:
            continue  # PARSE_DATE / PARSE_TIMESTAMP, not a CAST
        fmt = parsed.args.get("format")
        left = re.sub(r"%[-#]?E?[A-Za-z]", "", str(fmt.this)) if isinstance(fmt, exp.Literal) else "?"
        parsed_as_timestamp = target in ("TIME", "DATETIME")
        if parsed_as_timestamp or re.search(r"[A-Za-z?]", left):
            raise gexc.BadRequest(
                f"CAST(... AS {target} FORMAT ...) is not emulated by the embedded warehouse "
                + ("(DuckDB would return a TIMESTAMP)" if parsed_as_timestamp else
                   f"(format element(s) {' '.join(sorted(set(re.findall(r'[A-Za-z][A-Za-z.]*', left))))!r} would be "
                   "read as literal text)")
                + f"; use PARSE_{target}('%-format', ...), which both "
                "read alike")
    for cast in tree.find_all(exp.Cast):
        if cast.args.get("format") is not None:
            raise gexc.BadRequest(
                f"CAST with a FORMAT clause ({cast.sql('bigquery')[:80]}) is not emulated by the embedded "
                "warehouse (DuckDB would drop the format); use FORMAT_DATE / FORMAT_TIMESTAMP / FORMAT")


#: Format elements that give ``PARSE_TIMESTAMP`` the offset itself (DuckDB then returns an instant).
_OFFSET_ELEMENTS = ("%z", "%Ez", "%Z")


#: A PARSE_* format's elements, one token each: '%%', BigQuery's E / O modified elements, and
#: the plain ones as sqlglot's tree writes them ('%-d' for BigQuery's %e).
_PARSE_TOKEN = re.compile(r"%%|%E\*S|%E[0-9]S|%E4Y|%[EO][A-Za-z]|%-?[A-Za-z]|%|[^%]+")
#: BigQuery's alternative-representation elements, read as the plain element in the en_US
#: locale (the parser's "'%EY' is treated like '%Y' in en_US locale" and its %O cases).
_PLAIN_ALTERNATIVES = {"%EY": "%Y", "%Ey": "%y", "%Ec": "%c", "%Ex": "%x", "%EX": "%X", "%E4Y": "%Y"}
#: Elements DuckDB's strptime does not read and that are not emulated here.
_UNREAD_PARSE_ELEMENTS = {
    "%s": "%s (seconds since the epoch: use TIMESTAMP_SECONDS(CAST(text AS INT64)))",
    "%Q": "%Q (the quarter)", "%J": "%J (the ISO day of the year)", "%C": "%C (the century)",
    "%EC": "%EC (the century)",
}


def _parse_format_elements(tree: exp.Expression) -> None:
    """PARSE_DATE / PARSE_DATETIME / PARSE_TIME / PARSE_TIMESTAMP read BigQuery's own format
    elements as BigQuery reads them (format elements, "Format elements for date and time
    parts": ``%E*S``, ``%E<number>S``, ``%Ez``, ``%E4Y``, and the locale alternatives ``%EY``,
    ``%Ey``, ``%Ec``, ``%Ex``, ``%EX``, ``%O...``). DuckDB's strptime knows none of them
    ("Failed to parse format specifier %Y %Y-%m-%dT%H:%M:%E*S%Ez"), which is how a raw feed's
    ISO 8601 stamps are usually read on BigQuery.

    How BigQuery reads them (its parser, zetasql/public/functions/parse_date_time.cc):

    * ``%E*S``: two-digit seconds, then, only when a '.' follows, the fraction, digits past
      the sixth ignored; ``%E<n>S`` (n from 0 to 6) the same with at most n digits (none for
      ``%E0S``). Here: the seconds with a fraction of up to six digits (``%f``; three, ``%g``,
      for ``%E3S``), or none, or (``%E*S``) the text with its fraction cut to six digits.
      ``%E1S`` / ``%E2S`` / ``%E4S`` / ``%E5S`` take up to six digits here (lenient).
    * ``%Ez``: ``Z``, or a sign, two-digit hours and optional minutes with an optional ':'.
      Here: DuckDB's ``%z`` (the same offsets), or the text with its ``Z`` read as ``+00``.
    * a format element with no DuckDB form (``%s``, ``%Q``, ``%J``, ``%C``) is refused by name.

    Each way of reading is one ``strptime`` of the same call, tried in turn
    (``COALESCE(try(...), ..., last)``): the last, the format as written, raises when none
    reads the text ("Failed to parse input string", as the client words DuckDB's error).
    """
    parses: list[exp.Expression] = list(tree.find_all(exp.StrToDate, exp.StrToTime, exp.ParseDatetime, exp.ParseTime))
    for node in parses:
        if node.meta.get(CoverageBigQuery.CAST_FORMAT_META) is not None:
            continue  # CAST(... FORMAT ...): _conversions
        fmt = node.args.get("format")
        if not isinstance(fmt, exp.Literal) or not fmt.is_string or "%E" not in fmt.name and "%O" not in fmt.name \
                and not any(element in fmt.name for element in _UNREAD_PARSE_ELEMENTS):
            continue
        # Each variant: (format, cut the fraction to six digits, read Z as +00)
        variants: list[tuple[str, bool, bool]] = [("", False, False)]
        for token in _PARSE_TOKEN.findall(fmt.name):
            if token in _UNREAD_PARSE_ELEMENTS:
                raise gexc.BadRequest(f"Format element {_UNREAD_PARSE_ELEMENTS[token]} is not emulated by the "
                                      "embedded warehouse's PARSE functions; write the query with other elements "
                                      "or run it on BigQuery")
            forms: list[tuple[str, bool, bool]]
            if token == "%E*S":
                forms = [("%S.%f", False, False), ("%S", False, False), ("%S.%f", True, False)]
            elif re.fullmatch(r"%E[0-9]S", token):
                digits = int(token[2])
                if digits > 6:
                    raise gexc.BadRequest(f"Format element {token} reads more than the six fractional digits "
                                          "a BigQuery time keeps: BigQuery fails to parse with it; use %E*S")
                fraction = {0: None, 3: "%S.%g"}.get(digits, "%S.%f")
                forms = [("%S", False, False)] + ([(fraction, False, False)] if fraction else [])
            elif token == "%Ez":
                forms = [("%z", False, False), ("%z", False, True)]
            elif token.startswith("%O") and len(token) == 3:
                forms = [("%" + token[2], False, False)]
            else:
                forms = [(_PLAIN_ALTERNATIVES.get(token, token), False, False)]
            variants = [(text + form, cut or cuts, zulu or zulus)
                        for text, cut, zulu in variants for form, cuts, zulus in forms]
        unique = list(dict.fromkeys(variants))
        # the format as written (no rewritten text) last: its error is the one reported
        unique.sort(key=lambda variant: (not variant[1] and not variant[2]))
        calls: list[exp.Expression] = []
        for text, cut, zulu in unique:
            call = node.copy()
            call.set("format", exp.Literal.string(text))
            value = node.this.copy()
            if cut:
                value = _template(f"regexp_replace({_VALUE}, '(\\.[0-9]{{6}})[0-9]+', '\\1')", value)
            if zulu:
                value = exp.Anonymous(this="replace", expressions=[value, exp.Literal.string("Z"),
                                                                  exp.Literal.string("+00")])
            call.set("this", value)
            calls.append(call)
        if len(calls) == 1:
            node.replace(calls[0])
            continue
        *tried, last = calls
        node.replace(exp.Coalesce(this=exp.Anonymous(this="try", expressions=[tried[0]]),
                                  expressions=[*(exp.Anonymous(this="try", expressions=[c]) for c in tried[1:]), last]))


def _timestamp_results(tree: exp.Expression) -> None:
    """Functions that return a TIMESTAMP (an instant) on BigQuery but a DuckDB TIMESTAMP (a
    DATETIME, no time zone) as sqlglot wrote them (timestamp functions,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions):

    * ``TIMESTAMP_MILLIS`` / ``TIMESTAMP_MICROS`` ("Return Data Type: TIMESTAMP");
    * ``PARSE_TIMESTAMP(format, text[, time_zone])``: a text without an offset is read in
      ``time_zone`` ("If time_zone isn't specified, the default time zone, UTC, is used"). The
      time zone was dropped: ``PARSE_TIMESTAMP(f, '2024-01-05 19:30:00', 'America/New_York')``
      came back as 19:30 (no zone) where BigQuery gives 2024-01-06 00:30+00.
    """
    for unix in _innermost_first(tree, exp.UnixToTime):
        scale = unix.args.get("scale")
        if isinstance(scale, exp.Literal) and scale.name in ("3", "6"):
            unix.replace(exp.Anonymous(this="timezone", expressions=[exp.Literal.string("UTC"), unix.copy()]))
    for parse in _innermost_first(tree, exp.StrToTime):
        fmt = parse.args.get("format")
        if isinstance(fmt, exp.Literal) and any(element in fmt.name for element in _OFFSET_ELEMENTS):
            continue  # the text names its offset: DuckDB's strptime returns the instant
        zone = parse.args.get("zone")  # (sqlglot writes no zone for DuckDB's strptime)
        parse.replace(exp.Anonymous(this="timezone", expressions=[
            zone.copy() if zone is not None else exp.Literal.string("UTC"), parse.copy()]))


def _like_escapes(tree: exp.Expression) -> None:
    """A backslash escapes ``%``, ``_`` and itself in a BigQuery LIKE pattern (operators, "Comparison
    operators" > LIKE: "You can escape \\, _, or % using two backslashes"); DuckDB's LIKE has no
    escape character unless given one, so ``'a\\%'`` matched ``'axb'`` here. Given: ``ESCAPE '\\'``."""
    for node in _innermost_first(tree, exp.Like):
        if isinstance(node.parent, exp.Escape) or isinstance(node.expression, exp.Any | exp.All):
            continue
        node.replace(exp.Escape(this=node.copy(), expression=exp.Literal.string("\\")))


#: FORMAT specifiers DuckDB's ``printf`` reads as BigQuery does (flags, width, precision).
_PRINTF_SPEC = re.compile(r"%([-+ #0']*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])")
_PRINTF_TYPES = frozenset("diouxXfFeEgGs%")


def _format_printf(tree: exp.Expression) -> None:
    """``FORMAT('%05d', n)`` (string functions, "FORMAT"): DuckDB's ``format`` takes ``{}``
    placeholders, so a BigQuery format string came back unchanged ('%05d'). A literal format
    whose specifiers ``printf`` shares (d i o u x X f F e E g G s %, flags, width, precision)
    is written with DuckDB's ``printf``, each ``%s`` argument as its text (``printf`` wants a
    string there, BigQuery takes any value). Any other format (``%t``, ``%T``, ``%p``, ``*``
    widths, a format from a column) is refused: a wrong string would pass silently."""
    for node in _innermost_first(tree, exp.Format):
        fmt = node.this
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            raise gexc.BadRequest(
                "FORMAT with a format string that is not a literal is not supported by the embedded warehouse")
        specs = list(_PRINTF_SPEC.finditer(fmt.name))
        if any(m.group(4) not in _PRINTF_TYPES or "*" in (m.group(2) or "") + (m.group(3) or "")
               or "'" in m.group(1) for m in specs):
            raise gexc.BadRequest(
                f"FORMAT({fmt.name!r}, ...): the embedded warehouse supports the specifiers "
                "%d %i %o %u %x %X %f %F %e %E %g %G %s %% (with flags, width and precision); "
                "%t, %T, %p, %P and * widths are not emulated")
        arguments = [a.copy() for a in node.expressions]
        consuming = [m.group(4) for m in specs if m.group(4) != "%"]
        for index, kind in enumerate(consuming[:len(arguments)]):
            if kind == "s":
                arguments[index] = exp.Cast(this=arguments[index], to=exp.DataType.build("VARCHAR"))
        node.replace(exp.Anonymous(this="printf", expressions=[fmt.copy(), *arguments]))


#: ``meta`` key of an IEEE_DIVIDE's division, which :func:`_checked_division` leaves unchecked.
IEEE_DIVISION_META = "bq_ieee_division"


def _safe_arithmetic(tree: exp.Expression) -> None:
    """``SAFE_ADD`` / ``SAFE_SUBTRACT`` / ``SAFE_MULTIPLY`` / ``SAFE_NEGATE`` ("Equivalent to the
    ... operator, but returns NULL if overflow occurs") and ``IEEE_DIVIDE`` ("Divides X by Y;
    this function never fails. Returns FLOAT64 ... doesn't generate errors for division by zero
    or overflow": +inf, -inf, NaN), mathematical functions. DuckDB has none of them ("Function not
    supported" here). The operator inside DuckDB's ``try`` (NULL instead of an overflow error),
    and an IEEE division of two FLOAT64s, which DuckDB already computes so (25.0 / 0.0 is inf,
    0.0 / 0.0 NaN), left out of the division-by-zero check. A FLOAT64 sum that overflows is inf
    here, NULL there."""
    for node in _innermost_first(tree, exp.SafeAdd, exp.SafeSubtract, exp.SafeMultiply, exp.SafeNegate):
        if node.this is None:
            continue
        # the operands are bound outside the try (one-element lists' lambdas): an error of their
        # own (a bad cast inside) is still an error, only the operation's overflow is NULL
        if isinstance(node, exp.SafeNegate):
            node.replace(_template(f"list_transform([{_VALUE}], lambda bq_a: try(-bq_a))[1]", node.this))
            continue
        symbol = {exp.SafeAdd: "+", exp.SafeSubtract: "-", exp.SafeMultiply: "*"}[type(node)]
        node.replace(_template(
            f"list_transform([{_VALUE}], lambda bq_a: list_transform([__bq_other__], "
            f"lambda bq_b: try(bq_a {symbol} bq_b))[1])[1]", node.this, __bq_other__=node.expression))
    for call in _innermost_first(tree, exp.Anonymous):
        if call.name.upper() == "IEEE_DIVIDE" and len(call.expressions) == 2:
            x, y = (exp.Cast(this=v.copy(), to=exp.DataType.build("DOUBLE")) for v in call.expressions)
            division = exp.Div(this=x, expression=y)
            division.meta[IEEE_DIVISION_META] = True  # (no division-by-zero check: see _checked_division)
            call.replace(exp.Paren(this=division))


def _safe_calls(tree: exp.Expression) -> None:
    """``SAFE.f(...)`` returns NULL where ``f`` raises (function calls, "SAFE. prefix",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-reference#safe_prefix);
    sqlglot wrote ``SAFE.f`` for DuckDB, which has no such prefix. DuckDB's ``try(expr)`` is the
    same: NULL instead of an error."""
    # (outermost first, SAFE.SQRT(SAFE.SQRT(-4)) was DuckDB's "Referenced column SAFE was not found")
    for node in _innermost_first(tree, exp.SafeFunc):
        if node.this is not None:
            node.replace(exp.Anonymous(this="try", expressions=[node.this.copy()]))


#: DuckDB for ``UNIX_SECONDS`` / ``UNIX_MILLIS`` rounded down (see :func:`_unix_epoch_floor`).
_EPOCH_FLOORS: dict[type[exp.Expression], str] = {
    exp.UnixSeconds: f"CAST(floor(epoch({_VALUE})) AS BIGINT)",
    exp.UnixMillis: f"CAST(floor(epoch_us({_VALUE}) / 1000) AS BIGINT)",
}


def _unix_epoch_floor(tree: exp.Expression) -> None:
    """``UNIX_SECONDS(ts)`` and ``UNIX_MILLIS(ts)`` "truncate higher levels of precision by
    rounding down" (timestamp functions, "UNIX_SECONDS", "UNIX_MILLIS"); sqlglot's
    ``CAST(EPOCH(ts) AS BIGINT)`` and DuckDB's ``epoch_ms`` rounded (1.8 s -> 2)."""
    for node in list(tree.find_all(*_EPOCH_FLOORS)):
        if node.this is not None:
            node.replace(_template(_EPOCH_FLOORS[type(node)], node.this))


def _array_slice_offsets(tree: exp.Expression) -> None:
    """``ARRAY_SLICE(array, start_offset, end_offset)`` counts offsets from 0 (negative ones from
    the end, -1 the last) and a NULL offset gives NULL (array functions, "ARRAY_SLICE",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/array_functions#array_slice);
    DuckDB's ``array_slice`` counts from 1 (every slice was one to the left) and gives [] for
    NULL."""
    for node in _innermost_first(tree, exp.ArraySlice):
        value, start, end = node.this, node.args.get("start"), node.args.get("end")
        if value is None or start is None or end is None:
            continue
        node.replace(_template(
            "CASE WHEN __bq_start__ IS NULL OR __bq_end__ IS NULL THEN NULL ELSE array_slice("
            f"{_VALUE}, CASE WHEN __bq_start__ >= 0 THEN __bq_start__ + 1 ELSE __bq_start__ END, "
            "CASE WHEN __bq_end__ >= 0 THEN __bq_end__ + 1 ELSE __bq_end__ END) END",
            value, __bq_start__=start, __bq_end__=end))


def _instr_occurrences(tree: exp.Expression) -> None:
    """``INSTR(value, subvalue, position, occurrence)`` (string functions, "INSTR"): sqlglot drops
    the occurrence for DuckDB (``INSTR('banana', 'an', 1, 2)`` gave 2, BigQuery 4) and DuckDB
    cannot search backwards from a negative position. Those calls are refused rather than
    answered wrongly; the plain and positive-position forms run."""
    for node in list(tree.find_all(exp.StrPosition)):
        position, occurrence = node.args.get("position"), node.args.get("occurrence")
        plain_position = position is None or (isinstance(position, exp.Literal) and position.is_int
                                              and int(position.name) > 0)
        plain_occurrence = occurrence is None or (isinstance(occurrence, exp.Literal) and occurrence.name == "1")
        if not (plain_position and plain_occurrence):
            raise gexc.BadRequest(
                "INSTR with an occurrence other than 1, or a position that is not a positive integer "
                "literal, is not emulated by the embedded warehouse (run it on BigQuery)")
        node.set("occurrence", None)  # 1: the first match, which is what DuckDB finds


def concatenations(tree: exp.Expression) -> list[tuple[exp.Expression, list[exp.Expression]]]:
    """Each CONCAT call and each chain of ``||`` (its outermost node) of ``tree``, with its values
    in order (a chain's leaves). Listed before the caller changes anything.

    Example::

        concatenations(sqlglot.parse_one("SELECT a || b || CONCAT(c, d)", read='bigquery'))
        # [(DPipe(...), [a, b, CONCAT(c, d)]), (Concat(...), [c, d])]
    """
    def leaves(node: exp.Expression) -> list[exp.Expression]:
        if isinstance(node, exp.DPipe):
            return leaves(node.this) + leaves(node.expression)
        return [node]

    return [(node, list(node.expressions) if isinstance(node, exp.Concat) else leaves(node))
            for node in tree.find_all(exp.Concat, exp.DPipe)
            if not (isinstance(node, exp.DPipe) and isinstance(node.parent, exp.DPipe))]


def _concat_texts(tree: exp.Expression) -> None:
    """``CONCAT(...)`` and ``||`` cast each value to STRING as BigQuery does: "All values must be
    BYTES or data types that can be cast to STRING" (string functions, "CONCAT"; ``||`` is
    CONCAT, operators). DuckDB wrote its own text of a non-string value: ``CONCAT(player, '_',
    line)`` with a FLOAT64 line of 25.0 was ``'..._25.0'`` here and ``'..._25'`` there, a
    NUMERIC's trailing zeros, a TIMESTAMP's cut fraction. Where a STRING literal is among the
    values (so the result is a STRING, not BYTES), every other value becomes ``CAST(x AS
    STRING)``, which :func:`_numeric_text` writes as BigQuery does; a concatenation of columns
    alone is left as it was (its values may be BYTES). Runs before the other rewrites, on the
    query's own concatenations only."""
    for _node, values in concatenations(tree):
        if not any(isinstance(v, exp.Literal) and v.is_string for v in values):
            continue
        for value in values:
            if not _is_text(value):
                _moved_into(exp.Cast(to=exp.DataType.build("TEXT")), value)


#: Functions whose value is a STRING whatever their arguments (a STRING literal beside them in
#: a concatenation means they are not BYTES).
_TEXT_FUNCTIONS = (exp.Upper, exp.Lower, exp.Trim, exp.Substring, exp.Concat, exp.DPipe, exp.Initcap, exp.Replace)


def _is_text(value: exp.Expression) -> bool:
    """Whether ``value`` is already a STRING (or NULL) to the eye, so a concatenation needs no
    cast for it: a string literal, a cast to STRING, a function of :data:`_TEXT_FUNCTIONS`, or a
    COALESCE / IFNULL with a string literal among its values (``COALESCE(details, '')``)."""
    if isinstance(value, exp.Null | exp.Literal):
        return isinstance(value, exp.Null) or value.is_string
    if isinstance(value, exp.Cast):
        return value.to.is_type(exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR)
    if isinstance(value, exp.Coalesce):
        return any(isinstance(v, exp.Literal) and v.is_string for v in [value.this, *value.expressions])
    return isinstance(value, _TEXT_FUNCTIONS)


def _numeric_text(tree: exp.Expression) -> None:
    """A NUMERIC as text has no trailing zeros on BigQuery (``CAST(NUMERIC '1.50' AS STRING)`` is
    ``'1.5'``); DuckDB writes every decimal of DECIMAL(38, 9) (``'1.500000000'``). A FLOAT64
    with a whole value is written without ``.0`` (the reference's examples: ``CAST(1.0 AS
    STRING)`` is ``'1'``; "A returned NaN or 0 will not be signed": -0.0 is ``'0'``); DuckDB
    wrote ``'1.0'``, so a key built from a whole-number FLOAT64 differed from BigQuery's.
    Beyond 1e15 and for fractions DuckDB's shortest round-trip text stays.

    A TIMESTAMP, DATETIME or TIME with a fraction of a second is written with 3 or 6 digits:
    "the result has 0, 3, or 6 digits with trailing sets of three zeros truncated" (BigQuery's
    engine, ZetaSQL: date_time_util.cc, ConvertTimestampToString / ConvertDatetimeToString;
    the reference's CAST AS TIMESTAMP example shows ``00:00:53.110``). DuckDB cut every trailing
    zero: ``'2025-01-15 19:30:00.5+00'`` where BigQuery writes ``'2025-01-15 19:30:00.500+00'``,
    so a key or a STRING column built from a feed's stamp differed. The same for SAFE_CAST (a
    cast to STRING cannot fail).

    Written as a call to the embedded warehouse's macro :data:`TEXT_MACRO` (its body
    :data:`TEXT_MACRO_SQL`, chosen by the value's ``typeof``, which DuckDB knows when it binds
    the query): written out per cast, the text made each statement about 1 KB longer per
    cast and its translation slower (the audit's CONCAT of an event id cost a cold run 5 ms)."""
    for node, value, _, _safe in _casts_to(tree, (exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR),
                                           exp.Parameter | exp.Literal | exp.Null):
        if not any(_is_text_macro(inner) for inner in value.walk()):
            node.replace(_template(f"{TEXT_MACRO}({_VALUE})", value))
            continue
        # A value holding the macro's call is bound once: DuckDB writes a macro's argument into
        # each place its body names it (ten), so ``CAST(LENGTH(CAST(... AS STRING)) AS STRING)``
        # grew tenfold per level when DuckDB bound the query (five levels: 20 s).
        parameter = f"bq_x{_lambdas_in(value)}"
        value.pop()  # (placed in the binding: the cast itself is replaced)
        node.replace(_bound_once(parameter, value, _template(f"{TEXT_MACRO}({_VALUE})", exp.column(parameter))))


def _is_text_macro(node: exp.Expr) -> bool:
    """Whether ``node`` is a call of :data:`TEXT_MACRO` (as :func:`_numeric_text` writes it)."""
    return isinstance(node, exp.Anonymous) and node.name == "bq_text" and isinstance(node.parent, exp.Dot)


def _zoned_string(value: exp.Expression, zone: exp.Expression) -> exp.Expression:
    """``STRING(timestamp, time_zone)``: the civil time in the zone, its fraction in 3 or 6
    digits, and the zone's offset as BigQuery writes it, ``-08`` or ``+05:30`` (timestamp
    functions, "STRING": ``STRING(TIMESTAMP "2008-12-25 15:30:00+00", "UTC")`` is
    ``2008-12-25 15:30:00+00``; ZetaSQL's ConvertTimestampToString writes ``%Ez`` with a
    ``:00`` cut). sqlglot wrote the civil time alone, with no offset."""
    civil = exp.AtTimeZone(this=exp.AtTimeZone(this=exp.Cast(this=value.copy(), to=exp.DataType.build("TIMESTAMP")),
                                               zone=exp.Literal.string("UTC")), zone=zone.copy())
    offset = _offset_text("text", zoned=True, civil="bq_c", instant=f"CAST({_VALUE} AS TIMESTAMPTZ)")
    return _template(
        f"list_transform([__bq_civil__], lambda bq_c: list_transform([CAST(bq_c AS VARCHAR)], lambda bq_t: {_FRACTION_DIGITS})[1] "
        f"|| {offset})[1]", value, __bq_civil__=civil)


#: A DuckDB TIMESTAMP / DATETIME / TIME text ``bq_t`` with its fraction of a second written in 3
#: or 6 digits, as BigQuery writes it (see :func:`_numeric_text`): the digits DuckDB wrote (1
#: to 6, trailing zeros cut) padded on the right, the rest (``+00``) kept. Bound once per row
#: (a one-element list's lambda), as the value's own checks can be long.
_FRACTION_DIGITS = ("CASE WHEN NOT contains(bq_t, '.') THEN bq_t ELSE regexp_extract(bq_t, '^([^.]*)\\.', 1) || '.' || "
                    "rpad(regexp_extract(bq_t, '\\.([0-9]+)', 1), "
                    "CASE WHEN length(regexp_extract(bq_t, '\\.([0-9]+)', 1)) <= 3 THEN 3 ELSE 6 END, '0') || "
                    "regexp_replace(bq_t, '^[^.]*\\.[0-9]+', '') END")


#: The DuckDB catalog the embedded warehouse keeps its own macros in (duckdb_client attaches it,
#: in memory, beside the warehouse files: nothing is written into a warehouse).
ROOT_CATALOG = "__bq_root__"
#: ``CAST(x AS STRING)`` as BigQuery writes it (see :func:`_numeric_text`), a DuckDB macro of
#: one parameter ``v``, created by duckdb_client when it opens its first connection.
TEXT_MACRO = f"{ROOT_CATALOG}.main.bq_text"
TEXT_MACRO_SQL = (
    "CASE WHEN typeof(v) LIKE 'DECIMAL%' AND contains(CAST(v AS VARCHAR), '.') "
    "THEN regexp_replace(regexp_replace(CAST(v AS VARCHAR), '0+$', ''), '\\.$', '') "
    "WHEN typeof(v) = 'DOUBLE' AND TRY_CAST(v AS DOUBLE) = trunc(TRY_CAST(v AS DOUBLE)) "
    "AND abs(TRY_CAST(v AS DOUBLE)) < 1e15 THEN CAST(CAST(TRY_CAST(v AS DOUBLE) AS HUGEINT) AS VARCHAR) "
    "WHEN typeof(v) IN ('TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'TIME') "
    f"THEN list_transform([CAST(v AS VARCHAR)], lambda bq_t: {_FRACTION_DIGITS})[1] "
    "ELSE CAST(v AS VARCHAR) END")


def _math_domain_errors(tree: exp.Expression) -> None:
    """``SQRT`` of a negative number and ``LN`` / ``LOG`` / ``LOG10`` of zero or a negative number
    are errors on BigQuery (mathematical functions: "Generates an error if X is less than 0",
    "... less than or equal to zero"; ``-inf`` and NaN give NaN); DuckDB returned NaN or -inf,
    which would flow into averages silently."""
    for node in _innermost_first(tree, exp.Sqrt, exp.Ln, exp.Log):
        if isinstance(node, exp.Sqrt):
            guard = f"{_VALUE} < 0 AND isfinite({_VALUE})"
            message = "Argument to SQRT cannot be negative"
            value = node.this
        else:
            value = node.expression if isinstance(node, exp.Log) and node.expression is not None else node.this
            guard = f"{_VALUE} <= 0 AND isfinite({_VALUE})"
            message = "Argument to LOG cannot be zero or negative"
        if value is None:
            continue
        checked = _template(f"CASE WHEN {guard} THEN error('{message}') ELSE {_VALUE} END", value)
        if isinstance(node, exp.Log) and node.expression is not None:
            base = node.this
            if not (isinstance(base, exp.Literal) and not base.is_string and float(base.name) > 0
                    and float(base.name) != 1):
                node.set("this", _template(
                    "CASE WHEN __bq_base__ <= 0 OR __bq_base__ = 1 THEN error('Base of LOG cannot be zero, "
                    "negative or one') ELSE __bq_base__ END", base, __bq_base__=base))
            node.set("expression", checked)
        else:
            node.set("this", checked)


#: The functions whose non-finite result of finite arguments is an error, and the word ZetaSQL's
#: message uses (public/functions/math.h: CheckFloatingPointError, CheckFloatingPointOverflow).
_FLOATING_POINT_CHECKED: dict[type[exp.Expression], tuple[str, str]] = {
    exp.Pow: ("POW", "error"), exp.Exp: ("EXP", "error"), exp.Acos: ("ACOS", "error"), exp.Asin: ("ASIN", "error"),
    exp.Acosh: ("ACOSH", "error"), exp.Atanh: ("ATANH", "error"), exp.Cosh: ("COSH", "overflow"),
    exp.Sinh: ("SINH", "overflow"),
}


def _floating_point_errors(tree: exp.Expression) -> None:
    """A mathematical function whose result is not finite while its arguments are is an error
    on BigQuery: ``ACOS(2)`` ("Generates an error if X is a value outside of the range [-1,
    1]"), ``POW(0, -1)`` and ``POW(-8, 0.5)`` (the POW table: "Error"), ``POW(10, 400)``,
    ``EXP(1000)``, ``ACOSH(0.5)``, ``ATANH(1)``, ``COSH(1000)`` (mathematical functions,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/mathematical_functions#pow;
    ZetaSQL's math.h: "Floating point error in function: POW(0, -1)", "Floating point overflow
    in function: COSH(1000)"). DuckDB returned NaN or inf, which flow into an average silently;
    ``SAFE.ACOS(2)`` was NaN where BigQuery gives NULL. A non-finite argument (NaN, inf) gives
    the result as before, as the tables say. The result is computed once (a one-element list)."""
    for node in _innermost_first(tree, *_FLOATING_POINT_CHECKED):
        name, kind = _FLOATING_POINT_CHECKED[type(node)]
        def operands(node: exp.Expression = node) -> list[exp.Expression]:
            return [a for a in (node.this, node.expression if isinstance(node, exp.Pow) else None) if a is not None]

        if not operands():
            continue
        bindings = _bind_arguments(operands(), "bq_fp")  # each written twice more below
        arguments = operands()  # (a bound one is now its stand-in)
        places = {f"__bq_a{i}__": a for i, a in enumerate(arguments)}
        finite = " AND ".join(f"isfinite(CAST({p} AS DOUBLE))" for p in places)
        shown = " || ', ' || ".join(f"{TEXT_MACRO}(CAST({p} AS DOUBLE))" for p in places)
        node.replace(_with_bindings(_template(
            f"list_transform([{_VALUE}], lambda bq_r: CASE WHEN bq_r IS NULL OR isfinite(bq_r) OR NOT ({finite}) THEN bq_r "
            f"ELSE error('Floating point {kind} in function: {name}(' || {shown} || ')') END)[1]",
            node.copy(), **places), bindings))


def _numeric_precision(tree: exp.Expression) -> None:
    """``NUMERIC`` is DECIMAL(38, 9) on BigQuery (data types, "Decimal types"); DuckDB's plain
    ``DECIMAL`` is DECIMAL(18, 3), so ``CAST(x AS NUMERIC)`` and ``NUMERIC '1.23456789'`` kept 3
    decimals (1.235). Table columns were already DECIMAL(38, 9); casts and literals now are."""
    for node in list(tree.find_all(exp.DataType)):
        if node.this == exp.DataType.Type.DECIMAL and not node.expressions:
            node.set("expressions", [exp.DataTypeParam(this=exp.Literal.number(38)),
                                     exp.DataTypeParam(this=exp.Literal.number(9))])


#: A STRING cast to INT64: an optional sign and decimal digits, or hex (``0x1A``; conversion
#: functions: "A hex string can be cast to an integer"). Other text is an error on BigQuery
#: (``'1.5'``: "Bad int64 value: 1.5"), where DuckDB rounded it to 2.
_INT64_TEXT = r"^\s*[+-]?([0-9]+|0[xX][0-9a-fA-F]+)\s*$"


def _casts_to(tree: exp.Expression, target: Any, constants: Any, *, number_literals: bool = True
              ) -> Iterator[tuple[exp.Expression, exp.Expression, str, bool]]:
    """``(node, value, 'CAST' or 'TRY_CAST', safe)`` for each CAST / SAFE_CAST to ``target`` (a
    type, or a tuple of types) of a value that is not an instance of ``constants`` (typed
    parameters, literals: their cast is exact), nor a number literal when ``number_literals``
    is False (DuckDB casts those as BigQuery does)."""
    targets = target if isinstance(target, tuple) else (target,)
    for node in _innermost_first(tree, exp.Cast):  # a cast's value may hold a cast
        to = node.args.get("to")
        value = node.this
        if not number_literals and isinstance(value, exp.Literal) and not value.is_string:
            continue
        if isinstance(to, exp.DataType) and to.this in targets and not isinstance(value, constants):
            safe = isinstance(node, exp.TryCast)
            yield node, node.this, "TRY_CAST" if safe else "CAST", safe


def _text_branch(cast: str, safe: bool, accepted: str, text: str, label: str, target: str, *,
                 message: str | None = None, added: str = "") -> str:
    """The ``WHEN 'VARCHAR'`` branch of a checked cast: ``text`` cast to ``target`` when
    ``accepted`` (or NULL), else NULL for SAFE_CAST and BigQuery's "Bad <label> value" error
    (``message``: SQL for another text before the value); ``added`` follows the cast (``+ ...``)."""
    said = message if message is not None else f"'Bad {label} value: '"
    bad = "NULL" if safe else f"error({said} || CAST({_VALUE} AS VARCHAR))"
    return (f"WHEN 'VARCHAR' THEN {cast}(CASE WHEN {_VALUE} IS NULL OR {accepted} THEN {text} "
            f"ELSE {bad} END AS {target}){added}")


def _int64_casts(tree: exp.Expression) -> None:
    """``CAST(x AS INT64)`` / ``SAFE_CAST`` as BigQuery converts (conversion functions, "CAST AS
    INT64", https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_functions#cast_as_int64):
    a FLOAT64 rounds halfway cases away from zero (2.5 -> 3, -2.5 -> -3; DuckDB rounds to even:
    2, -2), and a STRING must be an integer (``'1.5'`` is an error, NULL for SAFE_CAST; DuckDB
    rounds it), a string literal too (``CAST('1e3' AS INT64)`` was 1000 here: until stop 31
    literals were taken as exact). The value's type is only known to DuckDB, so the cast is chosen by ``typeof``
    (folded when the statement is planned); other types cast as before."""
    # (a number literal: DuckDB rounds it as BigQuery does, 2.5 -> 3)
    for node, value, cast, safe in _casts_to(tree, exp.DataType.Type.BIGINT, exp.Parameter | exp.Null,
                                             number_literals=False):
        text = f"CAST({_VALUE} AS VARCHAR)"
        # A signed or padded hex text (' -0x1A '): DuckDB reads only a bare '0x1A', so the
        # sign is applied to that ("-0x123 to -291", conversion functions, "CAST AS INT64").
        bare = f"trim({text})"
        digits = (f"CASE WHEN regexp_matches({bare}, '^[+-]?0[xX]') THEN CAST((CASE WHEN starts_with({bare}, '-') "
                  f"THEN -1 ELSE 1 END) * CAST(ltrim({bare}, '+-') AS BIGINT) AS VARCHAR) ELSE {text} END")
        node.replace(_template(
            f"CASE typeof({_VALUE}) "
            f"WHEN 'DOUBLE' THEN {cast}(round(TRY_CAST({_VALUE} AS DOUBLE)) AS BIGINT) "
            f"WHEN 'FLOAT' THEN {cast}(round(TRY_CAST({_VALUE} AS DOUBLE)) AS BIGINT) "
            + _text_branch(cast, safe, f"regexp_matches({text}, '{_INT64_TEXT}')", digits, "int64", "BIGINT")
            + f" ELSE {cast}({_VALUE} AS BIGINT) END", value))


#: "the string must conform to the supported date literal format" (conversion functions, "CAST
#: AS DATE" / "CAST AS DATETIME" / "CAST AS TIMESTAMP"); data types, "Date type" > "Canonical
#: format": YYYY-[M]M-[D]D; "Datetime type": civil_date_part[time_part], time_part
#: {' '|T|t}[H]H:[M]M:[S]S[.F] with hours 00-23, minutes 00-59, seconds 00-60 and up to six
#: fractional digits ("An error is produced if the string_expression ... has more than six
#: subsecond digits"); "Timestamp type": civil_date_part[time_part[time_zone]], the zone an
#: offset {+|-}H[H][:M[M]] or Z / z with no space before it, or a tz database name after one
#: space ("Time zones"). Surrounding blanks are taken. DuckDB read '2025/01/15', hour 24 and
#: seven fractional digits (cut to six), and refused the 't' / 'z' / '-8:15' forms BigQuery's
#: lexical structure page lists as valid.
_CIVIL_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
_TIME_PART = r"[ Tt]([01]?[0-9]|2[0-3]):[0-5]?[0-9]:([0-5]?[0-9]|60)(\.[0-9]{1,6})?"
_TIME_ZONE = r"([Zz]|[+-][0-9]{1,2}(:[0-9]{1,2})?| [A-Za-z][A-Za-z0-9_/+-]+)"
DATE_TEXT = rf"^\s*{_CIVIL_DATE}\s*$"
DATETIME_TEXT = rf"^\s*{_CIVIL_DATE}({_TIME_PART})?\s*$"
TIMESTAMP_TEXT = rf"^\s*{_CIVIL_DATE}({_TIME_PART}{_TIME_ZONE}?)?\s*$"
#: A canonical text up to its seconds field (where ``60`` is a leap second).
_LEAP_SECOND_AT = rf"\s*{_CIVIL_DATE}[ Tt][0-9]{{1,2}}:[0-9]{{1,2}}:"
#: ``meta`` key of the cast inside ``TIMESTAMP(string, time_zone)``: its text may not name a zone.
_ZONE_GIVEN_META = "bq_zone_given"


def _readable_time_text(text: str, zoned: bool) -> str:
    """SQL turning a canonical DATETIME (``zoned``: TIMESTAMP) text into one DuckDB reads the
    same way: the ``t`` separator as ``T``; for a TIMESTAMP, ``z`` as ``Z`` and a one-digit
    offset hour or minute padded (``-8:5`` -> ``-08:05``). A leap second (``:60``) is written
    ``:59`` here and one second added by :func:`_leap_second`."""
    read = f"regexp_replace({text}, '^(\\s*{_CIVIL_DATE})t', '\\1T')"
    if zoned:
        read = f"regexp_replace({read}, '([0-9])z(\\s*)$', '\\1Z\\2')"
        read = (f"regexp_replace({read}, '(:[0-9]{{1,2}}(\\.[0-9]{{1,6}})?[+-])([0-9])((:[0-9]{{1,2}})?\\s*)$', "
                f"'\\10\\3\\4')")
        read = f"regexp_replace({read}, '([+-][0-9]{{2}}:)([0-9])(\\s*)$', '\\10\\2\\3')"
    return f"regexp_replace({read}, '^({_LEAP_SECOND_AT})60', '\\159')"


def _leap_second(text: str) -> str:
    """SQL: the interval a leap second adds ("a value that uses ':60' in the seconds field ... is
    interpreted as a timestamp with ':00' in the seconds field of the following minute", data
    types, "Leap seconds"), after :func:`_readable_time_text` wrote it as ``:59``."""
    return (f"CASE WHEN regexp_matches({text}, '^{_LEAP_SECOND_AT}60') "
            "THEN INTERVAL 1 SECOND ELSE INTERVAL 0 SECOND END")


#: BigQuery's names of the DuckDB types a DATETIME argument may have.
_DUCKDB_TYPE_NAMES = {"DATE": "DATE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}
#: A UTC offset given as a time zone argument ("Time zones": {+|-}H[H][:M[M]]).
_OFFSET_ZONE = re.compile(r"^([+-])([0-9]{1,2})(?::([0-9]{1,2}))?$")


def _timestamp_calls(tree: exp.Expression) -> None:
    """``TIMESTAMP(value[, time_zone])`` (timestamp functions, "TIMESTAMP") written as the casts
    it means, so that a string goes through :func:`_date_casts`' checks: without a zone, the
    cast to TIMESTAMP (sqlglot wrote the same cast, unchecked: ``TIMESTAMP('2025/01/15')`` ran);
    with one, the civil time read in that zone, the string not naming a zone of its own
    ("don't include an explicit time_zone argument"; sqlglot cast it to a DuckDB TIMESTAMP,
    which drops an offset silently: ``TIMESTAMP('... 10:00:00+05:30', 'UTC')`` gave 10:00 in UTC).
    A zone that is not a literal from sqlglot's list was written as a ``TIMESTAMP(x, zone)``
    call DuckDB cannot parse."""
    for node in list(tree.find_all(exp.Timestamp)):
        zone = node.args.get("zone")
        if zone is None:
            node.replace(exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMPTZ")))
            continue
        civil = exp.Cast(this=node.this, to=exp.DataType.build("TIMESTAMP"))
        civil.meta[_ZONE_GIVEN_META] = True
        node.replace(exp.AtTimeZone(this=civil, zone=zone))
    # DATE(x) and DATETIME(x) of one argument (date functions, "DATE"; datetime functions,
    # "DATETIME"): a string is read as a TIMESTAMP (a literal coerces to it, the first
    # signature) or as a DATETIME text, so it goes through the same checks; sqlglot wrote a
    # bare CAST, and DATE('2025/01/15') was 2025-01-15 here, an error there.
    for date in list(tree.find_all(exp.Date)):
        if date.this is not None and not date.expressions and not date.args.get("zone"):
            date.replace(exp.Cast(this=exp.Cast(this=date.this, to=exp.DataType.build("TIMESTAMPTZ")),
                                  to=exp.DataType.build("DATE")))
    for civil_call in list(tree.find_all(exp.TsOrDsToDatetime)):
        if civil_call.this is not None and civil_call.meta.get(CoverageBigQuery.ORIGINAL_NAME_META_KEY or "") == "DATETIME":
            civil_call.replace(exp.Cast(this=civil_call.this, to=exp.DataType.build("TIMESTAMP")))


def _datetime_calls(tree: exp.Expression) -> None:
    """``DATETIME(timestamp, time_zone)`` and ``DATETIME(date, time)`` (datetime functions,
    "DATETIME") told apart as BigQuery does, by the arguments' types. sqlglot took the second
    argument for a zone only when it was a literal on its list of zone names: an offset
    (``'+05'``) or a zone column was cast to TIME, a DuckDB error. A string literal in the
    ``H:M`` form is a time; another literal a zone; otherwise the second argument's type
    decides (a STRING is a zone: only a literal coerces to TIME). A DATETIME first argument has
    neither signature ("DATETIME(date_expression[, time_expression])", "DATETIME(timestamp_expression
    [, time_zone])"): DuckDB took ``DATETIME(datetime, 'America/New_York')`` as a UTC instant."""
    def first(value: exp.Expression, refused: str, second_type: str) -> exp.Expression:
        # the first argument, unless its type has no signature with this kind of second one
        return _template(f"CASE typeof({_VALUE}) WHEN '{refused}' THEN error('No matching signature for "
                         f"function DATETIME for argument types: {_DUCKDB_TYPE_NAMES[refused]}, {second_type}') "
                         f"WHEN 'TIMESTAMP' THEN error('No matching signature for function DATETIME for "
                         f"argument types: DATETIME, {second_type}') ELSE {_VALUE} END", value)

    for node in _innermost_first(tree, exp.Datetime):
        second = node.expression
        if second is None:
            continue
        heavy = node.this  # written twice below, and twice in each: a large one is bound once
        _, parameter = _large_bound(heavy, "bq_d")
        civil = exp.Cast(this=exp.Add(this=exp.Cast(this=first(node.this, "TIMESTAMP WITH TIME ZONE", "TIME"),
                                                    to=exp.DataType.build("DATE")),
                                      expression=exp.Cast(this=second.copy(), to=exp.DataType.build("TIME"))),
                         to=exp.DataType.build("TIMESTAMP"))
        zoned = exp.Cast(this=exp.AtTimeZone(this=exp.Cast(this=first(node.this, "DATE", "STRING"),
                                                           to=exp.DataType.build("TIMESTAMPTZ")),
                                             zone=second.copy()),
                         to=exp.DataType.build("TIMESTAMP"))
        if isinstance(second, exp.Literal) and second.is_string:
            _replace_bound(node, civil if re.match(r"^\s*[0-9]{1,2}:", second.name) else zoned, parameter, heavy)
            continue
        zoned.this.set("zone", exp.Cast(this=second.copy(), to=exp.DataType.build("VARCHAR")))
        _replace_bound(node, _template(f"CASE typeof({_VALUE}) WHEN 'VARCHAR' THEN __bq_zoned__ ELSE __bq_civil__ END",
                                       second, __bq_zoned__=zoned, __bq_civil__=civil), parameter, heavy)


def _current_datetime(tree: exp.Expression) -> None:
    """``CURRENT_DATETIME([time_zone])``: "Returns the current time as a DATETIME object ... This
    function supports an optional time_zone parameter" (datetime functions, "CURRENT_DATETIME",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/datetime_functions#current_datetime),
    in UTC without it. DuckDB has no such function: it was "Function not supported". Written as
    the civil time of CURRENT_TIMESTAMP in the zone, as sqlglot writes CURRENT_DATE(zone)."""
    for node in list(tree.find_all(exp.CurrentDatetime)):
        zone = node.this.copy() if isinstance(node.this, exp.Expression) else exp.Literal.string("UTC")
        node.replace(exp.Cast(this=exp.AtTimeZone(this=exp.CurrentTimestamp(), zone=zone),
                              to=exp.DataType.build("TIMESTAMP")))


def _offset_zones(tree: exp.Expression) -> None:
    """A time zone argument given as a UTC offset (``'+05'``, ``'-8:15'``; data types, "Time
    zones": "Offset from Coordinated Universal Time (UTC)") as DuckDB's ICU names it
    (``'GMT+05:00'``, the same sign): DuckDB knew only zone names ("Unknown TimeZone '+05'").
    A literal is rewritten here; another value when the query runs."""
    def offset(zone: exp.Expression) -> exp.Expression:
        if isinstance(zone, exp.Literal) and zone.is_string:
            match = _OFFSET_ZONE.match(zone.name)
            if not match:
                return zone
            sign, hours, minutes = match.groups()
            return exp.Literal.string(f"GMT{sign}{int(hours):02d}:{int(minutes or 0):02d}")
        if isinstance(zone, exp.Literal | exp.Null):
            return zone
        return _template(f"CASE WHEN regexp_matches({_VALUE}, '^[+-][0-9]') THEN 'GMT' || "
                         f"regexp_replace({_VALUE}, ':([0-9])$', ':0\\1') ELSE {_VALUE} END", zone)

    for node in list(tree.walk()):
        if isinstance(node, exp.CurrentDate | exp.CurrentDatetime):
            key = "this"
        elif isinstance(node, exp.Anonymous) and node.name.lower() == "timezone" and node.expressions:
            node.expressions[0].replace(offset(node.expressions[0]))
            continue
        else:
            key = "zone"
        zone = node.args.get(key)
        if isinstance(zone, exp.Expression):
            node.set(key, offset(zone))


def _struct_fields(value: exp.Struct) -> list[exp.Expression]:
    """Copies of a STRUCT literal's field values, in order, without their names."""
    return [(field.expression if isinstance(field, exp.PropertyEQ) else field.unalias()).copy()
            for field in value.expressions]


def _row_of(value: exp.Expression) -> exp.Expression | None:
    """A STRUCT literal (or an array literal of them) as DuckDB's positional ``ROW(...)``; None
    for anything else."""
    if isinstance(value, exp.Struct):
        return exp.Anonymous(this="ROW", expressions=_struct_fields(value))
    if isinstance(value, exp.Array) and value.expressions and all(isinstance(e, exp.Struct) for e in value.expressions):
        return exp.Array(expressions=[_row_of(element) for element in value.expressions])
    return None


def _pivot_value_name(value: exp.Expression) -> str | None:
    """The column name BigQuery makes from a PIVOT value without an alias (query syntax, "PIVOT
    operator", rules for ``value``: a string as it is; a number with ``_`` before it, ``minus_``
    for a negative one, ``_point_`` for its decimal point; TRUE / FALSE); None for anything else."""
    if isinstance(value, exp.PivotAlias):
        return value.alias or None
    negative = isinstance(value, exp.Neg)
    if negative:
        value = value.this
    if isinstance(value, exp.Cast) and isinstance(value.this, exp.Literal) and not value.this.is_string:
        value = value.this  # a FLOAT64 literal, written as a DOUBLE by _float_literals
    if isinstance(value, exp.Literal):
        if value.is_string:
            return None if negative else value.this
        return ("minus_" if negative else "_") + value.this.replace(".", "_point_")
    if isinstance(value, exp.Boolean) and not negative:
        return "TRUE" if value.this else "FALSE"
    return None  # (a DATE literal is a checked expression by now, which DuckDB's PIVOT refuses)


def _unpivot_order(source: Any, pivot: exp.Pivot, field: Any) -> None:
    """UNPIVOT's columns in BigQuery's order: the values column(s), then the name column
    (query syntax, "UNPIVOT operator": ``UNPIVOT(sales FOR quarter IN (Q1, Q2, Q3, Q4))`` gives
    ``product | sales | quarter``). DuckDB puts the name column first (``product | quarter |
    sales``): a ``SELECT *`` inserted by position swapped them. The unpivot is wrapped in
    ``SELECT * EXCLUDE (name), name``."""
    name = field.this
    if not isinstance(name, exp.Identifier | exp.Column):
        return
    moved = exp.column(name.name, quoted=True)
    _select_around_pivot(source, pivot, exp.Star(except_=[moved.copy()]), moved)


def _select_around_pivot(source: Any, pivot: exp.Pivot, *projections: exp.Expression) -> None:
    """``source`` (the table or subquery the PIVOT / UNPIVOT belongs to) replaced by ``(SELECT
    projections FROM source) AS alias``, the operator's table alias moved to the outer query."""
    inner = source.copy()
    alias = pivot.args.get("alias")
    inner.args["pivots"][0].set("alias", None)
    source.replace(exp.Subquery(this=exp.select(*projections).from_(inner),
                                alias=alias.copy() if alias is not None else None))


def _pivot_names(tree: exp.Expression) -> None:
    """The columns of a PIVOT named as BigQuery names them (query syntax, "PIVOT operator"): the
    aggregate's alias first, then the value (``PIVOT(SUM(sales) AS total_sales, COUNT(*) AS
    num_records FOR quarter IN ('Q1', 'Q2'))`` gives ``total_sales_Q1, num_records_Q1, ...``; "You
    can include multiple aggregation functions in the PIVOT. In this case, you must specify a
    prefix for each aggregation"), and a value without an alias by the page's rules
    (:func:`_pivot_value_name`: ``year IN (2020)`` is the column ``_2020``). DuckDB puts the value
    first (``Q1_total_sales``) and names 2020 ``2020``, so ``SELECT total_sales_Q1`` was "column
    not found" here and a ``SELECT *`` wrote other column names. Each value is given its
    BigQuery name as DuckDB's alias, and with prefixes the pivot is wrapped in
    ``SELECT * RENAME (...)``. A value of another kind (a STRUCT, a constant expression) or an
    aggregate without a prefix beside one with a prefix leaves the pivot as DuckDB names it."""
    for pivot in list(tree.find_all(exp.Pivot)):
        source = pivot.parent
        fields = pivot.args.get("fields") or []
        if source is None or len(source.args.get("pivots") or []) != 1 or len(fields) != 1 \
                or not isinstance(fields[0], exp.In):
            continue
        if pivot.args.get("unpivot"):
            _unpivot_order(source, pivot, fields[0])
            continue
        names = [_pivot_value_name(value) for value in fields[0].expressions]
        prefixes = [a.alias if isinstance(a, exp.Alias) and a.alias else None for a in pivot.expressions]
        if not names or None in names or not prefixes or (any(prefixes) and None in prefixes):
            continue
        for value, name in zip(list(fields[0].expressions), names, strict=True):
            literal = value.this if isinstance(value, exp.PivotAlias) else value
            value.replace(exp.PivotAlias(this=literal.copy(), alias=exp.to_identifier(name, quoted=True)))
        if not any(prefixes):
            continue
        renames = [exp.alias_(exp.column(f"{n}_{p}", quoted=True), f"{p}_{n}", quoted=True)
                   for n in names for p in prefixes]
        _select_around_pivot(source, pivot, exp.Star(rename=renames))


def _literal_fields(value: exp.Expression) -> list[exp.Expression] | None:
    """The field values of a STRUCT literal (``STRUCT(a, b)``, ``(a, b)``), else None."""
    if isinstance(value, exp.Struct):
        return _struct_fields(value)
    if isinstance(value, exp.Tuple) and len(value.expressions) > 1:
        return [field.copy() for field in value.expressions]
    return None


def _fields_equal(left: exp.Expression, right: exp.Expression) -> exp.Expression | None:
    """``left = right`` for two STRUCTs, one of them a literal, field by field in order (None when
    neither is a literal): the fields' equalities ANDed, so that any unequal pair gives FALSE,
    otherwise a NULL field NULL. A field that is a literal STRUCT itself is compared the same way."""
    fields = _literal_fields(left), _literal_fields(right)
    count = next((len(f) for f in fields if f is not None), None)
    if count is None:
        return None
    if fields[0] is not None and fields[1] is not None and len(fields[0]) != len(fields[1]):
        raise gexc.BadRequest(f"No matching signature for operator = for argument types: a STRUCT of {len(fields[0])} "
                              f"fields and a STRUCT of {len(fields[1])} fields (STRUCTs are compared field by field)")

    def field(side: exp.Expression, known: list[exp.Expression] | None, position: int) -> exp.Expression:
        if known is not None:
            return known[position]
        return exp.Anonymous(this="struct_extract_at", expressions=[side.copy(), exp.Literal.number(position + 1)])

    pairs: list[exp.Expression] = []
    for position in range(count):
        a, b = field(left, fields[0], position), field(right, fields[1], position)
        pairs.append(_fields_equal(a, b) or exp.EQ(this=a, expression=b))
    return exp.Paren(this=functools.reduce(lambda x, y: exp.And(this=x, expression=y), pairs))


def _struct_equality(tree: exp.Expression) -> None:
    """``=``, ``!=`` and ``IN`` of STRUCTs as BigQuery compares them: by field position, and
    "When testing a struct for equality, it's possible that one or more fields are NULL. In
    such cases: If all non-NULL field values are equal, the comparison returns NULL. If any
    non-NULL field values aren't equal, the comparison returns FALSE" (operators, "Comparison
    operators", https://cloud.google.com/bigquery/docs/reference/standard-sql/operators#comparison_operators).
    DuckDB compares STRUCTs by field name and takes NULL fields as equal: ``box = STRUCT(20, 5)``
    was FALSE for a ``box`` of ``(20, 5)`` (its fields are named, the literal's are not), and
    ``STRUCT(1, NULL) = STRUCT(1, NULL)`` TRUE. Rewritten where one side is a STRUCT literal
    (``STRUCT(...)`` or ``(a, b)``), whose fields give the count; two STRUCT columns compared
    with each other are left to DuckDB (docs/bigquery-rules.md)."""
    for node in _innermost_first(tree, exp.EQ, exp.NEQ, exp.In):
        if isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update):
            continue  # UPDATE ... SET col = value assigns
        if isinstance(node, exp.In):
            if not node.expressions:
                continue  # IN (SELECT ...): left to DuckDB
            # (a NULL in the list is NULL = x, NULL: it changes no TRUE, and FALSE into NULL)
            tests = [exp.Null() if isinstance(item, exp.Null) else _fields_equal(node.this, item)
                     for item in node.expressions]
            if all(test is not None for test in tests):
                node.replace(exp.Paren(this=functools.reduce(
                    lambda x, y: exp.Or(this=x, expression=y), [t for t in tests if t is not None])))
            continue
        equal = _fields_equal(node.this, node.expression)
        if equal is not None:
            node.replace(equal if isinstance(node, exp.EQ) else exp.Not(this=equal))


def _struct_positions(tree: exp.Expression) -> None:
    """STRUCT values as BigQuery converts them, field by field in order ("The original struct
    field types can be explicitly cast to the corresponding target struct field types (as
    defined by field order, not field name)", conversion functions, "CAST AS STRUCT";
    conversion rules: STRUCT coerces to a "STRUCT with the same field position types"). DuckDB
    matches fields by name: ``INSERT INTO t (stats) VALUES (STRUCT(5, 3))`` was a binder error,
    ``SELECT STRUCT(1 AS ast, 2 AS reb)`` inserted into ``STRUCT<reb, ast>`` swapped the two
    values, and ``CAST(stats AS STRUCT<ast INT64, reb INT64>)`` renamed nothing.

    * a STRUCT literal (or an array literal of them) inserted (INSERT VALUES / SELECT, MERGE's
      INSERT, UPDATE / MERGE's SET) is written as ``ROW(...)``, which DuckDB casts by position;
    * ``CAST(x AS STRUCT<...>)``: the fields of ``x`` are taken by position
      (``struct_extract_at``), their number checked."""
    positions: list[exp.Expression] = []
    for insert in tree.find_all(exp.Insert):
        body = insert.expression
        if isinstance(body, exp.Values):
            positions += [value for row in body.expressions for value in row.expressions]
        elif isinstance(body, exp.Tuple):
            positions += list(body.expressions)
        elif isinstance(body, exp.Select):
            positions += [projection.unalias() for projection in body.expressions]
    for update in tree.find_all(exp.Update):
        positions += [assignment.expression for assignment in update.expressions if isinstance(assignment, exp.EQ)]
    for value in positions:
        row = _row_of(value)
        if row is not None:
            value.replace(row)
    for cast in list(tree.find_all(exp.Cast)):
        target = cast.args.get("to")
        if isinstance(target, exp.DataType) and target.this == exp.DataType.Type.STRUCT and target.expressions:
            cast.set("this", _positional_struct(cast.this, target))


#: Why a cast between STRUCTs of different sizes is refused.
_BY_POSITION = "a STRUCT is cast field by field, by position, and needs as many fields"


def _positional_struct(value: exp.Expression, target: exp.DataType) -> exp.Expression:
    """``value`` (a STRUCT) rebuilt as an unnamed ``ROW`` of its fields in order, nested STRUCT
    fields too, for a cast to ``target``; a literal's fields are counted here, another value's
    when the query runs ("Invalid cast"; BigQuery decides it from the types, so SAFE_CAST
    refuses it too). A value with fewer fields than the target is DuckDB's binder error."""
    kinds = [field.args.get("kind") for field in target.expressions]
    count = len(kinds)
    written = target.sql("bigquery")

    def inner(field: exp.Expression, kind: Any) -> exp.Expression:
        if isinstance(kind, exp.DataType) and kind.this == exp.DataType.Type.STRUCT and kind.expressions:
            return _positional_struct(field, kind)
        return field

    if isinstance(value, exp.Struct):
        fields = _struct_fields(value)
        if len(fields) != count:
            raise gexc.BadRequest(f"Invalid cast from a STRUCT of {len(fields)} fields to {written}: {_BY_POSITION}")
        return exp.Anonymous(this="ROW", expressions=[inner(f, k) for f, k in zip(fields, kinds, strict=True)])
    if not isinstance(value, exp.Column | exp.Dot | exp.Cast | exp.Anonymous | exp.Paren | exp.Bracket):
        return value  # NULL, a parameter, ...: nothing to rebuild
    fields = [inner(exp.Anonymous(this="struct_extract_at", expressions=[value.copy(), exp.Literal.number(i)]), kind)
              for i, kind in enumerate(kinds, start=1)]
    row = exp.Anonymous(this="ROW", expressions=fields)
    # (a type error, decided before any value is read: SAFE_CAST does not make it NULL)
    bad = (f"error('Invalid cast from a STRUCT of ' || len(struct_keys({_VALUE})) || "
           f"' fields to {written.replace(chr(39), chr(39) * 2)}: {_BY_POSITION}')")
    return _template(f"CASE WHEN {_VALUE} IS NULL THEN NULL WHEN len(struct_keys({_VALUE})) <> {count} "
                     f"THEN {bad} ELSE __bq_row__ END", value, __bq_row__=row)


#: Prefix of an error raised inside a window's PARTITION BY or ORDER BY (see :func:`_window_errors`);
#: the client turns DuckDB's "Could not convert string 'bq-error: ...'" back into the message.
WINDOW_ERROR_PREFIX = "bq-error: "


def _window_errors(tree: exp.Expression) -> None:
    """The checks this translation adds (``error(...)``: division by zero, a bad cast's text, a
    LOG domain) inside a window's PARTITION BY or ORDER BY: DuckDB refuses a volatile expression
    there ("PARTITION BY window expressions cannot be volatile"), and ``error`` is volatile, so
    ``ROW_NUMBER() OVER (ORDER BY points / minutes DESC)``, which BigQuery runs, was a binder
    error here. There the error is raised by a failing cast (not volatile, evaluated only when
    the check fails), as ``NULL`` typed, so the expression keeps its type."""
    for window in list(tree.find_all(exp.Window)):
        keys = list(window.args.get("partition_by") or [])
        order = window.args.get("order")
        if order is not None:
            keys.append(order)
        for key in keys:
            _non_volatile_errors(key)
    # SAFE.f(...) is DuckDB's try(...), which takes no volatile function either ("TRY can not be
    # used in combination with a volatile function"): SAFE.SQRT(-1), SAFE.LN(0), SAFE.CAST-like
    # checks inside SAFE. were that binder error; the failing cast is caught, NULL as on BigQuery.
    for call in list(tree.find_all(exp.Anonymous)):
        if call.name.lower() == "try":
            _non_volatile_errors(call)


def _non_volatile_errors(subtree: exp.Expression) -> None:
    """Each ``error(message)`` in ``subtree`` as a cast that fails with the message (see
    :func:`_window_errors`; the client maps the message back)."""
    # innermost first: a message may hold a check of its own (LOG's inside an INT64 cast's)
    for call in reversed(list(subtree.find_all(exp.Anonymous, bfs=False))):
        if call.name.lower() != "error" or len(call.expressions) != 1:
            continue
        message = exp.DPipe(this=exp.Literal.string(WINDOW_ERROR_PREFIX), expression=call.expressions[0].copy(),
                            safe=True)
        call.replace(_template(f"CASE WHEN CAST({_VALUE} AS INTEGER) IS NULL THEN NULL END", message))


def _date_casts(tree: exp.Expression) -> None:
    """``CAST(s AS DATE)`` / ``AS DATETIME`` / ``AS TIMESTAMP`` (and the TIMESTAMP literal) of a
    STRING only in the canonical format (see ``DATE_TEXT``), else BigQuery's error ("Bad date
    value"; NULL for SAFE_CAST). DuckDB also read ``'2025/01/15'``, cut
    ``'2025-01-15T10:00:00'`` (a raw feed's timestamp text) to its date, took hour 24 and cut a
    seventh fractional digit; the valid forms it does not read (``t``, ``z``, ``-8:15``,
    second 60) are rewritten to ones it does. Other types cast as before (a TIMESTAMP is
    truncated on both)."""
    checks = ((exp.DataType.Type.DATE, DATE_TEXT, "date", "DATE"),
              (exp.DataType.Type.TIMESTAMP, DATETIME_TEXT, "datetime", "TIMESTAMP"),
              (exp.DataType.Type.TIMESTAMPTZ, TIMESTAMP_TEXT, "timestamp", "TIMESTAMPTZ"))
    for kind, pattern, label, target in checks:
        for node, value, cast, safe in _casts_to(tree, kind, exp.Parameter | exp.Null, number_literals=False):
            if _never_text(value):
                # The value is a DATE / TIMESTAMP / ... already (a cast this pass or the query
                # made): the text branch can never run, and writing it would copy the value into
                # it again and again (a nested cast's text grew 6-7x per level).
                node.replace(_template(f"{cast}({_VALUE} AS {target})", value))
                continue
            text = f"CAST({_VALUE} AS VARCHAR)"
            read = text
            if kind != exp.DataType.Type.DATE:
                read = _readable_time_text(text, zoned=kind == exp.DataType.Type.TIMESTAMPTZ)
            message = None
            if node.meta.get(_ZONE_GIVEN_META):
                # TIMESTAMP(string, time_zone): "If string_expression includes a time zone ...,
                # don't include an explicit time_zone argument" (timestamp functions, "TIMESTAMP").
                message = (f"CASE WHEN regexp_matches({text}, '{TIMESTAMP_TEXT}') THEN 'TIMESTAMP(string, "
                           "time_zone): the string names its own time zone; give the zone once, in the "
                           "string or as the argument: ' ELSE 'Bad timestamp value: ' END")
            added = "" if kind == exp.DataType.Type.DATE else f" + {_leap_second(text)}"
            branch = _text_branch(cast, safe, f"regexp_matches({text}, '{pattern}')", read, label, target,
                                  message=message, added=added)
            checked = _template(f"CASE typeof({_VALUE}) " + branch + f" ELSE {cast}({_VALUE} AS {target}) END", value)
            checked.meta[_NEVER_TEXT_META] = True  # every branch casts to the target
            node.replace(checked)


#: ``meta`` key marking a node whose value is never a STRING (see :func:`_never_text`).
_NEVER_TEXT_META = "bq_never_text"
#: Types a cast's value can have that are not STRING.
_NOT_TEXT_TYPES = frozenset({exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ,
                             exp.DataType.Type.TIME, exp.DataType.Type.BIGINT, exp.DataType.Type.DOUBLE,
                             exp.DataType.Type.BOOLEAN})


def _never_text(value: exp.Expression) -> bool:
    """Whether ``value`` is a cast to a type that is not a STRING (the query's own or a rewrite's),
    or a rewritten date / time cast (:data:`_NEVER_TEXT_META`), so ``typeof`` never says VARCHAR."""
    while isinstance(value, exp.Paren) and not value.meta.get(_NEVER_TEXT_META):
        value = value.this
    if value.meta.get(_NEVER_TEXT_META):
        return True
    to = value.args.get("to") if isinstance(value, exp.Cast) else None
    return isinstance(to, exp.DataType) and to.this in _NOT_TEXT_TYPES


def _zoned_calls(tree: exp.Expression) -> None:
    """The time zone argument of FORMAT_TIMESTAMP and of DATE_TRUNC of a TIMESTAMP, which
    sqlglot's DuckDB text dropped: ``FORMAT_TIMESTAMP('%H', ts, 'America/New_York')`` wrote the
    UTC hour, ``DATE_TRUNC(ts, DAY, 'America/New_York')`` cut at UTC midnight (timestamp
    functions, "FORMAT_TIMESTAMP": "time_zone: ... Use this argument if you want to use a time
    zone other than the default time zone, UTC"; date functions, "DATE_TRUNC(timestamp_value,
    timestamp_granularity[, time_zone])"). The value is formatted as the zone's civil time, and
    the truncation is TIMESTAMP_TRUNC's, which keeps its zone."""
    for current in list(tree.find_all(exp.CurrentTime)):
        # CURRENT_TIME([time_zone]) (time functions): DuckDB's CURRENT_TIME took no zone and
        # gave the session's, and a TEXT column: the civil time in the zone, typed TIME.
        zone = current.this if current.this is not None else exp.Literal.string("UTC")
        current.replace(exp.Cast(this=exp.AtTimeZone(this=exp.CurrentTimestamp(), zone=zone),
                                 to=exp.DataType.build("TIME")))
    for node in list(tree.find_all(exp.TimeToStr, exp.DateTrunc)):
        zone = node.args.get("zone")
        if zone is None:
            continue
        node.set("zone", None)
        if isinstance(node, exp.TimeToStr):
            value = node.this.this if isinstance(node.this, exp.TsOrDsToTimestamp) else node.this
            node.set("this", exp.AtTimeZone(this=exp.Cast(this=value, to=exp.DataType.build("TIMESTAMPTZ")),
                                            zone=zone))
        else:
            unit = node.args.get("unit")  # 'DAY' (DATE_TRUNC's literal) -> DAY; WEEK(MONDAY) as it is
            if isinstance(unit, exp.Literal | exp.Var):
                unit = exp.Var(this=unit.name.upper())
            node.replace(exp.TimestampTrunc(this=node.this, unit=unit, zone=zone))


#: A FORMAT_* format's elements, one token each: '%%', BigQuery's E / O modified elements, the
#: plain ones, and text.
_FORMAT_TOKEN = re.compile(r"%%|%E\*S|%E[0-9]{1,2}S|%E4Y|%[EO][A-Za-z]|%-?[A-Za-z]|%|[^%]+")
#: Elements each FORMAT_* function writes as they are (BigQuery's formatter escapes them:
#: zetasql/public/functions/date_time_util.cc, SanitizeDateFormat / SanitizeTimeFormat /
#: SanitizeDatetimeFormat): a DATE has no time or zone, a TIME no date, a DATETIME no zone.
_LITERAL_ELEMENTS = {
    "FORMAT_DATE": frozenset("cHIklMPpRrSsTXZz"),
    "FORMAT_TIME": frozenset("AaBbhCcDdeFGgjmQsUuVWwxYyZz"),
    "FORMAT_DATETIME": frozenset("Zz"),
    "FORMAT_TIMESTAMP": frozenset(),
}
#: Elements DuckDB's strftime writes as BigQuery does, as DuckDB spells them.
_STRFTIME_ALIKE = {"a": "%a", "A": "%A", "b": "%b", "B": "%B", "h": "%b", "d": "%d", "-d": "%-d", "H": "%H",
                   "I": "%I", "j": "%j", "m": "%m", "M": "%M", "p": "%p", "S": "%S", "U": "%U", "u": "%u",
                   "V": "%V", "w": "%w", "W": "%W", "y": "%y", "Y": "%Y", "G": "%G", "f": "%f"}
#: Elements that are other elements in a row (format elements: "%c" in the en_US locale, "%D",
#: "%F", "%R", "%r", "%T", "%X", "%x"), written through those unless the function writes them as
#: they are.
_COMPOUND_ELEMENTS = {"c": "%a %b %e %H:%M:%S %Y", "D": "%m/%d/%y", "x": "%m/%d/%y", "F": "%Y-%m-%d",
                      "R": "%H:%M", "r": "%I:%M:%S %p", "T": "%H:%M:%S", "X": "%H:%M:%S"}
#: Elements written by an expression of the value (``__bq_value__``) or of the instant
#: (``__bq_instant__``, the TIMESTAMP before its time zone was applied), where DuckDB writes
#: otherwise or nothing: format elements, "Format elements for date and time parts".
_MICROS = "(microsecond(__bq_value__) % 1000000)"
_FORMAT_EXPRESSIONS = {
    "e": "lpad(CAST(day(__bq_value__) AS VARCHAR), 2, ' ')",
    "k": "lpad(CAST(hour(__bq_value__) AS VARCHAR), 2, ' ')",
    "l": "lpad(CAST((hour(__bq_value__) + 11) % 12 + 1 AS VARCHAR), 2, ' ')",
    "P": "lower(strftime(__bq_value__, '%p'))",
    "Q": "CAST(quarter(__bq_value__) AS VARCHAR)",
    "C": "lpad(CAST(year(__bq_value__) // 100 AS VARCHAR), 2, '0')",
    "g": "lpad(CAST(isoyear(__bq_value__) % 100 AS VARCHAR), 2, '0')",
    "s": "CAST(CAST(floor(epoch(__bq_instant__)) AS BIGINT) AS VARCHAR)",
    "E4Y": "lpad(CAST(year(__bq_value__) AS VARCHAR), 4, '0')",
    "E*S": (f"strftime(__bq_value__, '%S') || CASE WHEN {_MICROS} = 0 THEN '' ELSE '.' || "
            f"rtrim(lpad(CAST({_MICROS} AS VARCHAR), 6, '0'), '0') END"),
}
#: The offset of the time zone a TIMESTAMP is written in, in minutes (civil time - instant, cut
#: toward zero: a sub-minute offset, before 1884 in America/Los_Angeles, is cut to the minute, as
#: date_time_util.cc's GetNormalizedTimeZone does). Integers: a DOUBLE epoch lost a microsecond.
def _offset_text(element: str, zoned: bool, civil: str = _VALUE, instant: str = "__bq_instant__") -> str:
    """SQL writing the offset for ``%z`` (+HHMM), ``%Ez`` (+HH:MM) or ``%Z`` ('UTC', 'UTC-5',
    'UTC+0530': date_time_util.cc, ExpandPercentZQJ), or for ``text``, the offset of a TIMESTAMP's
    text (+HH, +HH:MM when the minutes are not 0: ConvertTimestampToString's ``%Ez`` with its
    ``:00`` cut); a constant for UTC (``%z`` / ``%Ez`` / ``%Z``). The offset is the civil time
    (``civil``) less the instant (``instant``), in minutes, computed once per row (a one-element
    list's lambda): written out at each use, the value's checks made the statement 150 KB long
    and a query 0.1 s to bind."""
    if not zoned:
        return {"z": "'+0000'", "Ez": "'+00:00'", "Z": "'UTC'"}[element]
    sign = "CASE WHEN bq_o < 0 THEN '-' ELSE '+' END"
    hours = "lpad(CAST(abs(bq_o) // 60 AS VARCHAR), 2, '0')"
    rest = "lpad(CAST(abs(bq_o) % 60 AS VARCHAR), 2, '0')"
    if element == "z":
        text = f"{sign} || {hours} || {rest}"
    elif element == "Ez":
        text = f"{sign} || {hours} || ':' || {rest}"
    elif element == "text":
        text = f"{sign} || {hours} || CASE WHEN abs(bq_o) % 60 = 0 THEN '' ELSE ':' || {rest} END"
    else:
        text = (f"'UTC' || CASE WHEN bq_o = 0 THEN '' WHEN abs(bq_o) % 60 = 0 THEN {sign} || CAST(abs(bq_o) // 60 AS VARCHAR) "
                f"ELSE {sign} || {hours} || {rest} END")
    minutes = f"(epoch_us({civil}) - epoch_us({instant})) // 60000000"
    return f"list_transform([{minutes}], lambda bq_o: {text})[1]"


def _append_text(pieces: list[str | exp.Expression], written: str) -> None:
    """Text of the format: plain text into the strftime format (strftime writes it as it is);
    text with a '%' as a string of its own (in a strftime format, sqlglot's DuckDB text would
    rewrite it: '%%e' became '%%-d')."""
    if "%" not in written:
        pieces.append(written)
    elif pieces and isinstance(pieces[-1], exp.Literal):
        pieces[-1] = exp.Literal.string(pieces[-1].name + written)
    else:
        pieces.append(exp.Literal.string(written))


def _format_pieces(tokens: list[str], literal_elements: frozenset[str], value: exp.Expression,
                   instant: exp.Expression, zoned: bool) -> list[str | exp.Expression]:
    """What each token of a FORMAT_* format writes: strftime elements (``str``, run together
    into one strftime call by the caller), strings, and expressions of the value."""
    pieces: list[str | exp.Expression] = []
    tokens = list(tokens)
    while tokens:
        token = tokens.pop(0)
        if token == "%%":
            _append_text(pieces, "%")
            continue
        if not token.startswith("%") or token == "%":
            _append_text(pieces, token)
            continue
        element = token[1:]
        if element[0] in "EO" and len(element) == 2 and element != "Ez":
            element = element[1]  # %EY, %Oy, ...: the plain element in the en_US locale
        if element[-1] in literal_elements:
            _append_text(pieces, token)
        elif element in _COMPOUND_ELEMENTS:
            tokens[:0] = _FORMAT_TOKEN.findall(_COMPOUND_ELEMENTS[element])
        elif element in _STRFTIME_ALIKE:
            pieces.append(_STRFTIME_ALIKE[element])
        elif element in ("n", "t"):
            _append_text(pieces, "\n" if element == "n" else "\t")
        elif element in ("z", "Ez", "Z"):
            pieces.append(_template(_offset_text(element, zoned), value, __bq_instant__=instant))
        elif element in _FORMAT_EXPRESSIONS:
            pieces.append(_template(_FORMAT_EXPRESSIONS[element], value, __bq_instant__=instant))
        elif re.fullmatch(r"E[0-9]{1,2}S", element):
            digits = int(element[1:-1])
            seconds = f"strftime({_VALUE}, '%S')" if digits == 0 else (
                f"strftime({_VALUE}, '%S') || '.' || left(rpad(lpad(CAST({_MICROS} AS VARCHAR), 6, '0'), "
                f"{digits}, '0'), {digits})")
            pieces.append(_template(seconds, value))
        else:
            pieces.append(token)  # DuckDB's own (or its error)
    return pieces


def _format_elements(tree: exp.Expression) -> None:
    """FORMAT_DATE / FORMAT_DATETIME / FORMAT_TIME / FORMAT_TIMESTAMP write each format element
    as BigQuery does (format elements, "Format elements for date and time parts"; its formatter,
    zetasql/public/functions/date_time_util.cc, and absl's FormatTime):

    * the elements DuckDB's strftime writes alike go to one strftime call per run of them;
    * ``%e`` / ``%k`` / ``%l`` are padded with a space (DuckDB wrote ``'5'``, and knew no
      ``%k`` / ``%l``); ``%P`` am/pm, ``%Q`` the quarter, ``%C`` the century, ``%g`` the ISO
      year's last two digits (DuckDB's ``%g`` is milliseconds), ``%n`` / ``%t`` a newline /
      tab (DuckDB's ``%n`` is nanoseconds), ``%s`` the seconds since the epoch, ``%R``;
    * ``%E*S`` the seconds with the fraction's trailing zeros removed (none, and no '.', for
      a whole second), ``%E<n>S`` with n digits, ``%E4Y`` a four-digit year;
    * ``%z`` / ``%Ez`` / ``%Z`` the offset of the zone the TIMESTAMP is written in
      (``+0000`` / ``+00:00`` / ``UTC`` without one; DuckDB wrote ``+00`` and nothing);
    * an element the function's type does not have is written as it is: ``FORMAT_DATE('%H')``
      is the text ``%H`` there (DuckDB wrote ``00``), ``FORMAT_TIME('%Y')`` ``%Y``,
      ``FORMAT_DATETIME('%z')`` ``%z``.

    An element DuckDB does not know stays in the strftime call, whose error the client words
    as "Format element %J is not emulated by the embedded warehouse"."""
    for node in _innermost_first(tree, exp.TimeToStr):
        if isinstance(node.this, exp.TsOrDsToTime):
            # FORMAT_TIME (time functions, "FORMAT_TIME"): DuckDB's strftime takes no TIME
            # ("No function matches ... 'strftime(TIME, STRING_LITERAL)'", every call failed):
            # the time of day on 1970-01-01, a TIMESTAMP, whose time elements are the same.
            node.set("this", _template(f"CAST('1970-01-01' AS DATE) + CAST({_VALUE} AS TIME)", node.this.this))
        fmt = node.args.get("format")
        name = str(node.meta.get(CoverageBigQuery.ORIGINAL_NAME_META_KEY or "") or "").upper()
        if not isinstance(fmt, exp.Literal) or name not in _LITERAL_ELEMENTS:
            continue
        literal_elements = _LITERAL_ELEMENTS[name]
        value = node.this
        zoned = isinstance(value, exp.AtTimeZone)  # FORMAT_TIMESTAMP(..., time_zone): see _zoned_calls
        instant = value.this if zoned else value
        # each element writes the value: a large one (a rewritten call) is bound once
        heavy = instant
        instant, parameter = _large_bound(instant, "bq_f")
        value = node.this
        # the format as written (sqlglot's tree holds it with %c, %D, %F, %T, %x expanded)
        original = node.meta.get(CoverageBigQuery.FORMAT_TEXT_META)
        tokens = _FORMAT_TOKEN.findall(original if isinstance(original, str) else fmt.name)
        pieces = _format_pieces(tokens, literal_elements, value, instant, zoned)
        parts: list[exp.Expression] = []
        run = ""
        for piece in [*pieces, None]:
            if isinstance(piece, str):
                run += piece
                continue
            if run:
                call = node.copy()
                call.set("format", exp.Literal.string(run))
                parts.append(call)
                run = ""
            if piece is not None:
                parts.append(piece)
        if not parts:
            # an empty format writes '' (NULL for NULL); sqlglot wrote the format as 'None', and
            # DuckDB's strftime refuses an empty one
            _replace_bound(node, _template(f"CASE WHEN {_VALUE} IS NULL THEN NULL ELSE '' END", value),
                           parameter, heavy)
            continue
        if len(parts) == 1 and isinstance(parts[0], exp.TimeToStr):
            _replace_bound(node, parts[0], parameter, heavy)
            continue
        joined = parts[0]
        for rest in parts[1:]:
            joined = exp.DPipe(this=joined, expression=rest, safe=True)
        if all(isinstance(part, exp.Literal) for part in parts):
            # text only (FORMAT_DATE('%H', d) is the text %H): still NULL for a NULL value
            _replace_bound(node, _template(f"CASE WHEN {_VALUE} IS NULL THEN NULL ELSE __bq_text__ END", value,
                                           __bq_text__=joined), parameter, heavy)
            continue
        _replace_bound(node, exp.Paren(this=joined), parameter, heavy)  # NULL for NULL: each piece is NULL then


def _time_casts(tree: exp.Expression) -> None:
    """A TIMESTAMP cast to TIME (``CAST(ts AS TIME)``, ``SAFE_CAST``, ``TIME(ts)``, ``EXTRACT(TIME
    FROM ts)``) is its time of day in UTC (conversion functions, "CAST AS TIME"; time functions,
    "TIME": "the default time zone, UTC"). DuckDB has no TIMESTAMP WITH TIME ZONE to TIME cast
    ("Unimplemented type for cast"), and SAFE_CAST gave NULL, silently. Such a value goes
    through TIME WITH TIME ZONE, in the session's zone, UTC; the type is DuckDB's, decided when
    the query is bound, so any other value is cast as it was."""
    for node in _innermost_first(tree, exp.TsOrDsToTime):
        if node.this is not None and not node.args.get("zone"):
            node.replace(exp.Cast(this=node.this, to=exp.DataType.build("TIME")))
    # (a literal is a text, cast as it was)
    for cast, value, inner, _safe in _casts_to(tree, exp.DataType.Type.TIME, exp.Literal):
        if value is None or _is_time_of_day_cast(value):
            continue  # already a time
        stand_in, parameter = _large_bound(value, "bq_tm")  # (three times below, the cast's copy too)
        _replace_bound(cast, _template(f"CASE WHEN typeof({_VALUE}) = 'TIMESTAMP WITH TIME ZONE' THEN "
                                       f"{inner}({inner}({_VALUE} AS TIMETZ) AS TIME) ELSE __bq_cast__ END",
                                       stand_in, __bq_cast__=cast.copy()), parameter, value)


def _is_time_of_day_cast(node: exp.Expression) -> bool:
    """Whether ``node`` is itself a cast to TIME (nothing to rewrite twice)."""
    target = node.args.get("to") if isinstance(node, exp.Cast) else None
    return isinstance(target, exp.DataType) and target.this == exp.DataType.Type.TIME


def _statistics(tree: exp.Expression) -> None:
    """``CORR`` of fewer than two pairs without a NULL is NULL ("If there are fewer than two
    input pairs without NULL values, this function returns NULL", statistical aggregate
    functions, "CORR"); DuckDB returned NaN for one pair. Counted with ``REGR_COUNT`` over the
    same rows (the same window for ``CORR(...) OVER (...)``)."""
    for corr in _innermost_first(tree, exp.Corr):
        window = corr.parent if isinstance(corr.parent, exp.Window) and corr.arg_key == "this" else None
        target = window if window is not None else corr
        pairs: exp.Expression = exp.Anonymous(this="REGR_COUNT", expressions=[corr.this.copy(), corr.expression.copy()])
        if window is not None:  # counted over the same window
            counted = window.copy()
            counted.set("this", pairs)
            pairs = counted
        original = target.copy()
        target.replace(exp.Case(ifs=[exp.If(this=exp.LT(this=pairs, expression=exp.Literal.number(2)),
                                            true=exp.Null())], default=original))


#: The largest number of quantiles APPROX_QUANTILES takes (ZetaSQL's compliance tests,
#: approx_aggregation.test: "cannot be greater than 100000").
_MAX_QUANTILES = 100_000
_QUANTILES_ARGUMENT = "The second argument to APPROX_QUANTILES function"


def _quantile_count_checks(number: exp.Expression) -> list[tuple[str, str]]:
    """APPROX_QUANTILES' ``number`` checked: a literal now (``BadRequest``), a query parameter
    when the query runs (the returned ``(condition on __bq_n__, message)`` pairs)."""
    inner = number.this if isinstance(number, exp.Neg | exp.Cast) else number  # -1, 2.5 (a FLOAT64 cast), @n
    written = (inner if isinstance(number, exp.Cast) else number).sql("bigquery")[:60]
    if isinstance(number, exp.Null):
        raise gexc.BadRequest(f"{_QUANTILES_ARGUMENT} must not be NULL")
    if not isinstance(inner, exp.Literal | exp.Parameter):
        raise gexc.BadRequest(f"Argument 2 to APPROX_QUANTILES must be a literal or query parameter (`{written}`)")
    if (isinstance(number, exp.Cast) and not number.to.is_type(exp.DataType.Type.BIGINT)) or \
            (isinstance(inner, exp.Literal) and (inner.is_string or not inner.this.isdigit())):
        raise gexc.BadRequest("No matching signature for aggregate function APPROX_QUANTILES: "
                              f"the number of quantiles must be an INT64, not `{written}`")
    if isinstance(inner, exp.Parameter):
        return [("__bq_n__ IS NULL", "must not be NULL"), ("__bq_n__ <= 0", "must be positive"),
                (f"__bq_n__ > {_MAX_QUANTILES}", f"cannot be greater than {_MAX_QUANTILES}")]
    count = -int(inner.this) if isinstance(number, exp.Neg) else int(inner.this)
    if count <= 0:
        raise gexc.BadRequest(f"{_QUANTILES_ARGUMENT} must be positive")
    if count > _MAX_QUANTILES:
        raise gexc.BadRequest(f"{_QUANTILES_ARGUMENT} cannot be greater than {_MAX_QUANTILES}")
    return []


def _approx_quantiles(tree: exp.Expression) -> None:
    """``APPROX_QUANTILES([DISTINCT] x, n [{IGNORE | RESPECT} NULLS]) [OVER (...)]`` as the
    input's own values at the quantile ranks. BigQuery "Returns the approximate boundaries ...
    an array of number + 1 elements, sorted in ascending order, where the first element is the
    approximate minimum and the last element is the approximate maximum", of the input's type,
    "NULL if there are zero input rows or expression evaluates to NULL for all rows"
    (approximate aggregate functions, "APPROX_QUANTILES",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/approximate_aggregate_functions#approx_quantiles).
    sqlglot wrote DuckDB's ``approx_quantile`` (a t-digest): values that are not in the input
    (the median of ``[10, 12]`` was 11, of a FLOAT64 column 20.333333432674408), ``[]`` for no
    rows, and a binder error for a STRING or DATE. Here the boundary ``i`` of ``n`` is the value
    of rank ``ceil(i * N / n)`` (at least 1) of the ``N`` sorted values, counted in integers
    (DuckDB's ``quantile_disc`` computes ``i / n * N`` in floating point: 5/6 of 6 values gave
    the sixth): every example of the reference page gives the same (``[1, 5, 10]`` for
    ``APPROX_QUANTILES(x, 2)`` of ``[1, 1, 1, 4, 5, 6, 7, 8, 9, 10]``). BigQuery's boundaries are
    approximate, so on a large input they may be a neighbouring value. RESPECT NULLS sorts the
    NULLs first, as BigQuery orders them. ``n`` must be an INT64 literal or query parameter,
    positive, at most 100000 (ZetaSQL's messages)."""
    for call in list(tree.find_all(exp.ApproxQuantiles)):
        value, number = call.this, call.expression
        distinct = isinstance(value, exp.Distinct)
        if distinct:  # APPROX_QUANTILES(DISTINCT x, n): sqlglot keeps n in the DISTINCT
            value, number = (value.expressions + [None])[:2]
        if value is None or number is None:
            continue
        holder = call.parent if isinstance(call.parent, exp.IgnoreNulls | exp.RespectNulls) else call
        respect = isinstance(holder, exp.RespectNulls)
        window = holder.parent if isinstance(holder.parent, exp.Window) and holder.arg_key == "this" else None
        checks = _quantile_count_checks(number)
        collected: exp.Expression = exp.Anonymous(
            this="list", expressions=[exp.Distinct(expressions=[value.copy()]) if distinct else value.copy()])
        if not respect:
            collected = exp.Filter(this=collected, expression=exp.Where(
                this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))))
        if window is not None:  # over the same window
            framed = window.copy()
            framed.set("this", collected)
            collected = framed
        boundaries = _template(
            "list_transform([list_sort(__bq_list__, 'ASC', 'NULLS FIRST')], lambda s: CASE WHEN coalesce(len(s), 0) = 0 "
            "THEN NULL ELSE list_transform(range(0, __bq_n__ + 1), "
            "lambda i: s[greatest(1, (i * len(s) + __bq_n__ - 1) // __bq_n__)]) END)[1]",
            value, __bq_list__=collected, __bq_n__=number)
        if checks:
            boundaries = _template(
                "CASE " + " ".join(f"WHEN {condition} THEN error('{_QUANTILES_ARGUMENT} {message}')"
                                   for condition, message in checks) + " ELSE __bq_boundaries__ END",
                value, __bq_n__=number, __bq_boundaries__=boundaries)
        (window if window is not None else holder).replace(boundaries)


def _bool_casts(tree: exp.Expression) -> None:
    """``CAST(s AS BOOL)`` of a STRING: "Returns TRUE if x is "true" and FALSE if x is "false".
    All other values of x are invalid and throw an error instead of casting to a boolean. A
    string is case-insensitive when converting to a boolean" (conversion functions, "CAST AS
    BOOL", https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_functions#cast_as_bool);
    DuckDB also reads '1', 't', 'yes' as TRUE. NULL for SAFE_CAST. Other types cast as before."""
    for node, value, cast, safe in _casts_to(tree, exp.DataType.Type.BOOLEAN, exp.Parameter | exp.Boolean | exp.Null):
        lowered = f"lower(CAST({_VALUE} AS VARCHAR))"
        node.replace(_template(
            f"CASE typeof({_VALUE}) "
            + _text_branch(cast, safe, f"{lowered} IN ('true', 'false')", lowered, "bool", "BOOLEAN")
            + f" ELSE {cast}({_VALUE} AS BOOLEAN) END", value))


def _group_by_select_aliases(tree: exp.Expression) -> None:
    """``GROUP BY name`` where ``name`` is also a SELECT alias groups by the ALIAS on BigQuery
    ("If a query contains aliases in the SELECT clause, those aliases override names in the
    corresponding FROM clause": "Query syntax", section "GROUP BY clause",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax#group_by_clause)
    and by the FROM column on DuckDB: ``COALESCE(p, '') AS p ... GROUP BY p`` gave one group
    for NULL and one for '' here, one group there. Such a name is replaced by the aliased
    expression, so both group alike (aggregates and window functions are left alone: BigQuery
    cannot group by them either, and its error comes from the engine as before)."""
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None:
            continue
        aliases: dict[str, exp.Expression] = {}
        for item in select.expressions:
            if isinstance(item, exp.Alias) and item.alias:
                aliases.setdefault(item.alias.lower(), item.this)
        for node in group.expressions:
            if not isinstance(node, exp.Column) or node.table:
                continue
            aliased = aliases.get(node.name.lower())
            if aliased is None or (isinstance(aliased, exp.Column) and aliased.name.lower() == node.name.lower()) \
                    or aliased.find(exp.AggFunc, exp.Window) is not None:
                continue
            node.replace(aliased.copy())


def _qualify_clashing_datasets(tree: exp.Expression, catalog: str | None) -> None:
    """A dataset named like the warehouse's DuckDB catalog would make ``ds.t`` ambiguous for
    DuckDB, so such references get the catalog in front."""
    if not catalog:
        return
    for table in tree.find_all(exp.Table):
        db = table.args.get("db")
        if db is not None and table.args.get("catalog") is None and db.name.lower() == catalog.lower():
            table.set("catalog", exp.to_identifier(catalog, quoted=True))


def _unnest_semi_join(tree: exp.Expression) -> None:
    """``x IN UNNEST(arr)`` -> ``x IN (SELECT UNNEST(arr))``: a hash semi-join in DuckDB.

    sqlglot writes the membership test as a per-row ``CASE ... ARRAY_CONTAINS(arr, x) ...``,
    a scan of the whole array for every row (the season audit's log query: ~90,000 rows x
    ~2,500 keys). ``IN (subquery)`` has the same three-valued result as BigQuery's
    ``IN UNNEST`` ("IN operator": NULL when x is NULL or when no element matches and the
    array holds a NULL; FALSE for an empty or NULL array), see
    https://cloud.google.com/bigquery/docs/reference/standard-sql/operators#in_operators.
    """
    for node in _innermost_first(tree, exp.In):
        unnest = node.args.get("unnest")
        if not isinstance(unnest, exp.Unnest) or len(unnest.expressions) != 1 or unnest.args.get("offset"):
            continue
        subquery = exp.Select(expressions=[exp.Unnest(expressions=[unnest.expressions[0].copy()])])
        node.replace(exp.In(this=node.this.copy(), query=exp.Subquery(this=subquery)))


#: Translations by (sql, parameter types, catalog); a Translation is never mutated after it
#: is built (rule checks copy before rewriting), so a cached one is shared safely.
_CACHE: OrderedDict[tuple[str, tuple[tuple[str, object], ...], str | None], Translation] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()


def clear_translation_cache() -> None:
    """Forget every cached translation (benchmarks use it to time a cold process).

    Example::

        clear_translation_cache()
    """
    with _CACHE_LOCK:
        _CACHE.clear()
    _parsed_template.cache_clear()  # (a new process parses its templates again)


def _schema_paths(tree: Any) -> Any:
    """CREATE / DROP SCHEMA `project.dataset`: sqlglot keeps the quoted path as one identifier
    (a table's it splits), so the dataset is its last part; read so at parse time, every check
    and the DuckDB statement see the dataset's own name (it made a schema "project.dataset")."""
    if isinstance(tree, exp.Create | exp.Drop) and str(tree.args.get("kind") or "").upper() == "SCHEMA":
        for target in tree.find_all(exp.Table):  # Create.this; Drop.tables
            db = target.args.get("db")
            if db is not None and "." in db.name:
                target.set("db", exp.to_identifier(db.name.rpartition(".")[2], quoted=bool(db.args.get("quoted"))))
    return tree


def _delete_without_from(tree: Any) -> Any:
    """``DELETE ds.t WHERE ...``: "DELETE [FROM] target_name [[AS] alias] WHERE condition" (DML
    statements, "DELETE statement",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#delete_statement).
    sqlglot reads the table without FROM as the first of MySQL's multi-table DELETE list, and
    wrote it back so ("Parser Error: syntax error at or near ds"): it is the target."""
    if isinstance(tree, exp.Expression):
        for node in tree.find_all(exp.Delete):
            tables = node.args.get("tables") or []
            if not node.this and len(tables) == 1 and not node.args.get("using"):
                node.set("this", tables[0])
                node.set("tables", None)
    return tree


def _bare_begin(tree: Any) -> Any:
    """``BEGIN;`` is ``BEGIN TRANSACTION;`` ("BEGIN [TRANSACTION];", procedural language,
    https://cloud.google.com/bigquery/docs/reference/standard-sql/procedural-language#begin_transaction);
    sqlglot keeps it as a command. A ``BEGIN`` with statements after it is a BEGIN ... END block."""
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "BEGIN" and tree.expression is None:
        return exp.Transaction()
    return tree


#: sqlglot's parser (and the statement checks) recurse a few dozen Python frames per nested
#: expression: about 50 nested IF / COALESCE calls reach Python's recursion limit. Said in one
#: line instead of a RecursionError traceback; BigQuery may well take such a query.
TOO_DEEP = ("Query too deeply nested for the embedded warehouse (its parser recurses once per nested "
            "expression; about 40 levels fit): write it flatter, e.g. one CASE WHEN ... WHEN ... instead of "
            "nested IF calls, or run it on BigQuery")


def translate(
    sql: str, parameter_types: Mapping[str, str | tuple[str, bool]], catalog: str | None = None
) -> Translation:
    """Translate BigQuery SQL into DuckDB statements (cached; see :func:`_translate`).

    ``parameter_types`` maps a parameter name to its BigQuery type, or to
    ``(element_type, True)`` for an array parameter. ``catalog`` is the DuckDB catalog name of
    the warehouse file. A referenced parameter that is not in the mapping raises
    ``google.api_core.exceptions.BadRequest`` naming it; a parse error raises ``BadRequest``
    too (errors are not cached).

    Example::

        t = translate('SELECT x FROM ds.t WHERE x IN UNNEST(@xs)', {'xs': ('INT64', True)})
    """
    key = (sql, tuple(sorted(parameter_types.items())), catalog)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    templated = staging_template(sql)
    if templated is not None:
        # A staging table's text: the template's translation (cached under the template's
        # text) with the token written back. Any error: the text itself is translated below,
        # so the error names the real table.
        try:
            base = translate(templated[0], parameter_types, catalog)
        except gexc.GoogleAPICallError:
            base = None
        renamed = None if base is None else _from_template(base, templated[0], templated[1])
        if renamed is not None:
            return renamed  # not cached: the token makes the text one of a kind
    _QUIET.active.depth = getattr(_QUIET.active, "depth", 0) + 1  # (a translation may translate another)
    try:
        result = _translate(sql, parameter_types, catalog)
    except RecursionError:
        raise gexc.BadRequest(TOO_DEEP) from None
    finally:
        _QUIET.active.depth -= 1
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def _translate(
    sql: str, parameter_types: Mapping[str, str | tuple[str, bool]], catalog: str | None = None
) -> Translation:
    """Translate BigQuery SQL into DuckDB statements with typed ``$name`` placeholders.

    ``parameter_types`` maps a parameter name to its BigQuery type, or to
    ``(element_type, True)`` for an array parameter. ``catalog`` is the DuckDB catalog name of
    the warehouse file (references to a dataset of the same name are qualified with it). A referenced parameter that is not in
    the mapping raises ``google.api_core.exceptions.BadRequest`` naming it; a parse error
    raises ``BadRequest`` too.

    Example::

        t = translate('SELECT x FROM ds.t WHERE x IN UNNEST(@xs)', {'xs': ('INT64', True)})
    """
    try:
        # A comment after the last ';' parses as a statement of its own (``exp.Semicolon``) that
        # would be the job's last and leave it with no rows: it is no statement.
        trees = [_schema_paths(_delete_without_from(_bare_begin(t))) for t in sqlglot.parse(sql, read=CoverageBigQuery)
                 if t is not None and not isinstance(t, exp.Semicolon)]
    except SqlglotError as err:
        raise gexc.BadRequest(f"Syntax error: {err}") from err
    if not trees:
        raise gexc.BadRequest("Syntax error: the query is empty")
    statements: list[TranslatedStatement] = []
    positional = [0]
    unnest_counter = [0]
    parameter_count = [0]
    for parsed in trees:
        tree = cast_expression(parsed)
        json_calls = _tag_json_calls(tree)
        set_literals = _tag_set_literals(tree)
        result_calls = _tag_result_calls(tree)
        if tree.find(exp.Typeof) is not None:  # the query's own: the casts below write typeof(...) too
            # utility functions, "TYPEOF": BigQuery's names (STRING, ARRAY<INT64>); DuckDB's
            # typeof says VARCHAR, BIGINT[].
            raise gexc.BadRequest(
                "Function not supported by the embedded warehouse: TYPEOF (DuckDB would name its own types, "
                "VARCHAR for STRING; write the query with other functions or run it on BigQuery)")
        _not_emulated(tree)
        for node in tree.find_all(exp.Parameter):  # numbered in both trees (see PARAMETER_META)
            parameter_count[0] += 1
            node.meta[PARAMETER_META] = parameter_count[0]
        source = tree.copy()
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
            typed.meta[PARAMETER_META] = node.meta.get(PARAMETER_META)
            node.replace(typed)
        rewrite_table_function_calls(tree)
        _concat_texts(tree)
        _safe_arithmetic(tree)
        _anonymous_labels(tree)
        _group_by_select_aliases(tree)
        _unnest_semi_join(tree)
        _drop_project(tree)
        _qualify_clashing_datasets(tree, catalog)
        _strip_storage_properties(tree)
        _cast_date_arithmetic(tree)
        _zero_based_offsets(tree, unnest_counter)
        _unnested_struct_fields(tree)
        _float_literals(tree)
        _checked_division(tree)
        _array_agg_limits(tree)
        _extremum_picks(tree)
        _array_agg_nulls(tree)
        _zoned_calls(tree)
        _current_datetime(tree)
        _extract_parts(tree)
        _date_trunc_types(tree)
        _substr_positions(tree)
        _timestamp_diff_intervals(tree)
        _subscripts(tree)
        _json_conversions(tree)
        _conversions(tree)
        _parse_format_elements(tree)
        _timestamp_results(tree)
        _like_escapes(tree)
        _string_functions(tree)
        _array_ends(tree)
        _farm_fingerprints(tree)
        _range_buckets(tree)
        _merge_insert_row(tree)
        _fractional_generate_array(tree)
        _format_printf(tree)
        _safe_calls(tree)
        _unix_epoch_floor(tree)
        _array_slice_offsets(tree)
        _instr_occurrences(tree)
        _numeric_text(tree)
        _math_domain_errors(tree)
        _floating_point_errors(tree)
        _numeric_precision(tree)
        _statistics(tree)
        _approx_quantiles(tree)
        _format_elements(tree)
        _time_casts(tree)
        _int64_casts(tree)
        _bool_casts(tree)
        _timestamp_calls(tree)
        _datetime_calls(tree)
        _date_casts(tree)
        _offset_zones(tree)
        _pivot_names(tree)
        _struct_equality(tree)
        _struct_positions(tree)
        _window_errors(tree)
        _written_twice(tree)
        _call_operator_grouping(tree)
        duck_sql, unsupported = _checked_duckdb_sql(tree)
        statements.append(TranslatedStatement(sql=duck_sql, ast=tree, parameter_names=names, source_ast=source,
                                              json_calls=json_calls, set_literals=set_literals,
                                              result_calls=result_calls, unsupported=unsupported))
    return Translation(statements=statements)


#: ``meta`` key numbering a statement's JSON_QUERY / JSON_EXTRACT calls in its source and its
#: translated tree alike (both copies of one parse).
JSON_CALL_META = "bq_json_call"
_JSON_CALLS = (exp.JSONExtract, exp.JSONExtractArray)


def _tag_json_calls(tree: exp.Expression) -> int:
    count = 0
    for count, node in enumerate(tree.find_all(*_JSON_CALLS), start=1):
        node.meta[JSON_CALL_META] = count
    return count


#: ``meta`` key numbering a statement's calls whose result type depends on their argument's
#: (ROUND / TRUNC / SIGN; SQRT, POW, EXP, LN, LOG, CBRT, SAFE_DIVIDE and AVG of a NUMERIC) in its
#: source and translated trees.
RESULT_CALL_META = "bq_result_call"
RESULT_CALLS: tuple[type[exp.Expression], ...] = (
    exp.Round, exp.Trunc, exp.Sign, exp.Sqrt, exp.Pow, exp.Exp, exp.Ln, exp.Log, exp.Cbrt, exp.SafeDivide, exp.Avg, exp.Div)


def _tag_result_calls(tree: exp.Expression) -> int:
    count = 0
    for count, node in enumerate(tree.find_all(*RESULT_CALLS), start=1):
        node.meta[RESULT_CALL_META] = count
    return count


#: ``meta`` key numbering the string literals a set operation's inputs select as a column.
SET_LITERAL_META = "bq_set_literal"
_SET_OPERATIONS = (exp.Union, exp.Intersect, exp.Except)


def _tag_set_literals(tree: exp.Expression) -> int:
    count = 0
    for select in tree.find_all(exp.Select):
        parent = select.parent.parent if isinstance(select.parent, exp.Subquery) else select.parent
        if not isinstance(parent, _SET_OPERATIONS):
            continue
        for projection in select.expressions:
            value = projection.unalias()
            if isinstance(value, exp.Literal) and value.is_string:
                count += 1
                value.meta[SET_LITERAL_META] = count
    return count


#: ``meta`` key numbering a statement's query parameters in its source and translated trees (the
#: typed cast that replaces one carries its number): see :func:`catalog_typed_statement`.
PARAMETER_META = "bq_parameter"


def catalog_typed_statement(statement: TranslatedStatement, text_calls: set[int],
                            literal_types: Mapping[int, str] | None = None,
                            parameter_types: Mapping[int, str] | None = None,
                            result_types: Mapping[int, str] | None = None) -> TranslatedStatement:
    """``statement`` as the catalog's types decide it, per query: the JSON_QUERY / JSON_EXTRACT
    calls numbered in ``text_calls`` (those whose first argument is a STRING, as the statement
    rules find it) return JSON text, the set operations' literals in ``literal_types`` take
    their column's type, and the STRING parameters numbered in ``parameter_types`` (by
    :data:`PARAMETER_META`) are cast to the DATE / DATETIME / TIMESTAMP they are read as.

    "JSON_QUERY(json_string_expr, json_path) ... Return type: json_string_expr: a JSON-formatted
    STRING; json_expr: JSON" (json functions, JSON_QUERY; JSON_QUERY_ARRAY: ARRAY<JSON-formatted
    STRING>), and a JSON null there is SQL NULL. DuckDB's ``->`` returns JSON for both, so
    the rows held ``'Jamie'`` (the parsed value) where BigQuery's hold ``'"Jamie"'``. The
    argument's type is known only against the catalog, so this runs per query, after the
    cached translation; the statement comes back unchanged when no call is listed.

    ``literal_types``: ``{number: BigQuery type}`` of the set operations' string literals
    (numbered by :data:`SET_LITERAL_META`) that pair with a DATE / DATETIME / TIME / TIMESTAMP
    column: BigQuery gives them that type ("Supertypes and literals", conversion rules), DuckDB
    would make the whole column text, so each becomes a CAST to it.

    ``result_types``: ``{number: BigQuery type}`` of the calls (numbered by
    :data:`RESULT_CALL_META`) whose BigQuery result type is not DuckDB's: "ROUND ... INT64:
    FLOAT64" (mathematical functions, the return type tables of ROUND and TRUNC), "SIGN ...
    FLOAT64: FLOAT64", "NUMERIC: NUMERIC", and a NUMERIC for SQRT / POW / EXP / LN / LOG / CBRT /
    SAFE_DIVIDE / AVG of NUMERICs (DuckDB computes those as DOUBLEs: ``SQRT(NUMERIC '2')`` was
    1.4142135623730951, BigQuery's is 1.414213562). DuckDB keeps an integer's ROUND an integer
    and gives any SIGN as one, so ``CREATE TABLE ... AS SELECT ROUND(SUM(pts))`` made an INT64
    column where BigQuery makes a FLOAT64 one. Each becomes a CAST to its type.

    Example::

        catalog_typed_statement(statement, {1}).sql   # "SELECT NULLIF(CAST(s -> '$.a' AS TEXT), 'null') ..."
    """
    if not text_calls and not literal_types and not parameter_types and not result_types:
        return statement
    tree = statement.ast.copy()
    if result_types:
        for call in list(tree.find_all(*RESULT_CALLS)):
            target = result_types.get(call.meta.get(RESULT_CALL_META, 0))
            if target is None:
                continue
            value: Any = call  # an analytic call's value is its window's: AVG(x) OVER (...)
            while isinstance(value.parent, exp.IgnoreNulls | exp.RespectNulls):
                value = value.parent
            if isinstance(value.parent, exp.Window) and value.arg_key == "this":
                value = value.parent
            # moved, not copied: a call inside it (SQRT(n / 3)) is in the list too
            _moved_into(exp.Cast(to=exp.DataType.build(duckdb_type(target), dialect="duckdb")), value)
    if parameter_types:
        # a STRING parameter read as a DATE / DATETIME / TIMESTAMP ("Query parameter coercion"),
        # cast to it where it is read so: DuckDB compared a DATE with it only by `=` ("Cannot
        # compare values of type DATE and type VARCHAR" for <, BETWEEN); its text is checked
        # before the query runs (rules.coerced_parameter_error).
        for cast in list(tree.find_all(exp.Cast)):
            target = parameter_types.get(cast.meta.get(PARAMETER_META, 0))
            if target is not None and isinstance(cast.this, exp.Parameter):
                cast.replace(exp.Cast(this=cast.copy(), to=exp.DataType.build(duckdb_type(target), dialect="duckdb")))
    if literal_types:
        for literal in list(tree.find_all(exp.Literal)):
            target = literal_types.get(literal.meta.get(SET_LITERAL_META, 0))
            if target is not None:
                literal.replace(exp.Cast(this=literal.copy(), to=exp.DataType.build(duckdb_type(target),
                                                                                     dialect="duckdb")))
    for node in list(tree.find_all(*_JSON_CALLS)):
        if node.meta.get(JSON_CALL_META) not in text_calls:
            continue
        if isinstance(node, exp.JSONExtractArray):
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("VARCHAR[]", dialect="duckdb")))
        else:
            text = exp.Cast(this=node.copy(), to=exp.DataType.build("VARCHAR"))
            node.replace(exp.Nullif(this=text, expression=exp.Literal.string("null")))
    return TranslatedStatement(sql=_duckdb_sql(tree), ast=tree, parameter_names=statement.parameter_names,
                               source_ast=statement.source_ast, json_calls=statement.json_calls,
                               set_literals=statement.set_literals, result_calls=statement.result_calls,
                               unsupported=statement.unsupported)


#: Operators sqlglot writes for a function call (``DIV(a, b)`` -> ``a // b``; CONCAT, below, -> ``a || b``):
#: their operands keep the call's grouping only in parentheses.
_CALL_OPERATORS = (exp.IntDiv, exp.DPipe)


def _call_operator_grouping(tree: exp.Expression) -> None:
    """Parentheses around the operands (and the result) of the operators sqlglot writes for
    function calls. sqlglot wrote ``DIV(pts + 1, 2)`` as ``pts + 1 // 2`` and ``2 * DIV(9, 2)`` as
    ``2 * 9 // 2``, which DuckDB reads by its operator precedence: 20 + 0 and 9 where BigQuery's
    ``DIV`` gives 10 and 8 ("DIV(X, Y): Returns the result of integer division of X by Y",
    mathematical functions, https://cloud.google.com/bigquery/docs/reference/standard-sql/mathematical_functions#div).
    A parsed tree holds the grouping of what was written; an operand or parent that is itself an
    operator is parenthesized, so both readings are the same."""
    grouping = (exp.Binary, exp.Connector, exp.Unary, exp.Not)

    def needs_parens(node: Any, outer: Any) -> bool:
        """Whether ``node`` (an operand of ``outer``, or its parent) is an operator to group;
        ``||`` inside ``||`` is not (concatenation is associative, and a chain of N operands
        would nest 2N levels deep)."""
        return isinstance(node, grouping) and not isinstance(node, exp.Paren) \
            and not (isinstance(node, exp.DPipe) and isinstance(outer, exp.DPipe | exp.Concat))

    def grouped(node: Any, outer: Any) -> Any:
        """``node`` in parentheses when it needs them. The node itself moves into them,
        uncopied: a copy per operator left the calls inside the copy out of this rewrite
        (``DIV(DIV(7 + 1, 2) + 1, 3)`` was 2, BigQuery's is 1) and made a chain of N ``||``
        cost N copies of the chain (900 operands took 16 s)."""
        return exp.Paren(this=node) if needs_parens(node, outer) else node

    for node in list(tree.find_all(*_CALL_OPERATORS, exp.Concat)):
        if isinstance(node, exp.Concat):  # CONCAT(a, b) is written a || b
            node.set("expressions", [grouped(e, node) for e in node.expressions])
        else:
            for key in ("this", "expression"):
                node.set(key, grouped(node.args.get(key), node))
        if needs_parens(node.parent, node):
            _moved_into(exp.Paren(), node)


def _checked_duckdb_sql(tree: exp.Expression) -> tuple[str, str | None]:
    """The DuckDB text of a translated tree, and what sqlglot reported it could not write with
    the same meaning (None when nothing). sqlglot only logged those as warnings, and the query
    ran with another meaning: ``APPROX_TOP_COUNT(x, 1)`` returned ``[1]`` where BigQuery returns
    ``[{value: 1, count: 2}]`` ("APPROX_TOP_K cannot be transpiled to DuckDB due to incompatible
    return types"). DDL is left out: what it may not do is the statement rules' to refuse, and
    what sqlglot leaves out of it (a dataset's ``OPTIONS (location = 'US')``) is not logged
    either (it printed "Unsupported property locationproperty" on the console of any program that
    had not set up logging)."""
    if isinstance(tree, exp.Create | exp.Alter | exp.Drop):
        return _duckdb_sql(tree, sqlglot.ErrorLevel.IGNORE), None
    try:
        return _duckdb_sql(tree, sqlglot.ErrorLevel.RAISE), None
    except UnsupportedError as err:
        said = [" ".join(line.split()) for line in str(err).split("\n\n")]
        reason = " ".join(dict.fromkeys(line for line in said if line and not line.startswith("... and ")))
        return _duckdb_sql(tree, sqlglot.ErrorLevel.IGNORE), reason  # (the client refuses it)


def _duckdb_sql(tree: exp.Expression, unsupported: sqlglot.ErrorLevel = sqlglot.ErrorLevel.WARN) -> str:
    """The DuckDB text of a translated tree (``BadRequest`` when sqlglot cannot write it); what
    it writes without the same meaning is logged (``unsupported``: WARN), ignored (IGNORE) or
    raised as sqlglot's ``UnsupportedError`` (RAISE, for :func:`_checked_duckdb_sql`)."""
    try:
        return tree.sql(dialect=CoverageDuckDB, unsupported_level=unsupported)
    except UnsupportedError:
        raise
    except SqlglotError as err:
        raise gexc.BadRequest(f"Cannot translate the query for DuckDB: {err}") from err


def cast_expression(node: object) -> exp.Expression:
    """Narrow a parsed statement to ``exp.Expression`` (sqlglot's parse returns a wider type)."""
    if not isinstance(node, exp.Expression):
        raise gexc.BadRequest("Syntax error: the query has an empty statement")
    return node
