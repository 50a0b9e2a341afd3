"""``coverage-replay``: load spilled event batches, exactly once, however often it runs.

    coverage-replay [--warehouse URL] [--dir DIR]

Each spilled file is loaded under the job id its original flush used. Two guards keep that
exactly-once: rows whose ``event_id`` is already in the log are skipped (one parameterized,
partition-filtered query per file), and a ``Conflict`` on the job id means that load already
ran. Loads into one table are paced to BigQuery's rate for table updates (5 per 10
seconds). A replayed file moves to ``DIR/replayed/``. Every file is handled on its own: a damaged
file (cut by a crash, checksum mismatch) or one naming a table outside the allow-list (the
coverage log plus ``$COVERAGE_REPLAY_TABLES``) moves to ``DIR/quarantine/`` with a reason; a
file another replay is working on is skipped. Once a table's BigQuery quota is used up (a
``quotaExceeded`` refusal: 1,500 load jobs per table per day), its remaining files wait in the
spool untried until the next replay. Exit status: 0 when every file was replayed (or there was
nothing to do), 1 when some file failed (it stays in the spool), waits for a quota or was
quarantined.

Example (Python)::

    report = replay_dead_letters(make_client(), DeadLetterSpool('/var/spool/coverage'))
    report.rows_loaded, report.files_failed
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.identifiers import (
    InvalidIdentifierError,
    quote_table_id,
    validate_table_id,
)
from shared_services.bigquery.limits import check_json_rows
from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
from shared_services.bigquery.statements import SAMPLE_TIME, register_statement
from shared_services.commands.replay import COMMAND, main  # noqa: F401  (re-exported)
from shared_services.constants.source_coverage import parse_event_type, parse_severity, parse_tier
from shared_services.events.dead_letter import (
    ENV_REPLAY_TABLES,
    DamagedSpoolFile,
    DeadLetterSpool,
    SpilledBatch,
    extra_replay_tables,
)
from shared_services.events.serialization import RowSerializationError, json_safe_rows
from shared_services.events.sink import RetryPolicy, is_quota_exhausted, load_rows_exactly_once
from shared_services.events.text import log_safe

DEFAULT_RETRY_POLICY = RetryPolicy()

__all__ = ["ENV_REPLAY_TABLES", "ReplayReport", "allowed_replay_tables", "check_log_rows", "replay_dead_letters",
           "replay_outcome", "main"]

logger = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    """What one replay did."""

    files_replayed: list[str] = field(default_factory=list)
    files_failed: dict[str, str] = field(default_factory=dict)
    #: Damaged or not-allowed files moved to ``quarantine/`` -> why.
    files_quarantined: dict[str, str] = field(default_factory=dict)
    #: Files another replay held at the time (left for it).
    files_skipped: list[str] = field(default_factory=list)
    #: Leftover ``.tmp`` files of killed spills -> what was done with them.
    temporaries: dict[str, str] = field(default_factory=dict)
    #: Files left in the spool because their table's BigQuery quota is used up -> the table.
    #: The first load refused so is among them; the others were not tried (each try would be
    #: refused as well, and a failed load job counts towards the table's daily quota).
    files_waiting: dict[str, str] = field(default_factory=dict)
    #: Table -> the quota error that stopped its files.
    quota_exhausted: dict[str, str] = field(default_factory=dict)
    rows_loaded: int = 0
    rows_already_present: int = 0


def already_present_sql(table: str) -> str:
    """Which of ``@ids`` are already in ``table`` (``@low`` / ``@high``: the partition filter)."""
    return (
        f"SELECT event_id FROM {quote_table_id(table)} "  # noqa: S608 - validated table id
        "WHERE event_timestamp BETWEEN @low AND @high AND event_id IN UNNEST(@ids)"
    )


# The statement replay sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("replay.already_present", already_present_sql(COVERAGE_LOG_TABLE), [
    bigquery.ScalarQueryParameter("low", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ScalarQueryParameter("high", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ArrayQueryParameter("ids", "STRING", ["00000000-0000-4000-8000-000000000000"]),
])


def _already_present(client: Any, table: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Event ids of ``rows`` already in ``table`` (one query, filtered on the partition)."""
    ids = [str(r["event_id"]) for r in rows if r.get("event_id")]
    stamps = [str(r["event_timestamp"]) for r in rows if r.get("event_timestamp")]
    if not ids or not stamps:
        return set()
    parsed = [pd.Timestamp(s) for s in stamps]
    low = min(parsed) - pd.Timedelta(days=1)
    high = max(parsed) + pd.Timedelta(days=1)
    sql = already_present_sql(table)
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("low", "TIMESTAMP", low.to_pydatetime()),
        bigquery.ScalarQueryParameter("high", "TIMESTAMP", high.to_pydatetime()),
        bigquery.ArrayQueryParameter("ids", "STRING", ids),
    ])
    try:
        return {row["event_id"] for row in client.query(sql, job_config=config).result()}
    except gexc.NotFound:
        return set()


