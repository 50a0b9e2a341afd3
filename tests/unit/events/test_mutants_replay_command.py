"""What ``coverage-replay --json`` reports (survivors of the mutation run on ``_report_data`` and
``_run_replay``): every key says what became of each file, and agrees with the spool on disk
and with the rows in the warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import main as replay_main
from shared_services.events.replay import replay_dead_letters
from tests.reliability.test_spool_replay import spill, warehouse_file
from tests.support.event_log import event_rows, log_rows


def test_the_json_report_names_each_file_by_what_became_of_it(tmp_path, capsys):
    db = warehouse_file(tmp_path)
    # c_again's rows are in the warehouse already: an earlier replay loaded the same file
    earlier = DeadLetterSpool(tmp_path / "earlier")
    first = spill(earlier, "c_again", 3)
    content = first.read_bytes()
    client = DuckDBClient(str(db))
    try:
        assert replay_dead_letters(client, earlier).rows_loaded == 3
    finally:
        client.close()

    spool = DeadLetterSpool(tmp_path / "spool")
    planted = spool.spill("nba_analytics.player_game_summary", "job_x", event_rows(1, "planted"))
    loaded = spill(spool, "b_loaded", 2)
    again = spool.directory / first.name
    again.write_bytes(content)
    held = spill(spool, "d_held", 1)
    assert spool.files() == [planted, loaded, again, held]
    handle = os.open(held, os.O_RDONLY)               # another replay holds d_held
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = replay_main(["--warehouse", f"duckdb:///{db}", "--dir", str(spool.directory), "--json"])
    finally:
        os.close(handle)
    data = json.loads(capsys.readouterr().out)
    assert code == 1                                   # the planted file is a finding
    reason = data["files_quarantined"].pop(str(planted))
    assert "allow-list" in reason and "nba_analytics.player_game_summary" in reason
    assert data == {
        "directory": str(spool.directory.resolve()),
        "files_replayed": [str(loaded), str(again)],
        "rows_loaded": 2, "rows_already_present": 3,
        "files_failed": {}, "files_quarantined": {}, "files_busy": [str(held)], "leftovers": {},
        "files_waiting_for_quota": {}, "quota_exhausted": {},
    }
    client = DuckDBClient(str(db))
    try:
        assert sorted(log_rows(client)["description"]) == [f"b_loaded {i}" for i in range(2)] + [
            f"c_again {i}" for i in range(3)]
    finally:
        client.close()


def test_no_dead_letter_directory_is_nothing_to_do_and_says_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COVERAGE_DEAD_LETTER_DIR", raising=False)
    monkeypatch.chdir(tmp_path)                        # the default directory is relative: not there
    db = warehouse_file(tmp_path)
    code = replay_main(["--warehouse", f"duckdb:///{db}", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data == {"directory": str((tmp_path / "coverage_dead_letter").resolve()), "files_replayed": [],
                    "rows_loaded": 0, "rows_already_present": 0, "files_failed": {}, "files_quarantined": {},
                    "files_busy": [], "leftovers": {}, "files_waiting_for_quota": {}, "quota_exhausted": {}}
    assert replay_main(["--warehouse", f"duckdb:///{db}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"no dead-letter directory {(tmp_path / 'coverage_dead_letter').resolve()}: ")


def test_a_named_directory_that_does_not_exist_is_a_usage_error_naming_where_it_came_from(
        tmp_path, capsys, monkeypatch):
    db = warehouse_file(tmp_path)
    missing = tmp_path / "no_such_spool"
    assert replay_main(["--warehouse", f"duckdb:///{db}", "--dir", str(missing)]) == 2
    assert capsys.readouterr().err == f"coverage-replay: error: --dir: dead-letter directory {missing} does not exist\n"
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(missing))
    assert replay_main(["--warehouse", f"duckdb:///{db}"]) == 2
    assert capsys.readouterr().err == (
        f"coverage-replay: error: $COVERAGE_DEAD_LETTER_DIR: dead-letter directory {missing} does not exist\n")


def test_the_environment_names_the_directory_when_dir_is_not_given(tmp_path, capsys, monkeypatch):
    db = warehouse_file(tmp_path)
    spool = DeadLetterSpool(tmp_path / "from_env")
    spill(spool, "job_env", 2)
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(spool.directory))
    monkeypatch.chdir(tmp_path)
    assert replay_main(["--warehouse", f"duckdb:///{db}", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["directory"] == str(spool.directory.resolve()) and data["rows_loaded"] == 2


def test_each_problem_is_one_stderr_line_with_its_reason(tmp_path, capsys, monkeypatch):
    from google.cloud import bigquery

    db = warehouse_file(tmp_path)
    wrong = "nba_reference.wrong_shape_log"          # allow-listed, but its load fails
    client = DuckDBClient(str(db))
    client.create_table(bigquery.Table(f"{client.project}.{wrong}", schema=[bigquery.SchemaField("event_id", "INT64")]))
    client.close()
    monkeypatch.setenv("COVERAGE_REPLAY_TABLES", wrong)
    spool = DeadLetterSpool(tmp_path / "spool")
    failing = spool.spill(wrong, "job_fail", event_rows(1, "fail"))
    planted = spool.spill("nba_analytics.player_game_summary", "job_x", event_rows(1, "planted"))
    complete = spill(spool, "job_left", 1)           # a complete spill left as .tmp an hour ago
    leftover = spool.directory / ".spill-left.tmp"
    complete.replace(leftover)
    os.utime(leftover, (1, 1))
    assert replay_main(["--warehouse", f"duckdb:///{db}", "--dir", str(spool.directory), "--json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    # (the log's WARNING / ERROR lines go to stderr as well; these are the report's own lines)
    lines = [line for line in captured.err.splitlines() if line.startswith(("FAILED ", "QUARANTINED ", "LEFTOVER "))]
    assert len(lines) == 3
    assert lines[0].startswith(f"FAILED {failing}: BadRequest: 400 ")
    assert lines[1] == f"QUARANTINED {planted}: {data['files_quarantined'][str(planted)]}"
    assert lines[2] == f"LEFTOVER {leftover}: {data['leftovers'][str(leftover)]}"
    assert data["leftovers"][str(leftover)] == f"recovered: {complete}"
