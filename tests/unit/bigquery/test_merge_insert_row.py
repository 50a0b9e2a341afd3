"""MERGE's ``INSERT ROW``: "ROW can be used to include all the columns of the source in the
ascending sequence of their ordinal positions" (DML statements, "MERGE statement", "Omitting
column names"). Until stop 35 sqlglot wrote it as it was, and DuckDB refused it ("syntax error at
or near ROW") although BigQuery's own example 8 uses it; it is DuckDB's ``INSERT BY POSITION``.
The example is the reference page's: its NewArrivals table before and after.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA dataset").result()
    c.query("CREATE TABLE dataset.NewArrivals (product STRING, quantity INT64, warehouse STRING)").result()
    c.query("INSERT dataset.NewArrivals (product, quantity, warehouse) VALUES ('dryer', 10, 'warehouse #2'), "
            "('dryer', 20, 'warehouse #1'), ('refrigerator', 25, 'warehouse #2'), "
            "('top load washer', 30, 'warehouse #1')").result()
    yield c
    c.close()


def test_the_reference_pages_example_8(client: DuckDBClient) -> None:
    client.query("""MERGE dataset.NewArrivals
        USING (SELECT * FROM UNNEST([('microwave', 10, 'warehouse #1'),
                                     ('dryer', 30, 'warehouse #1'),
                                     ('oven', 20, 'warehouse #2')]))
        ON FALSE
        WHEN NOT MATCHED THEN
          INSERT ROW
        WHEN NOT MATCHED BY SOURCE THEN
          DELETE""").result()
    assert sorted(rows(client, "SELECT * FROM dataset.NewArrivals")) == sorted([
        ("microwave", 10, "warehouse #1"), ("dryer", 30, "warehouse #1"), ("oven", 20, "warehouse #2")])


def test_by_position_whatever_the_source_columns_are_named(client: DuckDBClient) -> None:
    job = client.query("MERGE dataset.NewArrivals T USING (SELECT 'kettle' AS a, 5 AS b, 'warehouse #3' AS c) S "
                       "ON T.product = S.a WHEN NOT MATCHED THEN INSERT ROW")
    job.result()
    assert job.num_dml_affected_rows == 1
    assert rows(client, "SELECT quantity, warehouse FROM dataset.NewArrivals WHERE product = 'kettle'") \
        == [(5, "warehouse #3")]
