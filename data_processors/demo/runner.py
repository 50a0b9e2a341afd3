"""``coverage-demo``: a week of nightly runs on a laptop, faults included, in well under a minute.

What :func:`run_demo` does, in order:

1. creates the warehouse (default: a FRESH ``<out>/demo.duckdb``; any previous file is deleted)
   and every dataset, table and view (``coverage-setup``'s ``ensure_schema``);
2. builds the deterministic slate (:mod:`data_processors.demo.slate`) and loads the schedule;
3. per day: loads the scraped box scores, runs phase 3 (player and team game summaries) for
   the day's final games, flips the late-final games to final, applies the manual backfill,
   then phase 4 (rolling averages for the next day) and phase 5 (the next day's predictions)
   when those processors are installed;
4. audits the whole range (not a dry run; the clock is fixed after the last day);
5. heals what the audit found (:mod:`data_processors.source_coverage_audit.heal`): the
   ``late_final_unprocessed`` game (raw data, never processed) is healed; games whose source
   is still down stay open with a heal-tried event;
6. charges every degraded (not gold) row to the injected fault behind it
   (:mod:`data_processors.demo.attribution`), finds a fault day ``coverage-health`` flags,
   writes the HTML report and returns a :class:`DemoSummary`.

Before the range, ``history_days`` (default 14) clean days are loaded and processed by the
same phase 3 processors (one backfill run each over those days), so players have a full
rolling sample and clean rows reach gold.

No real Slack or email is ever used: for the duration of the run the channel variables
(``SLACK_WEBHOOK_URL*``, ``SMTP_*``, ``ALERT_EMAIL_*``) are removed from the environment and
restored afterwards; alerts are counted with a notification listener instead.

Command line::

    coverage-demo [--warehouse URL] [--days N] [--seed S] [--start YYYY-MM-DD] [--out DIR] [--force]

A folder holding a previous run is refused unless ``--force``, which replaces all of its
outputs together (warehouse, report, manifest, notifications.log, dead letters, summary.json).

Python::

    from data_processors.demo.runner import run_demo
    summary = run_demo(days=3, seed=7, out_dir='demo_out')
    summary.audit_by_status['completely_missing']     # 1
    print(summary.to_text())
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from google.cloud import bigquery

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor import (
    TeamOffenseGameSummaryProcessor,
)
from data_processors.commands.demo import (  # noqa: F401  (the command line lives in a light module)
    COMMAND,
    MAX_DEMO_DAYS,
    main,
)
from data_processors.demo.attribution import attribute_degraded_rows, unexplained_rows
from data_processors.demo.slate import (
    BDL_TABLE,
    DEFAULT_HISTORY_DAYS,
    ESPN_TABLE,
    PRIMARY_TABLE,
    TEAM_TABLE,
    Slate,
    build_slate,
)
from data_processors.reporting.html_report import fetch_tier_counts, write_report
from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from data_processors.source_coverage_audit.heal import CoverageHealer, HealResult
from shared_services.bigquery.factory import parse_warehouse_url
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, SCHEDULE, table_spec
from shared_services.bigquery.statements import SAMPLE_DATE, SAMPLE_TIME, register_statement
from shared_services.cli import format_counts
from shared_services.events.serialization import json_safe_batch
from shared_services.utils import notification_system
from shared_services.utils.dates import parse_game_date

__all__ = ["DemoSummary", "run_demo", "main", "CHANNEL_ENV_VARS"]

#: Environment variables that would make a notification leave the machine (or skip the audit).
CHANNEL_ENV_VARS: tuple[str, ...] = (
    "SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_ERROR", "SLACK_WEBHOOK_URL_WARNING",
    "SLACK_WEBHOOK_URL_INFO", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD",
    "SMTP_STARTTLS", "ALERT_EMAIL_TO", "ALERT_EMAIL_FROM", "ALERT_EMAIL_MIN_LEVEL", "AUDIT_DRY_RUN",
)

#: Optional downstream phases: (label, module, class, opts key); run for the day after each game day.
_DOWNSTREAM = (
    ("phase 4", "data_processors.precompute.player_rolling_average_processor",
     "PlayerRollingAverageProcessor", "analysis_date"),
    ("phase 5", "data_processors.predictions.prediction_generator", "PredictionGenerator", "game_date"),
)

ProgressFn = Callable[[str], Any]


@dataclass
class DemoSummary:
    """What one demo run produced. :meth:`counts` is the deterministic part (same seed, same counts).

    Example::

        summary = run_demo(days=3)
        summary.counts()['audit_by_status']
    """

    seed: int
    start: date
    end: date
    days: int
    warehouse_url: str
    games: int
    future_games: int
    tiers: dict[str, dict[str, int]]
    events_by_type: dict[str, int]
    events_by_severity: dict[str, int]
    alerts: dict[str, int]
    audit_by_status: dict[str, int]
    findings: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    phases_run: list[str]
    report_path: str
    wall_seconds: float = 0.0
    phases_skipped: list[str] = field(default_factory=list)
    history_days: int = 0
    history_games: int = 0
    #: table -> cause (fault kind or 'unexplained') -> tier -> degraded (not gold) rows.
    degraded: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    #: What the heal did: healed / still_open games (with their fault), steps run, events.
    heal: dict[str, Any] = field(default_factory=dict)
    #: A fault day ``coverage-health`` flags: {'date', 'fault', 'checks': {name: status}}.
    health_day: dict[str, Any] = field(default_factory=dict)

    @property
    def health_command(self) -> str:
        """The exact ``coverage-health`` command to try on the fault day (empty if none)."""
        if not self.health_day:
            return ""
        return (f"coverage-health --warehouse {self.warehouse_url} --date {self.health_day['date']} "
                "--fail-on warn")

    @property
    def unexplained_degraded_rows(self) -> int:
        """Degraded rows no injected fault explains (0 for the demo)."""
        return unexplained_rows(self.degraded)

    @property
    def alerts_sent(self) -> int:
        """Alerts (error + warning notifications) that would have gone to Slack / email."""
        return self.alerts.get("error", 0) + self.alerts.get("warning", 0)

    def counts(self) -> dict[str, Any]:
        """Everything except paths and timings: equal for two runs with the same seed."""
        data = asdict(self)
        for volatile in ("warehouse_url", "report_path", "wall_seconds"):
            data.pop(volatile)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data

    @property
    def faults_missed(self) -> list[str]:
        """Ids of the injected faults the audit did not classify as expected (empty for the demo)."""
        caught = {f["game_id"]: f["status"] for f in self.findings}
        return [f["game_id"] for f in self.faults if caught.get(f["game_id"]) != f["expected_status"]]

    def to_data(self) -> dict[str, Any]:
        """What ``coverage-demo --json`` prints and ``<out>/summary.json`` holds: :meth:`counts`
        plus the report path, the wall time and the faults missed.

        Example::

            summary.to_data()['faults_missed']   # []
        """
        return {**self.counts(), "report_path": self.report_path, "wall_seconds": self.wall_seconds,
                "faults_missed": self.faults_missed}

    def to_text(self) -> str:
        """A short human summary."""
        lines = [
            f"Demo {self.start} .. {self.end} (seed {self.seed}): {self.games} final games, "
            f"{self.future_games} scheduled for {self.end + timedelta(days=1)}",
            "Phases run: " + ", ".join(self.phases_run)
            + (f" (not available: {', '.join(self.phases_skipped)})" if self.phases_skipped else ""),
            "Quality tiers (rows):",
        ]
        for table, tiers in self.tiers.items():
            lines.append(f"  {table:<42} " + ", ".join(f"{k} {v}" for k, v in tiers.items() if v) or "none")
        lines.append("Events by type: " + ", ".join(f"{k} {v}" for k, v in sorted(self.events_by_type.items())))
        lines.append("Events by severity: " + ", ".join(f"{k} {v}" for k, v in self.events_by_severity.items()))
        lines.append(f"Alerts that would have been sent: {self.alerts_sent} "
                     f"(error {self.alerts.get('error', 0)}, warning {self.alerts.get('warning', 0)}; "
                     f"info notifications {self.alerts.get('info', 0)})")
        lines.append("Audit findings: " + ", ".join(f"{k} {v}" for k, v in self.audit_by_status.items()))
        lines.append("Injected faults:")
        status = {f["game_id"]: f["status"] for f in self.findings}
        for fault in self.faults:
            got = status.get(fault["game_id"], "not audited")
            mark = "ok" if got == fault["expected_status"] else "UNEXPECTED"
            lines.append(f"  {fault['kind']:<24} {fault['game_id']} {fault['game_date']} "
                         f"-> {got} [{mark}]")
        lines.append("Degraded rows (not gold) and the injected fault behind them:")
        for table, causes in self.degraded.items():
            text = "; ".join(f"{cause} {', '.join(f'{t} {n}' for t, n in tiers.items())}"
                             for cause, tiers in causes.items())
            lines.append(f"  {table:<42} {text or 'none'}")
        if self.heal:
            lines.append(f"Heal: healed {_games_text(self.heal['healed']) or 'none'}; still open (heal tried, "
                         f"source still down) {_games_text(self.heal['still_open']) or 'none'}; "
                         f"{self.heal['steps']} processor runs")
        if self.health_day:
            flagged = ", ".join(f"{k} {v.upper()}" for k, v in self.health_day["checks"].items() if v != "pass")
            lines.append(f"Try the daily health check on a fault day ({self.health_day['date']}, "
                         f"faults {self.health_day['fault']}; expect {flagged}):")
            lines.append(f"  {self.health_command}")
        lines.append(f"Report: {self.report_path}")
        lines.append(f"Alert texts (log channel): {Path(self.report_path).parent / 'notifications.log'}")
        lines.append(f"This summary as JSON: {Path(self.report_path).parent / SUMMARY_FILE}")
        lines.append(f"Wall time: {self.wall_seconds:.1f} s")
        return "\n".join(lines)


def _games_text(games: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{g['game_id']} ({g['fault'] or 'no fault'})" for g in games)


@contextmanager
def _demo_environment(out_dir: Path) -> Iterator[None]:
    """No real channels, a private dead-letter directory, environment label 'demo'; restored after."""
    saved = {name: os.environ.get(name) for name in (*CHANNEL_ENV_VARS, "COVERAGE_DEAD_LETTER_DIR",
                                                    "COVERAGE_ENVIRONMENT")}
    # The log channel of every alert goes to out_dir/notifications.log, not the console, so
    # the demo prints progress and its summary only.
    notifications = logging.getLogger("shared_services.notifications")
    handler = logging.FileHandler(out_dir / "notifications.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    saved_propagate = notifications.propagate
    try:
        for name in CHANNEL_ENV_VARS:
            os.environ.pop(name, None)
        os.environ["COVERAGE_DEAD_LETTER_DIR"] = str(out_dir / "dead_letter")
        os.environ["COVERAGE_ENVIRONMENT"] = "demo"
        notifications.addHandler(handler)
        notifications.propagate = False
        yield
    finally:
        notifications.removeHandler(handler)
        notifications.propagate = saved_propagate
        handler.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _AlertCounter:
    """Counts notifications per level (a notification-system listener)."""

    def __init__(self) -> None:
        self.levels: Counter[str] = Counter()

    def __call__(self, result: Any, notification: Any) -> None:
        self.levels[str(notification.level)] += 1


def _load(client: Any, table_id: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Append rows with the table's explicit schema in one load job (no streaming insert)."""
    if not rows:
        return 0
    schema = table_spec(table_id).schema
    config = bigquery.LoadJobConfig(schema=schema, write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    client.load_table_from_json(json_safe_batch(rows, schema), table_id, job_config=config).result()
    return len(rows)


_MARK_FINAL_SQL = f"""
UPDATE {quote_table_id(SCHEDULE.table_id)}
SET game_status = 3
WHERE game_date = @game_date
  AND game_id IN UNNEST(@game_ids)
""".strip()  # noqa: S608 - table id validated; values are query parameters

_EVENT_COUNTS_SQL = (
    "SELECT event_type, severity, COUNT(*) AS n\n"
    f"FROM {quote_table_id(COVERAGE_LOG_TABLE)}\n"  # noqa: S608 - table id validated
    "WHERE event_timestamp >= @log_start AND event_timestamp < @log_end\n"
    "GROUP BY event_type, severity"
)

# The demo's own statements (it runs on the embedded warehouse only), for coverage-preflight.
register_statement("demo.mark_final", _MARK_FINAL_SQL, [
    bigquery.ScalarQueryParameter("game_date", "DATE", SAMPLE_DATE),
    bigquery.ArrayQueryParameter("game_ids", "STRING", ["0022400561"]),
])
register_statement("demo.event_counts", _EVENT_COUNTS_SQL, [
    bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", SAMPLE_TIME),
])


def _mark_final(client: Any, day: date, game_ids: Sequence[str]) -> None:
    if not game_ids:
        return
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("game_date", "DATE", day),
        bigquery.ArrayQueryParameter("game_ids", "STRING", sorted(game_ids)),
    ])
    client.query(_MARK_FINAL_SQL, job_config=config).result()


