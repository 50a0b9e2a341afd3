"""Season calendar: boundaries, input types, malformed input."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from shared_services.quality.season import (
    as_game_date,
    expected_sample_size,
    games_into_season,
    is_early_season,
    season_label,
    season_start,
)


@pytest.mark.parametrize(
    ("game_date", "start"),
    [
        ("2025-01-01", date(2024, 10, 15)),
        ("2025-01-15", date(2024, 10, 15)),
        ("2025-06-30", date(2024, 10, 15)),  # last day of the 2024-25 season window
        ("2025-07-01", date(2025, 10, 15)),  # off-season belongs to the upcoming season
        ("2025-09-30", date(2025, 10, 15)),
        ("2025-10-01", date(2025, 10, 15)),
        ("2025-10-15", date(2025, 10, 15)),
        ("2025-12-31", date(2025, 10, 15)),
    ],
)
def test_season_start_boundaries(game_date: str, start: date) -> None:
    assert season_start(game_date) == start


@pytest.mark.parametrize(
    ("game_date", "games"),
    [
        ("2024-10-15", 0),
        ("2024-10-16", 0),
        ("2024-10-17", 1),
        ("2024-10-25", 5),
        ("2025-01-15", 46),
        ("2025-06-30", 129),
        ("2025-07-01", 0),
        ("2025-10-01", 0),  # before the Oct 15 start: never negative
        ("2025-10-14", 0),
    ],
)
def test_games_into_season(game_date: str, games: int) -> None:
    assert games_into_season(game_date) == games


@pytest.mark.parametrize(
    ("game_date", "expected"),
    [
        ("2024-10-15", 1),  # 0 games -> min(3, 0 + 1)
        ("2024-10-17", 2),  # 1 game
        ("2024-10-19", 3),  # 2 games -> min(3, 3)
        ("2024-11-02", 3),  # 9 games
        ("2024-11-04", 5),  # 10 games
        ("2024-12-12", 5),  # 29 games
        ("2024-12-14", 8),  # 30 games
        ("2025-08-01", 1),  # off-season
    ],
)
def test_expected_sample_size_phases(game_date: str, expected: int) -> None:
    assert expected_sample_size(game_date) == expected


def test_expected_sample_size_custom_thresholds() -> None:
    assert expected_sample_size("2024-10-25", thresholds=(10, 20, 30)) == 6  # games + 1
    assert expected_sample_size("2024-11-20", thresholds=(10, 20, 30)) == 20
    assert expected_sample_size("2025-03-01", thresholds=(10, 20, 30)) == 30


@pytest.mark.parametrize("bad", [(3, 5), (3, 5, -1), (3, 5, 8.0), "358"])
def test_expected_sample_size_rejects_bad_thresholds(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="thresholds"):
        expected_sample_size("2025-01-15", thresholds=bad)  # type: ignore[arg-type]


def test_early_season_is_fewer_than_fifteen_games() -> None:
    assert is_early_season("2024-11-13") is True  # 14 games
    assert is_early_season("2024-11-14") is False  # 15 games
    assert is_early_season("2025-01-15") is False
    assert is_early_season("2025-08-01") is True  # off-season: 0 games
    assert is_early_season("2025-01-15", early_games=50) is True


@pytest.mark.parametrize(
    ("game_date", "label"),
    [
        ("2025-01-15", "2024-25"),
        ("2025-06-30", "2024-25"),
        ("2025-07-01", "2025-26"),
        ("2024-10-01", "2024-25"),
        ("1999-11-01", "1999-00"),
        ("2009-12-25", "2009-10"),
    ],
)
def test_season_label(game_date: str, label: str) -> None:
    assert season_label(game_date) == label


@pytest.mark.parametrize(
    "value",
    [
        date(2025, 1, 15),
        datetime(2025, 1, 15, 22, 30),
        datetime(2025, 1, 15, 22, 30, tzinfo=timezone(timedelta(hours=-5))),
        pd.Timestamp("2025-01-15 19:00"),
        pd.Timestamp("2025-01-15 19:00", tz="US/Eastern"),
        "2025-01-15",
    ],
)
def test_all_supported_inputs_give_the_same_date(value: object) -> None:
    assert as_game_date(value) == date(2025, 1, 15)
    assert games_into_season(value) == 46  # type: ignore[arg-type]


def test_aware_datetime_uses_its_own_date_part() -> None:
    late_in_la = datetime(2025, 1, 15, 23, 0, tzinfo=timezone(timedelta(hours=-8)))
    assert as_game_date(late_in_la) == date(2025, 1, 15)


@pytest.mark.parametrize(
    "value",
    ["2025-1-15", "15/01/2025", "2025-02-30", "20250115", "", " 2025-01-15", "2025-01-15T10:00"],
)
def test_malformed_strings_raise_value_error_naming_the_value(value: str) -> None:
    with pytest.raises(ValueError, match=repr(value).replace("\\", "\\\\").replace("[", r"\[")):
        season_start(value)


@pytest.mark.parametrize("value", [None, 20250115, 2025.0, ["2025-01-15"]])
def test_other_types_raise_type_error_naming_the_value(value: object) -> None:
    with pytest.raises(TypeError, match=type(value).__name__):
        games_into_season(value)  # type: ignore[arg-type]


def test_nat_is_rejected() -> None:
    with pytest.raises(ValueError, match="NaT"):
        as_game_date(pd.NaT)
