"""The command of a one-date processor (``--date D``), declared without importing the processor.

Example::

    COMMAND = daily_command('my_package.my_module:MyProcessor', prog='my-processor',
                            description='Run my phase.',
                            summarize=lambda stats, day: f"{stats['rows_written']} rows")
    main = COMMAND.main
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from shared_services.cli import (
    Command,
    Context,
    Outcome,
    UsageError,
    cli_date,
    format_counts,
    option,
)
from shared_services.utils.dates import MAX_SPAN_DAYS, check_span

if TYPE_CHECKING:
    from data_processors.analytics.analytics_base import AnalyticsProcessorBase

__all__ = ["daily_command", "phase3_summary", "plain_stats"]


def plain_stats(value: Any) -> Any:
    """JSON-ready copy of processor stats (enums by value, dates as ISO text).

    Example::

        plain_stats({'date': date(2025, 1, 15), 'tiers': {QualityTier.GOLD: 3}})
        # {'date': '2025-01-15', 'tiers': {'gold': 3}}
    """
    if isinstance(value, Mapping):
        return {str(getattr(k, "value", k)): plain_stats(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain_stats(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


def phase3_summary(stats: Mapping[str, Any], day: date) -> str:
    """The one-line summary of a phase 3 run (player and team game summaries).

    Example::

        phase3_summary({'games_scheduled': 2, 'games_with_data': 2, 'rows_written': 40,
                        'game_tiers': {'a': 'gold', 'b': 'gold'}}, date(2025, 1, 15))
        # '2 final game(s), 2 with data, 40 row(s) written; tiers: gold 2'
    """
    return (f"{stats.get('games_scheduled', 0)} final game(s), {stats.get('games_with_data', 0)} with data, "
            f"{stats.get('rows_written', 0)} row(s) written; tiers: {format_counts(stats.get('game_tiers', {}).values())}")


def _processor_class(processor: type[AnalyticsProcessorBase] | str) -> type[AnalyticsProcessorBase]:
    if not isinstance(processor, str):
        return processor
    module, _, name = processor.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def daily_command(
    processor: type[AnalyticsProcessorBase] | str,
    *,
    prog: str,
    description: str,
    summarize: Callable[[dict[str, Any], date], str],
    opts_key: str = "game_date",
    date_help: str = "game date, YYYY-MM-DD",
    through: bool = False,
) -> Command:
    """The :class:`~shared_services.cli.Command` of a one-date processor (``--date D``).

    With ``through=True`` (a processor whose ``run()`` takes ``start_date`` / ``end_date``, as
    the phase 3 ones do) it also has ``--through D2``: every date from ``--date`` through ``D2``
    in one run, a backfill (``--through`` before ``--date`` or a span over the limit is a
    usage error, exit 2, before the warehouse is opened).

    ``processor`` is the processor class, or ``'package.module:Class'``: then its module (and
    pandas, the SDK) is imported only when the command runs, after the warehouse was opened,
    so ``--help`` and usage errors stay fast. ``--json`` prints the run's stats; bad dates and
    warehouse URLs are usage errors (exit 2), a DuckDB warehouse file that does not exist is
    refused (nothing is created).

    Example::

        COMMAND = daily_command(MyProcessor, prog='my-processor', description='Run my phase.',
                                summarize=lambda stats, day: f"{stats['rows_written']} rows")
        main = COMMAND.main
    """

    def _run(ctx: Context) -> Outcome:
        day: date = ctx.args.date
        last: date | None = getattr(ctx.args, "through", None)
        opts: dict[str, Any] = {opts_key: day}
        if last is not None:
            try:  # before the warehouse is opened: a usage error (exit 2) names both options
                check_span(day, last, "--date", "--through")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            opts = {"start_date": day, "end_date": last}
        client = ctx.client()
        stats = _processor_class(processor)(bq_client=client).run(opts)
        data = {"date": day, **({"through": last} if last is not None else {}), **stats}
        return Outcome(text=summarize(stats, day), data=plain_stats(data))

    options = [option("--date", type=cli_date, required=True, metavar="YYYY-MM-DD", help=date_help)]
    if through:
        options.append(option(
            "--through", type=cli_date, metavar="YYYY-MM-DD",
            help=f"last date of a backfill: every date from --date through this one in ONE run (one "
                 f"load job for the rows, one for the events; at most {MAX_SPAN_DAYS} days)"))
    return Command(
        name=prog, summary=description, run=_run,
        example=(f"{prog} --date 2024-12-27 --through 2025-01-09 --warehouse duckdb:///demo_out/demo.duckdb"
                 if through else f"{prog} --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb"),
        options=tuple(options),
    )
