"""Spans of other services are marked with their service name in the tree and grouped in the time table."""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource

from datapizza_tracing.analysis.summary import summarize
from datapizza_tracing.views.timing import timing_table
from datapizza_tracing.views.waterfall import WaterfallNode, waterfall
from tests.support.records import llm, snapshot, span
from tests.support.rendering import report_html, terminal_text

OWN = Resource({"service.name": "notebook"})
INVENTORY = Resource({"service.name": "inventory"})


def _trace():
    return snapshot(
        span(1, 0, 0, 10, "block")._replace(resource=OWN),
        span(2, 1, 1, 9, "GET /items")._replace(resource=OWN),
        span(3, 2, 2, 8, "GET /items handler")._replace(resource=INVENTORY),
        llm(4, 3, 3, 7, "gpt-4o-mini", 20, 5)._replace(resource=INVENTORY),
        span(5, 1, 9, 10, "local step")._replace(resource=OWN),
    )


def _rows(node: WaterfallNode) -> dict[str, str | None]:
    rows = {node.row.label: node.row.service}
    for child in node.children:
        rows |= _rows(child)
    return rows


def test_only_spans_of_other_services_carry_a_service_mark() -> None:
    view = waterfall(_trace())
    assert view.root is not None
    assert _rows(view.root) == {
        "block": None,
        "GET /items": None,
        "GET /items handler": "inventory",
        "generation": "inventory",
        "local step": None,
    }


def test_both_renderers_show_the_service_mark() -> None:
    trace = _trace()
    text = terminal_text(trace, width=120)
    handler_line = next(line for line in text.splitlines() if "└─ GET /items handler" in line)
    assert "@inventory" in handler_line
    assert "@inventory" not in next(line for line in text.splitlines() if "local step" in line)
    assert 'title="service">@inventory</span>' in report_html(trace)


def test_the_time_table_groups_other_services_under_their_name() -> None:
    table = timing_table(_trace())
    assert table is not None
    names = [row[0].text for row in table.rows]
    at = names.index("@inventory")
    assert set(names[:at]) == {"block", "GET /items", "local step"}
    assert sorted(names[at + 1 :]) == ["  GET /items handler", "  generation"]
    assert table.rows[at][0].tone == "muted" and all(cell.text == "" for cell in table.rows[at][1:])


def test_a_remote_call_counts_once_in_the_token_table() -> None:
    usage = summarize(_trace()).usage
    assert usage["gpt-4o-mini"].calls == 1 and usage["gpt-4o-mini"].prompt_tokens == 20


def test_the_live_view_marks_spans_another_service_sent(monkeypatch) -> None:
    from opentelemetry import trace

    from datapizza_tracing import ContextTracing
    from datapizza_tracing.views.live import LiveProgress
    from tests.support.otlp_client import service_provider

    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "0")
    with ContextTracing().trace("live", receive=True) as handle:
        progress = LiveProgress(handle._block)
        with trace.get_tracer("tests.views").start_as_current_span("own step"):
            pass
        provider = service_provider("inventory", handle.otlp_traces_endpoint)
        # SimpleSpanProcessor: the span has been received when the `with` ends.
        with provider.get_tracer("inventory").start_as_current_span("remote step"):
            pass
        provider.shutdown()
        progress.advance()
        lines = {line.text for line in progress.frame([]).finished if line.text}
    assert lines == {"own step", "remote step @inventory"}
