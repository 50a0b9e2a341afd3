"""String functions fail where BigQuery's fail, instead of answering.

String functions, "REGEXP_EXTRACT" ("If there is more than one capturing group, an error is
produced"), "REPEAT" ("returns an error if ... repetitions is negative"), "LEFT" / "RIGHT" ("If length is
negative, an error will be returned"), "ARRAY_TO_STRING" (of an ARRAY<STRING> or ARRAY<BYTES>), "LPAD" / "RPAD"
("return_length is negative", "pattern is empty"); the messages are ZetaSQL's (regexp.cc,
string.cc). Until stop 34 DuckDB returned the whole match for two capturing groups and ``''``
for a negative count (``LEFT('abc', -1)`` was ``'ab'``), -1 for ``UNICODE('')`` and 233 for
``ASCII('é')``, and ``ARRAY_TO_STRING([1, 2], ',')`` was ``'1,2'``; ``LPAD(s, n)`` with an INT64 column ``n`` was a binder error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.players (name STRING, jersey INT64, width INT64, pad STRING)").result()
    c.query("INSERT INTO ds.players VALUES ('Jokic', 15, 3, '0'), ('Doncic', 77, 4, '0'), ('bad', 1, -1, '')").result()
    yield c
    c.close()


REFUSED = [
    ("SELECT REGEXP_EXTRACT('ab12', r'([a-z]+)(\\d+)')",
     "Regular expressions passed into extraction functions must not have more than 1 capturing group"),
    ("SELECT REGEXP_EXTRACT_ALL('a1b2', '([a-z])(\\\\d)')", "must not have more than 1 capturing group"),
    ("SELECT REGEXP_SUBSTR('a1', r'(?P<l>[a-z])(?P<d>\\d)')", "must not have more than 1 capturing group"),
    ("SELECT REPEAT('a', -1)", "Second argument \\(repeat count\\) for REPEAT cannot be negative"),
    ("SELECT REPEAT(name, width) FROM ds.players", "Second argument \\(repeat count\\) for REPEAT cannot be negative"),
    ("SELECT LPAD('abc', -1)", "Second argument \\(output size\\) for LPAD/RPAD cannot be negative"),
    ("SELECT RPAD(name, width) FROM ds.players", "Second argument \\(output size\\) for LPAD/RPAD cannot be negative"),
    ("SELECT LEFT('abc', -1)", "Second argument in LEFT\\(\\) cannot be negative"),
    ("SELECT RIGHT(name, width) FROM ds.players", "Second argument in RIGHT\\(\\) cannot be negative"),
    ("SELECT ASCII('é')", "Argument to ASCII is not a structurally valid ASCII string"),
    ("SELECT ASCII(name) FROM UNNEST(['Jokic', 'Šarić']) AS name", "not a structurally valid ASCII string: Šarić"),
    ("SELECT ARRAY_TO_STRING([1, 2], ',')", "No matching signature for function ARRAY_TO_STRING"),
    ("SELECT ARRAY_TO_STRING(ARRAY_AGG(jersey), ',') FROM ds.players", "No matching signature for function ARRAY_TO_STRING"),
    ("SELECT LPAD('abc', 2, '')", "Third argument \\(pad pattern\\) for LPAD/RPAD cannot be empty"),
    ("SELECT LPAD(name, 8, pad) FROM ds.players", "Third argument \\(pad pattern\\) for LPAD/RPAD cannot be empty"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
def test_bad_arguments_fail(client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql).result()


def test_good_arguments_answer(client: DuckDBClient) -> None:
    assert rows(client, "SELECT REGEXP_EXTRACT('ab12', r'([a-z]+)(?:\\d+)'), REGEXP_EXTRACT_ALL('a1b2', r'[a-z](\\d)'), "
                        "REGEXP_SUBSTR('ab12', r'\\d+'), REPEAT('ab', 2), REPEAT('a', 0), LPAD('abc', 2), "
                        "RPAD('abc', 6, 'xy'), LPAD('7', 3, '0'), LEFT('Doncic', 4), RIGHT('abc', 0)") \
        == [("ab", ["1", "2"], "12", "abab", "", "ab", "abcxyx", "007", "Donc", "")]


def test_unicode_and_ascii_of_an_empty_string_are_0(client: DuckDBClient) -> None:
    """String functions, "UNICODE" / "ASCII": "Returns 0 if value is empty" (DuckDB's unicode: -1)."""
    assert rows(client, "SELECT UNICODE(''), UNICODE('âbcd'), UNICODE(NULL), ASCII(''), ASCII('abcd'), ASCII(NULL)") \
        == [(0, 226, None, 0, 97, None)]


def test_array_to_string_of_strings_answers(client: DuckDBClient) -> None:
    assert rows(client, "SELECT ARRAY_TO_STRING(['a', 'b'], ','), ARRAY_TO_STRING(['a', NULL], ',', 'N'), "
                        "ARRAY_TO_STRING([], ','), ARRAY_TO_STRING(ARRAY(SELECT name FROM ds.players ORDER BY name), '|')") \
        == [("a,b", "a,N", "", "Doncic|Jokic|bad")]


def test_a_cast_count_is_no_negative_literal(client: DuckDBClient) -> None:
    assert rows(client, "SELECT LEFT('abc', CAST(2 AS INT64)), REPEAT('a', CAST(2 AS INT64)), "
                        "LPAD('a', CAST(3 AS INT64), '0')") == [("ab", "aa", "00a")]


def test_a_width_from_a_column(client: DuckDBClient) -> None:
    got = rows(client, "SELECT LPAD(CAST(jersey AS STRING), width, pad), REPEAT(pad, width) FROM ds.players "
                       "WHERE width >= 0 ORDER BY name")
    assert got == [("0077", "0000"), ("015", "000")]
