"""BigQuery's size limits on a query job and on a view, on both adapters.

BigQuery's quotas page ("Query jobs", "Logical views", "Tables":
https://cloud.google.com/bigquery/quotas) fixes the size of what a job may send and read:
the query's text, its parameters, the request as a whole, the views it resolves, the tables
it reaches, the query that defines a view and the descriptions of tables and columns. DuckDB
has none of these limits, so a processor that builds its SQL or parameters from data ran here
and failed in production. Each limit is tested at its boundary: the last size that runs, and
the first that is refused, with a message that names the limit.

On the HTTP adapter the real client sends each job over the wire to the stand-in (which
delegates to the embedded warehouse: see ``test_client_contract``'s docstring), so the
parameters' size is measured on what the client actually serialised.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from tests.contract.conftest import Adapter


def _dataset(adapter: Adapter) -> None:
    adapter.client.create_dataset(f"{adapter.project}.ds")
    adapter.client.query("CREATE TABLE ds.t (x INT64)").result()
    adapter.client.query("INSERT INTO ds.t (x) VALUES (7)").result()


def _values(adapter: Adapter, sql: str, config: bigquery.QueryJobConfig | None = None) -> list[object]:
    return [row[0] for row in adapter.client.query(sql, job_config=config).result()]


# --------------------------------------------------------------------------------------
# The query's text
# --------------------------------------------------------------------------------------
def test_a_query_over_one_megabyte_is_refused_by_its_bytes(adapter: Adapter) -> None:
    """"Maximum unresolved GoogleSQL query length": 1 MB, read as 1,000,000 bytes of UTF-8
    (the stricter reading). A query of exactly 1,000,000 ASCII bytes runs; one byte more is
    refused, and so is a query of half a million two-byte letters: far under the 1,024k
    characters of the other row, but over a million bytes. The message is BigQuery's and adds the byte count."""
    head, tail = "SELECT 'é' AS x /* ", " */"
    ascii_limit = head.replace("é", "e") + "x" * (1_000_000 - len(head) - len(tail)) + tail
    assert len(ascii_limit.encode()) == 1_000_000
    assert _values(adapter, ascii_limit) == ["e"]
    two_byte = head + "é" * 500_000 + tail
    assert len(two_byte) < 1_000_000 < len(two_byte.encode())
    for over in (ascii_limit + " ", two_byte):
        with pytest.raises(gexc.BadRequest) as info:
            adapter.client.query(over).result()
        message = str(info.value)
        assert "The query is too large." in message
        assert f"{len(over.encode()):,} bytes of UTF-8" in message and "1,000,000 bytes" in message
    with pytest.raises(gexc.BadRequest, match="The query is too large"):
        adapter.client.query(two_byte, job_config=bigquery.QueryJobConfig(dry_run=True))


# --------------------------------------------------------------------------------------
# Parameters and the request
# --------------------------------------------------------------------------------------
def test_ten_thousand_parameters_run_and_one_more_is_refused(adapter: Adapter) -> None:
    """"Maximum number of GoogleSQL query parameters": 10,000."""
    def config(count: int) -> bigquery.QueryJobConfig:
        return bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter(f"p{i}", "INT64", i) for i in range(count)])

    assert _values(adapter, "SELECT @p0 + @p9999", config(10_000)) == [9_999]
    with pytest.raises(gexc.BadRequest) as info:
        adapter.client.query("SELECT @p0 + @p9999", job_config=config(10_001)).result()
    assert "10,001 query parameters" in str(info.value) and "at most 10,000" in str(info.value)


