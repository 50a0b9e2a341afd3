"""A SELECT's job record (generated id) is written later, in one INSERT with others.

A finished single SELECT under a generated job id changed nothing, so the embedded warehouse
keeps its ``_embedded_meta.jobs`` row in memory (``duckdb_client._PENDING_JOBS``) and writes
the waiting rows when a client of the file closes, when ``_PENDING_JOBS_MAX`` wait, when
``get_job`` asks for one, and at interpreter exit. What BigQuery promises about job ids must
still hold: every id is found by ``get_job`` (from any client, and after a reopen), and an id
is never used twice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery import duckdb_client
from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.cli_runner import REPO


def _written(path: Path, job_id: str | None = None) -> int:
    """Job rows in the file's own table, read by a client of the same instance (raw SQL)."""
    with DuckDBClient(str(path)) as reader:
        where, params = ("WHERE job_id = $j", {"j": job_id}) if job_id else ("", None)
        row = reader._conn.raw.execute(f"SELECT count(*) FROM _embedded_meta.jobs {where}", params).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "jobs.duckdb"
    with DuckDBClient(str(target)) as client:
        client.create_dataset("ds")
        client.query("CREATE TABLE ds.t (x INT64)").result()
    return target


def test_a_select_is_found_by_another_client_and_after_a_reopen(path: Path) -> None:
    client = DuckDBClient(str(path))
    other = DuckDBClient(str(path))
    try:
        before = _written(path)
        job = client.query("SELECT 42 AS answer")
        assert [tuple(r) for r in job.result()] == [(42,)]
        assert _written(path) == before            # waiting, not written
        found = other.get_job(job.job_id)           # another client: written on demand
        assert (found.job_id, found.statement_type, found.query) == (job.job_id, "SELECT", "SELECT 42 AS answer")
        assert _written(path, job.job_id) == 1
        second = client.query("SELECT 7 AS x")
    finally:
        other.close()
        client.close()
    with DuckDBClient(str(path)) as reopened:         # the close wrote the second one
        assert reopened.get_job(second.job_id).statement_type == "SELECT"


def test_a_waiting_id_is_refused_to_every_other_job(path: Path) -> None:
    with DuckDBClient(str(path)) as client:
        job = client.query("SELECT 1 AS x")
        for attempt in (
            lambda: client.query("SELECT 2 AS x", job_id=job.job_id),
            lambda: client.query("INSERT INTO ds.t (x) VALUES (1)", job_id=job.job_id),
            lambda: client.load_table_from_json([{"x": 1}], "ds.t", job_id=job.job_id).result(),
        ):
            with pytest.raises(gexc.Conflict, match=f"Already Exists: Job .*{job.job_id}"):
                attempt()
        rows = client.query("SELECT count(*) AS n FROM ds.t").result()
        assert [r.n for r in rows] == [0]            # neither the INSERT nor the load ran


def test_a_chosen_id_and_a_script_are_written_with_the_query(path: Path) -> None:
    with DuckDBClient(str(path)) as client:
        client.query("SELECT 1 AS x", job_id="my_select").result()
        script = client.query("SELECT 1 AS x; SELECT 2 AS y")
        dml = client.query("INSERT INTO ds.t (x) VALUES (3)")
        for job_id in ("my_select", script.job_id, dml.job_id):
            assert _written(path, job_id) == 1, job_id


def test_records_are_written_once_enough_wait(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duckdb_client, "_PENDING_JOBS_MAX", 5)
    with DuckDBClient(str(path)) as client:
        before = _written(path)
        jobs = [client.query(f"SELECT {i} AS x") for i in range(7)]
        assert _written(path) == before + 5           # the fifth wrote five; two wait
        assert sum(_written(path, j.job_id) for j in jobs[:5]) == 5
    assert _written(path) == before + 7


def test_a_colliding_generated_id_does_not_keep_the_others_from_being_written(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with DuckDBClient(str(path)) as client:
        load = client.load_table_from_json([{"x": 1}], "ds.t")
        monkeypatch.setattr(duckdb_client.uuid, "uuid4", lambda: load.job_id)   # a UUID4 collision
        client.query("SELECT 1 AS x")
        monkeypatch.undo()
        others = [client.query("SELECT 2 AS x") for _ in range(3)]
    assert all(_written(path, j.job_id) == 1 for j in others)
    with DuckDBClient(str(path)) as reopened:
        assert reopened.get_job(load.job_id).job_type == "load"   # the first job keeps its id


def test_a_client_never_closed_writes_its_records_at_exit(path: Path) -> None:
    code = (
        "import sys\n"
        "from shared_services.bigquery.duckdb_client import DuckDBClient\n"
        f"client = DuckDBClient({str(path)!r})\n"
        "print(client.query('SELECT 5 AS x').job_id)\n"
        "sys.exit(0)   # no close()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().splitlines()[-1]
    with DuckDBClient(str(path)) as reopened:
        assert reopened.get_job(job_id).statement_type == "SELECT"


def test_a_failed_select_is_recorded_at_once_with_its_error(path: Path) -> None:
    with DuckDBClient(str(path)) as client:
        with pytest.raises(gexc.BadRequest):
            client.query("SELECT 1 / 0 AS x", job_id="failing_select")
        assert _written(path, "failing_select") == 1
        job = client.get_job("failing_select")
        assert job.error_result is not None
    config = bigquery.QueryJobConfig(dry_run=True)
    with DuckDBClient(str(path)) as client:
        before = _written(path)
        client.query("SELECT 1 AS x", job_config=config)
        client.close()
    assert _written(path) == before                     # a dry run records nothing, as before
