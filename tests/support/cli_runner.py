"""Run the commands as an operator does: with a clean environment, as subprocesses or in-process.

``run_cli('coverage-audit', '--date', ...)`` runs the installed console script (or, in a source
tree without one, the same ``main`` through ``python -c``) and returns the finished process.

``run_in_process`` runs the same ``main(argv)`` the console script calls, inside the test
process, with the same clean environment and working directory, and returns the same
``CompletedProcess`` (exit status, stdout, stderr). A subprocess costs about a second of
interpreter start and imports; the in-process run costs milliseconds. The tests that are about
the process itself (exit status of the real script, pipes, signals, environment variables read
at start-up) keep ``run_cli``.

Example::

    done = run_cli('coverage-audit', '--date', '2025-01-15', '--warehouse', url)
    assert done.returncode == 0
    done = run_in_process('coverage-audit', '--no-such-flag')
    assert done.returncode == 2
"""

from __future__ import annotations

import contextlib
import io
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


def run_in_process(name: str, *args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None,
                   timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """:func:`run_cli`, but ``main(argv)`` runs in this process (``timeout`` is not enforced).

    ``os.environ`` is replaced by ``env`` (default :func:`clean_env`) and the working directory
    by ``cwd`` for the duration of the call, both restored afterwards; stdout and stderr are
    captured. A ``SystemExit`` becomes the exit status, as it would for the process.
    """
    del timeout
    from data_processors.nba_coverage import load_command
    from data_processors.nba_coverage import main as nba_coverage_main

    run = nba_coverage_main if name == "nba-coverage" else load_command(name).main
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env if env is not None else clean_env())
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = run(list(args))
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess([name, *args], code, out.getvalue(), err.getvalue())


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
