"""A call the translation rewrites, inside another of the same kind, is rewritten too.

Several rewrites (division by zero, SQRT / LN / LOG domains, POW / EXP errors, SAFE_ADD ...,
SAFE., IEEE_DIVIDE, DIV's grouping, the result-type casts) walked their calls outermost first
and copied the outer call's arguments: the inner call was then rewritten in a tree the query no
longer held. Until stop 36 ``1 / (1 / 0)`` was 0.0 (BigQuery: "division by zero"),
``SQRT(SQRT(-4))`` NaN and ``POW(POW(0, -1), 2)`` inf (BigQuery: errors), and nested SAFE_ADD /
SAFE. / IEEE_DIVIDE calls were refused. Expected values and messages are BigQuery's (mathematical
functions; operators, "Arithmetic operators").
"""

from __future__ import annotations

import datetime
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from sqlglot import exp

from shared_services.bigquery import sql_translate
from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one

# --- Every rewritten call inside another (stop 37) -------------------------------------------
#
# The translation's rewrites copy a call's arguments into the SQL they write. A rewrite that
# took its calls outermost first copied the inner call as the query wrote it, then rewrote
# the inner call where the statement no longer held it: the statement ran DuckDB's inner call.
# Found by translating every call below inside every other (46,656 statements) with each
# rewrite watched: 25 rewrites changed a node the statement no longer held, among them the
# casts to STRING, DATE, TIMESTAMP and TIME, FORMAT, ARRAY_SLICE, GENERATE_ARRAY, UNICODE /
# ASCII, DATE_TRUNC, STRING(ts, zone), the JSON conversions and FARM_FINGERPRINT.

