"""AnalyticsProcessorBase: the host base class the coverage mixins join.

It stands for the platform's existing phase 3 base. It owns the BigQuery client and the run
lifecycle; the mixins add fallback and quality without touching its ``__init__``::

    class PlayerGameSummaryProcessor(FallbackSourceMixin, QualityMixin, AnalyticsProcessorBase):
        PHASE = 'phase_3'
        OUTPUT_TABLE = 'nba_analytics.player_game_summary'

    processor = PlayerGameSummaryProcessor()          # client from make_client()
    processor.run({'game_date': '2025-01-15'})        # extract -> validate -> transform -> save

``run()`` ALWAYS flushes pending coverage events (in a ``finally``), even when a step raises,
reports the failure through the notification system and re-raises it to the caller.

SIGTERM (sent by ``timeout``, systemd, Cloud Run, Kubernetes) during ``run()`` raises
:class:`ProcessTerminated` (a ``SystemExit`` with code 143 = 128 + SIGTERM) in the main
thread: the steps stop, the pending events are flushed with ONE load attempt (then spilled),
so the grace period is not spent on retries, and the process exits with status 143. A second
SIGTERM during that flush is ignored; SIGKILL cannot be caught (see docs/operations.md).
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from google.cloud.bigquery import ScalarQueryParameter, SchemaField

from data_processors.commands.daily import daily_command
from shared_services.bigquery.schemas import table_spec
from shared_services.bigquery.statements import (
    LIBRARY_PACKAGES,
    LibraryStatement,
    StatementContext,
    replace_rows_statement,
    statement_factory,
)
from shared_services.bigquery.writer import WRITE_CONFLICT_RETRY, replace_rows
from shared_services.events.sink import EventsNotKeptError, RetryPolicy
from shared_services.utils.dates import check_span, parse_game_date
from shared_services.utils.frames import frame_records

__all__ = ["AnalyticsProcessorBase", "ProcessTerminated", "RowsByDate", "RowsByKey", "daily_command",
           "run_daily_command", "run_dates", "span_parameters"]


class ProcessTerminated(SystemExit):
    """SIGTERM arrived during ``run()``; events were flushed on the way out (exit status 143).

    A ``SystemExit``, so ``except Exception`` blocks don't swallow it and an uncaught one ends
    the process with status 143 and no traceback. Catch it to shut down your own way.

    Example::

        try:
            processor.run({'game_date': day})
        except ProcessTerminated:
            cleanup()
            raise
    """

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(128 + int(signum))
        self.signum = int(signum)


class _SigtermGuard:
    """Turns the first SIGTERM into :class:`ProcessTerminated`; ignores the ones after it.

    Installed only in the main thread and only over the default handler (an application's
    own SIGTERM handler is left alone).
    """

    def __init__(self) -> None:
        self.installed = False
        self.received = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.received:
            logging.getLogger(__name__).warning("second SIGTERM ignored: still flushing coverage events")
            return
        self.received = True
        raise ProcessTerminated(signum)

    def __enter__(self) -> _SigtermGuard:
        if threading.current_thread() is threading.main_thread():
            try:
                current = signal.getsignal(signal.SIGTERM)
                if current in (signal.SIG_DFL, None):
                    self._previous = current
                    signal.signal(signal.SIGTERM, self._handle)
                    self.installed = True
            except (ValueError, OSError):  # pragma: no cover - e.g. an embedded interpreter
                self.installed = False
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.installed:
            signal.signal(signal.SIGTERM, self._previous if self._previous is not None else signal.SIG_DFL)
            self.installed = False


class AnalyticsProcessorBase:
    """Base for batch processors: client, run id, quality issues, source metadata, lifecycle.

    Subclasses implement the steps they need (each defaults to doing nothing)::

        class MyProcessor(AnalyticsProcessorBase):
            OUTPUT_TABLE = 'nba_analytics.team_offense_game_summary'

            def extract_data(self): self.raw = ...
            def transform_data(self): self.transformed = ...
            def save_data(self): self.load_dataframe_batch(self.transformed, self.OUTPUT_TABLE)
    """

    #: Pipeline phase written on every event ('phase_3' analytics).
    PHASE: ClassVar[str] = "phase_3"
    #: The table this processor writes (``dataset.table``).
    OUTPUT_TABLE: ClassVar[str | None] = None
    #: Columns identifying the slice a write replaces (idempotency): all rows of these keys.
    REPLACE_KEY_COLUMNS: ClassVar[Sequence[str]] = ("game_id",)
    #: How :meth:`load_dataframe_batch` retries a write BigQuery cancelled because another job
    #: (another instance of this processor, a backfill) updated the table at the same time
    #: (see :mod:`shared_services.bigquery.writer`).
    WRITE_CONFLICT_RETRY: ClassVar[RetryPolicy] = WRITE_CONFLICT_RETRY

    def __init__(self, bq_client: Any = None, **options: Any) -> None:
        if bq_client is None:
            from shared_services.bigquery.factory import make_client

            bq_client = make_client(options.get("warehouse"))
        self.bq_client = bq_client
        self.options: dict[str, Any] = dict(options)
        self.run_id: str = str(options.get("run_id") or uuid.uuid4())
        self.quality_issues: list[str] = []
        self.source_metadata: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}
        self.opts: dict[str, Any] = {}
        self.logger = logging.getLogger(f"{type(self).__module__}.{type(self).__name__}")

    # -- lifecycle ----------------------------------------------------------------------
    def extract_data(self) -> None:
        """Read inputs (override)."""

    def validate_extracted_data(self) -> None:
        """Check inputs; raise ``ValueError`` for unusable input (override)."""

    def transform_data(self) -> None:
        """Build the output rows (override)."""

    def save_data(self) -> None:
        """Write the output rows (override; use :meth:`load_dataframe_batch`)."""

    def run(self, opts: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run extract -> validate -> transform -> save; always flush events; re-raise failures.

        Returns ``self.stats`` (what the steps recorded) on success.

        Example::

            stats = processor.run({'game_date': '2025-01-15'})
        """
        self.opts = dict(opts or {})
        self.stats = {"run_id": self.run_id}
        completed = False
        with _SigtermGuard() as guard:
            try:
                self.extract_data()
                self.validate_extracted_data()
                self.transform_data()
                self.save_data()
                completed = True
                return self.stats
            except Exception as exc:
                self.logger.exception("%s run %s failed", type(self).__name__, self.run_id)
                self._report_failure(exc)
                raise
            finally:
                if guard.received:
                    self.logger.warning("%s run %s: SIGTERM received; flushing coverage events, then exiting",
                                        type(self).__name__, self.run_id)
                    # The grace period is short: one load attempt, then the spool.
                    self.FLUSH_RETRY_POLICY = RetryPolicy(max_attempts=1)
                flush = getattr(self, "flush_events", None)
                if callable(flush):
                    try:
                        flush()
                    except Exception:  # flush never raises by contract; belt and braces
                        self.logger.exception("flushing coverage events failed")
                if completed:
                    self._raise_if_events_not_kept()

    def _raise_if_events_not_kept(self) -> None:
        stats = getattr(self, "coverage_stats", None)
        not_kept = int(stats.get("events_not_kept") or 0) if isinstance(stats, dict) else 0
        if not_kept:
            raise EventsNotKeptError(
                f"{not_kept} coverage event(s) could not be written to the warehouse or the dead-letter "
                "spool and are lost; check the warehouse and $COVERAGE_DEAD_LETTER_DIR")

    def _report_failure(self, exc: BaseException) -> None:
        from shared_services.utils.notification_system import notify_error

        try:
            notify_error(
                title=f"{type(self).__name__} failed",
                message=f"{type(exc).__name__}: {exc}",
                details={"run_id": self.run_id, "opts": self.opts, "phase": self.PHASE},
                processor_name=type(self).__name__,
            )
        except Exception:
            self.logger.exception("could not report the failure")

    # -- writing ------------------------------------------------------------------------
    def output_schema(self, table: str) -> list[SchemaField]:
        """The schema of ``table`` (known tables from the schema registry, else the warehouse)."""
        try:
            return list(table_spec(table).schema)
        except KeyError:
            return list(self.bq_client.get_table(table).schema)

    def save_output(self, frame: pd.DataFrame) -> int:
        """Write ``frame`` to ``OUTPUT_TABLE`` (nothing when it is empty); returns rows written.

        Example::

            def save_data(self):
                self.stats['rows_written'] = self.save_output(self.transformed)
        """
        return self.load_dataframe_batch(frame, self.OUTPUT_TABLE) if not frame.empty else 0

    def load_dataframe_batch(
        self,
        df: pd.DataFrame,
        table: str | None = None,
        schema: Sequence[SchemaField] | None = None,
        key_columns: Sequence[str] | None = None,
        partition_field: str | None = None,
    ) -> int:
        """Write ``df`` with ONE batch load job and an atomic replace of the same keys.

        Re-processing a game replaces its rows instead of duplicating them. The schema is
        explicit (the table's registered schema by default); columns not in it are an error.
        A replace BigQuery cancels for another job's concurrent update runs again
        (:attr:`WRITE_CONFLICT_RETRY`); when the table stays busy,
        :class:`~shared_services.bigquery.writer.WriteConflictError` with nothing written.

        Example::

            processor.load_dataframe_batch(frame, 'nba_analytics.player_game_summary')
        """
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
        target = table or self.OUTPUT_TABLE
        if not target:
            raise ValueError(f"{type(self).__name__}: no table given and OUTPUT_TABLE is not set")
        fields = list(schema) if schema is not None else self.output_schema(target)
        if partition_field is None:
            try:
                partition_field = table_spec(target).partition_field
            except KeyError:
                partition_field = None
        keys = list(key_columns or self.REPLACE_KEY_COLUMNS)
        records = frame_records(df)
        return replace_rows(self.bq_client, target, records, fields, keys, partition_field,
                            conflict_retry=self.WRITE_CONFLICT_RETRY)


