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
    c.query("CREATE TABLE ds.t (game_date DATE, ts TIMESTAMP, is_starter BOOL, x FLOAT64)").result()
    c.query("INSERT INTO ds.t VALUES (DATE '2025-01-13', TIMESTAMP '2025-01-13 03:00:00+00', TRUE, 1.5), "
            "(DATE '2025-01-15', TIMESTAMP '2025-01-15 05:00:00+00', FALSE, 2.5)").result()
    yield c
    c.close()


def test_the_doc_lists_one_row_per_statement_here() -> None:
    assert len(_error_texts()) == len(ROWS)


@pytest.mark.parametrize("index", range(len(ROWS)))
def test_each_refusal_is_the_one_the_doc_names_and_its_fix_runs(client: DuckDBClient, index: int) -> None:
    wrote, instead = ROWS[index]
    with pytest.raises(gexc.BadRequest) as refused:
        client.query(wrote)
    assert _error_texts()[index] in refused.value.message
    client.query(instead).result()
