"""Configuration mistakes fail when the class is defined (issue 13), naming the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from data_processors.analytics.analytics_base import AnalyticsProcessorBase
from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.fallback_source_mixin import FallbackSourceMixin
from shared_services.processors.quality_mixin import QualityMixin


@pytest.mark.parametrize("attribute", ["REQUIRED_FIELDS", "OPTIONAL_FIELDS", "PRIMARY_SOURCES"])
def test_a_string_where_a_list_belongs_fails_at_definition(attribute):
    with pytest.raises(ImproperlyConfigured) as info:
        type("GameSummary", (QualityMixin,), {attribute: "game_id"})
    assert f"GameSummary.{attribute} must be a list" in str(info.value)
    assert f"{attribute} = ['game_id']" in str(info.value)


def test_field_weights_must_be_a_mapping():
    with pytest.raises(ImproperlyConfigured, match="FIELD_WEIGHTS must be a mapping"):
        type("P", (QualityMixin,), {"REQUIRED_FIELDS": ["points"], "FIELD_WEIGHTS": [("points", 3)]})


def test_the_list_form_scores_as_declared():
    class GameSummary(QualityMixin):
        REQUIRED_FIELDS = ["game_id"]

    quality = GameSummary().assess_quality(pd.DataFrame({"points": [1]}), ["primary"])
    assert quality["tier"] == "unusable"
    assert any("game_id" in issue for issue in quality["issues"])      # not 'g', 'a', 'm', ...


@pytest.mark.parametrize("bases", [
    (AnalyticsProcessorBase, QualityMixin),
    (AnalyticsProcessorBase, FallbackSourceMixin, QualityMixin),
    (QualityMixin, AnalyticsProcessorBase, FallbackSourceMixin),
])
def test_the_host_base_before_the_mixins_fails_at_definition(bases):
    with pytest.raises(ImproperlyConfigured, match="host base AnalyticsProcessorBase is listed before") as info:
        type("Summary", bases, {})
    assert "mixins go first and the host base last" in str(info.value)


@pytest.mark.parametrize("bases", [
    (FallbackSourceMixin, QualityMixin, AnalyticsProcessorBase),
    (QualityMixin, FallbackSourceMixin, AnalyticsProcessorBase),
])
def test_the_documented_orders_are_accepted(bases):
    cls = type("Summary", bases, {"PRIMARY_SOURCES": ["a"], "FALLBACK_SOURCES": ["b"]})
    assert issubclass(cls, AnalyticsProcessorBase)


def test_a_plain_mixin_without_init_may_come_first():
    class Timing:   # a user's own helper mixin: no __init__, nothing to shadow
        def elapsed(self) -> float:
            return 0.0

    cls = type("Summary", (Timing, QualityMixin, AnalyticsProcessorBase), {})
    assert cls.__mro__[1] is Timing
