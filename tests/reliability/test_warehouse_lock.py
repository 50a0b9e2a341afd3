"""Reliability (issue 12, case 9): a DuckDB file held by another process is waited for, then a
one-line environment error (``WarehouseLockedError``, an ``OSError``) instead of a raw traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared_services.bigquery.factory import WarehouseLockedError, make_client, open_duckdb

_HOLDER = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.readline()"


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    yield db, holder
    if holder.poll() is None:
        holder.kill()
    holder.wait(timeout=30)


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(timeout=30)


def test_a_held_file_is_waited_for_and_opened_once_released(held):
    db, holder = held
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:          # the other process finishes while we wait
            release(holder)

    client = open_duckdb(str(db), timeout=600, sleep=sleep)
    try:
        assert client.query("SELECT 1 AS one").to_dataframe()["one"].tolist() == [1]
    finally:
        client.close()
    assert len(waits) == 3


def test_a_file_held_past_the_timeout_is_a_one_line_environment_error(held, monkeypatch):
    db, holder = held
    monkeypatch.setenv("COVERAGE_DUCKDB_LOCK_TIMEOUT", "0.3")
    with pytest.raises(WarehouseLockedError) as caught:
        make_client(f"duckdb:///{db}")
    message = str(caught.value)
    assert isinstance(caught.value, OSError) and "\n" not in message
    assert f"(PID {holder.pid})" in message and "COVERAGE_DUCKDB_LOCK_TIMEOUT" in message
    assert str(db) in message


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_lock_timeout_setting_names_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv("COVERAGE_DUCKDB_LOCK_TIMEOUT", value)
    with pytest.raises(ValueError, match="COVERAGE_DUCKDB_LOCK_TIMEOUT"):
        make_client(f"duckdb:///{tmp_path / 'x.duckdb'}")


def test_a_bad_lock_timeout_setting_is_reported_as_itself_not_as_the_warehouse_argument(tmp_path):
    from tests.support.cli_runner import assert_one_line_error, clean_env, run_in_process

    done = run_in_process("coverage-setup", "--warehouse", "duckdb:///x.duckdb", cwd=tmp_path,
                          env=clean_env(COVERAGE_DUCKDB_LOCK_TIMEOUT="abc"))
    assert done.returncode == 2
    assert assert_one_line_error(done, "coverage-setup") == (
        "coverage-setup: error: $COVERAGE_DUCKDB_LOCK_TIMEOUT='abc': expected a number of seconds >= 0")
    assert list(tmp_path.iterdir()) == []
