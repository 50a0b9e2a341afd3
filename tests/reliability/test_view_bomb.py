"""A chain of views that multiplies itself is refused by BigQuery's resolved-length limit.

Each view reading the one below it ten times is 10^k references k levels up. DuckDB binds a
view by expanding it (ten references per level: 1.5 s at the fourth level, 29 s at the
fifth, measured), and the partition-filter check expanded views too, so nothing bounded such
a chain on the embedded warehouse: each level took ten times longer to create and to query.
BigQuery counts each reference's definition toward its 12 MB "resolved query length"
(quotas and limits, "Query jobs"); the warehouse now measures that without expanding
anything, so the level that would pass 12 MB is refused when it is created, and a query
multiplying the last allowed level is refused too. The warehouse goes on answering.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient

#: v0's text: a filtered read of the partitioned table, padded to 20,000 bytes (a comment).
_BASE = "SELECT x FROM ds.p WHERE d = '2025-01-01' /* "
_V0 = _BASE + "z" * (20_000 - len(_BASE) - 3) + " */"


def _fan(view: str, times: int = 10) -> str:
    return " UNION ALL ".join([f"SELECT x FROM {view}"] * times)


@pytest.fixture
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.p (d DATE, x INT64) PARTITION BY d OPTIONS (require_partition_filter = TRUE)").result()
    c.query("INSERT INTO ds.p (d, x) VALUES ('2025-01-01', 1), ('2025-01-02', 2)").result()
    yield c
    c.close()


def test_a_view_chain_that_multiplies_itself_is_refused_at_the_level_past_twelve_megabytes(
        client: DuckDBClient) -> None:
    assert len(_V0) == 20_000
    client.query(f"CREATE VIEW ds.v0 AS {_V0}").result()
    for level in (1, 2):  # 10^2 x 20,000 bytes: 2 MB resolved
        client.query(f"CREATE VIEW ds.v{level} AS {_fan(f'ds.v{level - 1}')}").result()
    assert [row.n for row in client.query("SELECT COUNT(*) AS n FROM ds.v2").result()] == [100]
    # the third level would resolve to 20 MB: refused, not created
    with pytest.raises(gexc.BadRequest, match=r"with its views resolved it is 20,\d{3},\d{3} bytes"):
        client.query(f"CREATE VIEW ds.v3 AS {_fan('ds.v2')}").result()
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.v3")
    # a query reading the second level six times is 12 MB and more: refused as well
    with pytest.raises(gexc.BadRequest, match="with its views resolved"):
        client.query(f"SELECT COUNT(*) AS n FROM ({_fan('ds.v2', 6)})").result()
    assert [row.n for row in client.query("SELECT COUNT(*) AS n FROM ds.p WHERE d = '2025-01-02'").result()] == [1]
