"""No silent wrong targets (issue 13): each mistake is refused with a one-line error, exit 2."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.cli_runner import assert_one_line_error, clean_env
from tests.support.scenario import load, player_rows, schedule_row


@pytest.fixture
def setup_db(tmp_path, warehouse_template):
    """A warehouse file with the tables created (no rows): a copy of the session's template."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse_template, path)
    return path


@pytest.mark.parametrize("name", ["coverage-audit", "coverage-player-game-summary"])
def test_an_empty_date_is_refused_not_read_as_yesterday(cli, setup_db, name):
    done = cli(name, "--date", "", "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    assert "argument --date: empty" in assert_one_line_error(done, name)


READS = {
    "coverage-audit": ["--date", "2025-01-15"],
    "coverage-report": ["--start", "2025-01-10", "--end", "2025-01-16"],
    "coverage-health": ["--date", "2025-01-15"],
    "coverage-stale": [],
    "coverage-replay": [],
}


@pytest.mark.parametrize("name", sorted(READS))
def test_a_read_command_on_a_missing_duckdb_file_creates_nothing(cli, tmp_path, name):
    (tmp_path / "spool").mkdir()
    extra = ["--dir", str(tmp_path / "spool")] if name == "coverage-replay" else []
    done = cli(name, *READS[name], *extra, "--warehouse", "duckdb:///typo.duckdb")
    assert done.returncode == 2
    line = assert_one_line_error(done, name)
    assert f"warehouse file {tmp_path / 'typo.duckdb'} does not exist" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spool"]      # no typo.duckdb, no report


def test_the_default_warehouse_is_not_created_either(cli_process, tmp_path):
    # a real subprocess: the default file is relative to the process's working directory
    done = cli_process("coverage-audit")   # no --warehouse, no $COVERAGE_WAREHOUSE: duckdb:///coverage.duckdb
    assert done.returncode == 2
    assert "coverage.duckdb does not exist (the default" in assert_one_line_error(done, "coverage-audit")
    assert not (tmp_path / "coverage.duckdb").exists()


def test_replay_of_a_missing_directory_is_an_error(cli, setup_db, tmp_path):
    done = cli("coverage-replay", "--dir", "no_such_spool", "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    assert f"dead-letter directory {tmp_path / 'no_such_spool'} does not exist" in assert_one_line_error(
        done, "coverage-replay")
    assert not (tmp_path / "no_such_spool").exists()


def test_demo_refuses_a_previous_run_and_force_resets_every_output(forced_demo):
    # the first run is the session's piped `coverage-demo --days 2` (demo_run); on a copy of its
    # folder the run again, then with --force, is made once per session (tests/support/demo_runs.py)
    first, out = forced_demo.first, forced_demo.out
    assert first.returncode == 0, first.stderr
    notifications = forced_demo.notifications_before
    [games] = re.findall(r"^Demo \S+ \.\. \S+ \(seed 7\): (\d+) final games", first.stdout, re.M)

    again = forced_demo.again
    assert again.returncode == 2
    assert "pass --force" in assert_one_line_error(again, "coverage-demo")
    assert forced_demo.notifications_after_refusal == notifications        # untouched

    forced = forced_demo.forced
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["games"] == int(games)                # one slate, not two
    assert json.loads(forced.stdout)["faults_missed"] == []                # no UNEXPECTED faults
    # replaced, not appended: as many alert lines as the first run (ids and times differ)
    assert len((out / "notifications.log").read_text().splitlines()) == len(notifications.splitlines()) > 0


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_demo_refuses_an_existing_warehouse_file_it_did_not_make_even_with_force(cli, setup_db, tmp_path, force):
    before = setup_db.read_bytes()
    done = cli("coverage-demo", "--days", "1", "--out", str(tmp_path / "o"), "--warehouse", f"duckdb:///{setup_db}",
               *force)
    assert done.returncode == 2
    line = assert_one_line_error(done, "coverage-demo")
    assert f"--warehouse: {setup_db} exists and no earlier demo in {tmp_path / 'o'} made it" in line
    assert "the demo never replaces a warehouse it did not make" in line
    assert setup_db.read_bytes() == before and not (tmp_path / "o").exists()


def test_demo_force_replaces_the_outside_warehouse_an_earlier_demo_made(cli, tmp_path):
    own = tmp_path / "own.duckdb"
    args = ["--days", "1", "--out", str(tmp_path / "o"), "--warehouse", f"duckdb:///{own}"]
    assert cli("coverage-demo", *args).returncode == 0
    assert (tmp_path / "o" / "warehouse.txt").read_text(encoding="utf-8") == f"{own.resolve()}\n"
    again = cli("coverage-demo", *args, "--force")
    assert again.returncode == 0, again.stderr
    assert "own.duckdb" in again.stdout.splitlines()[0]  # "--force: removed the previous run's ..., own.duckdb"


def test_audit_config_with_a_misspelled_table_names_the_file_and_entry(cli, setup_db, tmp_path):
    config = tmp_path / "audit.yaml"
    config.write_text("tables:\n"
                      "  - table: nba_raw.nbac_team_boxscore\n    key_format: date_away_home\n"
                      "  - table: nba_raw.nbac_gamebook_player_stats\n"
                      "  - table: nba_analytics.player_gme_summary\n    tracks_quality: true\n")
    done = cli("coverage-audit", "--date", "2025-01-15", "--config", str(config),
               "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    line = assert_one_line_error(done, "coverage-audit")
    assert f"{config}: tables[2]: table nba_analytics.player_gme_summary not found" in line


@pytest.mark.parametrize(("entry", "words"), [
    ("    id_column: gameid\n", "id_column 'gameid'"),
    ("    date_column: player_id\n", "date_column 'player_id' (a DATE column)"),
])
def test_audit_config_naming_a_column_the_table_cannot_give_is_a_usage_error(cli, setup_db, tmp_path, entry, words):
    client = DuckDBClient(str(setup_db))
    load(client, "nba_raw.nbac_schedule", [schedule_row("0022400561", date(2025, 1, 15))])  # a game to check
    client.close()
    config = tmp_path / "audit.yaml"
    config.write_text("tables:\n  - table: nba_raw.nbac_gamebook_player_stats\n" + entry)
    done = cli("coverage-audit", "--date", "2025-01-15", "--config", str(config), "--dry-run",
               "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    line = assert_one_line_error(done, "coverage-audit")
    assert "audit table tables[0] nba_raw.nbac_gamebook_player_stats: cannot be read with " in line
    assert words in line


def test_audit_config_that_is_not_utf8_is_a_usage_error(cli, setup_db, tmp_path):
    config = tmp_path / "audit.yaml"
    text = b"tables:\n  - table: nba_raw.caf\xe9\n"
    config.write_bytes(text)
    done = cli("coverage-audit", "--date", "2025-01-15", "--config", str(config),
               "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    assert f"audit config {config} is not UTF-8 text (byte {text.index(0xE9)}); save it as UTF-8" in \
        assert_one_line_error(done, "coverage-audit")


def test_a_bad_replay_allow_list_is_a_usage_error_before_the_warehouse_opens(cli, setup_db, tmp_path):
    (tmp_path / "spool").mkdir()
    env = clean_env(COVERAGE_REPLAY_TABLES="nba_reference.other_log, x'; DROP TABLE t")
    done = cli("coverage-replay", "--dir", str(tmp_path / "spool"), "--warehouse", f"duckdb:///{setup_db}", env=env)
    assert done.returncode == 2
    line = assert_one_line_error(done, "coverage-replay")
    assert line.startswith("coverage-replay: error: $COVERAGE_REPLAY_TABLES: invalid table id \"x'; DROP TABLE t\"")


@pytest.mark.parametrize("name, args", [
    ("coverage-audit", ["--date", "0001-01-01"]),
    ("coverage-report", ["--start", "9999-12-30", "--end", "9999-12-31"]),
])
def test_dates_the_warehouse_cannot_hold_are_usage_errors(cli, setup_db, name, args):
    done = cli(name, *args, "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    assert "outside the supported range" in assert_one_line_error(done, name)


@pytest.mark.parametrize("name", ["coverage-player-game-summary", "coverage-team-offense"])
@pytest.mark.parametrize("dates, message", [
    (("2025-01-10", "2025-01-09"), "--through 2025-01-09 is before --date 2025-01-10"),
    (("2024-01-10", "2025-01-10"), "--date .. --through spans 367 days; one run takes at most 366"),
])
def test_a_backwards_or_too_long_backfill_is_refused_before_the_warehouse_opens(cli, tmp_path, name, dates, message):
    missing = tmp_path / "not_created.duckdb"  # the span is checked first: no "file not found"
    done = cli(name, "--date", dates[0], "--through", dates[1], "--warehouse", f"duckdb:///{missing}")
    assert done.returncode == 2
    assert message in assert_one_line_error(done, name)
    assert not missing.exists()


def test_a_backfill_runs_every_date_in_one_run(cli, setup_db):
    client = DuckDBClient(str(setup_db))
    try:
        days = [date(2025, 1, 13), date(2025, 1, 15)]
        load(client, "nba_raw.nbac_schedule", [schedule_row(f"00224005{n:02d}", d) for n, d in enumerate(days)])
        load(client, "nba_raw.nbac_gamebook_player_stats",
             [r for n, d in enumerate(days) for r in player_rows(f"00224005{n:02d}", d)])
    finally:
        client.close()
    done = cli("coverage-player-game-summary", "--date", "2025-01-13", "--through", "2025-01-15",
               "--warehouse", f"duckdb:///{setup_db}", "--json")
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert (stats["date"], stats["through"]) == ("2025-01-13", "2025-01-15")
    assert stats["game_tiers"] == {"0022400500": "gold", "0022400501": "gold"}
    assert stats["rows_written"] == 26


@pytest.mark.parametrize("value", ["2025-01-15'; DROP TABLE nba_raw.nbac_schedule; --", "", "9" * 10_000])
def test_a_hostile_through_is_a_one_line_usage_error(cli, setup_db, value):
    done = cli("coverage-team-offense", "--date", "2025-01-10", "--through", value,
               "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    line = assert_one_line_error(done, "coverage-team-offense")
    assert "argument --through" in line and len(line) < 1_000


def test_report_out_naming_the_warehouse_is_refused_and_the_warehouse_is_unchanged(cli, setup_db, tmp_path):
    before = setup_db.read_bytes()
    done = cli("coverage-report", *READS["coverage-report"], "--warehouse", f"duckdb:///{setup_db}",
               "--out", str(setup_db))
    assert done.returncode == 2
    line = assert_one_line_error(done, "coverage-report")
    assert f"--out: {setup_db} exists and is not an HTML report" in line
    assert setup_db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # no .wal, no temporary
    (tmp_path / "reports").mkdir()
    done = cli("coverage-report", *READS["coverage-report"], "--warehouse", f"duckdb:///{setup_db}",
               "--out", str(tmp_path / "reports"))
    assert done.returncode == 2
    assert "is a directory; give a file name" in assert_one_line_error(done, "coverage-report")


def test_report_out_replaces_an_earlier_report_whole(cli, setup_db, tmp_path):
    out = tmp_path / "report.html"
    args = [*READS["coverage-report"], "--warehouse", f"duckdb:///{setup_db}", "--out", str(out),
            "--now", "2025-01-17T15:00:00+00:00"]  # the same page twice
    assert cli("coverage-report", *args).returncode == 0
    first = out.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>") and first.rstrip().endswith("</html>")
    out.write_text(first.replace("</html>", "<!-- an earlier run --></html>"), encoding="utf-8")
    assert cli("coverage-report", *args).returncode == 0
    assert out.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "w.duckdb"]  # no temporary left


def test_an_abbreviated_option_is_not_taken_for_the_full_one(cli, setup_db):
    done = cli("coverage-audit", "--dat", "2025-01-15", "--warehouse", f"duckdb:///{setup_db}")
    assert done.returncode == 2
    assert "unrecognized arguments: --dat 2025-01-15" in assert_one_line_error(done, "coverage-audit")


def test_setup_project_without_print_ddl_is_refused_and_creates_nothing(cli, tmp_path):
    done = cli("coverage-setup", "--project", "my-project-1", "--warehouse", "duckdb:///x.duckdb")
    assert done.returncode == 2
    assert "--project only qualifies the names --print-ddl prints" in assert_one_line_error(done, "coverage-setup")
    assert list(tmp_path.iterdir()) == []


def test_the_single_entry_point_answers_an_unknown_command_in_json_when_asked(cli):
    done = cli("nba-coverage", "bogus", "--json")
    assert done.returncode == 2
    payload = json.loads(done.stdout)
    assert payload["exit_code"] == 2 and payload["error"].startswith("nba-coverage: error: unknown command 'bogus'")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["coverage-health", "coverage-setup"])
def test_a_directory_named_as_the_warehouse_is_said_to_be_one(cli, tmp_path, name):
    (tmp_path / "d.duckdb").mkdir()
    args = ["--date", "2025-01-15"] if name == "coverage-health" else []
    done = cli(name, *args, "--warehouse", "duckdb:///d.duckdb")
    assert done.returncode == 2
    line = assert_one_line_error(done, name)
    assert f"--warehouse: {tmp_path / 'd.duckdb'} is a directory, not a warehouse file" in line
    assert "coverage-setup --warehouse" not in line  # no advice that leads back here


@pytest.mark.parametrize(("name", "args", "option"), [
    ("coverage-audit", ["--date", "2025-01-15", "--date", "2025-01-16"], "--date"),
    ("coverage-health", ["--date", "2025-01-15", "--warehouse", "duckdb:///a.duckdb"], "--warehouse"),
    ("coverage-report", ["--start", "2025-01-10", "--end", "2025-01-16", "--out", "a.html", "--out", "b.html"], "--out"),
])
def test_an_option_given_twice_is_refused_not_the_last_one_taken(cli, setup_db, name, args, option):
    done = cli(name, "--warehouse", f"duckdb:///{setup_db}", *args)
    assert done.returncode == 2
    assert f"argument {option}: given more than once" in assert_one_line_error(done, name)
