"""Fixtures of the command-line tests: ``cli`` (in-process, in tmp_path), ``cli_process`` (a real
subprocess, in tmp_path) and the shared ``coverage-demo --days 2`` run.

``cli`` runs the command's ``main(argv)`` inside the test process with the same clean
environment and working directory a subprocess gets (tests/support/cli_runner.py); the tests
about the process itself (the installed script's exit status, pipes, environment read at
start-up) use ``cli_process``.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_runner import DemoRun, clean_env, command_argv, run_cli, run_in_process
from tests.support.shared_once import build_once, private_copy

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    """``cli(name, *args, env=None)`` run in-process in ``tmp_path`` (relative default files land there)."""

    def _run(name: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("cwd", tmp_path)
        return run_in_process(name, *args, **kwargs)

    return _run


@pytest.fixture
def cli_process(tmp_path: Path) -> CliRunner:
    """``cli_process(name, *args, env=None)``: the installed command as a subprocess in ``tmp_path``."""

    def _run(name: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("cwd", tmp_path)
        return run_cli(name, *args, **kwargs)

    return _run


def _piped_demo(folder: Path) -> DemoRun:
    """``coverage-demo --days 2`` with stdout a pipe, as under cron: when did output arrive?"""
    process = subprocess.Popen([*command_argv("coverage-demo"), "--days", "2", "--out", str(folder)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=folder, env=clean_env())
    assert process.stdout is not None
    first = process.stdout.readline()
    running = process.poll() is None
    rest, err = process.communicate(timeout=300)
    return DemoRun(folder, f"duckdb:///{folder / 'demo.duckdb'}", process.returncode, first, running,
                   first + rest, err)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The piped ``coverage-demo --days 2`` run, once per session (tests/support/shared_once.py).

    Each xdist worker gets its own copy of the run's folder (commands may write to its
    warehouse); ``folder`` and ``url`` point at that copy.
    """
    run, shared = build_once(tmp_path_factory, "cli_demo", _piped_demo)
    mine = private_copy(shared, tmp_path_factory.mktemp("demo"))
    return dataclasses.replace(run, folder=mine, url=f"duckdb:///{mine / 'demo.duckdb'}")
