"""Fixtures of the downstream (phase 4 / phase 5) integration tests (defined in downstream_seed)."""

from tests.integration.downstream.downstream_seed import (  # noqa: F401
    reprocess_phase3,
    seed_phase3,
    seed_schedule,
)
