"""``coverage-audit``: run the audit from a shell or cron.

    coverage-audit [--date D | --start D --end D] [--dry-run] [--warehouse URL]
                   [--config FILE] [--json] [--fail-on critical|warning|never] [--heal]

``--heal`` re-runs the registered processors of every never-processed game found, re-audits
and resolves what is now normal (see :mod:`data_processors.source_coverage_audit.heal`); with
``--dry-run`` it prints the plan only. The exit status then reflects the state after healing.

Exit status: 0 when the audit ran and found nothing at or above ``--fail-on`` (default
critical), 1 when it did, 2 for bad usage or configuration.

Example crontab line (07:00 UTC, after the last West Coast games)::

    0 7 * * * COVERAGE_WAREHOUSE=bigquery://my-project coverage-audit --fail-on critical
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from google.api_core.exceptions import NotFound

from data_processors.source_coverage_audit.config import AuditConfigError, load_audit_tables
from data_processors.source_coverage_audit.processor import (
    AuditResult,
    SourceCoverageAuditProcessor,
)
from shared_services.utils.dates import parse_game_date

__all__ = ["main", "render_table"]

_FAIL_ON = {"critical": ("critical",), "warning": ("critical", "warning"), "never": ()}


def render_table(result: AuditResult) -> str:
    """A readable text table of the findings, issues first."""
    lines = [
        f"Source coverage audit {result.start_date} .. {result.end_date}"
        + ("  [DRY RUN: nothing written or sent]" if result.dry_run else ""),
        f"{result.games_checked} final game(s) checked, {result.issues_found} issue(s); "
        + ", ".join(f"{k} {v}" for k, v in result.by_status().items() if v),
        "",
    ]
    if not result.findings:
        lines.append("No final games scheduled in this range.")
        return "\n".join(lines)
    header = f"{'game_id':<14} {'date':<10} {'status':<19} {'severity':<8} {'action':<10} missing tables"
    lines += [header, "-" * len(header)]
    order = {"critical": 0, "warning": 1, "info": 2}
    for f in sorted(result.findings, key=lambda f: (order.get(f.severity, 3), f.game_date, f.game_id)):
        lines.append(f"{f.game_id[:14]:<14} {f.game_date.isoformat():<10} {f.status:<19} {f.severity:<8} "
                     f"{f.action:<10} {', '.join(f.missing_tables) or '-'}")
    lines.append("")
    lines.append(f"queries: {result.queries_issued}, events written: {result.events_written}, "
                 f"resolved: {result.resolved}, alerts: {result.alerts_sent}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-audit``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="coverage-audit",
        description="Reconcile the schedule against the coverage log and the data tables.",
    )
    when = parser.add_argument_group("dates (default: yesterday in America/Los_Angeles)")
    when.add_argument("--date", help="audit one date, YYYY-MM-DD")
    when.add_argument("--start", help="first date of a range, YYYY-MM-DD")
    when.add_argument("--end", help="last date of a range, YYYY-MM-DD")
    parser.add_argument("--dry-run", action="store_true", help="report only: write and notify nothing")
    parser.add_argument("--warehouse", help="warehouse URL (default $COVERAGE_WAREHOUSE or duckdb:///coverage.duckdb)")
    parser.add_argument("--config", help="YAML or TOML file with the checked tables")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--fail-on", choices=sorted(_FAIL_ON), default="critical",
                        help="exit 1 when a finding at or above this severity exists (default critical)")
    parser.add_argument("--heal", action="store_true",
                        help="re-run the registered processors of never-processed games, then re-audit")
    args = parser.parse_args(argv)

    try:
        if args.date and (args.start or args.end):
            raise ValueError("use either --date or --start/--end, not both")
        if bool(args.start) != bool(args.end):
            raise ValueError("--start and --end go together")
        date_arg = parse_game_date(args.date, "--date") if args.date else None
        start = parse_game_date(args.start, "--start") if args.start else None
        end = parse_game_date(args.end, "--end") if args.end else None
        if start and end and end < start:
            raise ValueError(f"--end {end} is before --start {start}")
        tables = load_audit_tables(args.config) if args.config else None
        from shared_services.bigquery.factory import make_client

        client = make_client(args.warehouse)
        audit = SourceCoverageAuditProcessor(bq_client=client, dry_run=args.dry_run, tables=tables)
        healer = None
        if args.heal:
            from data_processors.source_coverage_audit.heal import CoverageHealer

            healer = CoverageHealer(audit)
    except (ValueError, AuditConfigError) as exc:
        print(f"coverage-audit: error: {exc}", file=sys.stderr)
        return 2

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = audit.run_audit(start, end) if start and end else audit.run_daily_audit(date_arg)
    except NotFound as exc:
        print(f"coverage-audit: error: {exc.message}; run coverage-setup on this warehouse first", file=sys.stderr)
        return 2
    findings = {f.game_id: f for f in result.findings}
    if healer is None:
        print(json.dumps(result.to_dict(), indent=2) if args.json else render_table(result))
    else:
        healed = healer.heal_findings(result)
        if healed.reaudit is not None:
            findings.update({f.game_id: f for f in healed.reaudit.findings})
        if args.json:
            print(json.dumps({**result.to_dict(), "heal": healed.to_dict()}, indent=2))
        else:
            print(render_table(result) + "\n\n" + healed.render())
    failing = _FAIL_ON[args.fail_on]
    return 1 if any(f.severity in failing for f in findings.values() if f.is_issue) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
