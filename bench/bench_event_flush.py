"""Benchmark: logging and flushing coverage events (QualityMixin) vs the design sketch.

Part 1, throughput. For each size (default 30,000 and 100,000 events) a fresh
``QualityMixin`` processor on a fresh embedded warehouse logs realistic events
(``log_quality_event``: validation, row building, JSON-safe serialization, alert routing)
and then flushes (``flush_events``: one load job per batch; the processor's buffer cap of
10,000 events flushes by itself when reached, so 100,000 events are 10 load jobs). Ours and
the baseline run interleaved in one process, ``--repeat`` times (default 3), and medians are
compared (the CPU may be shared). Printed: time spent logging (auto-flushes excluded), time
spent loading (every flush), closing the warehouse (its checkpoint of the WAL), end to end
(log + flush + close), load jobs, and peak traced memory (a separate
``tracemalloc`` pass; timings come from the untraced runs). Baseline: the sketch's row dict
plus its ``_insert_quality_events_batch`` serialization (``pd.DataFrame(events)`` +
``to_dict('records')``), which does not even load; the ratio is ours END TO END (log +
flush + load + close) against that serialization alone. Before each timed run, ours and the
sketch's alike, the bench collects garbage: the arguments it has just generated (a tuple and
a dict per event, not timed) would otherwise set off a full collection inside one run in
three, walking everything the process holds (+150 ms at 30,000 events), as the standard
library's ``timeit`` avoids by switching the collector off.

Part 2, load jobs for a season backfill: one run of a processor that logs 26 events per game
for 1,230 games (ours: one flush per run, size-capped at 10,000 -> ceil(N / 10,000) jobs),
against the sketch's pattern of one flush per game run (actually run, jobs counted with
``RecordingClient``) and the seed audit's one load job per synthetic event, measured
against BigQuery's limit of 1,500 load jobs per table per day.

    .venv/bin/python bench/bench_event_flush.py           # a few minutes (3 x 2 sizes)
    .venv/bin/python bench/bench_event_flush.py --quick   # 300 events, 20 games
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import _common  # first: puts the repository root on sys.path
from _common import print_header, ratio, summary, temp_workdir, timed
from baseline_sketch import sketch_event_row, sketch_serialize_batch

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.limits import (
    MAX_TABLE_LOADS_PER_DAY as BIGQUERY_LOAD_JOBS_PER_TABLE_PER_DAY,
)
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.recording_client import RecordingClient

EVENTS_PER_GAME = 26
SEASON_GAMES = 1230

_EVENTS = (  # (event_type, severity, weight)
    ("fallback_used", "info", 40), ("new_player_no_history", "info", 20),
    ("traded_player_context", "info", 10), ("thin_sample", "warning", 12),
    ("source_degraded", "warning", 10), ("quality_degradation", "warning", 7),
    ("source_missing", "critical", 1),
)
_TEAMS = ("LAL", "BOS", "DEN", "MIA", "NYK", "GSW", "PHX", "MIL", "DAL", "OKC")


class BenchProcessor(QualityMixin):
    """A phase 3 processor using the real mixin; only ``flush_events`` is timed."""

    PHASE = "phase_3"
    OUTPUT_TABLE = "nba_analytics.player_game_summary"
    REQUIRED_FIELDS = ("points", "minutes_played")
    OPTIONAL_FIELDS = ("plus_minus",)

    def __init__(self, bq_client: Any, run_id: str) -> None:
        self.bq_client = bq_client
        self.run_id = run_id
        self.flush_seconds = 0.0
        self.flushes = 0

    def flush_events(self) -> int:
        start = time.perf_counter()
        written = super().flush_events()
        self.flush_seconds += time.perf_counter() - start
        self.flushes += 1 if written else 0
        return written


class EventFactory:
    """Deterministic, realistic event arguments (the same for ours and the baseline)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.weights = [w for _, _, w in _EVENTS]
        self.gold = {"tier": "gold", "score": 98.0}
        self.silver = {"tier": "silver", "score": 88.5}

    def args(self, n: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
        event_type, severity, _ = self.rng.choices(_EVENTS, self.weights)[0]
        game = n // EVENTS_PER_GAME
        day = date(2024, 10, 22) + timedelta(days=game * 174 // SEASON_GAMES)
        fallback = event_type in ("fallback_used", "source_degraded")
        kwargs: dict[str, Any] = {
            "game_id": f"00224{game + 1:05d}", "player_id": str(1626000 + self.rng.randrange(600)),
            "game_date": day, "team_abbr": self.rng.choice(_TEAMS),
            "primary_source": "nbac_gamebook_player_stats",
            "primary_source_status": "empty" if fallback else "ok",
            "fallback_sources_tried": ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"] if fallback else [],
            "resolution": "used_fallback" if fallback else None,
            "downstream_impact": None if severity == "info" else "predictions_degraded",
        }
        description = f"{event_type.replace('_', ' ')}: player {kwargs['player_id']} game {kwargs['game_id']}"
        before, after = (self.gold, self.silver) if fallback else (None, None)
        return (event_type, severity, description, before, after), kwargs


def _log_and_flush(client: Any, n: int, seed: int) -> dict[str, Any]:
    factory = EventFactory(seed)
    calls = [factory.args(i) for i in range(n)]  # argument generation is not measured
    recording = RecordingClient(client)
    processor = BenchProcessor(recording, run_id=f"bench-{n}")
    gc.collect()  # the bench's own garbage, not the timed run's: see the module docstring
    start = time.perf_counter()
    for args, kwargs in calls:
        processor.log_quality_event(*args, **kwargs)
    log_total = time.perf_counter() - start
    auto_flush = processor.flush_seconds
    processor.flush_events()
    stats = processor.coverage_stats
    return {
        "log_seconds": log_total - auto_flush,
        "flush_seconds": processor.flush_seconds,
        "load_jobs": recording.calls.get(f"load:{COVERAGE_LOG_TABLE}", 0),
        "queries": recording.calls.get("query", 0),
        "written": stats["events_written"],
    }


def _sketch_serialize(n: int, seed: int) -> tuple[float, float, list[dict[str, Any]]]:
    factory = EventFactory(seed)
    calls = [factory.args(i) for i in range(n)]
    gc.collect()  # the bench's own garbage, not the timed run's: see the module docstring
    holder = type("PlayerGameSummaryProcessor", (), {"PHASE": "phase_3",
                  "OUTPUT_TABLE": "nba_analytics.player_game_summary", "run_id": "bench"})()
    build_seconds, events = timed(lambda: [sketch_event_row(holder, *a, **k) for a, k in calls])
    serialize_seconds, records = timed(lambda: sketch_serialize_batch(events))
    return build_seconds, serialize_seconds, records


def _peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _fresh_client(workdir: Path, name: str) -> DuckDBClient:
    client = DuckDBClient(str(workdir / f"{name}.duckdb"))
    ensure_schema(client)
    return client


def _sketch_load_attempt(client: Any, records: list[dict[str, Any]]) -> str:
    """Load the sketch's records exactly as it does (no schema, WRITE_APPEND)."""
    from google.cloud import bigquery

    config = bigquery.LoadJobConfig(write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    try:
        job = client.load_table_from_json(records, COVERAGE_LOG_TABLE, job_config=config)
        job.result()
        return f"loaded {job.output_rows} rows"
    except Exception as exc:  # report, don't fail the benchmark
        return f"FAILS: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


def throughput(workdir: Path, sizes: list[int], seed: int, repeat: int, memory: bool) -> None:
    """Ours (log + flush + close, end to end) and the sketch's serialization, interleaved in one process
    ``repeat`` times per size (ours, sketch, ours, sketch, ...); medians compared."""
    for n in sizes:
        ours_runs: list[dict[str, Any]] = []
        sketch_runs: list[tuple[float, float]] = []
        records: list[dict[str, Any]] = []
        for rep in range(max(1, repeat)):
            client = _fresh_client(workdir, f"throughput_{n}_{rep}")
            try:
                run = _log_and_flush(client, n, seed)
            finally:
                # Closing checkpoints what the WAL holds: that write is the flushes' too, so
                # it is timed and counted in end to end (the run's checkpoint if none came
                # before; see EMBEDDED_CHECKPOINT_THRESHOLD).
                start = time.perf_counter()
                client.close()
                close_seconds = time.perf_counter() - start
            ours_runs.append({**run, "close_seconds": close_seconds})
            build_s, ser_s, records = _sketch_serialize(n, seed)
            sketch_runs.append((build_s, ser_s))
        ours_total = [r["log_seconds"] + r["flush_seconds"] + r["close_seconds"] for r in ours_runs]
        ours_log = [r["log_seconds"] for r in ours_runs]
        ours_flush = [r["flush_seconds"] for r in ours_runs]
        ours_close = [r["close_seconds"] for r in ours_runs]
        base_total = [b + t for b, t in sketch_runs]
        last = ours_runs[-1]
        ours_peak = base_peak = float("nan")
        if memory:
            mem_client = _fresh_client(workdir, f"memory_{n}")
            try:
                ours_peak = _peak_mib(lambda c=mem_client, k=n: _log_and_flush(c, k, seed))
            finally:
                mem_client.close()
            base_peak = _peak_mib(lambda k=n: _sketch_serialize(k, seed))
        load_client = _fresh_client(workdir, f"sketch_{n}")
        try:
            attempt = _sketch_load_attempt(load_client, records)
        finally:
            load_client.close()
        med = statistics.median
        print(f"-- {n:,} events ({len(ours_runs)} interleaved runs each; medians)")
        print(f"   ours     log_quality_event {summary(ours_log)} ({n / med(ours_log):,.0f} events/s; "
              "validation + JSON-safe row + alert routing)")
        print(f"            flush_events {summary(ours_flush)} ({n / med(ours_flush):,.0f} rows/s loaded), "
              f"{last['load_jobs']} load job(s), {last['queries']} query (alert dedup lookback), "
              f"{last['written']:,} rows written")
        print(f"            close {summary(ours_close)} (the warehouse's checkpoint of what the WAL holds)")
        print(f"            end to end {summary(ours_total)} ({n / med(ours_total):,.0f} events/s)"
              + (f", peak traced memory {ours_peak:.1f} MiB" if memory else ""))
        print(f"   baseline sketch rows + DataFrame/to_dict {summary(base_total)} "
              f"({n / med(base_total):,.0f} events/s; rows {med([b for b, _ in sketch_runs]):.3f} s, "
              f"DataFrame/to_dict {med([t for _, t in sketch_runs]):.3f} s)"
              + (f", peak traced memory {base_peak:.1f} MiB" if memory else ""))
        print(f"            load of the sketch's records into the log table: {attempt}")
        print(f"   ratio    end to end (ours: log + flush + load + close) vs the sketch's serialization alone "
              f"(which does not load): {ratio(med(base_total), med(ours_total))}")


def _backfill(client: Any, games: int, flush_per_game: bool, seed: int) -> dict[str, Any]:
    recording = RecordingClient(client)
    processor = BenchProcessor(recording, run_id="backfill")
    factory = EventFactory(seed)
    start = time.perf_counter()
    for game in range(games):
        for i in range(EVENTS_PER_GAME):
            args, kwargs = factory.args(game * EVENTS_PER_GAME + i)
            processor.log_quality_event(*args, **kwargs)
        if flush_per_game:
            processor.flush_events()
    processor.flush_events()
    return {"seconds": time.perf_counter() - start,
            "load_jobs": recording.calls.get(f"load:{COVERAGE_LOG_TABLE}", 0),
            "written": processor.coverage_stats["events_written"]}


def backfill(workdir: Path, games: int, seed: int) -> None:
    events = games * EVENTS_PER_GAME
    client = _fresh_client(workdir, "backfill_ours")
    try:
        ours = _backfill(client, games, flush_per_game=False, seed=seed)
    finally:
        client.close()
    client = _fresh_client(workdir, "backfill_sketch")
    second: dict[str, Any] | None = None
    try:
        per_game = _backfill(client, games, flush_per_game=True, seed=seed)
        room = BIGQUERY_LOAD_JOBS_PER_TABLE_PER_DAY - per_game["load_jobs"]
        if 0 <= room <= 500:
            # A second processor backfilling per game the same day, into the same log: the
            # embedded warehouse refuses the table's 1,501st load job as BigQuery does.
            second = _backfill(client, room + 3, flush_per_game=True, seed=seed + 1)
            second["spilled"] = len(list((workdir / "dead_letter").glob("*.ndjson")))
    finally:
        client.close()
    limit = BIGQUERY_LOAD_JOBS_PER_TABLE_PER_DAY
    print(f"-- season backfill: {games:,} games x {EVENTS_PER_GAME} events = {events:,} events into "
          f"{COVERAGE_LOG_TABLE} (BigQuery limit: {limit:,} load jobs per table per day)")
    print(f"   ours, one run (cap 10,000/flush): {ours['load_jobs']} load jobs "
          f"(ceil({events}/10000) = {math.ceil(events / 10_000)}), {ours['written']:,} rows, "
          f"{ours['seconds']:.2f} s; {ours['load_jobs'] / limit:.2%} of the daily quota")
    print(f"   sketch pattern, flush per game run: {per_game['load_jobs']} load jobs, "
          f"{per_game['written']:,} rows, {per_game['seconds']:.2f} s; {per_game['load_jobs'] / limit:.0%} "
          f"of the daily quota for ONE processor; the 3 phase 3-4 processors backfilling the same day: "
          f"{3 * per_game['load_jobs']:,} jobs ({'EXCEEDS' if 3 * per_game['load_jobs'] > limit else 'within'} "
          f"the limit)")
    if second is not None:
        print(f"   a second processor, flush per game, the same day: {second['load_jobs']} load jobs tried; those past "
              f"the table's {limit:,} refused (\"Quota exceeded: Your table exceeded quota for imports or query "
              f"appends per table\"): {second['spilled']} batches spilled for coverage-replay, "
              f"{second['written']:,} events written")
    print("   seed audit: 1 load job per synthetic event, i.e. one per flagged game "
          "(bench_audit.py prints how many games that is for a season; ours: 1 load job per audit run)")
    print(f"   ratio    load jobs sketch/ours {ratio(per_game['load_jobs'], ours['load_jobs'])}, "
          f"time {ratio(per_game['seconds'], ours['seconds'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 events and a 20-game backfill")
    parser.add_argument("--sizes", type=int, nargs="+", default=[30_000, 100_000],
                        help="event counts to log and flush (default 30000 100000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved runs of ours and the sketch per size; medians (default 3)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--games", type=int, default=SEASON_GAMES, help="games in the backfill (default 1230)")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.games, args.repeat = [300], 20, 1
    print_header("bench_event_flush: QualityMixin.log_quality_event / flush_events vs the sketch")
    with temp_workdir("bench_flush_") as workdir:
        _common.isolate_environment(workdir)
        throughput(workdir, args.sizes, args.seed, args.repeat, not args.no_memory)
        backfill(workdir, args.games, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
