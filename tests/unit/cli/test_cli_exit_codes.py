"""Exceptions map to exit codes in ONE place (shared_services.cli.core.exit_code_for)."""

from __future__ import annotations

import duckdb
import pytest
from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc

from data_processors.source_coverage_audit.config import AuditConfigError
from shared_services.bigquery.factory import BigQueryCredentialsMissing, BigQueryUnreachable
from shared_services.cli import (
    Command,
    EnvironmentProblem,
    Outcome,
    UsageError,
    exit_code_for,
    format_counts,
    register_exit_code,
)
from shared_services.constants.source_coverage import QualityTier
from shared_services.processors.errors import ImproperlyConfigured


@pytest.mark.parametrize("exc, code", [
    (UsageError("--date: empty"), 2),
    (AuditConfigError("tables[2]: not found"), 2),
    (ImproperlyConfigured("P.REQUIRED_FIELDS"), 2),
    (EnvironmentProblem("disk"), 3),
    (BigQueryCredentialsMissing("no credentials"), 3),
    (BigQueryUnreachable("no answer"), 3),
    (PermissionError("read-only"), 3),
    (ConnectionRefusedError(), 3),
    (gexc.RetryError("deadline", cause=None), 3),
    (gexc.Forbidden("denied"), 3),
    (gexc.ServiceUnavailable("down"), 3),
    (auth_exc.RefreshError("token"), 3),
    (duckdb.IOException("Could not set lock on file"), 3),
    # file and disk trouble DuckDB raises as its base Error or a TransactionException (by message)
    (duckdb.Error("Corrupt database file: computed checksum 3265 does not match stored checksum 8710 "
                  "in block at location 12288"), 3),
    (duckdb.TransactionException('Failed to commit: Cannot open file "w.duckdb.wal": Operation not permitted'), 3),
    (duckdb.TransactionException("Could not write file \"w.duckdb.wal\": No space left on device"), 3),
    (duckdb.Error("INTERNAL Error: an assertion failed"), 4),
    (duckdb.BinderException('Binder Error: Referenced column "gameid" not found'), 4),
    (KeyError("bug"), 4),
    (ValueError("a bug, not a usage error"), 4),
])
def test_exit_code_for(exc, code):
    assert exit_code_for(exc) == code


def test_a_new_exception_class_picks_its_code_three_ways():
    class HasAttribute(Exception):
        exit_code = 3

    class Subclass(EnvironmentProblem):
        pass

    class Registered(RuntimeError):
        pass

    assert exit_code_for(Registered("x")) == 4
    register_exit_code(Registered, 3)
    assert [exit_code_for(e("x")) for e in (HasAttribute, Subclass, Registered)] == [3, 3, 3]


def test_a_command_is_a_function_plus_declared_options(capsys):
    def run(ctx):
        if ctx.args.n < 0:
            raise UsageError("--n: must be >= 0")
        return Outcome(text=f"{ctx.args.n} found", data={"n": ctx.args.n}, found=["warning"] * ctx.args.n)

    from shared_services.cli import option

    command = Command("coverage-count", "Count.", "coverage-count --n 2", run, fail_on="critical",
                      options=(option("--n", type=int, default=0),))
    assert command.main(["--n", "2"]) == 0                            # warnings < critical
    assert command.main(["--n", "2", "--fail-on", "warning"]) == 1
    assert command.main(["--n", "2", "--json", "--fail-on", "never"]) == 0
    out = capsys.readouterr().out
    assert '"n": 2' in out
    assert command.main(["--n", "-1"]) == 2
    assert capsys.readouterr().err.strip() == "coverage-count: error: --n: must be >= 0"


def test_format_counts_is_plain_text():
    tiers = {"a": QualityTier.GOLD, "b": QualityTier.GOLD, "c": QualityTier.SILVER, "d": "no_data"}
    assert format_counts(tiers.values()) == "gold 2, no_data 1, silver 1"
    assert format_counts({}) == "none"
    assert format_counts({"normal": 3, "partial_data": 0}) == "normal 3"


def test_a_log_record_with_a_multi_line_text_is_one_line_on_stderr():
    import logging

    from shared_services.cli.core import _LogFormatter

    duckdb_error = 'Catalog Error: Table "t" does not exist!\nDid you mean "u"?\n\nLINE 1: SELECT * FROM t\n              ^'
    record = logging.makeLogRecord({"msg": "%s failed for %s (attempt %d): %s", "levelname": "WARNING",
                                    "name": "shared_services.processors.fallback_source_mixin",
                                    "args": ("nbac", "0022400561\x1b[2J", 1, duckdb_error)})
    line = _LogFormatter(with_tracebacks=False).format(record)
    assert "\n" not in line and "\x1b" not in line
    assert line == ("WARNING shared_services.processors.fallback_source_mixin: nbac failed for 0022400561\\x1b[2J "
                    "(attempt 1): Catalog Error: Table \"t\" does not exist!\\nDid you mean \"u\"?\\n\\nLINE 1: "
                    "SELECT * FROM t\\n              ^")
    # -v: the record as it is (tracebacks and all)
    assert "\n" in _LogFormatter(with_tracebacks=True).format(record)


@pytest.mark.parametrize("exc", [
    duckdb.IOException('IO Error: Cannot open file "/srv/w.duckdb": Permission denied'),
    duckdb.TransactionException('Failed to commit: Cannot open file "w.duckdb.wal": Operation not permitted'),
    duckdb.IOException('IO Error: Cannot open file "/mnt/ro/w.duckdb": Read-only file system'),
])
def test_a_warehouse_the_command_may_not_write_says_what_to_do(exc):
    from shared_services.cli.core import _one_line

    line = _one_line(exc)
    assert exit_code_for(exc) == 3
    assert "\n" not in line and line.startswith(type(exc).__name__)
    assert "needs write access to its file and folder" in line and "copy the file to a writable folder" in line


def test_other_duckdb_errors_get_no_write_access_hint():
    from shared_services.cli.core import _one_line

    assert "write access" not in _one_line(duckdb.IOException("Could not set lock on file"))
    assert "write access" not in _one_line(PermissionError("Permission denied: 'report.html'"))
