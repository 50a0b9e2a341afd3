"""The HTML report in a real browser (headless Chromium) at 1280 px and at 390 px (a phone).

Two pages: the audited warehouse scenario, and a busy fortnight over a month boundary with
an 80-digit game id, an 84-character source name and a 120-character word in a description.
At both widths: nothing wider than the viewport, every chart drawn (non-zero size, with
bars), nothing fetched. At 390 px: days stacked as a list, no game squeezed past three lines.
At 1280 px: days laid out in week rows.

Set COVERAGE_REPORT_SCREENSHOTS=DIR to keep full-page screenshots of each page and width.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from data_processors.reporting.html_report import render_report, write_report
from tests.support.headless_browser import HeadlessBrowser, find_browser
from tests.support.report_scenario import DAY, build_report_scenario, busy_fortnight

WIDE, PHONE = 1280, 390

MEASURE = """(() => {
  const root = document.documentElement, viewport = root.clientWidth;
  const box = el => { const r = el.getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, height: r.height}; };
  const overflowing = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > viewport + 0.5 || r.left < -0.5)) {
      overflowing.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''} ${Math.round(r.left)}..${Math.round(r.right)} px`);
    }
  }
  return {
    innerWidth: window.innerWidth, clientWidth: viewport, scrollWidth: root.scrollWidth,
    overflowing: overflowing.slice(0, 20),
    charts: [...document.querySelectorAll('svg.bars')].map(svg => ({id: svg.id, ...box(svg),
             bars: svg.querySelectorAll('rect').length, labels: svg.querySelectorAll('text').length})),
    days: [...document.querySelectorAll('ol.days > li')].map(box),
    games: [...document.querySelectorAll('ul.games > li')].map(li => ({height: li.getBoundingClientRect().height,
             line: parseFloat(getComputedStyle(li).lineHeight), id: li.querySelector('.gid').textContent})),
    weekdaysShown: getComputedStyle(document.querySelector('.weekdays')).display !== 'none',
    fetched: performance.getEntriesByType('resource').map(entry => entry.name),
  };
})()"""


@pytest.fixture(scope="module")
def browser() -> Iterator[HeadlessBrowser]:
    if find_browser() is None:
        pytest.skip("no Chromium-family browser on this machine (Debian: apt-get install chromium; "
                    ".ci/run installs it when apt-get is available; or set COVERAGE_TEST_BROWSER)")
    with HeadlessBrowser.launch() as running:
        yield running


def _measure(browser: HeadlessBrowser, page_path: Path, width: int) -> dict[str, Any]:
    page = browser.open(page_path, width)
    found: dict[str, Any] = page.evaluate(MEASURE)
    shots = os.environ.get("COVERAGE_REPORT_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(Path(shots) / f"{page_path.stem}-{width}.png")
    return found


def _check_both_widths(browser: HeadlessBrowser, page_path: Path, charts: list[str]) -> dict[int, dict[str, Any]]:
    results = {}
    for width in (WIDE, PHONE):
        found = _measure(browser, page_path, width)
        where = f"{page_path.name} at {width} px"
        # The viewport really is this wide (a phone viewport widens itself to fit overflow).
        assert found["innerWidth"] == width and found["clientWidth"] == width, where
        assert found["scrollWidth"] <= width, f"{where}: page is {found['scrollWidth']} px wide"
        assert found["overflowing"] == [], f"{where}: elements past the right edge"
        assert [chart["id"] for chart in found["charts"]] == charts, where
        for chart in found["charts"]:
            assert chart["width"] > 200 and chart["height"] > 20 and chart["bars"] > 0, (where, chart)
            assert chart["left"] >= 0 and chart["left"] + chart["width"] <= width, (where, chart)
        assert found["fetched"] == [], f"{where}: the page loaded other resources"
        results[width] = found
    wide, phone = results[WIDE], results[PHONE]
    # Wide: a calendar (week rows under weekday headings); phone: one day under the other.
    assert wide["weekdaysShown"] and not phone["weekdaysShown"]
    first_week = wide["days"][:7]
    assert len({round(day["top"]) for day in first_week}) == 1
    assert [day["left"] for day in first_week] == sorted({day["left"] for day in first_week})
    assert len({round(day["left"]) for day in phone["days"]}) == 1
    tops = [day["top"] for day in phone["days"]]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    assert all(day["width"] >= PHONE - 2 * 16 for day in phone["days"])
    # No game with an NBA-style id squeezed: each fits in three lines (plus padding and borders)
    # at 1280 px, and in two on a phone, where the day has the whole width.
    for found, lines in ((wide, 3), (phone, 2)):
        squeezed = [game for game in found["games"]
                    if len(game["id"]) <= 10 and game["height"] > lines * game["line"] + 12]
        assert squeezed == [], squeezed
    return results


def test_audited_scenario_page_fits_phone_and_desktop(browser: HeadlessBrowser, warehouse: Any,
                                                      tmp_path: Path) -> None:
    build_report_scenario(warehouse)
    path = write_report(warehouse, DAY - timedelta(days=2), DAY + timedelta(days=1), tmp_path / "scenario.html",
                        now=datetime.now(UTC) + timedelta(hours=80))
    results = _check_both_widths(browser, path, ["tiers-0", "tiers-1", "fallback-days"])
    assert len(results[PHONE]["games"]) == 4 and len(results[PHONE]["days"]) == 4


def test_busy_fortnight_with_long_strings_fits_phone_and_desktop(browser: HeadlessBrowser, tmp_path: Path) -> None:
    path = tmp_path / "fortnight.html"
    path.write_text(render_report(busy_fortnight()), encoding="utf-8")
    results = _check_both_widths(browser, path, ["tiers-0", "tiers-1", "fallback-days"])
    assert len(results[PHONE]["days"]) == 14 and len(results[PHONE]["games"]) == 68
