"""The benchmark scripts still run: each in its seconds-long --quick mode (figures not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


#: Counts the --quick runs must print (deterministic: seeded data, counted port calls).
_COUNTS = {
    "bench_audit.py": [
        "6 queries per run",                       # ours: a fixed number of set-based queries
        "1 load job(s); 7 synthetic events",        # the real run: ONE load job
        "re-run:",
        "0 new events",
        "(full season measured)",                   # no budget given: the baseline is not sampled
    ],
    "bench_event_flush.py": [
        "1 load job(s), 1 query (alert dedup lookback), 1,000 rows written",
        "ours, one run (cap 10,000/flush): 1 load jobs",
        "sketch pattern, flush per game run: 60 load jobs, 1,560 rows",
    ],
}


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
    for expected in _COUNTS.get(script, []):
        assert expected in done.stdout, f"{expected!r} missing from:\n{done.stdout[-3000:]}"
