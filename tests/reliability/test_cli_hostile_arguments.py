"""Hostile command-line input: invalid unicode, quotes, huge values. One line, exit 2, no trace."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

from tests.support.cli_runner import assert_one_line_error, clean_env, command_argv


def _run(args: list[bytes], cwd) -> subprocess.CompletedProcess[str]:
    argv = [a.encode() for a in command_argv("coverage-audit")] + args
    return subprocess.run(argv, capture_output=True, cwd=cwd, env=clean_env(), timeout=120,
                          text=True, errors="replace")


def test_invalid_utf8_and_huge_values_are_usage_errors(tmp_path):
    # the two processes run side by side (each is mostly interpreter start-up)
    with ThreadPoolExecutor(max_workers=2) as pool:
        invalid_utf8, huge = pool.map(lambda args: _run(args, tmp_path),
                                      [[b"--date", b"2025-01-\xff\xfe"], [b"--date", b"9" * 100_000]])
    assert invalid_utf8.returncode == 2
    assert "is not a date" in assert_one_line_error(invalid_utf8, "coverage-audit")
    assert huge.returncode == 2
    assert len(assert_one_line_error(huge, "coverage-audit")) < 1_000        # not 100 kB of echo


def test_quotes_in_a_warehouse_path_name_a_missing_file_and_create_nothing(tmp_path):
    done = _run([b"--date", b"2025-01-15", b"--warehouse", b"duckdb:///x'; DROP TABLE t; --.duckdb"], tmp_path)
    assert done.returncode == 2
    assert "does not exist" in assert_one_line_error(done, "coverage-audit")
    assert list(tmp_path.iterdir()) == []
