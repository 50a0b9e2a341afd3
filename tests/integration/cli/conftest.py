"""Fixtures of the command-line tests: ``cli`` (in-process, in tmp_path) and ``cli_process`` (a
real subprocess, in tmp_path). The shared ``coverage-demo --days 2`` runs (``demo_run``,
``forced_demo``) are the root conftest's.

``cli`` runs the command's ``main(argv)`` inside the test process with the same clean
environment and working directory a subprocess gets (tests/support/cli_runner.py); the tests
about the process itself (the installed script's exit status, pipes, environment read at
start-up) use ``cli_process``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_runner import run_cli, run_in_process

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
