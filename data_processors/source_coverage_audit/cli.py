"""``coverage-audit``: run the audit from a shell or cron.

    coverage-audit [--date D | --start D --end D] [--dry-run] [--warehouse URL]
                   [--config FILE] [--json] [--fail-on critical|warning|never] [-q] [-v] [--heal]

``--heal`` re-runs the registered processors of every never-processed game found, re-audits
and resolves what is now normal (see :mod:`data_processors.source_coverage_audit.heal`); with
``--dry-run`` it prints the plan only. The exit status then reflects the state after healing.

Exit status (as every command): 0 the audit ran and found nothing at or above ``--fail-on``
(default critical), 1 it did, 2 bad usage or configuration, 3 environment error. When to run
it from cron is in docs/operations.md ("The nightly audit").
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from shared_services.cli import Command, Context, Outcome, UsageError, cli_date, option
from shared_services.events.text import log_safe

if TYPE_CHECKING:
    from data_processors.source_coverage_audit.processor import AuditResult

__all__ = ["COMMAND", "main", "render_table"]


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
        # log_safe: a game id holding a newline or terminal escapes stays one line of the table.
        lines.append(f"{log_safe(f.game_id)[:14]:<14} {f.game_date.isoformat():<10} {f.status:<19} {f.severity:<8} "
                     f"{f.action:<10} {', '.join(f.missing_tables) or '-'}")
    lines.append("")
    lines.append(f"queries: {result.queries_issued}, events written: {result.events_written}, "
                 f"resolved: {result.resolved}, alerts: {result.alerts_sent}")
    return "\n".join(lines)


def _run(ctx: Context) -> Outcome:
    args = ctx.args
    if args.date and (args.start or args.end):
        raise UsageError("use either --date or --start/--end, not both")
    if bool(args.start) != bool(args.end):
        raise UsageError("--start and --end go together")
    if args.start and args.end and args.end < args.start:
        raise UsageError(f"--end {args.end} is before --start {args.start}")
    # The audit (pandas, the SDK) loads after the arguments and the warehouse URL were
    # checked: --help and usage errors answer without it (data_processors/commands/__init__.py).
    tables = None
    if args.config:
        from data_processors.source_coverage_audit.config import load_audit_tables

        tables = load_audit_tables(args.config)
    client = ctx.client()
    from data_processors.source_coverage_audit.config import check_tables_exist
    from data_processors.source_coverage_audit.processor import SourceCoverageAuditProcessor

    if tables is not None:
        check_tables_exist(client, tables, source=args.config)
    audit = SourceCoverageAuditProcessor(bq_client=client, dry_run=args.dry_run, tables=tables)
    result = audit.run_audit(args.start, args.end) if args.start else audit.run_daily_audit(args.date)
    if not args.heal:
        return Outcome(text=render_table(result), data=result.to_dict(),
                       found=[f.severity for f in result.findings if f.is_issue])
    from data_processors.source_coverage_audit.heal import CoverageHealer

    healed = CoverageHealer(audit).heal_findings(result)
    # The exit status reflects the state after healing: a healed game is no longer a finding.
    findings = {f.game_id: f for f in result.findings}
    if healed.reaudit is not None:
        findings.update({f.game_id: f for f in healed.reaudit.findings})
    return Outcome(text=render_table(result) + "\n\n" + healed.render(),
                   data={**result.to_dict(), "heal": healed.to_dict()},
                   found=[f.severity for f in findings.values() if f.is_issue])


COMMAND = Command(
    name="coverage-audit",
    summary="Reconcile the schedule against the coverage log and the data tables (the nightly audit).",
    example="coverage-audit --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb --dry-run",
    run=_run,
    fail_on="critical",
    options=(
        option("--date", type=cli_date, metavar="YYYY-MM-DD",
               help="audit one date (default: yesterday in America/Los_Angeles)"),
        option("--start", type=cli_date, metavar="YYYY-MM-DD", help="first date of a range"),
        option("--end", type=cli_date, metavar="YYYY-MM-DD", help="last date of a range (inclusive)"),
        option("--dry-run", action="store_true", help="report only: write and notify nothing"),
        option("--config", metavar="FILE", help="YAML or TOML file with the checked tables"),
        option("--heal", action="store_true",
               help="re-run the registered processors of never-processed games, then re-audit "
                    "(with --dry-run: print the plan only)"),
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-audit``; returns the exit status."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