def allowed_replay_tables(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Tables replay may write: the coverage log plus ``$COVERAGE_REPLAY_TABLES`` (comma-separated).

    A spool file naming any other table is quarantined, never loaded: the spool directory is
    not a back door into ``nba_raw`` or ``nba_analytics``.

    Example::

        >>> sorted(allowed_replay_tables({'COVERAGE_REPLAY_TABLES': 'ops.coverage_log_v2'}))
        ['nba_reference.source_coverage_log', 'ops.coverage_log_v2']
    """
    return frozenset({COVERAGE_LOG_TABLE, *extra_replay_tables(environ)})


#: BigQuery's "Maximum rate of table metadata update operations per table": 5 operations per
#: 10 seconds, load jobs included (quotas page, "Standard tables"); over it a job fails with
#: ``rateLimitExceeded``, "Exceeded rate limits: too many table update operations for this
#: table" (a transient error: the sink retries it). Replay loads file after file into one table,
#: so it keeps to the rate itself instead of leaning on retries (whose jittered waits can all
#: fall inside a busy window and fail a file).
TABLE_UPDATES_PER_WINDOW = 5
TABLE_UPDATE_WINDOW_SECONDS = 10.0


class TablePacer:
    """At most :data:`TABLE_UPDATES_PER_WINDOW` load jobs per table in any
    :data:`TABLE_UPDATE_WINDOW_SECONDS`, from one replay: :meth:`wait` sleeps until the next
    load of ``table`` fits, then counts it.

    Example::

        pacer = TablePacer()
        for batch in batches:
            pacer.wait(batch.table)   # the sixth load within 10 s waits for the first to age out
            load(batch)
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._starts: dict[str, deque[float]] = {}

    def wait(self, table: str) -> None:
        starts = self._starts.setdefault(table, deque())
        now = self._clock()
        while starts and now - starts[0] >= TABLE_UPDATE_WINDOW_SECONDS:
            starts.popleft()
        if len(starts) >= TABLE_UPDATES_PER_WINDOW:
            self._sleep(starts[0] + TABLE_UPDATE_WINDOW_SECONDS - now)
            now = max(self._clock(), starts[0] + TABLE_UPDATE_WINDOW_SECONDS)
            starts.popleft()
        starts.append(now)


def replay_batch(
    client: Any,
    batch: SpilledBatch,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    before_load: Callable[[], None] | None = None,
) -> tuple[int, int]:
    """Load one spilled batch exactly once; returns (rows loaded, rows already present).
    ``before_load`` runs just before the load job (not when every row is already present)."""
    table = validate_table_id(batch.table)
    schema = list(COVERAGE_LOG_SCHEMA)  # only coverage logs are replayed (allow-list)
    rows = _distinct_events(json_safe_rows(batch.rows, schema))
    check_log_rows(rows)
    try:  # a row BigQuery cannot load would fail this file on every replay: set it aside instead
        check_json_rows(rows, _size_bound(batch))
    except gexc.BadRequest as exc:
        raise RowSerializationError(str(exc.message)) from None
    present = _already_present(client, table, rows) if any("event_id" in r for r in rows) else set()
    remaining = [r for r in rows if r.get("event_id") not in present]
    if not remaining:
        return 0, len(rows)
    if before_load is not None:
        before_load()
    outcome = load_rows_exactly_once(client, table, remaining, schema, batch.job_id, policy=policy, sleep=sleep)
    loaded = 0 if outcome.already_loaded else outcome.written
    return loaded, len(rows) - loaded


def _size_bound(batch: SpilledBatch) -> int:
    """An upper bound of the batch's largest row as the client sends it: its file, where each
    row is one line of JSON, at 4 bytes per byte (an escape ``\\u00e9`` read back is at
    least 1 byte there for at most 4 sent). Unbounded when the file cannot be measured."""
    try:
        return 4 * batch.path.stat().st_size
    except OSError:
        return 1 << 62


#: A BigQuery job id: "letters (uppercase or lowercase), numbers, underscores (_), or dashes (-)",
#: at most 1,024 characters ("Running jobs programmatically", section "Generating a job ID",
#: https://cloud.google.com/bigquery/docs/running-jobs#generate-jobid).
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,1024}")


