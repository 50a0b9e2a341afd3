"""Plant the seven bugs of issue 16, one at a time, and show the suite catches each.

    .venv/bin/python -m tests.mutation.planted_bugs            # all seven
    .venv/bin/python -m tests.mutation.planted_bugs --list     # the bugs and their tests
    .venv/bin/python -m tests.mutation.planted_bugs sink_splits_batches_over_500_rows

The bugs are the seven small changes issue 16 found the suite let through. mutmut does not
make them (it does not slice a loop, drop a SQL line or reorder branches), so each is written
here as exact text substitutions. The working tree is never touched: the files are copied to
a temporary directory (``git ls-files``: tracked and untracked, not ignored, so uncommitted
work is included), the targeted tests run there once unchanged (they must pass, or a KILLED
would mean nothing), then once per bug with that bug's substitutions applied.

For each bug the report says KILLED (the tests failed) or SURVIVED (they passed). Exit status:
0 every bug killed; 1 some bug survived, or a substitution's ``old`` text no longer occurs
exactly once in the source (the list has gone stale and must be updated, never skipped);
2 usage error; 3 environment error (the unchanged tests fail, pytest could not run them, the
copy imports the wrong package).

``tests/mutation/test_planted_bugs_list.py`` (in the normal suite) checks that every
substitution still applies, so a refactor that moves the code fails fast there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTEST_TIMEOUT_S = 900


@dataclass(frozen=True)
class Substitution:
    """Replace ``old`` (which must occur exactly once in ``path``) with ``new``."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class PlantedBug:
    name: str
    guarantee: str
    substitutions: tuple[Substitution, ...]
    tests: tuple[str, ...]


FLUSH = "tests/integration/events/test_event_log_flush.py"
ROUTING = "tests/integration/events/test_alert_routing.py"
FAULTS = "tests/reliability/test_flush_faults.py"
DUCK = "tests/unit/bigquery/test_duckdb_client.py"

_MISSING_BRANCH = (
    "    elif missing:\n"
    "        status = AuditStatus.PARTIAL_DATA\n"
    '        reason = f"missing from {\', \'.join(missing)}" + ("" if has_log else "; no log events either")\n'
)
_NO_LOG_BRANCH = (
    "    elif not has_log:\n"
    '        status, reason = AuditStatus.DATA_EXISTS_NO_LOG, "data in every checked table but no coverage '
    'record (no log events, no quality-tracked rows)"\n'
)

