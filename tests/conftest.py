"""Root test configuration and the shared fixtures (``warehouse``, ``notifications``).

``tests`` is a package (``tests/__init__.py``), so pytest imports this file as
``tests.conftest`` and puts the project root on ``sys.path`` first. That is what lets test
modules and local conftests ``import tests.support...`` and ``import shared_services`` without
an installed package.
"""


import gc
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any


def _keep_compiled_bytecode() -> None:
    """Cache compiled bytecode in ``.pycache/`` even when ``PYTHONDONTWRITEBYTECODE`` is set.

    With that variable set (some sandboxes and CI images set it) nothing is ever cached: each
    xdist worker and each of the suite's command-line subprocesses compiles every module it
    imports again, and pytest rewrites every test module's asserts again (about 3 s of CPU per
    worker, 0.3 s per subprocess). The suite then keeps bytecode in ONE git-ignored folder at
    the project root (``sys.pycache_prefix``), not beside the sources, and exports the same
    setting to the workers and subprocesses it starts. Without the variable Python's default
    (``__pycache__`` beside each source) is left alone. Bytecode is checked against its source's
    modification time and size, as always; what runs is the same code.
    """
    if not sys.dont_write_bytecode:
        return
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(Path(__file__).resolve().parent.parent / ".pycache")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    sys.dont_write_bytecode = False
    sys.pycache_prefix = prefix


_keep_compiled_bytecode()

import pytest  # noqa: E402  (after the bytecode setting, so what follows is cached)

# The library (pandas, the BigQuery client, DuckDB, sqlglot) is imported by the fixtures that
# use it, not here: under pytest-xdist the controller process imports this file before it
# starts the workers and never runs a test, so a heavy import here only delays both workers
# (about 1.2 s with compiled bytecode, several seconds on a fresh clone that compiles it).
if TYPE_CHECKING:
    from shared_services.bigquery.duckdb_client import DuckDBClient

#: Modules that take the longest (demo runs, subprocesses, deadlines), in the order xdist should
#: hand them out: longest first, so the two workers finish together instead of one running a
#: long module alone at the end; and interleaved so the two workers build DIFFERENT shared demo
#: runs at the same time (the week | the piped command-line run, then the determinism run and
#: the forced run) instead of one waiting for the other's. pyproject.toml passes
#: --no-loadscope-reorder so xdist keeps this order. Every other module follows, most tests first
#: (what xdist's own reorder does). Only the order changes; every test still runs.
SLOW_MODULES_FIRST = (
    "tests/integration/demo/test_demo_season.py",             # builds the shared demo week
    "tests/integration/cli/test_cli_convention.py",           # builds the piped coverage-demo run
    "tests/integration/demo/test_demo_determinism.py",        # compares the piped and the forced run
    "tests/integration/demo/test_demo_heal.py",
    "tests/integration/demo/test_demo_pipeline.py",
    "tests/integration/cli/test_cli_bigquery_environment.py",
    "tests/reliability/test_hostile_input.py",
    "tests/reliability/test_closed_pipe.py",                  # one 1-day demo as a subprocess
    "tests/test_static_checks.py",
    "tests/test_benchmarks_smoke.py",
    "tests/integration/cli/test_cli_wrong_targets.py",        # late: it waits for the forced run
    "tests/integration/audit/test_coverage_audit.py",
    "tests/integration/preflight/test_preflight_command.py",
    "tests/integration/preflight/test_registry_covers_sent_statements.py",
    "tests/reliability/test_spool_replay.py",
    "tests/reliability/test_oversized_rows.py",               # two loads of 100 MB rows
    "tests/integration/downstream/test_phase4_rolling_averages.py",
    "tests/integration/downstream/test_phase5_predictions.py",
    "tests/unit/docs/test_docs_work_first_try.py",
    "tests/reliability/test_sigterm.py",
    "tests/integration/reporting/test_health_command.py",
)


#: Free space /dev/shm must have for the suite's temporary folders to go there (a full run
#: writes about 120 MB; pytest keeps the last three runs' folders).
TMPFS_MIN_FREE = 2 * 2**30