def test_a_request_over_ten_megabytes_of_parameters_is_refused_as_bigquerys_front_end_does(adapter: Adapter) -> None:
    """"Maximum request size": 10 MB, query parameters included (an 800,000-id list parameter
    failed so in production: googleapis/google-cloud-python#4864, "Request Entity Too Large").
    A list of 950 strings of 10,000 letters, 9.5 MB as the client sends it, runs; 1,100 of
    them, 11 MB, are refused with the front end's message and the sizes. (Long strings, not
    many ids: the same bytes in a fraction of the suite's time.)"""
    sql = "SELECT COUNT(*) FROM UNNEST(@ids) AS id WHERE LENGTH(id) = 10000"

    def ids(count: int) -> bigquery.QueryJobConfig:
        return bigquery.QueryJobConfig(query_parameters=[
            bigquery.ArrayQueryParameter("ids", "STRING", [f"{i:05d}" + "g" * 9_995 for i in range(count)])])

    def sent(config: bigquery.QueryJobConfig) -> int:
        """The parameters' bytes as google-cloud-bigquery writes the request (json.dumps)."""
        return len(json.dumps([p.to_api_repr() for p in config.query_parameters]))

    under = ids(950)
    assert 9_000_000 < sent(under) + len(json.dumps(sql)) < 10_000_000
    assert _values(adapter, sql, under) == [950]
    over = ids(1_100)
    assert sent(over) > 10_000_000
    with pytest.raises(gexc.BadRequest) as info:
        adapter.client.query(sql, job_config=over).result()
    message = str(info.value)
    assert "Request payload size exceeds the limit: 10485760 bytes." in message
    assert f"the parameters {sent(over):,}" in message and "Load a long list into a table" in message


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------
def _chain(adapter: Adapter, levels: int, through_api: bool = False) -> str:
    """Views ds.v1 .. ds.v{levels}, each over the one before (ds.v1 over ds.t)."""
    below = "ds.t"
    for level in range(1, levels + 1):
        name = f"ds.v{level}"
        if through_api:
            view = bigquery.Table(f"{adapter.project}.{name}")
            view.view_query = f"SELECT x FROM {below}"
            adapter.client.create_table(view)
        else:
            adapter.client.query(f"CREATE VIEW {name} AS SELECT x FROM {below}").result()
        below = name
    return below


def _view_creator(adapter: Adapter, name: str, query: str, through_api: bool) -> Callable[[], object]:
    """What creates the view ds.``name`` of ``query``: tables.insert, or CREATE VIEW."""
    if through_api:
        view = bigquery.Table(f"{adapter.project}.ds.{name}")
        view.view_query = query
        return lambda: adapter.client.create_table(view)
    return lambda: adapter.client.query(f"CREATE VIEW ds.{name} AS {query}").result()


@pytest.mark.parametrize("through_api", [False, True], ids=["ddl", "tables_insert"])
def test_views_are_created_sixteen_deep_and_queried_fifteen_deep(adapter: Adapter, through_api: bool) -> None:
    """"Maximum number of nested view levels": 16; "creating views up to this limit is
    possible, but querying is limited to 15 levels" (INVALID_INPUT). Before, any depth ran
    here (the depth was looked at only when a table required a partition filter)."""
    _dataset(adapter)
    _chain(adapter, 16, through_api)
    assert _values(adapter, "SELECT x FROM ds.v15") == [7]
    with pytest.raises(gexc.BadRequest) as info:
        adapter.client.query("SELECT x FROM ds.v16").result()
    assert "it reads 16 levels of nested views (through ds.v16)" in str(info.value)
    assert "queries at most 15" in str(info.value)
    # a view over the sixteenth would be the seventeenth level: refused either way
    with pytest.raises(gexc.BadRequest, match="the view it creates would be 17 levels"):
        adapter.client.query("CREATE VIEW ds.v17 AS SELECT x FROM ds.v16").result()
    view = bigquery.Table(f"{adapter.project}.ds.v17")
    view.view_query = "SELECT x FROM ds.v16"
    with pytest.raises(gexc.BadRequest, match="reads 16 levels"):
        adapter.client.create_table(view)
    assert "v17" not in {t.table_id for t in adapter.client.list_tables("ds")}
    # a query that reads the sixteenth level only through a join is refused as well
    with pytest.raises(gexc.BadRequest, match="16 levels"):
        adapter.client.query("SELECT a.x FROM ds.v1 AS a JOIN ds.v16 AS b ON a.x = b.x").result()


