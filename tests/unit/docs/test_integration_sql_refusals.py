"""docs/integration.md section 8: each refusal it lists is the one the embedded warehouse gives,
and each "write instead" runs there.

The table's cells are templates (``OVER (...)``); the statements below are those rows made
concrete, one per row in the table's order. The error text is read from the doc, so a doc that
drifts from the messages (or a row added without a statement here) fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.cli_runner import REPO
from tests.unit.docs.test_docs_work_first_try import _section

#: (what a processor author writes, what the doc says to write instead), per table row.
ROWS = [
    ("SELECT game_date - LAG(game_date) OVER (ORDER BY game_date) AS rest FROM ds.t",
     "SELECT DATE_DIFF(game_date, LAG(game_date) OVER (ORDER BY game_date), DAY) AS rest FROM ds.t"),
    ("SELECT ts - LAG(ts) OVER (ORDER BY ts) > 3600 AS late FROM ds.t",
     "SELECT TIMESTAMP_DIFF(ts, LAG(ts) OVER (ORDER BY ts), SECOND) > 3600 AS a, "
     "ts - LAG(ts) OVER (ORDER BY ts) > INTERVAL 1 HOUR AS b FROM ds.t"),
    ("SELECT SUM(is_starter) AS n FROM ds.t", "SELECT COUNTIF(is_starter) AS n FROM ds.t"),
    ("DELETE FROM ds.t", "DELETE FROM ds.t WHERE TRUE"),
    ("SELECT median(x) AS m FROM ds.t", "SELECT PERCENTILE_CONT(x, 0.5) OVER () AS m FROM ds.t"),
    ("SELECT FORMAT('%T', x) AS f FROM ds.t", "SELECT FORMAT('%s', CAST(x AS STRING)) AS f FROM ds.t"),
    ("SELECT x FROM ds.t WHERE games_started", "SELECT x FROM ds.t WHERE games_started = 1"),
    ("SELECT CAST(raw_date AS DATE) FROM (SELECT '2025-01-15T00:00:00' AS raw_date)",  # ds.t is emptied above
     "SELECT DATE(CAST(raw_date AS DATETIME)) FROM (SELECT '2025-01-15T00:00:00' AS raw_date)"),
]


def _error_texts() -> list[str]:
    section = _section(REPO / "docs" / "integration.md", "## 8.")
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| you wrote")]
    texts = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        if set(cells[0]) <= {"-", "|", " "}:
            continue  # the header's rule
        said = re.fullmatch(r"`(.*)`", cells[1])
        assert said, f"the error column should be one quoted message: {cells[1]!r}"
        texts.append(said.group(1).removeprefix("...").removesuffix("...").strip())
    return texts


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (game_date DATE, ts TIMESTAMP, is_starter BOOL, x FLOAT64, games_started INT64)"
            ).result()
    c.query("INSERT INTO ds.t VALUES (DATE '2025-01-13', TIMESTAMP '2025-01-13 03:00:00+00', TRUE, 1.5, 1), "
            "(DATE '2025-01-15', TIMESTAMP '2025-01-15 05:00:00+00', FALSE, 2.5, 0)").result()
    yield c
    c.close()


def test_the_doc_lists_one_row_per_statement_here() -> None:
    assert len(_error_texts()) == len(ROWS)


@pytest.mark.parametrize("index", range(len(ROWS)))
def test_each_refusal_is_the_one_the_doc_names_and_its_fix_runs(client: DuckDBClient, index: int) -> None:
    wrote, instead = ROWS[index]
    with pytest.raises(gexc.BadRequest) as refused:
        client.query(wrote).result()
    assert _error_texts()[index] in refused.value.message
    client.query(instead).result()


def test_the_client_calls_the_section_names_behave_as_it_says(client: DuckDBClient) -> None:
    """The bullets after the table: each quoted message is the one given, each fix works."""
    from google.cloud import bigquery

    section = " ".join(_section(REPO / "docs" / "integration.md", "## 8.").split())  # lines joined
    with pytest.raises(gexc.BadRequest) as refused:
        client.query("SELECT 1", job_config=bigquery.QueryJobConfig(default_dataset="embedded.ds"))
    assert "QueryJobConfig.default_dataset: not supported by the embedded warehouse" in section
    assert "QueryJobConfig.default_dataset: not supported by the embedded warehouse" in refused.value.message
    with pytest.raises(gexc.BadRequest, match="QueryJobConfig.destination"):
        client.query("SELECT 1", job_config=bigquery.QueryJobConfig(destination="embedded.ds.out"))
    client.query("CREATE TABLE ds.out AS SELECT 1 AS one").result()
    with pytest.raises(AttributeError) as missing:
        client.insert_rows_json("ds.t", [{}])
    assert "DuckDBClient.insert_rows_json" in section and "write rows with load_table_from_json" in section
    assert "DuckDBClient.insert_rows_json" in str(missing.value)
    assert "write rows with load_table_from_json" in str(missing.value)
    with pytest.raises(TypeError, match="job_conifg"):
        client.query("SELECT 1", job_conifg=None)
    day = bigquery.Table("embedded.ds.days", schema=[bigquery.SchemaField("d", "DATE")])
    day.time_partitioning = bigquery.TimePartitioning(field="d")
    client.create_table(day)
    client.load_table_from_json([{"d": "2025-01-15"}, {"d": "2025-01-16"}], "ds.days").result()
    truncate = bigquery.LoadJobConfig(write_disposition="WRITE_TRUNCATE")
    client.load_table_from_json([{"d": "2025-01-15"}] * 2, "ds.days$20250115", job_config=truncate).result()
    assert client.get_table("ds.days").num_rows == 3
    with pytest.raises(gexc.BadRequest, match="different partitions"):
        client.load_table_from_json([{"d": "2025-01-16"}], "ds.days$20250115").result()
