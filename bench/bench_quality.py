"""Benchmark: quality scoring on a large frame vs pandera and vs the design sketch's scorer.

One seeded frame of ``--rows`` rows (default 1,000,000) x 30 columns: 5 required fields and
25 optional ones (floats, nullable ints, strings), each with its own random null rate
(required 0-25 %, optional 0-30 %); one more declared optional field is absent. The same
frame is then checked, in the same process, by:

* ours: ``shared_services.quality.scoring.assess_quality(frame, sources, config=ScoringConfig(...))``
  (presence of every declared field, null rate per field against its tolerance, weighted
  deductions, sample size, tier);
* pandera: a ``DataFrameSchema`` expressing the same presence and null-rate checks
  (``required=`` per field, ``nullable=True``, one column check ``null rate <= tolerance``),
  validated with ``lazy=True`` so every failing check is collected, as ours reports every
  issue. No dtype checks (ours does none either);
* baseline: the sketch's ``QualityMixin.assess_quality`` (``bench/baseline_sketch.py``).

Rows per second (median of ``--repeat`` runs) and the ratios are printed, with each
checker's verdict so it is visible that they did the same work. No assertion on time.

    .venv/bin/python bench/bench_quality.py           # 1,000,000 rows (~1 minute)
    .venv/bin/python bench/bench_quality.py --quick   # 10,000 rows
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from datetime import UTC, datetime
from typing import Any

import _common  # noqa: F401 - first: puts the repository root on sys.path
import numpy as np
import pandas as pd
from _common import print_header, ratio, repeat, summary, timed
from baseline_sketch import SketchQualityScorer

from shared_services.quality.scoring import ScoringConfig, assess_quality

SOURCES = ["nbac_gamebook_player_stats"]
CONTEXT = {"expected_sample_size": 10}
NOW = datetime(2025, 1, 16, 8, 0, tzinfo=UTC)
REQUIRED = ("points", "minutes_played", "rebounds", "assists", "field_goals_made")
ABSENT_OPTIONAL = "shot_zones"


def build_frame(rows: int, seed: int) -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    """The frame, its planted null rate per column, and the field weights."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    rates: dict[str, float] = {}
    optional = [f"stat_{i:02d}" for i in range(22)] + ["plus_minus", "player_name", "team_abbr"]
    for name in (*REQUIRED, *optional):
        rate = float(rng.uniform(0, 0.25 if name in REQUIRED else 0.30))
        rates[name] = rate
        mask = rng.random(rows) < rate
        if name == "player_name":
            values = np.array([f"Player {i}" for i in range(500)], dtype=object)[rng.integers(0, 500, rows)]
            values[mask] = None
            columns[name] = values
        elif name == "team_abbr":
            values = np.array(["LAL", "BOS", "DEN", "MIA", "NYK", "GSW"], dtype=object)[rng.integers(0, 6, rows)]
            values[mask] = None
            columns[name] = values
        elif name in ("points", "rebounds", "assists", "plus_minus"):
            columns[name] = pd.array(rng.integers(-20 if name == "plus_minus" else 0, 40, rows), dtype="Int64")
            columns[name][mask] = pd.NA
        else:
            values = rng.normal(10, 5, rows)
            values[mask] = np.nan
            columns[name] = values
    frame = pd.DataFrame(columns)
    weights = {name: (6.0 if name in REQUIRED else float(rng.integers(1, 4))) for name in (*REQUIRED, *optional)}
    weights[ABSENT_OPTIONAL] = 2.0
    return frame, rates, weights