@pytest.mark.parametrize("through_api", [False, True], ids=["ddl", "tables_insert"])
def test_a_view_query_over_256k_characters_is_refused(adapter: Adapter, through_api: bool) -> None:
    """"Maximum length of a GoogleSQL query used to define a view": 256 K characters, read as
    256,000, measured as written (a comment counts; a CREATE VIEW's body from its AS on). The
    view it would create is not created."""
    _dataset(adapter)

    def body(length: int) -> str:
        head, tail = "SELECT x FROM ds.t /* ", " */"
        return head + "é" * (length - len(head) - len(tail)) + tail

    for name, length, runs in (("at_limit", 256_000, True), ("over", 256_001, False)):
        text = body(length)
        assert len(text) == length
        create = _view_creator(adapter, name, text, through_api)
        if runs:
            create()
            assert _values(adapter, f"SELECT x FROM ds.{name}") == [7]
            assert adapter.client.get_table(f"{adapter.project}.ds.{name}").view_query == text
        else:
            with pytest.raises(gexc.BadRequest) as info:
                create()
            assert f"View ds.{name}: its query is 256,001 characters" in str(info.value)
            with pytest.raises(gexc.NotFound):
                adapter.client.get_table(f"{adapter.project}.ds.{name}")


def test_a_view_keeps_its_query_as_written_and_its_description(adapter: Adapter) -> None:
    """tables.get of a view returns its query as it was written (comments kept; before, the
    warehouse returned none) and the description of its OPTIONS (before, dropped); a
    ``;`` or ``AS`` inside a string or comment is not taken for the body's bounds."""
    _dataset(adapter)
    adapter.client.query("CREATE VIEW ds.v OPTIONS (description = 'minutes AS played; per game') AS\n"
                         "  SELECT x /* the AS; */ FROM ds.t -- trailing\n").result()
    view = adapter.client.get_table(f"{adapter.project}.ds.v")
    assert view.table_type == "VIEW"
    assert view.view_query == "SELECT x /* the AS; */ FROM ds.t -- trailing"
    assert view.description == "minutes AS played; per game"


def test_a_query_whose_views_resolve_past_twelve_megabytes_is_refused(adapter: Adapter) -> None:
    """"Maximum resolved legacy and GoogleSQL query length": 12 MB, "includes the length of
    all views ... referenced by the query", read as 12,000,000 bytes. A view of 200,000 bytes
    referenced 59 times resolves to 11.8 MB and runs; 60 times plus the query's own text is
    over. A view over that view counts it again at each reference, without expanding it."""
    _dataset(adapter)
    padding = "SELECT x FROM ds.t /* " + "z" * (200_000 - 25) + " */"
    assert len(padding) == 200_000
    adapter.client.query(f"CREATE VIEW ds.big AS {padding}").result()

    def union(times: int, view: str = "ds.big") -> str:
        return " UNION ALL ".join([f"SELECT x FROM {view}"] * times)

    assert _values(adapter, f"SELECT COUNT(*) FROM ({union(59)})") == [59]
    with pytest.raises(gexc.BadRequest) as info:
        adapter.client.query(f"SELECT COUNT(*) FROM ({union(60)})").result()
    message = str(info.value)
    own = len(f"SELECT COUNT(*) FROM ({union(60)})")
    assert f"with its views resolved it is {own + 60 * 200_000:,} bytes" in message
    assert "12,000,000 bytes" in message
    # a view of 30 references to ds.big is 6 MB resolved: two references to it are 12 MB
    adapter.client.query(f"CREATE VIEW ds.bigger AS {union(30)}").result()
    assert _values(adapter, "SELECT COUNT(*) FROM ds.bigger") == [30]
    with pytest.raises(gexc.BadRequest, match="with its views resolved"):
        adapter.client.query(f"SELECT COUNT(*) FROM ({union(2, 'ds.bigger')})").result()