@statement_factory("write")
def _write_statements(context: StatementContext) -> Iterator[LibraryStatement]:
    """The replace statement ``load_dataframe_batch`` sends for each library processor's table."""
    seen: set[str] = set()
    pending: list[type[AnalyticsProcessorBase]] = [AnalyticsProcessorBase]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.OUTPUT_TABLE or not cls.__module__.startswith(LIBRARY_PACKAGES):
            continue
        keys = list(cls.REPLACE_KEY_COLUMNS)
        name = f"write.{cls.OUTPUT_TABLE}[{','.join(keys)}]"
        if name not in seen:
            seen.add(name)
            yield replace_rows_statement(name, cls.OUTPUT_TABLE, keys)


def run_daily_command(
    processor_cls: type[AnalyticsProcessorBase],
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str,
    summarize: Callable[[dict[str, Any], date], str],
    opts_key: str = "game_date",
    date_help: str = "game date, YYYY-MM-DD",
) -> int:
    """Run :func:`daily_command`'s command on ``argv``; returns the exit status.

    Example::

        def main(argv=None):
            return run_daily_command(MyProcessor, argv, prog='my-processor', description='...',
                                     summarize=lambda stats, day: f"{stats['rows_written']} rows")
    """
    return daily_command(processor_cls, prog=prog, description=description, summarize=summarize,
                         opts_key=opts_key, date_help=date_help).main(argv)


