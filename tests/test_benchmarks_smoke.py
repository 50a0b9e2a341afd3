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
])
def test_benchmark_runs_quick(script, marker):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert marker in done.stdout


def test_bench_quality_quick_prints_identical_results_and_every_ratio():
    """bench_quality --quick: the checkers agree and each ratio of issue 15 is printed as a number.

    Counts and agreement are asserted; times are not (they depend on the machine's load).
    """
    import re

    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_quality.py"), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    out = done.stdout
    assert done.returncode == 0, out[-2000:] + done.stderr[-2000:]
    assert "medians of 3" in out
    for rows in ("20,000", "50,000"):
        block = out.split(f"-- assess_quality at {rows} rows x 30 columns", 1)[1].split("\n-- ", 1)[0]
        ours = re.search(r"(\d+) field\(s\) over tolerance, missing optional \['shot_zones'\]", block)
        pandera = re.search(r"pandera  same checks .* (\d+) field\(s\) failing; same fields as ours: True", block)
        assert ours and pandera and ours.group(1) == pandera.group(1), block
        assert int(ours.group(1)) >= 10  # the planted null rates do cross the tolerances
        assert "null rates identical to the vectorised reference: True" in block
        # The isna-only schema misses the planted inf / placeholder values: a different verdict.
        assert re.search(r"isna only .* same fields as ours: False", block), block
        assert re.search(rf"ratio at {rows} rows .*pandera same checks / ours [\d,.]+x; "
                         r"pandera isna only / ours [\d,.]+x; sketch / ours [\d,.]+x", block), block
    columns = out.split("-- add_quality_columns at 200,000 rows (3 numeric columns", 1)[1]
    assert "same values on every row: True" in columns
    memory = re.search(r"ours memory ([\d.]+)x the frame", columns)
    assert re.search(r"ours / plain assignment time [\d.]+x \(goal <= 5x\)", columns), columns
    # Allocation is deterministic: 44 bytes per row of quality columns for a 24-byte-per-row frame.
    assert memory and 1.8 <= float(memory.group(1)) < 2.0, columns
