"""The HTML report on a built scenario, parsed with the standard library's html.parser."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from data_processors.reporting.html_report import (
    collect_report_data,
    main,
    render_report,
    write_report,
)
from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.recording_client import RecordingClient
from tests.support.report_scenario import CLEAN, DAY, HOSTILE, NEVER, OUTAGE, build_report_scenario
from tests.support.warehouse_files import build_closed_warehouse, open_copy


class _Page(HTMLParser):
    """Collects tags, the days' headings, their game items, every table (caption + cell texts)
    and every chart segment's tooltip (per chart id)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.items: list[tuple[str, str]] = []
        self.tables: list[dict[str, Any]] = []
        self.days: list[str] = []
        self.segments: dict[str, list[str]] = {}
        self._chart = ""
        self._heading: list[str] | None = None
        self._segment: list[str] | None = None
        self._item: list[str] | None = None
        self._item_class = ""
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        classes = dict(attrs).get("class") or ""
        if tag == "li" and classes.startswith("st-"):
            self._item, self._item_class = [], classes
        elif tag == "h3":
            self._heading = []
        elif tag == "svg" and classes == "bars":
            self._chart = dict(attrs).get("id") or ""
            self.segments[self._chart] = []
        elif tag == "title" and self._chart and self.tags[-2][0] == "rect":
            self._segment = []
        elif tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._heading is not None:
            self.days.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "title" and self._segment is not None:
            self.segments[self._chart].append("".join(self._segment))
            self._segment = None
        elif tag == "svg":
            self._chart = ""
        elif tag == "li" and self._item is not None:
            self.items.append((self._item_class, " ".join("".join(self._item).split())))
            self._item = None
        elif tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        for sink in (self._item, self._caption, self._cell, self._heading, self._segment):
            if sink is not None:
                sink.append(data)

    def table(self, caption_part: str) -> dict[str, Any]:
        return next(t for t in self.tables if caption_part in t["caption"])


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory, warehouse_template: Path) -> Path:
    """The scenario (real processors and the audit, about a second) built ONCE for the module."""
    path = tmp_path_factory.mktemp("report_scenario") / "scenario.duckdb"
    return build_closed_warehouse(path, build_report_scenario, start_from=warehouse_template)


@pytest.fixture
def scenario(scenario_file: Path, tmp_path: Path) -> Iterator[DuckDBClient]:
    """Each test's own copy of the built scenario, open."""
    client = open_copy(scenario_file, tmp_path / "warehouse.duckdb")
    yield client
    client.close()


