"""FallbackSourceMixin (survivors of the mutation run on ``processors/fallback_source_mixin.py``):
what each event says in full (resolution, impact, primary status, the exact failure text),
what ``source_metadata`` keeps, how many times a failing source is called and how long the
chain waits, a host without ``source_metadata``, and the argument errors word for word.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.fallback_source_mixin import FallbackSourceMixin
from shared_services.processors.quality_mixin import QualityMixin
from tests.unit.processors.test_fallback_source_mixin import ROWS, Chain
from tests.unit.processors.test_fallback_source_mixin import events as _events

GAME = "0022400561"
[PRIMARY], [BDL, ESPN] = Chain.PRIMARY_SOURCES, Chain.FALLBACK_SOURCES  # the gamebook, bdl, espn


def _raises(message: str) -> Any:
    def fetch(_game_id: str) -> pd.DataFrame:
        raise ValueError(message)
    return fetch


def test_a_fallback_event_and_the_metadata_tell_each_failure_exactly():
    chain = Chain()
    data, tried = chain.fetch_with_fallback(GAME, {PRIMARY: lambda g: ROWS.iloc[0:0], BDL: _raises("boom"),
                                                   ESPN: lambda g: ROWS})
    assert data is ROWS
    details = f"{PRIMARY}: empty (no rows); {BDL}: error (ValueError: boom)"
    [event] = _events(chain)
    assert (event["resolution"], event["downstream_impact"]) == ("used_fallback", "predictions_degraded")
    assert event["primary_source_status"] == "missing" and event["resolution_details"] == details
    assert chain.source_metadata[GAME] == {"used_source": ESPN, "sources_tried": tried, "failures": details}


@pytest.mark.parametrize(("primary", "status", "detail"), [
    (None, "missing", "not_configured (no fetch function was given)"),
    (_raises("nba.com timed out"), "error", "error (ValueError: nba.com timed out)"),
])
def test_the_primarys_status_and_failure_text(primary, status, detail):
    chain = Chain()
    functions = {BDL: lambda g: ROWS} if primary is None else {PRIMARY: primary, BDL: lambda g: ROWS}
    chain.fetch_with_fallback(GAME, functions)
    [event] = _events(chain)
    assert event["primary_source_status"] == status
    assert event["resolution_details"] == f"{PRIMARY}: {detail}"


def test_reconstruction_is_given_the_game_and_recorded_as_the_source_used():
    chain = Chain()
    asked: list[str] = []
    data, tried = chain.fetch_with_fallback(GAME, {PRIMARY: _raises("a"), BDL: _raises("b"), ESPN: _raises("c")},
                                            reconstruction_fn=lambda g: asked.append(g) or ROWS)
    assert data is ROWS and asked == [GAME]
    [event] = _events(chain)
    assert (event["event_type"], event["resolution"], event["downstream_impact"]) \
        == ("reconstruction", "reconstructed", "predictions_degraded")
    assert chain.source_metadata[GAME]["used_source"] == "reconstructed" == tried[-1]


def test_nothing_at_all_is_a_failed_resolution():
    chain = Chain()
    data, _ = chain.fetch_with_fallback(GAME, {PRIMARY: _raises("a"), BDL: _raises("b"), ESPN: _raises("c")})
    [event] = _events(chain)
    assert data is None and (event["resolution"], event["downstream_impact"]) == ("failed", "predictions_blocked")
    assert chain.source_metadata[GAME]["used_source"] is None


@pytest.mark.parametrize("attempts", [1, 3])
def test_a_source_that_always_raises_is_called_exactly_its_attempts_and_never_waited_for_after(attempts):
    chain = type("Retrying", (Chain,), {"SOURCE_RETRY_ATTEMPTS": attempts, "SOURCE_RETRY_BACKOFF_SECONDS": 0.5})()
    calls: list[str] = []

    def failing(game_id: str) -> pd.DataFrame:
        calls.append(game_id)
        raise ConnectionError("down")

    data, tried = chain.fetch_with_fallback(GAME, {PRIMARY: failing, BDL: lambda g: ROWS})
    assert data is ROWS and tried == [f"{PRIMARY}_error", BDL]
    assert calls == [GAME] * attempts
    assert chain.slept == [0.5 * 2 ** n for n in range(attempts - 1)]  # between attempts only


def test_a_host_without_source_metadata_still_fetches():
    class Bare(FallbackSourceMixin, QualityMixin):
        PRIMARY_SOURCES = [PRIMARY]

    data, tried = Bare().fetch_with_fallback(GAME, {PRIMARY: lambda g: ROWS})
    assert data is ROWS and tried == [PRIMARY]


@pytest.mark.parametrize("game_id", [561, "", None, b"0022400561"])
def test_a_game_id_that_is_not_a_non_empty_str_is_refused_by_name(game_id):
    with pytest.raises(TypeError) as raised:
        Chain().fetch_with_fallback(game_id, {PRIMARY: lambda g: ROWS})
    assert str(raised.value) == f"game_id must be a non-empty str, got {game_id!r}"


def test_the_other_argument_errors_name_what_is_wrong():
    with pytest.raises(TypeError) as raised:
        Chain().fetch_with_fallback(GAME, [lambda g: ROWS])  # type: ignore[arg-type]
    assert str(raised.value) == "fetch_functions must be a mapping of source name to callable, got list"
    with pytest.raises(ValueError) as undeclared:
        Chain().fetch_with_fallback(GAME, {"nba_api_scrape": lambda g: ROWS})
    assert str(undeclared.value).startswith("Chain: fetch function(s) for undeclared source(s) ['nba_api_scrape']")

    class NoLog(FallbackSourceMixin):
        PRIMARY_SOURCES = [PRIMARY]

    with pytest.raises(TypeError) as missing:
        NoLog().fetch_with_fallback(GAME, {PRIMARY: lambda g: ROWS})
    assert str(missing.value) == "NoLog needs log_quality_event(); add QualityMixin to its bases"


def _define(**attrs: Any) -> type:
    return type("Defined", (FallbackSourceMixin, QualityMixin), {"PRIMARY_SOURCES": [PRIMARY], **attrs})


@pytest.mark.parametrize(("attrs", "message"), [
    ({"FALLBACK_SOURCES": BDL}, f"Defined.FALLBACK_SOURCES must be a list of source names, got {BDL!r}"),
    ({"FALLBACK_SOURCES": [BDL, 5]}, "Defined.FALLBACK_SOURCES holds an invalid source name 5"),
    ({"FALLBACK_SOURCES": [BDL, "  "]}, "Defined.FALLBACK_SOURCES holds an invalid source name '  '"),
    ({"FALLBACK_SOURCES": ["reconstructed"]},
     "Defined.FALLBACK_SOURCES: source name 'reconstructed' is reserved for outcome markers; rename it"),
    ({"FALLBACK_SOURCES": [f"{BDL}_error"]},
     f"Defined.FALLBACK_SOURCES: source name '{BDL}_error' is reserved for outcome markers; rename it"),
    ({"SOURCE_RETRY_BACKOFF_SECONDS": -0.1}, "Defined.SOURCE_RETRY_BACKOFF_SECONDS must be >= 0"),
    ({"FALLBACK_SOURCES": [BDL, PRIMARY]},
     f"Defined: source(s) ['{PRIMARY}'] listed more than once across PRIMARY_SOURCES and FALLBACK_SOURCES; "
     "list each source once, in priority order"),
])
def test_each_configuration_error_is_one_message_naming_class_attribute_and_value(attrs, message):
    with pytest.raises(ImproperlyConfigured) as raised:
        _define(**attrs)
    assert str(raised.value) == message


def test_no_wait_between_attempts_is_allowed():
    chain = type("NoWait", (Chain,), {"SOURCE_RETRY_ATTEMPTS": 2, "SOURCE_RETRY_BACKOFF_SECONDS": 0})()
    data, _ = chain.fetch_with_fallback(GAME, {PRIMARY: _raises("down"), BDL: lambda g: ROWS})
    assert data is ROWS and chain.slept == [0]