def pytest_configure(config: pytest.Config) -> None:
    """Put the session's temporary folders (``tmp_path``) on tmpfs when the machine has room.

    The embedded warehouse syncs its write-ahead log to disk at every commit, as it must in
    production; on this suite's hundreds of throw-away warehouses that wait was about a fifth of
    the database tests' wall time (6 ms per commit on disk, under 2 ms on tmpfs). The code and
    what every test checks are the same: a killed process (the reliability tests) leaves the
    same file contents either way, as both live in the page cache until synced. Falls back to
    the usual folder when ``/dev/shm`` is missing, not writable or short of space (small CI
    containers), when ``--basetemp`` is given, and with ``COVERAGE_TEST_TMP=disk``. xdist
    workers inherit the controller's folder.
    """
    if config.option.basetemp or hasattr(config, "workerinput") or os.environ.get("COVERAGE_TEST_TMP") == "disk":
        return
    shm = "/dev/shm"
    try:
        stats = os.statvfs(shm)
    except OSError:
        return
    if stats.f_bavail * stats.f_frsize >= TMPFS_MIN_FREE and os.access(shm, os.W_OK | os.X_OK):
        import tempfile

        tempfile.tempdir = shm  # pytest's base folder is ``<gettempdir()>/pytest-of-<user>``


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the modules for xdist (see :data:`SLOW_MODULES_FIRST`); tests within a module keep their order."""
    missing = [name for name in SLOW_MODULES_FIRST if not (config.rootpath / name).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py SLOW_MODULES_FIRST names modules that do not exist: {missing}")
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    rank = {name: n for n, name in enumerate(SLOW_MODULES_FIRST)}
    ordered = sorted(modules, key=lambda name: (rank.get(name, len(rank)), -len(modules[name])))
    items[:] = [item for name in ordered for item in modules[name]]


@pytest.fixture(scope="session", autouse=True)
def _no_rule_verdicts_from_an_earlier_session() -> None:
    """Each session starts with an empty rule-verdict cache (``duckdb_client._RULE_VERDICTS``).

    A normal run starts empty anyway. mutmut runs each mutant's tests as a new pytest session
    in a process forked from the one that ran the whole selection unmutated: without this,
    every statement an "accepted" test sends would get the unmutated code's cached verdict, and
    a mutant that wrongly rejects it would survive (docs/testing.md, "Mutation testing").
    """
    from shared_services.bigquery import duckdb_client

    duckdb_client._RULE_VERDICTS.clear()


@pytest.fixture(scope="session", autouse=True)
def _no_translations_from_an_earlier_session() -> None:
    """Each session starts with an empty translation cache (``sql_translate._CACHE``).

    The same reason as the rule verdicts above: a mutant's session is forked from a process that
    translated every statement of the selection with the unmutated code, and a mutant in a
    rewrite (which runs only when a statement is translated) would never run: the stop 33
    mutation run saw every mutant of ``_format_elements``, ``_time_casts`` and
    ``_string_functions`` survive a narrowed selection until this cleared it.
    """
    from shared_services.bigquery.sql_translate import clear_translation_cache

    clear_translation_cache()


@pytest.fixture(scope="session", autouse=True)
def _no_event_row_caches_from_an_earlier_session() -> None:
    """Each session starts with the event-row builder's caches empty (``events/model.py``:
    dates and their seasons, timestamp seconds, known stamps, source lists, the per-run row
    templates, the environment's text and the id pool).

    The same reason as the rule verdicts above: under mutmut a mutant's session is forked from
    a process that already built rows with the unmutated code, and a mutant in the code that
    fills a cache would be hidden by the entries that code left there.
    """
    from shared_services.events import model

    for cache in (model._DATES, model._SECONDS, model._KNOWN_STAMPS, model._SOURCES, model._ENV_TEXT):
        cache.clear()
    for _base, rows in model._SEVERITY_TEMPLATES.values():
        rows.clear()
    model._SECOND = (-1, "")
    model._ID_POOL.clear()


#: Whether this process has frozen its long-lived objects (:func:`_long_lived_objects_frozen`).
_FROZEN_ONCE: list[bool] = [False]


@pytest.fixture(scope="module", autouse=True)
def _long_lived_objects_frozen() -> None:
    """Keep what a worker holds for good (imported modules, collected tests, session fixtures)
    out of the garbage collector's full passes (``gc.freeze``), once per process, at the first
    module's start.

    A full collection walks every tracked object; in a worker that imported pandas, sqlglot,
    the client libraries and collected 1,500 tests that is ~250,000 objects, and the automatic
    full passes took 2-3 s of CPU per worker. Frozen objects stay alive and are still freed
    by reference counting; only cycles among them would wait for ``gc.unfreeze``. Objects a
    test makes are not frozen and are collected as before.

    Once per process, by a flag: ``gc.get_freeze_count()``, which this asked at every module
    before, counts the frozen objects one by one (10-25 ms a call here, 4-6 s of a sequential
    run over 177 modules). Nothing in the suite unfreezes: the benchmarks' own freeze
    (``bench/_common.frozen_heap``, run in-process by the smoke tests) leaves a freeze it found
    in place.
    """
    if not _FROZEN_ONCE[0]:
        gc.collect()
        gc.freeze()
        _FROZEN_ONCE[0] = True


@pytest.fixture
def no_rule_verdicts() -> Iterator[None]:
    """An empty rule-verdict cache for one test, emptied again after it.

    The cache is per process: a test that counts rule walks, or checks that a changed catalog
    gets a fresh check, must not be given a verdict another test left for the same statement.
    Use it with ``pytestmark = pytest.mark.usefixtures("no_rule_verdicts")``.
    """
    from shared_services.bigquery import duckdb_client

    duckdb_client._RULE_VERDICTS.clear()
    yield
    duckdb_client._RULE_VERDICTS.clear()

_CHANNEL_ENV = (
    "SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_ERROR", "SLACK_WEBHOOK_URL_WARNING",
    "SLACK_WEBHOOK_URL_INFO", "SMTP_HOST", "ALERT_EMAIL_TO",
)


@pytest.fixture(scope="session")
def warehouse_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed warehouse file with every dataset, table and view, built ONCE per session.

    ``ensure_schema`` takes about 0.2 s; copying the finished file takes a fraction of that.
    (Under pytest-xdist each worker builds its own template.)
    """
    from shared_services.bigquery.provisioning import ensure_schema
    from tests.support.warehouse_files import build_closed_warehouse

    path = tmp_path_factory.mktemp("warehouse_template") / "warehouse.duckdb"
    return build_closed_warehouse(path, ensure_schema)


