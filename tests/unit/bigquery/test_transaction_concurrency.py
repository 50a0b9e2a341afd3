"""BigQuery's transaction concurrency rule, enforced by the embedded warehouse.

"If a transaction mutates (updates or deletes) rows in a table, then other transactions or DML
statements that mutate rows in the same table cannot run concurrently. Conflicting transactions
are cancelled. Conflicting DML statements that run outside of a transaction are queued to run
later" ("Multi-statement transactions" > "Transaction concurrency",
https://cloud.google.com/bigquery/docs/transactions). BigQuery's message, as its error pages
and client code quote it: "Transaction is aborted due to concurrent update against table
p:ds.t. Transaction ID: ... Blocking job: ...", a 400 with reason ``invalidQuery``.

Two clients of one warehouse file stand for two processors; :func:`pause_after` holds the
first one's job inside its transaction while the second one runs. These cases are not run
over the HTTP stand-in: it serves every request from one backend client, whose lock runs
jobs one after the other, so two jobs never overlap there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.limits import mutated_tables
from tests.support.interleave import HeldJobs, pause_after

REPLACE_1 = ("BEGIN TRANSACTION; DELETE FROM ds.t WHERE k = 1; INSERT INTO ds.t (k, v) VALUES (1, 'a2'); "
             "COMMIT TRANSACTION;")
REPLACE_2 = ("BEGIN TRANSACTION; DELETE FROM ds.t WHERE k = 2; INSERT INTO ds.t (k, v) VALUES (2, 'b2'); "
             "COMMIT TRANSACTION;")


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[DuckDBClient, DuckDBClient]]:
    """Two clients of one warehouse file, ``ds.t`` holding (1, 'a') and (2, 'b'), ``ds.u`` empty."""
    first = DuckDBClient(str(tmp_path / "w.duckdb"), project="p")
    second = DuckDBClient(str(tmp_path / "w.duckdb"), project="p")
    first.create_dataset("ds")
    first.query("CREATE TABLE ds.t (k INT64, v STRING)").result()
    first.query("CREATE TABLE ds.u (k INT64, v STRING)").result()
    first.query("INSERT INTO ds.t (k, v) VALUES (1, 'a'), (2, 'b')").result()
    yield first, second
    second.close()
    first.close()


def overlapped(paused: DuckDBClient, sql: str, meanwhile: Callable[[], Any], head: str = "DELETE") -> BaseException | None:
    """Run ``sql`` on ``paused``, stopped after its first ``head`` statement while ``meanwhile``
    runs on another client; the error ``sql`` raised, or None."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            paused.query(sql).result()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    with pause_after(paused, head) as gate:
        thread = threading.Thread(target=run)
        thread.start()
        gate.wait_paused()
        try:
            meanwhile()
        finally:
            gate.release()
            thread.join(timeout=30)
    assert not thread.is_alive()
    return errors[0] if errors else None


def rows(client: DuckDBClient, table: str = "ds.t") -> list[tuple[Any, ...]]:
    return sorted(tuple(r.values()) for r in client.query(f"SELECT k, v FROM {table}").result())  # noqa: S608


def test_a_transaction_is_cancelled_when_another_transaction_mutates_its_table_meanwhile(two):
    first, second = two
    error = overlapped(first, REPLACE_1, lambda: second.query(REPLACE_2).result())
    assert isinstance(error, gexc.BadRequest)
    message = error.message
    assert message.startswith("Transaction is aborted due to concurrent update against table p:ds.t. Transaction ID: ")
    assert "Blocking job: " in message
    assert [e["reason"] for e in error.errors] == ["invalidQuery"]
    # the cancelled transaction changed nothing; the other one is committed
    assert rows(second) == [(1, "a"), (2, "b2")]


def test_the_cancelled_job_is_on_record_with_its_reason_and_names_the_blocking_job(two):
    first, second = two
    blocking: list[str] = []

    def other() -> None:
        job = second.query(REPLACE_2, job_id="the_other_writer")
        job.result()
        blocking.append(job.job_id)

    error = overlapped(first, REPLACE_1, other)
    assert error is not None and error.message.endswith(f"Blocking job: {blocking[0]}")
    cancelled = error.message.split("Transaction ID: ", 1)[1].split(".", 1)[0]
    job = first.get_job(cancelled)
    assert job.state == "DONE" and job.error_result["reason"] == "invalidQuery"
    assert "concurrent update" in job.error_result["message"]


def test_a_dml_statement_outside_a_transaction_cancels_a_transaction_it_overlaps(two):
    first, second = two
    error = overlapped(first, REPLACE_1, lambda: second.query("UPDATE ds.t SET v = 'b3' WHERE k = 2").result())
    assert isinstance(error, gexc.BadRequest) and "concurrent update against table p:ds.t" in error.message
    assert rows(second) == [(1, "a"), (2, "b3")]


