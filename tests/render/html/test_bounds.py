"""A huge trace still renders small and fast, with exact totals and an explicit tail."""

from __future__ import annotations

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing, TraceSnapshot, record_usage
from datapizza_tracing.views.waterfall import GROUP_SHOWN
from tests.support.html_check import parse
from tests.support.rendering import notebook_bundle, report_html

SPANS = 10_000


def _letters(number: int) -> str:
    """A name without digits, unique per number: loops of these do not fold into one family."""
    word = ""
    while True:
        number, rest = divmod(number, 26)
        word = chr(ord("a") + rest) + word
        if not number:
            return word


def _big(name_of) -> TraceSnapshot:
    tracer = trace.get_tracer("tests.render")
    payload = "q" * 3_000  # every span carries a long captured input
    with ContextTracing().trace("big", display="off") as handle:
        for i in range(SPANS - 1):  # plus the block's root span
            with tracer.start_as_current_span(name_of(i), attributes={"input": payload, "i": i}) as span:
                record_usage(span, model="gpt-4o-mini", prompt_tokens=3, completion_tokens=2, cached_tokens=1)
    return handle.snapshot()


@pytest.fixture(scope="module")
def loop_snapshot() -> TraceSnapshot:
    """10,000 spans of one loop: ``call 0`` … ``call 6`` over and over."""
    return _big(lambda i: f"call {i % 7}")


@pytest.fixture(scope="module")
def distinct_snapshot() -> TraceSnapshot:
    """10,000 spans with 10,000 different names: nothing folds, the tree limit does the capping."""
    return _big(lambda i: f"call {_letters(i)}")


def test_a_ten_thousand_span_loop_folds_into_one_group_with_exact_totals(loop_snapshot) -> None:
    assert len(loop_snapshot.spans) == SPANS
    html = report_html(loop_snapshot)  # its time is a benchmark figure (benchmarks/bench_render.py)
    assert len(html.encode()) <= 1_000_000
    root, _ = parse(html)
    text = root.all_text()
    assert "Total Spans: 10,000" in text
    rows = list(root.iter(cls="dpt-row"))
    assert len(rows) == 1 + 1 + GROUP_SHOWN  # the block, the loop's group row, its telling members
    assert "call 0 … call 6 ×9,999" in " ".join(rows[1].all_text().split())
    assert f"… {9_999 - GROUP_SHOWN:,} more in this group" in text
    cells = [td.all_text() for td in next(root.iter("table", "dpt-tokens")).iter("td")]
    assert cells[:6] == ["gpt-4o-mini", "9,999", "29,997", "19,998", "9,999", "0"]
    # What a reader needs comes before the rows: summary, the critical path, the slowest steps.
    order = [
        html.index(marker)
        for marker in ('class="dpt-panel"', 'class="dpt-critical"', "Slowest steps", 'class="dpt-row"')
    ]
    assert order == sorted(order)


def test_tree_limit_is_honoured_and_details_only_for_shown_spans(distinct_snapshot) -> None:
    html = report_html(distinct_snapshot, tree_limit=10)
    root, _ = parse(html)
    assert len(list(root.iter(cls="dpt-row"))) == 10
    assert len(list(root.iter("table", "dpt-kv"))) == 9  # the root span has no attributes
    assert "… 9,990 more spans" in root.all_text()


def test_default_limit_and_env_tree_limit_in_html_and_text(distinct_snapshot, monkeypatch) -> None:
    html = report_html(distinct_snapshot)
    assert len(html.encode()) <= 1_000_000 and "… 9,800 more spans" in html  # 200 rows by default
    monkeypatch.setenv("DATAPIZZA_TRACING_TREE_LIMIT", "50")
    bundle = notebook_bundle(distinct_snapshot)
    assert "… 9,950 more spans" in bundle["text/html"]
    assert "… 9,950 more spans" in bundle["text/plain"] and "Total Spans: 10,000" in bundle["text/plain"]


def test_attribute_budget_caps_output_when_every_value_is_huge() -> None:
    tracer = trace.get_tracer("tests.render")
    huge = {f"field_{n}": "z" * 5_000 for n in range(60)}
    with ContextTracing().trace("wide", display="off") as handle:
        for i in range(199):  # names that do not fold: every span is a row with its details
            with tracer.start_as_current_span(f"wide {_letters(i)}", attributes=huge):
                pass
    html = report_html(handle.snapshot())
    assert len(html.encode()) <= 1_000_000
    assert "details left out: the output size cap was reached" in html
