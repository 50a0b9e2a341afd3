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
"""

from __future__ import annotations

import argparse
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

import pandas as pd
from google.cloud.bigquery import SchemaField

from shared_services.bigquery.schemas import table_spec
from shared_services.bigquery.statements import (
    LIBRARY_PACKAGES,
    LibraryStatement,
    StatementContext,
    replace_rows_statement,
    statement_factory,
)
from shared_services.bigquery.writer import replace_rows

__all__ = ["AnalyticsProcessorBase", "run_daily_command"]


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
        try:
            self.extract_data()
            self.validate_extracted_data()
            self.transform_data()
            self.save_data()
            return self.stats
        except Exception as exc:
            self.logger.exception("%s run %s failed", type(self).__name__, self.run_id)
            self._report_failure(exc)
            raise
        finally:
            flush = getattr(self, "flush_events", None)
            if callable(flush):
                try:
                    flush()
                except Exception:  # flush never raises by contract; belt and braces
                    self.logger.exception("flushing coverage events failed")

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
        records = df.to_dict("records")
        return replace_rows(self.bq_client, target, records, fields, keys, partition_field)


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
    """The shared ``main()`` of the one-date processor commands (``--date D [--warehouse URL]``).

    Bad dates and bad warehouse URLs are usage errors (exit 2) that name the argument.

    Example::

        def main(argv=None):
            return run_daily_command(MyProcessor, argv, prog='my-processor', description='...',
                                     summarize=lambda stats, day: f"{stats['rows_written']} rows")
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--date", required=True, help=date_help)
    parser.add_argument("--warehouse", help="warehouse URL (default $COVERAGE_WAREHOUSE or duckdb:///coverage.duckdb)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from shared_services.bigquery.factory import make_client
    from shared_services.utils.dates import parse_game_date

    try:
        day = parse_game_date(args.date, "--date")
        client = make_client(args.warehouse)
    except ValueError as exc:
        parser.error(str(exc))
    stats = processor_cls(bq_client=client).run({opts_key: day})
    print(summarize(stats, day))
    return 0