@pytest.mark.parametrize("other", [
    "BEGIN TRANSACTION; DELETE FROM ds.u WHERE TRUE; INSERT INTO ds.u (k, v) VALUES (9, 'z'); COMMIT TRANSACTION;",
    "INSERT INTO ds.t (k, v) VALUES (3, 'c')",  # an INSERT mutates no row
    "SELECT COUNT(*) FROM ds.t",
], ids=["another-table", "insert-only", "read"])
def test_what_does_not_mutate_the_same_table_does_not_cancel(two, other):
    first, second = two
    assert overlapped(first, REPLACE_1, lambda: second.query(other).result()) is None
    assert (1, "a2") in rows(first)


def test_a_dml_statement_outside_a_transaction_is_not_cancelled(two):
    # BigQuery queues it behind the other job instead; here it simply commits after it
    first, second = two
    assert overlapped(first, "UPDATE ds.t SET v = 'a3' WHERE k = 1",
                      lambda: second.query(REPLACE_2).result(), head="UPDATE") is None
    assert rows(second) == [(1, "a3"), (2, "b2")]


def test_a_transaction_that_only_inserts_is_not_cancelled(two):
    first, second = two
    insert_only = "BEGIN TRANSACTION; INSERT INTO ds.t (k, v) VALUES (5, 'e'); COMMIT TRANSACTION;"
    assert overlapped(first, insert_only, lambda: second.query(REPLACE_2).result(), head="INSERT") is None
    assert rows(second) == [(1, "a"), (2, "b2"), (5, "e")]


def test_transactions_one_after_the_other_are_never_cancelled(two):
    first, second = two
    for _ in range(3):
        first.query(REPLACE_1).result()
        second.query(REPLACE_2).result()
    assert rows(first) == [(1, "a2"), (2, "b2")]


def test_the_same_rows_deleted_by_two_transactions_cancel_one_of_them_in_the_same_words(two):
    # DuckDB finds this conflict itself, at the second DELETE: that job is the one cancelled
    first, second = two
    seen: list[BaseException] = []

    def other() -> None:
        with pytest.raises(gexc.BadRequest) as caught:
            second.query(REPLACE_1.replace("'a2'", "'a3'")).result()
        seen.append(caught.value)

    assert overlapped(first, REPLACE_1, other) is None
    assert seen[0].message.startswith("Transaction is aborted due to concurrent update against table")
    assert [e["reason"] for e in seen[0].errors] == ["invalidQuery"]
    assert rows(first) == [(1, "a2"), (2, "b")]


def test_warehouses_in_other_files_do_not_conflict(tmp_path, two):
    first, _ = two
    elsewhere = DuckDBClient(str(tmp_path / "other.duckdb"), project="p")
    try:
        elsewhere.create_dataset("ds")
        elsewhere.query("CREATE TABLE ds.t (k INT64, v STRING)").result()
        assert overlapped(first, REPLACE_1,
                          lambda: elsewhere.query("DELETE FROM ds.t WHERE TRUE").result()) is None
    finally:
        elsewhere.close()


def test_a_conflict_check_survives_the_other_client_closing(two):
    # the clock belongs to the warehouse, not to a client: a writer that committed and closed
    # still cancels a transaction that overlapped it
    first, second = two
    assert isinstance(overlapped(first, REPLACE_1, lambda: (second.query(REPLACE_2).result(), second.close())),
                      gexc.BadRequest)


@pytest.mark.parametrize("script, inside, anywhere", [
    ("BEGIN TRANSACTION; DELETE FROM ds.t WHERE TRUE; INSERT INTO ds.u (k) VALUES (1); COMMIT TRANSACTION;",
     {("ds", "t")}, {("ds", "t")}),
    ("UPDATE ds.t SET v = 'x' WHERE TRUE; BEGIN TRANSACTION; MERGE ds.U AS T USING ds.t AS S ON T.k = S.k "
     "WHEN MATCHED THEN DELETE; COMMIT TRANSACTION; TRUNCATE TABLE ds.w",
     {("ds", "u")}, {("ds", "t"), ("ds", "u"), ("ds", "w")}),
    ("BEGIN TRANSACTION; DELETE FROM ds.t WHERE TRUE; ROLLBACK TRANSACTION; DELETE FROM ds.u WHERE TRUE",
     {("ds", "t")}, {("ds", "t"), ("ds", "u")}),
    ("BEGIN TRANSACTION; TRUNCATE TABLE proj.ds.t; INSERT INTO ds.u (k) VALUES (1)",  # open to the end
     {("ds", "t")}, {("ds", "t")}),
    ("INSERT INTO ds.t (k) VALUES (1); SELECT 1", set(), set()),
])
def test_mutated_tables_of_a_script(script, inside, anywhere):
    assert mutated_tables(sqlglot.parse(script, read="bigquery")) == (frozenset(inside), frozenset(anywhere))


