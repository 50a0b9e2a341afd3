"""Run the commands as an operator does: as subprocesses, with a clean environment.

``run_cli('coverage-audit', '--date', ...)`` runs the installed console script (or, in a source
tree without one, the same ``main`` through ``python -c``) and returns the finished process.

Example::

    done = run_cli('coverage-audit', '--date', '2025-01-15', '--warehouse', url)
    assert done.returncode == 0
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Scrubbed so a developer's own settings cannot change what a test sees.
_SCRUB = ("COVERAGE_WAREHOUSE", "GOOGLE_APPLICATION_CREDENTIALS", "COVERAGE_BIGQUERY_TIMEOUT",
          "COVERAGE_DEAD_LETTER_DIR", "AUDIT_DRY_RUN", "SLACK_WEBHOOK_URL", "SMTP_HOST", "ALERT_EMAIL_TO")


def command_argv(name: str) -> list[str]:
    """argv[0..] that runs the command ``name`` (``coverage-audit`` or ``nba-coverage``)."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    if name == "nba-coverage":
        return [sys.executable, "-m", "data_processors.nba_coverage"]
    return [sys.executable, "-c", "import sys; from data_processors.nba_coverage import load_command; "
            f"sys.exit(load_command({name!r}).main())"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONPATH"] = str(REPO)
    env["COVERAGE_ENVIRONMENT"] = "test"
    env.update(extra)
    return env


def run_cli(name: str, *args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; a hang fails the test instead of blocking the suite."""
    return subprocess.run([*command_argv(name), *args], capture_output=True, text=True,
                          cwd=cwd, env=env if env is not None else clean_env(), timeout=timeout)


@dataclass
class DemoRun:
    folder: Path
    url: str
    returncode: int
    first_line: str
    running_at_first_line: bool
    stdout: str
    stderr: str


def assert_one_line_error(done: subprocess.CompletedProcess[str], prog: str) -> str:
    """stderr is exactly one line ``prog: error: ...`` and holds no traceback; returns it."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{prog}: error: "), done.stderr
    return lines[0]