def _downstream_classes(progress: ProgressFn) -> tuple[list[tuple[str, Any, str]], list[str]]:
    """The phase 4 / 5 processors that exist in this checkout (imported lazily)."""
    found, missing = [], []
    for label, module, name, key in _DOWNSTREAM:
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            progress(f"{label} not available ({exc}); skipped")
            missing.append(label)
            continue
        found.append((label, cls, key))
    return found, missing


def _fresh_warehouse(warehouse_url: str | None, out_dir: Path) -> tuple[str, Any]:
    from shared_services.bigquery.duckdb_client import DuckDBClient

    if warehouse_url is None:
        path = out_dir / "demo.duckdb"
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        return f"duckdb:///{path}", DuckDBClient(str(path))
    parsed = parse_warehouse_url(warehouse_url)
    if parsed.kind != "duckdb":
        raise ValueError(
            f"the demo loads synthetic rows into nba_raw/nba_analytics tables; it only runs on an "
            f"embedded DuckDB warehouse, not {warehouse_url!r}")
    return warehouse_url, DuckDBClient(parsed.path or ":memory:")


def _event_counts(client: Any, start: date, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    sql = _EVENT_COUNTS_SQL
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("log_start", "TIMESTAMP",
                                      datetime.combine(start, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)),
        bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", now + timedelta(days=1)),
    ])
    by_type: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    for row in client.query(sql, job_config=config).result():
        by_type[str(row["event_type"])] += int(row["n"])
        by_severity[str(row["severity"])] += int(row["n"])
    order = ("critical", "warning", "info")
    return dict(sorted(by_type.items())), {s: by_severity.get(s, 0) for s in order}