BUGS: tuple[PlantedBug, ...] = (
    PlantedBug(
        name="sink_splits_batches_over_500_rows",
        guarantee="one load job per flush",
        substitutions=(Substitution(
            "shared_services/events/sink.py",
            old=("            job = client.load_table_from_json(  # an EventBatch goes as is: a re-iterable Sequence[dict]\n"
                 "                as_rows(rows), table, job_config=_load_config(schema), job_id=current_id\n"
                 "            )\n"
                 "            job.result()\n"),
            new=("            for start in range(0, len(rows), 500):\n"
                 "                job = client.load_table_from_json(\n"
                 "                    list(rows)[start:start + 500], table, job_config=_load_config(schema),\n"
                 "                    job_id=current_id if start == 0 else f'{current_id}_part{start}'\n"
                 "                )\n"
                 "                job.result()\n"),
        ),),
        tests=(f"{FLUSH}::test_780_events_make_one_load_job_and_780_rows",
               f"{FLUSH}::test_the_sink_writes_a_batch_of_780_rows_in_one_load_job"),
    ),
    PlantedBug(
        name="lookback_ignores_alert_sent",
        guarantee="an undelivered alert must not silence the next one",
        substitutions=(Substitution(
            "shared_services/alerts/dispatcher.py",
            old="WHERE event_timestamp >= @since\n  AND alert_sent = TRUE\n",
            new="WHERE event_timestamp >= @since\n",
        ),),
        tests=(f"{ROUTING}::test_an_undelivered_critical_inside_the_window_does_not_silence_the_next_alert",
               f"{ROUTING}::test_an_undelivered_warning_digest_does_not_silence_the_next_digest"),
    ),
    PlantedBug(
        name="phase4_ignores_inherited_tier",
        guarantee="worst tier wins",
        substitutions=(Substitution(
            "shared_services/quality/inheritance.py",
            old='[inherited["tier"], sample["tier"], scoring.tier_for_score(score, sample_config)]',
            new='[sample["tier"], scoring.tier_for_score(score, sample_config)]',
        ),),
        tests=("tests/unit/quality/test_confidence_and_inheritance.py"
               "::test_the_sample_expectation_keeps_the_inherited_tier_when_scores_all_say_gold",
               "tests/integration/downstream/test_phase4_rolling_averages.py"
               "::test_nine_gold_and_one_silver_all_scored_100_make_a_silver_row"),
    ),
    PlantedBug(
        name="terminal_load_error_reraised_not_spilled",
        guarantee="nothing lost on failure",
        substitutions=(Substitution(
            "shared_services/events/sink.py",
            old='            outcome.error = f"{type(exc).__name__}: {exc}"\n',
            new=('            if isinstance(exc, gexc.BadRequest):\n'
                 '                raise\n'
                 '            outcome.error = f"{type(exc).__name__}: {exc}"\n'),
        ),),
        tests=(f"{FAULTS}::test_a_terminal_load_error_is_spilled_not_raised_and_not_retried",
               f"{FAULTS}::test_the_sink_spills_a_terminal_error_itself",
               "tests/contract/test_literal_rest_responses.py::test_400_invalid_is_terminal_and_spilled"),
    ),
    PlantedBug(
        name="spool_file_marked_replayed_before_load",
        guarantee="replay never loses a file",
        substitutions=(
            Substitution(
                "shared_services/events/replay.py",
                old=("            try:\n"
                     "                loaded, present = replay_batch(client, batch, policy=policy, sleep=sleep,\n"),
                new=("            spool.mark_replayed(batch)\n"
                     "            try:\n"
                     "                loaded, present = replay_batch(client, batch, policy=policy, sleep=sleep,\n"),
            ),
            Substitution(
                "shared_services/events/replay.py",
                old=("                logger.error(\"replay of %s failed: %s\", batch.path, log_safe(exc))\n"
                     "                continue\n"
                     "            spool.mark_replayed(batch)\n"),
                new=("                logger.error(\"replay of %s failed: %s\", batch.path, log_safe(exc))\n"
                     "                continue\n"),
            ),
        ),
        tests=(f"{FAULTS}::test_a_failed_replay_keeps_the_file_pending_and_a_later_replay_loads_it",),
    ),
    PlantedBug(
        name="partition_filter_checked_on_first_statement_only",
        guarantee="require_partition_filter",
        substitutions=(Substitution(
            "shared_services/bigquery/duckdb_client.py",
            old=("            for tree in trees:\n"
                 "                expanded = expand_views(tree, catalog.view_sql)\n"),
            new=("            for tree in trees[:1]:\n"
                 "                expanded = expand_views(tree, catalog.view_sql)\n"),
        ),),
        tests=(f"{DUCK}::test_require_partition_filter_rejects",
               f"{DUCK}::test_a_script_with_one_unfiltered_statement_runs_none_of_its_statements"),
    ),
    PlantedBug(
        name="audit_classification_order_swapped",
        guarantee="the audit statuses",
        # partial data is checked after "no log": a game missing from some tables with no log
        # events is then reported as data_exists_no_log
        substitutions=(Substitution(
            "data_processors/source_coverage_audit/classify.py",
            old=(_MISSING_BRANCH + _NO_LOG_BRANCH),
            new=(_NO_LOG_BRANCH + _MISSING_BRANCH),
        ),),
        tests=("tests/unit/audit/test_audit_classify.py",
               "tests/properties/test_property_based.py"
               "::test_classification_depends_only_on_tables_with_data_and_having_a_log"),
    ),
)


def stale_substitutions(root: Path = REPO, bugs: Sequence[PlantedBug] = BUGS) -> list[str]:
    """One line per substitution whose ``old`` text does not occur exactly once under ``root``.

    Example::

        >>> stale_substitutions()
        []
    """
    problems = []
    for bug in bugs:
        texts: dict[str, str] = {}  # a bug's substitutions apply in order, as apply() does
        for sub in bug.substitutions:
            if sub.path not in texts:
                try:
                    texts[sub.path] = (root / sub.path).read_text(encoding="utf-8")
                except OSError as exc:
                    problems.append(f"{bug.name}: cannot read {sub.path}: {exc}")
                    break
            count = texts[sub.path].count(sub.old)
            if count != 1:
                problems.append(f"{bug.name}: the old text occurs {count} times in {sub.path} (must be once)")
                break
            texts[sub.path] = texts[sub.path].replace(sub.old, sub.new)
    return problems


