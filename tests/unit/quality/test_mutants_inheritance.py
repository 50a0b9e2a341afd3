"""``inherit_quality``'s errors name the problem exactly (survivors of the mutation run).

An operator sees these messages in one line; they must say which input is wrong and why.
"""

from __future__ import annotations

import re

import pytest

from shared_services.quality.inheritance import inherit_quality


def test_no_input_says_so_in_full():
    with pytest.raises(ValueError, match=r"^inherit_quality\(\) needs at least one input; got none$"):
        inherit_quality([], [], [])


@pytest.mark.parametrize("scores, error, message", [
    ([90.0, "88"], TypeError, "scores[1] must be a number; got str '88'"),
    ([90.0, 70.0, float("nan")], ValueError, "scores[2] is NaN; every input needs a real quality score"),
    ([True], TypeError, "scores[0] must be a number; got bool True"),
])
def test_a_bad_score_is_named_by_its_position(scores, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        inherit_quality(["gold"] * len(scores), scores, [[] for _ in scores])


def test_a_non_str_issue_is_named_with_its_list():
    with pytest.raises(TypeError, match=r"^issues_lists\[1\] holds a non-str issue 42$"):
        inherit_quality(["gold", "gold"], [90.0, 90.0], [["ok"], ["fine", 42]])
