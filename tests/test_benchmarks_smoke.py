"""The benchmark scripts still run: each in its seconds-long --quick mode (figures not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script, marker", [
    ("bench_audit.py", "queries"),
    ("bench_event_flush.py", "load job"),
    ("bench_quality.py", "rows/s"),
])
def test_benchmark_runs_quick(script, marker):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert marker in done.stdout
