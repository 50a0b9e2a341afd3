"""NORMALIZE and NORMALIZE_AND_CASEFOLD, as BigQuery normalizes and folds case.

String functions, "NORMALIZE" (modes NFC, the default, NFKC, NFD, NFKD) and
"NORMALIZE_AND_CASEFOLD"; the expected values are the reference's examples and Python's
``unicodedata`` (the same Unicode algorithms ICU runs for BigQuery). Until stop 34 both were
"Function not supported by the embedded warehouse" (DuckDB has neither; sqlglot also dropped the
case folding). Matching a player's name across two feeds is where a processor needs them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.unicode_text import normalize_text
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.feed_a (name STRING)").result()
    c.query("CREATE TABLE ds.feed_b (name STRING)").result()
    composed, decomposed = "Nikola Joki\u0107", "Nikola Jokic\u0301"
    c.query(f"INSERT INTO ds.feed_a VALUES ('{composed}'), ('LUKA DONČIĆ')").result()
    c.query(f"INSERT INTO ds.feed_b VALUES ('{decomposed}'), ('Luka Dončić')").result()
    yield c
    c.close()


def test_the_reference_pages_examples(client: DuckDBClient) -> None:
    assert rows(client, "SELECT NORMALIZE('\\u00ea') = NORMALIZE('\\u0065\\u0302'), NORMALIZE('Raha\\u2004Mahan', NFKC), "
                        "NORMALIZE('The red barn') = NORMALIZE('The Red Barn'), "
                        "NORMALIZE_AND_CASEFOLD('The red barn') = NORMALIZE_AND_CASEFOLD('The Red Barn')") \
        == [(True, "Raha Mahan", False, True)]
    assert rows(client, "SELECT NORMALIZE_AND_CASEFOLD('\\u2168', NFD) = NORMALIZE_AND_CASEFOLD('IX', NFD), "
                        "NORMALIZE_AND_CASEFOLD('\\u2168', NFKC) = NORMALIZE_AND_CASEFOLD('IX', NFKC)") == [(False, True)]


@pytest.mark.parametrize("mode", ["NFC", "NFKC", "NFD", "NFKD"])
def test_each_mode_normalizes_as_unicodedata(client: DuckDBClient, mode: str) -> None:
    text = "Ǆemal Dončić ﬁ Ⅸ e\u0302 Å"
    got = one(client, f"SELECT NORMALIZE('{text}', {mode})")
    assert got == unicodedata.normalize(mode, text)
    assert one(client, f"SELECT NORMALIZE_AND_CASEFOLD('{text}', {mode})") == unicodedata.normalize(mode, text).casefold()


def test_two_feeds_spellings_of_a_name_join(client: DuckDBClient) -> None:
    assert one(client, "SELECT COUNT(*) FROM ds.feed_a a JOIN ds.feed_b b ON a.name = b.name") == 0
    assert one(client, "SELECT COUNT(*) FROM ds.feed_a a JOIN ds.feed_b b "
                       "ON NORMALIZE_AND_CASEFOLD(a.name) = NORMALIZE_AND_CASEFOLD(b.name)") == 2
    assert one(client, "SELECT REGEXP_REPLACE(NORMALIZE(name, NFD), r'\\p{M}', '') FROM ds.feed_b "
                       "WHERE STARTS_WITH(name, 'Nikola')") == "Nikola Jokic"


def test_null_and_a_bad_mode(client: DuckDBClient) -> None:
    assert one(client, "SELECT NORMALIZE(CAST(NULL AS STRING))") is None
    with pytest.raises(gexc.BadRequest, match="Invalid normalization mode"):
        client.query("SELECT NORMALIZE('x', NFX)").result()


def test_the_registered_function() -> None:
    assert normalize_text(None, "NFC", True) is None
    assert normalize_text("Straße", "NFC", True) == "strasse"
    assert normalize_text("Straße", "NFC", False) == "Straße"
