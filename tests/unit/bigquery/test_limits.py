"""The size limits of BigQuery's quotas page, as measured by ``shared_services.bigquery.limits``.

The contract tests (tests/contract/test_query_limits.py) run each limit through both
adapters at its boundary; these check the measuring itself, with sizes computed here from the
inputs: what a view's resolved length counts, which tables count as resources, where a CREATE
VIEW's body starts and ends, and that a view referenced exponentially often is measured
without being expanded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlglot
from google.api_core import exceptions as gexc
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_services.bigquery import limits
from shared_services.bigquery.limits import (
    check_columns,
    check_descriptions,
    check_references,
    check_request,
    check_transactions,
    created_view_bodies,
)


def _trees(sql: str) -> list[sqlglot.exp.Expression]:
    return [tree for tree in sqlglot.parse(sql, read="bigquery") if tree is not None]


def _views(definitions: dict[str, str]) -> tuple[list[tuple[str, str]], object]:
    """A view lookup over ``{'ds.name': sql}`` that records each lookup."""
    asked: list[tuple[str, str]] = []

    def view_sql(dataset: str, name: str) -> str | None:
        asked.append((dataset, name))
        return definitions.get(f"{dataset}.{name}")

    return asked, view_sql


# --------------------------------------------------------------------------------------
# CREATE VIEW bodies as written
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sql", "bodies"), [
    ("CREATE VIEW ds.v AS SELECT 1 AS x", ["SELECT 1 AS x"]),
    ("CREATE OR REPLACE VIEW IF NOT EXISTS ds.v (a, b) AS SELECT 1, 2", ["SELECT 1, 2"]),
    ("CREATE VIEW ds.v OPTIONS (description = 'a AS b; c') AS SELECT 'x;y' AS s -- end\n", ["SELECT 'x;y' AS s -- end"]),
    ("CREATE VIEW ds.v AS (SELECT CAST(1 AS INT64) AS x) ;  ", ["(SELECT CAST(1 AS INT64) AS x)"]),
    ("CREATE VIEW ds.a AS SELECT 1 AS x; CREATE TABLE ds.t AS SELECT 2 AS y; CREATE VIEW ds.b AS SELECT 3 AS z",
     ["SELECT 1 AS x", "SELECT 3 AS z"]),
    ("CREATE TABLE ds.t AS SELECT 1 AS x", []),
    ("CREATE TEMP FUNCTION f() AS (1); SELECT f() AS x", []),
    ("SELECT 'CREATE VIEW ds.v AS SELECT 1' AS s", []),
    ("CREATE VIEW ds.v AS SELECT '", []),  # the tokenizer refuses it: the parser will say why
    ("CREATE VIEW ds.v OPTIONS (labels = [('a', 'b')]) AS SELECT 1 AS x", ["SELECT 1 AS x"]),
    ("CREATE VIEW ds.v AS x", ["x"]),
    ("CREATE VIEW ds.v AS", []),
    ("CREATE TABLE ds.view AS SELECT 1 AS x", []),  # a table named view is not a view
    # what looks like a bound inside a quoted name, a raw or triple-quoted string, a comment
    ("CREATE VIEW ds.v AS SELECT `a;AS b` FROM ds.t", ["SELECT `a;AS b` FROM ds.t"]),
    ("CREATE VIEW ds.v AS SELECT r'x;AS' AS s, '''y;\nAS''' AS t", ["SELECT r'x;AS' AS s, '''y;\nAS''' AS t"]),
    ("CREATE VIEW ds.v AS SELECT 1 AS x # a comment ; AS", ["SELECT 1 AS x # a comment ; AS"]),
    ("CREATE VIEW `ds.as` (`as`) AS SELECT 1 AS x; SELECT 2", ["SELECT 1 AS x"]),
])
def test_the_body_of_a_created_view_is_read_as_written(sql: str, bodies: list[str]) -> None:
    assert created_view_bodies(sql) == tuple(bodies)


# --------------------------------------------------------------------------------------
# Resolved length, levels and resources
# --------------------------------------------------------------------------------------
def test_the_resolved_length_counts_each_reference_of_each_view_resolved_in_turn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """ds.v2 reads ds.v1 three times, the query reads ds.v2 twice and ds.v1 once: resolved,
    the query is its own bytes + 2 x (v2 + 3 x v1) + v1 (v1 with a two-byte letter)."""
    v1 = "SELECT 'é' AS x FROM ds.t"
    v2 = "SELECT x FROM ds.v1 UNION ALL SELECT x FROM ds.v1 UNION ALL SELECT x FROM ds.v1"
    query = "SELECT x FROM ds.v2 UNION ALL SELECT x FROM ds.v2 UNION ALL SELECT x FROM ds.v1"
    _, view_sql = _views({"ds.v1": v1, "ds.v2": v2})
    expected = len(query) + 2 * (len(v2) + 3 * len(v1.encode())) + len(v1.encode())
    monkeypatch.setattr(limits, "MAX_RESOLVED_QUERY_BYTES", expected)
    check_references(_trees(query), len(query), view_sql)
    monkeypatch.setattr(limits, "MAX_RESOLVED_QUERY_BYTES", expected - 1)
    with pytest.raises(gexc.BadRequest, match=f"with its views resolved it is {expected:,} bytes"):
        check_references(_trees(query), len(query), view_sql)


def test_a_view_referenced_exponentially_often_is_measured_not_expanded() -> None:
    """Fifteen levels, each view above the first reading the one below ten times: 10^14
    references when expanded. The measure looks each view up and walks it once, and refuses the query by its
    resolved length."""
    definitions = {"ds.v0": "SELECT 1 AS x"}
    for level in range(1, 15):
        definitions[f"ds.v{level}"] = " UNION ALL ".join([f"SELECT x FROM ds.v{level - 1}"] * 10)
    asked, view_sql = _views(definitions)
    with pytest.raises(gexc.BadRequest, match="with its views resolved it is") as info:
        check_references(_trees("SELECT x FROM ds.v14"), 20, view_sql)
    resolved = int(str(info.value).split("it is ")[1].split(" bytes")[0].replace(",", ""))
    assert resolved > 10**14 * len(definitions["ds.v0"])
    assert sorted(asked) == sorted(("ds", f"v{level}") for level in range(15))  # each view once


def test_views_are_read_fifteen_levels_deep_and_a_cycle_is_refused() -> None:
    definitions = {"ds.v1": "SELECT x FROM ds.t"}
    for level in range(2, 17):
        definitions[f"ds.v{level}"] = f"SELECT x FROM ds.v{level - 1}"
    _, view_sql = _views(definitions)
    check_references(_trees("SELECT x FROM ds.v15"), 20, view_sql)
    with pytest.raises(gexc.BadRequest, match="it reads 16 levels of nested views \\(through ds.v16\\)"):
        check_references(_trees("SELECT x FROM ds.v16"), 20, view_sql)
    # replacing the sixteenth level reads what the new body reads, not the view it replaces
    check_references(_trees("CREATE OR REPLACE VIEW ds.v16 AS SELECT x FROM ds.v15"), 50, view_sql)
    with pytest.raises(gexc.BadRequest, match="would be 17 levels"):
        check_references(_trees("CREATE OR REPLACE VIEW ds.v17 AS SELECT x FROM ds.v16"), 50, view_sql)
    # the view a statement replaces is not read, with a column list too; a table, a CTE before
    # the view, a CREATE TABLE reading it: the levels and the view named are the same
    check_references(_trees("CREATE OR REPLACE VIEW ds.v16 (x) AS SELECT x FROM ds.v15"), 50, view_sql)
    for query in ("SELECT x FROM ds.t JOIN ds.v16 USING (x)",
                  "WITH c AS (SELECT 1 AS x) SELECT x FROM c UNION ALL SELECT x FROM ds.v16",
                  "CREATE TABLE ds.copy AS SELECT x FROM ds.v16"):
        with pytest.raises(gexc.BadRequest, match="it reads 16 levels of nested views \\(through ds.v16\\)"):
            check_references(_trees(query), len(query), view_sql)
    with pytest.raises(gexc.BadRequest, match="the view it creates would be 17 levels of nested views "
                                              "\\(through ds.v16\\)"):
        check_references(_trees("CREATE VIEW ds.v17 AS SELECT x FROM ds.v16"), 50, view_sql)
    _, cyclic = _views({"ds.a": "SELECT x FROM ds.b", "ds.b": "SELECT x FROM ds.a"})
    with pytest.raises(gexc.BadRequest, match="reference themselves\\): ds.a -> ds.b -> ds.a; "):
        check_references(_trees("SELECT x FROM ds.a"), 20, cyclic)
    # a chain longer than any warehouse can create now (an older file's) ends in a refusal,
    # not in Python's recursion limit
    _, long_chain = _views({f"ds.w{i}": f"SELECT x FROM ds.w{i + 1}" for i in range(2_000)})
    with pytest.raises(gexc.BadRequest, match="Views are nested too deeply"):
        check_references(_trees("SELECT x FROM ds.w0"), 20, long_chain)


def test_a_thousand_tables_run_and_one_more_is_refused() -> None:
    """"Maximum number of resources referenced per query": 1,000 unique tables and views
    after full expansion. Names are counted once in any letter case; a CTE is not a table;
    the tables a view reads count, and so does the view."""
    def union(count: int) -> str:
        return " UNION ALL ".join(f"SELECT x FROM ds.t{i}" for i in range(count))

    _, view_sql = _views({"ds.v": "SELECT x FROM ds.extra"})
    thousand = f"WITH c AS (SELECT 1 AS x) {union(1_000)} UNION ALL SELECT x FROM c UNION ALL SELECT x FROM DS.T0"
    check_references(_trees(thousand), len(thousand), view_sql)
    for over in (union(1_001), union(999) + " UNION ALL SELECT x FROM ds.v"):
        with pytest.raises(gexc.BadRequest, match="references 1,001 tables and views"):
            check_references(_trees(over), len(over), view_sql)
    # a script's statements are one job: their resources add up
    script = f"{union(600)}; SELECT x FROM ds.t0 UNION ALL " + " UNION ALL ".join(
        f"SELECT x FROM ds.u{i}" for i in range(401))
    with pytest.raises(gexc.BadRequest, match="references 1,001 tables and views"):
        check_references(_trees(script), len(script), view_sql)


# --------------------------------------------------------------------------------------
# The request
# --------------------------------------------------------------------------------------
def test_the_request_is_measured_as_the_client_serialises_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The query and its parameters in JSON as google-cloud-bigquery writes them (``json.dumps``
    with its defaults: non-ASCII escaped); exactly at the limit runs, one byte more is refused."""
    parameters = [{"name": "ids", "parameterType": {"type": "ARRAY", "arrayType": {"type": "STRING"}},
                   "parameterValue": {"arrayValues": [{"value": "é" * 1_000}] * 100}}]
    query = "SELECT COUNT(*) FROM UNNEST(@ids) AS id -- ü"
    size = len(json.dumps(query)) + len(json.dumps(parameters))
    assert size > len(query.encode()) + len(json.dumps(parameters, ensure_ascii=False).encode())
    monkeypatch.setattr(limits, "MAX_REQUEST_BYTES", size)
    check_request(query, parameters)
    monkeypatch.setattr(limits, "MAX_REQUEST_BYTES", size - 1)
    with pytest.raises(gexc.BadRequest, match=f"are {size:,} bytes as the client sends them"):
        check_request(query, parameters)
    check_request(query, [])  # without parameters the text alone is held to its own limits