def run_demo(
    warehouse_url: str | None = None,
    days: int = 7,
    seed: int = 7,
    out_dir: str | os.PathLike[str] = "demo_out",
    progress: ProgressFn | None = print,
    start: date | str | None = None,
    history_days: int = DEFAULT_HISTORY_DAYS,
) -> DemoSummary:
    """Run the whole demo (see the module docstring); returns the summary.

    Example::

        summary = run_demo(days=3, seed=7, out_dir='/tmp/demo', progress=None)
        summary.report_path        # '/tmp/demo/coverage_report.html'
    """
    say: ProgressFn = progress or (lambda _line: None)
    began = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    first_day = parse_game_date(start, "start") if start is not None else None
    slate = build_slate(seed=seed, days=days, start=first_day, history_days=history_days)
    counter = _AlertCounter()
    notification_system.register_listener(counter)
    url, client = _fresh_warehouse(warehouse_url, out)
    try:
        with _demo_environment(out):
            say(f"warehouse {url}")
            ensure_schema(client)
            _load(client, SCHEDULE.table_id, slate.schedule_rows())
            say(f"slate seed {seed}: {len(slate.games)} final games {slate.start}..{slate.end}, "
                f"{len(slate.faults)} injected faults, {len(slate.future_games)} games scheduled after")
            downstream, skipped = _downstream_classes(say)
            phases = ["phase 3 (player)", "phase 3 (team)", *(label for label, _, _ in downstream)]
            _load_history(client, slate, say)
            for day in slate.dates:
                _run_day(client, slate, day, downstream, say)
            audit_now = datetime.now(UTC)  # fixed from here on: after the last day's runs
            audit = SourceCoverageAuditProcessor(bq_client=client, dry_run=False, clock=lambda: audit_now)
            result = audit.run_audit(slate.start, slate.end)
            say(f"audit {slate.start}..{slate.end}: {result.games_checked} games, "
                f"{result.issues_found} issues ({format_counts(result.by_status(), empty='none')})")
            healed = CoverageHealer(audit).heal_findings(result)
            say(f"heal: {len(healed.healed)} healed ({', '.join(healed.healed) or 'none'}), {len(healed.still_open)} still open, "
                f"{len(healed.steps)} processor runs")
            heal = _heal_summary(slate, healed)
            degraded = attribute_degraded_rows(client, slate, slate.start, slate.end + timedelta(days=1))
            health_day = _flagged_fault_day(client, slate, audit_now)
            report_path = out / "coverage_report.html"
            write_report(client, slate.start, slate.end, report_path, now=audit_now)
            say(f"report {report_path}")
            by_type, by_severity = _event_counts(client, slate.start, audit_now)
            tiers = fetch_tier_counts(client, slate.start, slate.end + timedelta(days=1))
    finally:
        notification_system.unregister_listener(counter)
        client.close()
    (out / "fault_manifest.json").write_text(json.dumps(slate.manifest(), indent=2) + "\n", encoding="utf-8")
    summary = DemoSummary(
        seed=seed, start=slate.start, end=slate.end, days=days, warehouse_url=url,
        games=len(slate.games), future_games=len(slate.future_games), tiers=tiers,
        events_by_type=by_type, events_by_severity=by_severity,
        alerts={level: counter.levels.get(level, 0) for level in ("error", "warning", "info")},
        audit_by_status=result.by_status(),
        findings=[{"game_id": f.game_id, "game_date": f.game_date.isoformat(), "status": f.status,
                   "missing_tables": list(f.missing_tables), "log_events": f.log_events}
                  for f in result.findings],
        faults=slate.manifest(), phases_run=phases, phases_skipped=skipped,
        report_path=str(report_path), history_days=len(slate.history_dates),
        history_games=len(slate.history_games), degraded=degraded, heal=heal, health_day=health_day,
    )
    summary.wall_seconds = round(time.perf_counter() - began, 2)
    # The summary as data beside the report, for scripts (what --json prints); written last,
    # and whole or not at all (a temporary file renamed into place), so its presence says the
    # run finished and a reader never finds half a file.
    partial = out / f".{SUMMARY_FILE}.partial"
    partial.write_text(json.dumps(summary.to_data(), indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(partial, out / SUMMARY_FILE)
    return summary


def _heal_summary(slate: Slate, healed: HealResult) -> dict[str, Any]:
    """The deterministic part of a heal: which games (and faults), how many runs and events."""
    def kind(game_id: str) -> str | None:
        fault = slate.fault_for(game_id)
        return fault.kind if fault else None

    return {
        "healed": [{"game_id": g, "fault": kind(g)} for g in healed.healed],
        "still_open": [{"game_id": g, "fault": kind(g)} for g in healed.still_open],
        "steps": len(healed.steps),
        "failed_steps": len(healed.failed_steps),
        "heal_events_written": healed.heal_events_written,
    }


def _flagged_fault_day(client: Any, slate: Slate, now: datetime) -> dict[str, Any]:
    """The first fault day (by date) on which a ``coverage-health`` check does not pass."""
    from data_processors.reporting.health import collect_health_inputs, run_checks

    for day in sorted({f.game_date for f in slate.faults}):
        checks = {r.name: r.status for r in run_checks(collect_health_inputs(client, day, now=now))}
        if any(status != "pass" for status in checks.values()):
            kinds = sorted(f.kind for f in slate.faults if f.game_date == day)
            return {"date": day.isoformat(), "fault": ", ".join(kinds), "checks": checks}
    return {}


def _load_history(client: Any, slate: Slate, say: ProgressFn) -> None:
    """The earlier part of the season: raw box scores in one load job per table, then phase 3
    over those days as a backfill (one run per processor for the whole span: the same rows as
    a run per day; clean data: gold rows and no coverage events)."""
    if not slate.history_games:
        return
    loaded = sum(_load(client, table, rows) for table, rows in slate.history_raw.items())
    span = {"start_date": slate.history_dates[0], "end_date": slate.history_dates[-1]}
    rows = PlayerGameSummaryProcessor(bq_client=client).run(span).get("rows_written", 0)
    TeamOffenseGameSummaryProcessor(bq_client=client).run(span)
    say(f"history {slate.history_dates[0]}..{slate.history_dates[-1]}: {len(slate.history_games)} games, "
        f"{loaded} raw rows, phase 3 player {rows} rows")


def _run_day(client: Any, slate: Slate, day: date, downstream: Sequence[tuple[str, Any, str]],
             say: ProgressFn) -> None:
    games = slate.games_on(day)
    tables = (PRIMARY_TABLE, BDL_TABLE, ESPN_TABLE, TEAM_TABLE)
    loaded = sum(_load(client, table, slate.rows(table, day)) for table in tables)
    player = PlayerGameSummaryProcessor(bq_client=client).run({"game_date": day})
    team = TeamOffenseGameSummaryProcessor(bq_client=client).run({"game_date": day})
    late_finals = sorted(g.game_id for g in games if g.game_id in slate.late_final_game_ids)
    _mark_final(client, day, late_finals)
    backfilled = sum(_load(client, table, slate.backfill_rows(table, day)) for table in slate.backfill)
    tiers = Counter(str(t) for t in player.get("game_tiers", {}).values())
    say(f"{day}: {len(games)} games ({len(late_finals)} still live at run time); {loaded} raw rows; "
        f"phase 3 player {player.get('rows_written', 0)} rows ({format_counts(tiers)}), "
        f"team {team.get('rows_written', 0)} rows"
        + (f"; manual backfill {backfilled} rows" if backfilled else ""))
    following = day + timedelta(days=1)
    for label, cls, key in downstream:
        stats = cls(bq_client=client).run({key: following})
        written = stats.get("rows_written", stats.get("predictions_written", 0))
        say(f"{day}: {label} for {following}: {written} rows")


#: The run's summary as JSON (:meth:`DemoSummary.to_data`), written when the run ends.
SUMMARY_FILE = "summary.json"
#: What one demo run writes into its output folder; they are replaced together.
#: Written into the output folder when ``--warehouse`` names a file elsewhere: that file's real
#: path, so a later ``--force`` replaces the warehouse this demo made and no other file.
WAREHOUSE_MARKER = "warehouse.txt"
DEMO_OUTPUTS = ("demo.duckdb", "demo.duckdb.wal", "coverage_report.html", "fault_manifest.json",
                "notifications.log", "dead_letter", SUMMARY_FILE, WAREHOUSE_MARKER)


def prepare_outputs(out_dir: str | os.PathLike[str], warehouse_url: str | None, force: bool) -> list[Path]:
    """Refuse to run over a previous run unless ``force``; with it, remove ALL of that run's outputs.

    A previous run is any of :data:`DEMO_OUTPUTS` in ``out_dir``, or a non-empty DuckDB file
    named by ``warehouse_url``. Such a file outside ``out_dir`` is replaced only when the
    folder's :data:`WAREHOUSE_MARKER` names it (an earlier demo made it); any other file is
    refused even with ``force``: the demo never deletes a warehouse it did not make. Returns
    what was removed.

    Example::

        prepare_outputs('demo_out', None, force=True)   # ready for a fresh run
    """
    import shutil

    from shared_services.cli import UsageError

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a folder")
    found = [out / name for name in DEMO_OUTPUTS if (out / name).exists()]
    if warehouse_url is not None:
        try:
            parsed = parse_warehouse_url(warehouse_url)
        except ValueError as exc:
            raise UsageError(f"--warehouse: {exc}") from None
        if parsed.kind != "duckdb":
            raise UsageError(
                f"--warehouse: the demo loads synthetic rows into nba_raw/nba_analytics tables; it "
                f"only runs on an embedded DuckDB warehouse, not {warehouse_url!r}")
        if parsed.path not in (None, ":memory:"):
            file = Path(str(parsed.path))
            if not file.parent.is_dir():
                raise UsageError(f"--warehouse: folder {file.parent.resolve()} does not exist")
            theirs = [f for f in (file, file.with_name(file.name + ".wal"))
                      if f.exists() and f.stat().st_size > 0 and f not in found]
            if theirs and file.resolve().parent != out.resolve() and _marked_warehouse(out) != file.resolve():
                raise UsageError(
                    f"--warehouse: {file} exists and no earlier demo in {out} made it (its {WAREHOUSE_MARKER} "
                    "does not name it); the demo never replaces a warehouse it did not make: remove it "
                    "yourself or choose another path")
            found += theirs
    if found and not force:
        names = ", ".join(str(f) for f in found)
        raise UsageError(f"a previous demo run is in the way ({names}); pass --force to replace all "
                         "of its outputs together, or choose another --out / --warehouse")
    for path in found:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return found


def _marked_warehouse(out: Path) -> Path | None:
    """The warehouse path an earlier demo recorded in ``out`` (None without a readable marker)."""
    try:
        text = (out / WAREHOUSE_MARKER).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return Path(text) if text else None


def _mark_warehouse(out_dir: str | os.PathLike[str], warehouse_url: str | None) -> None:
    """Record a warehouse file outside ``out_dir`` as this demo's (see :data:`WAREHOUSE_MARKER`)."""
    if warehouse_url is None:
        return
    path = parse_warehouse_url(warehouse_url).path
    if path in (None, ":memory:"):
        return
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / WAREHOUSE_MARKER).write_text(f"{Path(str(path)).resolve()}\n", encoding="utf-8")


def _run_main(ctx: Any) -> Any:
    from shared_services.cli import Outcome, UsageError

    args = ctx.args
    if not 1 <= args.days <= MAX_DEMO_DAYS:
        raise UsageError(f"--days must be between 1 and {MAX_DEMO_DAYS}, got {args.days}")
    removed = prepare_outputs(args.out, args.warehouse, args.force)
    if removed:
        ctx.say(f"--force: removed the previous run's {', '.join(p.name for p in removed)}")
    _mark_warehouse(args.out, args.warehouse)  # before the warehouse exists: a killed run is still ours
    summary = run_demo(args.warehouse, days=args.days, seed=args.seed, out_dir=args.out,
                       progress=ctx.say, start=args.start)
    data = summary.to_data()
    return Outcome(text="\n" + summary.to_text(), data=data, found=["critical"] * len(data["faults_missed"]))


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