@pytest.fixture
def warehouse(tmp_path: Any, warehouse_template: Path) -> "Iterator[DuckDBClient]":
    """A fresh DuckDB warehouse file with every dataset, table and view created.

    Each test gets its own copy of the session's template file (built by ``ensure_schema``).
    """
    from shared_services.bigquery.duckdb_client import DuckDBClient
    from tests.support.warehouse_files import open_copy

    client = open_copy(warehouse_template, Path(tmp_path) / "warehouse.duckdb")
    yield client
    # The class's close, not the instance attribute: a test may have replaced that with a no-op
    # (a command under test must not close the shared client) and monkeypatch may undo it later.
    DuckDBClient.close(client)


@pytest.fixture(scope="session")
def shared_demo_week(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The default demo week (7 days, seed 7), run ONCE per session across xdist workers.

    A :class:`tests.support.demo_runs.DemoWeek`: the summary (pointing at this worker's own copy
    of the outputs), the notifications a listener saw, the webhook variable after the run and
    every statement the run sent. Tests that write to its warehouse must copy it first.
    """
    from tests.support.demo_runs import demo_week

    return demo_week(tmp_path_factory)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``coverage-demo --days 2`` run ONCE per session as a subprocess with stdout a pipe.

    A :class:`tests.support.cli_runner.DemoRun` whose ``folder`` and ``url`` are this worker's
    own copy of the run's outputs (commands may write to it).
    """
    from tests.support.demo_runs import cli_demo

    return cli_demo(tmp_path_factory)


@pytest.fixture(scope="session")
def forced_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``coverage-demo --days 2`` again over a copy of ``demo_run``'s folder: refused, then ``--force``.

    A :class:`tests.support.demo_runs.ForcedDemo`, made ONCE per session.
    """
    from tests.support.demo_runs import forced_demo

    return forced_demo(tmp_path_factory)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real channels, a private dead-letter dir, a known environment label."""
    for name in _CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "dead_letter"))
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "test")


class NotificationLog:
    """Every notification sent while the fixture is active."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] = []

    def __call__(self, result: Any, notification: Any) -> None:
        self.items.append((result, notification))

    def levels(self) -> list[str]:
        return [str(n.level) for _, n in self.items]

    def count(self, level: str) -> int:
        return sum(1 for lvl in self.levels() if lvl == level)

    def titles(self, level: str | None = None) -> list[str]:
        return [n.title for _, n in self.items if level is None or str(n.level) == level]


@pytest.fixture
def notifications() -> Iterator[NotificationLog]:
    from shared_services.utils import notification_system

    log = NotificationLog()
    notification_system.register_listener(log)
    yield log
    notification_system.unregister_listener(log)


@pytest.fixture
def machine_time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone (``TZ`` + ``time.tzset``); restored afterwards.

    Example: ``machine_time_zone('IST-5:30')`` (POSIX zones need no tz database).
    """
    import time

    def set_zone(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()
