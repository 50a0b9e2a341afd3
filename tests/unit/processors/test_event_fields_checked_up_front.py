"""Event fields are checked on every call, not only on the night an event is due.

``fetch_with_fallback`` logs an event only when a source fails, and ``log_quality_outcome``
only for weak or unusable data. A misspelt keyword or a malformed date used to pass silently
on every good night and then raise exactly when the event was due: after the sources were
fetched, with the ``source_missing`` critical never logged and ``source_metadata`` left
without the game. Both now check the caller's fields first and raise before anything happens
(nothing fetched, nothing buffered), whatever the outcome would have been.
"""

from __future__ import annotations

import pandas as pd
import pytest

from shared_services.events.model import check_event_columns
from shared_services.events.serialization import RowSerializationError
from tests.unit.processors.test_fallback_source_mixin import EMPTY, ROWS, Chain, events

GOLD = {"tier": "gold", "score": 100.0, "issues": [], "sources": ["primary"]}
UNUSABLE = {"tier": "unusable", "score": 0.0, "issues": ["no_data"], "sources": []}


def _fetches(calls, primary):
    def fetch(name, result):
        def run(game_id):
            calls.append(name)
            return result
        return run
    return {"nbac_gamebook_player_stats": fetch("nbac", primary), "bdl_player_boxscores": fetch("bdl", EMPTY),
            "espn_game_boxscore": fetch("espn", EMPTY)}


@pytest.mark.parametrize("primary", [ROWS, EMPTY], ids=["primary ok", "every source empty"])
@pytest.mark.parametrize(("fields", "error", "words"), [
    ({"gamedate": "2025-01-15"}, ValueError, r"unknown event field\(s\) \['gamedate'\]"),
    ({"game_date": "2025-02-30"}, RowSerializationError, "game_date"),
    ({"is_synthetic": "yes please"}, RowSerializationError, "is_synthetic"),
    ({"resolution": "mine"}, ValueError, r"sets \['resolution'\] itself"),
    ({"primary_source": "bdl", "downstream_impact": "x"}, ValueError, r"sets \['downstream_impact', 'primary_source'\]"),
])
def test_fetch_with_fallback_refuses_bad_event_fields_before_fetching_anything(primary, fields, error, words):
    chain, calls = Chain(), []
    with pytest.raises(error, match=words):
        chain.fetch_with_fallback("0022400561", _fetches(calls, primary), **fields)
    assert calls == [] and events(chain) == [] and chain.source_metadata == {}


def test_good_event_fields_reach_the_event_as_before():
    chain, calls = Chain(), []
    data, tried = chain.fetch_with_fallback("0022400561", _fetches(calls, EMPTY), game_date="2025-01-15",
                                            team_abbr="LAL")
    assert data is None and calls == ["nbac", "bdl", "espn"]
    [event] = events(chain)
    assert (event["event_type"], event["game_date"], event["season"], event["team_abbr"]) == (
        "source_missing", "2025-01-15", "2024-25", "LAL")


@pytest.mark.parametrize("bad", [42, "nbac", object()])
def test_a_fetch_function_that_is_not_callable_is_a_type_error_not_an_outage(bad):
    chain = Chain()
    with pytest.raises(TypeError, match=r"^Chain: fetch function\(s\) for \['bdl_player_boxscores'\] are not callable$"):
        chain.fetch_with_fallback("0022400561", {"nbac_gamebook_player_stats": lambda g: ROWS,
                                                 "bdl_player_boxscores": bad})
    with pytest.raises(TypeError, match=r"\['reconstruction_fn'\] are not callable"):
        chain.fetch_with_fallback("0022400561", {"nbac_gamebook_player_stats": lambda g: ROWS}, reconstruction_fn=bad)
    assert events(chain) == [] and chain.source_metadata == {}
    # None still means "declared, no fetch function given"
    data, tried = chain.fetch_with_fallback("0022400561", {"nbac_gamebook_player_stats": None,
                                                           "bdl_player_boxscores": lambda g: ROWS})
    assert data is ROWS and tried == ["nbac_gamebook_player_stats_not_configured", "bdl_player_boxscores"]


@pytest.mark.parametrize("quality", [GOLD, UNUSABLE], ids=["gold", "unusable"])
@pytest.mark.parametrize(("columns", "error", "words"), [
    ({"gameid": "g1"}, ValueError, r"unknown event field\(s\) \['gameid'\]"),
    ({"game_date": "2025-02-30"}, RowSerializationError, "game_date"),
    ({"resolution": "kept"}, ValueError, r"sets \['resolution'\] itself"),
])
def test_log_quality_outcome_refuses_bad_columns_whatever_the_tier(quality, columns, error, words):
    chain = Chain()
    with pytest.raises(error, match=words):
        chain.log_quality_outcome(quality, "game g1", **columns)
    assert events(chain) == []


def test_check_event_columns_accepts_what_build_event_row_accepts():
    check_event_columns({})
    check_event_columns({"game_date": pd.Timestamp("2025-01-15"), "team_abbr": None, "season": "2024-25",
                         "fallback_sources_tried": ["a", "b"]})
    with pytest.raises(TypeError, match="^event columns must be a mapping"):
        check_event_columns([("game_date", "2025-01-15")])