@pytest.fixture(scope="module")
def page_text(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report written ONCE for the module from its own copy of the scenario (tests only read it)."""
    folder = tmp_path_factory.mktemp("report_page")
    shutil.copyfile(scenario_file, folder / "warehouse.duckdb")
    client = DuckDBClient(str(folder / "warehouse.duckdb"))
    try:
        later = datetime.now(UTC) + timedelta(hours=80)
        path = write_report(client, DAY - timedelta(days=2), DAY + timedelta(days=1), folder / "r.html", now=later)
    finally:
        client.close()
    return path.read_text(encoding="utf-8")


@pytest.fixture
def page(page_text: str) -> tuple[str, _Page]:
    """The module's report text and a fresh parse of it for this test."""
    text = page_text
    parser = _Page()
    parser.feed(text)
    return text, parser


def _item(parser: _Page, game_id: str) -> tuple[str, str]:
    return next((cls, text) for cls, text in parser.items if game_id in text)


def test_calendar_marks_each_game_with_its_status_label(page: tuple[str, _Page]) -> None:
    _, parser = page
    assert _item(parser, CLEAN) == ("st-normal", f"\u2713LAL @ BOS {CLEAN} normal")
    assert _item(parser, OUTAGE)[0] == "st-partial_data" and _item(parser, OUTAGE)[1].endswith("partial data")
    assert _item(parser, HOSTILE)[0] == "st-logged_but_no_data"
    assert _item(parser, HOSTILE)[1].endswith("logged, no data")
    assert _item(parser, NEVER)[0] == "st-completely_missing" and _item(parser, NEVER)[1].endswith("missing")
    # One list item per day of the range (Jan 13-16), the year on the first day shown.
    assert parser.days == ["Mon Jan 13, 2025", "Tue Jan 14", "Wed Jan 15", "Thu Jan 16"]
    totals = dict((r[0], r[1]) for r in parser.table("Games per audit status")["rows"][1:])
    assert totals["\u2713normal"] == "1" and totals["\u2716missing"] == "1"


def test_hostile_game_id_is_escaped_everywhere(page: tuple[str, _Page]) -> None:
    text, parser = page
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;" in text
    assert all(tag != "img" for tag, _ in parser.tags)
    criticals = parser.table("Unresolved critical events")
    assert any(HOSTILE in row for row in criticals["rows"])


def test_page_is_self_contained(page: tuple[str, _Page]) -> None:
    text, parser = page
    assert not any(tag in ("script", "link", "img", "iframe", "object") for tag, _ in parser.tags)
    for _, attrs in parser.tags:
        assert not {"src", "href"} & set(attrs)
    assert "url(" not in text and "@import" not in text and "http" not in text.lower()
    assert parser.tags[0][0] == "html" and parser.tags[0][1].get("lang") == "en"


def test_tier_tables_count_rows_per_tier(page: tuple[str, _Page]) -> None:
    _, parser = page
    players = parser.table("nba_analytics.player_game_summary")
    counts = {row[0]: int(row[1]) for row in players["rows"][1:]}
    assert counts["gold"] == 13 and counts["silver"] == 13 and counts["poor"] == 0
    assert "26 rows" in players["caption"]
    teams = {row[0]: int(row[1]) for row in parser.table("team_offense_game_summary")["rows"][1:]}
    assert teams["gold"] == 4
    assert parser.table("player_prop_predictions")["caption"].endswith("0 rows")


def test_every_tier_table_lists_every_tier_and_unknown(page: tuple[str, _Page]) -> None:
    _, parser = page
    tier_tables = [t for t in parser.tables if t["caption"].endswith(" rows")]
    assert len(tier_tables) == 4
    for table in tier_tables:
        assert [row[0] for row in table["rows"][1:]] == ["gold", "silver", "bronze", "poor", "unusable", "unknown"]


def test_tier_charts_show_each_days_mix(page: tuple[str, _Page]) -> None:
    _, parser = page
    # Rows exist only on Jan 15 (13 gold + 13 silver players; 4 gold team rows): one segment
    # per tier present on that day; the other days of the range have no bar.
    assert parser.segments["tiers-0"] == ["Jan 15: gold 13 of 26 rows (50.0%)", "Jan 15: silver 13 of 26 rows (50.0%)"]
    assert parser.segments["tiers-1"] == ["Jan 15: gold 4 of 4 rows (100.0%)"]
    # Rolling averages and predictions have no rows in the range: no chart for them.
    assert set(parser.segments) == {"tiers-0", "tiers-1", "fallback-days"}
    assert parser.segments["fallback-days"] == ["Jan 15: nbac_gamebook_player_stats 1 of 1 events (100.0%)"]


def test_times_are_utc_to_the_second(page: tuple[str, _Page]) -> None:
    text, parser = page
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text) and "+00:00" not in text
    logged_at = [row[0] for row in parser.table("Unresolved critical events")["rows"][1:]]
    assert logged_at and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value) for value in logged_at)


def test_fallback_use_by_primary_and_by_used_source(page: tuple[str, _Page]) -> None:
    _, parser = page
    by_primary = parser.table("per primary source")["rows"][1:]
    assert by_primary == [["fallback_used", "nbac_gamebook_player_stats", "1"]]
    by_used = parser.table("per source used")["rows"][1:]
    assert by_used == [["fallback_used", "bdl_player_boxscores", "1"]]


def test_unresolved_criticals_show_how_long_they_are_open(page: tuple[str, _Page]) -> None:
    _, parser = page
    rows = parser.table("Unresolved critical events")["rows"][1:]
    kinds = sorted(row[2] for row in rows)
    # PGS and team processor source_missing for the hostile game; two audit flags.
    assert kinds == ["silent_failure (audit)", "silent_failure (audit)", "source_missing", "source_missing"]
    assert all(row[1].startswith("3 d") for row in rows)


def test_report_costs_three_partition_filtered_queries(scenario: Any) -> None:
    client = RecordingClient(scenario)
    for days in (1, 40):
        client.reset()
        data = collect_report_data(client, DAY, DAY + timedelta(days=days))
        assert client.calls["query"] == 3 == data.queries_issued
    render_report(data)


def test_command_line_writes_the_file(scenario: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    scenario.close()
    out = tmp_path / "cli.html"
    assert main(["--warehouse", url, "--start", DAY.isoformat(), "--end", DAY.isoformat(), "--out", str(out),
                 "--now", "2030-01-01T00:00:00+00:00"]) == 0
    assert out.read_text(encoding="utf-8").count('<li class="st-') == 4
    assert main(["--warehouse", url, "--start", "2025-01-16", "--end", "2025-01-15"]) == 2
