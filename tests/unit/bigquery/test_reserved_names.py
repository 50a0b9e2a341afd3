"""Names the user configures, in the SQL the library writes: quoted, so BigQuery takes them.

GoogleSQL refuses a reserved keyword (``rows``, ``range``, ``new``, ``hash`` ...) as an unquoted
name ("Lexical structure and syntax",
https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#reserved_keywords), and
the embedded warehouse now refuses it too (``rules.RESERVED_KEYWORDS``). The library writes
configured column names into DDL (``table_ddl``), the audit's presence query (an
``--audit-config`` table's ``id_column`` / ``date_column``) and the report's tier counts;
each is run here on the embedded warehouse with reserved names. A description becomes a
string literal without surrogate escapes, which GoogleSQL refuses (section "Escape sequences").
``replace_rows`` is covered on both adapters in tests/contract/test_writer_contract.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from data_processors.reporting.html_report import TierTable, tier_counts_sql
from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from data_processors.source_coverage_audit.config import AuditTable
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.identifiers import InvalidIdentifierError, quote_column
from shared_services.bigquery.provisioning import table_ddl
from shared_services.bigquery.schemas import TableSpec

S = bigquery.SchemaField
DAY = dt.date(2025, 1, 15)
SPEC = TableSpec(
    "nba_raw.reserved_names",
    [S("range", "STRING", mode="REQUIRED", description="key \U0001F3C0 \"quoted\" \\ back\nslash"),
     S("new", "DATE"), S("rows", "INT64"), S("quality_tier", "STRING"),
     S("hash", "RECORD", fields=[S("window", "STRING")]),
     S("quality_calculated_at", "TIMESTAMP")],
    partition_field="new", clustering_fields=["range", "rows"], require_partition_filter=True,
    description="Reserved names \U0001F3C0 and a lone \ud83d half",
)


@pytest.fixture
def client(tmp_path):
    c = DuckDBClient(str(tmp_path / "w.duckdb"), project="test-project")
    c.create_dataset("nba_raw")
    c.query(table_ddl(SPEC, "test-project")).result()
    c.load_table_from_json([{"range": "0022400561", "new": "2025-01-15", "rows": 3, "quality_tier": "gold",
                             "hash": {"window": "w"}, "quality_calculated_at": "2025-01-16T01:00:00Z"},
                            {"range": "0022400562", "new": "2025-01-15", "rows": 4, "quality_tier": "gold",
                             "hash": None, "quality_calculated_at": None}],
                           "nba_raw.reserved_names").result()
    yield c
    c.close()


def test_the_ddl_quotes_every_column_and_has_no_surrogate_escape():
    ddl = table_ddl(SPEC, "test-project")
    for name in ("range", "new", "rows", "hash", "window"):
        assert f"`{name}` " in ddl, name
    assert "PARTITION BY `new`\nCLUSTER BY `range`, `rows`\n" in ddl
    assert not re.search(r"\\u[dD][89a-fA-F]", ddl)  # no \ud83d-style escape anywhere
    assert '"key \U0001F3C0 \\"quoted\\" \\\\ back\\nslash"' in ddl  # json escapes GoogleSQL reads alike
    assert "and a lone \ufffd half" in ddl


def test_the_ddl_creates_the_table_the_spec_describes(client):
    table = client.get_table("nba_raw.reserved_names")
    assert [(f.name, f.field_type, f.mode) for f in table.schema][:3] == [
        ("range", "STRING", "REQUIRED"), ("new", "DATE", "NULLABLE"), ("rows", "INTEGER", "NULLABLE")]
    assert table.time_partitioning.field == "new" and table.clustering_fields == ["range", "rows"]
    assert table.require_partition_filter is True
    assert table.schema[4].fields[0].name == "window"


def test_the_audit_presence_query_quotes_the_configured_columns(client):
    spec = AuditTable("nba_raw.reserved_names", id_column="range", date_column="new", tracks_quality=True)
    audit = SourceCoverageAuditProcessor(client, dry_run=True, tables=[spec])
    sql = audit.table_presence_sql(spec)
    assert "SELECT `range` AS game_key" in sql and "WHERE `new` BETWEEN" in sql and "GROUP BY `range`" in sql
    params = [bigquery.ScalarQueryParameter("start_date", "DATE", DAY),
              bigquery.ScalarQueryParameter("end_date", "DATE", DAY),
              bigquery.ArrayQueryParameter("game_keys", "STRING", ["0022400561", "0022400563"])]
    rows = client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=params)).result()
    assert [tuple(r.values()) for r in rows] == [("0022400561", 1, 1)]


def test_the_report_tier_counts_quote_the_date_column(client):
    sql = tier_counts_sql([TierTable("nba_raw.reserved_names", "new", "Reserved")])
    assert "`new` AS day" in sql and "GROUP BY `new`, quality_tier" in sql
    params = [bigquery.ScalarQueryParameter("start_date", "DATE", DAY),
              bigquery.ScalarQueryParameter("end_date", "DATE", DAY)]
    rows = client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=params)).result()
    assert [tuple(r.values()) for r in rows] == [("nba_raw.reserved_names", DAY, "gold", 2)]


def test_the_same_sql_unquoted_is_refused_by_the_embedded_warehouse(client):
    with pytest.raises(gexc.BadRequest, match="Unexpected keyword RANGE"):
        client.query("SELECT range FROM nba_raw.reserved_names WHERE `new` = '2025-01-15'").result()


@pytest.mark.parametrize("bad", ["a b", "x`y", "", "1st", None, "rows; DROP TABLE t"])
def test_quote_column_refuses_what_is_not_a_plain_name(bad):
    with pytest.raises(InvalidIdentifierError, match="invalid column name"):
        quote_column(bad)