#: One call of each kind the translation rewrites (and some it does not), ``X`` its argument.
CALLS = (
    "CAST(X AS STRING)",
    "CAST(X AS DATE)",
    "CAST(X AS TIMESTAMP)",
    "CAST(X AS DATETIME)",
    "CAST(X AS TIME)",
    "CAST(X AS INT64)",
    "CAST(X AS BOOL)",
    "CAST(X AS NUMERIC)",
    "CAST(X AS BIGNUMERIC)",
    "CAST(X AS FLOAT64)",
    "CAST(X AS BYTES)",
    "SAFE_CAST(X AS DATE)",
    "SAFE_CAST(X AS INT64)",
    "SAFE_CAST(X AS TIMESTAMP)",
    "SAFE_CAST(X AS STRING)",
    "CAST(X AS STRING FORMAT 'YYYY')",
    "SQRT(X)",
    "LN(X)",
    "LOG(X, 2)",
    "LOG(8, X)",
    "LOG10(X)",
    "POW(X, 2)",
    "POW(2, X)",
    "EXP(X)",
    "ACOS(X)",
    "COSH(X)",
    "X / 2",
    "2 / X",
    "DIV(X, 2)",
    "DIV(7, X)",
    "MOD(X, 2)",
    "SAFE_DIVIDE(X, 2)",
    "IEEE_DIVIDE(X, 2)",
    "SAFE_ADD(X, 1)",
    "SAFE_MULTIPLY(X, 2)",
    "SAFE_NEGATE(X)",
    "SAFE_SUBTRACT(X, 1)",
    "ROUND(X)",
    "ROUND(X, 1)",
    "TRUNC(X)",
    "SIGN(X)",
    "ABS(X)",
    "CONCAT(X, 'a')",
    "X || 'a'",
    "SUBSTR(X, 2)",
    "SUBSTR(X, 0, 2)",
    "LEFT(X, 2)",
    "RIGHT(X, 2)",
    "REPEAT(X, 2)",
    "LPAD(X, 5, '0')",
    "RPAD(X, 5)",
    "TRIM(X)",
    "LTRIM(X, 'a')",
    "BYTE_LENGTH(X)",
    "CHAR_LENGTH(X)",
    "REGEXP_EXTRACT(X, 'a')",
    "REGEXP_EXTRACT_ALL(X, 'a')",
    "REGEXP_CONTAINS(X, 'a')",
    "REGEXP_REPLACE(X, 'a', 'b')",
    "NORMALIZE(X)",
    "UNICODE(X)",
    "ASCII(X)",
    "INSTR(X, 'a')",
    "INSTR(X, 'a', 1, 2)",
    "STRPOS(X, 'a')",
    "FORMAT('%s', X)",
    "FORMAT('%d', X)",
    "FORMAT('%t', X)",
    "FORMAT('%5.2f', X)",
    "X LIKE 'a%'",
    "UPPER(X)",
    "LOWER(X)",
    "SPLIT(X)",
    "REVERSE(X)",
    "TO_HEX(X)",
    "FROM_BASE64(X)",
    "DATE_ADD(X, INTERVAL 1 DAY)",
    "DATE_SUB(X, INTERVAL 1 DAY)",
    "DATE_TRUNC(X, MONTH)",
    "DATE_TRUNC(X, DAY, 'America/New_York')",
    "TIMESTAMP_TRUNC(X, HOUR)",
    "DATETIME_TRUNC(X, HOUR)",
    "TIMESTAMP_ADD(X, INTERVAL 1 HOUR)",
    "DATETIME_ADD(X, INTERVAL 1 HOUR)",
    "EXTRACT(YEAR FROM X)",
    "EXTRACT(DAYOFWEEK FROM X)",
    "EXTRACT(HOUR FROM X AT TIME ZONE 'America/New_York')",
    "DATE(X)",
    "DATE(X, 'America/New_York')",
    "DATE(2025, 1, X)",
    "TIMESTAMP(X)",
    "TIMESTAMP(X, 'America/New_York')",
    "DATETIME(X)",
    "DATETIME(X, TIME '10:00:00')",
    "TIME(X)",
    "TIME(X, 1, 2)",
    "FORMAT_TIMESTAMP('%Y %H', X)",
    "FORMAT_TIMESTAMP('%H', X, 'America/New_York')",
    "FORMAT_DATE('%Y-%m', X)",
    "FORMAT_DATETIME('%c', X)",
    "FORMAT_TIME('%H', X)",
    "PARSE_DATE('%Y-%m-%d', X)",
    "PARSE_TIMESTAMP('%Y-%m-%d %H', X)",
    "PARSE_DATETIME('%Y-%m-%d %H', X)",
    "PARSE_TIME('%H', X)",
    "UNIX_SECONDS(X)",
    "UNIX_MILLIS(X)",
    "UNIX_DATE(X)",
    "TIMESTAMP_SECONDS(X)",
    "TIMESTAMP_MILLIS(X)",
    "DATE_FROM_UNIX_DATE(X)",
    "TIMESTAMP_DIFF(X, TIMESTAMP '2025-01-01 00:00:00+00', HOUR)",
    "DATE_DIFF(X, DATE '2025-01-01', DAY)",
    "DATETIME_DIFF(X, DATETIME '2025-01-01 00:00:00', MINUTE)",
    "STRING(X)",
    "STRING(X, 'America/New_York')",
    "JSON_VALUE(X)",
    "JSON_VALUE(X, '$.a')",
    "JSON_QUERY(X, '$.a')",
    "JSON_EXTRACT(X, '$.a')",
    "JSON_EXTRACT_SCALAR(X, '$.a')",
    "JSON_QUERY_ARRAY(X)",
    "INT64(X)",
    "FLOAT64(X)",
    "BOOL(X)",
    "LAX_INT64(X)",
    "TO_JSON_STRING(X)",
    "TO_JSON(X)",
    "PARSE_JSON(X)",
    "JSON_TYPE(X)",
    "ARRAY_TO_STRING(X, ',')",
    "X[OFFSET(0)]",
    "X[SAFE_OFFSET(1)]",
    "X[ORDINAL(1)]",
    "ARRAY_FIRST(X)",
    "ARRAY_LAST(X)",
    "ARRAY_SLICE(X, 1, 2)",
    "ARRAY_REVERSE(X)",
    "ARRAY_LENGTH(X)",
    "GENERATE_ARRAY(X, 3)",
    "GENERATE_ARRAY(1, X, 0.5)",
    "GENERATE_DATE_ARRAY(X, DATE '2025-02-01')",
    "GENERATE_TIMESTAMP_ARRAY(X, TIMESTAMP '2025-02-01 00:00:00+00', INTERVAL 1 DAY)",
    "RANGE_BUCKET(X, [1, 2])",
    "FARM_FINGERPRINT(X)",
    "IF(X, 1, 2)",
    "IF(c, X, 2)",
    "COALESCE(X, 1)",
    "IFNULL(X, 1)",
    "NULLIF(X, 1)",
    "CASE WHEN X THEN 1 END",
    "CASE X WHEN 1 THEN 'a' END",
    "X IN (1, 2)",
    "X IN UNNEST([1, 2])",
    "X = 1",
    "X IS NULL",
    "NOT X",
    "-X",
    "X + 1",
    "X * 2",
    "X - 1",
    "STRUCT(X AS a).a",
    "STRUCT(X, 2) = STRUCT(1, 2)",
    "(SELECT X)",
    "ARRAY(SELECT X)",
    "EXISTS(SELECT X)",
    "ARRAY_AGG(X LIMIT 1)",
    "ARRAY_AGG(X IGNORE NULLS)",
    "STRING_AGG(X, ',')",
    "STRING_AGG(X, ',' LIMIT 2)",
    "MAX_BY(X, y)",
    "MIN_BY(y, X)",
    "ANY_VALUE(X HAVING MAX y)",
    "CORR(X, y)",
    "STDDEV(X)",
    "VAR_SAMP(X)",
    "APPROX_QUANTILES(X, 2)",
    "APPROX_COUNT_DISTINCT(X)",
    "COUNTIF(X)",
    "LOGICAL_AND(X)",
    "BIT_AND(X)",
    "AVG(X)",
    "SUM(X)",
    "MAX(X)",
    "COUNT(DISTINCT X)",
    "SAFE.SQRT(X)",
    "SAFE.PARSE_DATE('%Y', X)",
    "SAFE.LEFT(X, 2)",
    "SAFE.DATE(X)",
    "SAFE.POW(X, 2)",
    "SAFE.LN(X)",
    "SAFE.SUBSTR(X, 2)",
    "SAFE.FORMAT_TIMESTAMP('%Y', X)",
    "LAG(X) OVER (ORDER BY y)",
    "FIRST_VALUE(X) OVER (ORDER BY y)",
    "PERCENTILE_CONT(X, 0.5) OVER ()",
    "SUM(X) OVER (PARTITION BY y)",
    "AVG(X) OVER (ORDER BY y)",
    "NTH_VALUE(X, 2) OVER (ORDER BY y)",
    "BIT_COUNT(X)",
    "EDIT_DISTANCE(X, 'abc')",
    "CODE_POINTS_TO_STRING(X)",
    "TO_CODE_POINTS(X)",
    "CHR(X)",
    "STARTS_WITH(X, 'a')",
    "ENDS_WITH(X, 'a')",
    "CONTAINS_SUBSTR(X, 'a')",
    "GREATEST(X, 1)",
    "LEAST(X, 1)",
    "RAND() + X",
    "GENERATE_UUID() || X",
    "LENGTH(X)",
    "SOUNDEX(X)",
    "INITCAP(X)",
    "TRANSLATE(X, 'a', 'b')",
    "SPLIT(X, ',')[OFFSET(0)]",
)

