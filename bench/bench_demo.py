"""The demo's cost: wall and CPU time of ``run_demo`` against the one-minute target.

    .venv/bin/python bench/bench_demo.py            # the default demo (7 days, 14 days of history)
    .venv/bin/python bench/bench_demo.py --quick    # 2 days, 2 days of history (smoke run)

Prints the wall time, the CPU time of this process (``time.process_time``: what the demo
itself used, whatever else runs on the machine), the time between progress lines (history,
each day, audit, heal, report) and the baseline: the same demo without history (what the demo
did before it loaded the earlier part of the season; the heal still runs).
"""

from __future__ import annotations

import argparse
import time

import _common

from data_processors.demo.runner import run_demo

TARGET_SECONDS = 60.0


def _run(days: int, history_days: int, out: str) -> tuple[float, float, list[tuple[float, str]], object]:
    marks: list[tuple[float, str]] = []
    began_wall, began_cpu = time.perf_counter(), time.process_time()

    def progress(line: str) -> None:
        marks.append((time.perf_counter() - began_wall, line))

    summary = run_demo(days=days, seed=7, out_dir=out, progress=progress, history_days=history_days)
    return time.perf_counter() - began_wall, time.process_time() - began_cpu, marks, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 days with 2 days of history")
    args = parser.parse_args()
    days, history = (2, 2) if args.quick else (7, 14)
    _common.print_header(f"demo: {days} days, {history} days of history")
    with _common.temp_workdir("bench_demo_") as work:
        _common.isolate_environment(work)
        wall, cpu, marks, summary = _run(days, history, str(work / "with_history"))
        print("stages (seconds since start):")
        previous = 0.0
        for at, line in marks:
            print(f"  {at:7.1f}  (+{at - previous:5.1f})  {line[:110]}")
            previous = at
        tiers = summary.tiers.get("nba_precompute.player_rolling_averages", {})  # type: ignore[attr-defined]
        total = sum(tiers.values()) or 1
        print(f"phase 4 gold share: {tiers.get('gold', 0) / total:.1%}")
        base_wall, base_cpu, _, base = _run(days, 0, str(work / "without_history"))
        base_tiers = base.tiers.get("nba_precompute.player_rolling_averages", {})  # type: ignore[attr-defined]
        base_total = sum(base_tiers.values()) or 1
    print(f"demo wall {wall:.1f} s, cpu {cpu:.1f} s (target: under {TARGET_SECONDS:.0f} s)")
    print(f"baseline without history: wall {base_wall:.1f} s, cpu {base_cpu:.1f} s, "
          f"phase 4 gold share {base_tiers.get('gold', 0) / base_total:.1%}")
    print(f"history costs {cpu - base_cpu:+.1f} s cpu")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
