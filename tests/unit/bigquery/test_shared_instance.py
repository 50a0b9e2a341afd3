"""One DuckDB instance per process hosts every warehouse it opens (duckdb_client ``_open_warehouse``).

Each warehouse file (or ``':memory:'`` warehouse) is attached under a catalog name of its own
while a client has it open. These tests hold what the per-file instances gave before: each
client sees its own warehouse only, the file is released when its last client closes, a
catalog name handed on to another file carries no stale catalog facts, and a forked child
never touches its parent's instance.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery import duckdb_client as dc
from shared_services.bigquery.duckdb_client import WAREHOUSE_CATALOG, DuckDBClient


def _client_with_table(path: str, dataset: str, table: str, value: int) -> DuckDBClient:
    client = DuckDBClient(path)
    client.create_dataset(dataset, exists_ok=True)
    client.query(f"CREATE TABLE {dataset}.{table} AS SELECT {value} AS x").result()
    return client


def test_two_open_warehouses_each_see_only_their_own_datasets_and_tables(tmp_path):
    first = _client_with_table(str(tmp_path / "a.duckdb"), "ds", "t", 1)
    second = _client_with_table(str(tmp_path / "b.duckdb"), "other", "u", 2)
    memory = _client_with_table(":memory:", "ds", "t", 3)
    try:
        first.get_dataset("ds")
        with pytest.raises(gexc.NotFound):
            second.get_dataset("ds")
        with pytest.raises(gexc.NotFound):
            first.get_dataset("other")
        assert [t.table_id for t in first.list_tables("ds")] == ["t"]
        assert first.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [1]
        assert memory.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [3]
        with pytest.raises(gexc.NotFound):
            second.query("SELECT x FROM ds.t").result()
        with pytest.raises(gexc.NotFound):
            first.get_table("other.u")
        assert len({first._catalog, second._catalog, memory._catalog}) == 3
    finally:
        for client in (first, second, memory):
            client.close()


def test_clients_of_one_file_share_its_catalog_and_the_last_close_releases_the_file(tmp_path):
    path = tmp_path / "shared.duckdb"
    one = _client_with_table(str(path), "ds", "t", 7)
    two = DuckDBClient(str(path))
    assert one._catalog == two._catalog
    assert two.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [7]
    one.close()
    assert two.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [7]  # still attached
    two.close()
    assert str(path.resolve()) not in dc._INSTANCES
    # Released: another process opens the file for writing at once and reads what was written.
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
              "print(con.execute('SELECT x FROM ds.t').fetchall()[0][0])")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "7"), done.stderr


def test_a_catalog_name_handed_on_to_another_file_carries_no_catalog_facts(tmp_path):
    first = _client_with_table(str(tmp_path / "a.duckdb"), "ds", "t", 1)
    first.query("SELECT x FROM ds.t").result()  # its catalog snapshot and verdicts are cached
    name = first._catalog
    first.close()
    second = DuckDBClient(str(tmp_path / "b.duckdb"))
    try:
        assert second._catalog == name  # the same name again (translations keyed on it carry over)
        with pytest.raises(gexc.NotFound):  # but nothing of a.duckdb's catalog
            second.query("SELECT x FROM ds.t").result()
        second.create_dataset("ds")
        second.query("CREATE TABLE ds.t AS SELECT 5 AS x").result()
        assert second.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [5]
    finally:
        second.close()


def test_one_warehouse_at_a_time_always_gets_the_same_catalog_name(tmp_path):
    free = WAREHOUSE_CATALOG not in dc._ALIASES  # another test's client may still hold it
    names = []
    for index in range(3):
        client = DuckDBClient(str(tmp_path / f"w{index}.duckdb"))
        names.append(client._catalog)
        client.close()
    assert len(set(names)) == 1 and names[0] not in dc._ALIASES
    assert names[0] == WAREHOUSE_CATALOG if free else names[0].startswith("__bq_warehouse_")


def test_a_dataset_named_memory_is_the_warehouses_own(tmp_path):
    client = _client_with_table(str(tmp_path / "m.duckdb"), "memory", "t", 4)
    try:
        assert client.query("SELECT x FROM memory.t").to_dataframe()["x"].tolist() == [4]
    finally:
        client.close()


def test_a_forked_child_opens_its_own_instance_and_leaves_the_parents_alone(tmp_path):
    parent = _client_with_table(str(tmp_path / "parent.duckdb"), "ds", "t", 1)
    child_file = tmp_path / "child.duckdb"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a warehouse of its own through a fresh instance, then exit at once
        status = 1
        try:
            os.close(read)
            assert dc._ROOT is None and not dc._INSTANCES
            child = _client_with_table(str(child_file), "ds", "t", 2)
            value = child.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist()
            child.close()
            os.write(write, repr(value).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read) as pipe:
        reported = pipe.read()
    _, status = os.waitpid(pid, 0)
    try:
        assert (os.waitstatus_to_exitcode(status), reported) == (0, "[2]")
        assert parent.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [1]
    finally:
        parent.close()
    check = DuckDBClient(str(child_file))
    try:
        assert check.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [2]
    finally:
        check.close()


def test_the_instance_runs_statements_on_one_worker_thread(tmp_path):
    """The embedded instance is created with ``EMBEDDED_THREADS`` (one) worker threads: an
    event flush's INSERT took half the time, and ``pytest -n 2`` no longer runs four DuckDB
    threads on two cores. A client's own connection reports the instance-wide setting."""
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    try:
        [(threads,)] = client._conn.execute("SELECT current_setting('threads')").fetchall()
        assert dc.EMBEDDED_THREADS == 1
        assert int(threads) == dc.EMBEDDED_THREADS
    finally:
        client.close()
