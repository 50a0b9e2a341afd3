"""The demo runs the suite shares (each costs tens of seconds of CPU): built once per session.

Three runs, each made once per session (:func:`tests.support.shared_once.build_once`), each
worker reading its own copy of the outputs:

* :func:`demo_week` (below);
* :func:`cli_demo`: ``coverage-demo --days 2`` as a subprocess with stdout a pipe, as under
  cron (the command-line tests read its warehouse, its output and when that output arrived);
* :func:`forced_demo`: on a copy of the ``cli_demo`` folder, ``coverage-demo --days 2`` again
  (refused: a previous run is in the way), then with ``--force --json`` (in-process
  ``main(argv)``); the refusal test checks both, the determinism test compares the forced run
  with the piped one (tables, and its ``--json`` output with the piped run's ``summary.json``).

:func:`demo_week` is the default demo (7 days, seed 7) run in-process with a (bogus) Slack
webhook and SMTP host set, a notification listener, and a pass-through recorder on
``DuckDBClient.query`` (every statement the demo sends, for the registry drift test). Under
pytest-xdist one worker runs it (:func:`tests.support.shared_once.build_once`); every worker
gets its own copy of the output folder, so tests open its warehouse without sharing a file
lock with the other worker.

Example::

    summary, notifications, webhook_after = demo_week(tmp_path_factory)
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from data_processors.demo.runner import DemoSummary, run_demo
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.utils import notification_system
from tests.support.cli_runner import DemoRun, clean_env, command_argv, run_in_process
from tests.support.shared_once import build_once, private_copy

DAYS = 7
SEED = 7

Signature = tuple[tuple[str, str], ...]


def statement_signature(parameters: Any) -> Signature:
    """The sorted (name, type) pairs of a query's parameters (arrays as ``ARRAY<type>``)."""
    out = []
    for p in parameters or []:
        kind = getattr(p, "type_", None) or f"ARRAY<{getattr(p, 'array_type', '?')}>"
        out.append((p.name, str(kind).upper()))
    return tuple(sorted(out))


@dataclasses.dataclass
class DemoWeek:
    """What the shared demo run produced (pickled between xdist workers)."""

    summary: DemoSummary
    notifications: list[tuple[Any, Any]]
    webhook_after: str | None
    #: every (sql, parameter signature) the run passed to ``DuckDBClient.query``, in order
    statements: list[tuple[str, Signature]]


class _Recorder:
    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] = []

    def __call__(self, result: Any, notification: Any) -> None:
        self.items.append((result, notification))


def _run_week(out: Path) -> DemoWeek:
    saved = {k: os.environ.get(k) for k in ("SLACK_WEBHOOK_URL", "SMTP_HOST", "ALERT_EMAIL_TO")}
    os.environ.update(SLACK_WEBHOOK_URL="http://127.0.0.1:9/must-not-be-called",
                      SMTP_HOST="127.0.0.1", ALERT_EMAIL_TO="oncall@example.invalid")
    recorder = _Recorder()
    sent: list[tuple[str, Signature]] = []
    original = DuckDBClient.query

    def recording_query(self: DuckDBClient, query: str, job_config: Any = None, *args: Any, **kwargs: Any) -> Any:
        sent.append((query, statement_signature(job_config.query_parameters if job_config else [])))
        return original(self, query, job_config, *args, **kwargs)

    notification_system.register_listener(recorder)
    DuckDBClient.query = recording_query  # type: ignore[method-assign]
    try:
        summary = run_demo(days=DAYS, seed=SEED, out_dir=out, progress=None)
        webhook_after = os.environ.get("SLACK_WEBHOOK_URL")
    finally:
        DuckDBClient.query = original  # type: ignore[method-assign]
        notification_system.unregister_listener(recorder)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return DemoWeek(summary, recorder.items, webhook_after, sent)


def relocated(summary: DemoSummary, old: Path, new: Path) -> DemoSummary:
    """``summary`` with its warehouse URL and report path moved from folder ``old`` to ``new``."""
    return dataclasses.replace(summary, warehouse_url=summary.warehouse_url.replace(str(old), str(new)),
                               report_path=summary.report_path.replace(str(old), str(new)))


def demo_week(factory: pytest.TempPathFactory) -> DemoWeek:
    """The shared demo week, its outputs copied to a folder of this worker's own."""
    week, folder = build_once(factory, "demo_week", _run_week)
    mine = private_copy(folder, factory.mktemp("demo_week"))
    assert Path(week.summary.warehouse_url.removeprefix("duckdb:///")).parent == folder
    return dataclasses.replace(week, summary=relocated(week.summary, folder, mine))


CLI_DEMO_DAYS = 2


def _piped_demo(folder: Path) -> DemoRun:
    """``coverage-demo --days 2`` with stdout a pipe, as under cron: when did output arrive?"""
    process = subprocess.Popen([*command_argv("coverage-demo"), "--days", str(CLI_DEMO_DAYS), "--out", str(folder)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=folder, env=clean_env())
    assert process.stdout is not None
    first = process.stdout.readline()
    running = process.poll() is None
    rest, err = process.communicate(timeout=300)
    return DemoRun(folder, f"duckdb:///{folder / 'demo.duckdb'}", process.returncode, first, running,
                   first + rest, err)


def _shared_cli_demo(factory: pytest.TempPathFactory) -> tuple[DemoRun, Path]:
    return build_once(factory, "cli_demo", _piped_demo)


def cli_demo(factory: pytest.TempPathFactory) -> DemoRun:
    """The piped ``coverage-demo --days 2`` run; ``folder`` and ``url`` point at this worker's copy."""
    run, shared = _shared_cli_demo(factory)
    mine = private_copy(shared, factory.mktemp("cli_demo"))
    return dataclasses.replace(run, folder=mine, url=f"duckdb:///{mine / 'demo.duckdb'}")


@dataclasses.dataclass
class ForcedDemo:
    """A second ``coverage-demo --days 2`` over a copy of the first run's folder (``out``)."""

    first: DemoRun
    out: Path
    #: notifications.log of the first run, as copied
    notifications_before: str
    #: ``coverage-demo --days 2 --out OUT`` over it: refused
    again: subprocess.CompletedProcess[str]
    #: notifications.log right after the refusal
    notifications_after_refusal: str
    #: ``coverage-demo --days 2 --out OUT --force --json``
    forced: subprocess.CompletedProcess[str]


def _forced_run(factory: pytest.TempPathFactory) -> Any:
    def build(folder: Path) -> ForcedDemo:
        first, shared = _shared_cli_demo(factory)
        out = folder / "demo"
        shutil.copytree(shared, out)
        before = (out / "notifications.log").read_text()
        again = run_in_process("coverage-demo", "--days", str(CLI_DEMO_DAYS), "--out", str(out), cwd=folder)
        after_refusal = (out / "notifications.log").read_text()
        forced = run_in_process("coverage-demo", "--days", str(CLI_DEMO_DAYS), "--out", str(out),
                                "--force", "--json", cwd=folder)
        return ForcedDemo(first, out, before, again, after_refusal, forced)

    return build


def forced_demo(factory: pytest.TempPathFactory) -> ForcedDemo:
    """The forced re-run (see the module docstring); ``out`` is this worker's copy of its folder."""
    forced, shared = build_once(factory, "forced_demo", _forced_run(factory))
    mine = private_copy(shared / "demo", factory.mktemp("forced_demo"))
    return dataclasses.replace(forced, out=mine)
