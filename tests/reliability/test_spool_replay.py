"""Reliability (issue 12, cases 3, 4, 11): damaged spools, two replays at once, planted files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import ReplayReport, replay_dead_letters
from shared_services.events.replay import main as replay_main
from tests.support.bq_standin import BigQueryStandIn
from tests.support.event_log import event_rows, log_rows
from tests.support.scenario import load, schedule_row

ROOT = Path(__file__).resolve().parents[2]


def spill(spool: DeadLetterSpool, job_id: str, count: int) -> Path:
    return spool.spill(COVERAGE_LOG_TABLE, job_id, event_rows(count, job_id), reason="warehouse down")


def warehouse_file(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    client = DuckDBClient(str(path))
    ensure_schema(client)
    client.close()
    return path


def replay_twice(path: Path, spool: DeadLetterSpool) -> tuple[ReplayReport, ReplayReport]:
    """Two replays of ``spool`` into the warehouse at ``path``, one after the other."""
    client = DuckDBClient(str(path))
    try:
        return replay_dead_letters(client, spool), replay_dead_letters(client, spool)
    finally:
        client.close()


def stored_descriptions(path: Path) -> list[str]:
    client = DuckDBClient(str(path))
    try:
        return sorted(log_rows(client)["description"])
    finally:
        client.close()


# -- case 3: damaged files ----------------------------------------------------------------


def test_damaged_files_are_quarantined_and_the_good_ones_replayed(tmp_path, capsys):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    cut_mid_line = spill(spool, "a_cut_mid_line", 5)
    cut_at_line = spill(spool, "b_cut_at_line", 5)
    good = spill(spool, "c_good", 5)
    data = cut_mid_line.read_bytes()
    cut_mid_line.write_bytes(data[: len(data) // 2])
    lines = cut_at_line.read_bytes().splitlines(keepends=True)
    cut_at_line.write_bytes(b"".join(lines[:3]))    # three whole rows, nothing to parse wrongly

    code = replay_main(["--warehouse", f"duckdb:///{db}", "--dir", str(spool.directory)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("QUARANTINED") == 2 and "Traceback" not in err
    assert len(err.splitlines()) == 2  # one line per problem, not also a log record of it
    assert stored_descriptions(db) == [f"c_good {i}" for i in range(5)]
    quarantine = spool.quarantine_directory
    assert sorted(p.name for p in quarantine.glob("*.ndjson")) == [cut_mid_line.name, cut_at_line.name]
    reasons = {p.name: p.read_text() for p in quarantine.glob("*.reason")}
    assert all("original spill reason: warehouse down" in r for r in reasons.values())
    assert any("no spool trailer" in r for r in reasons.values())
    assert (spool.replayed_directory / good.name).exists()

    # The next run is clean: the damaged files no longer block anything.
    assert replay_main(["--warehouse", f"duckdb:///{db}", "--dir", str(spool.directory)]) == 0
    assert len(stored_descriptions(db)) == 5


def test_a_checksum_mismatch_is_detected(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    path = spill(spool, "edited", 2)
    path.write_bytes(path.read_bytes().replace(b"edited 1", b"edited 9"))
    report = replay_dead_letters(warehouse, spool)
    assert "checksum mismatch" in report.files_quarantined[str(path)]
    assert log_rows(warehouse).empty


def test_leftover_temporary_files_of_a_killed_spill_are_recovered_or_quarantined(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    complete = spill(spool, "killed_after_write", 4)
    content = complete.read_bytes()
    complete.unlink()
    finished = spool.directory / ".spill-finished.tmp"       # killed between fsync and rename
    partial = spool.directory / ".spill-partial.tmp"          # killed mid-write
    young = spool.directory / ".spill-in-progress.tmp"        # maybe a spill running right now
    finished.write_bytes(content)
    partial.write_bytes(content[: len(content) // 3])
    young.write_bytes(content[:10])
    old = time.time() - 3600
    for path in (finished, partial):
        os.utime(path, (old, old))

    report = replay_dead_letters(warehouse, spool)
    assert report.rows_loaded == 4
    assert report.temporaries[str(finished)].startswith("recovered")
    assert report.temporaries[str(partial)].startswith("quarantined")
    assert str(partial) in report.files_quarantined
    assert young.exists() and not finished.exists() and not partial.exists()
    assert sorted(log_rows(warehouse)["description"]) == [f"killed_after_write {i}" for i in range(4)]


# -- case 11: replay writes only into the coverage log ------------------------------------


def test_planted_files_for_other_tables_are_quarantined_not_replayed(tmp_path, warehouse):
    day = date(2025, 1, 15)
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", day)])
    spool = DeadLetterSpool(tmp_path / "spool")
    spool.directory.mkdir(parents=True)
    planted = {**schedule_row("0099999999", day), "game_date": "2025-01-15"}
    naive = spool.directory / "nba_raw.nbac_schedule__planted.ndjson"          # old format, no trailer
    naive.write_text(json.dumps(planted, default=str) + "\n")
    forged = spool.spill("nba_raw.nbac_schedule", "forged", [planted])       # a well-formed file
    report = replay_dead_letters(warehouse, spool)
    ids = warehouse.query("SELECT game_id FROM nba_raw.nbac_schedule WHERE game_date = '2025-01-15'")
    assert ids.to_dataframe()["game_id"].tolist() == ["0022400561"]
    assert set(report.files_quarantined) == {str(naive), str(forged)}
    assert "allow-list" in report.files_quarantined[str(forged)]
    assert report.rows_loaded == 0


def test_an_extra_log_table_can_be_allowed_by_the_environment(tmp_path, warehouse, monkeypatch):
    spool = DeadLetterSpool(tmp_path / "spool")
    path = spool.spill("ops.coverage_log_copy", "job", event_rows(1, "x"))
    monkeypatch.setenv("COVERAGE_REPLAY_TABLES", "ops.coverage_log_copy")
    report = replay_dead_letters(warehouse, spool)
    assert str(path) not in report.files_quarantined     # allowed; it fails to load (no such table)
    assert str(path) in report.files_failed and path.exists()


# -- case 4: two replays at once ----------------------------------------------------------

_REPLAY_SCRIPT = """
import json, sys
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import replay_dead_letters
client = bigquery.Client(project="test-project", credentials=AnonymousCredentials(),
                         client_options={"api_endpoint": sys.argv[1]})
