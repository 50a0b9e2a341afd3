"""coverage-preflight under stress: two runs at once, hostile error text, a killed run's leftovers."""

from __future__ import annotations

import threading

from google.api_core import exceptions as gexc

from shared_services.bigquery.preflight import _one_line, run_preflight
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.statements import LibraryStatement
from tests.support.bq_standin import BigQueryStandIn


def test_two_preflights_at_once_do_not_share_staging_tables():
    with BigQueryStandIn() as standin:
        setup = standin.make_client()
        ensure_schema(setup)
        results: dict[int, object] = {}

        def run(n: int) -> None:
            client = standin.make_client()
            results[n] = run_preflight(client, only="write.")
            client.close()

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert all(results[n].ok for n in range(2)), [c.line() for n in results for c in results[n].failed]
        created = {r.json["tableReference"]["tableId"] for r in standin.find("POST", "/tables")
                   if "_staging_" in r.json["tableReference"]["tableId"]}
        assert len(created) == 8  # 4 write targets x 2 runs, every name distinct
        setup.close()


def test_hostile_error_text_stays_one_bounded_line():
    error = gexc.BadRequest("line one\nline two\r\n\t\u202e\ud800 " + "x" * 10_000)
    text = _one_line(error)
    assert "\n" not in text and "\r" not in text and len(text) <= 500
    assert text.startswith("BadRequest: line one line two")


def test_a_statement_that_raises_something_else_is_reported_not_raised(warehouse):
    class Exploding:
        project = warehouse.project

        def query(self, *args, **kwargs):
            raise TimeoutError("read timed out")

        def __getattr__(self, name):
            return getattr(warehouse, name)

    result = run_preflight(Exploding(), [LibraryStatement("x.one", "SELECT 1 AS x")])
    assert [c.line() for c in result.checks] == ["FAIL  x.one: TimeoutError: read timed out"]
