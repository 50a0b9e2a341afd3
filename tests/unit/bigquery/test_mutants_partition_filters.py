"""``require_partition_filter`` forms the mutation run showed unchecked (survivors of
``rules._qualifies``): reversed comparisons, IN lists, BETWEEN bounds, a column of another
table, and unqualified names that another joined table also has.

BigQuery accepts a filter that compares the bare partition column with a constant expression
("Querying partitioned tables", https://cloud.google.com/bigquery/docs/querying-partitioned-tables);
one bound or list item that depends on another column is not such a filter.
"""

from __future__ import annotations

import pytest
import sqlglot

from shared_services.bigquery.dialect import CoverageBigQuery
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.rules import unfiltered_partition_tables
from tests.unit.bigquery import test_bigquery_rules as rules_tests
from tests.unit.bigquery.test_bigquery_rules import rejected_for_partition, run

client_template = rules_tests.client_template   # built once per module, copied per test
client = rules_tests.client      # the same small warehouse: ds.games (DATE game_date), ds.plain

JOINED = "SELECT g.pts FROM ds.games g JOIN ds.plain p ON p.game_id = g.game_id WHERE "


@pytest.mark.parametrize("sql", [
    "SELECT * FROM ds.games WHERE @d = game_date",
    "SELECT * FROM ds.games WHERE @lo <= game_date AND pts > 3",
    "SELECT * FROM ds.games WHERE game_date IN (@lo, @hi)",
    "SELECT * FROM ds.games WHERE game_date IN (DATE '2025-01-15', DATE_SUB(@d, INTERVAL 1 DAY))",
])
def test_more_accepted_forms(client: DuckDBClient, sql: str) -> None:
    assert run(client, sql) == []


@pytest.mark.parametrize("sql", [
    JOINED + "g.game_date BETWEEN @lo AND p.game_date",       # one bound is a column
    JOINED + "g.game_date BETWEEN p.game_date AND @hi",
    JOINED + "p.game_date BETWEEN @lo AND @hi",                # the other table's column
    JOINED + "g.game_date IN (@d, p.game_date)",               # one list item is a column
    JOINED + "@d = p.game_date",
    "SELECT * FROM ds.games WHERE game_id IN ('a', 'b')",      # IN on another column
    "SELECT * FROM ds.games WHERE game_date IN (SELECT game_date FROM ds.plain)",
])
def test_more_rejected_forms(client: DuckDBClient, sql: str) -> None:
    rejected_for_partition(client, sql, "ds.games")


COLUMNS = {("ds", "games"): {"game_id", "game_date", "pts"}, ("ds", "plain"): {"game_id", "game_date", "other"}}
REQUIRED = {("ds", "games"): ("game_date", False)}


@pytest.mark.parametrize("where, unfiltered", [
    ("game_date = @d", [("ds.games", "game_date")]),                      # ambiguous: plain has it too
    ("(game_date = @d OR game_date = @lo)", [("ds.games", "game_date")]),
    ("g.game_date = @d", []),
    ("(g.game_date = @d OR g.game_date = @lo)", []),
    ("pts = 3", [("ds.games", "game_date")]),
])
def test_an_unqualified_name_another_joined_table_has_is_not_a_filter(where, unfiltered):
    tree = sqlglot.parse_one(JOINED + where, read="bigquery")
    assert unfiltered_partition_tables(tree, REQUIRED, lambda db, name: COLUMNS.get((db, name))) == unfiltered


def test_an_unqualified_name_only_the_partitioned_table_has_is_a_filter():
    tree = sqlglot.parse_one(JOINED + "pts > 1 AND game_date = @d", read="bigquery")
    only_games = {("ds", "games"): {"game_id", "game_date", "pts"}, ("ds", "plain"): {"game_id", "other"}}
    assert unfiltered_partition_tables(tree, REQUIRED, lambda db, name: only_games.get((db, name))) == []


# -- outer joins: an ON filter does not restrict the preserved side -------------------------
@pytest.mark.parametrize("sql", [
    # games is the joined (non-preserved) side of a LEFT JOIN: its ON filter prunes it
    "SELECT p.other FROM ds.plain p LEFT JOIN ds.games g ON g.game_id = p.game_id AND g.game_date = @d",
    # a LEFT JOIN first, then an inner join whose ON filters games
    "SELECT g.pts FROM ds.games g LEFT JOIN ds.plain p ON p.game_id = g.game_id "
    "JOIN ds.plain q ON q.game_id = g.game_id AND g.game_date = @d",
    # games is the null-supplying (left) side of a RIGHT JOIN: its ON filter prunes it
    "SELECT p.other FROM ds.games g RIGHT JOIN ds.plain p ON g.game_id = p.game_id AND g.game_date = @d",
])
def test_outer_join_forms_that_filter(client: DuckDBClient, sql: str) -> None:
    assert run(client, sql) == []


