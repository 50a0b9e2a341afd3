"""The demo looks like a season: clean data is gold, every degraded row is charged to an
injected fault, and the printed ``coverage-health`` command reports the fault day."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from data_processors.demo.attribution import UNEXPLAINED
from data_processors.demo.slate import DEFAULT_HISTORY_DAYS, FAULT_KINDS, build_slate
from data_processors.reporting import health


def test_history_gives_every_team_a_full_rolling_sample_before_the_range() -> None:
    slate = build_slate(seed=7, days=7)
    assert len(slate.history_dates) == DEFAULT_HISTORY_DAYS
    assert slate.history_dates[-1] < slate.start
    played: dict[str, int] = {}
    for game in slate.history_games:
        for team in (game.away, game.home):
            played[team] = played.get(team, 0) + 1
    # phase 4 caps fewer than 4 of 8 expected games at bronze; the history gives every team more
    assert len(played) == 30 and min(played.values()) >= 5
    history_ids = {g.game_id for g in slate.history_games}
    assert not history_ids & {g.game_id for g in slate.games}
    assert max(history_ids) < min(g.game_id for g in slate.games)


def test_the_history_does_not_change_the_range() -> None:
    with_history, without = build_slate(seed=7, days=3), build_slate(seed=7, days=3, history_days=0)
    assert without.history_games == []
    assert with_history.games == without.games and with_history.raw == without.raw
    assert with_history.manifest() == without.manifest()


def test_history_never_starts_before_the_season_opener() -> None:
    from datetime import date

    slate = build_slate(seed=7, days=3, start=date(2024, 10, 25))
    assert slate.history_dates and slate.history_dates[0] >= date(2024, 10, 22)
    assert min(int(g.game_id[-5:]) for g in slate.history_games) >= 1


@pytest.mark.parametrize("table", [
    "nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary",
    "nba_precompute.player_rolling_averages", "nba_predictions.player_prop_predictions"])
def test_clean_data_is_mostly_gold_in_every_phase(demo_week: Any, table: str) -> None:
    summary, _, _ = demo_week
    tiers = summary.tiers[table]
    total = sum(tiers.values())
    assert total > 0
    assert (tiers.get("gold", 0) + tiers.get("silver", 0)) / total >= 0.9, tiers
    assert tiers.get("gold", 0) / total >= 0.85, tiers
    assert tiers.get("poor", 0) == 0 and tiers.get("unusable", 0) == 0, tiers


def test_every_degraded_row_is_charged_to_an_injected_fault(demo_week: Any) -> None:
    summary, _, _ = demo_week
    assert summary.unexplained_degraded_rows == 0, summary.degraded
    charged = {kind for causes in summary.degraded.values() for cause in causes for kind in cause.split("+")}
    assert UNEXPLAINED not in charged and charged <= set(FAULT_KINDS)
    # the faults that degrade rows do so, and their counts add up to the non-gold rows
    assert {"primary_outage_bdl", "primary_outage_espn", "thin_primary_box", "manual_backfill"} <= charged
    for table, causes in summary.degraded.items():
        degraded = sum(n for tiers in causes.values() for n in tiers.values())
        not_gold = sum(n for tier, n in summary.tiers[table].items() if tier != "gold")
        assert degraded == not_gold, table
    assert summary.degraded["nba_analytics.player_game_summary"]["thin_primary_box"] == {"bronze": 4}


def test_the_summary_says_which_fault_caused_which_rows(demo_week: Any) -> None:
    summary, _, _ = demo_week
    text = summary.to_text()
    assert "Degraded rows (not gold) and the injected fault behind them:" in text
    assert "primary_outage_espn silver 26" in text
    assert "thin_primary_box bronze 4" in text


def test_the_printed_health_command_reports_the_fault_day(demo_week: Any, capsys: pytest.CaptureFixture[str]) -> None:
    summary, _, _ = demo_week
    command = summary.health_command
    assert command and command in summary.to_text()
    argv = shlex.split(command)
    assert argv[0] == "coverage-health"
    status = health.main(argv[1:])
    out = capsys.readouterr().out
    assert status == 1      # --fail-on warn: the fault day warns or fails
    assert f"Coverage health for {summary.health_day['date']}" in out
    flagged = [name for name, verdict in summary.health_day["checks"].items() if verdict != "pass"]
    assert flagged
    for name in flagged:
        assert any(line.startswith(name) and ("WARN" in line or "FAIL" in line) for line in out.splitlines())
    fault_days = {f["game_date"] for f in summary.faults}
    assert summary.health_day["date"] in fault_days