def check_log_rows(rows: Sequence[Mapping[str, Any]]) -> None:
    """Raise ``RowSerializationError`` naming the first row whose event type, severity or
    quality tier the live path would refuse (``build_event_row``): a spool file's checksum
    proves it is whole, not that its rows are events. Rows spilled by an older build, or an
    edited file, are quarantined instead of loaded.

    Example::

        check_log_rows([{'event_type': 'source_missing', 'severity': 'critical'}])   # fine
        check_log_rows([{'event_type': 'made_up', 'severity': 'critical'}])   # RowSerializationError: row 0: ...
    """
    checks = (("event_type", parse_event_type), ("severity", parse_severity),
              ("quality_tier_before", parse_tier), ("quality_tier_after", parse_tier))
    for index, row in enumerate(rows):
        for column, parse in checks:
            value = row.get(column)
            if value is None and column.startswith("quality_"):
                continue
            try:
                parse(value)
            except ValueError as exc:
                raise RowSerializationError(f"row {index}: {column}: {exc}") from None


def _distinct_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without a repeated ``event_id`` (the first kept): an event is logged once."""
    seen: set[Any] = set()
    distinct = []
    for row in rows:
        event_id = row.get("event_id")
        if event_id is not None:
            if event_id in seen:
                continue
            seen.add(event_id)
        distinct.append(row)
    return distinct


def replay_dead_letters(
    client: Any,
    spool: DeadLetterSpool,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    sleep: Callable[[float], None] = time.sleep,
    tables: Iterable[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ReplayReport:
    """Replay every pending file in ``spool``, each on its own.

    A file that fails to load (warehouse trouble) stays for the next run; a damaged file, or
    one naming a table outside ``tables`` (default :func:`allowed_replay_tables`), moves to
    ``quarantine/`` with a reason; a file another replay is working on is skipped. Complete
    ``.tmp`` leftovers of a killed spill are renamed and replayed; partial ones quarantined.

    Example::

        replay_dead_letters(client, DeadLetterSpool()).files_replayed
    """
    allowed = frozenset(validate_table_id(t) for t in tables) if tables is not None else allowed_replay_tables()
    report = ReplayReport()
    # At most 5 loads per table per 10 s where the warehouse limits that rate (BigQuery; not the
    # embedded warehouse, which says so: DuckDBClient.limits_table_update_rate).
    pacer = TablePacer(clock, sleep) if getattr(client, "limits_table_update_rate", True) is not False else None
    for temp in spool.temporary_files():
        moved, what = spool.recover_temporary(temp)
        if moved is None:
            continue
        report.temporaries[str(temp)] = f"{what}: {moved}"
        if what == "quarantined":
            report.files_quarantined[str(temp)] = "incomplete spill left by a killed process"
        logger.warning("leftover spill %s %s (%s)", temp, what, moved)
    for path in spool.files():
        with spool.claim(path) as mine:
            if not mine:
                report.files_skipped.append(str(path))
                continue
            try:
                batch = spool.read(path)
            except DamagedSpoolFile as exc:
                _quarantine(spool, report, path, str(exc))
                continue
            except OSError as exc:
                report.files_failed[str(path)] = f"{type(exc).__name__}: {exc}"
                continue
            if not isinstance(batch.job_id, str) or not _JOB_ID.fullmatch(batch.job_id):
                _quarantine(spool, report, path, f"job id {str(batch.job_id)[:80]!r} is not one BigQuery accepts "
                                                 "(letters, digits, '_' and '-', at most 1,024): the file was altered")
                continue
            table = _valid_table_or_none(batch.table)
            if table not in allowed:
                _quarantine(spool, report, path, f"table {batch.table!r} is not on the replay allow-list "
                                                 f"{sorted(allowed)} (set {ENV_REPLAY_TABLES} to add one)")
                continue
            if table in report.quota_exhausted:
                report.files_waiting[str(path)] = table
                continue
            try:
                loaded, present = replay_batch(client, batch, policy=policy, sleep=sleep,
                                               before_load=partial(pacer.wait, str(table)) if pacer else None)
            except RowSerializationError as exc:
                _quarantine(spool, report, path, f"rows do not fit the coverage log: {exc}")
                continue
            except ValueError as exc:
                # The file's own content, not the warehouse's state: a value no conversion can
                # take (a timestamp in year 10000) would fail the same way every night. Set
                # aside with the reason instead. A warehouse's refusal (a 400: a table of
                # another shape, which an operator can fix) keeps the file for the next replay.
                _quarantine(spool, report, path, f"the rows cannot be loaded as they are: {type(exc).__name__}: {exc}")
                continue
            except Exception as exc:
                if is_quota_exhausted(exc):
                    # Not the file's fault, and not worth trying its table again in this run.
                    report.quota_exhausted[str(table)] = f"{type(exc).__name__}: {exc}"
                    report.files_waiting[str(batch.path)] = str(table)
                    logger.error("replay of %s stopped: %s's quota is used up (%s)", batch.path, table, log_safe(exc))
                    continue
                report.files_failed[str(batch.path)] = f"{type(exc).__name__}: {exc}"
                logger.error("replay of %s failed: %s", batch.path, log_safe(exc))
                continue
            spool.mark_replayed(batch)
        report.files_replayed.append(str(batch.path))
        report.rows_loaded += loaded
        report.rows_already_present += present
    return report


def _valid_table_or_none(table: str) -> str | None:
    """``validate_table_id(table)``, or None when it is not a valid table id."""
    try:
        return validate_table_id(table)
    except InvalidIdentifierError:
        return None


def _quarantine(spool: DeadLetterSpool, report: ReplayReport, path: Path, reason: str) -> None:
    target = spool.quarantine(path, reason)
    report.files_quarantined[str(path)] = reason
    logger.error("quarantined %s -> %s: %s", path, target, log_safe(reason))


def _report_data(spool: DeadLetterSpool, report: ReplayReport) -> dict[str, Any]:
    """The ``--json`` result of ``coverage-replay``."""
    return {"directory": str(spool.directory.resolve()), "files_replayed": report.files_replayed,
            "rows_loaded": report.rows_loaded, "rows_already_present": report.rows_already_present,
            "files_failed": report.files_failed, "files_quarantined": report.files_quarantined,
            "files_busy": list(report.files_skipped), "leftovers": report.temporaries,
            "files_waiting_for_quota": report.files_waiting, "quota_exhausted": report.quota_exhausted}


def replay_outcome(spool: DeadLetterSpool, client: Any | None) -> Any:
    """Replay ``spool`` into ``client``: what ``coverage-replay`` prints (an ``Outcome``).

    ``client`` None: the spool's directory does not exist, nothing was ever spilled. Each file
    that failed or was quarantined is a critical finding; problems go to stderr, one line each.

    Example::

        replay_outcome(DeadLetterSpool('/var/spool/coverage'), make_client()).text
    """
    from shared_services.cli import Outcome

    if client is None:
        text = f"no dead-letter directory {spool.directory.resolve()}: nothing was ever spilled, nothing to replay"
        return Outcome(text=text, data=_report_data(spool, ReplayReport()))
    previous, logger.disabled = logger.disabled, True  # each problem is printed once, below
    try:
        report = replay_dead_letters(client, spool)
    finally:
        logger.disabled = previous
    summary = (f"replayed {len(report.files_replayed)} file(s) from {spool.directory.resolve()}: "
               f"{report.rows_loaded} row(s) loaded, {report.rows_already_present} already present; "
               f"{len(report.files_failed)} failed, {len(report.files_quarantined)} quarantined, "
               f"{len(report.files_skipped)} busy" + (f", {len(report.files_waiting)} waiting for a quota"
                                                      if report.files_waiting else ""))
    # Problems go to stderr, one line each (stdout stays the summary, or JSON with --json).
    problems = [f"FAILED {path}: {log_safe(error)}" for path, error in report.files_failed.items()]
    problems += [f"QUARANTINED {path}: {log_safe(reason)}" for path, reason in report.files_quarantined.items()]
    problems += [f"LEFTOVER {path}: {log_safe(what)}" for path, what in report.temporaries.items()]
    for table, error in report.quota_exhausted.items():  # one line per table, however many files wait
        waiting = sum(1 for waits_for in report.files_waiting.values() if waits_for == table)
        problems.append(f"WAITING {waiting} file(s) for {table}: a BigQuery quota is used up ({log_safe(error, 300)}); "
                        "they stay in the spool: run coverage-replay again after it refills, in 10 minutes or more")
    for line in problems:
        print(line, file=sys.stderr, flush=True)
    return Outcome(text=summary, data=_report_data(spool, report),
                   found=["critical"] * (len(report.files_failed) + len(report.files_quarantined)
                                         + len(report.quota_exhausted)))


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
