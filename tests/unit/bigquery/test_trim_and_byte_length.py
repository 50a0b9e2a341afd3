"""TRIM / LTRIM / RTRIM remove Unicode whitespace; BYTE_LENGTH takes a STRING.

String functions, "TRIM": "If you don't specify set_of_characters_to_remove, all leading and
trailing whitespace characters are removed"; BigQuery's whitespace is ICU's White_Space
property (zetasql/public/functions/string.cc, TrimSpacesUtf8). "BYTE_LENGTH": "Gets the number
of BYTES in a STRING or BYTES value".

Until stop 33 DuckDB's trim removed spaces but kept a raw feed's tab, carriage return and line
feed (``TRIM('LeBron James\\r\\n')`` kept its line ending, so a join on the name missed), and
``BYTE_LENGTH`` of a STRING was "No function matches ... 'octet_length(VARCHAR)'".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one

# Unicode's PropList.txt, White_Space (the 25 code points of the property)
WHITE_SPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
               0x202F, 0x205F, 0x3000]
# not White_Space: information separators, zero-width space, the byte order mark, a letter
NOT_WHITE_SPACE = [0x1C, 0x1F, 0x200B, 0xFEFF, ord("x")]


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.feed (raw_name STRING)").result()
    c.query("INSERT INTO ds.feed VALUES ('LeBron James\\r\\n'), ('\\tStephen Curry '), (NULL)").result()
    yield c
    c.close()


def _literal(code: int) -> str:
    return f"'\\U{code:08x}'"


@pytest.mark.parametrize("code", WHITE_SPACE, ids=[f"U+{c:04X}" for c in WHITE_SPACE])
def test_each_white_space_character_is_trimmed(client: DuckDBClient, code: int) -> None:
    c = _literal(code)
    assert one(client, f"SELECT TRIM({c} || 'a' || {c} || 'b' || {c})") == f"a{chr(code)}b"
    assert one(client, f"SELECT LTRIM({c} || 'a' || {c})") == f"a{chr(code)}"
    assert one(client, f"SELECT RTRIM({c} || 'a' || {c})") == f"{chr(code)}a"


@pytest.mark.parametrize("code", NOT_WHITE_SPACE, ids=[f"U+{c:04X}" for c in NOT_WHITE_SPACE])
def test_other_characters_stay(client: DuckDBClient, code: int) -> None:
    c = _literal(code)
    assert one(client, f"SELECT TRIM({c} || 'a' || {c})") == f"{chr(code)}a{chr(code)}"


def test_a_feeds_names_join_after_trim(client: DuckDBClient) -> None:
    got = [r[0] for r in client.query("SELECT TRIM(raw_name) FROM ds.feed ORDER BY 1 NULLS LAST").result()]
    assert got == ["LeBron James", "Stephen Curry", None]
    assert one(client, "SELECT TRIM('xxaxx', 'x')") == "a"  # a given set is unchanged


def test_byte_length_of_strings_and_bytes(client: DuckDBClient) -> None:
    assert one(client, "SELECT BYTE_LENGTH('héllo')") == len("héllo".encode())
    assert one(client, "SELECT BYTE_LENGTH(b'abc')") == 3
    assert one(client, "SELECT BYTE_LENGTH(CAST(NULL AS STRING))") is None
    got = [r[0] for r in client.query("SELECT BYTE_LENGTH(raw_name) FROM ds.feed ORDER BY 1 NULLS LAST").result()]
    assert got == [*sorted([len(b"\tStephen Curry "), len(b"LeBron James\r\n")]), None]
