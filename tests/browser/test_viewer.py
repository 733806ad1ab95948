"""The static snapshot as readers see it in a real Chromium: JupyterLab light and dark, trusted and
untrusted (a notebook opened from a clone), and nbconvert's HTML.

On a fixed demo trace (``tests/support/demo_trace.py``) every view must hold the same promises: the bar
area is at least half of the output's width, all duration cells share one right edge, no row overflows
or wraps, the critical path line, the slowest steps and the single error are there, and a folded group
opens. A 10,000-span trace shows its useful parts on the first screen.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from datapizza_tracing.frontends.notebook.bundles import report_bundle
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.storage.files import save_snapshot
from tests.support.demo_trace import demo_snapshot
from tests.support.jupyterlab import (
    ARTIFACTS,
    KERNEL_IDLE_JS,
    JupyterLab,
    chromium,
    display_output,
    jupyterlab,
    notebook,
)
from tests.support.records import llm, snapshot, span

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORT = {"width": 1400, "height": 1000}
TALL = {"width": 1400, "height": 2000}  # the whole output in view, for its screenshot
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}

# Measures every visible row of every waterfall on the page.
MEASURE_JS = """() => [...document.querySelectorAll('.dpt-waterfall')].map(waterfall => {
    const rows = [...waterfall.querySelectorAll('.dpt-wf-head, .dpt-row')]
        .filter(row => row.getBoundingClientRect().height > 0);
    const box = element => element.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(rows[1] || rows[0]).lineHeight) || 18;
    return {
        rows: rows.length,
        barShare: Math.min(...rows.map(row => box(row.lastElementChild).width / box(waterfall).width)),
        durationRights: rows.map(row => Math.round(box(row.children[1]).right)),
        tallest: Math.max(...rows.map(row => box(row).height)),
        line: line,
        overflowing: rows.filter(row => row.scrollWidth > row.clientWidth + 1).length,
    };
})"""


def big_snapshot() -> TraceSnapshot:
    """10,000 spans: a loop of tool steps with a model call every 50, under one agent."""
    spans = [span(1, 0, 0, 120, "nightly_batch"), span(2, 1, 0, 120, "agent", attributes={"type": "agent"})]
    for i in range(9_998):
        start = i * 0.012
        if i % 50 == 0:
            spans.append(
                llm(10 + i, 2, start, start + 0.01, "gpt-4o-mini", 300, 40)._replace(name=f"step {i}")
            )
        else:
            spans.append(span(10 + i, 2, start, start + 0.01, f"step {i}", attributes={"type": "tool"}))
    return snapshot(*spans, name="nightly_batch")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """JupyterLab serving the demo and the big notebooks, each with its snapshot saved in it (untrusted)."""
    with jupyterlab(tmp_path_factory.mktemp("viewer"), env={"DATAPIZZA_TRACING_DISPLAY": "static"}) as server:
        for name, snap in (("demo", demo_snapshot()), ("big", big_snapshot())):
            save_snapshot(snap, server.root / f"{name}.json")
            cells = [
                ("import datapizza_tracing", []),
                (f"datapizza_tracing.load('{name}.json').show()", [display_output(report_bundle(snap))]),
            ]
            (server.root / f"{name}.ipynb").write_text(json.dumps(notebook(cells)))
        yield server


def check_waterfall(page: Any, where: str) -> None:
    [measured] = page.evaluate(MEASURE_JS)
    assert measured["rows"] >= 8, (where, measured)
    assert measured["barShare"] >= 0.49, (where, measured)  # the bars take half of the output
    rights = measured["durationRights"]
    assert max(rights) - min(rights) <= 1, (where, rights)  # one right edge for every duration
    assert measured["tallest"] <= 1.6 * measured["line"], (where, measured)  # no row wraps
    assert measured["overflowing"] == 0, (where, measured)


def check_insights(page: Any, where: str) -> None:
    static = page.locator(".dpt-static").first
    critical = static.locator(".dpt-critical").inner_text()
    assert critical.startswith("Critical path: answer_question → agent → search → rank"), (where, critical)
    errors = " ".join(static.locator(".dpt-errors").inner_text().split())
    assert errors.startswith("1 error"), (where, errors)
    assert "raised in classify, propagated through loader" in errors, (where, errors)
    assert "pipeline.py:17 in classify" in errors, (where, errors)  # the user's frame, not the library's
    assert "Slowest steps" in static.inner_text(), where


def check_group_opens(page: Any, where: str) -> None:
    summary = page.locator("summary.dpt-row", has_text="×6").first
    group = summary.locator("xpath=..")
    assert group.get_attribute("open") is None, where  # folded at first: nothing failed in it
    members = group.locator(":scope > details.dpt-span > summary.dpt-row, :scope > div.dpt-row")
    assert members.count() == 6 and not any(members.nth(i).is_visible() for i in range(6)), where
    summary.click()
    assert all(members.nth(i).is_visible() for i in range(6)), where
    summary.click()  # folded again, as it was


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    news = page.get_by_role("button", name="No")  # JupyterLab asks about its news once
    if news.count():
        news.first.click()
    page.locator(".dpt-static").first.screenshot(path=str(ARTIFACTS / f"viewer-{name}.png"))


def trusted(page: Any) -> bool:
    """Whether the output kept its <style>: JupyterLab strips it from untrusted outputs."""
    return page.evaluate("() => !!document.querySelector('.dpt-static style')")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_snapshot_reads_the_same_trusted_and_untrusted(lab: JupyterLab, theme: str) -> None:
    lab.set_theme(THEMES[theme])
    with chromium() as browser:
        page = browser.new_page(viewport=TALL)
        page.set_default_timeout(60_000)
        try:
            page.goto(f"{lab.base}/lab/tree/demo.ipynb?reset")  # a fresh workspace: one notebook open
            page.locator(".dpt-static").first.wait_for()
            dark = page.evaluate("() => document.body.dataset.jpThemeLight")
            assert dark == ("true" if theme == "light" else "false"), dark
            # Opened from disk: the saved output, untrusted.
            assert not trusted(page)
            check_waterfall(page, f"{theme} untrusted")
            check_insights(page, f"{theme} untrusted")
            check_group_opens(page, f"{theme} untrusted")
            shot(page, f"{theme}-untrusted")

            # Run again in the kernel: the same view, now trusted.
            page.wait_for_function(KERNEL_IDLE_JS, timeout=90_000)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            page.wait_for_function("() => !!document.querySelector('.dpt-static style')", timeout=90_000)
            check_waterfall(page, f"{theme} trusted")
            check_insights(page, f"{theme} trusted")
            check_group_opens(page, f"{theme} trusted")
            shot(page, f"{theme}-trusted")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"viewer-{theme}-failure.png"), full_page=True)
            raise


@pytest.mark.timeout(300)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_snapshot_reads_the_same_in_nbconvert_html(lab: JupyterLab, theme: str) -> None:
    output = lab.root / f"demo-{theme}.html"
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", f"--HTMLExporter.theme={theme}",
         "--output", output.name, str(lab.root / "demo.ipynb")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with chromium() as browser:
        page = browser.new_page(viewport=TALL)
        page.goto(output.as_uri())
        page.locator(".dpt-static").first.wait_for()
        check_waterfall(page, f"nbconvert {theme}")
        check_insights(page, f"nbconvert {theme}")
        check_group_opens(page, f"nbconvert {theme}")
        shot(page, f"{theme}-nbconvert")


@pytest.mark.timeout(300)
def test_a_ten_thousand_span_trace_shows_its_useful_parts_on_the_first_screen(lab: JupyterLab) -> None:
    lab.set_theme(THEMES["light"])
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(60_000)
        page.goto(f"{lab.base}/lab/tree/big.ipynb?reset")
        static = page.locator(".dpt-static").first
        static.wait_for()
        check_waterfall(page, "10,000 spans")
        first_screen = VIEWPORT["height"]
        slowest = static.locator("details.dpt-section", has_text="Slowest steps")
        group = static.locator("summary.dpt-row", has_text="×9,998")
        for part in (static.locator(".dpt-panel"), static.locator(".dpt-critical"), slowest, group):
            box = part.bounding_box()
            assert box is not None and box["y"] + box["height"] <= first_screen, (part, box)
        assert static.locator(".dpt-row").count() < 30  # folded, not 10,000 rows
        shot(page, "10k")
