"""The suite's temporary folders go to tmpfs only when there is room (tests/conftest.py)."""

from __future__ import annotations

import tempfile
from types import SimpleNamespace

import pytest

from tests import conftest


def _config(basetemp=None, worker=False):
    config = SimpleNamespace(option=SimpleNamespace(basetemp=basetemp))
    if worker:
        config.workerinput = {}
    return config


@pytest.fixture()
def tempdir_restored():
    saved = tempfile.tempdir
    tempfile.tempdir = None
    yield
    tempfile.tempdir = saved


def _statvfs(free_bytes):
    return lambda path: SimpleNamespace(f_bavail=free_bytes // 4096, f_frsize=4096)


def test_room_on_dev_shm_puts_the_folders_there(tempdir_restored, monkeypatch):
    monkeypatch.delenv("COVERAGE_TEST_TMP", raising=False)
    monkeypatch.setattr(conftest.os, "statvfs", _statvfs(conftest.TMPFS_MIN_FREE))
    monkeypatch.setattr(conftest.os, "access", lambda path, mode: path == "/dev/shm")
    conftest.pytest_configure(_config())
    assert tempfile.tempdir == "/dev/shm"


@pytest.mark.parametrize("case", ["short of space", "not writable", "missing", "basetemp given",
                                  "xdist worker", "asked for disk"])
def test_otherwise_the_usual_folder_stays(tempdir_restored, monkeypatch, case):
    monkeypatch.delenv("COVERAGE_TEST_TMP", raising=False)
    monkeypatch.setattr(conftest.os, "statvfs", _statvfs(conftest.TMPFS_MIN_FREE))
    monkeypatch.setattr(conftest.os, "access", lambda path, mode: True)
    config = _config()
    if case == "short of space":
        monkeypatch.setattr(conftest.os, "statvfs", _statvfs(conftest.TMPFS_MIN_FREE - 4096))
    elif case == "not writable":
        monkeypatch.setattr(conftest.os, "access", lambda path, mode: False)
    elif case == "missing":
        def missing(path):
            raise FileNotFoundError(path)
        monkeypatch.setattr(conftest.os, "statvfs", missing)
    elif case == "basetemp given":
        config = _config(basetemp="/somewhere")
    elif case == "xdist worker":
        config = _config(worker=True)
    else:
        monkeypatch.setenv("COVERAGE_TEST_TMP", "disk")
    conftest.pytest_configure(config)
    assert tempfile.tempdir is None
