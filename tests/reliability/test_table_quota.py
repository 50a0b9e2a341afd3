"""The coverage log's daily load-job quota is used up: nothing is lost, and nothing hammers it.

BigQuery takes at most 1,500 load jobs per table per day, failed ones included (quotas page,
"Load jobs"); over it a load is a 403 ``quotaExceeded`` that no retry within the run cures
(troubleshoot-quotas: wait 10 minutes or more). The embedded warehouse enforces it
(tests/contract/test_table_load_quota.py). Here, what the library does then:

* a flush tries the load once (no retry loop against a quota), spills the batch and says in
  its notification that a quota is used up and when to replay;
* ``coverage-replay`` stops loading a table at its first quota refusal: the table's other
  files stay in the spool untried (each try would fail, and count), one stderr line says how
  many wait and why, the exit status is 1; once the quota has refilled, the next replay loads
  every file exactly once.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from shared_services.bigquery.duckdb_client import META_SCHEMA, DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import main as replay_main
from shared_services.events.sink import EventSink, RetryPolicy
from tests.support.event_log import event_rows, log_rows
from tests.support.recording_client import RecordingClient
from tests.support.warehouse_files import record_earlier_loads


def _warehouse(template: Path, tmp_path: Path) -> Path:
    """A copy of the session's schema-only warehouse file (tests/conftest.py)."""
    return Path(shutil.copyfile(template, tmp_path / "w.duckdb"))


def _use_up_the_quota(client: DuckDBClient, hours_ago: float = 1.0) -> None:
    """1,500 load jobs into the coverage log, ``hours_ago`` (ids ``earlier_load_<n>``)."""
    record_earlier_loads(client, COVERAGE_LOG_TABLE, 1_500, hours_ago, "earlier_load")


def _let_a_day_pass(client: DuckDBClient) -> None:
    client._conn.execute_untracked(
        f"UPDATE {META_SCHEMA}.jobs SET created_at = created_at - INTERVAL 1 DAY "  # noqa: S608
        "WHERE job_id LIKE 'earlier_load_%'")


def test_a_flush_over_the_quota_tries_once_spills_and_says_to_replay_later(tmp_path: Path,
                                                                         warehouse_template: Path) -> None:
    path = _warehouse(warehouse_template, tmp_path)
    client = DuckDBClient(str(path))
    _use_up_the_quota(client)
    recording = RecordingClient(client)
    notes: list[dict[str, Any]] = []
    sleeps: list[float] = []
    sink = EventSink(recording, spool=DeadLetterSpool(tmp_path / "spool"), policy=RetryPolicy(max_attempts=5),
                     sleep=sleeps.append, notify=lambda **kwargs: notes.append(kwargs))
    rows = event_rows(7, "quota")
    outcome = sink.write(rows)
    assert not outcome.ok and outcome.quota_exhausted
    assert outcome.attempts == 1 and sleeps == []  # no retry loop against a quota
    assert recording.calls.get(f"load:{COVERAGE_LOG_TABLE}") == 1
    assert outcome.spilled_path is not None and outcome.spilled_path.exists()
    assert len(notes) == 1
    message = notes[0]["message"]
    assert message == (
        f"7 events for {COVERAGE_LOG_TABLE} were spilled to {outcome.spilled_path}; a BigQuery quota is used up "
        "(see the error; a table takes at most 1,500 load jobs a day, failed ones included): run coverage-replay "
        f"after it refills, in 10 minutes or more, and look for a job that loads {COVERAGE_LOG_TABLE} per game or "
        f"per row. 1 batch(es) wait in {tmp_path / 'spool'}; further spills of {COVERAGE_LOG_TABLE} this hour are "
        "logged, not notified.")
    assert "Quota exceeded: Your table exceeded quota for imports or query appends per table" in notes[0]["details"]["error"]
    assert len(log_rows(client)) == 0
    client.close()