def pandera_schema(required: list[str], optional: list[str], req_tol: float, opt_tol: float) -> Any:
    """Presence (``required=``) and null rate <= tolerance per field, as one column check each."""
    import pandera.pandas as pa

    def null_rate_check(tolerance: float) -> Any:
        return pa.Check(lambda s: bool(s.isna().mean() <= tolerance), element_wise=False,
                        ignore_na=False, name=f"null_rate<={tolerance}")

    columns = {name: pa.Column(nullable=True, required=True, checks=null_rate_check(req_tol)) for name in required}
    columns.update({name: pa.Column(nullable=True, required=False, checks=null_rate_check(opt_tol))
                    for name in optional})
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def run_pandera(schema: Any, frame: pd.DataFrame) -> list[str]:
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True, inplace=True)
        return []
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return sorted(set(cases["column"].astype(str)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,000 rows, 2 repeats")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the frame (default 1000000)")
    parser.add_argument("--repeat", type=int, default=10, help="runs per checker (default 10)")
    parser.add_argument("--seed", type=int, default=30)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat = 10_000, 2
    print_header("bench_quality: assess_quality vs pandera vs the sketch's scorer")
    try:
        import pandera  # noqa: F401 - only to report a missing optional dependency clearly
    except ImportError:
        print("   pandera is not installed: .venv/bin/pip install -e '.[bench]'")
        return 2

    build_seconds, (frame, rates, weights) = timed(lambda: build_frame(args.rows, args.seed))
    optional = [c for c in frame.columns if c not in REQUIRED] + [ABSENT_OPTIONAL]
    config = ScoringConfig(required_fields=REQUIRED, optional_fields=tuple(optional), field_weights=weights,
                           primary_sources=tuple(SOURCES))
    planted_req = sum(rates[c] > config.required_null_tolerance for c in REQUIRED)
    planted_opt = sum(rates[c] > config.optional_null_tolerance for c in optional if c in rates)
    print(f"-- frame: {len(frame):,} rows x {frame.shape[1]} columns ({frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB, "
          f"built in {build_seconds:.1f} s); {len(REQUIRED)} required + {len(optional)} optional fields "
          f"({ABSENT_OPTIONAL!r} absent); planted over tolerance: {planted_req} required, {planted_opt} optional")

    ours_times, ours = repeat(lambda: assess_quality(frame, SOURCES, context=CONTEXT, config=config, now=NOW),
                              args.repeat)
    schema = pandera_schema(list(REQUIRED), optional, config.required_null_tolerance, config.optional_null_tolerance)
    pandera_times, failed = repeat(lambda: run_pandera(schema, frame), args.repeat)
    sketch = SketchQualityScorer(REQUIRED, optional, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sketch_times, sketch_result = repeat(lambda: sketch.assess_quality(frame, SOURCES, context=CONTEXT),
                                             args.repeat)

    rows = len(frame)
    ours_med, pandera_med, sketch_med = (statistics.median(t) for t in (ours_times, pandera_times, sketch_times))
    high_null = sorted(i.split(":", 1)[1] for i in ours["issues"] if i.startswith("high_null_rate:"))
    missing = sorted(i.split(":", 1)[1] for i in ours["issues"] if i.startswith("missing_optional:"))
    print("-- results (median time; rows/s = rows / median)")
    print(f"   ours     assess_quality      {summary(ours_times)}  {rows / ours_med:>14,.0f} rows/s  "
          f"tier={ours['tier']} score={ours['score']}; {len(high_null)} field(s) over tolerance, "
          f"missing optional {missing}")
    print(f"   pandera  DataFrameSchema     {summary(pandera_times)}  {rows / pandera_med:>14,.0f} rows/s  "
          f"{len(failed)} field(s) failing null_rate (lazy); same fields as ours: {failed == high_null} "
          f"(pandera reports no tier or score; an absent optional column is simply skipped)")
    print(f"   baseline sketch scorer       {summary(sketch_times)}  {rows / sketch_med:>14,.0f} rows/s  "
          f"tier={sketch_result['tier']} score={sketch_result['score']} issues={sketch_result['issues'][:3]}")
    print("-- ratio (their time / ours; > 1 means ours is faster)")
    print(f"   pandera / ours {ratio(pandera_med, ours_med)}; sketch / ours {ratio(sketch_med, ours_med)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