def test_a_transaction_whose_commit_failed_mutated_nothing_and_cancels_no_one(two):
    # the conflict check passes, then DuckDB's COMMIT fails (a full disk): the job is rolled
    # back, so a transaction that overlapped it commits
    import duckdb

    from shared_services.bigquery.duckdb_client import _TrackedConnection

    first, second = two

    class FullDisk(_TrackedConnection):
        __slots__ = ()

        def execute(self, query: str, parameters: Any = None) -> Any:
            if query.strip().upper() == "COMMIT":
                self.raw.execute("ROLLBACK")
                raise duckdb.IOException('Could not write file "w.duckdb.wal": No space left on device')
            return super().execute(query, parameters)

    def failing_commit() -> None:
        original = second._con
        assert original is not None
        second._con = FullDisk(original.raw, original._generation)
        try:
            with pytest.raises(duckdb.IOException):
                second.query(REPLACE_2).result()
        finally:
            second._con = original

    assert overlapped(first, REPLACE_1, failing_commit) is None
    assert rows(first) == [(1, "a2"), (2, "b")]


def test_the_message_names_the_table_as_it_is_spelt(two):
    # the clock keeps names in lower case; BigQuery's message names the table as created
    first, second = two
    first.query("CREATE TABLE ds.PlayerBox (k INT64, v STRING)").result()
    replace = REPLACE_1.replace("ds.t", "ds.PlayerBox")
    error = overlapped(first, replace, lambda: second.query("DELETE FROM ds.PlayerBox WHERE TRUE").result())
    assert isinstance(error, gexc.BadRequest)
    assert error.message.startswith("Transaction is aborted due to concurrent update against table p:ds.PlayerBox. ")


# -- the table's queue of mutating DML jobs ("Troubleshoot query issues" > "Error 403 Quota Exceeded")

@pytest.fixture
def twenty_updates(two):
    first, _ = two
    first.query("INSERT INTO ds.t (k, v) SELECT x, 'n' FROM UNNEST(GENERATE_ARRAY(10, 40)) AS x").result()
    held = HeldJobs(first.path, 20, "UPDATE ds.t SET v = 'u' WHERE k = {i} + 10")
    yield held
    held.release()


def test_a_twenty_first_mutating_job_on_a_table_is_refused_in_bigquerys_words(two, twenty_updates):
    first, _ = two
    with pytest.raises(gexc.Forbidden) as caught:
        first.query("DELETE FROM ds.t WHERE k = 40", job_id="the_21st").result()
    assert caught.value.message.startswith(
        "Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a table, pending + running. "
        "(20 mutating DML jobs on ds.t are pending or running")
    assert [(e["reason"], e["location"]) for e in caught.value.errors] == [("quotaExceeded", "max_dml_outstanding_per_table")]
    assert first.get_job("the_21st").error_result["reason"] == "quotaExceeded"
    twenty_updates.release(1)                                   # one of them is done: room for one
    first.query("DELETE FROM ds.t WHERE k = 40").result()
    assert (40, "n") not in rows(first)


@pytest.mark.parametrize("sql", [
    "INSERT INTO ds.t (k, v) VALUES (99, 'z')",                     # an INSERT is not mutating DML
    "UPDATE ds.u SET v = 'x' WHERE TRUE",                           # another table's queue
    "SELECT COUNT(*) FROM ds.t",
], ids=["insert", "another-table", "read"])
def test_what_is_not_a_mutating_job_on_the_table_is_not_queued(two, twenty_updates, sql):
    first, _ = two
    first.query(sql).result()


def test_a_transaction_counts_once_and_a_refused_job_leaves_no_count(two):
    first, _ = two
    held = HeldJobs(first.path, 19, "UPDATE ds.t SET v = 'u' WHERE k = {i} + 100")
    try:
        second = DuckDBClient(first.path, project="p")
        twentieth = HeldJobs(first.path, 1, "BEGIN TRANSACTION; DELETE FROM ds.t WHERE k = 1; "
                                        "UPDATE ds.t SET v = 'x' WHERE k = 2; COMMIT TRANSACTION;", head="DELETE")
        for _ in range(2):                                          # refused twice: neither counted
            with pytest.raises(gexc.Forbidden):
                second.query("UPDATE ds.t SET v = 'y' WHERE k = 2").result()
        twentieth.release()
        second.query("UPDATE ds.t SET v = 'y' WHERE k = 2").result()
        second.close()
    finally:
        held.release()
    assert rows(first) == [(2, "y")]