def test_descriptions_name_the_nested_column() -> None:
    fields = [{"name": "r", "fields": [{"name": "s", "fields": [{"name": "y", "description": "d" * 1_025}]}]}]
    with pytest.raises(gexc.BadRequest, match="the description of column r.s.y is 1,025 characters"):
        check_descriptions("ds.t", None, fields)
    check_descriptions("ds.t", "t" * 16_384, [{"name": "y", "description": "d" * 1_024}])
    # something that is not a field resource is passed over, not taken for the end
    with pytest.raises(gexc.BadRequest, match="column y is 1,025"):
        check_descriptions("ds.t", None, [{"name": "y", "description": "d" * 1_025}, "not a field"])


@pytest.mark.parametrize("spelling", ["RECORD", "STRUCT"])
def test_columns_and_record_depth_are_counted_under_either_spelling(spelling: str) -> None:
    """The REST API takes RECORD and STRUCT alike: both are counted and nested."""
    wide = [{"name": "s", "type": spelling, "fields": [{"name": f"f{i}", "type": "INT64"} for i in range(10_000)]}]
    with pytest.raises(gexc.BadRequest, match="Table ds.t has 10,001 columns"):
        check_columns("ds.t", wide)
    field: dict[str, object] = {"name": "leaf", "type": "INT64"}
    for level in range(16):
        field = {"name": f"r{level}", "type": spelling, "fields": [field]}
    with pytest.raises(gexc.BadRequest, match="nests records 16 levels deep"):
        check_columns("ds.t", [field])
    check_columns("ds.t", [field["fields"][0]])  # type: ignore[index]