@pytest.mark.parametrize("sql", [
    # games is the preserved side: every games row comes out whatever the ON says
    "SELECT g.pts FROM ds.games g LEFT JOIN ds.plain p ON p.game_id = g.game_id AND g.game_date = @d",
    "SELECT g.pts FROM ds.games g LEFT OUTER JOIN ds.plain p ON p.game_id = g.game_id AND g.game_date = @d",
    "SELECT g.pts FROM ds.games g FULL JOIN ds.plain p ON p.game_id = g.game_id AND g.game_date = @d",
    # games joined by a FULL JOIN is preserved as well: both sides of a FULL JOIN are
    "SELECT p.other FROM ds.plain p FULL JOIN ds.games g ON g.game_id = p.game_id AND g.game_date = @d",
    "SELECT p.other FROM ds.plain p FULL OUTER JOIN ds.games g ON g.game_id = p.game_id AND g.game_date = @d",
    # games is the joined (preserved) side of a RIGHT JOIN
    "SELECT g.pts FROM ds.plain p RIGHT JOIN ds.games g ON g.game_id = p.game_id AND g.game_date = @d",
])
def test_an_on_filter_of_the_preserved_side_of_an_outer_join_is_rejected(client: DuckDBClient, sql: str) -> None:
    rejected_for_partition(client, sql, "ds.games")


# -- MERGE: the ON and WHEN conditions count ---------------------------------------------------
MERGE = "MERGE ds.games T USING ds.plain S ON T.game_id = S.game_id{on} WHEN MATCHED{when} THEN UPDATE SET pts = 1"


@pytest.mark.parametrize("on, when", [(" AND T.game_date = @d", ""), ("", " AND T.game_date = @d")])
def test_a_merge_filtered_in_on_or_when_runs(client: DuckDBClient, on: str, when: str) -> None:
    run(client, MERGE.format(on=on, when=when))


def test_a_merge_without_a_partition_filter_is_rejected(client: DuckDBClient) -> None:
    rejected_for_partition(client, MERGE.format(on=" AND S.game_date = @d", when=""), "ds.games")


# A filter in an outer query reaches the table through derived tables that project the
# partition column unchanged (docs/bigquery-rules.md). The check follows a column through at
# most 64 nested query levels (a guard against pathological statements; no real statement nests
# that deep); deeper, it cannot prove the filter and refuses the statement as unfiltered
# (survivors of ``rules._satisfied``: the guard's bound, its step, and what it answers).
NESTED_COLUMNS = {("ds", "games"): {"game_id", "game_date", "pts"}}


def _nested(levels: int, where: str) -> str:
    sql = "SELECT game_date, pts FROM ds.games"
    for level in range(levels):
        sql = f"SELECT game_date, pts FROM ({sql}) AS q{level}"
    return f"{sql} WHERE {where}"


def _unfiltered(sql: str) -> list[tuple[str, str]]:
    # Parsed as the embedded warehouse parses (the same tree as sqlglot's BigQuery dialect,
    # tests/unit/bigquery/test_dialect.py, without its quadratic copying of nested queries).
    tree = sqlglot.parse_one(sql, read=CoverageBigQuery)
    return unfiltered_partition_tables(tree, REQUIRED, lambda db, name: NESTED_COLUMNS.get((db, name)))


@pytest.mark.parametrize("levels", [1, 40, 64])
def test_an_outer_filter_reaches_the_table_through_up_to_64_nested_levels(levels: int) -> None:
    assert _unfiltered(_nested(levels, "game_date = @d")) == []
    assert _unfiltered(_nested(levels, "pts > 3")) == [("ds.games", "game_date")]


@pytest.mark.parametrize("levels", [65, 70])
def test_beyond_64_nested_levels_the_statement_is_refused_filtered_or_not(levels: int) -> None:
    assert _unfiltered(_nested(levels, "game_date = @d")) == [("ds.games", "game_date")]
    assert _unfiltered(_nested(levels, "pts > 3")) == [("ds.games", "game_date")]


def test_a_filter_through_40_nested_levels_runs_on_the_embedded_warehouse(client: DuckDBClient) -> None:
    assert run(client, _nested(40, "game_date = @d")) == []
    rejected_for_partition(client, _nested(40, "pts > 3"), "ds.games")
