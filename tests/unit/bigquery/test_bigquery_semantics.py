"""Functions whose results DuckDB computes differently from BigQuery give BigQuery's results.

Each case is a value BigQuery documents (docs/bigquery-rules.md, "Results"), checked through
the embedded warehouse, beside what DuckDB itself gives for the same call, so a test fails
if the translation stops correcting it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


def one(client: DuckDBClient, sql: str) -> tuple[object, ...]:
    rows = [tuple(r.values()) for r in client.query(sql).result()]
    assert len(rows) == 1, rows
    return rows[0]


def duck(client: DuckDBClient, sql: str) -> tuple[object, ...]:
    return client._conn.raw.execute(sql).fetchone()


# Sunday 2025-01-05 is the year's first Sunday; 2025-01-04 a Saturday; 2025-01-06 a Monday.
def test_dayofweek_counts_from_1_on_sunday(client: DuckDBClient) -> None:
    # "DAYOFWEEK: Returns values in the range [1,7] with Sunday as the first day of the week."
    days = [dt.date(2025, 1, 5) + dt.timedelta(days=n) for n in range(7)]  # Sunday .. Saturday
    sql = "SELECT " + ", ".join(f"EXTRACT(DAYOFWEEK FROM DATE '{d}') AS d{i}" for i, d in enumerate(days))
    assert one(client, sql) == (1, 2, 3, 4, 5, 6, 7)
    assert one(client, "SELECT EXTRACT(DAYOFWEEK FROM TIMESTAMP '2025-01-05 23:30:00+00') AS d") == (1,)
    assert duck(client, "SELECT dayofweek(DATE '2025-01-05')") == (0,)  # DuckDB's own: from 0


def test_week_is_sunday_based_with_week_0_before_the_first_sunday(client: DuckDBClient) -> None:
    # "WEEK: Returns the week number of the date in the range [0, 53]. Weeks begin with Sunday,
    # and dates prior to the first Sunday of the year are in week 0."
    got = one(client, "SELECT EXTRACT(WEEK FROM DATE '2025-01-04') AS a, EXTRACT(WEEK FROM DATE '2025-01-05') AS b, "
                      "EXTRACT(WEEK FROM DATE '2025-01-11') AS c, EXTRACT(WEEK FROM DATE '2025-12-31') AS d, "
                      "EXTRACT(WEEK FROM DATE '2023-01-01') AS e")
    assert got == (0, 1, 1, 52, 1)  # 2023-01-01 is itself a Sunday
    assert duck(client, "SELECT week(DATE '2025-01-04')") == (1,)  # DuckDB's: the ISO week
    # WEEK(<WEEKDAY>): weeks begin on that day, the days before its first one in week 0.
    got = one(client, "SELECT EXTRACT(WEEK(MONDAY) FROM DATE '2025-01-05') AS a, "
                      "EXTRACT(WEEK(MONDAY) FROM DATE '2025-01-06') AS b, "
                      "EXTRACT(WEEK(SATURDAY) FROM DATE '2025-01-04') AS c, "
                      "EXTRACT(WEEK(WEDNESDAY) FROM DATE '2025-01-01') AS d")
    assert got == (0, 1, 1, 1)


def test_week_numbers_agree_with_pythons_sunday_and_monday_week_numbers(client: DuckDBClient) -> None:
    """``%U`` / ``%W`` are C's week-of-year with Sunday / Monday first, days before the first one
    in week 0: the same definition, from an independent implementation, over three years."""
    start = dt.date(2023, 1, 1)
    days = [start + dt.timedelta(days=n) for n in range(0, 3 * 366, 5)]
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ArrayQueryParameter("days", "DATE", days)])
    rows = [tuple(r.values()) for r in client.query(
        "SELECT d, EXTRACT(WEEK FROM d) AS w, EXTRACT(WEEK(MONDAY) FROM d) AS m FROM UNNEST(@days) AS d ORDER BY d",
        job_config=config).result()]
    assert rows == [(d, int(d.strftime("%U")), int(d.strftime("%W"))) for d in days]


def test_isoweek_is_the_iso_week(client: DuckDBClient) -> None:
    got = one(client, "SELECT EXTRACT(ISOWEEK FROM DATE '2025-12-29') AS a, EXTRACT(ISOWEEK FROM DATE '2025-01-05') AS b")
    assert got == (dt.date(2025, 12, 29).isocalendar().week, dt.date(2025, 1, 5).isocalendar().week) == (1, 1)


def test_float_to_int64_rounds_halfway_cases_away_from_zero(client: DuckDBClient) -> None:
    # "Halfway cases such as 1.5 or -0.5 round away from zero."
    rows = [r[0] for r in client.query(
        "SELECT CAST(x AS INT64) AS n FROM UNNEST([2.5, -2.5, 0.5, -0.5, 1.4, NULL]) AS x WITH OFFSET AS o "
        "ORDER BY o").result()]
    assert rows == [3, -3, 1, -1, 1, None]
    assert duck(client, "SELECT CAST(2.5::DOUBLE AS BIGINT), CAST(-2.5::DOUBLE AS BIGINT)") == (2, -2)  # to even
    assert one(client, "SELECT CAST(AVG(x) AS INT64) AS n FROM UNNEST([1, 2]) AS x") == (2,)
    assert one(client, "SELECT SAFE_CAST(x AS INT64) AS n FROM UNNEST([1e20]) AS x") == (None,)
    with pytest.raises(gexc.BadRequest, match="out of range"):  # CAST raises where SAFE_CAST gives NULL
        client.query("SELECT CAST(x AS INT64) AS n FROM UNNEST([1e20]) AS x").result()
    # another cast before it in the statement does not stop the rewrite
    assert one(client, "SELECT CAST(x AS STRING) AS s, CAST(x AS INT64) AS n FROM UNNEST([2.5]) AS x") == ("2.5", 3)


def test_a_string_that_is_not_an_integer_does_not_cast_to_int64(client: DuckDBClient) -> None:
    assert duck(client, "SELECT CAST('1.5' AS BIGINT)") == (2,)  # DuckDB rounds it
    with pytest.raises(gexc.BadRequest, match="Bad int64 value: 1.5"):
        client.query("SELECT CAST(s AS INT64) AS n FROM UNNEST(['12', '1.5']) AS s").result()
    rows = [r[0] for r in client.query(
        "SELECT SAFE_CAST(s AS INT64) AS n FROM UNNEST(['12', '-7', '1.5', 'x', '0x1A', NULL]) AS s WITH OFFSET AS o "
        "ORDER BY o").result()]
    assert rows == [12, -7, None, None, 26, None]
    assert one(client, "SELECT CAST(b AS INT64) AS n FROM UNNEST([TRUE]) AS b") == (1,)  # other types as before


def _python_trunc(day: dt.date, unit: str) -> dt.date:
    """DATE_TRUNC as BigQuery defines it, written independently in Python."""
    weekdays = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    if unit == "DAY":
        return day
    if unit == "MONTH":
        return day.replace(day=1)
    if unit == "QUARTER":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if unit == "YEAR":
        return day.replace(month=1, day=1)
    start = {"WEEK": "SUNDAY", "ISOWEEK": "MONDAY"}.get(unit) or unit[5:-1]  # WEEK(FRIDAY) -> FRIDAY
    return day - dt.timedelta(days=(day.weekday() - weekdays.index(start)) % 7)


_TRUNC_UNITS = ["DAY", "WEEK", "ISOWEEK", "WEEK(MONDAY)", "WEEK(WEDNESDAY)", "WEEK(SATURDAY)", "MONTH",
                "QUARTER", "YEAR"]


def test_date_trunc_of_a_date_is_a_date_at_every_granularity(client: DuckDBClient) -> None:
    # DATE_TRUNC(date, ...) "returns a DATE"; DuckDB's date_trunc returned a TIMESTAMP (a DATETIME here).
    assert duck(client, "SELECT typeof(date_trunc('month', DATE '2025-01-15'))") == ("TIMESTAMP",)
    days = [dt.date(1999, 12, 25) + dt.timedelta(days=n) for n in range(0, 400, 3)]
    select = ", ".join(f"DATE_TRUNC(d, {unit}) AS u{i}" for i, unit in enumerate(_TRUNC_UNITS))
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ArrayQueryParameter("days", "DATE", days)])
    job = client.query(f"SELECT d, {select} FROM UNNEST(@days) AS d ORDER BY d", job_config=config)
    assert {f.field_type for f in job.schema} == {"DATE"}
    rows = [tuple(r.values()) for r in job.result()]
    assert rows == [(d, *(_python_trunc(d, unit) for unit in _TRUNC_UNITS)) for d in days]


def test_date_trunc_of_a_timestamp_stays_a_timestamp(client: DuckDBClient) -> None:
    job = client.query("SELECT DATE_TRUNC(TIMESTAMP '2025-01-15 10:30:00+00', MONTH) AS m, "
                       "DATE_TRUNC(TIMESTAMP '2025-01-15 10:30:00+00', WEEK) AS w")
    assert [f.field_type for f in job.schema] == ["TIMESTAMP", "TIMESTAMP"]
    assert [tuple(r.values()) for r in job.result()] == [
        (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 1, 12, tzinfo=dt.UTC))]


def test_each_date_trunc_of_a_statement_is_rewritten(client: DuckDBClient) -> None:
    """One the rewrite leaves alone (ISOYEAR) does not stop the ones after it."""
    job = client.query("SELECT DATE_TRUNC(DATE '2025-01-15', ISOYEAR) AS y, DATE_TRUNC(DATE '2025-01-15', MONTH) AS m, "
                       "DATE_TRUNC(DATE '2025-01-15', WEEK(FRIDAY)) AS f")
    assert [f.field_type for f in job.schema][1:] == ["DATE", "DATE"]
    assert [tuple(r.values())[1:] for r in job.result()] == [(dt.date(2025, 1, 1), dt.date(2025, 1, 10))]


def test_substr_off_the_left_end_starts_at_1_and_a_negative_length_is_an_error(client: DuckDBClient) -> None:
    # A position of 0, or before -LENGTH(value), starts at position 1.
    assert duck(client, "SELECT substring('apple', 0, 2), substring('apple', -10, 2)") == ("a", "")  # DuckDB's
    got = one(client, "SELECT SUBSTR('apple', 0, 2) AS a, SUBSTR('apple', -10, 2) AS b, SUBSTR('apple', -2, 1) AS c, "
                      "SUBSTR('apple', 2, 2) AS d, SUBSTR('apple', 0) AS e, SUBSTR('apple', 6, 2) AS f, "
                      "SUBSTRING('apple', -5, 2) AS g")
    assert got == ("ap", "ap", "l", "pp", "apple", "", "ap")
    # a SUBSTR left as it was does not stop the next one; a length of 0 is the empty string
    assert one(client, "SELECT SUBSTR('apple', 2) AS a, SUBSTR('apple', 0, 2) AS b, SUBSTR('apple', 2, 0) AS c") == (
        "pple", "ap", "")
    rows = [r[0] for r in client.query(
        "SELECT SUBSTR('apple', p, 2) AS x FROM UNNEST([0, -10, 1, -1, NULL]) AS p WITH OFFSET AS o ORDER BY o").result()]
    assert rows == ["ap", "ap", "ap", "e", None]
    for length in ("-1", "l"):
        with pytest.raises(gexc.BadRequest, match="cannot be negative"):
            client.query(f"SELECT SUBSTR('apple', 2, {length}) AS x FROM UNNEST([-1]) AS l").result()


def test_timestamp_diff_counts_whole_intervals(client: DuckDBClient) -> None:
    # The documented example: 0 "because only the number of whole specified HOUR intervals are included".
    sql = "SELECT TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR) AS h"
    assert one(client, sql) == (0,)
    assert duck(client, "SELECT date_diff('hour', TIMESTAMP '2001-02-01 00:00:01', "
                        "TIMESTAMP '2001-02-01 01:00:00')") == (1,)  # DuckDB's boundaries
    got = one(client, "SELECT TIMESTAMP_DIFF(TIMESTAMP '2025-01-02 00:00:00+00', TIMESTAMP '2025-01-01 12:00:00+00', DAY) AS a, "
                      "TIMESTAMP_DIFF(TIMESTAMP '2025-01-01 12:00:00+00', TIMESTAMP '2025-01-02 00:00:00+00', DAY) AS b, "
                      "TIMESTAMP_DIFF(TIMESTAMP '2025-01-01 02:00:00+00', TIMESTAMP '2025-01-01 00:59:59+00', HOUR) AS c, "
                      "TIMESTAMP_DIFF(TIMESTAMP '2025-01-01 00:00:01.5+00', TIMESTAMP '2025-01-01 00:00:00+00', MILLISECOND) AS d, "
                      "TIMESTAMP_DIFF(TIMESTAMP '2025-01-01 00:01:00+00', TIMESTAMP '2025-01-01 00:00:00.000001+00', MINUTE) AS e")
    assert got == (0, 0, 1, 1500, 0)
    # "TIMESTAMP_DIFF(DATE, DATE, PART) behaves like DATE_DIFF(DATE, DATE, PART)": Sunday weeks.
    assert one(client, "SELECT TIMESTAMP_DIFF(DATE '2017-10-15', DATE '2017-10-14', WEEK) AS w, "
                       "TIMESTAMP_DIFF(DATE '2017-12-30', DATE '2014-12-30', YEAR) AS y") == (1, 3)
    # DATE_DIFF counts boundaries (Saturday -> Sunday is one WEEK), on both.
    assert one(client, "SELECT DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', WEEK) AS w, "
                       "DATE_DIFF(DATE '2017-12-30', DATE '2014-12-30', YEAR) AS y") == (1, 3)


@pytest.mark.parametrize("sql", ["SELECT 1 AS x; -- the end", "SELECT 1 AS x; /* done */", "SELECT 1 AS x;\n\n-- a\n-- b\n"])
def test_a_comment_after_the_last_semicolon_is_no_statement(client: DuckDBClient, sql: str) -> None:
    # It parsed as a statement of its own, the job's last, and the job returned no rows.
    job = client.query(sql)
    assert [f.name for f in job.schema] == ["x"] and [tuple(r.values()) for r in job.result()] == [(1,)]


def test_like_patterns_escape_with_a_backslash(client: DuckDBClient) -> None:
    # "You can escape \, _, or % using two backslashes": '\\%' is a literal %.
    got = one(client, r"SELECT 'a%b' LIKE 'a\\%b' AS a, 'axb' LIKE 'a\\%b' AS b, 'a_b' LIKE r'a\_b' AS c, "
                      r"'axb' LIKE r'a\_b' AS d, 'a\\b' LIKE r'a\\b' AS e, 'abc' NOT LIKE 'b%' AS f")
    assert got == (True, False, True, False, True, True)
    # DuckDB has no escape character by default: the backslash is a character to match.
    assert duck(client, r"SELECT 'a%b' LIKE 'a\%b', 'a\xb' LIKE 'a\%b'") == (False, True)


def test_format_takes_printf_specifiers(client: DuckDBClient) -> None:
    assert duck(client, "SELECT format('%05d', 42)") == ("%05d",)  # DuckDB's format: {} placeholders
    got = one(client, "SELECT FORMAT('%05d|%s|%.2f|%x|%s|%d%%', 42, 'a', 3.14159, 255, DATE '2025-01-15', 50) AS f, "
                      "FORMAT('%s', 42) AS g, FORMAT('%i', NULL) AS h, FORMAT('%-4s|', 'ab') AS i")
    assert got == ("00042|a|3.14|ff|2025-01-15|50%", "42", None, "ab  |")


@pytest.mark.parametrize("sql", ["SELECT FORMAT('%t', 1) AS f", "SELECT FORMAT('%T', 'a') AS f",
                                 "SELECT FORMAT('%*d', 3, 1) AS f",
                                 "SELECT FORMAT(s, 1) AS f FROM UNNEST(['%d']) AS s"])
def test_a_format_the_warehouse_cannot_reproduce_is_refused_not_guessed(client: DuckDBClient, sql: str) -> None:
    with pytest.raises(gexc.BadRequest, match="FORMAT"):
        client.query(sql)


def test_the_safe_prefix_gives_null_instead_of_an_error(client: DuckDBClient) -> None:
    got = one(client, "SELECT SAFE.PARSE_DATE('%Y-%m-%d', 'not a date') AS a, "
                      "SAFE.PARSE_DATE('%Y-%m-%d', '2025-01-15') AS b, SAFE.SUBSTR('apple', 2, 2) AS c")
    assert got == (None, dt.date(2025, 1, 15), "pp")
    with pytest.raises(gexc.BadRequest):
        client.query("SELECT PARSE_DATE('%Y-%m-%d', 'not a date') AS a").result()


def test_unix_seconds_rounds_down_to_the_second(client: DuckDBClient) -> None:
    got = one(client, "SELECT UNIX_SECONDS(TIMESTAMP '2025-01-01 00:00:01.8+00') AS a, "
                      "UNIX_SECONDS(TIMESTAMP '1969-12-31 23:59:59.5+00') AS b")
    assert got == (1735689601, -1)


def test_numeric_keeps_nine_decimals_in_casts_and_literals(client: DuckDBClient) -> None:
    from decimal import Decimal

    assert duck(client, "SELECT CAST('1.23456789' AS DECIMAL)") == (Decimal("1.235"),)  # DuckDB's DECIMAL(18, 3)
    got = one(client, "SELECT NUMERIC '1.23456789' AS a, CAST('0.0001' AS NUMERIC) + CAST('0.0002' AS NUMERIC) AS b, "
                      "CAST('12345678901234567890.5' AS NUMERIC) AS c")
    assert got == (Decimal("1.23456789"), Decimal("0.0003"), Decimal("12345678901234567890.5"))


def test_other_date_parts_are_left_as_they_were(client: DuckDBClient) -> None:
    """Only DAYOFWEEK, WEEK and ISOWEEK are rewritten; the parts around them in one statement keep their values."""
    got = one(client, "SELECT EXTRACT(YEAR FROM d) AS y, EXTRACT(DAYOFWEEK FROM d) AS w, EXTRACT(MONTH FROM d) AS m, "
                      "EXTRACT(DAYOFYEAR FROM d) AS j, EXTRACT(WEEK FROM d) AS k, EXTRACT(QUARTER FROM d) AS q, "
                      "EXTRACT(DAY FROM d) AS day FROM UNNEST([DATE '2025-05-15']) AS d")
    day = dt.date(2025, 5, 15)
    assert got == (2025, day.isoweekday() % 7 + 1, 5, day.timetuple().tm_yday, int(day.strftime("%U")), 2, 15)


def test_only_true_and_false_cast_to_bool(client: DuckDBClient) -> None:
    # "Returns TRUE if x is "true" and FALSE if x is "false". All other values of x are invalid".
    assert duck(client, "SELECT CAST('1' AS BOOLEAN), CAST('yes' AS BOOLEAN)") == (True, True)  # DuckDB's
    rows = [r[0] for r in client.query(
        "SELECT CAST(s AS BOOL) AS b FROM UNNEST(['true', 'FALSE', 'True', NULL]) AS s WITH OFFSET AS o "
        "ORDER BY o").result()]
    assert rows == [True, False, True, None]
    with pytest.raises(gexc.BadRequest, match="Bad bool value: 1"):
        client.query("SELECT CAST(s AS BOOL) AS b FROM UNNEST(['1']) AS s").result()
    rows = [r[0] for r in client.query(
        "SELECT SAFE_CAST(s AS BOOL) AS b FROM UNNEST(['1', 'yes', 'true']) AS s WITH OFFSET AS o ORDER BY o").result()]
    assert rows == [None, None, True]
    assert one(client, "SELECT CAST(0 AS BOOL) AS a, CAST(2 AS BOOL) AS b") == (False, True)  # INT64: as before


def test_array_slice_counts_offsets_from_zero(client: DuckDBClient) -> None:
    letters = "['a', 'b', 'c', 'd', 'e']"
    cases = {(1, 3): ["b", "c", "d"], (-1, 3): [], (-1, -3): [], (-3, -1): ["c", "d", "e"], (-3, -3): ["c"],
             (1, -30): [], (-30, 30): ["a", "b", "c", "d", "e"], (-30, -5): ["a"], (5, 30): [], (0, 0): ["a"]}
    sql = "SELECT " + ", ".join(f"ARRAY_SLICE({letters}, {a}, {b}) AS s{i}" for i, (a, b) in enumerate(cases))
    assert list(one(client, sql)) == list(cases.values())
    assert duck(client, f"SELECT array_slice({letters}, 1, 3)") == (["a", "b", "c"],)  # DuckDB's: from 1


def test_instr_forms_the_warehouse_cannot_answer_are_refused(client: DuckDBClient) -> None:
    assert one(client, "SELECT INSTR('banana', 'an', 3, 1) AS a, INSTR('banana', 'an') AS b") == (4, 2)
    for call in ("INSTR('banana', 'an', 1, 2)", "INSTR('banana', 'an', -1)", "INSTR(s, 'an', p)"):
        with pytest.raises(gexc.BadRequest, match="INSTR with an occurrence"):
            client.query(f"SELECT {call} AS i FROM UNNEST(['banana']) AS s, UNNEST([1]) AS p")


def test_unix_millis_rounds_down(client: DuckDBClient) -> None:
    assert one(client, "SELECT UNIX_MILLIS(TIMESTAMP '1970-01-01 00:00:00.0018+00') AS a, "
                       "UNIX_MILLIS(TIMESTAMP '2008-12-25 15:30:00+00') AS b") == (1, 1230219000000)


def test_a_numeric_as_text_has_no_trailing_zeros(client: DuckDBClient) -> None:
    got = one(client, "SELECT CAST(NUMERIC '1.50' AS STRING) AS a, CAST(NUMERIC '0' AS STRING) AS b, "
                      "CAST(NUMERIC '100' AS STRING) AS c, CAST(NUMERIC '-0.0003' AS STRING) AS d, "
                      "FORMAT('%s', NUMERIC '2.50') AS e, CAST(100 AS STRING) AS f")
    assert got == ("1.5", "0", "100", "-0.0003", "2.5", "100")


def test_sqrt_and_log_of_numbers_outside_their_domain_are_errors(client: DuckDBClient) -> None:
    # "Generates an error if X is less than 0" (SQRT), "... less than or equal to zero" (LN, LOG, LOG10).
    assert duck(client, "SELECT isnan(sqrt(-1.0)), ln(0.0)") == (True, float("-inf"))  # DuckDB's: no error
    assert one(client, "SELECT SQRT(4) AS a, LN(EXP(1)) AS b, LOG10(100) AS c, LOG(8, 2) AS d") == (2.0, 1.0, 2.0, 3.0)
    for call, message in (("SQRT(x)", "SQRT cannot be negative"), ("LN(x + 1)", "LOG cannot be zero or negative"),
                          ("LOG10(x)", "LOG cannot be zero or negative"), ("LOG(x, 2)", "LOG cannot be zero"),
                          ("LOG(8, x + 2)", "Base of LOG cannot be zero, negative or one")):
        with pytest.raises(gexc.BadRequest, match=message):
            client.query(f"SELECT {call} AS v FROM UNNEST([-1.0]) AS x").result()
    # -inf and NaN give NaN, NULL gives NULL, as before
    rows = [tuple(r.values()) for r in client.query(
        "SELECT SQRT(x) AS s, LN(x) AS l FROM UNNEST([CAST('-inf' AS FLOAT64), CAST(NULL AS FLOAT64)]) AS x "
        "WITH OFFSET AS o ORDER BY o").result()]
    assert [tuple(v != v if v is not None else None for v in row) for row in rows] == [(True, True), (None, None)]


def test_a_sum_of_int64_past_the_int64_range_is_an_overflow_error(client: DuckDBClient) -> None:
    # SUM: "Returns an error if an overflow occurs"; DuckDB sums INT64s into a 128-bit HUGEINT.
    top = 2**63 - 1
    assert duck(client, f"SELECT sum(n) FROM unnest([{top}, 1]) AS t(n)") == (top + 1,)  # DuckDB's own
    for values, shown in (([top, 1], top + 1), ([-top, -2], -top - 2)):
        with pytest.raises(gexc.BadRequest, match=rf"^400 Int64 overflow: column s holds {shown}, outside INT64"):
            client.query(f"SELECT SUM(n) AS s, INTERVAL 1 DAY AS i FROM UNNEST({values}) AS n")
        with pytest.raises(gexc.BadRequest, match="Int64 overflow"):
            client.query(f"SELECT SUM(n) AS s FROM UNNEST({values}) AS n")
    assert one(client, f"SELECT SUM(n) AS s FROM UNNEST([{top - 1}, 1]) AS n") == (top,)
    assert one(client, f"SELECT SUM(n) AS s FROM UNNEST([{-top}, -1]) AS n") == (-top - 1,)
    assert one(client, "SELECT SUM(n) AS s FROM UNNEST(ARRAY<INT64>[]) AS n") == (None,)
    # the value named is the one out of range, whichever sign (one group's sum overflows, another's does not)
    with pytest.raises(gexc.BadRequest, match=rf"holds {-top - 6}, outside INT64"):
        client.query(f"SELECT g, SUM(n) AS s FROM (SELECT 1 AS g, {-top} AS n UNION ALL SELECT 1, -6 "
                     "UNION ALL SELECT 2, 5) GROUP BY g")
    # a NULL sum beside an INTERVAL (read through Arrow) stays NULL
    assert one(client, "SELECT INTERVAL 1 DAY AS i, SUM(n) AS s FROM UNNEST(ARRAY<INT64>[]) AS n")[1:] == (None,)


def test_array_subscripts_count_from_0_or_1_with_a_column_index_too(client: DuckDBClient) -> None:
    # "OFFSET(index)": zero-based; "ORDINAL(index)": one-based; a plain index is OFFSET. sqlglot
    # shifted only a literal index for DuckDB's 1-based lists: a[OFFSET(i)] was the element before.
    sql = ("SELECT a[OFFSET(i)] AS o, a[i] AS p, a[ORDINAL(i)] AS r, a[SAFE_OFFSET(i)] AS so, "
           "a[SAFE_ORDINAL(i)] AS sr, a[OFFSET(1)] AS lo, a[ORDINAL(1)] AS lr, a[1] AS lp "
           "FROM (SELECT [10, 20, 30] AS a), UNNEST([1]) AS i")
    assert one(client, sql) == (20, 20, 10, 20, 10, 20, 10, 20)
    assert duck(client, "SELECT a[i] FROM (SELECT [10, 20, 30] AS a, 1 AS i)") == (10,)  # DuckDB's own: from 1
    assert one(client, "SELECT SPLIT('a,b,c', ',')[OFFSET(2)] AS a, a[OFFSET(b[OFFSET(0)])] AS n "
                       "FROM (SELECT [10, 20, 30] AS a, [2] AS b)") == ("c", 30)


@pytest.mark.parametrize(("subscript", "message"), [
    ("OFFSET(3)", "Array index 3 is out of bounds \\(overflow\\)"),
    ("OFFSET(-1)", "Array index -1 is out of bounds \\(underflow\\)"),
    ("ORDINAL(0)", "Array index 0 is out of bounds \\(underflow\\)"),
    ("ORDINAL(4)", "Array index 4 is out of bounds \\(overflow\\)"),
    ("3", "Array index 3 is out of bounds \\(overflow\\)"),
])
def test_an_array_subscript_out_of_bounds_is_an_error_and_null_with_safe(client: DuckDBClient, subscript: str,
                                                                          message: str) -> None:
    # "If the index is out of range, an error is produced" (OFFSET / ORDINAL); SAFE_ returns NULL.
    assert duck(client, "SELECT [10, 20, 30][5], [10, 20, 30][-1]") == (None, 30)  # DuckDB's own: NULL, from the end
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(f"SELECT a[{subscript}] AS x FROM (SELECT [10, 20, 30] AS a)").result()
    safe = subscript.replace("OFFSET(", "SAFE_OFFSET(").replace("ORDINAL(", "SAFE_ORDINAL(")
    if safe != subscript:
        assert one(client, f"SELECT a[{safe}] AS x FROM (SELECT [10, 20, 30] AS a)") == (None,)
    assert one(client, "SELECT CAST(NULL AS ARRAY<INT64>)[OFFSET(1)] AS a, [1, 2][OFFSET(NULL)] AS b") == (None, None)


def test_json_subscripts_count_from_0_and_are_null_outside_the_array(client: DuckDBClient) -> None:
    # operators, "JSON subscript operator": a zero-based index; "If a negative value is entered, or
    # the value is greater than or equal to the size of the array ... a SQL NULL is returned".
    doc = ("SELECT json_value.class.students[0]['name'] AS first_student FROM UNNEST([JSON "
           "'{\"class\" : {\"students\" : [{\"name\" : \"Jane\"}]}}', JSON '{\"class\" : {\"students\" : []}}', "
           "JSON '{\"class\" : {\"students\" : [{\"name\" : \"John\"}, {\"name\": \"Jamie\"}]}}']) AS json_value "
           "WITH OFFSET AS o ORDER BY o")
    assert [tuple(r.values()) for r in client.query(doc).result()] == [("Jane",), (None,), ("John",)]
    got = one(client, "SELECT j[0] AS a, j[2] AS b, j[3] AS c, j[-1] AS d, j[i] AS e, k.s[0] AS f, k['s'][1] AS g, "
                      "k[0] AS h, m[1][0] AS i FROM (SELECT JSON '[10, 20, 30]' AS j, JSON '{\"s\": [5, 6]}' AS k, "
                      "JSON '[[1, 2], [3, 4]]' AS m), UNNEST([1]) AS i")
    assert got == (10, 30, None, None, 20, 5, 6, None, 3)


def test_json_type_string_and_to_json_answer_as_the_json_functions_page_does(client: DuckDBClient) -> None:
    values = ("JSON '\"apple\"'", "JSON '10'", "JSON '3.14'", "JSON 'null'", "JSON '{\"city\": \"New York\"}'",
              "JSON '[\"a\"]'", "JSON 'true'", "CAST(NULL AS JSON)")
    assert one(client, "SELECT " + ", ".join(f"JSON_TYPE({v}) AS t{i}" for i, v in enumerate(values))) == (
        "string", "number", "number", "null", "object", "array", "boolean", None)
    assert duck(client, "SELECT json_type('10'::JSON), json_type('\"a\"'::JSON)") == ("UBIGINT", "VARCHAR")  # DuckDB's
    # STRING(json): "Converts a JSON string to a SQL STRING value"; other JSON values are errors
    assert one(client, "SELECT STRING(JSON '\"purple\"') AS a, STRING(JSON_QUERY(JSON '{\"name\": \"sky\", "
                       "\"color\": \"blue\"}', '$.color')) AS b, STRING(CAST(NULL AS JSON)) AS c, "
                       "STRING(TIMESTAMP '2024-01-01 10:00:00+00') AS d") == ("purple", "blue", None, "2024-01-01 10:00:00+00")
    assert duck(client, "SELECT CAST('\"purple\"'::JSON AS VARCHAR)") == ('"purple"',)  # what STRING() gave
    for value in ("JSON '123'", "JSON 'null'"):
        with pytest.raises(gexc.BadRequest, match="STRING: the JSON value is not a string"):
            client.query(f"SELECT STRING({value}) AS s").result()
    # TO_JSON is a JSON value: JSON_OBJECT takes it as one, not as the text of one
    job = client.query("SELECT TO_JSON(STRUCT(1 AS id, [10, 20] AS coordinates)) AS a, "
                       "JSON_OBJECT(['a', 'b'], [TO_JSON(10), TO_JSON(['foo', 'bar'])]) AS b")
    assert [tuple(r.values()) for r in job.result()] == [({"id": 1, "coordinates": [10, 20]},
                                                          {"a": 10, "b": ["foo", "bar"]})]
    assert [f.field_type for f in job.result().schema] == ["JSON", "JSON"]


def test_json_query_of_a_string_is_json_text_and_of_json_a_json_value() -> None:
    # JSON_QUERY / JSON_EXTRACT: "json_string_expr: A JSON-formatted STRING; json_expr: JSON";
    # JSON_QUERY_ARRAY: "ARRAY<JSON-formatted STRING>" / "ARRAY<JSON>"; the documented JSON null of
    # a STRING is SQL NULL. DuckDB's -> gave JSON for both (rows held 'Jamie', not '"Jamie"').
    client = DuckDBClient(":memory:")
    try:
        client.query("CREATE SCHEMA ds").result()
        client.query("CREATE TABLE ds.t (s STRING, j JSON)").result()
        text = '{"name": "Jamie", "n": null, "o": {"a": 1}, "arr": [1, "x", {"b": 2}]}'
        client.query(f"INSERT INTO ds.t VALUES ('{text}', JSON '{text}')").result()
        calls = ("JSON_QUERY({0}, '$.name') AS a, JSON_EXTRACT({0}, '$.o') AS b, JSON_QUERY({0}, '$.n') AS c, "
                 "JSON_QUERY({0}, '$.missing') AS d, JSON_QUERY_ARRAY({0}, '$.arr') AS e")
        job = client.query(f"SELECT {calls.format('s')} FROM ds.t")
        assert [tuple(r.values()) for r in job.result()] == [
            ('"Jamie"', '{"a":1}', None, None, ['1', '"x"', '{"b":2}'])]
        assert [f.field_type for f in job.result().schema] == ["STRING"] * 5
        job = client.query(f"SELECT {calls.format('j')} FROM ds.t")
        assert [tuple(r.values()) for r in job.result()] == [("Jamie", {"a": 1}, None, None, [1, "x", {"b": 2}])]
        assert [f.field_type for f in job.result().schema] == ["JSON"] * 5
        # a string literal, a STRING parameter and a CTE's STRING column are STRINGs too (the page's examples)
        assert one(client, "SELECT JSON_QUERY('{\"class\": {\"students\": [{\"name\": \"John\"}, {\"name\": null}]}}', "
                           "'$.class.students[1].name') AS a, JSON_EXTRACT('{\"a\": [1, 2]}', '$.a') AS b") == (None, "[1,2]")
        assert one(client, "WITH t AS (SELECT '{\"name\": null}' AS json_string) "
                           "SELECT JSON_QUERY(json_string, '$.name') IS NULL AS a FROM t") == (True,)
        config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("p", "STRING", '{"k": "v"}')])
        assert [tuple(r.values()) for r in client.query("SELECT JSON_QUERY(@p, '$.k') AS k", job_config=config)] == [('"v"',)]
        # a JSON argument's call before a STRING argument's leaves the second one rewritten too
        assert one(client, "SELECT JSON_QUERY(j, '$.name') AS a, JSON_QUERY(s, '$.name') AS b FROM ds.t") == (
            "Jamie", '"Jamie"')
        # a view keeps it
        client.create_table(_view(client, "SELECT JSON_QUERY(s, '$.name') AS a FROM ds.t"))
        assert one(client, "SELECT a FROM ds.v") == ('"Jamie"',)
    finally:
        client.close()


def _view(client: DuckDBClient, sql: str) -> bigquery.Table:
    view = bigquery.Table(f"{client.project}.ds.v")
    view.view_query = sql
    return view


@pytest.mark.parametrize("call", ["JSON_QUERY(j, 'lax $.class.students.name')",
                                  "JSON_QUERY(j, 'lax recursive $.class.students.name')",
                                  "JSON_VALUE(j, ' LAX $.a')", "JSON_QUERY_ARRAY(j, 'lax $.a')"])
def test_a_lax_json_path_is_refused_not_answered_with_null(client: DuckDBClient, call: str) -> None:
    # JSON_QUERY, "JSONPath mode": lax paths find values through arrays; DuckDB returned NULL.
    with pytest.raises(gexc.BadRequest, match="JSONPath mode .* is not emulated"):
        client.query(f"SELECT {call} AS x FROM (SELECT JSON '{{\"class\": {{\"students\": [{{\"name\": \"Jane\"}}]}}}}' AS j)")
    assert one(client, "SELECT JSON_QUERY(JSON '{\"class\": {\"students\": [{\"name\": \"Jane\"}]}}', "
                       "'$.class.students[0].name') AS x") == ("Jane",)


def test_conversions_keep_bigquerys_types_and_a_cast_format_is_refused(client: DuckDBClient) -> None:
    # DATE_FROM_UNIX_DATE "Returns DATE"; it came back as a DATETIME
    job = client.query("SELECT DATE_FROM_UNIX_DATE(14238) AS d, DATE_FROM_UNIX_DATE(NULL) AS n")
    assert [tuple(r.values()) for r in job.result()] == [(dt.date(2008, 12, 25), None)]
    assert [f.field_type for f in job.result().schema] == ["DATE", "DATE"]
    # GENERATE_TIMESTAMP_ARRAY of string literals: ARRAY<TIMESTAMP> (the page's example)
    job = client.query("SELECT GENERATE_TIMESTAMP_ARRAY('2016-10-05 00:00:00', '2016-10-07 00:00:00', "
                       "INTERVAL 1 DAY) AS timestamp_array")
    day = dt.datetime(2016, 10, 5, tzinfo=dt.UTC)
    assert [tuple(r.values()) for r in job.result()] == [([day, day + dt.timedelta(days=1), day + dt.timedelta(days=2)],)]
    assert job.result().schema[0].field_type == "TIMESTAMP"
    # a FORMAT clause was dropped: 'DAY' gave the date itself
    with pytest.raises(gexc.BadRequest, match="CAST with a FORMAT clause .* is not emulated"):
        client.query("SELECT CAST(CURRENT_DATE() AS STRING FORMAT 'DAY') AS current_day")


def test_timestamp_functions_return_instants_and_parse_timestamp_reads_its_time_zone(client: DuckDBClient) -> None:
    # "TIMESTAMP_MILLIS / TIMESTAMP_MICROS ... Return Data Type: TIMESTAMP"; PARSE_TIMESTAMP reads a
    # text without an offset in its time_zone argument, UTC by default.
    christmas = dt.datetime(2008, 12, 25, 15, 30, tzinfo=dt.UTC)
    job = client.query("SELECT TIMESTAMP_SECONDS(1230219000) AS s, TIMESTAMP_MILLIS(1230219000000) AS ms, "
                       "TIMESTAMP_MICROS(1230219000000000) AS us")
    assert [tuple(r.values()) for r in job.result()] == [(christmas, christmas, christmas)]
    assert [f.field_type for f in job.result().schema] == ["TIMESTAMP"] * 3
    assert duck(client, "SELECT typeof(epoch_ms(1230219000000))") == ("TIMESTAMP",)  # DuckDB's own: no zone
    tip_off = "'%Y-%m-%d %H:%M:%S', '2024-01-05 19:30:00'"
    job = client.query(f"SELECT PARSE_TIMESTAMP({tip_off}) AS utc, PARSE_TIMESTAMP({tip_off}, 'America/New_York') AS et, "
                       "PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S%z', '2024-01-05 19:30:00-0500') AS offset, "
                       "PARSE_TIMESTAMP('%c', 'Thu Dec 25 07:30:00 2008') AS doc")
    assert [tuple(r.values()) for r in job.result()] == [(
        dt.datetime(2024, 1, 5, 19, 30, tzinfo=dt.UTC), dt.datetime(2024, 1, 6, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 6, 0, 30, tzinfo=dt.UTC), dt.datetime(2008, 12, 25, 7, 30, tzinfo=dt.UTC))]
    assert [f.field_type for f in job.result().schema] == ["TIMESTAMP"] * 4
    assert one(client, "SELECT PARSE_DATETIME('%Y-%m-%d %H:%M:%S', '2024-01-05 19:30:00') AS d") == (
        dt.datetime(2024, 1, 5, 19, 30),)  # a DATETIME stays one


def test_a_whole_float64_as_text_has_no_trailing_zero(client: DuckDBClient) -> None:
    # conversion functions, CAST AS STRING: "A returned NaN or 0 will not be signed"; the
    # reference's examples write CAST(1.0 AS STRING) as '1'. DuckDB wrote '1.0' (and '-0.0').
    assert duck(client, "SELECT CAST(1.0::DOUBLE AS VARCHAR), CAST(-0.0::DOUBLE AS VARCHAR)") == ("1.0", "-0.0")
    got = one(client, "SELECT CAST(x AS STRING) AS a, CAST(1.0 AS STRING) AS b, CAST(-0.0 AS STRING) AS c, "
                      "CAST(2.5 AS STRING) AS d, CAST(CAST('nan' AS FLOAT64) AS STRING) AS e, "
                      "CAST(CAST('-inf' AS FLOAT64) AS STRING) AS f, CONCAT('pts_', CAST(x AS STRING)) AS g, "
                      "CAST(7 AS STRING) AS h, CAST(DATE '2024-01-01' AS STRING) AS i FROM UNNEST([24.0]) AS x")
    assert got == ("24", "1", "0", "2.5", "nan", "-inf", "pts_24", "7", "2024-01-01")


def test_each_rewrite_reaches_every_node_of_a_statement(client: DuckDBClient) -> None:
    """A node a rewrite leaves alone (a JSON field name, STRING with a time zone) does not stop
    the rewrite of the next one (mutation testing: ``continue`` made ``break``)."""
    assert one(client, "SELECT j['k'] AS a, arr[OFFSET(i)] AS b FROM "
                       "(SELECT JSON '{\"k\": 1}' AS j, [10, 20] AS arr, 1 AS i)") == (1, 20)
    got = one(client, "SELECT STRING(TIMESTAMP '2024-01-01 10:00:00+00', 'America/New_York') AS a, "
                      "STRING(JSON '\"x\"') AS b")
    assert got[1] == "x" and got[0].startswith("2024-01-01 05:00:00")  # the zone is applied, not dropped


def test_array_agg_and_string_agg_take_a_limit(client: DuckDBClient) -> None:
    # ARRAY_AGG / STRING_AGG: "LIMIT: Specifies the maximum number of expression inputs in the
    # result"; DuckDB has no LIMIT inside an aggregate (it was a parser error): the last games.
    with pytest.raises(Exception, match="syntax error"):
        duck(client, "SELECT array_agg(x ORDER BY x LIMIT 2) FROM unnest([3, 1, 2]) AS t(x)")
    got = [tuple(r.values()) for r in client.query(
        "SELECT player, ARRAY_AGG(pts ORDER BY day DESC LIMIT 2) AS last_two, "
        "STRING_AGG(CAST(pts AS STRING), '/' ORDER BY day DESC LIMIT 2) AS text FROM ("
        "SELECT 'a' AS player, 1 AS day, 10 AS pts UNION ALL SELECT 'a', 2, 20 UNION ALL SELECT 'a', 3, 30 "
        "UNION ALL SELECT 'b', 1, 5) GROUP BY player ORDER BY player").result()]
    assert got == [("a", [30, 20], "30/20"), ("b", [5], "5")]
    # NULLs: STRING_AGG leaves them out before the limit, ARRAY_AGG IGNORE NULLS too; else an error
    assert one(client, "SELECT STRING_AGG(x, ',' ORDER BY x DESC LIMIT 2) AS s, "
                       "ARRAY_AGG(x IGNORE NULLS ORDER BY x DESC LIMIT 2) AS a "
                       "FROM UNNEST(['c', NULL, 'a', 'b']) AS x") == ("c,b", ["c", "b"])
    with pytest.raises(gexc.BadRequest, match="Array cannot have a null element"):
        client.query("SELECT ARRAY_AGG(x ORDER BY x LIMIT 2) AS a FROM UNNEST([3, NULL, 1]) AS x").result()


def test_an_unaliased_unnest_of_structs_exposes_their_fields() -> None:
    # "UNNEST operator": for an array of STRUCTs without an alias, the fields are the output
    # columns. DuckDB's UNNEST in FROM gave one column named unnest (a binder error here).
    client = DuckDBClient(":memory:")
    try:
        client.create_dataset("ds")
        schema = [bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField(
            "players", "RECORD", mode="REPEATED",
            fields=[bigquery.SchemaField("name", "STRING"), bigquery.SchemaField("pts", "INT64")])]
        client.create_table(bigquery.Table(f"{client.project}.ds.g", schema=schema))
        client.load_table_from_json([{"game_id": "g1", "players": [{"name": "a", "pts": 10}, {"name": "b", "pts": 20}]}],
                                    "ds.g", job_config=bigquery.LoadJobConfig(schema=schema)).result()
        with pytest.raises(Exception, match="not found"):
            client._conn.raw.execute("SELECT name FROM ds.g, UNNEST(players)").fetchall()  # DuckDB's own
        rows = [tuple(r.values()) for r in client.query(
            "SELECT game_id, name, pts FROM ds.g, UNNEST(players) ORDER BY pts").result()]
        assert rows == [("g1", "a", 10), ("g1", "b", 20)]
        assert one(client, "SELECT (SELECT SUM(pts) FROM UNNEST(players)) AS total FROM ds.g") == (30,)
        # aliased, scalar, WITH OFFSET: as before
        assert [tuple(r.values()) for r in client.query(
            "SELECT p.name FROM ds.g, UNNEST(players) AS p ORDER BY p.name").result()] == [("a",), ("b",)]
        assert one(client, "SELECT COUNT(*) AS n FROM UNNEST(GENERATE_ARRAY(1, 5))") == (5,)
        assert [tuple(r.values()) for r in client.query(
            "SELECT x, o FROM UNNEST([5, 6]) AS x WITH OFFSET AS o ORDER BY o").result()] == [(5, 0), (6, 1)]
    finally:
        client.close()


def test_the_aggregate_limit_and_unnest_rewrites_reach_every_node(client: DuckDBClient) -> None:
    """An aggregate without LIMIT, or an aliased UNNEST, before the one to rewrite does not stop
    the rewrite (mutation testing: ``continue`` made ``break``); STRING_AGG's default separator."""
    assert one(client, "SELECT ARRAY_AGG(x) AS a, ARRAY_AGG(x ORDER BY x LIMIT 1) AS b, STRING_AGG(CAST(x AS STRING)) AS c, "
                       "STRING_AGG(CAST(x AS STRING) ORDER BY x LIMIT 2) AS d FROM UNNEST([2, 1, 3]) AS x "
                       "WITH OFFSET AS o") == ([2, 1, 3], [1], "2,1,3", "1,2")
    assert one(client, "SELECT x, n FROM UNNEST([1]) AS x, (SELECT [STRUCT(7 AS n)] AS arr) AS t, UNNEST(t.arr)") == (1, 7)
