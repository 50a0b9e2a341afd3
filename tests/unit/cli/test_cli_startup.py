"""Commands answer ``--help``, ``--version`` and usage errors without loading the heavy libraries.

An operator's ``coverage-audit --help`` or a mistyped flag should answer at once, not after a
second of importing pandas, the BigQuery client and DuckDB. The commands are declared in
light modules (``shared_services/commands``, ``data_processors/commands``, the audit's
``cli.py``) and load their work modules when they run, after the arguments and the warehouse
URL were checked. These tests prove it by the modules a fresh interpreter has loaded, not by
timing: each asserts the exit status and the one-line message as well, so a command that
stopped checking its arguments early fails here too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from data_processors.nba_coverage import COMMANDS
from shared_services.cli import exit_code_for, register_exit_code
from tests.support.cli_runner import assert_one_line_error, clean_env, command_argv, run_in_process

#: What a command may load only when it does its work.
HEAVY = ("pandas", "numpy", "pyarrow", "google.cloud.bigquery", "google.api_core", "google.auth",
         "duckdb", "sqlglot", "yaml")

# (argv, exit status, a piece of the one stderr line) per command; the usage errors include the
# command's own checks that run before any work (a missing warehouse file, a bad URL, ...).
CASES: dict[str, list[tuple[list[str], int, str]]] = {
    "audit": [(["--date", "2025-01-15", "--start", "2025-01-10"], 2, "either --date or --start/--end"),
              (["--start", "2025-01-15", "--end", "2025-01-10"], 2, "is before --start"),
              (["--date", "2025-01-15", "--warehouse", "duckdb:///missing.duckdb"], 2, "does not exist")],
    "health": [(["--warehouse", "duckdb:///missing.duckdb"], 2, "does not exist"),
               (["--date", "2025-02-30"], 2, "is not a date")],
    "stale": [(["--warehouse", "sqlite:///x.db"], 2, "accepted forms")],
    "report": [(["--start", "2025-01-15", "--end", "2025-01-10"], 2, "is before --start"),
               (["--start", "2025-01-10", "--end", "2025-01-15", "--now", "noon"], 2, "ISO-8601"),
               (["--start", "2025-01-10", "--end", "2025-01-15", "--warehouse",
                 "duckdb:///missing.duckdb"], 2, "does not exist")],
    "setup": [(["--warehouse", "sqlite:///x.db"], 2, "accepted forms")],
    "preflight": [(["--warehouse", "duckdb:///missing.duckdb"], 2, "does not exist")],
    "replay": [(["--dir", "no-such-dir"], 2, "does not exist")],
    "demo": [(["--days", "0"], 2, "--days must be between 1 and 366")],
    "player-game-summary": [(["--date", "2025-01-15", "--warehouse", "duckdb:///missing.duckdb"], 2,
                             "does not exist")],
    "team-offense": [([], 2, "the following arguments are required: --date")],
    "rolling-averages": [(["--date", ""], 2, "empty")],
    "predictions": [(["--date", "2025-01-15", "--warehouse", "bigquery://"], 2, "malformed BigQuery warehouse URL")],
}

_SWEEP = textwrap.dedent("""
    import contextlib, io, json, sys
    from data_processors.nba_coverage import COMMANDS, load_command, main as nba_coverage
    cases, heavy = json.loads(sys.argv[1]), sys.argv[2].split(",")
    results = []
    def run(label, call):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = call()
        loaded = [name for name in heavy if name in sys.modules]
        results.append([label, code, out.getvalue(), err.getvalue(), loaded])
    for short in COMMANDS:
        command = load_command(short)
        for argv in (["--help"], ["--version"], ["--no-such-flag"], *(c[0] for c in cases[short])):
            run([short, *argv], lambda: command.main(argv))
    run(["nba-coverage", "--help"], lambda: nba_coverage(["--help"]))
    run(["nba-coverage", "audit", "--no-such-flag"], lambda: nba_coverage(["audit", "--no-such-flag"]))
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], list]:
    """Every command's --help, --version and usage errors in ONE fresh interpreter, in order."""
    done = subprocess.run([sys.executable, "-c", _SWEEP, json.dumps(CASES), ",".join(HEAVY)],
                          capture_output=True, text=True, cwd=tmp_path_factory.mktemp("startup"),
                          env=clean_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    return {tuple(label): rest for label, *rest in json.loads(done.stdout)}


def test_every_command_is_in_the_sweep():
    assert set(CASES) == set(COMMANDS)


@pytest.mark.parametrize("short", list(COMMANDS))
def test_help_version_and_usage_errors_load_no_heavy_library(sweep, short):
    code, out, _, loaded = sweep[(short, "--help")]
    assert code == 0 and "example:" in out and not loaded, loaded
    code, out, _, loaded = sweep[(short, "--version")]
    assert code == 0 and "(nba-source-coverage)" in out and not loaded, loaded
    code, _, err, loaded = sweep[(short, "--no-such-flag")]
    # (a command with a required option names that first)
    assert code == 2 and not loaded, loaded
    assert ("unrecognized arguments: --no-such-flag" in err
            or "the following arguments are required: --" in err), err
    for argv, expected_code, message in CASES[short]:
        code, out, err, loaded = sweep[(short, *argv)]
        done = subprocess.CompletedProcess(argv, code, out, err)
        assert code == expected_code, (argv, err)
        assert message in assert_one_line_error(done, f"coverage-{short}"), (argv, err)
        assert not loaded, (argv, loaded)


def test_the_single_entry_point_loads_no_heavy_library_either(sweep):
    code, out, _, loaded = sweep[("nba-coverage", "--help")]
    assert code == 0 and "rolling-averages" in out and not loaded, loaded
    code, _, err, loaded = sweep[("nba-coverage", "audit", "--no-such-flag")]
    assert code == 2 and err.startswith("nba-coverage audit: error: unrecognized") and not loaded, loaded


def test_the_installed_script_imports_no_heavy_library_for_a_usage_error(tmp_path):
    # the console script itself (its import line comes from pyproject.toml), with Python's own
    # import log: not one heavy module is imported
    done = subprocess.run([*command_argv("coverage-audit"), "--date", "2025-13-01"], capture_output=True,
                          text=True, cwd=tmp_path, env=clean_env(PYTHONPROFILEIMPORTTIME="1"), timeout=120)
    assert done.returncode == 2
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "data_processors.source_coverage_audit.cli" in imported     # the log is really there
    assert not {name for name in imported for h in HEAVY if name == h or name.startswith(h + ".")}
    errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert errors == ["coverage-audit: error: argument --date: '2025-13-01' is not a date; expected "
                      "YYYY-MM-DD (see coverage-audit --help)"]


def test_python_dash_m_on_a_work_module_still_runs_its_command(tmp_path):
    # `python -m data_processors.precompute.staleness` runs the module as __main__; the command
    # (declared in data_processors/commands/stale.py) then imports the module by name, which
    # must find that same copy, not load a second one that registers its statements again
    assert run_in_process("coverage-setup", "--warehouse", "duckdb:///w.duckdb", cwd=tmp_path).returncode == 0
    done = subprocess.run([sys.executable, "-m", "data_processors.precompute.staleness", "--since", "2025-01-01",
                           "--warehouse", "duckdb:///w.duckdb"], capture_output=True, text=True, cwd=tmp_path,
                          env=clean_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no stale rows" and done.stderr == ""


def test_a_registered_code_still_wins_over_the_built_in_table():
    class HeldByTheBackupJob(duckdb.IOException):
        pass

    assert exit_code_for(HeldByTheBackupJob("lock")) == 3        # the built-in duckdb entry
    register_exit_code(HeldByTheBackupJob, 2)
    assert exit_code_for(HeldByTheBackupJob("lock")) == 2
    assert exit_code_for(duckdb.IOException("lock")) == 3         # the base class keeps its code
