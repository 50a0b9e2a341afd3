"""FallbackSourceMixin: order, outcomes, events and configuration checks (no warehouse)."""

from __future__ import annotations

import pandas as pd
import pytest

from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.fallback_source_mixin import FallbackSourceMixin
from shared_services.processors.quality_mixin import QualityMixin

ROWS = pd.DataFrame({"player_id": ["1", "2"], "points": [10, 20]})
EMPTY = ROWS.iloc[0:0]


class Chain(FallbackSourceMixin, QualityMixin):
    PRIMARY_SOURCES = ["nbac_gamebook_player_stats"]
    FALLBACK_SOURCES = ["bdl_player_boxscores", "espn_game_boxscore"]
    RECONSTRUCTION_ALLOWED = True

    def __init__(self):
        self.source_metadata = {}
        self.slept = []

    def _sleep(self, seconds):
        self.slept.append(seconds)


def events(processor):
    return processor._coverage_state().buffer.snapshot()


def boom(_game_id):
    raise ConnectionError("nba.com timed out")


def test_primary_success_logs_nothing():
    chain = Chain()
    data, tried = chain.fetch_with_fallback("0022400561", {
        "nbac_gamebook_player_stats": lambda g: ROWS,
        "bdl_player_boxscores": lambda g: pytest.fail("fallback must not be called"),
        "espn_game_boxscore": lambda g: pytest.fail("fallback must not be called"),
    })
    assert data is ROWS and tried == ["nbac_gamebook_player_stats"]
    assert events(chain) == []


def test_empty_and_error_move_on_and_the_fallback_event_tells_the_whole_story():
    chain = Chain()
    data, tried = chain.fetch_with_fallback("0022400561", {
        "nbac_gamebook_player_stats": boom,
        "bdl_player_boxscores": lambda g: EMPTY,
        "espn_game_boxscore": lambda g: ROWS,
    }, game_date="2025-01-15")
    assert data is ROWS
    assert tried == ["nbac_gamebook_player_stats_error", "bdl_player_boxscores_empty", "espn_game_boxscore"]
    [event] = events(chain)
    assert event["event_type"] == "fallback_used" and event["severity"] == "info"
    assert event["fallback_sources_tried"] == tried
    assert event["primary_source"] == "nbac_gamebook_player_stats"
    assert event["primary_source_status"] == "error"
    assert "ConnectionError: nba.com timed out" in event["resolution_details"]
    assert "bdl_player_boxscores: empty" in event["resolution_details"]
    assert event["game_date"] == "2025-01-15" and event["season"] == "2024-25"
    assert chain.source_metadata["0022400561"]["used_source"] == "espn_game_boxscore"


def test_a_declared_source_without_a_fetch_function_is_reported():
    chain = Chain()
    data, tried = chain.fetch_with_fallback("g1", {
        "bdl_player_boxscores": lambda g: ROWS,
    })
    assert tried == ["nbac_gamebook_player_stats_not_configured", "bdl_player_boxscores"]
    [event] = events(chain)
    assert event["primary_source_status"] == "missing"
    assert "no fetch function" in event["resolution_details"]


def test_a_fetch_function_for_an_undeclared_source_is_an_error():
    with pytest.raises(ValueError, match="nbac_gamebook"):
        Chain().fetch_with_fallback("g1", {"nbac_gamebook": lambda g: ROWS})


def test_reconstruction_runs_last_and_is_logged():
    chain = Chain()
    data, tried = chain.fetch_with_fallback(
        "g1", {s: (lambda g: EMPTY) for s in chain.get_source_order()}, reconstruction_fn=lambda g: ROWS)
    assert data is ROWS and tried[-1] == "reconstructed"
    [event] = events(chain)
    assert event["event_type"] == "reconstruction" and event["resolution"] == "reconstructed"


def test_nothing_works_logs_one_critical_source_missing_blocking_predictions():
    chain = Chain()
    data, tried = chain.fetch_with_fallback(
        "g1", {s: boom for s in chain.get_source_order()}, reconstruction_fn=lambda g: None)
    assert data is None
    assert tried == ["nbac_gamebook_player_stats_error", "bdl_player_boxscores_error",
                     "espn_game_boxscore_error", "reconstruction_empty"]
    [event] = events(chain)
    assert event["event_type"] == "source_missing" and event["severity"] == "critical"
    assert event["downstream_impact"] == "predictions_blocked"
    assert event["fallback_sources_tried"] == tried


def test_reconstruction_is_skipped_when_not_allowed():
    class NoRebuild(Chain):
        RECONSTRUCTION_ALLOWED = False

    chain = NoRebuild()
    data, tried = chain.fetch_with_fallback(
        "g1", {s: (lambda g: None) for s in chain.get_source_order()},
        reconstruction_fn=lambda g: pytest.fail("must not reconstruct"))
    assert data is None and "reconstructed" not in tried


def test_a_non_dataframe_result_counts_as_an_error():
    chain = Chain()
    _, tried = chain.fetch_with_fallback("g1", {
        "nbac_gamebook_player_stats": lambda g: [{"points": 1}],
        "bdl_player_boxscores": lambda g: ROWS})
    assert tried[0] == "nbac_gamebook_player_stats_error"
    assert "returned list" in events(chain)[0]["resolution_details"]


def test_optional_retries_with_backoff():
    class Retrying(Chain):
        SOURCE_RETRY_ATTEMPTS = 3
        SOURCE_RETRY_BACKOFF_SECONDS = 0.25

    calls = []

    def flaky(game_id):
        calls.append(game_id)
        if len(calls) < 3:
            raise TimeoutError("slow")
        return ROWS

    chain = Retrying()
    data, tried = chain.fetch_with_fallback("g1", {"nbac_gamebook_player_stats": flaky})
    assert data is ROWS and tried == ["nbac_gamebook_player_stats"]
    assert len(calls) == 3 and chain.slept == [0.25, 0.5]
    # empty results are not retried
    calls.clear()
    Retrying().fetch_with_fallback("g2", {"nbac_gamebook_player_stats": lambda g: calls.append(g) or EMPTY,
                                          "bdl_player_boxscores": lambda g: ROWS})
    assert calls == ["g2"]


@pytest.mark.parametrize("attrs, message", [
    ({"PRIMARY_SOURCES": ["a"], "FALLBACK_SOURCES": ["b", "a"]}, "more than once"),
    ({"PRIMARY_SOURCES": [], "FALLBACK_SOURCES": ["b"]}, "without PRIMARY_SOURCES"),
    ({"PRIMARY_SOURCES": "nbac"}, "must be a list"),
    ({"PRIMARY_SOURCES": ["a"], "SOURCE_RETRY_ATTEMPTS": 0}, "SOURCE_RETRY_ATTEMPTS"),
    ({"PRIMARY_SOURCES": ["a_empty"]}, "a_empty"),
])
def test_bad_configuration_is_rejected_when_the_class_is_defined(attrs, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        type("Bad", (FallbackSourceMixin, QualityMixin), attrs)


def test_without_quality_mixin_the_error_says_what_to_add():
    class Lonely(FallbackSourceMixin):
        PRIMARY_SOURCES = ["a"]

    with pytest.raises(TypeError, match="QualityMixin"):
        Lonely().fetch_with_fallback("g1", {"a": lambda g: ROWS})