class RowsByKey:
    """One frame's rows by the value of one column, read many times (a day's rows per game).

    ``rows(value)`` is ``frame[frame[column] == value].reset_index(drop=True)`` - the same
    rows in the same order, the same columns and dtypes - without comparing the whole column
    and copying every column for each value: the positions of each value are found once, and
    a value whose rows are contiguous (a query ordered by the column) is a slice. A value that
    is not a ``str``, or a column that is not a string or object column (where ``==`` could
    mean something else, or give NA), takes the comparison itself.

    Example::

        games = RowsByKey(box_scores, 'game_id')
        games.rows('0022400561')          # that game's rows, index 0..n-1
    """

    __slots__ = ("frame", "column", "_positions")

    def __init__(self, frame: pd.DataFrame, column: str) -> None:
        self.frame = frame
        self.column = column
        self._positions: dict[str, list[int]] | None = None
        values = frame[column]
        dtype = values.dtype
        if (isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA) or dtype == np.dtype(object):
            positions: dict[str, list[int]] = {}
            for index, value in enumerate(values.tolist()):
                if isinstance(value, str):  # missing values (NaN / None) never equal a str
                    positions.setdefault(value, []).append(index)
            self._positions = positions

    def rows(self, value: Any, reset_index: bool = True) -> pd.DataFrame:
        """The rows whose column equals ``value``, re-indexed from 0 (with ``reset_index=False``
        keeping the frame's own index labels, as ``frame[frame[column] == value]`` does)."""
        frame = self.frame
        if self._positions is None or type(value) is not str:
            found_rows = frame[frame[self.column] == value]
        else:
            found = self._positions.get(value)
            if not found:
                found_rows = frame.iloc[0:0]
            elif found[-1] - found[0] + 1 == len(found):
                found_rows = frame.iloc[found[0]:found[-1] + 1]
            else:
                found_rows = frame.take(found)
        return found_rows.reset_index(drop=True) if reset_index else found_rows