#: Calls inside calls each of which had a rewrite land outside the statement (three per rewrite).
FLAGGED = (
    "ARRAY_AGG((ARRAY_AGG(x LIMIT 1)) LIMIT 1)",
    "STRING_AGG((STRING_AGG(x, ',' LIMIT 2)), ',' LIMIT 2)",
    "ARRAY_LAST((ARRAY_LAST(x)))",
    "ARRAY_FIRST((ARRAY_LAST(x)))",
    "ARRAY_LAST((ARRAY_FIRST(x)))",
    "ARRAY_SLICE((ARRAY_SLICE(x, 1, 2)), 1, 2)",
    "CAST((BOOL(x)) AS BOOL)",
    "BOOL((CAST(x AS BOOL)))",
    "CAST((CAST(x AS BOOL)) AS BOOL)",
    "DATE_ADD((DATE_ADD(x, INTERVAL 1 DAY)), INTERVAL 1 DAY)",
    "DATE_ADD((DATE_SUB(x, INTERVAL 1 DAY)), INTERVAL 1 DAY)",
    "DATE_SUB((DATE_ADD(x, INTERVAL 1 DAY)), INTERVAL 1 DAY)",
    "(x || 'a') || 'a'",
    "(CONCAT(x, 'a')) || 'a'",
    "CONCAT((x || 'a'), 'a')",
    "DATE((DATE(x)))",
    "DATE((SAFE.DATE(x)))",
    "SAFE.DATE((DATE(x)))",
    "DATE_TRUNC((DATE_TRUNC(x, MONTH)), MONTH)",
    "DATETIME((DATETIME(x, TIME '10:00:00')), TIME '10:00:00')",
    "MIN_BY(y, (MAx_BY(x, y)))",
    "MIN_BY(y, (MIN_BY(y, x)))",
    "MIN_BY(y, (ANY_VALUE(x HAVING MAx y)))",
    "FARM_FINGERPRINT((FARM_FINGERPRINT(x)))",
    "FORMAT_TIME('%H', (FORMAT_TIME('%H', x)))",
    "FORMAT_DATE('%Y-%m', (FORMAT_TIME('%H', x)))",
    "FORMAT_TIME('%H', (FORMAT_DATE('%Y-%m', x)))",
    "FORMAT('%d', (FORMAT('%d', x)))",
    "FORMAT('%d', (FORMAT('%s', x)))",
    "FORMAT('%s', (FORMAT('%d', x)))",
    "GENERATE_ARRAY(1, (GENERATE_ARRAY(1, x, 0.5)), 0.5)",
    "BOOL((BOOL(x)))",
    "BOOL((INT64(x)))",
    "INT64((BOOL(x)))",
    "(x LIKE 'a%') LIKE 'a%'",
    "(BOOL(x)) || 'a'",
    "ASCII((BOOL(x)))",
    "BOOL((ASCII(x)))",
    "RANGE_BUCKET((RANGE_BUCKET(x, [1, 2])), [1, 2])",
    "CORR((CORR(x, y)), y)",
    "ASCII((ASCII(x)))",
    "ASCII((UNICODE(x)))",
    "UNICODE((ASCII(x)))",
    "STRUCT((STRUCT(x, 2) = STRUCT(1, 2)), 2) = STRUCT(1, 2)",
    "TIME((TIME(x)))",
    "CAST((TIME(x)) AS TIME)",
    "FORMAT_TIME('%H', (TIME(x)))",
    "TIMESTAMP_DIFF((TIMESTAMP_DIFF(x, TIMESTAMP '2025-01-01 00:00:00+00', HOUR)), TIMESTAMP '2025-01-01 00:00:00+00', HOUR)",
    "TIMESTAMP_MILLIS((TIMESTAMP_MILLIS(x)))",
    "PARSE_TIMESTAMP('%Y-%m-%d %H', (PARSE_TIMESTAMP('%Y-%m-%d %H', x)))",
    "(x IN UNNEST([1, 2])) IN UNNEST([1, 2])",
)


