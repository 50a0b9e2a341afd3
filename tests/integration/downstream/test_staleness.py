"""Staleness: phase 4 rows built on phase 3 games that were reprocessed afterwards."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from data_processors.precompute import staleness
from data_processors.precompute.player_rolling_average_processor import (
    PlayerRollingAverageProcessor,
)
from data_processors.precompute.staleness import find_stale_rows
from shared_services.bigquery import factory
from tests.integration.downstream.downstream_seed import (
    ANALYSIS_DATE,
    SEEDED_AT,
    game_id_for,
    phase3_row,
    player_history,
)
from tests.support.recording_client import RecordingClient

SINCE = ANALYSIS_DATE - timedelta(days=10)
TODAY = ANALYSIS_DATE + timedelta(days=5)
REPROCESSED_AT = SEEDED_AT + timedelta(days=3)


def build_phase4(client, *days):
    for day in days:
        PlayerRollingAverageProcessor(bq_client=client).run({"analysis_date": day})


def stale(client, since=SINCE):
    return find_stale_rows(client, since, today=TODAY)


def keys(frame):
    return sorted(zip(frame["player_id"], frame["analysis_date"], strict=True))


@pytest.fixture
def built(warehouse, seed_phase3):
    """Players a and b (LAL) and c (BOS): 10 daily games before ANALYSIS_DATE; phase 4 for
    ANALYSIS_DATE - 5 (d1) and ANALYSIS_DATE (d2)."""
    seed_phase3(player_history("a", 10) + player_history("b", 10)
                + player_history("c", 10, team="BOS"))
    d1, d2 = ANALYSIS_DATE - timedelta(days=5), ANALYSIS_DATE
    build_phase4(warehouse, d1, d2)
    return d1, d2


def reprocessed_game(day, players=("a", "b"), team="LAL", tier="gold", score=100.0):
    return [phase3_row(p, day, team=team, tier=tier, score=score, calculated_at=REPROCESSED_AT)
            for p in players]


def test_nothing_is_stale_right_after_the_build(warehouse, built):
    assert stale(warehouse).empty


def test_reprocessing_one_game_lists_exactly_the_rows_built_on_it(warehouse, built, reprocess_phase3):
    d1, d2 = built
    # inside both windows (d1 covers d1-10 .. d1-1, d2 covers d2-10 .. d2-1)
    shared_day = ANALYSIS_DATE - timedelta(days=7)
    # only inside d2's window
    recent_day = ANALYSIS_DATE - timedelta(days=2)
    reprocess_phase3(reprocessed_game(shared_day))

    found = stale(warehouse)
    assert keys(found) == [("a", d1), ("a", d2), ("b", d1), ("b", d2)]
    assert set(found["changed_inputs"]) == {1}
    assert all(list(ids) == [game_id_for(shared_day)] for ids in found["changed_game_ids"])
    assert set(found["priority"]) == {"low"}
    assert set(found["newest_input_calculated_at"]) == {REPROCESSED_AT}

    reprocess_phase3(reprocessed_game(recent_day, players=("c",), team="BOS"))
    assert keys(stale(warehouse)) == [("a", d1), ("a", d2), ("b", d1), ("b", d2), ("c", d2)]


def test_rebuilding_phase4_clears_the_staleness(warehouse, built, reprocess_phase3):
    d1, d2 = built
    reprocess_phase3(reprocessed_game(ANALYSIS_DATE - timedelta(days=2)))
    assert keys(stale(warehouse)) == [("a", d2), ("b", d2)]
    build_phase4(warehouse, d2)
    assert stale(warehouse).empty


def test_priority_follows_the_number_of_changed_inputs(warehouse, built, reprocess_phase3):
    # games of the last 3 days are only in d2's window; a row keeps its old timestamp when
    # its player is rewritten unchanged (calculated_at=SEEDED_AT)
    def game(offset, changed_lal, changed_bos):
        day = ANALYSIS_DATE - timedelta(days=offset)
        reprocess_phase3([phase3_row(p, day, points=10 + 10 - offset,
                                     calculated_at=REPROCESSED_AT if p in changed_lal else SEEDED_AT)
                          for p in ("a", "b")])
        reprocess_phase3([phase3_row("c", day, team="BOS", points=10 + 10 - offset,
                                     calculated_at=REPROCESSED_AT if changed_bos else SEEDED_AT)])

    game(1, changed_lal=("a", "b"), changed_bos=False)
    game(2, changed_lal=("b",), changed_bos=True)
    game(3, changed_lal=("b",), changed_bos=True)

    found = stale(warehouse)
    assert list(found["player_id"]) == ["b", "c", "a"]
    assert list(found["changed_inputs"]) == [3, 2, 1]
    assert list(found["priority"]) == ["high", "medium", "low"]
    assert not found["input_tier_worse"].any()


def test_an_input_that_got_worse_than_the_row_is_high_priority(warehouse, built, reprocess_phase3):
    d1, d2 = built
    day = ANALYSIS_DATE - timedelta(days=8)  # in both windows
    reprocess_phase3(reprocessed_game(day, players=("a", "b"), tier="bronze", score=73.6))
    found = stale(warehouse)
    assert keys(found) == [("a", d1), ("a", d2), ("b", d1), ("b", d2)]
    assert set(found["priority"]) == {"high"}
    assert set(found["worst_changed_input_tier"]) == {"bronze"}
    assert found["input_tier_worse"].all()


def test_since_bounds_the_rows_examined(warehouse, built, reprocess_phase3):
    d1, d2 = built
    reprocess_phase3(reprocessed_game(ANALYSIS_DATE - timedelta(days=7)))
    assert keys(stale(warehouse, since=d2)) == [("a", d2), ("b", d2)]


def test_one_query_whatever_the_number_of_rows(warehouse, built, reprocess_phase3):
    reprocess_phase3(reprocessed_game(ANALYSIS_DATE - timedelta(days=7)))
    client = RecordingClient(warehouse)
    assert len(stale(client)) == 4
    assert client.calls["query"] == 1


def test_default_since_is_thirty_days_before_today(warehouse, built, reprocess_phase3):
    reprocess_phase3(reprocessed_game(ANALYSIS_DATE - timedelta(days=7)))
    assert len(find_stale_rows(warehouse, today=ANALYSIS_DATE + timedelta(days=30))) == 2  # d2 only
    assert find_stale_rows(warehouse, today=date(2025, 6, 1)).empty


def test_command_line_exit_codes(warehouse, built, reprocess_phase3, monkeypatch, capsys):
    monkeypatch.setattr(factory, "make_client", lambda url=None: warehouse)
    monkeypatch.setenv("COVERAGE_WAREHOUSE", f"duckdb:///{warehouse.path}")  # the file exists
    monkeypatch.setattr(warehouse, "close", lambda: None)  # the command closes its client
    since = ["--since", SINCE.isoformat()]
    assert staleness.main(since) == 0
    assert "no stale rows" in capsys.readouterr().out

    reprocess_phase3(reprocessed_game(ANALYSIS_DATE - timedelta(days=7)))
    assert staleness.main(since) == 1
    out = capsys.readouterr().out
    assert "4 stale row(s)" in out and game_id_for(ANALYSIS_DATE - timedelta(days=7)) in out

    assert staleness.main([*since, "--json"]) == 1
    records = json.loads(capsys.readouterr().out)
    assert sorted((r["player_id"], r["analysis_date"]) for r in records) == sorted(
        (p, d.isoformat()) for p in ("a", "b") for d in built)

    assert staleness.main(["--since", "last week"]) == 2
    assert "--since" in capsys.readouterr().err
