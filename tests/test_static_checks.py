"""The house checks run with the tests: ruff over the tree, mypy over shared_services."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def test_ruff_is_clean():
    folders = [d for d in ("shared_services", "data_processors", "tests", "bench") if (ROOT / d).is_dir()]
    result = subprocess.run([_tool("ruff"), "check", *folders], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_shared_services():
    result = subprocess.run([sys.executable, "-m", "mypy", "shared_services"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
