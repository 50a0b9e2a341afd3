"""Docs that work first try (issue 13): the snippets run, the docs agree, links stay inside."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shared_services.cli.errors import (
    EXIT_ENVIRONMENT,
    EXIT_FOUND,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
)
from shared_services.processors.fallback_source_mixin import FallbackSourceMixin
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.cli_runner import REPO, clean_env

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _section(path: Path, heading: str) -> str:
    """From ``heading`` to the next heading of the same or a higher level (code blocks skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    level = len(heading.split(" ")[0])
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    fenced = False
    for end in range(start + 1, len(lines)):
        if lines[end].startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(rf"#{{1,{level}}} ", lines[end]):
            return "".join(lines[start:end])
    return "".join(lines[start:])


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd,
                          env=clean_env(), timeout=120)


def test_integration_guide_starts_with_step_0_and_it_runs(tmp_path):
    guide = (REPO / "docs" / "integration.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## .*", guide, re.M)
    assert headings[0].startswith("## 0.")
    step0 = _section(REPO / "docs" / "integration.md", headings[0])
    for name in ("make_client", "coverage-setup", "ensure_schema", "QUALITY_COLUMNS_SCHEMA"):
        assert name in step0, name
    [code] = _python_blocks(step0)
    code += ("\nnames = {f.name for f in client.get_table(f'{client.project}.my_analytics.my_game_summary').schema}"
             "\nassert {'quality_tier', 'quality_metadata'} <= names, names"
             "\nclient.get_table(f'{client.project}.nba_reference.source_coverage_log')\n")
    done = _run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr


def test_primary_sources_for_quality_mixin_alone_is_explained_and_true(tmp_path):
    section = _section(REPO / "docs" / "integration.md", "### `PRIMARY_SOURCES` with `QualityMixin` alone")
    [code] = _python_blocks(section)
    without = code.replace("    PRIMARY_SOURCES = ['nbac_gamebook_player_stats']", "")
    assert without != code
    # the two snippets run side by side (each is mostly interpreter start-up)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done_with, done_without = pool.map(lambda snippet: _run_python(snippet, tmp_path),
                                           [code, without + "\nprint(quality['tier'], quality['issues'])"])
    assert done_with.returncode == 0, done_with.stderr                  # gold with PRIMARY_SOURCES
    assert done_without.returncode == 1 and "AssertionError" in done_without.stderr  # silver: scored as a backup


def test_readme_snippet_uses_what_the_guide_uses(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = _python_blocks(_section(REPO / "README.md", "## Add it to a processor"))[0]
    ast.parse(snippet)
    called = set(re.findall(r"self\.(\w+)\(", snippet))
    for name in called - {"read_gamebook", "read_bdl", "read_espn"}:
        assert any(hasattr(cls, name) for cls in (QualityMixin, FallbackSourceMixin)) or name in (
            "load_dataframe_batch",), name
    guide = (REPO / "docs" / "integration.md").read_text(encoding="utf-8")
    for usage in ("log_quality_outcome(quality", "load_dataframe_batch("):
        assert usage in snippet and usage in guide, usage
    # the table is passed explicitly in both, as the base's signature has it
    assert re.search(r"load_dataframe_batch\([^()]*(\([^()]*\))?[^()]*, self\.OUTPUT_TABLE\)", snippet)
    assert "load_dataframe_batch(rows, self.OUTPUT_TABLE)" in guide
    assert "ensure_schema" in guide and "integration.md" in readme


def test_no_link_leaves_the_repository():
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        targets = re.findall(r"\]\(([^)#\s]+)", text) + re.findall(r"`(\.\./[^`]+)`", text)
        for target in targets:
            if re.match(r"[a-z]+://", target):
                continue
            resolved = (doc.parent / target).resolve()
            assert resolved.is_relative_to(REPO), (doc.name, target)
            assert resolved.exists(), (doc.name, target)


def test_cron_time_is_stated_once():
    sources = [*DOCS, *REPO.glob("data_processors/**/*.py"), *REPO.glob("shared_services/**/*.py")]
    cron_lines = []
    for source in sources:
        for line in source.read_text(encoding="utf-8").splitlines():
            if re.search(r"^\s*(#\s*)?\d+ \d+ \* \* \*", line) or re.search(r"\b\d{1,2}:\d{2} UTC", line):
                cron_lines.append((source.name, line.strip()))
    times = {re.search(r"\d{1,2}:\d{2} UTC", line).group() for _, line in cron_lines if "UTC" in line}
    assert times == {"10:00 UTC"}, cron_lines
    assert [name for name, line in cron_lines if re.match(r"^\d+ \d+ \* \* \*", line)] == ["operations.md"]


def test_readme_says_how_long_the_tests_take_and_what_n_auto_does():
    quick = _section(REPO / "README.md", "## Quick start")
    assert re.search(r"takes about \d+ minutes?", quick)
    assert "`-n auto` uses every core" in quick


def test_quick_start_commands_are_unchanged():
    quick = _section(REPO / "README.md", "## Quick start")
    assert re.findall(r"```bash\n(.*?)\n```", quick, re.S) == [
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/coverage-demo",
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/pytest -n 2 -q",
    ]


def test_readme_exit_code_table_matches_the_code():
    table = _section(REPO / "README.md", "### Exit status")
    rows = dict(re.findall(r"^\| (\d) \| ([^|]+) \|", table, re.M))
    assert set(rows) == {str(c) for c in (EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_ENVIRONMENT, EXIT_INTERNAL)}
    assert "found" in rows[str(EXIT_FOUND)] and "usage" in rows[str(EXIT_USAGE)]
    assert "environment" in rows[str(EXIT_ENVIRONMENT)]
    assert "nba-coverage" in _section(REPO / "README.md", "## Commands")