def _rewrites() -> list[str]:
    """The names of the rewrite passes ``_translate`` runs, read from its source."""
    names = re.findall(r"^\s+(_?[a-z_]+)\(tree(?:, [a-z_]+)?\)$", inspect.getsource(sql_translate._translate), re.M)
    return [name for name in names if callable(getattr(sql_translate, name, None))]


@pytest.fixture
def landings(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The watch: its ``found`` is ``{rewrite: [statement, ...]}`` of every rewrite that changed
    a node the statement held when the rewrite began but no longer holds (the rewrite then
    lands nowhere); its ``sql``, the statement being translated."""
    found: dict[str, list[str]] = {}
    watch: dict[str, Any] = {"rewrite": None, "sql": None}

    def check(node: exp.Expression) -> None:
        if watch["rewrite"] is not None and id(node) in watch["ids"] and node.root() is not watch["tree"]:
            found.setdefault(watch["rewrite"], []).append(watch["sql"])

    replace, set_ = exp.Expression.replace, exp.Expression.set

    def watched_replace(self: exp.Expression, expression: Any) -> Any:
        check(self)
        return replace(self, expression)

    def watched_set(self: exp.Expression, arg_key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        check(self)
        return set_(self, arg_key, value, *args, **kwargs)

    monkeypatch.setattr(exp.Expression, "replace", watched_replace)
    monkeypatch.setattr(exp.Expression, "set", watched_set)

    def watched(name: str, rewrite: Any) -> Any:
        def run(tree: exp.Expression, *args: Any) -> Any:
            held = list(tree.walk())  # held: an id is not reused while the rewrite runs
            watch.update(rewrite=name, tree=tree, held=held, ids={id(node) for node in held})
            try:
                return rewrite(tree, *args)
            finally:
                watch["rewrite"] = None
        return run

    names = _rewrites()
    assert len(names) >= 50, f"_translate's rewrites not found in its source: {names}"
    for name in names:
        monkeypatch.setattr(sql_translate, name, watched(name, getattr(sql_translate, name)))
    watch["found"] = found
    return watch


def _translate_watched(landings: dict[str, Any], expressions: list[str]) -> None:
    for expression in expressions:
        landings["sql"] = f"SELECT {expression} FROM ds.t"
        try:
            sql_translate._translate(landings["sql"], {})
        except gexc.GoogleAPICallError:
            pass  # refused: nothing written
    found = landings["found"]
    assert not found, "rewrites changed a node the statement no longer held: " + "; ".join(
        f"{name}: {sqls[0]}" for name, sqls in found.items())


def test_every_call_inside_itself_is_rewritten_inside_the_statement(landings: dict[str, Any]) -> None:
    _translate_watched(landings, [call.replace("X", "(" + call.replace("X", "x") + ")") for call in CALLS])


def test_the_flagged_calls_inside_calls_are_rewritten_inside_the_statement(landings: dict[str, Any]) -> None:
    _translate_watched(landings, list(FLAGGED))


def test_the_watch_sees_a_rewrite_that_lands_outside(landings: dict[str, Any],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The watch itself can fail: a rewrite taking its casts outermost first is caught."""
    monkeypatch.setattr(sql_translate, "_innermost_first",
                        lambda tree, *kinds: list(tree.find_all(*kinds)))
    with pytest.raises(AssertionError, match="_numeric_text"):
        _translate_watched(landings, ["FORMAT('%s', CAST(x AS STRING))"])


@pytest.fixture(scope="module")
def typed() -> Iterator[DuckDBClient]:
    """One row: i 3, f 2.5, n NUMERIC 1.5, s 'abc', d 2025-01-02, ts 2025-01-02 03:04:05 UTC."""
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (i INT64, f FLOAT64, n NUMERIC, s STRING, d DATE, ts TIMESTAMP)").result()
    c.query("INSERT INTO ds.t VALUES (3, 2.5, NUMERIC '1.5', 'abc', DATE '2025-01-02', "
            "TIMESTAMP '2025-01-02 03:04:05+00')").result()
    yield c
    c.close()


@pytest.mark.parametrize(("expression", "value"), [
    ("SAFE.SQRT(SAFE.SQRT(-4))", None),
    ("SAFE.LOG(SAFE.SQRT(4), 2)", 1.0),
    ("SAFE_ADD(SAFE_ADD(1, 2), 3)", 6),
    ("SAFE_ADD(SAFE_ADD(9223372036854775807, 1), 3)", None),
    ("IEEE_DIVIDE(IEEE_DIVIDE(1, 0), 2)", float("inf")),
    ("10 / (4 / 2)", 5.0),
    ("SQRT(SQRT(16))", 2.0),
    # stop 37:
    # CAST(NUMERIC '1.5' AS STRING) is '1.5' (conversion functions: no trailing zeros); it was
    # '1.500000000' inside FORMAT and TO_JSON_STRING
    ("FORMAT('%s', CAST(n AS STRING))", "1.5"),
    ("JSON_VALUE(TO_JSON_STRING(STRUCT(CAST(n AS STRING) AS a)), '$.a')", "1.5"),
    # FORMAT inside FORMAT read the outer format as the inner value: "Bad int64 value: %d"
    ("FORMAT('%d', CAST(FORMAT('%d', i) AS INT64))", "3"),
    ("FORMAT('%5.2f', CAST(FORMAT('%5.2f', f) AS FLOAT64))", " 2.50"),
    # UNICODE('') is 0, so UNICODE('0') is 48 (DuckDB's inner unicode('') was -1: '-' is 45)
    ("UNICODE(CAST(UNICODE('') AS STRING))", 48),
    # ARRAY_SLICE takes offsets, both ends included: [2, 3, 4], then [2, 3] (was [1, 2])
    ("ARRAY_SLICE(ARRAY_SLICE([1, 2, 3, 4], 1, 3), 0, 1)", [2, 3]),
    # DATE_TRUNC of a DATE is a DATE (was a DATETIME when nested)
    ("DATE_TRUNC(DATE_TRUNC(d, MONTH), YEAR)", datetime.date(2025, 1, 1)),
    # 03:04:05 UTC is 22:04:05 the day before in New York, -05 (was 17:04:05: the inner
    # STRING's zone was dropped)
    ("STRING(TIMESTAMP(STRING(ts, 'America/New_York')), 'America/New_York')", "2025-01-01 22:04:05-05"),
    # GENERATE_ARRAY(1, 2, 0.5) has 3 elements: GENERATE_ARRAY(1, 3, 0.5) (was DuckDB's binder error)
    ("GENERATE_ARRAY(1, ARRAY_LENGTH(GENERATE_ARRAY(1, 2, 0.5)), 0.5)", [1.0, 1.5, 2.0, 2.5, 3.0]),
    ("RANGE_BUCKET(RANGE_BUCKET(5, [1, 2]), [1, 2])", 2),
    ("TIME(TIME(ts))", datetime.time(3, 4, 5)),
])
def test_an_inner_call_gives_bigquerys_value(typed: DuckDBClient, expression: str, value: object) -> None:
    assert one(typed, f"SELECT {expression} FROM ds.t") == value


@pytest.mark.parametrize(("expression", "message"), [
    ("1 / (1 / 0)", "division by zero: 1 / 0"),
    ("SQRT(SQRT(-4))", "Argument to SQRT cannot be negative"),
    ("LN(LN(0.5))", "Argument to LOG cannot be zero or negative"),
    ("POW(POW(0, -1), 2)", "Floating point error in function: POW(0, -1)"),
    # stop 37:
    # '2025/01/02' is not a date's canonical text (conversion functions, "CAST AS DATE"): the
    # inner cast was DuckDB's, which read it
    ("DATE(CAST('2025/01/02' AS DATE))", "Bad date value: 2025/01/02"),
    # ASCII of a STRING starting with a non-ASCII character is an error (string functions, "ASCII")
    ("ASCII(CAST(ASCII('é') AS STRING))", "Argument to ASCII is not a structurally valid ASCII string"),
    # stop 38: through a bound argument, the message shows the bound value
    ("1 / (2 / (4 / (8 / (0 * f))))", "division by zero: 8 / (0 * f)"),
    ("POW(POW(POW(i - 3, 2), 2), -1)", "Floating point error in function: POW(0, -1)"),
    # ACOS(ACOS(1)) is pi / 2, outside [-1, 1]
    ("ACOS(ACOS(ACOS(f - 1.5)))", "Floating point error in function: ACOS(1.5707963267948966)"),
    # a cast a later pass checks, bound once inside the division guard
    ("1 / CAST(CONCAT('0', '') AS INT64)", "division by zero"),
])
def test_an_inner_call_fails_as_on_bigquery(typed: DuckDBClient, expression: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest) as raised:
        typed.query(f"SELECT {expression} FROM ds.t").result()
    assert message in raised.value.message


@pytest.mark.parametrize("call", ["DATETIME(X, TIME '10:00:00')", "INT64(X)", "FORMAT_TIMESTAMP('%c', X, 'UTC')",
                                  "CAST(X AS DATE)", "GENERATE_ARRAY(1, X, 0.5)", "STRING(X, 'America/New_York')"])
def test_nesting_grows_the_statement_by_a_level_not_by_a_factor(call: str) -> None:
    """Hostile or generated SQL nests calls deeply. A rewrite writes its value in several places;
    copied into each, a rewritten call inside another multiplied the statement's text per level
    (``DATETIME(DATETIME(x, t), t)``: 6 MB). A large value is bound once, so each level adds
    about the same text as the one before."""
    sizes, steps = _sizes_per_level(call, 4)
    assert steps[-1] <= 1.5 * steps[-2] + 2000, f"text per level: {sizes}"


def _sizes_per_level(call: str, depth: int) -> tuple[list[int], list[int]]:
    """The DuckDB SQL's length with ``call`` nested in itself 1 .. ``depth`` deep over ``x``,
    and what each level added."""
    sizes = []
    expression = "x"
    for _ in range(depth):
        expression = call.replace("X", expression)
        sizes.append(sum(len(s.sql) for s in sql_translate._translate(f"SELECT {expression} FROM ds.t", {}).statements))
    return sizes, [later - earlier for earlier, later in zip(sizes, sizes[1:], strict=False)]


@pytest.mark.parametrize(("expression", "value", "parameter"), [
    # each level writes the level inside it in several places: bound once
    ("DATETIME(DATE(DATETIME(DATE(DATETIME(d, TIME '10:00:00')), TIME '11:00:00')), TIME '12:00:00')",
     datetime.datetime(2025, 1, 2, 12, 0), "bq_d"),
    # 03:04:05 UTC is 08:34:05 in Kolkata (+05:30) and 22:04:05 the day before in New York
    ("STRING(TIMESTAMP(STRING(TIMESTAMP(STRING(ts, 'America/New_York')), 'Asia/Kolkata')), 'America/New_York')",
     "2025-01-01 22:04:05-05", "bq_s"),
    ("FORMAT_TIMESTAMP('%H:%M', TIMESTAMP(STRING(TIMESTAMP(STRING(ts, 'America/New_York')), 'Asia/Kolkata')))",
     "03:04", "bq_f"),
    ("INT64(PARSE_JSON(CAST(INT64(PARSE_JSON(CAST(INT64(JSON '7') AS STRING))) AS STRING)))", 7, "bq_v"),
])
def test_a_large_inner_value_is_bound_once_and_gives_bigquerys_value(typed: DuckDBClient, expression: str,
                                                                      value: object, parameter: str) -> None:
    sql = f"SELECT {expression} FROM ds.t"
    written = sql_translate._translate(sql, {}).statements[0].sql
    assert f"LAMBDA {parameter}" in written  # the binding ran
    assert one(typed, sql) == value


@pytest.mark.parametrize(("expression", "written", "not_written"), [
    ("CAST(CAST(s AS TIMESTAMP) AS DATE)", "Bad timestamp value", "Bad date value"),
    ("CAST((CAST(s AS DATE)) AS TIMESTAMP)", "Bad date value", "Bad timestamp value"),
    # the inner cast is a rewritten one (its template): still a DATE
    ("CAST(CAST(CAST(s AS STRING) AS DATE) AS TIMESTAMP)", "Bad date value", "Bad timestamp value"),
])
def test_a_date_cast_of_a_value_that_is_never_text_writes_no_text_check(expression: str, written: str,
                                                                         not_written: str) -> None:
    """The text branch of a cast to DATE / TIMESTAMP can never run for a value that is already one
    (``typeof`` is not VARCHAR); written anyway, each nesting level copied the value into it."""
    sql = sql_translate._translate(f"SELECT {expression} FROM ds.t", {}).statements[0].sql
    assert written in sql
    assert not_written not in sql


@pytest.mark.parametrize(("expression", "value"), [
    ("SAFE_CAST(SAFE_CAST(s AS DATE) AS STRING)", None),
    ("SAFE_CAST(CAST(s AS STRING) AS TIMESTAMP)", None),
    ("CAST(SAFE_CAST(s AS DATE) AS STRING)", None),
    # the canonical shape but no such day or hour: NULL (the cast itself is the safe one)
    ("SAFE_CAST(CONCAT('2025-02-', '30') AS DATE)", None),
    ("SAFE_CAST(CONCAT('2025-02-28 25', ':00:00') AS TIMESTAMP)", None),
    ("SAFE_CAST(CONCAT('2025-02-30 10', ':00:00') AS DATETIME)", None),
])
def test_a_safe_cast_inside_a_cast_gives_null_for_a_bad_text(typed: DuckDBClient, expression: str,
                                                              value: object) -> None:
    assert one(typed, f"SELECT {expression} FROM ds.t") == value



# --- The calls that still multiplied the SQL per level at stop 37 (stop 38) ----------------------
#
# A rewrite that writes an argument in several places (the floating-point checks of POW, ACOS,
# COSH ...; the division-by-zero guard; the TIMESTAMP-to-TIME cast), and sqlglot's DuckDB
# writer for GREATEST / LEAST (NULL for any NULL argument) and LENGTH (STRING or BYTES), wrote
# the call inside it that many times: eight deep, POW was 94 KB of SQL, LENGTH 305 KB, and
# each level more doubled (tripled) it. Such an argument is now bound once.

#: The calls (``X`` the level inside) and, eight deep, their SQL at stop 37's end.
MULTIPLIED_AT_STOP_37 = (
    "POW(X, 2)", "POW(2, X)", "SAFE.POW(X, 2)", "ACOS(X)", "COSH(X)", "2 / (X)", "CAST(X AS TIME)", "TIME(X)",
    "FORMAT_TIME('%H', X)", "GREATEST(X, 1)", "LEAST(1, X)", "LENGTH(X)",
)


@pytest.mark.parametrize("call", MULTIPLIED_AT_STOP_37)
def test_eight_deep_each_level_adds_about_what_the_level_before_added(call: str) -> None:
    sizes, steps = _sizes_per_level(call, 8)
    assert steps[-1] <= 1.1 * steps[-2] + 50, f"text per level: {sizes}"
    assert sizes[-1] < 8 * (sizes[0] + 700), f"eight deep: {sizes}"


@pytest.mark.parametrize(("expression", "value", "parameter"), [
    ("GREATEST(LEAST(GREATEST(i, 5), 4), 1)", 4, "bq_w"),
    ("GREATEST(LEAST(GREATEST(i, 5), 4), NULL)", None, "bq_w"),  # NULL for any NULL argument
    ("LEAST(GREATEST(LEAST(GREATEST(f, 1), 2), 1.5), 1.75)", 1.75, "bq_w"),
    ("LENGTH(CAST(LENGTH(CAST(LENGTH(s) AS STRING)) AS STRING))", 1, "bq_w"),
    ("1 / (2 / (4 / (8 / f)))", 0.625, "bq_dv"),
    ("POW(POW(POW(i, 2), 2), 2)", 6561.0, "bq_fp"),
    ("SAFE.POW(SAFE.POW(SAFE.POW(i, 2), 2), -1)", 1 / 81, "bq_fp"),
    ("COSH(COSH(COSH(i - 3)))", 2.4463520074491623, "bq_fp"),  # cosh(cosh(1))
    ("CAST(CAST(CAST(ts AS TIME) AS TIME) AS TIME)", datetime.time(3, 4, 5), "bq_tm"),  # UTC's time of day
    ("TIME(TIME(TIME(ts)))", datetime.time(3, 4, 5), "bq_tm"),
    ("FORMAT_TIME('%H', PARSE_TIME('%H', FORMAT_TIME('%H', TIME(ts))))", "03", "bq_tm"),
    # INITCAP names its argument three times, and sqlglot's writer parses that SQL back: nested,
    # or of a value written with a lambda, it was "Cannot translate the query for DuckDB"
    ("INITCAP(INITCAP(INITCAP(CONCAT('ab cd-', s))))", "Ab Cd-Abc", "bq_w"),
    ("INITCAP(CONCAT('x ', STRING(ts, 'America/New_York')))", "X 2025-01-01 22:04:05-05", "bq_w"),
])
def test_a_bound_argument_gives_bigquerys_value(typed: DuckDBClient, expression: str, value: object,
                                                 parameter: str) -> None:
    sql = f"SELECT {expression} FROM ds.t"
    assert f"LAMBDA {parameter}" in sql_translate._translate(sql, {}).statements[0].sql  # the binding ran
    assert one(typed, sql) == value


@pytest.mark.parametrize(("expression", "written"), [
    ("GREATEST(i, 1)", "CASE WHEN i IS NULL OR 1 IS NULL THEN NULL ELSE GREATEST(i, 1) END"),
    ("LENGTH(s)", "CASE TYPEOF(s) WHEN 'BLOB' THEN OCTET_LENGTH(CAST(s AS BLOB)) ELSE LENGTH(CAST(s AS TEXT)) END"),
    ("1 / f", "1 / (CASE WHEN f = 0 THEN ERROR('division by zero: 1 / f') ELSE f END)"),
    # DuckDB's own GREATEST and LENGTH of a list, which the APPROX_QUANTILES template writes
    ("APPROX_QUANTILES(i, 2)", "s[GREATEST(1, (i * LENGTH(s) + 2 - 1) // 2)]"),
])
def test_a_small_argument_is_written_as_it_was(expression: str, written: str) -> None:
    """Only a large argument, or one holding a call written twice, is bound: the SQL of the
    common case is unchanged (no lambda is added)."""
    sql = sql_translate._translate(f"SELECT {expression} FROM ds.t", {}).statements[0].sql
    assert written in sql
    assert not re.search(r"LAMBDA (bq_w|bq_dv|bq_fp|None)", sql)


def test_a_call_written_twice_is_bound_after_a_call_that_is_not() -> None:
    """``LENGTH('abc')`` (a literal's length: written once) comes first, innermost; the GREATEST
    holding another GREATEST after it is still bound."""
    sql = sql_translate._translate("SELECT GREATEST(GREATEST(i, 2), 3 + LENGTH('abc')) FROM ds.t", {}).statements[0].sql
    assert "LAMBDA bq_w0_0" in sql


def _text_macro_calls(sql: str) -> list[exp.Expression]:
    import sqlglot

    return [node for node in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Anonymous)
            if node.name == "bq_text" and isinstance(node.parent, exp.Dot)]


