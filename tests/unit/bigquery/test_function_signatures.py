"""The string, mathematical and statistical functions take the argument types of their GoogleSQL
signatures (``shared_services/bigquery/function_signatures.py``: ZetaSQL's registrations and the
reference pages), by the conversion rules' coercions ("String literals don't coerce to numeric
types"; INT64 coerces to NUMERIC and FLOAT64; a FLOAT64 literal to NUMERIC).

Until stop 36 DuckDB decided: it ran ``SUBSTR(name, '2')``, ``LPAD(s, 5.0)``, ``POW(2, '3')``,
``TRUNC(x, '1')``, ``VAR_POP('1')`` and ``TO_HEX(text)``, which BigQuery refuses, and refused
``SQRT('4')`` as "No function matches ... 'isfinite(STRING_LITERAL)'". A call BigQuery takes
still runs, with its value.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery import function_signatures
from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (i INT64, f FLOAT64, n NUMERIC, s STRING, b BOOL, d DATE, bt BYTES, j JSON, "
            "a ARRAY<INT64>)").result()
    c.query("INSERT INTO ds.t VALUES (3, 2.5, NUMERIC '1.5', 'abc', TRUE, DATE '2025-01-02', b'xy', "
            "JSON '{\"lunch\": \"soup\"}', [1, 2])").result()
    yield c
    c.close()


def _refusal(client: DuckDBClient, sql: str, **params: object) -> str:
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter(name, "INT64" if isinstance(value, int) else "STRING", value)
        for name, value in params.items()]) if params else None
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(sql, job_config=config).result()
    return str(raised.value.message)


#: Calls DuckDB ran (with a value) and BigQuery refuses: the message names the types and the
#: signatures.
RAN_HERE = [
    ("SUBSTR(s, '2')", "function SUBSTR for argument types: STRING, STRING. Supported signatures: "
                       "SUBSTR(STRING, INT64, [INT64]); SUBSTR(BYTES, INT64, [INT64])"),
    ("SUBSTRING(s, '1')", "function SUBSTRING for argument types: STRING, STRING."),
    ("SAFE.SUBSTR(s, '1')", "function SUBSTR for argument types: STRING, STRING."),  # SAFE. is no analysis escape
    ("LEFT(s, '2')", "function LEFT for argument types: STRING, STRING. Supported signatures: LEFT(STRING, INT64); "
                     "LEFT(BYTES, INT64)"),
    ("REPEAT(s, '2')", "function REPEAT for argument types: STRING, STRING."),
    ("LPAD(s, '5')", "function LPAD for argument types: STRING, STRING."),
    ("LPAD(s, 5.0)", "function LPAD for argument types: STRING, FLOAT64."),  # a FLOAT64 literal is no INT64
    ("LPAD(s, f)", "function LPAD for argument types: STRING, FLOAT64."),
    ("POW(2, '3')", "function POW for argument types: INT64, STRING. Supported signatures: POW(FLOAT64, FLOAT64); "
                    "POW(NUMERIC, NUMERIC); POW(BIGNUMERIC, BIGNUMERIC)"),
    ("ROUND(f, '1')", "function ROUND for argument types: FLOAT64, STRING."),
    # "If you set the rounding_mode and X isn't a NUMERIC or BIGNUMERIC type, then the function
    # generates an error" (mathematical functions, ROUND): a FLOAT64 literal is no NUMERIC here
    ("ROUND(f, 0, 'ROUND_HALF_EVEN')", "function ROUND for argument types: FLOAT64, INT64, STRING."),
    ("ROUND(2.5, 0, 'ROUND_HALF_EVEN')", "function ROUND for argument types: FLOAT64, INT64, STRING."),
    # an INT64 coerces to NUMERIC and BIGNUMERIC, but neither signature has a NUMERIC / BIGNUMERIC argument
    ("ROUND(i, 0, 'ROUND_HALF_EVEN')", "function ROUND for argument types: INT64, INT64, STRING."),
    ("TRUNC(f, '1')", "function TRUNC for argument types: FLOAT64, STRING."),
    ("ATAN2(f, '2')", "function ATAN2 for argument types: FLOAT64, STRING. Supported signature: "
                      "ATAN2(FLOAT64, FLOAT64)"),
    ("IEEE_DIVIDE(f, '2')", "function IEEE_DIVIDE for argument types: FLOAT64, STRING."),
    ("REGEXP_EXTRACT(s, 'a', '1')", "function REGEXP_EXTRACT for argument types: STRING, STRING, STRING."),
    ("REGEXP_INSTR(s, 'a', '1')", "function REGEXP_INSTR for argument types: STRING, STRING, STRING."),
    ("TO_HEX(s)", "function TO_HEX for argument types: STRING. Supported signature: TO_HEX(BYTES)"),
    ("CHR('65')", "function CHR for argument types: STRING. Supported signature: CHR(INT64)"),
    ("STDDEV('1')", "aggregate function STDDEV for argument types: STRING. Supported signatures: STDDEV(NUMERIC); "
                    "STDDEV(BIGNUMERIC); STDDEV(FLOAT64)"),
    ("VAR_POP('1')", "aggregate function VAR_POP for argument types: STRING."),
    ("COVAR_POP(i, '1')", "aggregate function COVAR_POP for argument types: INT64, STRING."),
]

#: Calls DuckDB refused naming its own functions (``isfinite``, ``regexp_matches``, ``str_split``):
#: now in BigQuery's words, with the function as written.
DUCKDB_WORDS = [
    ("SQRT('4')", "function SQRT for argument types: STRING."),
    ("CEIL('1.5')", "function CEIL for argument types: STRING."),
    ("LOG10('2')", "function LOG10 for argument types: STRING."),
    ("LOG(f, '2')", "function LOG for argument types: FLOAT64, STRING."),
    ("REGEXP_CONTAINS(5, 'a')", "function REGEXP_CONTAINS for argument types: INT64, STRING."),
    ("STARTS_WITH(s, bt)", "function STARTS_WITH for argument types: STRING, BYTES."),
    ("UPPER(i)", "function UPPER for argument types: INT64. Supported signatures: UPPER(STRING); UPPER(BYTES)"),
    ("LOWER(j)", "function LOWER for argument types: JSON."),
    ("SPLIT(s, 1)", "function SPLIT for argument types: STRING, INT64."),
    ("INITCAP(s, 1)", "function INITCAP for argument types: STRING, INT64."),
    ("TRIM(bt)", "function TRIM for argument types: BYTES."),  # BYTES have no one-argument TRIM
    ("ABS(b)", "function ABS for argument types: BOOL."),
    ("SAFE_DIVIDE(s, 2)", "function SAFE_DIVIDE for argument types: STRING, INT64."),
    ("REPLACE(s, 'a', 1)", "function REPLACE for argument types: STRING, STRING, INT64."),
    ("ASCII(d)", "function ASCII for argument types: DATE."),
    ("IS_INF(s)", "function IS_INF for argument types: STRING."),
    ("STDDEV(b)", "aggregate function STDDEV for argument types: BOOL."),
    # CHAR_LENGTH counts the characters of a STRING (ZetaSQL registers no BYTES signature)
    ("CHAR_LENGTH(bt)", "function CHAR_LENGTH for argument types: BYTES. Supported signature: CHAR_LENGTH(STRING)"),
    ("OCTET_LENGTH(i)", "function OCTET_LENGTH for argument types: INT64."),
]


#: Calls BigQuery takes, through the coercions it makes, with their values.
TAKEN = [
    ("SUBSTR(s, i - 1, 2)", "bc"),                 # INT64 expressions
    ("SUBSTR(s, 2)", "bc"),
    ("LPAD(s, 5, '-')", "--abc"),
    ("SPLIT(s, ',')", ["abc"]),
    ("SPLIT(s)", ["abc"]),
    ("POW(i, 2)", 9.0),                           # INT64 -> FLOAT64
    ("LOG(f * 4, 10)", 1.0),
    ("IEEE_DIVIDE(i, 2)", 1.5),
    ("IS_NAN(i)", False),                         # INT64 -> FLOAT64
    ("IS_NAN(n)", False),                         # NUMERIC -> FLOAT64
    ("SQRT(i + 1)", 2.0),
    ("UPPER(NULL)", None),                        # an untyped NULL fits any signature
    ("CHR(65)", "A"),
    ("TO_HEX(bt)", "7879"),
    ("REGEXP_EXTRACT(s, 'b.', 1)", "bc"),
    ("LENGTH(SUBSTR(s, 1))", 3),
    ("LEFT(s, LENGTH(s) - 1)", "ab"),             # LENGTH - 1 is an INT64
    ("CONTAINS_SUBSTR(j, 'soup')", True),         # sqlglot's own LOWER(j) inside is not a call written
]


def test_numeric_arguments_take_the_numeric_signatures(client: DuckDBClient) -> None:
    """``POW(numeric, 2)`` coerces the 2 to NUMERIC; ``ROUND(numeric, 0, mode)`` has its signature;
    ``POW(numeric, float64)`` takes the FLOAT64 one (NUMERIC coerces to FLOAT64, not back)."""
    assert one(client, "SELECT ROUND(n, 0, 'ROUND_HALF_EVEN') FROM ds.t") == 2
    assert one(client, "SELECT POW(n, 2) FROM ds.t") == 2.25
    assert one(client, "SELECT POW(n, f) FROM ds.t") == pytest.approx(1.5 ** 2.5)
    assert one(client, "SELECT CORR(i, f) FROM ds.t") is None  # one row: no correlation


def test_the_result_type_of_a_call_is_checked_where_it_is_used(client: DuckDBClient) -> None:
    """A call's result type is its signature's: ROUND(FLOAT64) is a FLOAT64 (no INT64 for LEFT),
    SUBSTR a STRING (no comparison with an INT64), STRPOS an INT64, POW(NUMERIC, INT64) a NUMERIC
    (MOD takes it)."""
    assert _refusal(client, "SELECT LEFT(s, ROUND(f)) FROM ds.t").startswith(
        "No matching signature for function LEFT for argument types: STRING, FLOAT64.")
    assert _refusal(client, "SELECT x FROM (SELECT SUBSTR(s, 1) AS x FROM ds.t) WHERE x = 1").startswith(
        "No matching signature for operator = for argument types: STRING, INT64")
    assert _refusal(client, "SELECT 1 FROM ds.t WHERE STRPOS(s, 'b') = 'x'").startswith(
        "No matching signature for operator = for argument types: INT64, STRING")
    assert one(client, "SELECT MOD(i, POW(n, 2)) FROM ds.t") == 0.75
    # SPLIT is an ARRAY: "Equality is not defined for arguments of type ARRAY" (DuckDB compared lists)
    assert _refusal(client, "SELECT SPLIT(s) = ['abc'] FROM ds.t") == "Equality is not defined for arguments of type ARRAY"
    assert one(client, "SELECT STRPOS(s, 'b') > 0 FROM ds.t") is True


def test_the_result_type_is_the_closest_signatures(client: DuckDBClient) -> None:
    """The signature taking the arguments with the fewest coercions gives the type, coerced
    columns counting before coerced literals (ZetaSQL's IsCloserMatchThan): POW(NUMERIC, 2) and
    POW(NUMERIC, 2.5) are NUMERICs (a literal coerced, not the column), SIGN(INT64) an INT64;
    with an argument of unknown type, the one return type every fitting signature shares."""
    for call in ("POW(n, 2)", "POW(n, 2.5)"):
        assert _refusal(client, f"SELECT LEFT(s, {call}) FROM ds.t").startswith(
            "No matching signature for function LEFT for argument types: STRING, NUMERIC.")
    assert _refusal(client, "SELECT LEFT(s, POW(f, 2)) FROM ds.t").startswith(
        "No matching signature for function LEFT for argument types: STRING, FLOAT64.")
    assert one(client, "SELECT LEFT(s, SIGN(i)) FROM ds.t") == "a"
    assert _refusal(client, "SELECT 1 FROM ds.t WHERE STRPOS(NULL, 'b') = 'x'").startswith(
        "No matching signature for operator = for argument types: INT64, STRING")


def test_every_call_is_checked_and_the_message_names_null_and_unknown_arguments(client: DuckDBClient) -> None:
    """A call that fits does not end the walk; an untyped NULL is NULL in the message, an argument
    whose type is not read is ANY (its position is not refused)."""
    assert _refusal(client, "SELECT SUBSTR(s, 1), SUBSTR(s, '2') FROM ds.t").startswith(
        "No matching signature for function SUBSTR for argument types: STRING, STRING.")
    assert _refusal(client, "SELECT SUBSTR(NULL, '2') FROM ds.t").startswith(
        "No matching signature for function SUBSTR for argument types: NULL, STRING.")
    assert _refusal(client, "SELECT SUBSTR(TO_JSON_STRING(s), '2') FROM ds.t").startswith(
        "No matching signature for function SUBSTR for argument types: ANY, STRING.")


def test_parameters_are_typed_by_their_declared_type(client: DuckDBClient) -> None:
    """An INT64 parameter is a position; a STRING one is not ("Query parameter coercion" makes a
    STRING parameter a DATE, DATETIME, TIME or TIMESTAMP only)."""
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("p", "INT64", 2)])
    (row,) = client.query("SELECT SUBSTR(s, @p) FROM ds.t", job_config=config).result()
    assert row[0] == "bc"
    assert _refusal(client, "SELECT SUBSTR(s, @p) FROM ds.t", p="2").startswith(
        "No matching signature for function SUBSTR for argument types: STRING, STRING.")


def test_every_function_of_the_table_is_found_in_its_parse() -> None:
    """Each function of the table parses into a shape :func:`call_arguments` knows (a sqlglot
    upgrade that parses one otherwise makes this fail, not the check go quiet)."""
    named = {shape[0] for shapes in function_signatures._shapes().values() for shape in shapes}
    assert named == set(function_signatures.SIGNATURES)


def test_functions_sharing_a_parse_have_the_same_signatures_at_that_arity() -> None:
    """A call whose name the parse does not keep is named by its class: sound only if every
    function parsing into that class and places takes the same types there."""
    for shapes in function_signatures._shapes().values():
        arity = len(shapes[0][1])
        takes = {tuple(sorted({s.params[:arity] for s in function_signatures.SIGNATURES[name] if s.takes(arity)}))
                 for name, places, _constants, _named in shapes if len(places) == arity}
        assert len(takes) == 1, [shape[0] for shape in shapes]


@pytest.mark.parametrize("call", ["DIV(n, 2)", "DIV(NUMERIC '7', NUMERIC '2')", "DIV(i, n)",
                                  "DIV(CAST(7 AS BIGNUMERIC), 2)"])
def test_div_of_numeric_values_is_refused_not_divided_as_float64(client: DuckDBClient, call: str) -> None:
    """DuckDB's integer division of DECIMALs divides them as FLOAT64: ``DIV(NUMERIC '7', 2)`` was
    3.5 and ``DIV(n, 2)`` of 1.5 was 0.75 (BigQuery: 3 and 0, NUMERIC). Refused as not emulated
    until an exact decimal division is written; INT64 arguments divide as before."""
    assert _refusal(client, f"SELECT {call} FROM ds.t") == (
        "DIV of NUMERIC or BIGNUMERIC values is not emulated by the embedded warehouse (its engine divides "
        "decimals as FLOAT64: DIV(NUMERIC '7', 2) would be 3.5, BigQuery's is 3); cast the arguments to INT64, "
        "or run the query on BigQuery")


@pytest.mark.parametrize(("call", "value"), [("DIV(7, 2)", 3), ("DIV(-7, 2)", -3), ("DIV(i, 2)", 1),
                                             ("DIV(CAST(n AS INT64), 2)", 1)])
def test_div_of_int64_values_truncates_towards_zero(client: DuckDBClient, call: str, value: int) -> None:
    assert one(client, f"SELECT {call} FROM ds.t") == value


#: JSON and array functions DuckDB ran with arguments BigQuery has no signature for.
JSON_AND_ARRAYS = [
    ("JSON_VALUE(i)", "function JSON_VALUE for argument types: INT64, STRING. Supported signatures: "
                      "JSON_VALUE(STRING, [STRING]); JSON_VALUE(JSON, [STRING])"),
    ("JSON_QUERY(i, '$')", "function JSON_QUERY for argument types: INT64, STRING."),
    ("JSON_EXTRACT_SCALAR(j, i)", "function JSON_EXTRACT_SCALAR for argument types: JSON, INT64."),
    ("PARSE_JSON(i)", "function PARSE_JSON for argument types: INT64. Supported signature: PARSE_JSON(STRING)"),
    ("JSON_TYPE(s)", "function JSON_TYPE for argument types: STRING."),
    ("ARRAY_LENGTH(s)", "function ARRAY_LENGTH for argument types: STRING."),
    ("ARRAY_TO_STRING(a, 1)", "function ARRAY_TO_STRING for argument types: ARRAY, INT64."),
    ("ARRAY_REVERSE(s)", "function ARRAY_REVERSE for argument types: STRING."),
    ("GENERATE_ARRAY(1, '3')", "function GENERATE_ARRAY for argument types: INT64, STRING."),
]


JSON_AND_ARRAYS_TAKEN = [
    ("JSON_VALUE(j, '$.lunch')", "soup"),
    ("JSON_VALUE(TO_JSON_STRING(j), '$.lunch')", "soup"),
    ("JSON_TYPE(j)", "object"),
    ("ARRAY_LENGTH(a)", 2),
    ("ARRAY_LENGTH(SPLIT(s))", 1),
    ("ARRAY_TO_STRING(SPLIT('a,b'), '-')", "a-b"),
    ("GENERATE_ARRAY(1, 3)", [1, 2, 3]),
    ("LENGTH(JSON_VALUE(j, '$.lunch'))", 4),   # JSON_VALUE is a STRING
]


#: Conversion functions and constructors DuckDB ran with arguments BigQuery has no signature for:
#: INT64 / FLOAT64 / BOOL convert a JSON value only; STRING takes a date or time value or a JSON.
CONVERSIONS = [
    ("FLOAT64(i)", "function FLOAT64 for argument types: INT64. Supported signature: FLOAT64(JSON)"),
    ("INT64(s)", "function INT64 for argument types: STRING. Supported signature: INT64(JSON)"),
    ("BOOL(s)", "function BOOL for argument types: STRING. Supported signature: BOOL(JSON)"),
    ("STRING(i)", "function STRING for argument types: INT64. Supported signatures: STRING(TIMESTAMP, [STRING]); "
                  "STRING(DATE); STRING(TIME); STRING(DATETIME); STRING(JSON)"),
    ("STRING(s)", "function STRING for argument types: STRING."),
    ("DATE(2025, 1, '2')", "function DATE for argument types: INT64, INT64, STRING."),
    ("TIME(1, 2, '3')", "function TIME for argument types: INT64, INT64, STRING."),
]


CONVERSIONS_TAKEN = [
    ("INT64(JSON '3')", 3),
    ("BOOL(JSON 'true')", True),
    ("STRING(d)", "2025-01-02"),
    ("STRING('2025-01-02 03:04:05+00')", "2025-01-02 03:04:05+00"),   # the literal is a TIMESTAMP
    ("DATE(2025, 1, 2)", datetime.date(2025, 1, 2)),
    ("DATE(d)", datetime.date(2025, 1, 2)),              # another form, not checked here
]

#: Every refusal above, and every call that runs with its value.
REFUSED = RAN_HERE + DUCKDB_WORDS + JSON_AND_ARRAYS + CONVERSIONS
RUN = TAKEN + JSON_AND_ARRAYS_TAKEN + CONVERSIONS_TAKEN


@pytest.mark.parametrize(("call", "message"), REFUSED, ids=[call for call, _ in REFUSED])
def test_a_call_no_signature_takes_is_refused_in_bigquerys_words(client: DuckDBClient, call: str,
                                                                  message: str) -> None:
    assert _refusal(client, f"SELECT {call} FROM ds.t").startswith(f"No matching signature for {message}")


@pytest.mark.parametrize(("call", "value"), RUN, ids=[call for call, _ in RUN])
def test_a_call_bigquery_takes_runs_with_its_value(client: DuckDBClient, call: str, value: object) -> None:
    assert one(client, f"SELECT {call} FROM ds.t") == value


@pytest.mark.parametrize(("call", "message"), [
    ("BIT_AND(f)", "aggregate function BIT_AND for argument types: FLOAT64. Supported signature: BIT_AND(INT64)"),
    ("BIT_OR(s)", "aggregate function BIT_OR for argument types: STRING."),
    ("BIT_COUNT(s)", "function BIT_COUNT for argument types: STRING. Supported signatures: BIT_COUNT(INT64); "
                     "BIT_COUNT(BYTES)"),
    ("EDIT_DISTANCE(s, 1)", "function EDIT_DISTANCE for argument types: STRING, INT64."),
])
def test_bit_functions_and_edit_distance_take_their_signatures_types(client: DuckDBClient, call: str,
                                                                     message: str) -> None:
    """DuckDB refused these in its own words (``bit_and(DOUBLE)``, ``levenshtein``); BIT_XOR of an
    INT64 and EDIT_DISTANCE of two STRINGs run."""
    assert _refusal(client, f"SELECT {call} FROM ds.t").startswith(f"No matching signature for {message}")
    assert one(client, "SELECT BIT_XOR(i) FROM ds.t") == 3
    assert one(client, "SELECT EDIT_DISTANCE(s, 'abd') FROM ds.t") == 1


@pytest.mark.parametrize(("source", "kind"), [("s", "STRING"), ("i", "INT64"), ("j", "JSON")])
def test_extract_reads_a_part_from_a_date_time_or_interval_only(client: DuckDBClient, source: str,
                                                                 kind: str) -> None:
    """DuckDB said "date_part(STRING_LITERAL, VARCHAR)"; ZetaSQL's signatures and message."""
    assert _refusal(client, f"SELECT EXTRACT(YEAR FROM {source}) FROM ds.t") == (
        f"No matching signature for function EXTRACT for argument types: DATE_TIME_PART FROM {kind}. Supported "
        "signatures: EXTRACT(DATE_TIME_PART FROM DATE); EXTRACT(DATE_TIME_PART FROM TIMESTAMP [AT TIME ZONE "
        "STRING]); EXTRACT(DATE_TIME_PART FROM DATETIME); EXTRACT(DATE_TIME_PART FROM TIME); "
        "EXTRACT(DATE_TIME_PART FROM INTERVAL)")
    assert one(client, "SELECT EXTRACT(YEAR FROM d) FROM ds.t") == 2025
    assert one(client, "SELECT EXTRACT(DAY FROM INTERVAL 3 DAY)") == 3


def test_a_string_literal_a_signature_reads_as_a_timestamp_must_be_one(client: DuckDBClient) -> None:
    """STRING('x') takes STRING(TIMESTAMP) by literal coercion, which BigQuery evaluates when it
    analyses the query ("Literal conversion is evaluated at analysis time, and gives an error if
    the input literal can't be converted", conversion rules). DuckDB returned 'x'."""
    assert _refusal(client, "SELECT STRING('x')") == 'Could not cast literal "x" to type TIMESTAMP'
    assert one(client, "SELECT STRING('2025-01-02 03:04:05+00')") == "2025-01-02 03:04:05+00"
