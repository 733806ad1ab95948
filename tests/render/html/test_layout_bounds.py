"""The static snapshot keeps its columns and the notebook's width whatever the depth and the names.

The structural tests read the HTML; the browser ones (marked ``slow``) measure it in Chromium.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from datapizza_tracing.analysis.compare import compare_snapshots
from datapizza_tracing.render.html.live import html_live
from datapizza_tracing.render.html.style import INDENT_DEPTH_MAX, INDENT_EM, WRAP_AFTER
from datapizza_tracing.session.history import TraceHistory
from datapizza_tracing.views.live import FINISHED_LINES, RUNNING_LINES, LiveFrame, LiveLine
from tests.support.html_check import Element, assert_safe
from tests.support.records import llm, snapshot, span
from tests.support.rendering import comparison_bundle, history_bundle, report_html

DEPTH = 100


def deep_chain(depth: int = DEPTH):
    """A root and one span under the other, ``depth`` levels down."""
    spans = [span(1, 0, 0, 100, "root")]
    spans += [span(1 + d, d, d * 0.1, 100 - d * 0.1, f"level {d}") for d in range(1, depth + 1)]
    return snapshot(*spans)


def long_named(length: int):
    """A block, a model and spans whose names are ``length`` characters without a space."""
    word = "h" * length
    spans = [span(1, 0, 0, 10, f"block{word}"), span(2, 1, 0, 9, f"agent{word}")]
    spans += [
        llm(10 + n, 2, n, n + 1, f"model-{word}", 1_234, 56)._replace(name=f"{word}step {n}")
        for n in range(3)
    ]
    return snapshot(*spans, name=f"block{word}")


def _labels(root: Element) -> list[Element]:
    return [row.children[0] for row in root.iter(cls="dpt-row")]


def test_deep_rows_keep_one_label_box_and_name_their_depth_past_the_indentation() -> None:
    root = assert_safe(report_html(deep_chain(), 1_000))
    labels = _labels(root)
    assert len(labels) == DEPTH + 1
    # Every label asks for the same room: the indentation stops growing, so nothing pushes the columns.
    minimums = {re.search(r"min-width:([\d.]+)em", label.attrs["style"]).group(1) for label in labels}
    assert len(minimums) == 1
    indents = [
        float(re.search(r"padding-left:([\d.]+)em", label.attrs["style"]).group(1)) for label in labels
    ]
    assert max(indents) == pytest.approx(INDENT_DEPTH_MAX * INDENT_EM)
    assert float(minimums.pop()) >= max(indents) + 4  # the deepest indentation still leaves room for a name
    # Past the indentation a row names its depth, as the terminal's collapsed guides do.
    for depth, label in enumerate(labels):
        marks = list(label.iter("span", "dpt-depth"))
        if depth > INDENT_DEPTH_MAX:
            assert [mark.all_text() for mark in marks] == [f"{depth}› "]
        else:
            assert not marks
    # What folds under a deep row (its details, a "more" line) is indented no further than its label.
    for block in root.iter(cls="dpt-detail"):
        assert float(re.search(r"padding:2px 0 6px ([\d.]+)em", block.attrs["style"]).group(1)) <= 10


def test_long_text_breaks_anywhere_in_tables_and_titles_but_numbers_never() -> None:
    html = report_html(long_named(10_000))
    root = assert_safe(html)
    outer = next(root.iter("div", "dpt-static"))
    assert "overflow-wrap:anywhere" in outer.attrs["style"]
    assert "overflow-wrap:anywhere" in next(root.iter("div", "dpt-panel")).attrs["style"]
    for table in root.iter("table"):
        for cell in table.iter("td"):
            style = cell.attrs.get("style") or ""
            if "text-align:right" in style:
                assert "white-space:nowrap" in style  # a number keeps one line
            elif len(cell.all_text()) > WRAP_AFTER:
                assert "overflow-wrap:anywhere" in style, cell.all_text()[:40]
    compare = assert_safe(comparison_bundle(compare_snapshots(long_named(200), long_named(200)))["text/html"])
    assert "overflow-wrap:anywhere" in next(compare.iter("div", "dpt-compare")).attrs["style"]
    history = TraceHistory(limit=5)
    history.add(long_named(200))
    cells = assert_safe(history_bundle(history.entries())["text/html"]).iter("td")
    assert any("overflow-wrap:anywhere" in cell.attrs["style"] for cell in cells)


# -- measured in Chromium ----------------------------------------------------------------------------

ROWS_JS = """() => { const w = document.querySelector('.dpt-waterfall');
  const box = e => e.getBoundingClientRect();
  const rows = [...w.querySelectorAll('.dpt-wf-head, .dpt-row')].filter(r => box(r).height > 0);
  return {rows: rows.length, right: Math.round(box(w).right),
          durations: rows.map(r => Math.round(box(r.children[1]).right)),
          tracks: rows.map(r => box(r.lastElementChild)).map(b => [Math.round(b.left), Math.round(b.right)])};
}"""

PAGE_JS = """() => { const nums = [...document.querySelectorAll('td, .dpt-row > span, .dpt-line > span')]
     .filter(e => /\\d(µs|ms|s)$|\\d→\\d/.test(e.textContent.trim()));
  return {width: document.documentElement.scrollWidth, numbers: nums.length,
          numberRight: Math.max(...nums.map(e => Math.round(e.getBoundingClientRect().right)))}; }"""


def _page(browser: Any, html: str, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.set_content(f"<html><body style='margin:8px'>{html}</body></html>")
    return page


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_every_row_of_a_deep_tree_keeps_one_right_edge_and_the_bars_stay_inside() -> None:
    from tests.support.jupyterlab import chromium

    html = report_html(deep_chain(), 1_000)
    with chromium() as browser:
        for width in (600, 900, 1400):
            measured = _page(browser, html, width).evaluate(ROWS_JS)
            assert measured["rows"] == DEPTH + 2, (width, measured["rows"])  # the header and every span
            assert len(set(measured["durations"])) == 1, (width, sorted(set(measured["durations"])))
            assert len(set(map(tuple, measured["tracks"]))) == 1, (width, measured["tracks"][-3:])
            assert measured["tracks"][0][1] <= measured["right"], (width, measured)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("length", [200, 10_000])
def test_long_names_keep_every_output_within_the_notebook_and_its_numbers_in_view(length: int) -> None:
    from tests.support.jupyterlab import chromium

    a, b = long_named(length), long_named(length)
    history = TraceHistory(limit=5)
    history.add(a)
    word = "h" * length
    running = [
        LiveLine(f"live{word} › running{word}", "1.2ms", "running"),
        *[LiveLine()] * (RUNNING_LINES - 1),
    ]
    finished = [LiveLine(f"done{word}", "13µs"), *[LiveLine()] * (FINISHED_LINES - 1)]
    live = LiveFrame(f"live{word}", 0.5, 3, 2, 0, {f"model-{word}": (1_234, 56)}, None, running, finished, 1)
    outputs = {
        "report": report_html(a),
        "compare": comparison_bundle(compare_snapshots(a, b))["text/html"],
        "history": history_bundle(history.entries())["text/html"],
        "live": html_live(live),
    }
    width = 900
    with chromium() as browser:
        for name, html in outputs.items():
            measured = _page(browser, html, width).evaluate(PAGE_JS)
            assert measured["width"] <= width, (name, measured)
            assert measured["numbers"] and measured["numberRight"] <= width, (name, measured)
