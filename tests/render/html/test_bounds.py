"""A huge trace still renders small and fast, with exact totals and an explicit tail."""

from __future__ import annotations

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing, record_usage
from tests.support.html_check import parse
from tests.support.rendering import notebook_bundle, report_html

SPANS = 10_000


@pytest.fixture(scope="module")
def big_snapshot():
    tracer = trace.get_tracer("tests.render")
    payload = "q" * 3_000  # every span carries a long captured input
    with ContextTracing().trace("big", display="off") as handle:
        for i in range(SPANS - 1):  # plus the block's root span
            with tracer.start_as_current_span(f"call {i % 7}", attributes={"input": payload, "i": i}) as span:
                record_usage(span, model="gpt-4o-mini", prompt_tokens=3, completion_tokens=2, cached_tokens=1)
    return handle.snapshot()


def test_ten_thousand_spans_render_bounded_with_exact_totals(big_snapshot) -> None:
    assert len(big_snapshot.spans) == SPANS
    html = report_html(big_snapshot)  # its time is a benchmark figure (benchmarks/bench_render.py)
    assert len(html.encode()) <= 1_000_000
    root, _ = parse(html)
    text = root.all_text()
    assert "Total Spans: 10,000" in text
    assert "… 9,800 more spans" in text  # default tree limit: 200 shown
    assert len(list(root.iter(cls="dpt-row"))) == 200
    cells = [td.all_text() for td in next(root.iter("table", "dpt-tokens")).iter("td")]
    assert cells[:5] == ["gpt-4o-mini", "29,997", "19,998", "9,999", "0"]


def test_tree_limit_is_honoured_and_attribute_tables_only_for_shown_spans(big_snapshot) -> None:
    html = report_html(big_snapshot, tree_limit=10)
    root, _ = parse(html)
    assert len(list(root.iter(cls="dpt-row"))) == 10
    assert len(list(root.iter("table", "dpt-kv"))) == 9  # the root span has no attributes
    assert "… 9,990 more spans" in root.all_text()


def test_env_tree_limit_and_plain_text_tail(big_snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_TREE_LIMIT", "50")
    bundle = notebook_bundle(big_snapshot)
    assert "… 9,950 more spans" in bundle["text/html"]
    assert "… 9,950 more spans" in bundle["text/plain"] and "Total Spans: 10,000" in bundle["text/plain"]


def test_attribute_budget_caps_output_when_every_value_is_huge() -> None:
    tracer = trace.get_tracer("tests.render")
    huge = {f"field_{n}": "z" * 5_000 for n in range(60)}
    with ContextTracing().trace("wide", display="off") as handle:
        for _ in range(199):
            with tracer.start_as_current_span("wide span", attributes=huge):
                pass
    html = report_html(handle.snapshot())
    assert len(html.encode()) <= 1_000_000
    assert "details left out: the output size cap was reached" in html
