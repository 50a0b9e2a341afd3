"""``coverage-report``: a self-contained HTML source coverage report.

The report is :mod:`data_processors.reporting.html_report` (imported when the command runs,
after the arguments and the warehouse URL were checked).

Example::

    coverage-report --start 2025-01-10 --end 2025-01-16 --warehouse duckdb:///demo_out/demo.duckdb
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from shared_services.cli import Command, Context, Outcome, UsageError, cli_date, option

__all__ = ["COMMAND", "check_report_path", "main"]


#: How every page :func:`render_report` writes begins (checked before one is overwritten).
_PAGE_START = b"<!doctype html>"


def check_report_path(out: str | Path) -> Path:
    """``out`` as a path the report may be written to; ``ValueError`` naming it otherwise.

    A report replaces only an earlier report: an existing file that is not one (a warehouse
    given by mistake, ``--out w.duckdb``) is refused, as is a directory.

    Example::

        check_report_path('coverage_report.html')   # Path('coverage_report.html')
        check_report_path('demo_out/demo.duckdb')   # ValueError: ... exists and is not an HTML report
    """
    path = Path(out)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; give a file name, e.g. {path / 'coverage_report.html'}")
    if path.exists():
        try:
            with path.open("rb") as existing:
                start = existing.read(len(_PAGE_START)).lower()
        except OSError as exc:
            raise ValueError(f"{path} exists and cannot be read ({exc.strerror}); choose another file") from None
        if start != _PAGE_START:
            raise ValueError(f"{path} exists and is not an HTML report (a warehouse or another file?); "
                             "it is left as it is: choose another file name")
    return path


def _run(ctx: Context) -> Outcome:
    args = ctx.args
    if args.end < args.start:
        raise UsageError(f"--end {args.end} is before --start {args.start}")
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise UsageError(f"--now: {args.now!r} is not an ISO-8601 time") from None
        if now.tzinfo is None:
            raise UsageError("--now needs a UTC offset, e.g. 2025-01-17T15:00:00+00:00")
    try:
        check_report_path(args.out)  # before the warehouse is opened: --out must not be one
    except ValueError as exc:
        raise UsageError(f"--out: {exc}") from None
    client = ctx.client()
    from data_processors.reporting.html_report import write_report

    path = write_report(client, args.start, args.end, args.out, now)
    return Outcome(text=f"wrote {path}", data={"report_path": str(path), "start": args.start.isoformat(),
                                               "end": args.end.isoformat()})


COMMAND = Command(
    name="coverage-report",
    summary="Write a self-contained HTML source coverage report.",
    example="coverage-report --start 2025-01-10 --end 2025-01-16 "
            "--warehouse duckdb:///demo_out/demo.duckdb --out report.html",
    run=_run,
    options=(
        option("--start", type=cli_date, required=True, metavar="YYYY-MM-DD", help="first game date"),
        option("--end", type=cli_date, required=True, metavar="YYYY-MM-DD", help="last game date"),
        option("--out", default="coverage_report.html", metavar="FILE",
               help="output file (default coverage_report.html)"),
        option("--now", metavar="TIME",
               help="reference time for 'open for' ages, ISO-8601 with offset (default now)"),
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-report``; returns the exit status (2 for bad usage)."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
