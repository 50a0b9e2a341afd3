"""replace_rows when another writer updates the same table at once (two instances of a
processor, a backfill beside the nightly run).

BigQuery cancels the later transaction ("Transaction is aborted due to concurrent update against
table ..."); replace_rows runs it again after a back-off and ends with one copy of each key, or
raises ``WriteConflictError`` (exit 3) with nothing written. The real platform met this on
``player_game_summary`` and its fallback left 72 duplicated rows. The embedded warehouse
cancels the transaction as BigQuery does (tests/unit/bigquery/test_transaction_concurrency.py);
:func:`pause_after` holds one writer inside its transaction while the other commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.writer import (
    WRITE_CONFLICT_RETRY,
    WriteConflictError,
    is_write_conflict,
    replace_rows,
)
from shared_services.cli.core import exit_code_for
from shared_services.cli.errors import EXIT_ENVIRONMENT
from shared_services.events.sink import RetryPolicy
from tests.support.interleave import HeldJobs, pause_after

S = bigquery.SchemaField
SCHEMA = [S("game_id", "STRING", mode="REQUIRED"), S("player_id", "STRING", mode="REQUIRED"),
          S("game_date", "DATE", mode="REQUIRED"), S("points", "INT64")]
TABLE = "nba_analytics.box"
DAY = dt.date(2025, 1, 15)
KEYS = ["game_id", "player_id"]


def batch(game: str, points: int, players: int = 3) -> list[dict[str, Any]]:
    return [{"game_id": game, "player_id": f"p{i}", "game_date": DAY, "points": points + i} for i in range(players)]


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[tuple[DuckDBClient, DuckDBClient]]:
    """Two processors' clients of one warehouse file with a day-partitioned ``nba_analytics.box``."""
    first = DuckDBClient(str(tmp_path / "w.duckdb"), project="p")
    second = DuckDBClient(str(tmp_path / "w.duckdb"), project="p")
    first.create_dataset("nba_analytics")
    table = bigquery.Table(f"p.{TABLE}", schema=SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(field="game_date")
    first.create_table(table)
    replace_rows(first, TABLE, batch("g1", 10) + batch("g2", 20), SCHEMA, KEYS, "game_date")
    yield first, second
    second.close()
    first.close()


def content(client: DuckDBClient) -> list[tuple[Any, ...]]:
    job = client.query(f"SELECT game_id, player_id, points FROM {TABLE} WHERE game_date = @d "  # noqa: S608
                       "ORDER BY game_id, player_id",
                       job_config=bigquery.QueryJobConfig(query_parameters=[
                           bigquery.ScalarQueryParameter("d", "DATE", DAY)]))
    return [tuple(r.values()) for r in job.result()]


def staging_tables(client: DuckDBClient) -> list[str]:
    return [t.table_id for t in client.list_tables("nba_analytics") if t.table_id != "box"]


def in_thread(run: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def target() -> None:
        try:
            out.append(run())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


def test_a_transaction_cancelled_by_another_writer_runs_again_and_both_writes_land(writers, caplog):
    caplog.set_level(logging.INFO, logger="shared_services.bigquery.writer")
    first, second = writers
    sleeps: list[float] = []
    with pause_after(first, "DELETE") as gate:
        thread, out = in_thread(lambda: replace_rows(first, TABLE, batch("g1", 11), SCHEMA, KEYS, "game_date",
                                                     sleep=sleeps.append, rng=random.Random(7)))
        gate.wait_paused()                                   # first's transaction is open
        assert replace_rows(second, TABLE, batch("g2", 21), SCHEMA, KEYS, "game_date") == 3
        gate.release()
        thread.join(timeout=30)
    assert out == [3]
    # one back-off, drawn from the policy's first window, then a second query job that committed
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= WRITE_CONFLICT_RETRY.initial_delay
    assert [r.getMessage() for r in caplog.records if r.name == "shared_services.bigquery.writer"] == [
        f"{TABLE}: the replace transaction was refused while other jobs wrote the table (attempt 1 of 6); "
        f"running it again in {sleeps[0]:.1f} s"]
    assert content(second) == [("g1", f"p{i}", 11 + i) for i in range(3)] + [("g2", f"p{i}", 21 + i) for i in range(3)]
    assert staging_tables(first) == []
    failed = first._conn.execute(
        "SELECT count(*) FROM _embedded_meta.jobs WHERE job_type = 'query' AND error_api_reason = 'invalidQuery' "
        "AND job_id LIKE 'replace_%'").fetchone()
    assert failed == (1,)


def test_two_instances_writing_the_same_game_leave_one_copy_of_each_row(writers):
    # the real platform's incident: two instances of one processor for the same date, 18 s apart.
    # The second one's DELETE meets the first one's uncommitted DELETE of the same rows and is
    # cancelled; while it backs off the first one commits; its second attempt replaces the rows.
    first, second = writers
    waited: list[float] = []
    with pause_after(first, "DELETE") as gate:
        thread, out = in_thread(lambda: replace_rows(first, TABLE, batch("g1", 12, players=4), SCHEMA, KEYS,
                                                     "game_date", sleep=lambda _s: None))
        gate.wait_paused()

        def back_off(seconds: float) -> None:
            waited.append(seconds)
            gate.release()                      # the first instance commits meanwhile
            thread.join(timeout=30)

        assert replace_rows(second, TABLE, batch("g1", 13, players=4), SCHEMA, KEYS, "game_date",
                            sleep=back_off) == 4
    assert out == [4] and len(waited) == 1
    rows = content(second)
    assert len(rows) == len({(g, p) for g, p, _ in rows}) == 4 + 3        # no key twice
    assert [r for r in rows if r[0] == "g1"] == [("g1", f"p{i}", 13 + i) for i in range(4)]  # the last commit's


def test_a_table_that_stays_busy_is_a_write_conflict_error_with_nothing_written(writers):
    first, second = writers
    policy = RetryPolicy(max_attempts=3, initial_delay=0.5, max_delay=1.0)
    sleeps: list[float] = []
    before = content(second)
    with pause_after(first, "DELETE", times=3) as gate:
        thread, out = in_thread(lambda: replace_rows(first, TABLE, batch("g1", 99), SCHEMA, KEYS, "game_date",
                                                     conflict_retry=policy, sleep=sleeps.append))
        for _ in range(3):                      # another writer commits during every attempt
            gate.wait_paused()
            second.query(f"UPDATE {TABLE} SET points = points + 1 WHERE game_date = @d AND game_id = 'g2'",  # noqa: S608
                         job_config=bigquery.QueryJobConfig(query_parameters=[
                             bigquery.ScalarQueryParameter("d", "DATE", DAY)])).result()
            gate.release()
        thread.join(timeout=30)
    [error] = out
    assert isinstance(error, WriteConflictError)
    assert len(sleeps) == 2 and all(0 <= s <= 1.0 for s in sleeps)
    cancelled = error.__cause__.message
    assert cancelled.startswith("Transaction is aborted due to concurrent update against table p:nba_analytics.box. ")
    assert str(error) == (
        f"{TABLE}: BigQuery refused the replace transaction 3 time(s) because other jobs were writing the "
        f"table at the same time ({cancelled}); nothing was written. Run it again once the other writers "
        "(another instance of this processor, a backfill) have finished.")
    assert isinstance(error.__cause__, gexc.BadRequest)
    assert exit_code_for(error) == EXIT_ENVIRONMENT
    # g1 untouched by the cancelled writer; g2 carries the other writer's three updates
    after = content(second)
    assert [r for r in after if r[0] == "g1"] == [r for r in before if r[0] == "g1"]
    assert [r[2] for r in after if r[0] == "g2"] == [r[2] + 3 for r in before if r[0] == "g2"]
    assert staging_tables(first) == []


def test_another_bad_request_is_not_retried(writers):
    # the target says points is REQUIRED, the caller's schema does not: the load into staging
    # passes, the script's INSERT fails - a BadRequest that is no conflict, raised at once
    first, _ = writers
    strict = bigquery.Table("p.nba_analytics.strict", schema=[*SCHEMA[:3], S("points", "INT64", mode="REQUIRED")])
    strict.time_partitioning = bigquery.TimePartitioning(field="game_date")
    first.create_table(strict)
    sleeps: list[float] = []
    bad = [{"game_id": "g3", "player_id": "p0", "game_date": DAY, "points": None}]
    with pytest.raises(gexc.BadRequest) as caught:
        replace_rows(first, "nba_analytics.strict", bad, SCHEMA, KEYS, "game_date", sleep=sleeps.append)
    assert not is_write_conflict(caught.value) and sleeps == []
    tried = first._conn.execute("SELECT count(*) FROM _embedded_meta.jobs WHERE job_type = 'query' "
                                "AND query LIKE '%`nba_analytics.strict`%'").fetchone()
    assert tried == (1,)


def test_a_write_refused_by_a_full_dml_queue_runs_again_as_the_queue_drains(writers):
    # a backfill running twenty dates at once: the table's queue of mutating DML jobs is full
    first, second = writers
    held = HeldJobs(first.path, 20, f"UPDATE {TABLE} SET points = 0 WHERE game_id = 'none{{i}}'")
    waited: list[float] = []

    def back_off(seconds: float) -> None:
        waited.append(seconds)
        held.release()                           # the twenty finish meanwhile

    try:
        assert replace_rows(second, TABLE, batch("g1", 31), SCHEMA, KEYS, "game_date", sleep=back_off) == 3
    finally:
        held.release()
    assert len(waited) == 1 and held.errors == []
    assert [r for r in content(first) if r[0] == "g1"] == [("g1", f"p{i}", 31 + i) for i in range(3)]
    refused = first._conn.execute(
        "SELECT count(*) FROM _embedded_meta.jobs WHERE error_api_reason = 'quotaExceeded' "
        "AND job_id LIKE 'replace_%'").fetchone()
    assert refused == (1,)


@pytest.mark.parametrize("error, conflict", [
    (gexc.BadRequest("Transaction is aborted due to concurrent update against table p:ds.t. Transaction ID: "
                     "a1b2. Blocking job: p:US.c3d4"), True),
    (gexc.BadRequest("Could not serialize access to table p:ds.t due to concurrent update"), True),
    (gexc.BadRequest("Syntax error: Unexpected end of script at [3:1]"), False),
    (gexc.BadRequest("Query error: UPDATE/MERGE must match at most one source row for each target row"), False),
    (gexc.BadRequest("Resources exceeded during query execution: Too many DML statements outstanding against "
                     "table p:ds.t, limit is 20."), True),
    (gexc.Forbidden("Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a table, "
                    "pending + running."), True),
    (gexc.Forbidden("Quota exceeded: Your table exceeded quota for total number of dml jobs writing to a table, "
                    "pending + running"), True),   # as the real platform's log spells it
    (gexc.Forbidden("Quota exceeded: Your table exceeded quota for imports or query appends per table."), False),
    (gexc.Forbidden("Transaction is aborted due to concurrent update against table p:ds.t"), False),
    (gexc.BadRequest("Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a table"),
     False),
    (RuntimeError("Transaction is aborted due to concurrent update against table p:ds.t"), False),
])
def test_is_write_conflict_reads_bigquerys_words_on_a_400(error, conflict):
    assert is_write_conflict(error) is conflict