def test_the_character_limit_keeps_bigquerys_own_message() -> None:
    """Over 1,024,000 characters: BigQuery's words alone; at it, the byte limit (which any
    text of that length passes) adds the byte count."""
    with pytest.raises(gexc.BadRequest) as info:
        check_request("x" * 1_024_001, None)
    assert info.value.message == limits.QUERY_TOO_LARGE
    with pytest.raises(gexc.BadRequest, match="1,024,000 bytes of UTF-8"):
        check_request("x" * 1_024_000, None)


def test_a_transaction_mutates_at_most_a_hundred_tables() -> None:
    """"Multi-statement transaction table mutations": 100 tables. Each DML kind names its
    table (a column list, TRUNCATE TABLE, MERGE's target); a name in two letter cases is one
    table; statements after COMMIT or ROLLBACK, or before BEGIN, are not the transaction's."""
    kinds = ["INSERT INTO ds.t{i} (x) VALUES (1)", "UPDATE ds.t{i} SET x = 1 WHERE TRUE",
             "DELETE FROM ds.t{i} WHERE TRUE", "TRUNCATE TABLE ds.t{i}",
             "MERGE ds.t{i} AS t USING ds.s AS s ON t.x = s.x WHEN MATCHED THEN DELETE"]

    def script(count: int, before: str = "", after: str = "COMMIT TRANSACTION") -> str:
        body = "; ".join(kinds[i % len(kinds)].format(i=i) for i in range(count))
        return f"{before}BEGIN TRANSACTION; {body}; INSERT INTO DS.T0 (x) VALUES (2); {after}"

    check_transactions(_trees(script(100)))
    for end in ("COMMIT TRANSACTION", "ROLLBACK TRANSACTION", "SELECT 1"):
        with pytest.raises(gexc.BadRequest, match="mutates data in 101 tables"):
            check_transactions(_trees(script(101, after=end)))
    outside = "; ".join(f"DELETE FROM ds.o{i} WHERE TRUE" for i in range(50)) + "; "
    check_transactions(_trees(script(100, before=outside, after="COMMIT TRANSACTION; " + outside)))
    check_transactions(_trees(outside + outside.replace("ds.o", "ds.p") + outside.replace("ds.o", "ds.q")))
    # two transactions of one script are counted apart: 60 tables each is 120 in the script
    two = "; ".join(f"DELETE FROM ds.{p}{i} WHERE TRUE" for p in "ab" for i in range(60))
    check_transactions(_trees(two.replace("DELETE FROM ds.a0 ", "BEGIN TRANSACTION; DELETE FROM ds.a0 ", 1)
                              .replace("DELETE FROM ds.b0 ", "COMMIT TRANSACTION; BEGIN TRANSACTION; "
                                       "DELETE FROM ds.b0 ", 1) + "; COMMIT TRANSACTION"))


