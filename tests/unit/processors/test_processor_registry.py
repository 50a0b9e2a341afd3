"""The processor registry: self-registration, configuration errors named at once, scoping."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.registry import (
    ENV_PROCESSOR_MODULES,
    ProcessorRegistry,
    import_processor_modules,
    register_processor,
    restrict_to_games,
)


class _Recorder:
    """A minimal processor: records the options of each run."""

    OUTPUT_TABLE = "ds.out"
    seen: list[dict[str, Any]] = []

    def __init__(self, bq_client: Any = None) -> None:
        self.bq_client = bq_client

    def run(self, opts: dict[str, Any]) -> dict[str, Any]:
        type(self).seen.append(dict(opts))
        return {"rows_written": 3}


def test_a_decorated_class_registers_itself_and_is_returned_unchanged() -> None:
    local = ProcessorRegistry()

    @register_processor(phase="phase_3", games_option="game_ids", target=local)
    class Summary(_Recorder):
        pass

    assert isinstance(Summary, type) and "Summary" in local and len(local) == 1
    [entry] = local.processors("phase_3")
    assert entry.processor_class is Summary and entry.output_table == "ds.out"
    assert local.processors("phase_4") == []


def test_run_passes_the_date_and_only_the_scopes_the_processor_supports() -> None:
    local = ProcessorRegistry()
    games = local.register(_Recorder, phase="phase_3", games_option="game_ids", name="games")
    whole = local.register(_Recorder, phase="phase_5", name="whole")
    _Recorder.seen.clear()
    assert games.run("client", date(2025, 1, 13), games=["b", "a", "a"]) == {"rows_written": 3}
    whole.run("client", date(2025, 1, 14), games=["a"], players=["p"])
    assert _Recorder.seen == [{"game_date": date(2025, 1, 13), "game_ids": ["a", "b"]},
                              {"game_date": date(2025, 1, 14)}]


@pytest.mark.parametrize("kwargs, message", [
    ({"phase": "phase_2"}, "phase must be one of"),
    ({"phase": "phase_4"}, "input_table"),
    ({"phase": "phase_5", "games_option": "game_ids"}, "games_option is for phase_3"),
    ({"phase": "phase_3", "date_option": "game date"}, "date_option must be an option name"),
    ({"phase": "phase_4", "input_table": "no dots; DROP"}, "input_table"),
])
def test_bad_configuration_is_refused_with_the_class_name(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        ProcessorRegistry().register(_Recorder, **kwargs)
    assert "_Recorder" in str(caught.value)


def test_a_non_processor_cannot_register() -> None:
    with pytest.raises(ImproperlyConfigured, match="run"):
        ProcessorRegistry().register(object, phase="phase_3")


def test_registering_the_same_class_twice_is_a_no_op_but_a_name_clash_is_an_error() -> None:
    local = ProcessorRegistry()
    local.register(_Recorder, phase="phase_3")
    local.register(_Recorder, phase="phase_3")
    assert len(local) == 1

    class Other(_Recorder):
        pass

    with pytest.raises(ImproperlyConfigured, match="name is taken"):
        local.register(Other, phase="phase_3", name="_Recorder")
    local.unregister("_Recorder")
    assert "_Recorder" not in local
    with pytest.raises(KeyError, match="no processor registered"):
        local.get("_Recorder")


def test_the_platform_processors_register_themselves_in_phase_order() -> None:
    from data_processors.source_coverage_audit.heal import registered

    names = {phase: [e.name for e in registered(phase)] for phase in ("phase_3", "phase_4", "phase_5")}
    assert names["phase_3"][:2] == ["PlayerGameSummaryProcessor", "TeamOffenseGameSummaryProcessor"]
    assert "PlayerRollingAverageProcessor" in names["phase_4"]
    assert "PredictionGenerator" in names["phase_5"]
    [rolling] = [e for e in registered("phase_4") if e.name == "PlayerRollingAverageProcessor"]
    assert rolling.input_table == "nba_analytics.player_game_summary" and rolling.players_option == "players"


def test_modules_from_the_environment_are_imported_and_a_missing_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PROCESSOR_MODULES, "json, ,data_processors.predictions.prediction_generator")
    assert import_processor_modules(["json"]) == ["json", "data_processors.predictions.prediction_generator"]
    monkeypatch.setenv(ENV_PROCESSOR_MODULES, "no_such_team.processors")
    with pytest.raises(ImproperlyConfigured, match="no_such_team.processors"):
        import_processor_modules()


def test_restrict_to_games_keeps_only_the_given_games() -> None:
    schedule = pd.DataFrame({"game_id": ["a", "b", "c"], "n": [1, 2, 3]})
    assert restrict_to_games(schedule, None) is schedule
    assert list(restrict_to_games(schedule, ["c", "a", "zz"])["game_id"]) == ["a", "c"]
    assert restrict_to_games(schedule, []).empty
    for bad in ("a", [""], [1], b"a"):
        with pytest.raises(TypeError, match="game id"):
            restrict_to_games(schedule, bad)