def apply(root: Path, bug: PlantedBug) -> dict[Path, str]:
    """Apply ``bug`` to the copy at ``root``; returns the original texts (to restore)."""
    originals: dict[Path, str] = {}
    for sub in bug.substitutions:
        path = root / sub.path
        text = path.read_text(encoding="utf-8")
        originals.setdefault(path, text)
        if text.count(sub.old) != 1:
            raise RuntimeError(f"{bug.name}: the old text no longer occurs once in {sub.path}")
        path.write_text(text.replace(sub.old, sub.new), encoding="utf-8")
    return originals


def copy_repo(target: Path) -> None:
    """Copy the files git knows of (tracked and untracked, not ignored) to ``target``."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in listing:
        if not name:
            continue
        source = REPO / name
        if not source.is_file():  # deleted in the working tree
            continue
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    # the copy must win over the editable install of the working tree
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("HYPOTHESIS_MAX_EXAMPLES", "40")
    return env


def run_tests(root: Path, tests: Sequence[str]) -> tuple[int, str]:
    """pytest's exit status and its last output line, run in the copy."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-n", "0", *tests]
    try:
        done = subprocess.run(cmd, cwd=root, env=_env(root), capture_output=True, text=True,
                              timeout=PYTEST_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {PYTEST_TIMEOUT_S}s"
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else ""


def _imports_the_copy(root: Path) -> bool:
    probe = "import shared_services, data_processors; print(shared_services.__file__); print(data_processors.__file__)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, env=_env(root),
                          capture_output=True, text=True)
    files = done.stdout.split()
    return done.returncode == 0 and len(files) == 2 and all(
        Path(f).resolve().is_relative_to(root.resolve()) for f in files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="planted_bugs", description=__doc__.split("\n")[0])
    parser.add_argument("bugs", nargs="*", help="names of bugs to plant (default: all)")
    parser.add_argument("--list", action="store_true", help="list the bugs and their tests")
    args = parser.parse_args(argv)
    names = {b.name for b in BUGS}
    unknown = [n for n in args.bugs if n not in names]
    if unknown:
        print(f"error: unknown bug(s) {unknown}; known: {sorted(names)}", file=sys.stderr)
        return 2
    chosen = [b for b in BUGS if not args.bugs or b.name in args.bugs]
    if args.list:
        for bug in chosen:
            print(f"{bug.name}: {bug.guarantee}")
            for test in bug.tests:
                print(f"    {test}")
        return 0
    stale = stale_substitutions(REPO, chosen)
    for line in stale:
        print(f"STALE     {line}")
    runnable = [b for b in chosen if not any(line.startswith(f"{b.name}:") for line in stale)]
    with tempfile.TemporaryDirectory(prefix="planted_bugs_") as tmp:
        root = Path(tmp)
        copy_repo(root)
        if not _imports_the_copy(root):
            print("error: the copy does not import its own shared_services/data_processors", file=sys.stderr)
            return 3
        all_tests = list(dict.fromkeys(t for b in runnable for t in b.tests))
        if all_tests:
            code, last = run_tests(root, all_tests)
            if code != 0:
                print(f"error: the targeted tests fail WITHOUT any planted bug (pytest exit {code}): {last}",
                      file=sys.stderr)
                return 3
            print(f"baseline  {len(all_tests)} targeted test selections pass unchanged: {last}")
        survived = 0
        for bug in runnable:
            originals = apply(root, bug)
            try:
                code, last = run_tests(root, bug.tests)
            finally:
                for path, text in originals.items():
                    path.write_text(text, encoding="utf-8")
            if code == 1:
                print(f"KILLED    {bug.name} ({bug.guarantee}): {last}")
            elif code == 0:
                survived += 1
                print(f"SURVIVED  {bug.name} ({bug.guarantee}): {last}")
            else:
                print(f"error: {bug.name}: pytest could not run the tests (exit {code}): {last}", file=sys.stderr)
                return 3
    killed = len(runnable) - survived
    print(f"{killed} of {len(chosen)} planted bugs killed, {survived} survived, {len(stale)} stale substitution(s)")
    return 1 if survived or stale else 0


if __name__ == "__main__":
    sys.exit(main())
