"""The planted-bugs list (``tests/mutation/planted_bugs.py``) stays honest.

Cheap checks in the normal suite: every substitution still matches the source exactly once,
still makes valid Python, and every test it names still exists. The slow part (planting each
bug and running its tests) is ``python -m tests.mutation.planted_bugs`` (docs/testing.md).
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.mutation.planted_bugs import BUGS, REPO, apply, stale_substitutions

ISSUE_16_BUGS = {
    "sink_splits_batches_over_500_rows", "lookback_ignores_alert_sent", "phase4_ignores_inherited_tier",
    "terminal_load_error_reraised_not_spilled", "spool_file_marked_replayed_before_load",
    "partition_filter_checked_on_first_statement_only", "audit_classification_order_swapped",
}


def test_the_list_holds_the_seven_bugs_of_issue_16():
    assert {bug.name for bug in BUGS} == ISSUE_16_BUGS


def test_every_old_text_occurs_exactly_once_in_the_source():
    assert stale_substitutions() == []


def test_a_moved_old_text_is_reported_stale(tmp_path):
    bug = BUGS[0]
    sub = bug.substitutions[0]
    target = tmp_path / sub.path
    target.parent.mkdir(parents=True)
    target.write_text("# the code moved away\n", encoding="utf-8")
    assert stale_substitutions(tmp_path, [bug]) == [
        f"{bug.name}: the old text occurs 0 times in {sub.path} (must be once)"]
    target.write_text(sub.old + sub.old, encoding="utf-8")
    assert stale_substitutions(tmp_path, [bug]) == [
        f"{bug.name}: the old text occurs 2 times in {sub.path} (must be once)"]


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.name)
def test_each_bug_changes_the_code_and_still_parses(bug, tmp_path):
    for path in {sub.path for sub in bug.substitutions}:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text((REPO / path).read_text(encoding="utf-8"), encoding="utf-8")
    originals = apply(tmp_path, bug)
    for path, before in originals.items():
        after = path.read_text(encoding="utf-8")
        assert after != before
        ast.parse(after)  # a bug that does not compile would be "killed" for the wrong reason


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.name)
def test_each_bug_names_tests_that_exist(bug):
    assert bug.tests
    for node in bug.tests:
        file, _, name = node.partition("::")
        source = (REPO / file).read_text(encoding="utf-8")
        if name:
            assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), node
