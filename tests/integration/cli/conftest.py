"""Fixtures of the command-line tests: ``cli`` (run in tmp_path) and one demo run per module."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_runner import DemoRun, clean_env, command_argv, run_cli


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(name, *args, env=None)`` run in ``tmp_path`` (relative default files land there)."""

    def _run(name: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("cwd", tmp_path)
        return run_cli(name, *args, **kwargs)

    return _run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``coverage-demo --days 2`` with stdout a pipe, as under cron: when did output arrive?"""
    folder = tmp_path_factory.mktemp("demo")
    process = subprocess.Popen([*command_argv("coverage-demo"), "--days", "2", "--out", str(folder)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=folder, env=clean_env())
    assert process.stdout is not None
    first = process.stdout.readline()
    running = process.poll() is None
    rest, err = process.communicate(timeout=300)
    return DemoRun(folder, f"duckdb:///{folder / 'demo.duckdb'}", process.returncode, first, running,
                   first + rest, err)
