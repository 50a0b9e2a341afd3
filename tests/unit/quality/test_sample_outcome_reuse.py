"""``apply_sample_expectation`` scores each (sample size, day, cap, config) once and reuses it.

The reuse must never hand one configuration's outcome to another: every input of the sample's
score is part of the key, so a config with other thresholds or floors, another day or another
cap gets its own outcome, equal to what a fresh computation gives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from shared_services.quality import inheritance
from shared_services.quality.inheritance import apply_sample_expectation, inherit_quality
from shared_services.quality.scoring import ScoringConfig

BASE = inherit_quality(["gold"] * 3, [100.0] * 3, [[], [], []])


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    inheritance._SAMPLE_OUTCOMES.clear()
    yield
    inheritance._SAMPLE_OUTCOMES.clear()


def fresh(*args: object, **kwargs: object) -> dict:
    inheritance._SAMPLE_OUTCOMES.clear()
    return apply_sample_expectation(*args, **kwargs)  # type: ignore[arg-type]


def test_a_reused_outcome_equals_a_fresh_one() -> None:
    first = apply_sample_expectation(BASE, "2025-01-15")
    assert len(inheritance._SAMPLE_OUTCOMES) == 1
    again = apply_sample_expectation(BASE, "2025-01-15")
    assert len(inheritance._SAMPLE_OUTCOMES) == 1      # reused, not recomputed
    assert again == first == fresh(BASE, "2025-01-15")
    assert first["tier"].value == "bronze" and first["issues"] == ["thin_sample:3/8"]


@pytest.mark.parametrize("change", [
    # 3 games expected all season: the sample of 3 is not thin
    {"sample_threshold_early": 3, "sample_threshold_mid": 3, "sample_threshold_full": 3},
    # the reduced score of 80 is under the bronze floor: poor, not bronze
    {"gold_floor": 99.0, "silver_floor": 90.0, "bronze_floor": 85.0},
])
def test_another_config_gets_its_own_outcome(change: dict) -> None:
    plain = apply_sample_expectation(BASE, "2025-01-15", config=ScoringConfig())
    other_config = dataclasses.replace(ScoringConfig(), **change)
    other = apply_sample_expectation(BASE, "2025-01-15", config=other_config)
    assert other == fresh(BASE, "2025-01-15", config=other_config)
    assert other != plain


def test_another_day_or_cap_gets_its_own_outcome() -> None:
    mid = apply_sample_expectation(BASE, "2025-01-15")
    capped = apply_sample_expectation(BASE, "2025-01-15", max_expected=3)
    early = apply_sample_expectation(BASE, "2024-10-25")
    assert capped == fresh(BASE, "2025-01-15", max_expected=3) and capped["tier"].value == "gold"
    assert early == fresh(BASE, "2024-10-25")
    assert mid != capped