@pytest.mark.parametrize(("call", "column", "value"), [
    ("LENGTH(CAST(X AS STRING))", "s", 1),  # LENGTH('3'), then LENGTH('1') ...
    ("CAST(CAST(X AS STRING) AS INT64) + 1", "i", 8),  # 3 + 5
    ("CONCAT(CAST(X AS STRING), 'a')", "s", "abcaaaaa"),
])
def test_a_cast_to_string_inside_another_is_bound_not_expanded_by_duckdb(typed: DuckDBClient, call: str, column: str,
                                                                        value: object) -> None:
    """``CAST(x AS STRING)`` is the warehouse's DuckDB macro ``bq_text``, whose body names its
    argument ten times: DuckDB writes the argument into each when it binds the query, so a cast
    inside another's argument grew the bound query tenfold per level (five levels of
    ``LENGTH(CAST(... AS STRING))``: 20 s; six: minutes). Such an argument is bound once: no
    macro call's argument holds another, and five levels run at once."""
    expression = column
    for _ in range(5):
        expression = call.replace("X", expression)
    sql = f"SELECT {expression} FROM ds.t"
    written = sql_translate._translate(sql, {}).statements[0].sql
    calls = _text_macro_calls(written)
    assert len(calls) >= 5  # (other rewrites write some too: the error messages)
    held = [inner for call_ in calls for argument in call_.expressions for inner in argument.walk()
            if isinstance(inner, exp.Anonymous) and inner.name == "bq_text"]
    assert not held, "a macro call's argument holds another"
    assert one(typed, sql) == value


