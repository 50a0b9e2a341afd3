"""Which tables a statement reads, and the partition column's own form (survivors of the
mutation run on ``rules._read_tables`` and ``rules.unfiltered_partition_tables``).

``CREATE TABLE ... AS SELECT`` runs its query, so a ``require_partition_filter`` table it reads
needs the filter like any query ("Set partition filter requirements",
https://cloud.google.com/bigquery/docs/managing-partitioned-tables#require-filter). A view's
body is not run when the view is created; it is checked where the view is queried
(``test_partition_filter_views_are_expanded_before_the_check``). ``DATE(col)`` qualifies only
for a TIMESTAMP partition column (docs/bigquery-rules.md); for a DATE column it is a function
of the column, like ``DATE_ADD(game_date, ...)``.
"""

from __future__ import annotations

import pytest
import sqlglot
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.rules import unfiltered_partition_tables
from tests.unit.bigquery import test_bigquery_rules as rules_tests
from tests.unit.bigquery.test_bigquery_rules import rejected_for_partition, run

client_template = rules_tests.client_template   # built once per module, copied per test
client = rules_tests.client      # ds.games (DATE game_date), ds.log (TIMESTAMP event_timestamp), ds.plain

GAMES = {("ds", "games"): ("game_date", False)}
LOG = {("ds", "log"): ("event_timestamp", True)}


def _unfiltered(sql: str, required, columns_of=None) -> list[tuple[str, str]]:
    return unfiltered_partition_tables(sqlglot.parse_one(sql, read="bigquery"), required, columns_of)


# -- CREATE TABLE AS SELECT reads its source tables --------------------------------------------
@pytest.mark.parametrize("create", ["CREATE TABLE", "CREATE OR REPLACE TABLE", "CREATE TABLE IF NOT EXISTS",
                                    "create table"])
def test_a_create_table_as_select_without_the_filter_is_rejected(client: DuckDBClient, create: str) -> None:
    rejected_for_partition(client, f"{create} ds.games_copy AS SELECT game_id, pts FROM ds.games", "ds.games")
    with pytest.raises(gexc.NotFound):            # nothing was created
        client.get_table("proj.ds.games_copy")


def test_a_create_table_as_select_with_the_filter_creates_the_table(client: DuckDBClient) -> None:
    run(client, "CREATE TABLE ds.plain_copy AS SELECT game_id FROM ds.plain")     # no filter needed
    run(client, "CREATE TABLE ds.games_copy AS SELECT game_id, pts FROM ds.games WHERE game_date = @d")
    assert [f.name for f in client.get_table("proj.ds.games_copy").schema] == ["game_id", "pts"]


@pytest.mark.parametrize("sql, unfiltered", [
    ("CREATE TABLE ds.c AS SELECT * FROM ds.games", [("ds.games", "game_date")]),
    ("CREATE TABLE ds.c AS SELECT * FROM ds.games WHERE game_date = @d", []),
    ("CREATE TABLE ds.c AS SELECT * FROM ds.plain p JOIN ds.games g ON g.game_id = p.game_id",
     [("ds.games", "game_date")]),
    ("CREATE VIEW ds.v AS SELECT * FROM ds.games", []),     # checked where the view is queried
    ("CREATE TABLE ds.c (game_date DATE)", []),              # reads nothing
])
def test_what_a_create_statement_reads(sql: str, unfiltered: list) -> None:
    assert _unfiltered(sql, GAMES) == unfiltered


# -- without the columns lookup, another source's names are unknown ----------------------------
JOINED = "SELECT g.pts FROM ds.games g JOIN ds.plain p ON p.game_id = g.game_id WHERE "


@pytest.mark.parametrize("where, unfiltered", [
    ("game_date = @d", [("ds.games", "game_date")]),   # could be ds.plain's column: not proven
    ("g.game_date = @d", []),
])
def test_without_a_columns_lookup_an_unqualified_name_in_a_join_is_not_a_filter(where: str, unfiltered: list) -> None:
    assert _unfiltered(JOINED + where, GAMES) == unfiltered


def test_without_a_columns_lookup_a_single_table_needs_no_lookup() -> None:
    assert _unfiltered("SELECT * FROM ds.games WHERE game_date = @d", GAMES) == []


# -- DATE() counts only for a TIMESTAMP partition column ---------------------------------------
def test_date_of_a_date_partition_column_is_not_a_filter(client: DuckDBClient) -> None:
    assert _unfiltered("SELECT * FROM ds.games WHERE DATE(game_date) = @d", GAMES) == [("ds.games", "game_date")]
    rejected_for_partition(client, "SELECT * FROM ds.games WHERE DATE(game_date) = @d", "ds.games")
    # the same filter through a derived table that projects DATE(game_date)
    assert _unfiltered("SELECT * FROM (SELECT DATE(game_date) AS day FROM ds.games) s WHERE s.day = @d",
                       GAMES) == [("ds.games", "game_date")]


def test_date_of_a_timestamp_partition_column_is_a_filter() -> None:
    assert _unfiltered("SELECT * FROM ds.log WHERE DATE(event_timestamp) = @d", LOG) == []
    assert _unfiltered("SELECT * FROM ds.log WHERE EXTRACT(DAY FROM event_timestamp) = 1", LOG) == [
        ("ds.log", "event_timestamp")]
