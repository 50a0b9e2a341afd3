"""One convention for every command (issue 13): flags, exit codes, one-line errors, output."""

from __future__ import annotations

import json
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest

from data_processors.nba_coverage import COMMANDS, load_command
from shared_services.cli import FAIL_ON_LEVELS, package_version
from tests.support.cli_runner import REPO, assert_one_line_error

ALL = [f"coverage-{short}" for short in COMMANDS]
FINDERS = {"coverage-audit", "coverage-health", "coverage-stale", "coverage-replay", "coverage-demo",
           "coverage-preflight"}


def test_every_command_and_pyproject_agree_with_the_registry():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert len(ALL) == 12   # the eleven of issue 13 and coverage-preflight (issue 11)
    assert set(scripts) == {*ALL, "nba-coverage"}
    for name in ALL:
        module, _, attr = scripts[name].partition(":")
        assert module == COMMANDS[name.removeprefix("coverage-")] and attr == "main"


@pytest.mark.parametrize("name", ALL)
def test_every_command_has_the_common_flags_and_an_example(name, capsys):
    # in-process for the sweep (11 interpreters would cost ~20 s); subprocesses below
    assert load_command(name).main(["--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--version", "--warehouse", "--json", "-q", "-v", "example:", name, "exit status"):
        assert flag in text, (name, flag)
    assert ("--fail-on {critical,warning,never}" in text) == (name in FINDERS)
    assert load_command(name).main(["--version"]) == 0
    assert package_version() in capsys.readouterr().out


def test_help_and_version_as_subprocesses(cli_process):
    # the two processes run side by side (each is mostly interpreter start-up)
    with ThreadPoolExecutor(max_workers=2) as pool:
        helped, versioned = pool.map(lambda argv: cli_process(*argv),
                                     [("coverage-stale", "--help"), ("coverage-audit", "--version")])
    assert helped.returncode == 0 and "example:\n  coverage-stale --since" in helped.stdout
    assert versioned.returncode == 0 and versioned.stdout.strip().endswith(package_version())


def test_single_entry_point_lists_everything_and_runs_each_command(cli, tmp_path):
    done = cli("nba-coverage", "--help")
    assert done.returncode == 0
    for short in COMMANDS:
        assert re.search(rf"^  {re.escape(short)} ", done.stdout, re.M), short
    db = tmp_path / "w.duckdb"
    done = cli("nba-coverage", "setup", "--warehouse", f"duckdb:///{db}", "--json")
    assert done.returncode == 0, done.stderr
    assert "nba_reference.source_coverage_log" in json.loads(done.stdout)["tables_created"]
    done = cli("nba-coverage", "no-such-command")
    assert done.returncode == 2 and "unknown command" in done.stderr


def test_exit_0_1_and_the_same_fail_on_vocabulary(demo_run, cli):
    assert demo_run.returncode == 0, demo_run.stderr   # every injected fault was caught
    audit = ["--start", "2025-01-10", "--end", "2025-01-11", "--warehouse", demo_run.url, "--dry-run"]
    assert cli("coverage-audit", *audit).returncode == 1                       # criticals found
    assert cli("coverage-audit", *audit, "--fail-on", "never").returncode == 0
    health = ["--date", "2025-01-11", "--warehouse", demo_run.url]
    found = {level: cli("coverage-health", *health, "--fail-on", level).returncode for level in FAIL_ON_LEVELS}
    assert found["never"] == 0 and found["warning"] == 1        # the demo's day 2 warns at least
    assert cli("coverage-health", *health, "--fail-on", "warn").returncode == 1   # old spelling


def test_exit_2_usage_error_is_one_line(cli):
    done = cli("coverage-audit", "--no-such-flag")
    assert done.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in assert_one_line_error(done, "coverage-audit")
    done = cli("coverage-setup", "--warehouse", "sqlite:///x.db")
    assert done.returncode == 2 and "accepted forms" in assert_one_line_error(done, "coverage-setup")


def test_exit_3_environment_error_is_one_line_and_v_shows_the_traceback(cli, tmp_path):
    broken = tmp_path / "broken.duckdb"
    broken.write_text("not a database\n" * 100)
    args = ["--date", "2025-01-15", "--warehouse", f"duckdb:///{broken}"]
    done = cli("coverage-health", *args)
    assert done.returncode == 3
    assert "not a valid DuckDB database" in assert_one_line_error(done, "coverage-health")
    verbose = cli("coverage-health", *args, "-v")
    assert verbose.returncode == 3 and "Traceback (most recent call last)" in verbose.stderr


def test_json_is_machine_readable_and_quiet_is_quiet(demo_run, cli):
    args = ["--date", "2025-01-11", "--warehouse", demo_run.url, "--fail-on", "never"]
    done = cli("coverage-health", *args, "--json")
    payload = json.loads(done.stdout)
    assert {c["name"] for c in payload["checks"]} >= {"tier_mix", "poor_rows"}
    done = cli("coverage-audit", *args, "--dry-run", "--json")
    assert json.loads(done.stdout)["games_checked"] > 0
    quiet = cli("coverage-health", *args, "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    error = cli("coverage-health", "--date", "2025-01-11", "--warehouse", "duckdb:///missing.duckdb", "--json")
    assert error.returncode == 2 and json.loads(error.stdout)["exit_code"] == 2


def test_output_is_line_buffered_when_piped(demo_run):
    # stdout was a pipe: the first progress line arrived while the demo was still working
    assert demo_run.first_line.startswith("warehouse duckdb:///")
    assert demo_run.running_at_first_line


def test_tier_counts_are_plain_text(demo_run, cli):
    done = cli("coverage-player-game-summary", "--date", "2025-01-10", "--warehouse", demo_run.url)
    assert done.returncode == 0, done.stderr
    tiers = done.stdout.strip().rpartition("tiers: ")[2]
    assert re.fullmatch(r"[a-z_]+ \d+(, [a-z_]+ \d+)*", tiers), done.stdout
    assert "QualityTier" not in done.stdout and "{" not in done.stdout
