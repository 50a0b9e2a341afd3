"""The demo end to end: every injected fault is caught with its expected audit status, the run
is deterministic per seed, and no notification leaves the machine.

The demo runs ONCE for this module (a week, so it has clean days for the health checks);
``--dist loadscope`` (pyproject.toml) keeps the module on one xdist worker, so the module
fixture is never rebuilt on a second one. The determinism comparison (two runs) lives in
``test_demo_determinism.py`` so the other worker can run it at the same time.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from data_processors.demo.runner import DemoSummary, main, run_demo
from data_processors.demo.slate import FAULT_KINDS, build_slate
from data_processors.source_coverage_audit import AuditStatus

DAYS = 7   # the demo_week fixture's run (conftest.py): the faults fall on some days, the others are clean
SEED = 7
#: What the audit must report for each injected fault, stated from the fault's description
#: (data/slate.py) and the audit's status table, not read from the product's manifest.
EXPECTED_STATUS = {
    "primary_outage_bdl": "partial_data",         # raw gamebook missing, analytics via BDL
    "primary_outage_espn": "partial_data",
    "all_sources_empty": "logged_but_no_data",    # critical events, nothing written
    "late_final_no_data": "completely_missing",   # nothing scraped, nothing logged
    "late_final_unprocessed": "partial_data",     # raw tables only
    "manual_backfill": "data_exists_no_log",      # hand-written rows, no coverage record
    "team_box_key_mismatch": "partial_data",      # team tables miss the scheduled key
    "thin_primary_box": "normal",                 # degraded quality, but audit-normal
}
# Columns that legitimately differ between two runs: timestamps and run ids.
VOLATILE = {"processed_at", "quality_calculated_at", "processor_run_id"}


@pytest.fixture(scope="module")
def first_run(demo_week: Any) -> Any:
    return demo_week


def _status_of(summary: DemoSummary) -> dict[str, str]:
    return {f["game_id"]: f["status"] for f in summary.findings}


def test_every_injected_fault_gets_its_expected_audit_status(first_run: Any) -> None:
    summary, _, _ = first_run
    statuses = _status_of(summary)
    assert sorted(f["kind"] for f in summary.faults) == sorted(FAULT_KINDS) == sorted(EXPECTED_STATUS)
    assert {f["kind"]: statuses[f["game_id"]] for f in summary.faults} == EXPECTED_STATUS
    # every game without a fault is normal
    faulty = {f["game_id"] for f in summary.faults}
    assert {s for g, s in statuses.items() if g not in faulty} == {"normal"}


def test_the_audit_shows_each_status_at_least_once(first_run: Any) -> None:
    summary, _, _ = first_run
    assert set(AuditStatus.ALL) <= {s for s, n in summary.audit_by_status.items() if n}
    assert sum(summary.audit_by_status.values()) == summary.games


def test_fault_details_match_what_the_pipeline_did(first_run: Any) -> None:
    summary, _, _ = first_run
    by_kind = {f["kind"]: f for f in summary.faults}
    findings = {f["game_id"]: f for f in summary.findings}
    outage = findings[by_kind["primary_outage_bdl"]["game_id"]]
    assert outage["missing_tables"] == ["nba_raw.nbac_gamebook_player_stats"]
    skipped = findings[by_kind["team_box_key_mismatch"]["game_id"]]
    assert set(skipped["missing_tables"]) == {"nba_raw.nbac_team_boxscore",
                                              "nba_analytics.team_offense_game_summary"}
    assert findings[by_kind["late_final_no_data"]["game_id"]]["log_events"] == 0
    assert findings[by_kind["manual_backfill"]["game_id"]]["log_events"] == 0
    # two primary outages, each processed twice: the nightly run and the heal's re-run
    assert summary.events_by_type["fallback_used"] == 4
    assert summary.tiers["nba_analytics.player_game_summary"]["bronze"] == 4   # the thin gamebook


def test_no_notification_leaves_the_machine_and_the_environment_is_restored(first_run: Any) -> None:
    summary, notifications, webhook_after = first_run
    assert notifications, "the demo's faults must raise alerts"
    for result, _ in notifications:
        assert result.delivered == ["log"]
        assert "slack" in result.skipped and "email" in result.skipped
    assert webhook_after == "http://127.0.0.1:9/must-not-be-called"
    levels = [str(n.level) for _, n in notifications]
    assert summary.alerts == {lvl: levels.count(lvl) for lvl in ("error", "warning", "info")}
    assert summary.alerts_sent >= 2


def test_outputs_are_written(first_run: Any) -> None:
    summary, _, _ = first_run
    report = Path(summary.report_path)
    assert report.is_file() and report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    manifest = json.loads((report.parent / "fault_manifest.json").read_text(encoding="utf-8"))
    assert manifest == summary.faults
    assert "Audit findings" in summary.to_text()


def test_a_different_seed_gives_a_different_demo() -> None:
    a, b = build_slate(seed=SEED, days=DAYS), build_slate(seed=SEED + 1, days=DAYS)
    assert [(g.game_id, g.away, g.home) for g in a.games] != [(g.game_id, g.away, g.home) for g in b.games]
    assert a.manifest() != b.manifest()
    assert a.raw != b.raw


def test_the_demo_refuses_a_bigquery_warehouse(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DuckDB"):
        run_demo("bigquery://my-project", days=1, out_dir=tmp_path, progress=None)


def test_command_line_rejects_bad_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err


@pytest.mark.parametrize(("start", "days"), [("2030-01-01", "1"), ("1949-12-31", "1"), (None, "1")])
def test_command_line_rejects_a_range_that_is_not_over(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       start: str | None, days: str) -> None:
    # The demo's events carry the real time and the audit runs as of now: a future range ran,
    # then reported every fault wrong. Refused before anything is written.
    start = start or datetime.now(UTC).date().isoformat()  # today: its games are not over
    assert main(["--start", start, "--days", days, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--start {start} with --days {days} ends on {start}" in err
    assert "the demo's games must lie between 1950-01-01 and yesterday" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("seed", range(40))
def test_a_one_day_slate_has_a_game_for_every_fault(seed: int) -> None:
    slate = build_slate(seed=seed, days=1)
    assert len(slate.faults) == len(FAULT_KINDS) and len({f.game_id for f in slate.faults}) == len(FAULT_KINDS)
    assert len(slate.games) >= len(FAULT_KINDS)


def test_slates_that_had_enough_games_are_unchanged() -> None:
    # The top-up touches only a slate that used to be refused: these counts are the slates'
    # as they were before it (seed 7 over 1 and 2 days, seed 11 over 3 days from 2025-02-03).
    assert [len(build_slate(seed=7, days=d).games) for d in (1, 2)] == [10, 17]
    assert len(build_slate(seed=11, days=3, start=date(2025, 2, 3)).games) == 22


def test_health_on_the_demo_flags_the_fault_day_and_passes_a_clean_day(first_run: Any) -> None:
    from data_processors.reporting.health import collect_health_inputs, run_checks
    from shared_services.bigquery.factory import make_client

    summary, _, _ = first_run  # a week has clean days
    client = make_client(summary.warehouse_url)
    try:
        fault_days = {f["game_date"] for f in summary.faults if f["kind"] == "manual_backfill"}
        [fault_day] = fault_days
        flagged = {r.name: r.status for r in run_checks(collect_health_inputs(client, fault_day))}
        clean_days = {f["game_date"] for f in summary.findings} - {f["game_date"] for f in summary.faults}
        clean = [{r.name: r.status for r in run_checks(collect_health_inputs(client, d))} for d in sorted(clean_days)]
    finally:
        client.close()
    assert flagged["untracked_rows"] == "warn"        # the hand-written backfill
    # primary_success looks back 7 days (history included), so it may still see earlier
    # outages on a clean day; everything else passes
    assert clean
    for statuses in clean:
        assert {name: status for name, status in statuses.items() if name != "primary_success"} == {
            "tier_mix": "pass", "poor_rows": "pass", "untracked_rows": "pass", "stale_criticals": "pass",
            "critical_volume": "pass", "spool_backlog": "pass", "staging_tables": "pass"}