def run_dates(opts: Mapping[str, Any], date_option: str = "game_date") -> tuple[date, date]:
    """The first and last game date of a run: ``opts[date_option]`` alone (one day), or
    ``opts['start_date']`` .. ``opts['end_date']`` (both included, at most
    :data:`~shared_services.utils.dates.MAX_SPAN_DAYS`).

    Errors are ``ValueError`` naming the option. A one-day span is exactly a ``game_date`` run.

    Example::

        run_dates({'game_date': '2025-01-15'})                                  # (Jan 15, Jan 15)
        run_dates({'start_date': '2024-12-27', 'end_date': '2025-01-09'})       # 14 days, one run
    """
    has_day = date_option in opts
    has_span = "start_date" in opts or "end_date" in opts
    if has_day and has_span:
        raise ValueError(f"run() takes opts[{date_option!r}] or opts['start_date'] and opts['end_date'], not both")
    if has_day:
        day = parse_game_date(opts[date_option], date_option)
        return day, day
    if not has_span:
        raise ValueError(f"run() needs opts[{date_option!r}] (YYYY-MM-DD), or opts['start_date'] and "
                         "opts['end_date'] for a span of days")
    missing = [name for name in ("start_date", "end_date") if name not in opts]
    if missing:
        raise ValueError(f"run() needs opts[{missing[0]!r}] too: a span of days has both start_date and end_date")
    start = parse_game_date(opts["start_date"], "start_date")
    end = parse_game_date(opts["end_date"], "end_date")
    check_span(start, end)
    return start, end


def span_parameters(start: date, end: date) -> list[ScalarQueryParameter]:
    """The ``@start_date`` / ``@end_date`` DATE query parameters of a run's span.

    Example::

        config = bigquery.QueryJobConfig(query_parameters=span_parameters(*run_dates(opts)))
    """
    return [ScalarQueryParameter("start_date", "DATE", start), ScalarQueryParameter("end_date", "DATE", end)]


class RowsByDate:
    """One frame's rows by (date, key): what a one-day query of the same table would give per key.

    A run over a span of days reads a source once for the whole span; ``rows(day, key)`` is
    ``RowsByKey(<that day's rows>, key_column).rows(key)``: the rows of ``key`` filed under
    ``day`` only (a game whose rows were filed under another day is not found on this one, as
    a one-day run would not find it), in the frame's order, with that day's index labels
    (0..n-1 of the day's rows, as a one-day query numbers them).

    Example::

        box = RowsByDate(team_rows, 'game_date', 'game_id')
        box.rows(date(2025, 1, 15), '20250115_LAL_BOS')
    """

    __slots__ = ("_by_date", "_empty")

    def __init__(self, frame: pd.DataFrame, date_column: str, key_column: str) -> None:
        positions: dict[date, list[int]] = {}
        for index, value in enumerate(frame[date_column].tolist()):
            if value is not None and value is not pd.NaT and value == value:  # NULL dates match no day
                positions.setdefault(parse_game_date(value, date_column), []).append(index)
        self._empty = frame.iloc[0:0]
        self._by_date: dict[date, RowsByKey] = {}
        for day, found in positions.items():
            part = frame.iloc[found[0]:found[-1] + 1] if found[-1] - found[0] + 1 == len(found) else frame.take(found)
            self._by_date[day] = RowsByKey(part.reset_index(drop=True), key_column)

    def dates(self) -> list[date]:
        """The dates that have rows, oldest first."""
        return sorted(self._by_date)

    def day(self, day: date) -> pd.DataFrame:
        """Every row filed under ``day`` (index 0..n-1; no rows: the frame's columns, empty)."""
        index = self._by_date.get(day)
        return self._empty if index is None else index.frame

    def rows(self, day: date, key: Any, reset_index: bool = True) -> pd.DataFrame:
        """The rows of ``key`` filed under ``day`` (see the class docstring)."""
        index = self._by_date.get(day)
        if index is None:
            return self._empty.reset_index(drop=True) if reset_index else self._empty
        return index.rows(key, reset_index=reset_index)