# --------------------------------------------------------------------------------------
# Load jobs: the table's daily quota, the row size (stop 40)
# --------------------------------------------------------------------------------------
def test_a_table_takes_fifteen_hundred_loads_a_day_and_the_error_carries_bigquerys_reason() -> None:
    from shared_services.bigquery.limits import (
        MAX_TABLE_LOADS_PER_DAY,
        TABLE_LOAD_QUOTA_EXCEEDED,
        check_table_loads,
    )
    from shared_services.events.sink import is_quota_exhausted, is_transient

    check_table_loads("ds.t", MAX_TABLE_LOADS_PER_DAY - 1)
    with pytest.raises(gexc.Forbidden) as info:
        check_table_loads("ds.t", MAX_TABLE_LOADS_PER_DAY)
    error = info.value
    assert error.message.startswith(TABLE_LOAD_QUOTA_EXCEEDED + " (1,500 load jobs into ds.t in the last 24 hours")
    assert error.message.endswith("Load more rows per job: one job per run, not per game or per row.)")
    assert error.errors == [{"reason": "quotaExceeded", "location": "load_job_per_table.long", "domain": "global",
                             "message": TABLE_LOAD_QUOTA_EXCEEDED}]
    assert is_quota_exhausted(error) and not is_transient(error)


def test_a_json_row_is_measured_only_past_the_bound_and_refused_at_one_byte_over() -> None:
    from shared_services.bigquery.limits import MAX_JSON_ROW_BYTES, check_json_rows

    class Counted(list):
        reads = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            Counted.reads += 1
            return super().__iter__()

    rows = Counted([{"x": "a" * 10}])
    check_json_rows(rows, MAX_JSON_ROW_BYTES)
    assert Counted.reads == 0  # under the bound nothing is serialised
    check_json_rows(rows, MAX_JSON_ROW_BYTES + 1)
    assert Counted.reads == 1
    fits = {"x": "é" * ((MAX_JSON_ROW_BYTES - len('{"x": ""}')) // 2) + "a"}  # (an odd count of bytes)
    assert len(json.dumps(fits, ensure_ascii=False).encode()) == MAX_JSON_ROW_BYTES
    check_json_rows([fits], 10**9)
    over = {"x": fits["x"] + "a"}
    with pytest.raises(gexc.BadRequest, match="in row starting at position 9: Row size is larger than: 104857600."):
        check_json_rows([{"a": 1}, over], 10**9)  # ('{"a": 1}' and its newline: 9 bytes)
    with pytest.raises(gexc.BadRequest, match=r"position 19: Row size .* \(row 2 is 104,857,601 bytes"):
        check_json_rows([{"a": 1}, {"bc": 2}, over], 10**9)  # (9 bytes, then 10: the offsets add up)


_TEXT = st.one_of(st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
                  st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=100, max_size=400),  # escaped long
                  st.text(alphabet='"\\', min_size=100, max_size=400))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={
    "s": st.one_of(st.none(), _TEXT),
    "n": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    "f": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    "b": st.one_of(st.none(), st.booleans()),
    "tags": st.one_of(st.none(), st.lists(_TEXT, max_size=5)),
}), min_size=1, max_size=8))
def test_the_loads_size_bound_is_never_below_a_row_as_the_client_sends_it(records: list[dict[str, Any]]) -> None:
    """The bound the embedded loader checks rows against (from the columns it already built)
    is at least every row's JSON size: no row over 100 MB can pass unmeasured. Any text
    (control characters escaped six bytes long, quotes, four-byte letters), numbers at their
    longest, lists, NULLs."""
    from google.cloud.bigquery import SchemaField

    from shared_services.bigquery.duckdb_client import _columnar, _json_size_bound

    schema = [SchemaField("s", "STRING"), SchemaField("n", "INT64"), SchemaField("f", "FLOAT64"),
              SchemaField("b", "BOOL"), SchemaField("tags", "STRING", mode="REPEATED")]
    built = _columnar(records, schema)
    if built is None:  # the per-row path: its bound is the batch's own JSON
        return
    bound = _json_size_bound(built[0], schema, len(records))
    assert bound >= max(len(json.dumps(r, ensure_ascii=False).encode()) for r in records)