# The stand-in serves the embedded warehouse, which does not limit the rate of table updates:
# replay need not pace its loads to BigQuery's 5 per 10 s here (tests/reliability/test_table_quota.py).
client.limits_table_update_rate = False
report = replay_dead_letters(client, DeadLetterSpool(sys.argv[2]))
print(json.dumps({"replayed": report.files_replayed, "loaded": report.rows_loaded,
                  "failed": report.files_failed, "quarantined": getattr(report, "files_quarantined", {})}))
"""


def test_two_replays_at_once_both_end_cleanly_and_load_each_row_once(tmp_path):
    spool = DeadLetterSpool(tmp_path / "spool")
    files = [spill(spool, f"job_{n:02d}", 3) for n in range(30)]
    with BigQueryStandIn() as standin:
        ensure_schema(standin.backend)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen([sys.executable, "-c", _REPLAY_SCRIPT, standin.url, str(spool.directory)],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        results = [proc.communicate(timeout=240) for proc in procs]
        for proc, (_out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err[-2000:]
        reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
        stored = log_rows(standin.backend)
    assert all(not r["failed"] and not r["quarantined"] for r in reports)
    assert sum(r["loaded"] for r in reports) == 90
    assert len(stored) == 90 and stored["event_id"].is_unique
    assert not spool.files()
    assert sorted(p.name for p in spool.replayed_directory.glob("*.ndjson")) == sorted(f.name for f in files)


# -- rows and job ids the live path would refuse -------------------------------------------------


def test_a_file_whose_rows_the_live_path_would_refuse_is_quarantined_naming_the_row(tmp_path):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    good = spill(spool, "a_good", 3)
    bad = {}
    for column, value in (("event_type", "made_up"), ("severity", "catastrophic"),
                          ("quality_tier_after", "platinum")):
        rows = event_rows(2, column)
        rows[1] = {**rows[1], column: value}  # an older build, or an edited file: the checksum is fine
        bad[column] = (spool.spill(COVERAGE_LOG_TABLE, f"b_{column}", rows, reason="x"), value)
    client = DuckDBClient(str(db))
    try:
        report = replay_dead_letters(client, spool)
    finally:
        client.close()
    assert report.files_replayed == [str(good)]
    for column, (path, value) in bad.items():
        reason = report.files_quarantined[str(path)]
        assert reason.startswith(f"rows do not fit the coverage log: row 1: {column}: unknown "), reason
        assert repr(value) in reason
        assert not path.exists() and (spool.directory / "quarantine" / path.name).exists()
    assert stored_descriptions(db) == ["a_good 0", "a_good 1", "a_good 2"]  # nothing of the bad files


def test_an_event_repeated_in_one_file_is_loaded_once(tmp_path):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    rows = event_rows(2, "twice")
    spool.spill(COVERAGE_LOG_TABLE, "dup", [rows[0], rows[1], dict(rows[0])], reason="x")
    client = DuckDBClient(str(db))
    try:
        report = replay_dead_letters(client, spool)
    finally:
        client.close()
    assert report.rows_loaded == 2 and not report.files_failed and not report.files_quarantined
    assert stored_descriptions(db) == ["twice 0", "twice 1"]


def test_a_job_id_bigquery_cannot_accept_is_quarantined_not_failed_every_night(tmp_path):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    paths = [spool.spill(COVERAGE_LOG_TABLE, job_id, event_rows(1, f"j{n}"), reason="x")
             for n, job_id in enumerate(["job'; DROP TABLE t; --", "flush.with.dots", "x" * 1025])]
    report, again = replay_twice(db, spool)
    assert sorted(report.files_quarantined) == sorted(map(str, paths)) and not report.files_failed
    assert all("is not one BigQuery accepts (letters, digits, '_' and '-', at most 1,024)" in r
               for r in report.files_quarantined.values())
    assert again.files_quarantined == {} and again.files_failed == {} and again.files_replayed == []
    assert stored_descriptions(db) == []


def test_the_salvage_snippet_of_the_operations_guide_works_on_a_quarantined_cut_file(tmp_path):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    path = spill(spool, "flush_cut", 4)
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"\n", 0, data.rindex(b'"__coverage_spool__"')) - 7])  # cut mid row 4
    client = DuckDBClient(str(db))
    try:
        first = replay_dead_letters(client, spool)
        [quarantined] = [Path(p) for p in first.files_quarantined]
        text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
        snippet = text.split("Salvaging the complete rows of a quarantined file")[1].split("```python\n")[1]
        snippet = snippet.split("```")[0].replace("/var/spool/coverage", str(spool.directory))
        snippet = snippet.replace("FILE.ndjson", quarantined.name)
        exec(compile(snippet, "operations.md", "exec"), {})  # noqa: S102 - the guide's own code
        second = replay_dead_letters(client, spool)
    finally:
        client.close()
    assert second.files_quarantined == {} and second.files_failed == {} and len(second.files_replayed) == 1
    assert stored_descriptions(db) == ["flush_cut 0", "flush_cut 1", "flush_cut 2"]


def test_rows_no_load_can_take_are_quarantined_not_failed_every_night(tmp_path):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "spool")
    rows = event_rows(2, "far")
    rows[1] = {**rows[1], "event_timestamp": "9999-12-31T23:59:59.999999+00:00", "created_at": "9999-12-31T23:59:59Z"}
    far = spool.spill(COVERAGE_LOG_TABLE, "far_future", rows, reason="x")
    good = spill(spool, "good", 1)
    report, again = replay_twice(db, spool)
    assert report.files_replayed == [str(good)] and report.files_failed == {}
    assert report.files_quarantined[str(far)].startswith("the rows cannot be loaded as they are: ")
    assert again.files_quarantined == again.files_failed == {}
    assert stored_descriptions(db) == ["good 0"]