def test_a_cast_to_string_of_a_plain_value_is_the_macro_call_alone() -> None:
    """A value with no macro call inside (a column, a sum, a struct's field, the division
    guard's ``error(...)`` call) is the macro's argument as it is."""
    written = sql_translate._translate("SELECT CAST(i AS STRING), CAST(i + 1 AS STRING), CAST(STRUCT(i AS a).a AS STRING), "
                                       "CAST(1 / i AS STRING) FROM ds.t", {}).statements[0].sql
    assert "LAMBDA" not in written
    assert len(_text_macro_calls(written)) == 4


@pytest.mark.parametrize("outer", ["CAST(X AS INT64)", "SAFE_CAST(X AS INT64)", "CAST(X AS BOOL)", "INT64(X)"])
@pytest.mark.parametrize("inner", ["DATETIME(x, TIME '10:00:00')", "TIMESTAMP(x, 'America/New_York')"])
def test_a_call_a_later_pass_writes_out_is_bound_not_copied(outer: str, inner: str) -> None:
    """The casts to INT64 and BOOL are rewritten before DATETIME and TIMESTAMP are (each of those
    kilobytes of SQL): the cast's template copied the call eleven times and each copy was then
    written out, ``CAST(DATETIME(x, t) AS INT64)`` 258 KB. Random mixes of five calls (3,000 run)
    took up to 3.75 s, most of it translating statements the rules then refuse. The call is now
    bound once: the statement is about the inner call's size plus the cast's."""
    alone = len(sql_translate._translate(f"SELECT {inner} FROM ds.t", {}).statements[0].sql)
    nested = len(sql_translate._translate(f"SELECT {outer.replace('X', inner)} FROM ds.t", {}).statements[0].sql)
    assert nested < alone + 5000, (alone, nested)