def test_replay_stops_a_table_at_its_quota_and_loads_everything_once_after_it_refills(
        tmp_path: Path, capsys: Any, warehouse_template: Path) -> None:
    path = _warehouse(warehouse_template, tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    spilled = {f"job_{i}": event_rows(3, f"f{i}") for i in range(4)}
    for job_id, rows in spilled.items():
        spool.spill(COVERAGE_LOG_TABLE, job_id, rows, reason="warehouse down")
    client = DuckDBClient(str(path))
    _use_up_the_quota(client)
    client.close()

    code = replay_main(["--warehouse", f"duckdb:///{path}", "--dir", str(spool.directory)])
    captured = capsys.readouterr()
    assert code == 1
    problems = captured.err.splitlines()
    assert len(problems) == 1 and problems[0].startswith(f"WAITING 4 file(s) for {COVERAGE_LOG_TABLE}: ")
    assert "Quota exceeded" in problems[0] and "run coverage-replay again after it refills" in problems[0]
    assert "Traceback" not in captured.err
    assert "replayed 0 file(s)" in captured.out and "4 waiting for a quota" in captured.out
    assert len(spool.files()) == 4  # all four still pending

    client = DuckDBClient(str(path))
    tried = client._conn.execute_untracked(
        f"SELECT count(*) FROM {META_SCHEMA}.jobs WHERE job_type = 'load' AND job_id NOT LIKE 'earlier_load_%'"  # noqa: S608
    ).fetchall()
    assert tried == [(1,)]  # one refused load; the other three files were not tried
    _let_a_day_pass(client)
    client.close()

    code = replay_main(["--warehouse", f"duckdb:///{path}", "--dir", str(spool.directory)])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert "replayed 4 file(s)" in captured.out and "12 row(s) loaded" in captured.out
    assert spool.files() == []
    client = DuckDBClient(str(path))
    assert sorted(log_rows(client)["description"]) == sorted(r["description"] for rows in spilled.values()
                                                             for r in rows)
    client.close()


# -- BigQuery's rate for table updates: 5 per table per 10 seconds ---------------------------


def test_table_pacer_keeps_any_ten_seconds_to_five_loads_of_a_table() -> None:
    """Each load taking one second: the sixth waits until the first is ten seconds old, and
    every ten-second window holds at most five starts, per table."""
    from shared_services.events.replay import TablePacer

    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pacer = TablePacer(clock=lambda: now[0], sleep=sleep)
    starts: dict[str, list[float]] = {"a": [], "b": []}
    for table in ["a"] * 12 + ["b"] * 3:
        pacer.wait(table)
        starts[table].append(now[0])
        now[0] += 1.0  # the load itself
    assert starts["a"][:6] == [0.0, 1.0, 2.0, 3.0, 4.0, 10.0]
    for table, times in starts.items():
        assert all(sum(1 for t in times if start <= t < start + 10.0) <= 5 for start in times), table
    assert starts["b"] == [starts["a"][-1] + 1.0 + i for i in range(3)]  # another table: no wait
    assert sleeps == [5.0, 5.0]
    # Two tables at once: five loads of each start together, the window is each table's own.
    sleeps.clear()
    fresh = TablePacer(clock=lambda: now[0], sleep=sleep)
    for table in ["c", "d"] * 5:
        fresh.wait(table)
    assert sleeps == []
    fresh.wait("c")
    assert sleeps == [10.0]


def test_replay_paces_its_loads_on_bigquery_and_not_on_the_embedded_warehouse(tmp_path: Path,
                                                                              warehouse_template: Path) -> None:
    """Twelve spilled files into the coverage log. Through the real client (BigQuery, here the
    HTTP stand-in) replay starts at most five loads per ten seconds: with loads that take no
    time, it sleeps ten seconds twice. The embedded warehouse says it does not limit the rate,
    and replay does not wait there. Every row is loaded once either way."""
    from shared_services.events.replay import replay_dead_letters
    from tests.support.bq_standin import BigQueryStandIn

    def spool_of(name: str) -> DeadLetterSpool:
        spool = DeadLetterSpool(tmp_path / name)
        for i in range(12):
            spool.spill(COVERAGE_LOG_TABLE, f"job_{i}", event_rows(2, f"{name}{i}"), reason="warehouse down")
        return spool

    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with BigQueryStandIn(project="test-project") as standin:
        ensure_schema(standin.backend)
        client = standin.make_client()
        report = replay_dead_letters(client, spool_of("wire"), sleep=sleep, clock=lambda: now[0])
        client.close()
        assert len(report.files_replayed) == 12 and report.rows_loaded == 24
        assert len(standin.find("POST", "/upload/")) == 12
        assert sleeps == [10.0, 10.0]
        assert len(log_rows(standin.backend)) == 24

    sleeps.clear()
    warehouse = DuckDBClient(str(_warehouse(warehouse_template, tmp_path)))
    assert warehouse.limits_table_update_rate is False
    report = replay_dead_letters(warehouse, spool_of("embedded"), sleep=sleep, clock=lambda: now[0])
    assert len(report.files_replayed) == 12 and report.rows_loaded == 24 and sleeps == []
    warehouse.close()
