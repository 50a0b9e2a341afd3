"""Build an expensive test fixture ONCE per test session, even when pytest-xdist runs workers.

A session-scoped fixture runs once per xdist worker; for the demo (tens of seconds of CPU) that
doubles the cost on two cores. :func:`build_once` runs ``build(folder)`` in the first worker that
asks, under an exclusive lock in the session's shared temporary directory, and pickles what it
returns; a worker that asks later waits for the lock and unpickles the result instead of
building again. The folder is shared and must be treated as read-only: take a private copy
(:func:`private_copy`) before opening a DuckDB file in it (DuckDB locks a file it writes).

Example::

    @pytest.fixture(scope="session")
    def demo_folder(tmp_path_factory):
        summary, folder = build_once(tmp_path_factory, "demo", lambda out: run_demo(out_dir=out))
        return summary, private_copy(folder, tmp_path_factory.mktemp("demo"))
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The session's temporary directory every xdist worker sees (each has its own below it)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> tuple[T, Path]:
    """``(build(folder), folder)``, with ``build`` run once per session across all xdist workers.

    ``build`` gets an empty folder to write into; its return value must pickle. If ``build``
    raises, nothing is recorded and the next worker that asks tries again (and fails the same
    way, in its own tests).
    """
    root = shared_root(factory) / f"shared-{name}"
    root.mkdir(exist_ok=True)
    result, out = root / "result.pickle", root / "out"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if result.exists():
                return pickle.loads(result.read_bytes()), out
            if out.exists():
                shutil.rmtree(out)      # a failed earlier attempt
            out.mkdir()
            value = build(out)
            partial = root / "result.pickle.partial"
            partial.write_bytes(pickle.dumps(value))
            partial.replace(result)
            return value, out
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def private_copy(folder: Path, target: Path) -> Path:
    """Copy the shared ``folder`` to ``target`` (created; must not exist or be empty); returns it."""
    if target.exists():
        target.rmdir()
    shutil.copytree(folder, target)
    return target
