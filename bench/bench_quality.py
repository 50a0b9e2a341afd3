"""Benchmark: quality scoring vs pandera, and add_quality_columns vs plain column assignment.

Two measurements, each printed as a ratio from this one command (issue 15):

1. ``assess_quality`` vs pandera doing the same checks, at each of ``--rows`` (default 1M and
   5M rows). One seeded frame per size, 30 columns: 5 required and 25 optional fields
   (floats, nullable ints, strings), each with its own null rate (required 0-25 %, optional
   0-30 %) where part of the nulls are ``+-inf`` (float columns) or placeholder strings
   (``'N/A'``, ``''``, ``'-'``: text columns); one more declared optional field is absent.
   The checkers:

   * ours: ``assess_quality(frame, sources, config=ScoringConfig(...))``: presence of every
     declared field, null rate per field by SCORING.md's definition of null (missing,
     non-finite, placeholder text) against its tolerance, deductions, caps and tier;
   * pandera (same checks): a ``DataFrameSchema`` with ``required=`` per field,
     ``nullable=True`` and one column check "null rate <= tolerance" where null has the same
     definition, written as vectorised pandas (``isna() | isinf()`` for numbers,
     ``isna() | str.strip().str.lower().isin(placeholders)`` for text), ``lazy=True``;
   * pandera (``isna`` only): the same schema with a plain ``isna().mean()`` check. It does
     less than ours (inf and placeholders pass), so its ratio is printed for reference only;
   * the design sketch's scorer (``bench/baseline_sketch.py``), for continuity.

   Results must be identical: the fields pandera (same checks) fails are the fields ours
   flags, and our null rate per column equals a value-by-value reference count (printed).

2. ``add_quality_columns`` on a ``--columns-rows`` frame (default 10M rows x 3 numeric
   columns, 229 MiB) vs assigning the same nine constant values with plain pandas
   (``out[name] = value``; the three list/dict values as one object Series), time and peak
   traced allocation (``tracemalloc``; numpy reports its buffers to it) against the frame's
   memory.

Timing: every checker runs in this one process on the same frame, interleaved (A, B, C, A,
B, C, ...), ``--repeat`` times (default 3); medians are compared. Other processes share the
CPU, so absolute times vary between runs; the interleaving keeps the ratios comparable. No
assertion on time.

    .venv/bin/python bench/bench_quality.py           # 1M and 5M rows, 10M for columns (~3 min)
    .venv/bin/python bench/bench_quality.py --quick   # 2,000 / 5,000 rows (a smoke run, seconds)
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import _common  # noqa: F401 - first: puts the repository root on sys.path
import numpy as np
import pandas as pd
from _common import frozen_heap, print_header, ratio, summary, timed
from baseline_sketch import SketchQualityScorer

from shared_services.quality.columns import add_quality_columns, quality_columns
from shared_services.quality.nulls import PLACEHOLDER_STRINGS, is_null_value
from shared_services.quality.scoring import ScoringConfig, assess_quality

SOURCES = ["nbac_gamebook_player_stats"]
CONTEXT = {"expected_sample_size": 10}
NOW = datetime(2025, 1, 16, 8, 0, tzinfo=UTC)
REQUIRED = ("points", "minutes_played", "rebounds", "assists", "field_goals_made")
ABSENT_OPTIONAL = "shot_zones"
PLACEHOLDERS = ("N/A", "", "-", "null")


def build_frame(rows: int, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """The frame and the field weights (null rates planted per column, some of them inf/text)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    optional = [f"stat_{i:02d}" for i in range(22)] + ["plus_minus", "player_name", "team_abbr"]
    for name in (*REQUIRED, *optional):
        rate = float(rng.uniform(0, 0.25 if name in REQUIRED else 0.30))
        mask = rng.random(rows) < rate
        odd = mask & (rng.random(rows) < 0.3)  # 30 % of the nulls are inf or placeholder text
        if name in ("player_name", "team_abbr"):
            pool = [f"Player {i}" for i in range(500)] if name == "player_name" else [
                "LAL", "BOS", "DEN", "MIA", "NYK", "GSW"]
            values = np.array(pool, dtype=object)[rng.integers(0, len(pool), rows)]
            values[mask] = None
            values[odd] = np.array(PLACEHOLDERS, dtype=object)[rng.integers(0, len(PLACEHOLDERS), int(odd.sum()))]
            columns[name] = pd.array(values, dtype="str")
        elif name in ("points", "rebounds", "assists", "plus_minus"):
            ints = pd.array(rng.integers(-20 if name == "plus_minus" else 0, 40, rows), dtype="Int64")
            ints[mask] = pd.NA  # nullable ints cannot hold inf
            columns[name] = ints
        else:
            floats = rng.normal(10, 5, rows)
            floats[mask] = np.nan
            floats[odd] = np.where(rng.random(int(odd.sum())) < 0.5, np.inf, -np.inf)
            columns[name] = floats
    frame = pd.DataFrame(columns)
    weights = {name: (6.0 if name in REQUIRED else float(rng.integers(1, 4))) for name in (*REQUIRED, *optional)}
    weights[ABSENT_OPTIONAL] = 2.0
    return frame, weights


