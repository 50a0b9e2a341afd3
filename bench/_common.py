"""Shared helpers for the benchmark scripts: import path, isolation, timing, machine info.

Every script under ``bench/`` imports this module first. It puts the repository root on
``sys.path`` (so ``shared_services``, ``data_processors`` and ``tests.support`` import from a
fresh clone without installing the package) and isolates the run: notification channels
are switched off and dead-letter files go to a private temporary directory.
"""

from __future__ import annotations

import gc
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

T = TypeVar("T")

_CHANNEL_ENV = (
    "SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_ERROR", "SLACK_WEBHOOK_URL_WARNING",
    "SLACK_WEBHOOK_URL_INFO", "SMTP_HOST", "ALERT_EMAIL_TO",
)


def isolate_environment(workdir: Path) -> None:
    """No real notification channels; dead letters under ``workdir``; environment 'bench'."""
    for name in _CHANNEL_ENV:
        os.environ.pop(name, None)
    os.environ["COVERAGE_DEAD_LETTER_DIR"] = str(workdir / "dead_letter")
    os.environ["COVERAGE_ENVIRONMENT"] = "bench"
    os.environ.pop("AUDIT_DRY_RUN", None)
    # Library warnings and alerts (the notification log channel) stay visible, one short line each.
    logging.basicConfig(level=logging.WARNING, format="   [log %(levelname)s] %(name)s: %(message).160s",
                        stream=sys.stdout, force=True)


@contextmanager
def temp_workdir(prefix: str) -> Iterator[Path]:
    """A temporary directory removed at exit (the benchmark's private warehouse lives there)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect once, then keep every object alive now (modules, the data built so far) out of
    later collections (``gc.freeze``) until the block ends (``gc.unfreeze``).

    A benchmark collects garbage before each timed run so one run's garbage is not charged to
    the next. A full collection walks every tracked object: with pandas and pandera imported
    that is ~45 ms a call here, and more inside a test process, for objects that live until
    exit anyway. Frozen, a collection walks only what was made since. No timing changes: the
    collections happen between timed runs, and what is timed is the same.

    A freeze found in place (the test suite's, when a smoke test runs a benchmark in-process)
    is left in place: ``gc.unfreeze`` would thaw the suite's objects too.
    """
    frozen_before = gc.get_freeze_count() > 0
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn`` once; return (seconds, result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def repeat(fn: Callable[[], T], times: int) -> tuple[list[float], T]:
    """Run ``fn`` ``times`` times; return every duration and the last result."""
    durations: list[float] = []
    result: Any = None
    for _ in range(max(1, times)):
        seconds, result = timed(fn)
        durations.append(seconds)
    return durations, result


def summary(durations: list[float]) -> str:
    """'median 1.234 s (min 1.200, n=3)'."""
    if len(durations) == 1:
        return f"{durations[0]:.3f} s (n=1)"
    return f"median {statistics.median(durations):.3f} s (min {min(durations):.3f}, n={len(durations)})"


def ratio(baseline: float, ours: float) -> str:
    """'12.3x' (how many times ours is better); 'n/a' when undefined."""
    if ours <= 0:
        return "n/a"
    return f"{baseline / ours:,.1f}x"


def machine_info() -> dict[str, str]:
    """CPU model, cores, RAM and library versions, for the printed header."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
    }
    for dist in ("duckdb", "pandas", "numpy", "sqlglot", "pandera"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return info


def print_header(title: str) -> None:
    """Title line plus the machine the figures were measured on."""
    info = machine_info()
    print(f"== {title}")
    print("   " + ", ".join(f"{k}={v}" for k, v in info.items()))
