"""``classify()``: the audit's verdict for one game, as a stated truth table (no I/O).

The expected statuses are written out here from the table in the module docstring, not
computed with the code under test.
"""

from __future__ import annotations

import pytest

from data_processors.source_coverage_audit.classify import STATUS_SEVERITY, AuditStatus, classify

TABLES = ["nba_raw.nbac_gamebook_player_stats", "nba_raw.nbac_team_boxscore",
          "nba_analytics.player_game_summary"]


@pytest.mark.parametrize("with_data, log_events, quality_tracked, status, severity", [
    # data in every table
    (TABLES, 3, False, "normal", "info"),
    (TABLES, 0, True, "normal", "info"),           # a clean run: no events, quality columns
    (TABLES, 2, True, "normal", "info"),
    (TABLES, 0, False, "data_exists_no_log", "warning"),
    # data in no table
    ([], 0, False, "completely_missing", "critical"),
    ([], 1, False, "logged_but_no_data", "critical"),
    ([], 0, True, "logged_but_no_data", "critical"),
    # data in some tables: partial, whether or not there is a log
    (TABLES[:1], 5, False, "partial_data", "warning"),
    (TABLES[:2], 0, False, "partial_data", "warning"),
    (TABLES[1:], 0, True, "partial_data", "warning"),
])
def test_status_and_severity(with_data, log_events, quality_tracked, status, severity):
    got_status, got_severity, reason = classify(TABLES, with_data, log_events, quality_tracked)
    assert (got_status, got_severity) == (status, severity)
    assert reason


def test_reasons_name_what_is_missing_and_the_record():
    assert classify(TABLES, TABLES[:1], 0)[2] == (
        "missing from nba_raw.nbac_team_boxscore, nba_analytics.player_game_summary; no log events either")
    assert classify(TABLES, TABLES[:2], 4)[2] == "missing from nba_analytics.player_game_summary"
    assert classify(TABLES, [], 2)[2] == "2 log event(s) but no data in any checked table"
    assert classify(TABLES, [], 0, quality_tracked=True)[2] == (
        "quality-tracked rows but no data in any checked table")
    assert classify(TABLES, TABLES, 1)[2] == "data in every checked table and 1 log event(s)"
    assert classify(TABLES, [], 0)[2] == "no log events and no data in any checked table"
    assert classify(TABLES, TABLES, 0)[2] == (
        "data in every checked table but no coverage record (no log events, no quality-tracked rows)")


def test_tables_that_are_not_checked_do_not_count_as_data():
    assert classify(TABLES[:1], ["some.other_table"], 0)[0] == "completely_missing"
    assert classify(TABLES[:1], ["some.other_table", TABLES[0]], 1)[0] == "normal"


def test_severity_map_covers_every_status_as_documented():
    assert {s: STATUS_SEVERITY[s].value for s in AuditStatus.ALL} == {
        "normal": "info", "completely_missing": "critical", "logged_but_no_data": "critical",
        "data_exists_no_log": "warning", "partial_data": "warning"}


def test_a_finding_serializes_its_date_as_iso_text():
    from datetime import date

    from data_processors.source_coverage_audit.classify import AuditFinding

    finding = AuditFinding("0022400001", date(2025, 1, 15), "partial_data", "warning", "missing from x",
                           missing_tables=["x"])
    data = finding.to_dict()
    assert data["game_date"] == "2025-01-15" and data["missing_tables"] == ["x"] and finding.is_issue


def test_the_heal_text_is_one_line_per_game_whatever_the_id_holds():
    from datetime import date

    from data_processors.source_coverage_audit.heal import GameHeal, HealResult

    hostile = "00224\n00561\x1b[31m FORGED\r"
    result = HealResult(dry_run=True, run_id="r", games=[GameHeal(hostile, date(2025, 1, 15), "completely_missing"),
                                                         GameHeal("0022400562", date(2025, 1, 15), "partial_data")])
    lines = result.render().splitlines()
    games = lines[lines.index("Games:") + 1:]
    assert len(games) == 2 and games[1] == "  0022400562 2025-01-15 partial_data [planned]"
    assert games[0] == "  00224\\n00561\\x1b[31m FORGED\\r 2025-01-15 completely_missing [planned]"