def null_mask_vectorised(column: pd.Series) -> pd.Series:
    """SCORING.md's null as idiomatic vectorised pandas (what a pandera user would write)."""
    if pd.api.types.is_float_dtype(column.dtype):
        return column.isna() | np.isinf(column)
    if pd.api.types.is_string_dtype(column.dtype):
        return column.isna() | column.str.strip().str.lower().isin(PLACEHOLDER_STRINGS)
    return column.isna()  # ints, nullable ints, bools: only missing values


def pandera_schema(required: list[str], optional: list[str], req_tol: float, opt_tol: float,
                   same_checks: bool) -> Any:
    """Presence (``required=``) and one null-rate check per field."""
    import pandera.pandas as pa

    def null_rate_check(tolerance: float) -> Any:
        if same_checks:
            return pa.Check(lambda s: bool(null_mask_vectorised(s).mean() <= tolerance), element_wise=False,
                            ignore_na=False, name=f"null_rate<={tolerance}")
        return pa.Check(lambda s: bool(s.isna().mean() <= tolerance), element_wise=False,
                        ignore_na=False, name=f"isna_rate<={tolerance}")

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


def interleaved(runs: dict[str, Callable[[], Any]], times: int) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Run each callable ``times`` times in rotation (A, B, C, A, B, C, ...)."""
    durations: dict[str, list[float]] = {name: [] for name in runs}
    results: dict[str, Any] = {}
    for _ in range(max(1, times)):
        for name, fn in runs.items():
            gc.collect()
            seconds, results[name] = timed(fn)
            durations[name].append(seconds)
    return durations, results


def bench_scoring(rows: int, repeat: int, seed: int) -> dict[str, float]:
    build_seconds, (frame, weights) = timed(lambda: build_frame(rows, seed))
    optional = [c for c in frame.columns if c not in REQUIRED] + [ABSENT_OPTIONAL]
    config = ScoringConfig(required_fields=REQUIRED, optional_fields=tuple(optional), field_weights=weights,
                           primary_sources=tuple(SOURCES))
    print(f"-- assess_quality at {len(frame):,} rows x {frame.shape[1]} columns "
          f"({frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB, built in {build_seconds:.1f} s); "
          f"{len(REQUIRED)} required + {len(optional)} optional fields ({ABSENT_OPTIONAL!r} absent)")

    same = pandera_schema(list(REQUIRED), optional, config.required_null_tolerance,
                          config.optional_null_tolerance, same_checks=True)
    isna_only = pandera_schema(list(REQUIRED), optional, config.required_null_tolerance,
                               config.optional_null_tolerance, same_checks=False)
    sketch = SketchQualityScorer(REQUIRED, optional, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        times, results = interleaved({
            "ours": lambda: assess_quality(frame, SOURCES, context=CONTEXT, config=config, now=NOW),
            "pandera": lambda: run_pandera(same, frame),
            "pandera_isna": lambda: run_pandera(isna_only, frame),
            "sketch": lambda: sketch.assess_quality(frame, SOURCES, context=CONTEXT),
        }, repeat)
    ours = results["ours"]
    medians = {name: statistics.median(t) for name, t in times.items()}
    flagged = sorted(i.split(":", 1)[1] for i in ours["issues"] if i.startswith("high_null_rate:"))
    missing = sorted(i.split(":", 1)[1] for i in ours["issues"] if i.startswith("missing_optional:"))
    # Exact per-column counts vs the vectorised definition (the "results identical" check).
    reference = {name: round(float(null_mask_vectorised(frame[name]).mean()), 4) for name in frame.columns
                 if name in config.required_fields or name in config.optional_fields}
    identical = reference == ours["metadata"]["null_rates"]
    if rows <= 50_000:  # small enough to also check value by value
        identical = identical and all(
            round(sum(map(is_null_value, frame[name].astype(object))) / rows, 4) == rate
            for name, rate in ours["metadata"]["null_rates"].items())
    print(f"   ours     assess_quality            {summary(times['ours'])}  {rows / medians['ours']:>13,.0f} rows/s  "
          f"tier={ours['tier']} score={ours['score']}; {len(flagged)} field(s) over tolerance, missing optional "
          f"{missing}; null rates identical to the vectorised reference: {identical}")
    print(f"   pandera  same checks               {summary(times['pandera'])}  "
          f"{rows / medians['pandera']:>13,.0f} rows/s  {len(results['pandera'])} field(s) failing; "
          f"same fields as ours: {results['pandera'] == flagged}")
    print(f"   pandera  isna only (weaker)        {summary(times['pandera_isna'])}  "
          f"{rows / medians['pandera_isna']:>13,.0f} rows/s  {len(results['pandera_isna'])} field(s) failing; "
          f"same fields as ours: {results['pandera_isna'] == flagged} (inf and placeholders pass its check)")
    print(f"   baseline sketch scorer             {summary(times['sketch'])}  "
          f"{rows / medians['sketch']:>13,.0f} rows/s  tier={results['sketch']['tier']} score={results['sketch']['score']}")
    print(f"   ratio at {rows:,} rows (their median / ours; > 1 means ours is faster): "
          f"pandera same checks / ours {ratio(medians['pandera'], medians['ours'])}; "
          f"pandera isna only / ours {ratio(medians['pandera_isna'], medians['ours'])}; "
          f"sketch / ours {ratio(medians['sketch'], medians['ours'])}")
    return medians


def assign_constants(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """The reference cost: the same nine values assigned with plain pandas."""
    out = frame.copy(deep=False)
    for name, value in columns.items():
        if isinstance(value, list | dict):
            out[name] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
        else:
            out[name] = value  # pandas broadcasts the scalar
    return out


def traced_peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def bench_columns(rows: int, repeat: int) -> None:
    frame = pd.DataFrame({"player_id": np.arange(rows, dtype=np.int64),
                          "points": np.arange(rows, dtype=np.int64) % 50,
                          "minutes_played": np.linspace(0, 48, rows)})
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    config = ScoringConfig(required_fields=("player_id", "points"), optional_fields=("minutes_played", "plus_minus"),
                           primary_sources=tuple(SOURCES))
    quality = assess_quality(frame.head(1000), ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"],
                             context=CONTEXT, config=config, now=NOW)
    constants = quality_columns(quality)
    print(f"-- add_quality_columns at {rows:,} rows ({frame.shape[1]} numeric columns, {frame_bytes / 2**20:,.0f} MiB)")
    times, results = interleaved({
        "ours": lambda: add_quality_columns(frame, quality),
        "assign": lambda: assign_constants(frame, constants),
    }, repeat)
    same_values = results["ours"].head(1000).to_dict("records") == results["assign"].head(1000).to_dict("records")
    results.clear()
    peaks = {"ours": traced_peak(lambda: add_quality_columns(frame, quality)),
             "assign": traced_peak(lambda: assign_constants(frame, constants))}
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"   ours     add_quality_columns       {summary(times['ours'])}  peak traced allocation "
          f"{peaks['ours'] / 2**20:,.0f} MiB = {peaks['ours'] / frame_bytes:.2f}x the frame")
    print(f"   plain    assign the same constants {summary(times['assign'])}  peak traced allocation "
          f"{peaks['assign'] / 2**20:,.0f} MiB (Arrow string buffers are not traced)")
    print(f"   same values on every row: {same_values}")
    print(f"   ratio at {rows:,} rows: ours / plain assignment time {medians['ours'] / medians['assign']:.2f}x "
          f"(goal <= 5x); ours memory {peaks['ours'] / frame_bytes:.2f}x the frame (goal < 2x); "
          f"ours {medians['ours']:.2f} s (goal < 3 s at 10M rows)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 and 5,000 rows, 50,000 for the columns (every check and ratio, "
                             "on frames too small for the times to mean much)")
    parser.add_argument("--rows", default="1000000,5000000",
                        help="comma-separated frame sizes for assess_quality (default 1000000,5000000)")
    parser.add_argument("--columns-rows", type=int, default=10_000_000,
                        help="rows for add_quality_columns (default 10000000)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per checker (default 3)")
    parser.add_argument("--seed", type=int, default=30)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.columns_rows = "2000,5000", 50_000
    try:
        sizes = [int(size) for size in str(args.rows).split(",")]
    except ValueError:
        parser.error(f"--rows must be comma-separated integers, got {args.rows!r}")
    print_header("bench_quality: assess_quality vs pandera; add_quality_columns vs plain assignment")
    print(f"   interleaved runs in one process, medians of {args.repeat}; other processes may share the CPU")
    try:
        import pandera  # noqa: F401 - only to report a missing optional dependency clearly
    except ImportError:
        print("   pandera is not installed: .venv/bin/pip install -e '.[bench]'")
        return 2
    with frozen_heap():  # the collections between runs walk only what the runs made
        for rows in sizes:
            bench_scoring(rows, args.repeat, args.seed)
            gc.collect()
        bench_columns(args.columns_rows, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
