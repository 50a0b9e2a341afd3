"""The daily health checks as pure functions over plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from data_processors.reporting.health import (
    FAIL,
    PASS,
    WARN,
    CheckResult,
    HealthInputs,
    bronze_tolerance,
    check_critical_volume,
    check_poor_rows,
    check_primary_success,
    check_stale_criticals,
    check_tier_mix,
    exit_status,
    render_checks,
    run_checks,
)

NOW = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("day", "tolerance"), [
    (date(2024, 10, 15), 0.30),   # season start
    (date(2024, 10, 28), 0.30),   # day 13
    (date(2024, 10, 29), 0.20),   # day 14
    (date(2024, 11, 13), 0.20),   # day 29
    (date(2024, 11, 14), 0.10),   # day 30
    (date(2025, 3, 1), 0.10),
    (date(2025, 10, 1), 0.30),    # pre-season counts as the first weeks
])
def test_bronze_tolerance_is_season_aware(day: date, tolerance: float) -> None:
    assert bronze_tolerance(day) == tolerance


def test_tier_mix_fails_only_above_the_tolerance() -> None:
    mid_season = date(2025, 1, 15)
    assert check_tier_mix({"gold": 90, "bronze": 10}, mid_season).status == PASS   # exactly 10 %
    assert check_tier_mix({"gold": 89, "bronze": 6, "poor": 5}, mid_season).status == FAIL
    early = date(2024, 10, 20)
    assert check_tier_mix({"gold": 75, "bronze": 25}, early).status == PASS
    assert check_tier_mix({"gold": 69, "unusable": 31}, early).status == FAIL


def test_tier_mix_warns_when_there_is_nothing_to_judge() -> None:
    result = check_tier_mix({}, date(2025, 1, 15))
    assert result.status == WARN and result.value == "no rows"


def test_rows_without_a_tier_count_in_the_total_only() -> None:
    assert check_tier_mix({"gold": 80, "unknown": 20, "bronze": 10}, date(2025, 1, 15)).status == PASS


def test_any_poor_or_unusable_row_fails() -> None:
    assert check_poor_rows({"gold": 100, "bronze": 3}).status == PASS
    assert check_poor_rows({"gold": 100, "poor": 1}).status == FAIL
    assert check_poor_rows({"unusable": 2}).value == "2 row(s)"


def test_stale_criticals_older_than_72_hours_fail() -> None:
    fresh = {"event_id": "a", "game_id": "g1", "event_timestamp": NOW - timedelta(hours=71)}
    stale = {"event_id": "b", "game_id": "g2", "event_timestamp": NOW - timedelta(hours=73)}
    assert check_stale_criticals([fresh], NOW).status == PASS
    result = check_stale_criticals([fresh, stale], NOW)
    assert result.status == FAIL and result.value == "1 of 2 open" and "g2" in result.detail


@pytest.mark.parametrize(("primary", "total", "status"), [
    (90, 100, PASS), (899, 1000, WARN), (75, 100, WARN), (749, 1000, FAIL), (0, 0, WARN),
])
def test_primary_success_thresholds(primary: int, total: int, status: str) -> None:
    assert check_primary_success(primary, total).status == status


def test_more_than_five_criticals_a_day_fail() -> None:
    assert check_critical_volume(5).status == PASS
    assert check_critical_volume(6).status == FAIL


def test_run_checks_and_exit_status() -> None:
    clean = HealthInputs(date(2025, 1, 15), NOW, {"gold": 200}, [], 200, 200, 0)
    results = run_checks(clean)
    assert [r.name for r in results] == ["tier_mix", "poor_rows", "untracked_rows", "stale_criticals",
                                         "primary_success", "critical_volume", "spool_backlog",
                                         "staging_tables"]
    assert {r.status for r in results} == {PASS} and exit_status(results) == 0
    warned = [*results, CheckResult("x", WARN, "", "")]
    assert exit_status(warned) == 0 and exit_status(warned, fail_on=WARN) == 1
    assert exit_status([*results, CheckResult("x", FAIL, "", "")]) == 1
    with pytest.raises(ValueError):
        exit_status(results, fail_on="pass")


def test_render_lists_every_check_and_the_overall_status() -> None:
    results = [CheckResult("tier_mix", PASS, "1%", "<= 10%"), CheckResult("poor_rows", FAIL, "1", "0")]
    text = render_checks(results, date(2025, 1, 15))
    assert "tier_mix" in text and "FAIL" in text and text.endswith("overall: FAIL")


def test_rows_without_quality_warn() -> None:
    from data_processors.reporting.health import check_untracked_rows

    assert check_untracked_rows({"gold": 10}).status == PASS
    flagged = check_untracked_rows({"gold": 10, "unknown": 26})
    assert (flagged.status, flagged.value) == (WARN, "26 row(s)")


def test_spool_backlog_passes_empty_warns_while_young_and_fails_at_a_day() -> None:
    from datetime import timedelta

    from data_processors.reporting.health import SPOOL_MAX_AGE, check_spool_backlog

    assert SPOOL_MAX_AGE == timedelta(hours=24)
    empty = check_spool_backlog(0, None, NOW, "/var/spool/coverage")
    assert (empty.status, empty.value, empty.detail) == (PASS, "0 batch(es)", "dead-letter spool /var/spool/coverage")
    young = check_spool_backlog(3, NOW - timedelta(hours=23, minutes=59), NOW, "/s")
    assert (young.status, young.value) == (WARN, "3 batch(es), 23 h")  # whole hours, not rounded up
    assert young.threshold == "none 24 h old"
    assert young.detail == ("events spilled to /s are not in the log yet (these checks undercount them): run "
                            "coverage-replay; if it fails, its one-line errors say why")
    assert check_spool_backlog(1, NOW, NOW).detail.startswith("events spilled to the spool are not in the log")
    assert check_spool_backlog(0, None, NOW).detail == "dead-letter spool"
    assert check_spool_backlog(1, NOW - SPOOL_MAX_AGE, NOW).status == FAIL
    assert check_spool_backlog(1, NOW - timedelta(days=9), NOW).value == "1 batch(es), 216 h"
    # a clock behind the file's time (another host's spool): no negative age, a warning
    assert check_spool_backlog(1, NOW + timedelta(hours=1), NOW).value == "1 batch(es), 0 h"


def test_staging_tables_pass_when_none_warn_with_the_tables_to_drop_or_when_not_listed() -> None:
    from data_processors.reporting.health import check_staging_leftovers

    assert check_staging_leftovers([]) == CheckResult("staging_tables", PASS, "0 table(s)", "none 1 h old",
                                                      "the write path's staging tables")
    names = [f"nba_analytics._staging_player_game_summary_{n:016x}" for n in range(7)]
    seven = check_staging_leftovers(names)
    assert (seven.status, seven.value, seven.threshold) == (WARN, "7 table(s)", "none 1 h old")
    assert seven.detail == ("left by writes that were killed (nothing of them is in the data tables): "
                            + ", ".join(names[:5]) + " and 2 more; drop each with bq rm -f -t DATASET.TABLE")
    assert check_staging_leftovers(names[:1]).detail.endswith(f": {names[0]}; drop each with bq rm -f -t DATASET.TABLE")
    assert check_staging_leftovers(names[:6]).detail.endswith(f"{names[4]} and 1 more; drop each with bq rm -f -t "
                                                             "DATASET.TABLE")
    assert check_staging_leftovers(names[:5]).detail.endswith(f"{names[4]}; drop each with bq rm -f -t DATASET.TABLE")
    assert check_staging_leftovers([], ["nba_precompute", "nba_raw"]) == CheckResult(
        "staging_tables", WARN, "not checked", "none 1 h old",
        "could not list the tables of nba_precompute, nba_raw (bigquery.tables.list permission)")
    assert check_staging_leftovers(names[:1], ["nba_raw"]).value == "1 table(s)"   # what was found first
