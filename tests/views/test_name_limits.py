"""A huge name (an id, a prompt used as a span or block name) is cut in every view that shows it,
so what a report, the history or a comparison writes does not grow with the name."""

from __future__ import annotations

from datapizza_tracing.analysis.compare import compare_snapshots
from datapizza_tracing.session.history import TraceHistory
from datapizza_tracing.views.text import NAME_MAX
from tests.support.records import llm, snapshot, span
from tests.support.rendering import comparison_bundle, history_bundle, report_html, terminal_text

HUGE = 100_000


def _huge_trace(block: str):
    name = "n" * HUGE
    spans = [span(1, 0, 0, 40, block)]
    spans += [span(2 + i, 1, i, i + 1, f"{chr(97 + i % 26)}{i}{name}") for i in range(30)]
    spans.append(llm(40, 1, 35, 36, "m" * HUGE, 10, 5))
    return snapshot(*spans, name=block)


def test_a_report_of_thirty_huge_names_stays_small_in_html_and_text() -> None:
    trace = _huge_trace("b" * HUGE)
    html = report_html(trace)
    text = terminal_text(trace, width=120)
    # Each of the 31 names is 100,000 characters: whole in every row, title and table they were megabytes.
    assert len(html) < 600_000 and len(text) < 60_000
    assert f"… ({HUGE + 2 - NAME_MAX:,} more characters)" in html  # a span name "a0nnn…" cut with its count


def test_the_history_and_a_comparison_cut_huge_names_too() -> None:
    first, second = _huge_trace("b" * HUGE), _huge_trace("c" * HUGE)
    history = TraceHistory(limit=5)
    history.add(first)
    history.add(second)
    assert len(history_bundle(history.entries())["text/html"]) < 50_000
    bundle = comparison_bundle(compare_snapshots(first, second))
    assert len(bundle["text/html"]) < 200_000 and len(bundle["text/plain"]) < 50_000


def test_huge_attribute_keys_and_event_names_are_cut_in_the_span_details() -> None:
    huge = "k" * HUGE
    attributes = {f"{i}{huge}": "v" for i in range(20)}
    trace = snapshot(span(1, 0, 0, 2, "block"), span(2, 1, 0, 1, "step", attributes=attributes))
    html = report_html(trace)
    # Twenty keys of 100,000 characters: whole, the details alone were 2 MB.
    assert len(html) < 200_000
    assert f"… ({HUGE + 1 - NAME_MAX:,} more characters)" in html