def test_initcap_of_a_column_is_written_as_sqlglot_writes_it() -> None:
    sql = sql_translate._translate("SELECT INITCAP(s) FROM ds.t", {}).statements[0].sql
    assert "bq_w" not in sql and "REGEXP_EXTRACT_ALL(s, " in sql


@pytest.mark.parametrize(("call", "cast", "value"), [
    ("POW(X, 2)", "CAST(CONCAT('1', '2') AS INT64)", 144.0),
    ("FORMAT_DATE('%Y', X)", "CAST(CONCAT('2025-01-0', '2') AS DATE)", "2025"),
    ("ACOS(X)", "CAST(CONCAT('0', '') AS INT64)", 1.5707963267948966),
])
def test_a_cast_a_later_pass_checks_is_bound_and_gives_bigquerys_value(typed: DuckDBClient, call: str, cast: str,
                                                                       value: object) -> None:
    """A cast to INT64 / DATE ... is checked by a later pass (a text branch each); the floating
    point checks and the format elements, earlier, wrote it several times, and each copy was
    then written out. It is bound once: its text checks appear as often as in the cast alone."""
    sql = f"SELECT {call.replace('X', cast)} FROM ds.t"
    written = sql_translate._translate(sql, {}).statements[0].sql
    alone = sql_translate._translate(f"SELECT {cast} FROM ds.t", {}).statements[0].sql
    assert re.search(r"LAMBDA bq_(fp|v|f)", written), written[:300]
    assert written.count("REGEXP_MATCHES") == alone.count("REGEXP_MATCHES")
    assert one(typed, sql) == value