def test_the_resources_a_query_reaches_through_its_views_are_counted(adapter: Adapter,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """"Maximum number of resources referenced per query": 1,000 unique tables and views
    "after full expansion". The count goes through views (a view and the tables it reads
    each count once, however often referenced). Tested with the limit lowered to 4 (a
    thousand tables would only slow the suite: tests/unit/bigquery/test_limits.py counts
    1,001 in a statement's text); the stand-in's client reads the same constant."""
    from shared_services.bigquery import limits

    _dataset(adapter)
    for name in ("a", "b", "c"):
        adapter.client.query(f"CREATE TABLE ds.{name} (x INT64)").result()
    adapter.client.query("CREATE VIEW ds.ab AS SELECT x FROM ds.a UNION ALL SELECT x FROM ds.b").result()
    monkeypatch.setattr(limits, "MAX_REFERENCED_RESOURCES", 4)
    # ds.ab, ds.a, ds.b, ds.t: four, each counted once
    assert _values(adapter, "SELECT COUNT(*) FROM (SELECT x FROM ds.ab UNION ALL SELECT x FROM ds.ab "
                            "UNION ALL SELECT x FROM ds.a UNION ALL SELECT x FROM ds.t)") == [1]
    with pytest.raises(gexc.BadRequest) as info:
        adapter.client.query("SELECT COUNT(*) FROM (SELECT x FROM ds.ab UNION ALL SELECT x FROM ds.c "
                             "UNION ALL SELECT x FROM ds.t)").result()
    assert "references 5 tables and views with its views expanded" in str(info.value)


# --------------------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------------------
def test_descriptions_over_bigquerys_lengths_are_refused(adapter: Adapter) -> None:
    """"Maximum length of a table description" (and of a view's): 16,384 characters; "of a
    column description": 1,024, nested columns too. Through tables.insert and DDL; nothing is
    created when refused. Before, any length was kept."""
    _dataset(adapter)
    ok = bigquery.Table(f"{adapter.project}.ds.ok", schema=[
        bigquery.SchemaField("r", "RECORD", fields=[bigquery.SchemaField("y", "INT64", description="d" * 1_024)])])
    ok.description = "t" * 16_384
    adapter.client.create_table(ok)
    assert adapter.client.get_table(f"{adapter.project}.ds.ok").description == "t" * 16_384
    long_table = bigquery.Table(f"{adapter.project}.ds.long_table", schema=[bigquery.SchemaField("x", "INT64")])
    long_table.description = "t" * 16_385
    nested = bigquery.Table(f"{adapter.project}.ds.long_column", schema=[
        bigquery.SchemaField("r", "RECORD", fields=[bigquery.SchemaField("y", "INT64", description="d" * 1_025)])])
    view = bigquery.Table(f"{adapter.project}.ds.long_view")
    view.view_query = "SELECT x FROM ds.t"
    view.description = "v" * 16_385
    for table, expected in ((long_table, "Table ds.long_table: its description is 16,385 characters"),
                            (nested, "Table ds.long_column: the description of column r.y is 1,025 characters"),
                            (view, "Table ds.long_view: its description is 16,385 characters")):
        with pytest.raises(gexc.BadRequest) as info:
            adapter.client.create_table(table)
        assert expected in str(info.value)
    for ddl in (f"CREATE TABLE ds.long_ddl (x INT64) OPTIONS (description = '{'t' * 16_385}')",
                f"CREATE VIEW ds.long_ddl OPTIONS (description = '{'v' * 16_385}') AS SELECT x FROM ds.t"):
        with pytest.raises(gexc.BadRequest, match="ds.long_ddl: its description is 16,385 characters"):
            adapter.client.query(ddl).result()
    assert {t.table_id for t in adapter.client.list_tables("ds")} == {"t", "ok"}


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------
def _flat(count: int, prefix: str = "c") -> list[bigquery.SchemaField]:
    return [bigquery.SchemaField(f"{prefix}{i}", "INT64") for i in range(count)]


def test_ten_thousand_columns_nested_ones_counted_and_one_more_is_refused(adapter: Adapter) -> None:
    """"Maximum columns in a table, query result, or view definition": 10,000, "This includes
    nested and repeated columns". A table of 10,000 is created; 9,998 columns and a RECORD of
    two are 10,001 (the record and each of its fields count) and refused, through
    tables.insert, a load that would create the table and ALTER TABLE ADD COLUMN. Nothing
    refused is left behind."""
    client = adapter.client
    _dataset(adapter)
    client.create_table(bigquery.Table(f"{adapter.project}.ds.wide", schema=_flat(10_000)))
    nested = [*_flat(9_998), bigquery.SchemaField("r", "RECORD", mode="REPEATED", fields=_flat(2, "f"))]
    with pytest.raises(gexc.BadRequest, match="Table ds.over has 10,001 columns"):
        client.create_table(bigquery.Table(f"{adapter.project}.ds.over", schema=nested))
    load = bigquery.LoadJobConfig(schema=nested, source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON)
    with pytest.raises(gexc.BadRequest, match="Table ds.loaded has 10,001 columns"):
        client.load_table_from_json([{"c0": 1}], f"{adapter.project}.ds.loaded", job_config=load).result()
    with pytest.raises(gexc.BadRequest, match="Table ds.wide has 10,001 columns"):
        client.query("ALTER TABLE ds.wide ADD COLUMN one_more INT64").result()
    assert {t.table_id for t in client.list_tables("ds")} == {"t", "wide"}
    assert len(client.get_table(f"{adapter.project}.ds.wide").schema) == 10_000


def test_a_query_result_and_a_ctas_are_held_to_the_column_limit(adapter: Adapter,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The same limit on a query's result and on the table a CREATE TABLE AS SELECT makes
    (nested fields counted). With the limit lowered to 5: a SELECT of 10,001 columns takes
    the warehouse 4 s to translate and check, and the boundary itself is pinned above."""
    from shared_services.bigquery import limits

    monkeypatch.setattr(limits, "MAX_COLUMNS", 5)
    _dataset(adapter)
    five = "SELECT 1 AS a, 2 AS b, STRUCT(3 AS c, 4 AS d) AS s"  # a, b, s, s.c, s.d
    assert _values(adapter, five) == [1]
    six = "SELECT 1 AS a, 2 AS b, STRUCT(3 AS c, 4 AS d, 5 AS e) AS s"
    with pytest.raises(gexc.BadRequest, match="The query's result has 6 columns"):
        adapter.client.query(six).result()
    with pytest.raises(gexc.BadRequest, match="Table ds.ctas has 6 columns"):
        adapter.client.query(f"CREATE TABLE ds.ctas AS {six}").result()
    assert {t.table_id for t in adapter.client.list_tables("ds")} == {"t"}


def test_records_nest_fifteen_levels_and_not_sixteen(adapter: Adapter) -> None:
    """"Maximum depth of nested records": 15 levels, repeated or not."""
    def nested(levels: int) -> list[bigquery.SchemaField]:
        field = bigquery.SchemaField("leaf", "INT64")
        for level in range(levels):
            field = bigquery.SchemaField(f"r{level}", "RECORD", mode="REPEATED" if level % 2 else "NULLABLE",
                                         fields=[field])
        return [field]

    _dataset(adapter)
    adapter.client.create_table(bigquery.Table(f"{adapter.project}.ds.deep", schema=nested(15)))
    with pytest.raises(gexc.BadRequest, match="Table ds.deeper nests records 16 levels deep"):
        adapter.client.create_table(bigquery.Table(f"{adapter.project}.ds.deeper", schema=nested(16)))
    assert {t.table_id for t in adapter.client.list_tables("ds")} == {"t", "deep"}


@pytest.mark.parametrize("through_api", [False, True], ids=["ddl", "tables_insert"])
def test_a_view_is_held_to_the_column_limit(adapter: Adapter, through_api: bool,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit names a "view definition" too: a view of more columns (nested ones counted)
    is refused and not created (the limit lowered to 5, as for query results)."""
    from shared_services.bigquery import limits

    monkeypatch.setattr(limits, "MAX_COLUMNS", 5)
    _dataset(adapter)
    for name, body, runs in (("five", "SELECT x, x AS y, STRUCT(1 AS c, 2 AS d) AS s FROM ds.t", True),
                             ("six", "SELECT x, x AS y, STRUCT(1 AS c, 2 AS d, 3 AS e) AS s FROM ds.t", False)):
        create = _view_creator(adapter, name, body, through_api)
        if runs:
            create()
        else:
            with pytest.raises(gexc.BadRequest, match=f"View ds.{name} has 6 columns"):
                create()
    assert {t.table_id for t in adapter.client.list_tables("ds")} == {"t", "five"}


def test_a_transaction_over_the_table_limit_is_refused_before_it_writes(adapter: Adapter,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """"Multi-statement transaction table mutations": at most 100 tables (lowered to 2 here:
    the count is in test_limits). The script is refused whole, before its first INSERT."""
    from shared_services.bigquery import limits

    monkeypatch.setattr(limits, "MAX_TRANSACTION_TABLES", 2)
    _dataset(adapter)
    for name in ("a", "b"):
        adapter.client.query(f"CREATE TABLE ds.{name} (x INT64)").result()
    two = "BEGIN TRANSACTION; INSERT INTO ds.a (x) VALUES (1); INSERT INTO ds.b (x) VALUES (1); COMMIT TRANSACTION"
    adapter.client.query(two).result()
    with pytest.raises(gexc.BadRequest, match="The transaction mutates data in 3 tables"):
        adapter.client.query(two.replace("COMMIT", "DELETE FROM ds.t WHERE TRUE; COMMIT")).result()
    assert _values(adapter, "SELECT (SELECT COUNT(*) FROM ds.a) + (SELECT COUNT(*) FROM ds.t)") == [2]


# --------------------------------------------------------------------------------------
# Partitions a job writes
# --------------------------------------------------------------------------------------
_DAYS = "SELECT DATE_ADD(DATE '2000-01-01', INTERVAL n DAY) AS d, n AS x FROM UNNEST(GENERATE_ARRAY(0, {last})) AS n"


def _partitioned(adapter: Adapter, column_type: str = "DATE") -> None:
    _dataset(adapter)
    by = "d" if column_type == "DATE" else "DATE(d)"
    adapter.client.query(f"CREATE TABLE ds.p (d {column_type}, x INT64) PARTITION BY {by}").result()
    adapter.client.query(f"CREATE TABLE ds.days AS {_DAYS.format(last=4_000)}").result()


def test_a_query_writing_more_than_four_thousand_partitions_is_refused_in_bigquerys_words(adapter: Adapter) -> None:
    """"Number of partitions modified by a single job": 4,000; BigQuery "rejects any query or
    load job that attempts to modify more than 4,000 partitions", with "Too many partitions
    produced by query, allowed 4000, query produces at least N partitions" (a MERGE script:
    GoogleCloudPlatform/cortex-dag-generator#5). INSERT, MERGE, DELETE and UPDATE count the
    partitions they write (a NULL partition value is one more); a script is rolled back whole."""
    _partitioned(adapter)
    client = adapter.client
    client.query("INSERT INTO ds.p (d, x) SELECT d, x FROM ds.days WHERE x < 4000").result()
    assert _values(adapter, "SELECT COUNT(DISTINCT d) FROM ds.p WHERE d IS NOT NULL") == [4_000]
    for statement in (
            "INSERT INTO ds.p (d, x) SELECT d, x FROM ds.days",
            "INSERT INTO ds.p (d, x) SELECT d, x FROM ds.days WHERE x < 4000 UNION ALL SELECT NULL, -1",
            "MERGE ds.p AS T USING ds.days AS S ON T.x = S.x WHEN MATCHED THEN UPDATE SET x = S.x "
            "WHEN NOT MATCHED THEN INSERT (d, x) VALUES (S.d, S.x)",
            "BEGIN TRANSACTION; DELETE FROM ds.p WHERE x < 10; "
            "INSERT INTO ds.p (d, x) SELECT d, x FROM ds.days; COMMIT TRANSACTION"):
        with pytest.raises(gexc.BadRequest) as info:
            client.query(statement).result()
        assert "Too many partitions produced by query, allowed 4000, query produces at least 4001 partitions" \
            in str(info.value)
    assert _values(adapter, "SELECT COUNT(*) FROM ds.p WHERE d IS NOT NULL") == [4_000]  # nothing written
    client.query("UPDATE ds.p SET x = x + 1 WHERE d IS NOT NULL").result()  # 4,000 partitions: runs
    job = client.query("DELETE FROM ds.p AS T WHERE EXISTS (SELECT 1 FROM ds.days AS d WHERE d.x = T.x)")
    job.result()
    assert job.num_dml_affected_rows == 4_000


def test_a_partitioned_create_table_as_select_is_held_to_four_thousand_partitions(adapter: Adapter) -> None:
    """CREATE [OR REPLACE] TABLE ... PARTITION BY ... AS SELECT writes every partition of the
    table it makes (the dbt model of fivetran/dbt_zendesk#39 failed so): 4,000 days are
    created, 4,001 refused and the table left as it was."""
    _partitioned(adapter)
    client = adapter.client
    client.query("CREATE TABLE ds.c PARTITION BY d AS SELECT d, x FROM ds.days WHERE x < 4000").result()
    for statement in ("CREATE OR REPLACE TABLE ds.c PARTITION BY d AS SELECT d, x FROM ds.days",
                      "CREATE TABLE ds.c2 PARTITION BY d AS SELECT d, x FROM ds.days WHERE x < 4000 "
                      "UNION ALL SELECT NULL, -1"):
        with pytest.raises(gexc.BadRequest, match="query produces at least 4001 partitions"):
            client.query(statement).result()
    assert _values(adapter, "SELECT COUNT(*) FROM ds.c") == [4_000]
    assert "c2" not in {t.table_id for t in client.list_tables("ds")}


def test_a_load_writing_more_than_four_thousand_partitions_is_refused(adapter: Adapter) -> None:
    """The same limit on a load job (into an existing table or one it creates, a TIMESTAMP
    column partitioned by day): 4,000 days load, 4,001 (or 4,000 and a NULL) are refused and
    nothing is written."""
    _partitioned(adapter, "TIMESTAMP")
    schema = [bigquery.SchemaField("d", "TIMESTAMP"), bigquery.SchemaField("x", "INT64")]
    rows = [{"d": f"{day}T23:59:59Z", "x": i} for i, day in enumerate(_iso_days(4_001))]
    config = bigquery.LoadJobConfig(schema=schema)
    for batch in (rows, [*rows[:4_000], {"d": None, "x": -1}]):
        with pytest.raises(gexc.BadRequest, match="The load job writes 4,001 partitions of ds.p"):
            adapter.client.load_table_from_json(batch, f"{adapter.project}.ds.p", job_config=config).result()
    assert _values(adapter, "SELECT COUNT(*) FROM ds.p WHERE d IS NOT NULL OR d IS NULL") == [0]
    adapter.client.load_table_from_json(rows[:4_000], f"{adapter.project}.ds.p", job_config=config).result()
    assert _values(adapter, "SELECT COUNT(DISTINCT DATE(d)) FROM ds.p WHERE d IS NOT NULL") == [4_000]


def _iso_days(count: int) -> list[str]:
    import datetime as dt

    return [(dt.date(2000, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(count)]


def test_a_partitioning_type_bigquery_does_not_have_is_refused_and_never_reaches_sql(adapter: Adapter) -> None:
    """TimePartitioning's type is DAY, HOUR, MONTH or YEAR; the client library sends any
    string. A hostile one (quotes and SQL) was stored, and since the partition count writes
    the unit into SQL it must never get there: refused through tables.insert and a load that
    would create the table, nothing created."""
    _dataset(adapter)
    hostile = "DAY', d)) FROM ds.t; DROP TABLE ds.t; --"
    schema = [bigquery.SchemaField("d", "DATE"), bigquery.SchemaField("x", "INT64")]
    table = bigquery.Table(f"{adapter.project}.ds.h", schema=schema)
    table.time_partitioning = bigquery.TimePartitioning(type_=hostile, field="d")
    with pytest.raises(gexc.BadRequest, match="invalid time partitioning type"):
        adapter.client.create_table(table)
    config = bigquery.LoadJobConfig(schema=schema, time_partitioning=bigquery.TimePartitioning(type_="WEEK", field="d"))
    with pytest.raises(gexc.BadRequest, match="invalid time partitioning type 'WEEK'"):
        adapter.client.load_table_from_json([{"d": "2025-01-01", "x": 1}], f"{adapter.project}.ds.l",
                                            job_config=config).result()
    assert {t.table_id for t in adapter.client.list_tables("ds")} == {"t"}
    assert _values(adapter, "SELECT COUNT(*) FROM ds.t") == [1]


def test_ddl_partitioning_keeps_its_unit_and_partitions_are_counted_in_it(adapter: Adapter) -> None:
    """PARTITION BY DATE_TRUNC(d, MONTH) / TIMESTAMP_TRUNC(t, HOUR) make MONTH / HOUR tables
    (the warehouse recorded DAY for every DDL table, so get_table said DAY and the partition
    count would have counted days): 5,001 days are 165 monthly partitions and run; 4,001 hours
    are 4,001 hourly partitions and are refused. WEEK is no partitioning type."""
    _dataset(adapter)
    client = adapter.client
    client.query("CREATE TABLE ds.m (d DATE, x INT64) PARTITION BY DATE_TRUNC(d, MONTH)").result()
    client.query("CREATE TABLE ds.h (t TIMESTAMP, x INT64) PARTITION BY TIMESTAMP_TRUNC(t, HOUR)").result()
    assert client.get_table(f"{adapter.project}.ds.m").time_partitioning.type_ == "MONTH"
    assert client.get_table(f"{adapter.project}.ds.h").time_partitioning.type_ == "HOUR"
    job = client.query("INSERT INTO ds.m (d, x) SELECT DATE_ADD(DATE '2000-01-01', INTERVAL n DAY), n "
                       "FROM UNNEST(GENERATE_ARRAY(0, 5000)) AS n")
    job.result()
    assert job.num_dml_affected_rows == 5_001
    with pytest.raises(gexc.BadRequest, match="query produces at least 4001 partitions"):
        client.query("INSERT INTO ds.h (t, x) SELECT TIMESTAMP_ADD(TIMESTAMP '2000-01-01 00:00:00+00', "
                     "INTERVAL n HOUR), n FROM UNNEST(GENERATE_ARRAY(0, 4000)) AS n").result()
    with pytest.raises(gexc.BadRequest, match="PARTITION BY expression must be"):
        client.query("CREATE TABLE ds.w (d DATETIME) PARTITION BY DATETIME_TRUNC(d, WEEK)").result()


def test_a_table_holds_at_most_ten_thousand_partitions(adapter: Adapter) -> None:
    """"Number of partitions per partitioned table": 10,000. Three jobs of at most 4,000 days
    fill 10,000 partitions; a fourth job adding one more day, or a NULL (the __NULL__
    partition), through a query or a load, is refused and rolled back; a row in a partition
    the table has is written."""
    _dataset(adapter)
    client = adapter.client
    client.query("CREATE TABLE ds.p (d DATE, x INT64) PARTITION BY d").result()
    days = ("INSERT INTO ds.p (d, x) SELECT DATE_ADD(DATE '2000-01-01', INTERVAL n DAY), n "
            "FROM UNNEST(GENERATE_ARRAY({first}, {last})) AS n")
    for first, last in ((0, 3_999), (4_000, 7_999), (8_000, 9_999)):
        client.query(days.format(first=first, last=last)).result()
    schema = [bigquery.SchemaField("d", "DATE"), bigquery.SchemaField("x", "INT64")]
    for write in (lambda: client.query(days.format(first=10_000, last=10_000)).result(),
                  lambda: client.query("INSERT INTO ds.p (d, x) VALUES (NULL, -1)").result(),
                  lambda: client.load_table_from_json([{"d": "2030-01-01", "x": -2}], f"{adapter.project}.ds.p",
                                                      job_config=bigquery.LoadJobConfig(schema=schema)).result()):
        with pytest.raises(gexc.BadRequest, match="Table ds.p would have 10,001 partitions"):
            write()
    client.query("INSERT INTO ds.p (d, x) VALUES ('2000-01-05', 1)").result()
    assert _values(adapter, "SELECT COUNT(*) FROM ds.p WHERE d IS NOT NULL OR d IS NULL") == [10_001]
